#!/usr/bin/env bash
# Builds a busybox root filesystem for herd's container runtime: DIR/busybox/rootfs.
#
#   scripts/make-rootfs.sh [--if-missing] DIR
#
# The image name "busybox" in a workload spec maps to <images_dir>/busybox/rootfs, so pass the
# agent's images dir as DIR. Uses the static busybox from Debian's busybox-static package (the
# installed /bin/busybox when it is static, otherwise the .deb fetched with apt-get download).
# Idempotent: an existing rootfs is rebuilt in a temporary dir and swapped in; with --if-missing
# an existing one is kept. Runs hold a lock on DIR/busybox/.lock, so concurrent callers (test
# processes run in parallel) never remove a rootfs another one has just made and is using.
set -euo pipefail

if_missing=false
if [ "${1:-}" = "--if-missing" ]; then
  if_missing=true
  shift
fi
if [ $# -ne 1 ]; then
  echo "usage: $0 [--if-missing] DIR   (creates DIR/busybox/rootfs)" >&2
  exit 2
fi
dir=$1
target="$dir/busybox/rootfs"
mkdir -p "$dir/busybox"

exec 9>"$dir/busybox/.lock"
flock 9
if $if_missing && [ -x "$target/bin/busybox" ]; then
  exit 0
fi

tmp=$(mktemp -d "$dir/busybox/.rootfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

is_static() { file -L "$1" 2>/dev/null | grep -q 'statically linked'; }

busybox=""
for candidate in /bin/busybox /usr/bin/busybox; do
  if [ -x "$candidate" ] && is_static "$candidate"; then
    busybox=$candidate
    break
  fi
done
if [ -z "$busybox" ]; then
  echo "make-rootfs: no static busybox installed; fetching busybox-static" >&2
  (cd "$tmp" && apt-get download busybox-static >/dev/null)
  dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/deb"
  busybox="$tmp/deb/bin/busybox"
fi

root="$tmp/rootfs"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,dev,sys,tmp,etc,root,var,run}
chmod 1777 "$root/tmp"
install -m 0755 "$busybox" "$root/bin/busybox"

# One symlink per applet, where busybox itself would put it (e.g. /bin/sh, /usr/bin/head).
"$root/bin/busybox" --list-full | while read -r applet; do
  [ "$applet" = "bin/busybox" ] && continue
  mkdir -p "$root/$(dirname "$applet")"
  ln -sf /bin/busybox "$root/$applet"
done

printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
  >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
echo busybox >"$root/etc/hostname"

rm -rf "$target"
mv "$root" "$target"
echo "make-rootfs: $target"
