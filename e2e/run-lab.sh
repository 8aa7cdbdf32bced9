#!/usr/bin/env bash
# The fault lab: 5 real herd agents, each in its own network namespace, put through faults
# (kill -9, rolling restart, partitions, flapping, packet loss, full-cluster restart, full disk,
# corrupt log tail, clock skew). See e2e/lib/scenarios.sh for what is measured.
#
#   e2e/run-lab.sh [--bin-dir DIR] [--out-dir DIR] [--scenario NAME]... [--workloads N]
#                  [--repeat R]
#   e2e/run-lab.sh --cleanup     remove what a crashed run left (processes, mounts, namespaces)
#   e2e/run-lab.sh --list        print the scenario names
#
# Needs root (namespaces, nft, tmpfs), ip, nft, pgrep, jq, curl. Defaults: DIR=build (herd,
# herd-launch, herd-sleeper), out DIR=build/e2e, every scenario, N=60, R=1. Each run keeps its
# agents' data dirs and logs in OUT/lab/<run>/<scenario>/m<i>/ and its detailed log in
# OUT/lab/<run>/lab.log; the summary goes to OUT/lab.json. Exits 0 when every scenario passed
# (or was skipped), 1 when one lost a workload, left a duplicate, timed out or broke, 77 when
# the machine cannot run the lab (not root, a tool missing).
set -uo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
# shellcheck source=e2e/lab/driver.sh
source "$here/lab/driver.sh"
# shellcheck source=e2e/lib/scenarios.sh
source "$here/lib/scenarios.sh"

bin_dir=$repo/build
out_dir=$repo/build/e2e
scenarios=()
repeat=1
mode=run
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) bin_dir=$2; shift 2 ;;
    --out-dir) out_dir=$2; shift 2 ;;
    --scenario) scenarios+=("$2"); shift 2 ;;
    --workloads) SC_WORKLOADS=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --cleanup) mode=cleanup; shift ;;
    --list) printf '%s\n' "${SC_ALL[@]}"; exit 0 ;;
    -h | --help) usage 0 ;;
    *) echo "run-lab: unknown argument $1" >&2; usage ;;
  esac
done
if ! [[ "$SC_WORKLOADS" =~ ^[1-9][0-9]{0,2}$ ]]; then
  echo "run-lab: --workloads must be 1..999" >&2
  exit 2
fi
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || { echo "run-lab: --repeat must be >= 1" >&2; exit 2; }
((${#scenarios[@]} > 0)) || scenarios=("${SC_ALL[@]}")
for s in "${scenarios[@]}"; do
  declare -F "sc_$s" >/dev/null || { echo "run-lab: no scenario $s (--list)" >&2; exit 2; }
done

if [ "$(id -u)" -ne 0 ]; then
  echo "run-lab: needs root (network namespaces, nft, tmpfs); skipped" >&2
  exit 77
fi
for tool in ip nft pgrep jq curl mount; do
  command -v "$tool" >/dev/null || { echo "run-lab: $tool not found; skipped" >&2; exit 77; }
done

# Markers of every lab run start with this: lab<date>-<time>-<pid>-.
marker_re='^lab[0-9]{8}-[0-9]{6}-[0-9]+-'
if [ "$mode" = cleanup ]; then
  lab_cleanup "$marker_re"
  left=$(net_existing)
  [ -z "$left" ] || { echo "run-lab: could not delete: $left" >&2; exit 1; }
  echo "run-lab: cleaned up"
  exit 0
fi

bin_dir=$(cd "$bin_dir" 2>/dev/null && pwd) || { echo "run-lab: no bin dir" >&2; exit 1; }
for b in herd herd-launch herd-sleeper; do
  [ -x "$bin_dir/$b" ] || { echo "run-lab: $bin_dir/$b not found (build it)" >&2; exit 1; }
done
if [ -n "$(net_existing)" ]; then
  echo "run-lab: lab namespaces exist ($(net_existing | tr '\n' ' '))." >&2
  echo "run-lab: another lab is running, or a crashed one left them: e2e/run-lab.sh --cleanup" >&2
  exit 1
fi

run=lab$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$out_dir/lab/$run/tmp"
out_dir=$(cd "$out_dir" && pwd)
run_dir=$out_dir/lab/$run
SC_RUN=$run SC_RESULTS=$run_dir/results.jsonl SC_TMP=$run_dir/tmp SC_LOG=$run_dir/lab.log

# The exit trap may run inside a redirected function: it writes to the saved fds 3 and 4.
exec 3>&1 4>&2
# shellcheck disable=SC2317 # called by the EXIT trap
on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  exec 1>&3 2>&4
  sc_abort
  drv_down >/dev/null 2>&1
  lab_cleanup "^$run-"
  [ -z "$(net_existing)" ] || echo "run-lab: namespaces left: $(net_existing | tr '\n' ' ')" >&2
  echo "run-lab: logs and data dirs in $run_dir"
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

net_up || { echo "run-lab: could not build the network" >&2; exit 1; }
lab_init "$bin_dir" "$run_dir"
echo "run-lab: run $run: ${scenarios[*]} x$repeat, $SC_WORKLOADS workloads, bin $bin_dir"

status=0
start=$SECONDS
for ((rep = 1; rep <= repeat; rep++)); do
  for s in "${scenarios[@]}"; do
    if ((repeat > 1)); then sc_run "$s" "$rep" || status=1; else sc_run "$s" || status=1; fi
  done
done

# The summary: a table, and lab.json with p99 settle times (nearest rank) per scenario.
summary=$(jq -s --argjson workloads "$SC_WORKLOADS" --argjson repeat "$repeat" \
  --arg run "$run" --arg dir "$run_dir" '
  def p99: sort | .[((length * 99 + 99) / 100 | floor) - 1];
  {run_id: $run, run_dir: $dir, workloads: $workloads, repeat: $repeat,
   scenarios: .,
   passed: (map(select(.verdict == "PASS")) | length),
   run: (map(select(.verdict != "SKIP")) | length),
   lost: (map(.lost) | add // 0),
   duplicates_after_settle: (map(.duplicates_after_settle) | add // 0),
   p99_settle_s: (map(select(.verdict != "SKIP")) | group_by(.scenario)
     | map({key: .[0].scenario,
            value: (if any(.[]; .settle_s == null) then null else map(.settle_s) | p99 end)})
     | from_entries),
   goals: {kill9_one: 2, kill9_two: 2, partition_uniform: 2, partition_quorum: 2}}
  ' "$SC_RESULTS")
echo "$summary" >"$out_dir/lab.json"

echo
jq -r --argjson repeat "$repeat" '
  ["scenario", "verdict", "lost", "dups_after", "max_dups_during", "settle_s", "goal"],
  (.goals as $g | .scenarios[] |
    [.scenario + (if $repeat > 1 then "#\(.rep)" else "" end), .verdict,
     .lost, .duplicates_after_settle, .max_duplicates_during, (.settle_s // "-"),
     (if $g[.scenario] == null or .settle_s == null then "-"
      elif .settle_s <= $g[.scenario] then "<=\($g[.scenario])s ok"
      else "<=\($g[.scenario])s MISSED" end)])
  | @tsv' <<<"$summary" | column -t -s $'\t'
if ((repeat > 1)); then
  echo
  jq -r '.p99_settle_s | to_entries[] | "p99 settle_s \(.key): \(.value // "unsettled")"' \
    <<<"$summary"
fi
jq -r '"\npassed \(.passed)/\(.run), lost \(.lost), duplicates after settle " +
  "\(.duplicates_after_settle)"' <<<"$summary"
echo "run-lab: $((SECONDS - start))s; $out_dir/lab.json"
exit $status
