#!/usr/bin/env node
// Offline validation of what the herd chart renders, and of the Workload CRD's schema.
//
//   node scripts/check-manifests.mjs [FILE.yaml ...]     (default: manifests/*.yaml)
//
// 1. Every document of every FILE is validated with the matching kubernetes-models class
//    (`.validate()`, the Kubernetes OpenAPI schemas compiled with ajv): core and apps objects,
//    RBAC, policy, networking, the CRD itself, and the Prometheus Operator (ServiceMonitor,
//    PodMonitor, PrometheusRule) and cert-manager (Certificate) kinds from their model packages.
//    Workload objects are validated by our own CRD's schema (2). On top, chart conventions: the
//    app.kubernetes.io/* and helm.sh/chart labels, the `restricted` pod security fields, the
//    embedded alert rules and dashboard equal telemetry/'s files, and the scrape job of a
//    ServiceMonitor or PodMonitor has "herd" in its name (HerdTargetDown expects it).
// 2. The CRD's openAPIV3Schema (helm/herd/crds/workloads.herd.dev.yaml) is compiled with the ajv
//    that kubernetes-models uses, the way the API server reads it: defaults applied, unknown
//    fields rejected (kubectl's strict field validation), x-kubernetes-list-type map keys
//    unique, x-kubernetes-int-or-string, and the CEL rules (x-kubernetes-validations) through a
//    JavaScript twin of each rule (an unknown rule is an error, so the twins cannot drift).
//    Every Workload in examples/workloads/ must pass; every file in tests/manifests/bad-workloads/
//    must fail, with the error its `# expect: TEXT` line names.
//
// The npm packages come from build/tools/node_modules (scripts/deps.sh, pinned by
// tools/npm/package-lock.json). Exit status 0 when everything holds, 1 otherwise.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tools = path.join(root, "build", "tools") + path.sep;
const require = createRequire(tools);
let yaml;
try {
  yaml = require("js-yaml");
  require.resolve("kubernetes-models");
} catch (e) {
  console.error("check-manifests: npm tools missing in build/tools/node_modules; run make deps");
  process.exit(1);
}
const Ajv = require("ajv").default;
const addFormats = require("ajv-formats").default;

const errors = [];
const fail = (where, message) => errors.push(`${where}: ${message}`);

function loadAll(file) {
  return yaml.loadAll(fs.readFileSync(file, "utf8"), null, { filename: file }).filter((d) => d != null);
}

// ---------------------------------------------------------------------------------------------
// The Workload schema.

const crdFile = path.join(root, "helm/herd/crds/workloads.herd.dev.yaml");
const crd = loadAll(crdFile)[0];
const crdVersion = crd.spec.versions.find((v) => v.storage);
const workloadApiVersion = `${crd.spec.group}/${crdVersion.name}`;

// JavaScript twins of the CRD's CEL rules, keyed by the rule's exact text.
const celTwins = {
  "has(self.runtime) && self.runtime == 'container' ? (has(self.image) && self.image != '') : (has(self.command) && size(self.command) > 0)":
    (self) =>
      self.runtime === "container"
        ? self.image != null && self.image !== ""
        : self.command != null && self.command.length > 0,
  "size(self) == 0 || self[0] != ''": (self) => self.length === 0 || self[0] !== "",
};
// The API server evaluates a rule only on a value of its schema's type.
const ofType = (schema, v) =>
  ({ object: v !== null && typeof v === "object" && !Array.isArray(v), array: Array.isArray(v) })[schema.type] ?? true;

// The schema as the API server applies it: an object schema with properties and without
// x-kubernetes-preserve-unknown-fields admits no other fields.
function strictCopy(schema) {
  if (Array.isArray(schema)) return schema.map(strictCopy);
  if (schema === null || typeof schema !== "object") return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === "properties" ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, strictCopy(s)])) : strictCopy(v);
  }
  if (out.properties && out.additionalProperties === undefined && !out["x-kubernetes-preserve-unknown-fields"]) {
    out.additionalProperties = false;
  }
  return out;
}

function compileWorkloadSchema() {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  addFormats(ajv);
  ajv.addFormat("int32", { type: "number", validate: (n) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat("int64", { type: "number", validate: (n) => Number.isInteger(n) });
  for (const k of ["x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-list-type"]) {
    ajv.addKeyword({ keyword: k });
  }
  ajv.addKeyword({
    keyword: "x-kubernetes-list-map-keys",
    type: "array",
    errors: true,
    validate: function unique(keys, data) {
      const seen = new Set();
      for (const item of data) {
        const id = JSON.stringify(keys.map((k) => item?.[k]));
        if (seen.has(id)) {
          unique.errors = [{ keyword: "x-kubernetes-list-map-keys", message: `Duplicate value: ${id}`, params: {} }];
          return false;
        }
        seen.add(id);
      }
      return true;
    },
  });
  ajv.addKeyword({
    keyword: "x-kubernetes-validations",
    errors: true,
    compile(rules, schema) {
      const twins = rules.map((r) => {
        const twin = celTwins[r.rule];
        if (!twin) throw new Error(`CEL rule without a JavaScript twin in check-manifests.mjs: ${r.rule}`);
        return [twin, r.message ?? `failed rule: ${r.rule}`];
      });
      return function cel(data) {
        if (!ofType(schema, data)) return true;
        const failed = twins.filter(([twin]) => !twin(data));
        cel.errors = failed.map(([, message]) => ({ keyword: "x-kubernetes-validations", message, params: {} }));
        return failed.length === 0;
      };
    },
  });
  return ajv.compile(strictCopy(crdVersion.schema.openAPIV3Schema));
}
const validateWorkloadSchema = compileWorkloadSchema();

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

// Errors of one Workload object, as the API server would report them; empty when valid.
function workloadErrors(doc) {
  const out = [];
  if (doc.apiVersion !== workloadApiVersion) out.push(`apiVersion must be ${workloadApiVersion}, got ${JSON.stringify(doc.apiVersion)}`);
  if (doc.kind !== crd.spec.names.kind) out.push(`kind must be ${crd.spec.names.kind}, got ${JSON.stringify(doc.kind)}`);
  // metadata follows Kubernetes' own rules for custom resources.
  const name = doc.metadata?.name;
  if (typeof name !== "string" || name.length > 253 || !dns1123Subdomain.test(name)) {
    out.push(`/metadata/name must be a DNS-1123 subdomain, got ${JSON.stringify(name)}`);
  }
  const copy = structuredClone(doc);
  if (!validateWorkloadSchema(copy)) {
    for (const e of validateWorkloadSchema.errors) {
      const extra = e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : "";
      out.push(`${e.instancePath || "/"} ${e.message}${extra}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes objects.

function modelModule(apiVersion) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "") return `kubernetes-models/${version}`;
  if (group === "monitoring.coreos.com") return `@kubernetes-models/prometheus-operator/${group}/${version}`;
  if (group.endsWith("cert-manager.io")) return `@kubernetes-models/cert-manager/${group}/${version}`;
  return `kubernetes-models/${group}/${version}`;
}

const requiredLabels = [
  "app.kubernetes.io/name",
  "app.kubernetes.io/instance",
  "app.kubernetes.io/version",
  "app.kubernetes.io/component",
  "app.kubernetes.io/managed-by",
  "helm.sh/chart",
];

function checkPodSecurity(where, pod) {
  const psc = pod.securityContext ?? {};
  for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
    const sc = c.securityContext ?? {};
    const at = `${where} container ${c.name}`;
    if (!(sc.runAsNonRoot ?? psc.runAsNonRoot)) fail(at, "runAsNonRoot must be true (restricted)");
    if ((sc.seccompProfile ?? psc.seccompProfile)?.type !== "RuntimeDefault") fail(at, "seccompProfile must be RuntimeDefault");
    if (sc.allowPrivilegeEscalation !== false) fail(at, "allowPrivilegeEscalation must be false");
    if (!sc.capabilities?.drop?.includes("ALL")) fail(at, "capabilities must drop ALL");
    if (sc.readOnlyRootFilesystem !== true) fail(at, "readOnlyRootFilesystem must be true");
  }
}

const selects = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

function checkChartConventions(where, doc, docs) {
  const labels = doc.metadata?.labels ?? {};
  if (doc.kind !== "CustomResourceDefinition") {
    for (const l of requiredLabels) if (!(l in labels)) fail(where, `label ${l} missing`);
  }
  if (doc.kind === "StatefulSet") {
    checkPodSecurity(where, doc.spec.template.spec);
    if (doc.spec.podManagementPolicy !== "Parallel") fail(where, "podManagementPolicy must be Parallel");
  }
  if (doc.kind === "Pod") checkPodSecurity(where, doc.spec);
  if (doc.kind === "PrometheusRule") {
    const want = loadAll(path.join(root, "telemetry/prometheus/herd-rules.yaml"))[0];
    if (JSON.stringify(doc.spec) !== JSON.stringify(want)) fail(where, "spec differs from telemetry/prometheus/herd-rules.yaml");
  }
  if (doc.kind === "ConfigMap" && labels.grafana_dashboard === "1") {
    const want = JSON.parse(fs.readFileSync(path.join(root, "telemetry/grafana/herd-dashboard.json"), "utf8"));
    const [key] = Object.keys(doc.data ?? {});
    if (!key || JSON.stringify(JSON.parse(doc.data[key])) !== JSON.stringify(want)) {
      fail(where, "dashboard differs from telemetry/grafana/herd-dashboard.json");
    }
  }
  // The scrape job's name: from the jobLabel of the scraped Service or pod, else the object's.
  if (doc.kind === "ServiceMonitor") {
    const services = docs.filter((d) => d.kind === "Service" && selects(doc.spec.selector.matchLabels, d.metadata.labels));
    if (services.length === 0) fail(where, "selects no Service of the chart");
    for (const s of services) {
      const job = doc.spec.jobLabel ? s.metadata.labels?.[doc.spec.jobLabel] : s.metadata.name;
      if (!/herd/.test(job ?? "")) fail(where, `scrape job ${JSON.stringify(job)} of Service ${s.metadata.name} lacks "herd"`);
    }
  }
  if (doc.kind === "PodMonitor") {
    const sets = docs.filter((d) => d.kind === "StatefulSet");
    for (const s of sets) {
      const podLabels = s.spec.template.metadata.labels;
      if (!selects(doc.spec.selector.matchLabels, podLabels)) fail(where, `selects no pod of StatefulSet ${s.metadata.name}`);
      const job = doc.spec.jobLabel ? podLabels?.[doc.spec.jobLabel] : `${doc.metadata.namespace}/${doc.metadata.name}`;
      if (!/herd/.test(job ?? "")) fail(where, `scrape job ${JSON.stringify(job)} lacks "herd"`);
    }
  }
}

let objects = 0;
const kinds = new Set();
function checkFile(file) {
  const rel = path.relative(root, file);
  let docs;
  try {
    docs = loadAll(file);
  } catch (e) {
    fail(rel, `not YAML: ${e.message}`);
    return;
  }
  if (docs.length === 0) fail(rel, "no objects");
  docs.forEach((doc, i) => {
    const where = `${rel} #${i + 1} ${doc?.kind ?? "?"}/${doc?.metadata?.name ?? "?"}`;
    if (!doc || typeof doc !== "object" || !doc.apiVersion || !doc.kind) {
      fail(where, "not a Kubernetes object (apiVersion and kind)");
      return;
    }
    objects++;
    kinds.add(doc.kind);
    if (doc.apiVersion === workloadApiVersion) {
      for (const e of workloadErrors(doc)) fail(where, e);
      return;
    }
    let Model;
    try {
      Model = require(modelModule(doc.apiVersion))[doc.kind];
    } catch (e) {
      Model = undefined;
    }
    if (!Model) {
      fail(where, `no kubernetes-models class for ${doc.apiVersion} ${doc.kind}`);
      return;
    }
    try {
      new Model(doc).validate();
    } catch (e) {
      fail(where, e.message);
    }
    checkChartConventions(where, doc, docs);
  });
}

const files = process.argv.slice(2);
if (files.length === 0) {
  const dir = path.join(root, "manifests");
  for (const f of fs.readdirSync(dir).sort()) if (f.endsWith(".yaml")) files.push(path.join(dir, f));
}
for (const f of files) checkFile(path.resolve(f));

// ---------------------------------------------------------------------------------------------
// The CRD's schema against the examples and the broken workloads.

let accepted = 0;
const examplesDir = path.join(root, "examples/workloads");
for (const f of fs.readdirSync(examplesDir).sort().filter((f) => /\.ya?ml$/.test(f))) {
  loadAll(path.join(examplesDir, f)).forEach((doc, i) => {
    const errs = workloadErrors(doc);
    for (const e of errs) fail(`examples/workloads/${f} #${i + 1}`, `rejected by the CRD schema: ${e}`);
    if (errs.length === 0) accepted++;
  });
}

let rejected = 0;
const badDir = path.join(root, "tests/manifests/bad-workloads");
const badFiles = fs.readdirSync(badDir).sort().filter((f) => /\.ya?ml$/.test(f));
for (const f of badFiles) {
  const where = `tests/manifests/bad-workloads/${f}`;
  const text = fs.readFileSync(path.join(badDir, f), "utf8");
  const expect = /^# expect: (.+)$/m.exec(text)?.[1];
  if (!expect) {
    fail(where, "has no `# expect: TEXT` line naming the error it must cause");
    continue;
  }
  const docs = yaml.loadAll(text).filter((d) => d != null);
  const errs = docs.flatMap(workloadErrors);
  if (errs.length === 0) {
    fail(where, "accepted by the CRD schema, but it is broken");
  } else if (!errs.some((e) => e.includes(expect))) {
    fail(where, `rejected, but not for "${expect}": ${errs.join("; ")}`);
  } else {
    rejected++;
    if (process.env.VERBOSE) console.log(`  rejected ${f}: ${errs.join("; ")}`);
  }
}

if (errors.length) {
  for (const e of errors) console.error(`check-manifests: ${e}`);
  console.error(`check-manifests: ${errors.length} problem(s)`);
  process.exit(1);
}
console.log(
  `check-manifests: ok: ${objects} objects (${kinds.size} kinds) in ${files.length} files valid; ` +
    `CRD schema accepts ${accepted} example workloads, rejects ${rejected} broken ones`,
);
