#!/usr/bin/env bash
# Checks that the Dockerfile's runtime stage installs every shared library the binaries need.
#
#   scripts/check-image-libs.sh [BUILD_DIR]     (default: build)
#
# Reads the runtime stage's apt packages (the lines between `# BEGIN RUNTIME_PACKAGES` and
# `# END RUNTIME_PACKAGES` in the Dockerfile), runs ldd on BUILD_DIR/herd and
# BUILD_DIR/herd-launch (a static binary needs nothing), maps each library to the Debian
# package that ships it (dpkg -S) and fails naming every library whose package the stage lacks.
# libc6, libstdc++6 and libgcc-s1 come with the base image. The build machine is Debian
# bookworm like the image, so the package names match.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
dockerfile=${DOCKERFILE:-$root/Dockerfile}  # DOCKERFILE: another file, for testing this check
base_packages=(libc6 libstdc++6 libgcc-s1)

mapfile -t stage < <(sed -n '/^# BEGIN RUNTIME_PACKAGES/,/^# END RUNTIME_PACKAGES/p' "$dockerfile" |
  sed -e 's/#.*//' -e 's/\\$//' | tr ' ' '\n' |
  grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vxE 'apt-get|install|update|rm|RUN|-rf|&&' || true)
if ((${#stage[@]} == 0)); then
  echo "check-image-libs: no RUNTIME_PACKAGES block in $dockerfile" >&2
  exit 1
fi
has() {
  local p=$1 q
  for q in "${stage[@]}" "${base_packages[@]}"; do [ "$q" = "$p" ] && return 0; done
  return 1
}

# The package owning a library path; usrmerge means dpkg may know it under /lib or /usr/lib.
owner() {
  local path=$1 real candidates c
  real=$(readlink -f "$path")
  candidates=("$real" "$path" "${real#/usr}" "/usr$real" "${path#/usr}" "/usr$path")
  for c in "${candidates[@]}"; do
    if out=$(dpkg -S "$c" 2>/dev/null); then
      echo "${out%%:*}"
      return 0
    fi
  done
  return 1
}

fail=0
checked=0
for bin in "$build/herd" "$build/herd-launch"; do
  if [ ! -x "$bin" ]; then
    echo "check-image-libs: $bin not found; build it first (make build)" >&2
    exit 1
  fi
  if ! ldd_out=$(ldd "$bin" 2>&1); then
    case "$ldd_out" in
      *"not a dynamic executable"*) continue ;;  # static: needs no library
      *) echo "check-image-libs: ldd $bin failed: $ldd_out" >&2; exit 1 ;;
    esac
  fi
  while read -r lib path; do
    if [ "$path" = "not" ]; then
      echo "check-image-libs: $bin: $lib is not found on this machine" >&2
      fail=1
      continue
    fi
    checked=$((checked + 1))
    if ! pkg=$(owner "$path"); then
      echo "check-image-libs: $bin: no Debian package ships $lib ($path)" >&2
      fail=1
      continue
    fi
    pkg=${pkg%%,*}
    if ! has "$pkg"; then
      echo "check-image-libs: $bin needs $lib from package $pkg, which the runtime stage lacks" >&2
      fail=1
    fi
  done < <(awk '$2 == "=>" && $3 != "" {print $1, $3}' <<<"$ldd_out")
done
if ((fail)); then
  echo "check-image-libs: add the missing packages to RUNTIME_PACKAGES in the Dockerfile" >&2
  exit 1
fi
echo "check-image-libs: ok: $checked libraries, all from the runtime stage's ${#stage[@]} packages or the base image"
