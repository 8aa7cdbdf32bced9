# shellcheck shell=bash
# The kind driver: implements the drv_* interface of e2e/lib/scenarios.sh on a kind cluster,
# with herd installed by its Helm chart (one release per scenario, so each starts empty).
# Sourced by e2e/kind/run.sh before e2e/lib/scenarios.sh.
#
# Member i is the pod herd-i of the StatefulSet herd in namespace KIND_NS. How each fault maps:
#   drv_kill I         kubectl delete pod --grace-period=0 --force; returns once the old pod is
#                      gone (the StatefulSet then recreates it: a new incarnation)
#   drv_stop I         kubectl delete pod (SIGTERM, graceful handoff); returns once it exited
#   drv_start I        waits until the StatefulSet's new pod herd-I is Ready
#   drv_restart_all    scale to 0, wait for every pod to exit, scale back, wait for all Ready
#                      (the PersistentVolumeClaims keep each member's map)
#   drv_partition A B  NetworkPolicies: each member of A admits no traffic from B, and back
#   drv_heal           deletes those NetworkPolicies
#   drv_count PREFIX   reads /proc of every herd pod through kubectl exec
#   drv_loss, drv_wall_offset, drv_fill_disk, drv_free_disk, drv_corrupt_tail: unsupported (2)
# NetworkPolicy caveat: CNIs apply policy to new connections; an established keep-alive
# connection between two agents may outlive the cut until it is recycled.
#
# Settings (environment, set before sourcing): KIND_NS (herd-e2e), KIND_MEMBERS (5),
# KIND_CHART (helm/herd), KIND_VALUES (e2e/kind/values-e2e.yaml), KIND_IMAGE (herd:e2e), KUBECTL,
# HELM, KIND_READY_S (180: how long pods may take to become Ready).

KIND_REPO=${KIND_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
KIND_NS=${KIND_NS:-herd-e2e}
KIND_MEMBERS=${KIND_MEMBERS:-5}
KIND_CHART=${KIND_CHART:-$KIND_REPO/helm/herd}
KIND_VALUES=${KIND_VALUES:-$KIND_REPO/e2e/kind/values-e2e.yaml}
KUBECTL=${KUBECTL:-kubectl}
HELM=${HELM:-helm}
KIND_READY_S=${KIND_READY_S:-180}
KIND_IMAGE=${KIND_IMAGE:-herd:e2e}   # repository:tag, loaded into the nodes
KIND_RELEASE=herd     # also the StatefulSet's name (fullnameOverride)
KIND_SLEEPER=/usr/local/bin/herd-sleeper
declare -A KIND_BLOCKED=()  # member -> space-separated members it admits no traffic from
KIND_EXTRA_SET=()           # extra helm flags for the next drv_up (a scenario's own values)

kc() { "$KUBECTL" -n "$KIND_NS" "$@"; }
# kc_exec ARGS...: kubectl exec with a deadline (an exec into a dying pod can hang).
kc_exec() { timeout 20 "$KUBECTL" -n "$KIND_NS" exec "$@"; }
kind_pod() { echo "$KIND_RELEASE-$1"; }
kind_uid() { kc get pod "$(kind_pod "$1")" -o jsonpath='{.metadata.uid}' 2>/dev/null; }
kind_selector() { echo "app.kubernetes.io/name=herd,app.kubernetes.io/instance=$KIND_RELEASE"; }

# kind_wait_gone I UID: until pod I no longer has that uid (deleted, or recreated).
kind_wait_gone() {
  local end=$((SECONDS + KIND_READY_S))
  while [ "$(kind_uid "$1")" = "$2" ]; do
    ((SECONDS < end)) || { echo "kind: pod $(kind_pod "$1") still there" >&2; return 1; }
    sleep 0.2
  done
}

# kind_wait_ready I: until pod I exists and is Ready.
kind_wait_ready() {
  local end=$((SECONDS + KIND_READY_S)) ready
  while :; do
    ready=$(kc get pod "$(kind_pod "$1")" \
      -o jsonpath='{.metadata.deletionTimestamp}{"|"}{.status.conditions[?(@.type=="Ready")].status}' \
      2>/dev/null)
    [ "$ready" = "|True" ] && return 0
    ((SECONDS < end)) || { echo "kind: pod $(kind_pod "$1") not Ready" >&2; return 1; }
    sleep 0.5
  done
}

# kind_wait_no_pods: until no pod of the release is left.
kind_wait_no_pods() {
  local end=$((SECONDS + KIND_READY_S))
  while [ -n "$(kc get pods -l "$(kind_selector)" -o name 2>/dev/null)" ]; do
    ((SECONDS < end)) || { echo "kind: herd pods still there" >&2; return 1; }
    sleep 0.5
  done
}

kind_wait_all_ready() {
  kc rollout status "statefulset/$KIND_RELEASE" --timeout "${KIND_READY_S}s" >&2 || return 1
  local i
  for ((i = 0; i < KIND_MEMBERS; i++)); do kind_wait_ready "$i" || return 1; done
}

drv_up() {
  local name=$1 strategy=$2
  echo "kind: installing herd for scenario $name (strategy $strategy)" >&2
  "$KUBECTL" create namespace "$KIND_NS" --dry-run=client -o yaml | "$KUBECTL" apply -f - >&2
  "$HELM" upgrade --install "$KIND_RELEASE" "$KIND_CHART" -n "$KIND_NS" -f "$KIND_VALUES" \
    --set fullnameOverride="$KIND_RELEASE" --set replicaCount="$KIND_MEMBERS" \
    --set image.repository="${KIND_IMAGE%:*}" --set image.tag="${KIND_IMAGE##*:}" \
    --set agent.strategy="$strategy" --set agent.heartbeatDeadline=1s "${KIND_EXTRA_SET[@]}" \
    --wait --timeout "${KIND_READY_S}s" >&2 || return 1
  kind_wait_all_ready
}

drv_down() {
  drv_heal
  # Workload resources first, while the agents can still release their finalizers.
  kc delete workloads.herd.dev --all --wait=false >&2 2>/dev/null
  "$HELM" uninstall "$KIND_RELEASE" -n "$KIND_NS" --wait --timeout "${KIND_READY_S}s" >&2 ||
    true
  # SIGKILL is fine here; children die with their pods.
  kc delete pod -l "$(kind_selector)" --grace-period=0 --force --ignore-not-found >/dev/null 2>&1
  kind_wait_no_pods || return 1
  # No agent is left to remove a finalizer.
  local w
  for w in $(kc get workloads.herd.dev -o name 2>/dev/null); do
    kc patch "$w" --type merge -p '{"metadata":{"finalizers":null}}' >&2
  done
  kc delete pvc -l "$(kind_selector)" --ignore-not-found --wait=true >&2
}

drv_members() { echo "$KIND_MEMBERS"; }
drv_sleeper() { echo "$KIND_SLEEPER"; }

# The CLI inside member I's container, against its own API on localhost (so partitions never
# cut the harness off). stdin is passed through for `apply -f -`.
drv_herd() {
  local i=$1
  shift
  kc_exec -i "$(kind_pod "$i")" -c herd -- \
    herd --server http://127.0.0.1:7070 --timeout 5s "$@"
}

drv_kill() {
  local uid
  uid=$(kind_uid "$1")
  [ -n "$uid" ] || { echo "kind: drv_kill: no pod $(kind_pod "$1")" >&2; return 1; }
  kc delete pod "$(kind_pod "$1")" --grace-period=0 --force --wait=false >&2 2>/dev/null
  kind_wait_gone "$1" "$uid"
}

drv_stop() {
  local uid
  uid=$(kind_uid "$1")
  [ -n "$uid" ] || { echo "kind: drv_stop: no pod $(kind_pod "$1")" >&2; return 1; }
  kc delete pod "$(kind_pod "$1")" --wait=true --timeout "${KIND_READY_S}s" >&2 || return 1
  kind_wait_gone "$1" "$uid"
}

drv_start() { kind_wait_ready "$1"; }

drv_restart_all() {
  kc scale "statefulset/$KIND_RELEASE" --replicas 0 >&2 || return 1
  kind_wait_no_pods || return 1
  kc scale "statefulset/$KIND_RELEASE" --replicas "$KIND_MEMBERS" >&2 || return 1
  kind_wait_all_ready
}

# The NetworkPolicy of member I: admits everything except traffic from the members it is cut
# off from (pods of other namespaces and the nodes, i.e. kubelet probes, stay admitted).
kind_apply_block() {
  local i=$1 j values="" node_ips ip
  for j in $(tr ' ' '\n' <<<"${KIND_BLOCKED[$i]}" | sort -u); do values+="${values:+, }$(kind_pod "$j")"; done
  node_ips=$("$KUBECTL" get nodes \
    -o jsonpath='{range .items[*]}{.status.addresses[?(@.type=="InternalIP")].address}{"\n"}{end}')
  {
    cat <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: herd-e2e-partition-$i
  labels: {herd-e2e/partition: "true"}
spec:
  podSelector:
    matchLabels: {statefulset.kubernetes.io/pod-name: $(kind_pod "$i")}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector:
            matchExpressions:
              - {key: statefulset.kubernetes.io/pod-name, operator: NotIn, values: [$values]}
        - namespaceSelector:
            matchExpressions:
              - {key: kubernetes.io/metadata.name, operator: NotIn, values: [$KIND_NS]}
EOF
    for ip in $node_ips; do
      echo "        - ipBlock: {cidr: $ip/32}"
    done
  } | kc apply -f - >&2
}

drv_partition() {
  local a b changed=()
  for a in $1; do
    for b in $2; do
      KIND_BLOCKED[$a]+=" $b"
      KIND_BLOCKED[$b]+=" $a"
      changed+=("$a" "$b")
    done
  done
  local i
  for i in $(printf '%s\n' "${changed[@]}" | sort -u); do kind_apply_block "$i" || return 1; done
}

drv_heal() {
  KIND_BLOCKED=()
  kc delete networkpolicy -l herd-e2e/partition=true --ignore-not-found >&2
}

drv_loss() { return 2; }
drv_wall_offset() { return 2; }
drv_fill_disk() { return 2; }
drv_free_disk() { return 2; }
drv_corrupt_tail() { return 2; }

# Counts, per marker starting with PREFIX, the processes whose argv is [sleeper, marker, ...] in
# every herd pod (terminating ones too). The script travels on stdin, so no process of ours
# carries the prefix in its argv.
drv_count() {
  local prefix=$1 pods pod
  pods=$(kc get pods -l "$(kind_selector)" -o jsonpath='{.items[*].metadata.name}' 2>/dev/null)
  for pod in $pods; do
    kc_exec -i "$pod" -c herd -- sh -s 2>/dev/null <<EOF &
for d in /proc/[0-9]*; do
  set -- \$(tr '\\000' ' ' <"\$d/cmdline" 2>/dev/null)
  [ "\${1:-}" = "$KIND_SLEEPER" ] || continue
  case "\${2:-}" in "$prefix"*) echo "\$2" ;; esac
done
EOF
  done | sort | uniq -c | awk '{ print $2, $1 }'
}

# The agent log of member I: the current container's, and the previous one's if it restarted.
drv_log() {
  kc logs "$(kind_pod "$1")" -c herd --previous 2>/dev/null
  kc logs "$(kind_pod "$1")" -c herd 2>/dev/null
}
