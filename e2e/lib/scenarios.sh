# shellcheck shell=bash
# Fault scenarios for herd, written once against a driver (e2e/lab/driver.sh: network
# namespaces; e2e/kind/driver.sh: a kind cluster). Sourced after the driver.
#
# ---- The driver interface ----
# Members are numbered 0..N-1. A function returning 2 means "unsupported by this driver": the
# scenario that needs it is SKIPPED. Any other non-zero status is a harness error.
#   drv_up NAME STRATEGY  a fresh cluster for scenario NAME: N members, empty state, all ready,
#                         --strategy STRATEGY (uniform | uniform_quorum), a 1 s heartbeat
#                         deadline. NAME is unique within a run (it may name a directory).
#   drv_down              tear the cluster down (SIGKILL is fine), heal every fault, undo
#                         drv_fill_disk. Workload processes must die with their agents.
#   drv_members           print N
#   drv_sleeper           print the absolute path of herd-sleeper as the agents see it
#   drv_herd I ARGS...    the herd CLI against member I's API; stdin, stdout, stderr and exit
#                         status are the CLI's. Must not hang: use a request timeout (~5 s).
#   drv_kill I            SIGKILL member I's agent; return once it is gone
#   drv_stop I            SIGTERM member I's agent; return once it has exited
#   drv_start I           start member I again from its data dir; return once it is ready
#   drv_restart_all       SIGTERM every member, wait for all to exit, start all from their data
#                         dirs; return once all are ready
#   drv_partition "A" "B" members in A and in B drop every packet between the groups, both
#                         directions (adds to faults in place); the harness still reaches all
#   drv_heal              remove every network fault
#   drv_loss PCT          every member drops PCT% of its peer packets, in and out
#   drv_count PREFIX      print "MARKER COUNT" per marker starting with PREFIX: the running OS
#                         processes whose argv[0] is the sleeper and argv[1] the marker
#   drv_wall_offset I DUR restart member I with its wall clock skewed by DUR (5m, -5m)
#   drv_fill_disk I       member I's data dir ends up on a small full filesystem, member I
#                         running and ready when it returns
#   drv_free_disk I       make room on that filesystem again
#   drv_corrupt_tail I    stop member I, append garbage to the newest log file in its data dir,
#                         start it again; return once it is ready
#   drv_log I             print member I's agent log (for grep)
#
# ---- What a scenario does ----
# sc_run NAME [REP] runs scenario sc_NAME on a fresh cluster: apply SC_WORKLOADS workloads
# (w001..., command [sleeper, MARKER], MARKER = SC_TAG-NAME, SC_TAG = SC_RUN-<scenario>[-r<rep>]),
# wait until each runs exactly once, inject the fault, then measure settle_s: the time from the
# fault (or its healing) until every declared workload runs exactly once (real processes) AND
# every reachable member's REST lists exactly the declared set (polled every SC_POLL s, up to
# SC_SETTLE_DEADLINE_S). Then it holds for SC_HOLD_S more and reports
#   lost                     declared names not running (or missing from a member's REST) at
#                            the settle deadline, or at any moment of the hold
#   duplicates_after_settle  the most extra processes (count - 1, summed over markers) seen at
#                            the deadline or during the hold
#   max_duplicates_during    the most extra processes seen between the fault and settling
#   settle_s                 as above (null when it never settled)
# and prints `lab: scenario=... verdict=PASS|FAIL|TIMEOUT|ERROR|SKIP ...` (ERROR: a driver call
# failed), appending one JSON object a line to SC_RESULTS. Stray processes (of names not
# declared, e.g. deleted ones) fail a scenario; so does a workload process that outlives
# drv_down. On a timeout the members' views are saved in SC_TMP and the wrong workloads noted.
#
# Inputs (set by the runner): SC_RUN (run id, marker prefix), SC_RESULTS, SC_TMP (a scratch
# dir), SC_WORKLOADS (60), SC_LOG (the runner's detailed log).

SC_WORKLOADS=${SC_WORKLOADS:-60}
SC_POLL=${SC_POLL:-0.05}
SC_SETTLE_DEADLINE_S=${SC_SETTLE_DEADLINE_S:-30}
SC_HOLD_S=${SC_HOLD_S:-1}
SC_LOG=${SC_LOG:-/dev/null}
# shellcheck disable=SC2034 # used by the runners
SC_ALL=(kill9_one kill9_two rolling_restart partition_uniform partition_quorum flapping_link
  loss30 cluster_restart full_disk corrupt_tail clock_skew)

# ---- per-scenario state ----
declare -A SC_DECLARED=() SC_DOWN=() SC_COUNTS=()
SC_NAME="" SC_CLUSTER="" SC_TAG="" SC_MAX_DUPS=0 SC_MAX_MISSING=0 SC_DUPS_AFTER=0 SC_LOST=0 SC_SETTLE="" SC_TIMEOUT=0
SC_REASONS=() SC_NOTES=() SC_BG_PIDS=() SC_HARNESS=0
SC_C_MISSING=0 SC_C_DUPS=0 SC_C_STRAY=0 SC_C_REST_MISSING=0 SC_C_REST_EXTRA=0 SC_C_REST_DOWN=0

sc_reset() {
  SC_DECLARED=() SC_DOWN=() SC_COUNTS=()
  SC_MAX_DUPS=0 SC_MAX_MISSING=0 SC_DUPS_AFTER=0 SC_LOST=0 SC_SETTLE="" SC_TIMEOUT=0
  SC_REASONS=() SC_NOTES=() SC_HARNESS=0
}

# Kills the background helpers of a scenario (for the runner's exit trap).
sc_abort() {
  local p
  for p in "${SC_BG_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  SC_BG_PIDS=()
}

sc_log() { echo "$(date -u +%T.%3N) [$SC_NAME] $*" >>"$SC_LOG"; }
sc_fail() { SC_REASONS+=("$*"); sc_log "FAIL: $*"; }
sc_note() { SC_NOTES+=("$*"); sc_log "note: $*"; }
sc_now_us() { echo "${EPOCHREALTIME/./}"; }
# sc_secs US: microseconds as seconds with 3 decimals.
sc_secs() { printf '%d.%03d' $(($1 / 1000000)) $((($1 % 1000000) / 1000)); }
sc_max() { if (($2 > $1)); then echo "$2"; else echo "$1"; fi; }

# sc_do CMD...: runs a driver call; 2 (unsupported) passes through, other errors become reasons.
sc_do() {
  sc_log "$*"
  "$@" >>"$SC_LOG" 2>&1
  local rc=$?
  if ((rc == 2)); then
    sc_note "unsupported by this driver: $1"
  elif ((rc != 0)); then
    SC_HARNESS=1
    sc_fail "harness: $* failed (status $rc)"
  fi
  return $rc
}

sc_declare() { local n; for n in "$@"; do SC_DECLARED[$n]=1; done; }
# sc_mark_down I...: members left out of the REST checks (killed, not restarted).
sc_mark_down() { local i; for i in "$@"; do SC_DOWN[$i]=1; done; }

# sc_names PREFIX FROM TO: PREFIX001 ... (three digits).
sc_names() {
  local i
  for ((i = $2; i <= $3; i++)); do printf '%s%03d\n' "$1" "$i"; done
}

# sc_docs VER NAME...: one Workload document per name, label ver=VER.
sc_docs() {
  local ver=$1 name sleeper
  shift
  sleeper=$(drv_sleeper)
  for name in "$@"; do
    printf '%s\n' "---" "apiVersion: herd.dev/v1alpha1" "kind: Workload" "metadata:" \
      "  name: $name" "  labels: {lab: \"$SC_NAME\", ver: \"$ver\"}" "spec:" \
      "  command: [\"$sleeper\", \"$SC_TAG-$name\"]" "  restart: permanent" \
      "  shutdownTimeoutSeconds: 1"
  done
}

# sc_apply I VER NAME...: applies through member I; on success the names are declared.
sc_apply() {
  local i=$1 ver=$2 out rc name
  shift 2
  out=$(sc_docs "$ver" "$@" | drv_herd "$i" apply -f - 2>&1)
  rc=$?
  sc_log "apply via m$i of $# (ver=$ver): status $rc $(tail -n 1 <<<"$out")"
  if ((rc == 0)); then
    for name in "$@"; do SC_DECLARED[$name]=1; done
  fi
  SC_OUT=$out
  return $rc
}

# sc_delete I NAME...: deletes through member I; on success the names are no longer declared.
sc_delete() {
  local i=$1 out rc name
  shift
  out=$(drv_herd "$i" delete workload "$@" 2>&1)
  rc=$?
  sc_log "delete via m$i of $#: status $rc $(tail -n 1 <<<"$out")"
  if ((rc == 0)); then
    for name in "$@"; do unset "SC_DECLARED[$name]"; done
  fi
  SC_OUT=$out
  return $rc
}

# Counts the real processes of this scenario into SC_COUNTS (name -> count) and sets
# SC_C_MISSING (declared, not running), SC_C_DUPS (extra processes) and SC_C_STRAY (processes of
# undeclared names). Status 0 when every declared name runs exactly once and nothing else runs.
sc_check_procs() {
  local marker count name
  SC_COUNTS=()
  while read -r marker count; do
    [ -n "$marker" ] && SC_COUNTS[${marker#"$SC_TAG-"}]=$count
  done < <(drv_count "$SC_TAG-")
  SC_C_MISSING=0 SC_C_DUPS=0 SC_C_STRAY=0
  for name in "${!SC_DECLARED[@]}"; do
    [ -n "${SC_COUNTS[$name]:-}" ] || ((SC_C_MISSING++))
  done
  for name in "${!SC_COUNTS[@]}"; do
    count=${SC_COUNTS[$name]}
    ((count > 1)) && ((SC_C_DUPS += count - 1))
    [ -n "${SC_DECLARED[$name]:-}" ] || ((SC_C_STRAY++))
  done
  ((SC_C_MISSING == 0 && SC_C_DUPS == 0 && SC_C_STRAY == 0))
}

# Asks every member not in SC_DOWN (in parallel) for its workload names; sets
# SC_C_REST_MISSING (declared names some member lacks), SC_C_REST_EXTRA (names some member lists
# that are not declared) and SC_C_REST_DOWN (members that did not answer). Status 0 when all
# answered with exactly the declared set.
sc_check_rest() {
  local n i pids=() want
  n=$(drv_members)
  want=$SC_TMP/rest.want
  printf '%s\n' "${!SC_DECLARED[@]}" | grep -v '^$' | sort >"$want"
  for ((i = 0; i < n; i++)); do
    [ -n "${SC_DOWN[$i]:-}" ] && continue
    (drv_herd "$i" get workloads -o name >"$SC_TMP/rest.$i" 2>&1
      echo $? >"$SC_TMP/rest.$i.rc") &
    pids+=($!)
  done
  wait "${pids[@]}"
  SC_C_REST_MISSING=0 SC_C_REST_EXTRA=0 SC_C_REST_DOWN=0
  local missing="" extra=""
  for ((i = 0; i < n; i++)); do
    [ -n "${SC_DOWN[$i]:-}" ] && continue
    if [ "$(cat "$SC_TMP/rest.$i.rc")" != 0 ]; then
      ((SC_C_REST_DOWN++))
      continue
    fi
    sed 's|^workload[^/]*/||' "$SC_TMP/rest.$i" | sort >"$SC_TMP/rest.$i.names"
    missing+=$(comm -23 "$want" "$SC_TMP/rest.$i.names")$'\n'
    extra+=$(comm -13 "$want" "$SC_TMP/rest.$i.names")$'\n'
  done
  SC_C_REST_MISSING=$(grep -v '^$' <<<"$missing" | sort -u | grep -c .)
  SC_C_REST_EXTRA=$(grep -v '^$' <<<"$extra" | sort -u | grep -c .)
  ((SC_C_REST_MISSING == 0 && SC_C_REST_EXTRA == 0 && SC_C_REST_DOWN == 0))
}

sc_state() {
  echo "declared=${#SC_DECLARED[@]} missing=$SC_C_MISSING dups=$SC_C_DUPS" \
    "stray=$SC_C_STRAY rest_missing=$SC_C_REST_MISSING rest_extra=$SC_C_REST_EXTRA" \
    "rest_down=$SC_C_REST_DOWN"
}

# sc_settle T0_US [DEADLINE_S]: polls until settled (see the top); sets SC_SETTLE (seconds
# since T0_US) or, at the deadline, SC_TIMEOUT=1, SC_LOST and SC_DUPS_AFTER. Tracks
# SC_MAX_DUPS meanwhile. Status 0 when settled.
sc_settle() {
  local t0=$1 deadline_us=$((${2:-$SC_SETTLE_DEADLINE_S} * 1000000)) t
  SC_C_REST_MISSING=0 SC_C_REST_EXTRA=0 SC_C_REST_DOWN=0
  while :; do
    sc_check_procs
    local procs_ok=$?
    t=$(sc_now_us)
    SC_MAX_DUPS=$(sc_max "$SC_MAX_DUPS" "$SC_C_DUPS")
    if ((procs_ok == 0)) && sc_check_rest; then
      SC_SETTLE=$(sc_secs $((t - t0)))
      sc_log "settled after ${SC_SETTLE}s: $(sc_state)"
      return 0
    fi
    if ((t - t0 > deadline_us)); then
      SC_TIMEOUT=1
      ((procs_ok == 0)) || sc_check_rest
      SC_LOST=$(sc_max "$SC_LOST" $((SC_C_MISSING + SC_C_REST_MISSING)))
      SC_DUPS_AFTER=$(sc_max "$SC_DUPS_AFTER" "$SC_C_DUPS")
      sc_fail "not settled $((deadline_us / 1000000))s after the fault: $(sc_state)"
      sc_explain
      return 1
    fi
    sleep "$SC_POLL"
  done
}

# Notes what is wrong with each declared workload that does not run exactly once, as the first
# reachable member's REST sees it (phase, owner, pid), for the report.
sc_explain() {
  local name n i first="" wrong=()
  n=$(drv_members)
  for ((i = 0; i < n; i++)); do
    [ -n "${SC_DOWN[$i]:-}" ] || { first=$i; break; }
  done
  for name in "${!SC_DECLARED[@]}"; do
    [ "${SC_COUNTS[$name]:-0}" = 1 ] || wrong+=("$name")
  done
  for name in "${wrong[@]:0:10}"; do
    sc_note "$name: ${SC_COUNTS[$name]:-0} processes; m$first says: $(drv_herd "$first" get \
      workload "$name" -o json 2>&1 | jq -c '.status // .' 2>/dev/null | head -c 400)"
  done
  # Every reachable member's view, kept next to the logs.
  for ((i = 0; i < n; i++)); do
    [ -n "${SC_DOWN[$i]:-}" ] && continue
    drv_herd "$i" get workloads -o json >"$SC_TMP/$SC_CLUSTER.m$i.workloads.json" 2>&1
    drv_herd "$i" get members -o json >"$SC_TMP/$SC_CLUSTER.m$i.members.json" 2>&1
  done
  sc_note "members' views in $SC_TMP/$SC_CLUSTER.m*.json"
}

# sc_hold: after settling, everything must stay settled for SC_HOLD_S seconds.
sc_hold() {
  local end=$(($(sc_now_us) + SC_HOLD_S * 1000000)) bad=0
  while (($(sc_now_us) < end)); do
    if ! sc_check_procs; then
      bad=1
      SC_LOST=$(sc_max "$SC_LOST" "$SC_C_MISSING")
      SC_DUPS_AFTER=$(sc_max "$SC_DUPS_AFTER" "$SC_C_DUPS")
    fi
    sleep "$SC_POLL"
  done
  if ! sc_check_procs || ! sc_check_rest; then
    bad=1
    SC_LOST=$(sc_max "$SC_LOST" $((SC_C_MISSING + SC_C_REST_MISSING)))
    SC_DUPS_AFTER=$(sc_max "$SC_DUPS_AFTER" "$SC_C_DUPS")
  fi
  if ((bad != 0)); then
    sc_fail "did not stay settled: $(sc_state)"
    sc_explain
  fi
  return $bad
}

# sc_observe SECONDS: polls the processes for SECONDS (a fault's fixed duration), tracking
# SC_MAX_DUPS and SC_MAX_MISSING (declared workloads running nowhere); prints nothing.
sc_observe() {
  local end=$(($(sc_now_us) + $1 * 1000000))
  while (($(sc_now_us) < end)); do
    sc_check_procs
    SC_MAX_DUPS=$(sc_max "$SC_MAX_DUPS" "$SC_C_DUPS")
    SC_MAX_MISSING=$(sc_max "$SC_MAX_MISSING" "$SC_C_MISSING")
    sleep "$SC_POLL"
  done
}

# sc_wait_for SECONDS CMD...: polls CMD until it succeeds; status 1 at the deadline.
sc_wait_for() {
  local end=$(($(sc_now_us) + $1 * 1000000))
  shift
  until "$@" >/dev/null 2>&1; do
    (($(sc_now_us) < end)) || return 1
    sleep "$SC_POLL"
  done
}

# sc_finish T0_US: settle, then hold.
sc_finish() {
  sc_settle "$1" && sc_hold
}

# sc_setup STRATEGY: a fresh cluster with SC_WORKLOADS workloads applied through member 0, each
# running once; SC_MAX_DUPS starts counting after this.
sc_setup() {
  sc_do drv_up "$SC_CLUSTER" "$1" || return $?
  # shellcheck disable=SC2046 # a list of names
  sc_apply 0 1 $(sc_names w 1 "$SC_WORKLOADS") || { sc_fail "initial apply: $SC_OUT"; return 1; }
  if ! sc_settle "$(sc_now_us)"; then
    sc_fail "the initial workloads did not settle"
    return 1
  fi
  sc_note "initial settle ${SC_SETTLE}s"
  SC_MAX_DUPS=0 SC_SETTLE="" SC_TIMEOUT=0 SC_LOST=0 SC_DUPS_AFTER=0
}

# sc_run NAME [REP]: runs sc_NAME and records its verdict.
sc_run() {
  sc_reset
  SC_NAME=$1
  local rep=${2:-1} start rc verdict
  SC_CLUSTER=$SC_NAME${2:+-r$rep}
  SC_TAG=$SC_RUN-$SC_CLUSTER
  start=$(sc_now_us)
  sc_log "=== start (tag $SC_TAG)"
  "sc_$SC_NAME"
  rc=$?
  sc_do drv_down
  # Children die with their agents: nothing of this scenario may outlive drv_down.
  if ! sc_wait_for 10 sc_none_left; then
    sc_fail "$(drv_count "$SC_TAG-" | wc -l) workload processes outlived their agents"
  fi
  if ((rc == 2)); then
    verdict=SKIP
  elif ((SC_HARNESS)); then
    verdict=ERROR
  elif ((SC_TIMEOUT)); then
    verdict=TIMEOUT
  elif ((rc != 0 || ${#SC_REASONS[@]} > 0)); then
    verdict=FAIL
  else
    verdict=PASS
  fi
  local dur
  dur=$(sc_secs $(($(sc_now_us) - start)))
  echo "lab: scenario=$SC_NAME rep=$rep verdict=$verdict lost=$SC_LOST" \
    "duplicates_after_settle=$SC_DUPS_AFTER max_duplicates_during=$SC_MAX_DUPS" \
    "settle_s=${SC_SETTLE:-none} duration_s=$dur" \
    "${SC_REASONS[*]:+reasons=\"${SC_REASONS[*]}\"}"
  local n
  for n in "${SC_NOTES[@]}"; do echo "lab:   $SC_NAME: $n"; done
  jq -nc --arg s "$SC_NAME" --argjson rep "$rep" --arg v "$verdict" --argjson lost "$SC_LOST" \
    --argjson da "$SC_DUPS_AFTER" --argjson dd "$SC_MAX_DUPS" --arg st "$SC_SETTLE" \
    --argjson dur "$dur" --arg tag "$SC_TAG" \
    --args '{scenario: $s, rep: $rep, verdict: $v, lost: $lost, duplicates_after_settle: $da,
      max_duplicates_during: $dd, settle_s: (if $st == "" then null else ($st | tonumber) end),
      duration_s: $dur, marker_prefix: $tag,
      reasons: ($ARGS.positional | map(select(startswith("R:"))) | map(.[2:])),
      notes: ($ARGS.positional | map(select(startswith("N:"))) | map(.[2:]))}' \
    "${SC_REASONS[@]/#/R:}" "${SC_NOTES[@]/#/N:}" >>"$SC_RESULTS"
  [ "$verdict" = PASS ] || [ "$verdict" = SKIP ]
}

sc_none_left() { [ -z "$(drv_count "$SC_TAG-")" ]; }

# shellcheck source=e2e/lib/scenarios_faults.sh
source "$(dirname "${BASH_SOURCE[0]}")/scenarios_faults.sh"
