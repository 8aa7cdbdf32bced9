# shellcheck shell=bash
# The fault lab's network: a bridge in its own namespace and one namespace per member and for
# the client, all on 169.254.77.0/24, plus the nft faults applied inside the member namespaces.
# Sourced by e2e/lab/driver.sh; every function is prefixed net_.
#
#   herdlab-br   bridge br0; one veth end per member (p0..p4) and for the client (pc)
#   herdlab-m<i> eth0 = 169.254.77.(10+i)/24, the agent binds there (API :7070, peer :7946)
#   herdlab-c    eth0 = 169.254.77.2/24, every client call (the herd CLI) runs here
#
# Nothing is created in the host namespace (the veth pairs are made inside the bridge
# namespace and their member ends moved straight into the member namespaces), and nothing is
# ever sent from the host namespace to 169.254.77.0/24: that traffic would leave the machine.
#
# Faults are one nft table `inet herdlab` per member namespace (input and output filter chains);
# net_heal deletes it everywhere. Client traffic (169.254.77.2) is never dropped, so the
# harness's own reads are not part of the fault.

NET_PREFIX=herdlab
NET_SUBNET=169.254.77
NET_CLIENT_ADDR=$NET_SUBNET.2
NET_MEMBERS=${NET_MEMBERS:-5}

net_ns_member() { echo "$NET_PREFIX-m$1"; }
net_ns_client() { echo "$NET_PREFIX-c"; }
net_ns_bridge() { echo "$NET_PREFIX-br"; }
net_addr() { echo "$NET_SUBNET.$((10 + $1))"; }

# Every namespace the lab owns that exists now, one a line.
net_existing() {
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$NET_PREFIX-(br|c|m[0-9]+)$" || true
}

# Creates the bridge, member and client namespaces. Fails (status 1) when any already exists:
# a leftover of a crashed run, or another lab running now (see e2e/run-lab.sh --cleanup).
net_up() {
  local left
  left=$(net_existing)
  if [ -n "$left" ]; then
    echo "lab: namespaces already exist: $(echo "$left" | tr '\n' ' ')" >&2
    echo "lab: another lab is running, or a crashed run left them: e2e/run-lab.sh --cleanup" >&2
    return 1
  fi
  local br i ns
  br=$(net_ns_bridge)
  ip netns add "$br" || return 1
  ip -n "$br" link set lo up
  ip -n "$br" link add br0 type bridge
  ip -n "$br" link set br0 up
  for ((i = 0; i < NET_MEMBERS; i++)); do
    ns=$(net_ns_member "$i")
    ip netns add "$ns" || return 1
    net_attach_ "$ns" "p$i" "$(net_addr "$i")" || return 1
  done
  ip netns add "$(net_ns_client)" || return 1
  net_attach_ "$(net_ns_client)" pc "$NET_CLIENT_ADDR" || return 1
}

# net_attach_ NS PORT ADDR: a veth pair PORT (on br0) <-> eth0 (in NS, with ADDR/24).
net_attach_() {
  local ns=$1 port=$2 addr=$3 br
  br=$(net_ns_bridge)
  ip -n "$br" link add "$port" type veth peer name eth0 netns "$ns" || return 1
  ip -n "$br" link set "$port" master br0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set eth0 up
}

# Deletes every lab namespace (whatever runs inside must be gone first; see net_kill_all).
net_down() {
  local ns
  for ns in $(net_existing); do
    ip netns del "$ns" 2>/dev/null || true
  done
}

# SIGKILLs every process inside the lab namespaces (agents, their shims and children).
net_kill_all() {
  local ns pids
  for ns in $(net_existing); do
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    # shellcheck disable=SC2086 # a list of pids
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
  done
  return 0
}

# net_nft_ I RULES...: adds rules to member I's table, creating the table and chains if needed.
# Each rule is a string "input|output <nft rule>".
net_nft_() {
  local i=$1 ns spec
  shift
  ns=$(net_ns_member "$i")
  spec="table inet $NET_PREFIX {
  chain input { type filter hook input priority 0; policy accept; }
  chain output { type filter hook output priority 0; policy accept; }
}"
  local r
  for r in "$@"; do
    spec+=$'\n'"add rule inet $NET_PREFIX ${r%% *} ${r#* }"
  done
  ip netns exec "$ns" nft -f - <<<"$spec"
}

# net_partition "A..." "B...": members of A drop every packet to or from members of B and the
# other way round. Adds to the faults in place (call net_heal first for a fresh split).
net_partition() {
  local a=$1 b=$2 i set_a="" set_b=""
  for i in $a; do set_a+="${set_a:+, }$(net_addr "$i")"; done
  for i in $b; do set_b+="${set_b:+, }$(net_addr "$i")"; done
  [ -n "$set_a" ] && [ -n "$set_b" ] || return 1
  for i in $a; do
    net_nft_ "$i" "input ip saddr { $set_b } drop" "output ip daddr { $set_b } drop" || return 1
  done
  for i in $b; do
    net_nft_ "$i" "input ip saddr { $set_a } drop" "output ip daddr { $set_a } drop" || return 1
  done
}

# net_loss PCT: every member drops PCT% of its packets, in and out (client traffic excepted).
net_loss() {
  local pct=$1 i
  for ((i = 0; i < NET_MEMBERS; i++)); do
    net_nft_ "$i" \
      "input ip saddr != $NET_CLIENT_ADDR numgen random mod 100 < $pct drop" \
      "output ip daddr != $NET_CLIENT_ADDR numgen random mod 100 < $pct drop" || return 1
  done
}

# Removes every fault (the lab's nft table in every member namespace).
net_heal() {
  local i ns
  for ((i = 0; i < NET_MEMBERS; i++)); do
    ns=$(net_ns_member "$i")
    ip netns exec "$ns" nft list table inet "$NET_PREFIX" >/dev/null 2>&1 || continue
    ip netns exec "$ns" nft delete table inet "$NET_PREFIX" || return 1
  done
}
