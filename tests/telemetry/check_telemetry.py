#!/usr/bin/env python3
"""Static checks of herd's Grafana dashboard and alert rules against the metric contract.

  check_telemetry.py --metrics telemetry/metrics.txt \
      --dashboard telemetry/grafana/herd-dashboard.json --rules telemetry/prometheus/herd-rules.yaml
  check_telemetry.py --self-test

The dashboard must parse, be schemaVersion 37+, take its data source from a `datasource`
variable of type prometheus, offer `namespace` and `pod` variables (label_values on
herd_build_info), carry the rows issue 7 asks for, and every panel query must use only metrics of
the contract and filter every selector by namespace=~"$namespace" and pod=~"$pod". The rules
may use only contract metrics and Prometheus's `up`. Exits 1 with one line per problem.
Only the standard library: ctest runs it wherever python3 exists (the rules file is read with a
small block reader, not PyYAML).
"""
import argparse
import json
import re
import sys

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
            "unless", "offset", "inf", "nan", "atan2"}
LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<matchers>\{(?:[^{}"]|"(?:[^"\\]|\\.)*")*\})
  | (?P<range>\[[^\]]*\])
  | (?P<number>(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?))
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<op>[-+*/%^(),]|[=!<>]=|[<>]|=~|!~)
""", re.VERBOSE)

REQUIRED_ROWS = ["Cluster health", "Workloads", "Failover", "Sync", "API", "Kubernetes"]
FILTERS = ['namespace=~"$namespace"', 'pod=~"$pod"']


def load_contract(path):
    """Returns the set of series names the contract allows (histograms expanded)."""
    names = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, kind = line.split()[:2]
            if kind == "histogram":
                names.update(name + s for s in ("_bucket", "_sum", "_count"))
            elif kind in ("counter", "gauge"):
                names.add(name)
            else:
                raise ValueError(f"{path}: {name}: unknown type {kind}")
    return names


def selectors(expr):
    """Yields (metric name, matcher text or "") for every vector selector of a PromQL expr.

    A selector without a name ({__name__=...}) yields ("", matchers). Raises ValueError on text
    the tokenizer does not know.
    """
    tokens = []
    pos = 0
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m:
            raise ValueError(f"cannot tokenize at {expr[pos:pos + 20]!r}")
        pos = m.end()
        if m.lastgroup != "space":
            tokens.append((m.lastgroup, m.group()))
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else (None, None)
        if kind == "ident" and text in LABEL_LIST_KEYWORDS:
            i += 1
            if nxt == ("op", "("):  # skip the label list
                while i < len(tokens) and tokens[i] != ("op", ")"):
                    i += 1
            i += 1
            continue
        if kind == "ident" and (nxt == ("op", "(") or nxt in (("ident", "by"),
                                                            ("ident", "without"))):
            # a function, or an aggregation (`sum (...)`, `sum by (le) (...)`)
            i += 1
            continue
        if kind == "ident" and text not in KEYWORDS:
            if nxt[0] == "matchers":
                yield text, nxt[1]
                i += 2
            else:
                yield text, ""
                i += 1
            continue
        if kind == "matchers":
            yield "", text
        i += 1


def check_expr(where, expr, allowed, need_filters):
    problems = []
    try:
        found = list(selectors(expr))
    except ValueError as e:
        return [f"{where}: {e}"]
    if not found:
        problems.append(f"{where}: no metric in {expr!r}")
    for name, matchers in found:
        if not name:
            problems.append(f"{where}: selector without a metric name: {matchers}")
        elif name not in allowed:
            problems.append(f"{where}: metric {name} is not in the contract")
        if need_filters:
            for f in FILTERS:
                if f not in matchers:
                    problems.append(f"{where}: {name or matchers} lacks {f}")
    return problems


def check_dashboard(path, allowed):
    problems = []
    try:
        with open(path, encoding="utf-8") as f:
            dash = json.load(f)
    except (OSError, ValueError) as e:
        return [f"{path}: {e}"]
    if dash.get("schemaVersion", 0) < 37:
        problems.append(f"{path}: schemaVersion {dash.get('schemaVersion')} < 37")
    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    ds = variables.get("datasource", {})
    if ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        problems.append(f"{path}: no `datasource` variable of type prometheus")
    for name in ("namespace", "pod"):
        v = variables.get(name, {})
        q = v.get("query", {})
        q = q.get("query", "") if isinstance(q, dict) else q
        if not re.match(rf"label_values\(herd_build_info(\{{.*\}})?, {name}\)$", q):
            problems.append(f"{path}: variable {name} is not label_values on herd_build_info")
        if not v.get("includeAll") or v.get("allValue") != ".*":
            problems.append(f"{path}: variable {name} needs includeAll with allValue .*")
    panels = dash.get("panels", [])
    rows = [p.get("title") for p in panels if p.get("type") == "row"]
    for r in REQUIRED_ROWS:
        if r not in rows:
            problems.append(f"{path}: no row {r!r}")
    ids = set()
    for p in panels:
        if p.get("type") == "row":
            continue
        where = f"{path}: panel {p.get('title')!r}"
        if p.get("id") in ids:
            problems.append(f"{where}: duplicate id {p.get('id')}")
        ids.add(p.get("id"))
        if p.get("datasource", {}).get("uid") != "${datasource}":
            problems.append(f"{where}: datasource is not ${{datasource}}")
        if not p.get("targets"):
            problems.append(f"{where}: no targets")
        for t in p.get("targets", []):
            if t.get("datasource", {}).get("uid") != "${datasource}":
                problems.append(f"{where}: target {t.get('refId')} datasource not ${{datasource}}")
            problems += check_expr(f"{where} {t.get('refId')}", t.get("expr", ""), allowed, True)
    return problems


def rule_exprs(path):
    """The `expr:` of every rule in a Prometheus rules file, plain or folded (>-, |)."""
    exprs = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(?:- )?expr:\s*(.*)$", lines[i])
        i += 1
        if not m:
            continue
        indent, value = len(m.group(1)), m.group(2).strip()
        if value and value[0] not in ">|":
            exprs.append(value.strip("'\"") if value[0] in "'\"" else value)
            continue
        body = []
        while i < len(lines) and (not lines[i].strip() or
                                  len(lines[i]) - len(lines[i].lstrip()) > indent):
            body.append(lines[i].strip())
            i += 1
        exprs.append(" ".join(b for b in body if b))
    return exprs


def check_rules(path, allowed):
    try:
        exprs = rule_exprs(path)
    except OSError as e:
        return [f"{path}: {e}"]
    if not exprs:
        return [f"{path}: no rules"]
    problems = []
    for k, e in enumerate(exprs):
        problems += check_expr(f"{path}: rule {k + 1}", e, allowed | {"up"}, False)
    return problems


def self_test():
    allowed = {"herd_a_total", "herd_b_bucket"}
    sel = '{namespace=~"$namespace", pod=~"$pod"}'
    cases = [
        (f"sum by (pod, le) (rate(herd_b_bucket{sel}[$__rate_interval]))", True, 0),
        (f"herd_a_total{sel} / on (instance) group_left (version) herd_b_bucket{sel}", True, 0),
        (f"histogram_quantile(0.99, sum by (le) (rate(herd_b_bucket{sel}[5m]))) > 1e-3", True, 0),
        (f"herd_nope{sel}", True, 1),
        ('herd_a_total{namespace=~"$namespace"}', True, 1),
        ("herd_a_total", True, 2),
        ("herd_a_total", False, 0),
        ('{__name__="herd_a_total"}', False, 1),
        ("sum(rate(herd_a_total[5m])) or up == 0", False, 1),
        ("count without (instance) (herd_nope) > bool 0", False, 1),
    ]
    failed = 0
    for expr, filters, want in cases:
        got = check_expr("self-test", expr, allowed, filters)
        if len(got) != want:
            print(f"self-test: {expr!r}: want {want} problems, got {got}")
            failed += 1
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--metrics")
    ap.add_argument("--dashboard")
    ap.add_argument("--rules")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        failed = self_test()
        print("self-test:", "FAILED" if failed else "ok")
        return 1 if failed else 0
    allowed = load_contract(args.metrics)
    problems = []
    if args.dashboard:
        problems += check_dashboard(args.dashboard, allowed)
    if args.rules:
        problems += check_rules(args.rules, allowed)
    for p in problems:
        print(p)
    print(f"check_telemetry: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
