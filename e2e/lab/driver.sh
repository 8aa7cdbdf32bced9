# shellcheck shell=bash
# The fault lab's driver: implements the drv_* interface of e2e/lib/scenarios.sh with real
# agents, each in its own network namespace (e2e/lab/netns.sh), started from LAB_BIN.
#
# Call lab_init BIN_DIR RUN_DIR once (after net_up), then the scenarios. Member i is
# named m<i>; its data dir is RUN_DIR/<scenario>/m<i>/data, its log RUN_DIR/<scenario>/m<i>/
# agent.log and its pid RUN_DIR/<scenario>/m<i>/pid. Agents are started in the background of the
# calling shell, each under setsid so a terminal's ^C reaches only the harness.
# shellcheck source=e2e/lab/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/netns.sh"

LAB_BIN=""           # absolute directory of herd, herd-launch, herd-sleeper
LAB_DIR=""           # absolute run directory
LAB_CLUSTER_DIR=""   # the current scenario's directory (drv_up)
LAB_STRATEGY=uniform
LAB_OFFSET=()        # per member: --wall-clock-offset, empty for none
LAB_MOUNTS=()        # tmpfs mount points made by drv_fill_disk
LAB_HB_DEADLINE=1s
LAB_READY_S=30       # how long a starting member may take to answer /readyz
LAB_STOP_S=30        # how long a SIGTERM'ed member may take to exit before SIGKILL

lab_init() {
  LAB_BIN=$1 LAB_DIR=$2
}

lab_mdir() { echo "$LAB_CLUSTER_DIR/m$1"; }
lab_pid() { cat "$(lab_mdir "$1")/pid" 2>/dev/null; }

# lab_alive PID: the process exists and is not a zombie.
lab_alive() {
  local p=$1 stat
  [ -n "$p" ] || return 1
  stat=$(cat "/proc/$p/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

lab_member_list() {
  local i list=""
  for ((i = 0; i < NET_MEMBERS; i++)); do
    list+="${list:+,}m$i=$(net_addr "$i"):7946"
  done
  echo "$list"
}

# lab_client CMD...: runs CMD in the client namespace.
lab_client() { ip netns exec "$(net_ns_client)" "$@"; }

# lab_launch I: starts member I's agent (not waiting for it). Fails if it is already running.
lab_launch() {
  local i=$1 m addr offset=()
  m=$(lab_mdir "$i")
  addr=$(net_addr "$i")
  if lab_alive "$(lab_pid "$i")"; then
    echo "lab: m$i is already running" >&2
    return 1
  fi
  mkdir -p "$m/data"
  [ -n "${LAB_OFFSET[i]:-}" ] && offset=(--wall-clock-offset "${LAB_OFFSET[i]}")
  echo "--- lab: start m$i $(date -u +%FT%T.%3NZ) strategy=$LAB_STRATEGY ${offset[*]}" \
    >>"$m/agent.log"
  ip netns exec "$(net_ns_member "$i")" setsid "$LAB_BIN/herd" agent --name "m$i" \
    --members "$(lab_member_list)" --api-address "$addr:7070" --peer-address "$addr:7946" \
    --metrics-address "" --data-dir "$m/data" --strategy "$LAB_STRATEGY" \
    --heartbeat-deadline "$LAB_HB_DEADLINE" \
    --allow-root "${offset[@]}" >>"$m/agent.log" 2>&1 </dev/null &
  echo $! >"$m/pid"
  disown $! # no "Killed" notices from bash; lab_alive and lab_wait_gone poll /proc
}

# lab_wait_ready I: waits until member I answers /readyz (LAB_READY_S at most).
lab_wait_ready() {
  local i=$1 deadline=$((SECONDS + LAB_READY_S)) url
  url="http://$(net_addr "$i"):7070/readyz"
  until lab_client curl -fsS --max-time 1 "$url" >/dev/null 2>&1; do
    if ! lab_alive "$(lab_pid "$i")"; then
      echo "lab: m$i exited while starting; end of $(lab_mdir "$i")/agent.log:" >&2
      tail -n 5 "$(lab_mdir "$i")/agent.log" >&2
      return 1
    fi
    if ((SECONDS > deadline)); then
      echo "lab: m$i not ready after ${LAB_READY_S}s" >&2
      return 1
    fi
    sleep 0.05
  done
}

# lab_wait_gone PID SECONDS: waits until PID is gone; status 1 on timeout.
lab_wait_gone() {
  local p=$1 deadline=$((SECONDS + $2))
  while lab_alive "$p"; do
    ((SECONDS > deadline)) && return 1
    sleep 0.02
  done
}

# ---- the drv_* interface (documented in e2e/lib/scenarios.sh) ----

drv_up() {
  local name=$1
  LAB_STRATEGY=$2
  LAB_CLUSTER_DIR=$LAB_DIR/$name
  LAB_OFFSET=()
  if [ -e "$LAB_CLUSTER_DIR" ]; then
    echo "lab: $LAB_CLUSTER_DIR already exists" >&2
    return 1
  fi
  mkdir -p "$LAB_CLUSTER_DIR"
  local i
  for ((i = 0; i < NET_MEMBERS; i++)); do lab_launch "$i" || return 1; done
  for ((i = 0; i < NET_MEMBERS; i++)); do lab_wait_ready "$i" || return 1; done
}

drv_down() {
  local i p pids=() status=0
  for ((i = 0; i < NET_MEMBERS; i++)); do
    p=$(lab_pid "$i")
    if lab_alive "$p"; then
      kill -KILL "$p" 2>/dev/null
      pids+=("$p")
    fi
  done
  for p in "${pids[@]}"; do lab_wait_gone "$p" 10 || status=1; done
  net_heal || status=1
  lab_unmount_all || status=1
  return $status
}

drv_members() { echo "$NET_MEMBERS"; }

drv_sleeper() { echo "$LAB_BIN/herd-sleeper"; }

drv_herd() {
  local i=$1
  shift
  lab_client "$LAB_BIN/herd" --server "http://$(net_addr "$i"):7070" --timeout 5s "$@"
}

drv_kill() {
  local p
  p=$(lab_pid "$1")
  lab_alive "$p" || { echo "lab: drv_kill: m$1 is not running" >&2; return 1; }
  kill -KILL "$p"
  lab_wait_gone "$p" 10
}

drv_stop() {
  local p
  p=$(lab_pid "$1")
  lab_alive "$p" || { echo "lab: drv_stop: m$1 is not running" >&2; return 1; }
  kill -TERM "$p"
  if ! lab_wait_gone "$p" "$LAB_STOP_S"; then
    echo "lab: m$1 still running ${LAB_STOP_S}s after SIGTERM; SIGKILL" >&2
    kill -KILL "$p" 2>/dev/null
    lab_wait_gone "$p" 10
    return 1
  fi
}

drv_start() {
  lab_launch "$1" && lab_wait_ready "$1"
}

drv_restart_all() {
  local i p pids=() status=0
  for ((i = 0; i < NET_MEMBERS; i++)); do
    p=$(lab_pid "$i")
    lab_alive "$p" && kill -TERM "$p" && pids+=("$p")
  done
  for p in "${pids[@]}"; do
    if ! lab_wait_gone "$p" "$LAB_STOP_S"; then
      echo "lab: pid $p still running ${LAB_STOP_S}s after SIGTERM; SIGKILL" >&2
      kill -KILL "$p" 2>/dev/null
      lab_wait_gone "$p" 10
      status=1
    fi
  done
  for ((i = 0; i < NET_MEMBERS; i++)); do lab_launch "$i" || return 1; done
  for ((i = 0; i < NET_MEMBERS; i++)); do lab_wait_ready "$i" || return 1; done
  return $status
}

drv_partition() { net_partition "$1" "$2"; }
drv_heal() { net_heal; }
drv_loss() { net_loss "$1"; }

# Real processes whose argv[0] is the sleeper and whose argv[1] starts with the prefix. All
# namespaces share the host's PID namespace, so this sees every member's children.
drv_count() {
  local prefix=$1 sleeper
  sleeper=$(drv_sleeper)
  pgrep -a -f herd-sleeper | awk -v s="$sleeper" -v p="$prefix" \
    '$2 == s && index($3, p) == 1 { n[$3]++ } END { for (m in n) print m, n[m] }'
}

drv_wall_offset() {
  local i=$1
  LAB_OFFSET[i]=$2
  drv_stop "$i" && drv_start "$i"
}

# Stops member I, moves its data dir onto a fresh 2 MB tmpfs, starts it, then fills the tmpfs.
drv_fill_disk() {
  local i=$1 data tmp
  data=$(lab_mdir "$i")/data
  drv_stop "$i" || return 1
  tmp=$(lab_mdir "$i")/data.before-tmpfs
  mv "$data" "$tmp" && mkdir "$data" || return 1
  mount -t tmpfs -o size=2m "$NET_PREFIX-tmpfs" "$data" || return 1
  LAB_MOUNTS+=("$data")
  cp -a "$tmp/." "$data/" && rm -rf "$tmp" || return 1
  drv_start "$i" || return 1
  dd if=/dev/zero of="$data/fill" bs=64k 2>/dev/null
  local free
  free=$(df --output=avail -B1 "$data" | tail -n 1)
  [ "${free// /}" -eq 0 ] || { echo "lab: $data still has $free bytes free" >&2; return 1; }
}

drv_free_disk() {
  rm -f "$(lab_mdir "$1")/data/fill"
}

# Stops member I (SIGTERM), appends garbage to its store's log (the only log file of a
# FileStore: <data-dir>/log) and starts it again.
drv_corrupt_tail() {
  local i=$1 log
  log=$(lab_mdir "$i")/data/log
  drv_stop "$i" || return 1
  [ -f "$log" ] || { echo "lab: no store log at $log" >&2; return 1; }
  # A frame header announcing a short record, a wrong checksum, then a torn half record.
  printf '\x10\x00\x00\x00\xde\xad\xbe\xefgarbage-from-the-fault-lab' >>"$log"
  drv_start "$i"
}

drv_log() { cat "$(lab_mdir "$1")/agent.log"; }

lab_unmount_all() {
  local m status=0
  for m in "${LAB_MOUNTS[@]}"; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || status=1
  done
  LAB_MOUNTS=()
  return $status
}

# Everything a run may have left: agents and children (by namespace, and sleepers by marker
# prefix), tmpfs mounts (by source name), the nft faults and the namespaces.
lab_cleanup() {
  local marker_re=$1 p
  net_kill_all
  for p in $(pgrep -a -f herd-sleeper | awk -v re="$marker_re" '$3 ~ re { print $1 }'); do
    kill -KILL "$p" 2>/dev/null
  done
  lab_unmount_all
  awk -v src="$NET_PREFIX-tmpfs" '$1 == src { print $2 }' /proc/mounts | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
  net_down
}
