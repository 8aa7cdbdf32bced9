#!/usr/bin/env bash
# The kind e2e suite: a real Kubernetes cluster (kind, 1 control plane + 3 workers), the herd
# image built and loaded, the chart installed, and the shared fault scenarios
# (e2e/lib/scenarios.sh, the same as the local lab's) plus kind-only ones
# (e2e/kind/scenarios_kind.sh: helm test, scale 3->5->3, node drain, Workload resources,
# metrics) run through e2e/kind/driver.sh. The cluster is deleted at the end (trap) unless
# --keep.
#
#   e2e/kind/run.sh [--name CLUSTER] [--keep] [--reuse] [--skip-build] [--image IMG]
#                   [--scenario NAME]... [--workloads N] [--members N] [--out-dir DIR]
#                   [--prometheus]
#   e2e/kind/run.sh --list
#
# Needs docker, kind (>= 0.24: its CNI enforces NetworkPolicy), kubectl, helm, jq, curl.
# kubectl and helm default to build/tools/ (make deps). Defaults: CLUSTER=herd-e2e, IMG=herd:e2e,
# every scenario (IMG needs a tag), N=20 workloads, 5 members, out DIR=build/e2e/kind. --reuse keeps an existing
# cluster of that name; --prometheus installs kube-prometheus-stack (from the
# prometheus-community Helm repository) so the metrics scenario checks Prometheus itself.
# Exits 0 when every scenario passed or was skipped, 1 otherwise, 77 when a tool is missing.
set -uo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cluster=herd-e2e
keep=0
reuse=0
build=1
image=herd:e2e
scenarios=()
members=5
out_dir=$repo/build/e2e/kind
prometheus=0
list=0
usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --name) cluster=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --reuse) reuse=1; shift ;;
    --skip-build) build=0; shift ;;
    --image) image=$2; shift 2 ;;
    --scenario) scenarios+=("$2"); shift 2 ;;
    --workloads) SC_WORKLOADS=$2; shift 2 ;;
    --members) members=$2; shift 2 ;;
    --out-dir) out_dir=$2; shift 2 ;;
    --prometheus) prometheus=1; shift ;;
    --list) list=1; shift ;;
    -h | --help) usage ;;
    *) echo "kind: unknown argument $1" >&2; usage ;;
  esac
done

export KUBECTL=${KUBECTL:-$repo/build/tools/kubectl} HELM=${HELM:-$repo/build/tools/helm}
[ -x "$KUBECTL" ] || KUBECTL=$(command -v kubectl || echo kubectl)
[ -x "$HELM" ] || HELM=$(command -v helm || echo helm)
export KIND_MEMBERS=$members KIND_PROMETHEUS=$prometheus KIND_IMAGE=$image
export KUBECONFIG=${KUBECONFIG:-$out_dir/kubeconfig}
# Kind scenarios poll through kubectl exec (~0.1-0.3 s a call): slower polls, longer deadlines.
SC_WORKLOADS=${SC_WORKLOADS:-20}
export SC_POLL=${SC_POLL:-0.5} SC_SETTLE_DEADLINE_S=${SC_SETTLE_DEADLINE_S:-90}
export SC_HOLD_S=${SC_HOLD_S:-5}

# shellcheck source=e2e/kind/driver.sh
source "$here/driver.sh"
# shellcheck source=e2e/lib/scenarios.sh
source "$repo/e2e/lib/scenarios.sh"
# shellcheck source=e2e/kind/scenarios_kind.sh
source "$here/scenarios_kind.sh"

all=("${KIND_SCENARIOS[@]}" "${SC_ALL[@]}")
if ((list)); then
  printf '%s\n' "${all[@]}"
  exit 0
fi
((${#scenarios[@]} > 0)) || scenarios=("${all[@]}")
for s in "${scenarios[@]}"; do
  declare -F "sc_$s" >/dev/null || { echo "kind: no scenario $s (--list)" >&2; exit 2; }
done
if (( members < 5 )); then
  echo "kind: --members must be at least 5 (the scenarios kill members 3 and 4)" >&2
  exit 2
fi
for tool in docker kind "$KUBECTL" "$HELM" jq curl timeout; do
  command -v "$tool" >/dev/null || { echo "kind: $tool not found; skipped" >&2; exit 77; }
done

run=kind$(date +%Y%m%d-%H%M%S)-$$
run_dir=$out_dir/$run
mkdir -p "$run_dir/tmp"
SC_RUN=$run SC_RESULTS=$run_dir/results.jsonl SC_TMP=$run_dir/tmp SC_LOG=$run_dir/kind.log
: >"$SC_RESULTS"

created=0
# shellcheck disable=SC2317 # called by the EXIT trap
on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  sc_abort
  if ((created && !keep)); then
    echo "kind: deleting cluster $cluster"
    kind delete cluster --name "$cluster" >>"$SC_LOG" 2>&1
  elif ((created || reuse)); then
    echo "kind: cluster $cluster kept (KUBECONFIG=$KUBECONFIG); kind delete cluster --name $cluster"
  fi
  echo "kind: log and results in $run_dir"
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() { echo "kind: $*"; echo "=== $*" >>"$SC_LOG"; }

if ((reuse)) && kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  step "reusing cluster $cluster"
  kind export kubeconfig --name "$cluster" --kubeconfig "$KUBECONFIG" >>"$SC_LOG" 2>&1 || exit 1
else
  step "creating cluster $cluster (1 control plane, 3 workers)"
  kind create cluster --name "$cluster" --config "$here/kind-config.yaml" \
    --kubeconfig "$KUBECONFIG" --wait 180s >>"$SC_LOG" 2>&1 || { echo "kind: create failed" >&2; exit 1; }
  created=1
fi

if ((build)); then
  step "building $image (docker build --target e2e)"
  docker build --target e2e -t "$image" "$repo" >>"$SC_LOG" 2>&1 ||
    { echo "kind: docker build failed; see $SC_LOG" >&2; exit 1; }
fi
step "loading $image into the nodes"
kind load docker-image "$image" --name "$cluster" >>"$SC_LOG" 2>&1 || exit 1

if ((prometheus)); then
  step "installing kube-prometheus-stack (release kps, namespace monitoring)"
  "$HELM" repo add prometheus-community https://prometheus-community.github.io/helm-charts \
    >>"$SC_LOG" 2>&1
  "$HELM" upgrade --install kps prometheus-community/kube-prometheus-stack -n monitoring \
    --create-namespace --set grafana.enabled=false --set alertmanager.enabled=false \
    --wait --timeout 10m >>"$SC_LOG" 2>&1 || { echo "kind: kube-prometheus-stack failed" >&2; exit 1; }
fi

"$KUBECTL" create namespace "$KIND_NS" --dry-run=client -o yaml | "$KUBECTL" apply -f - \
  >>"$SC_LOG" 2>&1
step "running ${scenarios[*]} ($SC_WORKLOADS workloads, $KIND_MEMBERS members)"
status=0
start=$SECONDS
for s in "${scenarios[@]}"; do
  sc_run "$s" || status=1
done

echo
jq -r '[.scenario, .verdict, .lost, .duplicates_after_settle, .max_duplicates_during,
        (.settle_s // "-"), (.reasons | join("; "))] | @tsv' "$SC_RESULTS" |
  (printf 'scenario\tverdict\tlost\tdups_after\tmax_dups_during\tsettle_s\treasons\n'; cat) |
  column -t -s $'\t'
jq -rs '"\n\(map(select(.verdict == "PASS")) | length) passed, " +
  "\(map(select(.verdict != "PASS" and .verdict != "SKIP")) | length) failed, " +
  "\(map(select(.verdict == "SKIP")) | length) skipped"' "$SC_RESULTS"
echo "kind: $((SECONDS - start))s"
exit $status
