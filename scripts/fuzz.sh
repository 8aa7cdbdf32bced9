#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build-fuzz/ and runs each one, starting from its
# corpus under tests/fuzz/corpus/<target>/, until it has executed FUZZ_RUNS inputs (default
# 1,000,000) or FUZZ_MAX_SECONDS have passed (default 1200; FUZZ_SECONDS is the old name),
# whichever comes first. New inputs stay in build-fuzz/corpus/<target>/, crashing inputs land in
# build-fuzz/artifacts/<target>/, each run's output in build-fuzz/logs/<target>.log.
#
# Prints one JSON line per target, {"target":..,"execs":..,"crashes":..,"seconds":..}, and
# writes them all to build-fuzz/fuzz.json (a JSON array). Exits 1 when a target crashed or fell
# short of FUZZ_RUNS. FUZZ_TARGETS="spec_parser peer_message" runs only those.
set -euo pipefail
runs=${FUZZ_RUNS:-1000000}
max_seconds=${FUZZ_MAX_SECONDS:-${FUZZ_SECONDS:-1200}}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHERD_FUZZ=ON -DHERD_BUILD_TESTS=OFF >/dev/null
# Only the fuzz targets (and what they link), not the whole agent.
targets=$(ninja -C build-fuzz -t targets all | sed -n 's/^\([A-Za-z0-9_]*_fuzz\): .*/\1/p' |
  grep -v '^cmake_')
# shellcheck disable=SC2086
cmake --build build-fuzz -j"${JOBS:-2}" --target $targets
mkdir -p build-fuzz/logs
lines=()
failed=0
for f in build-fuzz/tests/fuzz/*_fuzz; do
  [ -x "$f" ] || continue
  name=$(basename "$f" _fuzz)
  if [ -n "${FUZZ_TARGETS:-}" ] && [[ " $FUZZ_TARGETS " != *" $name "* ]]; then continue; fi
  work="build-fuzz/corpus/$name"
  artifacts="build-fuzz/artifacts/$name"
  log="build-fuzz/logs/$name.log"
  mkdir -p "$work" "$artifacts"
  echo "fuzz: $name until $runs runs or ${max_seconds}s" >&2
  start=$SECONDS
  rc=0
  "$f" -runs="$runs" -max_total_time="$max_seconds" -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$work" "tests/fuzz/corpus/$name" >"$log" 2>&1 || rc=$?
  elapsed=$((SECONDS - start))
  # The final stats when the run ended normally; after a crash, the last progress line ("#N").
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  if [ -z "$execs" ]; then
    execs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" | tail -1)
  fi
  execs=${execs:-0}
  crashes=$(find "$artifacts" -type f | wc -l)
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
  line="{\"target\":\"$name\",\"execs\":$execs,\"crashes\":$crashes,\"seconds\":$elapsed}"
  echo "$line"
  lines+=("$line")
  if [ "$crashes" -ne 0 ]; then
    echo "fuzz: $name crashed; see $log and $artifacts/" >&2
    failed=1
  elif [ "$execs" -lt "$runs" ]; then
    echo "fuzz: $name ran $execs of $runs inputs within ${max_seconds}s" >&2
    failed=1
  fi
done
{
  echo "["
  for i in "${!lines[@]}"; do
    sep=","
    [ "$i" -eq $((${#lines[@]} - 1)) ] && sep=""
    echo "  ${lines[$i]}$sep"
  done
  echo "]"
} >build-fuzz/fuzz.json
echo "fuzz: summary in build-fuzz/fuzz.json" >&2
exit "$failed"
