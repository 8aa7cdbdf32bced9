#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build-fuzz/ and runs each for FUZZ_SECONDS,
# starting from its corpus under tests/fuzz/corpus/<target>/. New inputs stay in build-fuzz.
set -euo pipefail
seconds=${FUZZ_SECONDS:-60}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHERD_FUZZ=ON -DHERD_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"${JOBS:-2}"
for f in build-fuzz/tests/fuzz/*_fuzz; do
  [ -x "$f" ] || continue
  name=$(basename "$f" _fuzz)
  work="build-fuzz/corpus/$name"
  mkdir -p "$work"
  echo "fuzz: $name for ${seconds}s" >&2
  "$f" -max_total_time="$seconds" -print_final_stats=1 "$work" "tests/fuzz/corpus/$name" 2>&1 |
    grep -E 'stat::number_of_executed_units|ERROR|crash' || true
done
