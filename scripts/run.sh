#!/usr/bin/env bash
# The main job: a local three-member herd cluster on 127.0.0.1 with the example workloads.
#
# Starts (or restarts) three agents with e2e/local-cluster.sh (data and logs under
# build/local/), builds the busybox image for the container example, applies
# examples/workloads/, shows what runs where, and leaves the cluster running for you to try
# things. `e2e/local-cluster.sh down` stops it; the data dirs keep the declared workloads, so
# the next `make run` brings them back.
set -euo pipefail
build=${BUILD:-build}
dir=$build/local
herd=$build/herd
export HERD_SERVER=http://127.0.0.1:7070

e2e/local-cluster.sh down --dir "$dir" >/dev/null 2>&1 || true
scripts/make-rootfs.sh --if-missing "$dir/images" >/dev/null 2>&1 ||
  echo "(no busybox image: the container example will report a clear error)"
e2e/local-cluster.sh up --members 3 --dir "$dir" -- --images-dir "$dir/images"
echo
echo "== herd apply -f examples/workloads/"
"$herd" apply -f examples/workloads/
# Wait (10 s at most) until nothing is Pending or Starting any more.
for _ in $(seq 100); do
  "$herd" get workloads -o json | grep -qE '"phase": "(Pending|Starting)"' || break
  sleep 0.1
done
echo
echo "== herd get workloads"
"$herd" get workloads
echo
echo "== herd get members"
"$herd" get members
cat <<EOT

The cluster keeps running. Try:
  export HERD_SERVER=$HERD_SERVER
  $herd get workloads -o wide          # where each workload runs, pids, restarts
  $herd logs ticker                    # a child's output, from whichever member runs it
  kill -9 \$(cat $dir/herd-0/pid)        # kill a member: its workloads move within ~1.5 s
  $herd get workloads --server http://127.0.0.1:7071
  e2e/local-cluster.sh up --dir $dir    # bring herd-0 back
  kill -TERM \$(cat $dir/herd-1/pid)     # graceful handoff, then exit 0
  $herd status
  e2e/local-cluster.sh down --dir $dir  # stop everything (workloads stay declared on disk)
Agent logs: $dir/herd-*/agent.log
Metrics: http://127.0.0.1:7270/metrics (herd-0), :7271, :7272; a Prometheus for them:
  prometheus --config.file=examples/prometheus.yml --storage.tsdb.path=$build/prometheus
EOT
