#!/usr/bin/env bash
# Every static check, in one pass (make lint); fails if any fails, after running them all:
#   - clang-format on all C++ sources; clang-tidy on C++ files changed against origin/main (or
#     HEAD~1);
#   - shellcheck on every shell script (scripts/, e2e/ with its subdirectories, .ci/run),
#     tracked or new;
#   - helm lint of helm/herd with the default values, ci/all-features-values.yaml, a token file
#     and sidecar mode;
#   - scripts/manifests.sh --check: manifests/ and the chart's copies of telemetry/ files are
#     up to date;
#   - scripts/check-manifests.mjs: every rendered object (manifests/, the helm test pod and the
#     token-file variant, the sidecar example tests/manifests/sidecar-app) valid against the Kubernetes schemas, and the
#     Workload CRD's schema accepts examples/workloads/ and rejects tests/manifests/bad-workloads/;
#   - scripts/check-image-libs.sh: the Dockerfile's runtime stage has every library BUILD/herd
#     needs (skipped, and said so, when BUILD/herd is not built).
# helm, kubectl and the npm packages come from build/tools (make deps).
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
fail=0
section() { echo "lint: $*"; }

mapfile -t cpp < <(git ls-files '*.h' '*.cc')
if ((${#cpp[@]})); then
  section "clang-format (${#cpp[@]} files)"
  clang-format --dry-run --Werror "${cpp[@]}" || fail=1
fi
base=$(git rev-parse -q --verify origin/main || git rev-parse -q --verify HEAD~1 || true)
if [ -n "$base" ] && [ -f "$build/compile_commands.json" ]; then
  mapfile -t changed < <(git diff --name-only "$base" -- '*.cc' | while read -r f; do [ -f "$f" ] && echo "$f"; done)
  if ((${#changed[@]})); then
    section "clang-tidy (${#changed[@]} changed files)"
    clang-tidy -p "$build" --quiet "${changed[@]}" || fail=1
  fi
fi
mapfile -t sh < <(git ls-files --cached --others --exclude-standard '*.sh' '.ci/run' | sort -u |
  while read -r f; do [ -f "$f" ] && echo "$f"; done)
if ((${#sh[@]})); then
  section "shellcheck (${#sh[@]} scripts)"
  shellcheck -x "${sh[@]}" || fail=1
fi

helm=build/tools/helm
if [ ! -x "$helm" ] || [ ! -d build/tools/node_modules/kubernetes-models ]; then
  echo "lint: helm or the npm tools are missing in build/tools; run make deps" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HELM_CACHE_HOME=$tmp/helm/cache HELM_CONFIG_HOME=$tmp/helm/config HELM_DATA_HOME=$tmp/helm/data

section "helm lint helm/herd (default, all features, token file, sidecar mode, a refused one)"
"$helm" lint --strict helm/herd --quiet || fail=1
"$helm" lint --strict helm/herd --quiet -f helm/herd/ci/all-features-values.yaml || fail=1
"$helm" lint --strict helm/herd --quiet --set auth.tokenFile.secretName=herd-tokens || fail=1
"$helm" lint --strict helm/herd --quiet --set mode=sidecar \
  --set sidecar.podLabels.app=example || fail=1
# The schema refuses what the agent would refuse at start.
if "$helm" lint --strict helm/herd --quiet --set agent.strategy=random \
  --set agent.redistribution=active >"$tmp/refused.txt" 2>&1; then
  echo "lint: the chart accepts agent.strategy=random with agent.redistribution=active" >&2
  fail=1
elif ! grep -q 'agent.redistribution' "$tmp/refused.txt"; then
  cat "$tmp/refused.txt" >&2
  fail=1
fi

section "manifests up to date"
scripts/manifests.sh --check || fail=1

section "manifests valid"
rendered=("$root"/manifests/*.yaml)
# The helm test pod, which manifests/ leaves out, and the token-file variant of auth (it excludes
# the TokenReview of the all-features values).
if "$helm" template herd helm/herd --namespace herd --set auth.tokenFile.secretName=herd-tokens \
  --set test.tokenSecretRef.name=herd-test-token >"$tmp/token-file.yaml"; then
  rendered+=("$tmp/token-file.yaml")
else
  fail=1
fi
# The sidecar example: a user's chart with helm/herd as its subchart.
mkdir -p "$tmp/sidecar-app/charts"
cp -r tests/manifests/sidecar-app/. "$tmp/sidecar-app/"
cp -r helm/herd "$tmp/sidecar-app/charts/herd"
if "$helm" template demo "$tmp/sidecar-app" --namespace apps >"$tmp/sidecar-app.yaml"; then
  rendered+=("$tmp/sidecar-app.yaml")
else
  fail=1
fi
node scripts/check-manifests.mjs "${rendered[@]}" || fail=1

if [ -x "$build/herd" ]; then
  section "image libraries"
  scripts/check-image-libs.sh "$build" || fail=1
else
  echo "lint: SKIPPED scripts/check-image-libs.sh: $build/herd is not built"
fi

if ((fail)); then
  echo "lint: FAILED" >&2
else
  echo "lint: ok"
fi
exit $fail
