#!/usr/bin/env bash
# The main job, for now: the agent binary is not built yet (issue 5), so this shows the two
# layers it will stand on. First the CRDT demo (three replicas exchanging deltas over a lossy
# link until they converge), then the supervisor on a simulated three-member cluster: one
# scenario traced (kill -9, partitions, graceful shutdown...), then 200 seeds checked.
set -euo pipefail
build=${BUILD:-build}
echo "== the delta CRDT: three replicas, a lossy link"
"$build/examples/crdt_demo"
echo
echo "== the supervisor: three simulated members, 20 workloads, random faults (seed 7)"
"$build/herd-sim" --seed 7 --members 3 --workloads 20 2>&1 | grep -E 'scenario|takeover|joined|stopped|seed' | sed -n '1,40p'
echo
echo "== 200 more seeds, invariants checked after each (one JSON line per failure, then a summary)"
"$build/herd-sim" --seeds 200 --first-seed 100 --members 3 --workloads 30 --faults all
