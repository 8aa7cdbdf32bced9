#!/usr/bin/env bash
# Runs every benchmark binary (build/bench/*_bench) and writes its JSON to build/bench/<name>.json.
set -euo pipefail
build=${1:-build}
mkdir -p "$build/bench"
status=0
for b in "$build"/bench/*_bench; do
  [ -x "$b" ] || continue
  name=$(basename "$b" _bench)
  echo "bench: $name" >&2
  if "$b" >"$build/bench/$name.json.tmp"; then
    mv "$build/bench/$name.json.tmp" "$build/bench/$name.json"
    cat "$build/bench/$name.json"
  else
    echo "bench: $name failed" >&2
    status=1
  fi
done
exit $status
