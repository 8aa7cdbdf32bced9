# shellcheck shell=bash
# The scenarios themselves (sourced by e2e/lib/scenarios.sh, which documents the driver
# interface and the measurements). Each sc_NAME runs on a fresh cluster and returns 0 (its
# verdict is in SC_REASONS and the measurements), 2 when the driver lacks a fault, 1 on a
# harness error. Times are bounded: every wait has a deadline.

# kill -9 of one member; settle counted from the kill (goal: <= 2 s with a 1 s deadline).
sc_kill9_one() {
  sc_setup uniform || return $?
  local t0
  t0=$(sc_now_us)
  sc_do drv_kill 3 || return $?
  sc_mark_down 3
  sc_finish "$t0"
}

# kill -9 of two members at once.
sc_kill9_two() {
  sc_setup uniform || return $?
  local t0
  t0=$(sc_now_us)
  sc_do drv_kill 3 || return $?
  sc_do drv_kill 4 || return $?
  sc_mark_down 3 4
  sc_finish "$t0"
}

# sc_bg_applier OUT STOP: applies r001, r002, ... one at a time until STOP exists, each through
# the members in turn until one acknowledges it; writes acknowledged names to OUT and the
# others as "UNACKED name".
sc_bg_applier() {
  local out=$1 stop=$2 k=0 n name attempt acked
  n=$(drv_members)
  while [ ! -e "$stop" ]; do
    ((k++))
    name=$(printf 'r%03d' "$k")
    acked=0
    for ((attempt = 0; attempt < 2 * n; attempt++)); do
      if sc_docs 1 "$name" | drv_herd $(((k + attempt) % n)) apply -f - >/dev/null 2>&1; then
        acked=1
        break
      fi
    done
    if ((acked)); then echo "$name" >>"$out"; else echo "UNACKED $name" >>"$out"; fi
    sleep 0.1 # pacing of the stream, not a wait for a condition
  done
}

# sc_bg_sampler OUT STOP: the most extra processes seen, polled until STOP exists.
sc_bg_sampler() {
  local out=$1 stop=$2 max=0 d
  while [ ! -e "$stop" ]; do
    d=$(drv_count "$SC_TAG-" | awk '$2 > 1 { d += $2 - 1 } END { print d + 0 }')
    max=$(sc_max "$max" "$d")
    echo "$max" >"$out"
    sleep "$SC_POLL"
  done
}

# SIGTERM each member in turn and start it again, under a stream of applies.
sc_rolling_restart() {
  sc_setup uniform || return $?
  local n i acked=$SC_TMP/rolling.acked stop=$SC_TMP/rolling.stop max=$SC_TMP/rolling.max
  local pids=() name rc=0
  rm -f "$acked" "$stop" "$max"
  n=$(drv_members)
  sc_bg_applier "$acked" "$stop" &
  pids+=($!)
  sc_bg_sampler "$max" "$stop" &
  pids+=($!)
  SC_BG_PIDS=("${pids[@]}")
  for ((i = 0; i < n; i++)); do
    sc_do drv_stop "$i" || { rc=$?; break; }
    sc_do drv_start "$i" || { rc=$?; break; }
  done
  local t0
  t0=$(sc_now_us)
  touch "$stop"
  wait "${pids[@]}"
  # shellcheck disable=SC2034 # read by sc_abort
  SC_BG_PIDS=()
  ((rc == 0)) || return $rc
  SC_MAX_DUPS=$(cat "$max" 2>/dev/null || echo 0)
  local unacked=()
  while read -r name; do
    case "$name" in
      UNACKED*) unacked+=("${name#UNACKED }") ;;
      ?*) sc_declare "$name" ;;
    esac
  done <"$acked"
  sc_note "$(grep -vc UNACKED "$acked") applies acknowledged during the restarts," \
    "${#unacked[@]} refused by every member"
  # An unacknowledged apply may still have been written: declare it now so it is not a stray.
  if ((${#unacked[@]} > 0)); then
    sc_apply 0 1 "${unacked[@]}" || sc_fail "re-applying ${unacked[*]}: $SC_OUT"
  fi
  sc_finish "$t0"
}

# sc_partition STRATEGY: a 2|3 split held for 5 s, then healed; settle counted from the heal.
sc_partition() {
  sc_setup "$1" || return $?
  sc_do drv_partition "0 1" "2 3 4" || return $?
  sc_observe 5
  sc_check_procs
  sc_note "during the split: at most $SC_MAX_DUPS extra processes and $SC_MAX_MISSING" \
    "workloads running nowhere; at its end $SC_C_DUPS extra, $SC_C_MISSING running nowhere"
  local t0
  t0=$(sc_now_us)
  sc_do drv_heal || return $?
  sc_finish "$t0"
}

sc_partition_uniform() { sc_partition uniform; }

# uniform_quorum: the minority stops its workloads before the majority takes them over, so
# the split itself must not double anything (SPEC section 6, "Quorum").
sc_partition_quorum() {
  sc_partition uniform_quorum || return $?
  ((SC_MAX_DUPS == 0)) || sc_fail "uniform_quorum ran $SC_MAX_DUPS extra processes"
}

# Member 4's link goes down and up every second for 10 s; settle counted from the last heal.
sc_flapping_link() {
  sc_setup uniform || return $?
  local k t0
  for ((k = 0; k < 5; k++)); do
    sc_do drv_partition "4" "0 1 2 3" || return $?
    sc_observe 1
    sc_do drv_heal || return $?
    t0=$(sc_now_us)
    sc_observe 1
  done
  sc_finish "$t0"
}

# 30% loss on every link: apply more workloads, kill -9 a member, all under loss; settle
# counted from the kill, still under loss. Before members asked each other about a silent peer
# they misjudged each other dead under this much loss and workloads bounced before they settled
# (once in 55 runs it took 25 s); this one scenario keeps three times the settle deadline.
sc_loss30() {
  local SC_SETTLE_DEADLINE_S=$((SC_SETTLE_DEADLINE_S * 3))
  sc_setup uniform || return $?
  sc_do drv_loss 30 || return $?
  local more=$((SC_WORKLOADS / 4 + 1))
  # shellcheck disable=SC2046 # a list of names
  sc_apply 1 1 $(sc_names x 1 "$more") || sc_fail "apply under loss: $SC_OUT"
  local t0
  t0=$(sc_now_us)
  sc_do drv_kill 4 || return $?
  sc_mark_down 4
  sc_finish "$t0"
  sc_do drv_heal
}

# Stop every member, start them all from their data dirs; settle counted from the start.
sc_cluster_restart() {
  sc_setup uniform || return $?
  local t0
  sc_do drv_restart_all || return $?
  t0=$(sc_now_us)
  sc_finish "$t0"
}

# Member 3's data dir is full: applies through it must fail clearly, nothing may be lost
# elsewhere and the agent must not crash; then the disk is freed.
sc_full_disk() {
  sc_setup uniform || return $?
  sc_do drv_fill_disk 3 || return $?
  local t0
  t0=$(sc_now_us)
  # Appends that still fit in the last page of the store's log succeed; keep applying small
  # batches until the member refuses one (every acknowledged workload must then be kept). A
  # refused write may still have reached the peers (503: outcome unknown), so the client does
  # what a client should: it retries the batch through another member (apply is idempotent).
  local k acked=0 refused=""
  for ((k = 0; k < 20; k++)); do
    # shellcheck disable=SC2046 # a list of names
    if sc_apply 3 1 $(sc_names f $((k * 5 + 1)) $((k * 5 + 5))); then
      ((acked += 5))
    else
      refused=$(tr '\n' ' ' <<<"$SC_OUT")
      # shellcheck disable=SC2046 # a list of names
      sc_apply 0 1 $(sc_names f $((k * 5 + 1)) $((k * 5 + 5))) ||
        sc_fail "retry of the refused batch through m0: $SC_OUT"
      # shellcheck disable=SC2046 # a list of names
      if sc_apply 3 1 $(sc_names f 901 905); then
        sc_fail "the full member acknowledged a write after refusing one"
      fi
      break
    fi
  done
  if [ -n "$refused" ]; then
    sc_note "applies through the full member: $acked acknowledged, then refused: $refused"
  else
    sc_fail "the full member acknowledged all $acked applies while its disk was full" \
      "($(drv_log 3 | grep -c 'event=store_append_failed') store_append_failed in its log)"
  fi
  drv_herd 3 get workloads -o name >/dev/null 2>&1 || sc_fail "the full member stopped answering"
  # shellcheck disable=SC2046 # a list of names
  sc_apply 0 1 $(sc_names g 1 10) || sc_fail "apply through a healthy member: $SC_OUT"
  sc_finish "$t0"
  sc_do drv_free_disk 3 || return $?
  t0=$(sc_now_us)
  # The member probes its store once a second; writes are accepted again once it recovered.
  local tries
  for ((tries = 0; tries < 50; tries++)); do
    drv_log 3 | grep -q 'event=store_recovered' && break
    sleep "$SC_POLL"
  done
  # shellcheck disable=SC2046 # a list of names
  sc_apply 3 1 $(sc_names h 1 5) || sc_fail "apply through member 3 after freeing: $SC_OUT"
  local s=$SC_SETTLE
  sc_finish "$t0" && sc_note "after freeing the disk: settled in ${SC_SETTLE}s"
  SC_SETTLE=$s
}

# Member 2's store log gets a garbage tail; it must cut it (and say so) and rejoin whole.
sc_corrupt_tail() {
  sc_setup uniform || return $?
  sc_do drv_corrupt_tail 2 || return $?
  local t0
  t0=$(sc_now_us)
  sc_finish "$t0"
  local cut
  cut=$(drv_log 2 | grep -m1 'store_log_tail_cut')
  if [ -n "$cut" ]; then sc_note "m2: ${cut#* }"; else sc_fail "m2 did not log store_log_tail_cut"; fi
}

# sc_labels_are I VER NAME...: member I lists every NAME with label ver=VER.
sc_labels_are() {
  local i=$1 ver=$2 got
  shift 2
  got=$(drv_herd "$i" get workloads -o json 2>/dev/null |
    jq -r --arg v "$ver" '[.items[] | select(.metadata.name | IN($ARGS.positional[]))
      | select(.metadata.labels.ver == $v)] | length' --args "$@")
  [ "$got" = "$#" ]
}

# sc_listed I yes|no NAME...: member I lists all (yes) or none (no) of the names.
sc_listed() {
  local i=$1 want=$2 names
  shift 2
  names=$(drv_herd "$i" get workloads -o name 2>/dev/null | sed 's|^workload[^/]*/||')
  local n
  for n in "$@"; do
    if grep -qx "$n" <<<"$names"; then [ "$want" = yes ] || return 1; else [ "$want" = no ] || return 1; fi
  done
}

# Member 1 runs 5 minutes ahead, member 2 5 minutes behind. Writes alternate between them, each
# after the other has seen the previous one (causal order): the later write must win.
sc_clock_skew() {
  sc_setup uniform || return $?
  sc_do drv_wall_offset 1 5m || return $?
  sc_do drv_wall_offset 2 -5m || return $?
  local a b c d
  mapfile -t a < <(sc_names w 1 10)
  mapfile -t b < <(sc_names w 11 20)
  mapfile -t c < <(sc_names w 21 30)
  mapfile -t d < <(sc_names s 1 10)
  # a: ahead then behind -> "behind" wins. b: behind then ahead -> "ahead" wins.
  sc_apply 1 ahead "${a[@]}" || sc_fail "update via m1: $SC_OUT"
  sc_apply 2 behind "${b[@]}" || sc_fail "update via m2: $SC_OUT"
  sc_wait_for 10 sc_labels_are 2 ahead "${a[@]}" || sc_fail "m2 never saw m1's update"
  sc_wait_for 10 sc_labels_are 1 behind "${b[@]}" || sc_fail "m1 never saw m2's update"
  sc_apply 2 behind "${a[@]}" || sc_fail "update via m2: $SC_OUT"
  sc_apply 1 ahead "${b[@]}" || sc_fail "update via m1: $SC_OUT"
  # c: deleted through the member ahead, re-created through the member behind: must exist.
  sc_delete 1 "${c[@]}" || sc_fail "delete via m1: $SC_OUT"
  sc_wait_for 10 sc_listed 2 no "${c[@]}" || sc_fail "m2 never saw m1's delete"
  sc_apply 2 1 "${c[@]}" || sc_fail "re-create via m2: $SC_OUT"
  # d: created through the member ahead, deleted through the member behind: must be gone.
  sc_apply 1 1 "${d[@]}" || sc_fail "create via m1: $SC_OUT"
  sc_wait_for 10 sc_listed 2 yes "${d[@]}" || sc_fail "m2 never saw m1's create"
  sc_delete 2 "${d[@]}" || sc_fail "delete via m2: $SC_OUT"
  local t0 i n
  t0=$(sc_now_us)
  sc_finish "$t0"
  n=$(drv_members)
  for ((i = 0; i < n; i++)); do
    sc_labels_are "$i" behind "${a[@]}" || sc_fail "m$i: an earlier write won over m2's (a)"
    sc_labels_are "$i" ahead "${b[@]}" || sc_fail "m$i: an earlier write won over m1's (b)"
  done
}
