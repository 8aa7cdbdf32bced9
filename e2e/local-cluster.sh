#!/usr/bin/env bash
# A local herd cluster on 127.0.0.1: N agents, each with its own data dir and log.
#
#   e2e/local-cluster.sh up     [--members N] [--dir D] [--base-port P] [--bin PATH] [-- AGENT FLAGS]
#   e2e/local-cluster.sh down   [--dir D]
#   e2e/local-cluster.sh status [--dir D]
#
# Member i (0-based) is named herd-i, serves the REST API on P+i and the peer port on P+100+i,
# keeps its map in D/herd-i/data and writes its log to D/herd-i/agent.log; its pid is in
# D/herd-i/pid. `up` waits until every member answers /readyz (30 s at most) and prints the
# servers; `down` sends SIGTERM (graceful handoff), waits up to 30 s, then SIGKILL. Defaults:
# N=3, D=build/local, P=7070, PATH=build/herd. Extra agent flags go after `--`.
set -euo pipefail

cmd=${1:-}
[ -n "$cmd" ] && shift
members=3
dir=build/local
base=7070
bin=build/herd
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --members) members=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --base-port) base=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "local-cluster: unknown argument $1" >&2; exit 2 ;;
  esac
done

member_list() {
  local list="" i
  for ((i = 0; i < members; i++)); do
    list+="${list:+,}herd-$i=127.0.0.1:$((base + 100 + i))"
  done
  echo "$list"
}

alive() { [ -f "$1/pid" ] && kill -0 "$(cat "$1/pid")" 2>/dev/null; }

up() {
  [ -x "$bin" ] || { echo "local-cluster: $bin not found; run make build" >&2; exit 1; }
  mkdir -p "$dir"
  local list i m
  list=$(member_list)
  # A laptop cluster run as root runs its children as root too; say so explicitly.
  local root=()
  [ "$(id -u)" -eq 0 ] && root=(--allow-root)
  echo "$members $base" >"$dir/cluster"
  for ((i = 0; i < members; i++)); do
    m="$dir/herd-$i"
    mkdir -p "$m"
    if alive "$m"; then
      echo "herd-$i already running (pid $(cat "$m/pid"))"
      continue
    fi
    setsid "$bin" agent --name "herd-$i" --members "$list" \
      --api-address "127.0.0.1:$((base + i))" --peer-address "127.0.0.1:$((base + 100 + i))" \
      --metrics-address "127.0.0.1:$((base + 200 + i))" \
      --data-dir "$m/data" "${root[@]}" "${extra[@]}" >>"$m/agent.log" 2>&1 </dev/null &
    echo $! >"$m/pid"
  done
  local deadline=$((SECONDS + 30))
  for ((i = 0; i < members; i++)); do
    until curl -fsS "http://127.0.0.1:$((base + i))/readyz" >/dev/null 2>&1; do
      if ! alive "$dir/herd-$i"; then
        echo "local-cluster: herd-$i exited; its log:" >&2
        tail -n 20 "$dir/herd-$i/agent.log" >&2
        exit 1
      fi
      if ((SECONDS > deadline)); then
        echo "local-cluster: herd-$i not ready after 30 s; see $dir/herd-$i/agent.log" >&2
        exit 1
      fi
      sleep 0.1
    done
  done
  echo "local cluster up: $members members in $dir"
  for ((i = 0; i < members; i++)); do
    echo "  herd-$i  pid $(cat "$dir/herd-$i/pid")  api http://127.0.0.1:$((base + i))"
  done
}

load() {
  if [ -f "$dir/cluster" ]; then read -r members base <"$dir/cluster"; fi
}

down() {
  load
  local i pids=()
  for ((i = 0; i < members; i++)); do
    if alive "$dir/herd-$i"; then
      pids+=("$(cat "$dir/herd-$i/pid")")
      kill -TERM "${pids[-1]}"
    fi
  done
  local deadline=$((SECONDS + 30)) p
  for p in "${pids[@]}"; do
    while kill -0 "$p" 2>/dev/null; do
      if ((SECONDS > deadline)); then kill -KILL "$p" 2>/dev/null || true; break; fi
      sleep 0.1
    done
  done
  for ((i = 0; i < members; i++)); do rm -f "$dir/herd-$i/pid"; done
  echo "local cluster down (${#pids[@]} stopped); data kept in $dir"
}

status() {
  load
  local i state
  for ((i = 0; i < members; i++)); do
    if alive "$dir/herd-$i"; then
      state=$(curl -fsS "http://127.0.0.1:$((base + i))/readyz" 2>/dev/null || echo "not ready")
      echo "herd-$i  pid $(cat "$dir/herd-$i/pid")  $state  http://127.0.0.1:$((base + i))"
    else
      echo "herd-$i  stopped"
    fi
  done
}

case "$cmd" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
