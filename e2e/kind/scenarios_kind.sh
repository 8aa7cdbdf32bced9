# shellcheck shell=bash
# Scenarios only a real Kubernetes cluster can run, in the style of e2e/lib/scenarios_faults.sh:
# each sc_kind_NAME runs under sc_run (fresh install by drv_up, drv_down after), records its
# verdict in SC_REASONS and the measurements, and returns 2 when it cannot run. Sourced by
# e2e/kind/run.sh after e2e/kind/driver.sh and e2e/lib/scenarios.sh.

# shellcheck disable=SC2034 # read by e2e/kind/run.sh
KIND_SCENARIOS=(kind_helm_test kind_scale kind_drain kind_workload_resources kind_metrics)

# The Ready members' names as member 0 reports them.
kind_alive_members() {
  drv_herd 0 get members -o json | jq -r '.items[] | select(.status == "alive") | .name' | sort
}

# kind_members_are N: member 0 sees exactly N alive members.
kind_members_are() { [ "$(kind_alive_members | grep -c .)" = "$1" ]; }

# `helm test`: the chart's own test pod applies a workload through the API Service and waits for
# it to run.
sc_kind_helm_test() {
  sc_do drv_up "$SC_NAME" uniform_quorum || return $?
  if ! "$HELM" test "$KIND_RELEASE" -n "$KIND_NS" --logs --timeout 3m >>"$SC_LOG" 2>&1; then
    sc_fail "helm test failed (its log is in $SC_LOG)"
  fi
}

# Scale the StatefulSet 3 -> 5 -> 3 under SC_WORKLOADS workloads: joins change nothing that runs
# (passive redistribution), and the two members scaled away hand their workloads over (SIGTERM)
# without a duplicate or a loss.
sc_kind_scale() {
  local members=$KIND_MEMBERS t0 rc=0
  KIND_MEMBERS=3
  sc_setup uniform || { rc=$?; KIND_MEMBERS=$members; return $rc; }
  t0=$(sc_now_us)
  kc scale "statefulset/$KIND_RELEASE" --replicas 5 >>"$SC_LOG" 2>&1
  KIND_MEMBERS=5
  if ! kind_wait_all_ready >>"$SC_LOG" 2>&1; then
    sc_fail "scaled to 5, but not every pod became Ready"
  elif ! sc_wait_for 60 kind_members_are 5; then
    sc_fail "scaled to 5, but member 0 sees $(kind_alive_members | tr '\n' ' ')"
  fi
  sc_finish "$t0"
  sc_note "scale 3->5: settle ${SC_SETTLE:-none}s, max duplicates $SC_MAX_DUPS"
  t0=$(sc_now_us)
  kc scale "statefulset/$KIND_RELEASE" --replicas 3 >>"$SC_LOG" 2>&1
  KIND_MEMBERS=3
  sc_wait_for "$KIND_READY_S" kind_pods_are 3 || sc_fail "pods 3 and 4 did not go away"
  sc_wait_for 60 kind_members_are 3 || sc_fail "scaled to 3, but member 0 sees" \
    "$(kind_alive_members | tr '\n' ' ')"
  sc_finish "$t0"
  ((SC_MAX_DUPS == 0)) || sc_fail "scaling down ran $SC_MAX_DUPS extra processes"
  KIND_MEMBERS=$members
}

kind_pods_are() { [ "$(kc get pods -l "$(kind_selector)" -o name | grep -c .)" = "$1" ]; }

# Drain the node of member 0: its members are evicted one at a time (the PodDisruptionBudget)
# with SIGTERM, hand their workloads over, and come back on other nodes. Persistence is off for
# this one, since a local-path volume would pin a pod to the drained node.
sc_kind_drain() {
  KIND_EXTRA_SET=(--set persistence.enabled=false)
  sc_setup uniform || { local rc=$?; KIND_EXTRA_SET=(); return $rc; }
  KIND_EXTRA_SET=()
  local node t0 i
  node=$(kc get pod "$(kind_pod 0)" -o jsonpath='{.spec.nodeName}')
  sc_note "draining $node ($(kc get pods -l "$(kind_selector)" \
    -o jsonpath="{range .items[?(@.spec.nodeName==\"$node\")]}{.metadata.name} {end}"))"
  t0=$(sc_now_us)
  if ! "$KUBECTL" drain "$node" --ignore-daemonsets --delete-emptydir-data \
    --timeout "${KIND_READY_S}s" >>"$SC_LOG" 2>&1; then
    sc_fail "kubectl drain $node failed"
  fi
  for ((i = 0; i < KIND_MEMBERS; i++)); do
    kind_wait_ready "$i" >>"$SC_LOG" 2>&1 || sc_fail "member $i did not come back Ready"
  done
  sc_finish "$t0"
  ((SC_MAX_DUPS == 0)) || sc_fail "the drain ran $SC_MAX_DUPS extra processes"
  "$KUBECTL" uncordon "$node" >>"$SC_LOG" 2>&1
}

# kind_phase NAME: the .status.phase of Workload resource NAME.
kind_phase() { kc get workloads.herd.dev "$1" -o jsonpath='{.status.phase}' 2>/dev/null; }
kind_phase_is() { [ "$(kind_phase "$1")" = "$2" ]; }
kind_resource_gone() { ! kc get workloads.herd.dev "$1" >/dev/null 2>&1; }
kind_listed() { drv_herd 0 get workloads -o name | grep -qx "workload/$1"; }
kind_not_listed() { ! kind_listed "$1"; }

# Workload custom resources: kubectl apply the examples (ticker, shards), wait until each
# reports .status.phase Running with an owner, check the REST API lists them, then kubectl
# delete them and wait until the finalizer lets them go and herd no longer lists them.
sc_kind_workload_resources() {
  sc_do drv_up "$SC_NAME" uniform || return $?
  local names=(ticker shard-0 shard-1 shard-2) n
  if ! kc apply -f "$KIND_REPO/examples/workloads/ticker.yaml" \
    -f "$KIND_REPO/examples/workloads/shards.yaml" >>"$SC_LOG" 2>&1; then
    sc_fail "kubectl apply of the example Workloads failed"
    return 0
  fi
  for n in "${names[@]}"; do
    if ! sc_wait_for 90 kind_phase_is "$n" Running; then
      sc_fail "Workload $n: phase $(kind_phase "$n"), not Running"
      continue
    fi
    [ -n "$(kc get workloads.herd.dev "$n" -o jsonpath='{.status.owner}')" ] ||
      sc_fail "Workload $n runs without a status.owner"
    sc_wait_for 10 kind_listed "$n" || sc_fail "Workload $n is not in the REST API's list"
  done
  kc get workloads.herd.dev -o wide >>"$SC_LOG" 2>&1
  kc delete -f "$KIND_REPO/examples/workloads/ticker.yaml" \
    -f "$KIND_REPO/examples/workloads/shards.yaml" --wait=false >>"$SC_LOG" 2>&1
  for n in "${names[@]}"; do
    sc_wait_for 60 kind_resource_gone "$n" || sc_fail "Workload $n not deleted (finalizer?)"
    sc_wait_for 30 kind_not_listed "$n" || sc_fail "herd still lists $n after its deletion"
  done
}

# Metrics: every member serves herd_ metrics on its metrics port (through kubectl port-forward);
# with KIND_PROMETHEUS=1, the kube-prometheus-stack release "kps" (run.sh --prometheus) scrapes
# them through the chart's ServiceMonitor and knows every member.
sc_kind_metrics() {
  local sets=()
  [ "${KIND_PROMETHEUS:-0}" = 1 ] && sets=(--set monitoring.serviceMonitor.enabled=true
    --set monitoring.serviceMonitor.labels.release=kps --set monitoring.prometheusRule.enabled=true
    --set monitoring.prometheusRule.labels.release=kps --set monitoring.serviceMonitor.interval=5s)
  KIND_EXTRA_SET=("${sets[@]}")
  sc_do drv_up "$SC_NAME" uniform || { local rc=$?; KIND_EXTRA_SET=(); return $rc; }
  KIND_EXTRA_SET=()
  local i port pf
  for ((i = 0; i < KIND_MEMBERS; i++)); do
    port=$((19464 + i))
    "$KUBECTL" -n "$KIND_NS" port-forward "pod/$(kind_pod "$i")" "$port:9464" >>"$SC_LOG" 2>&1 &
    pf=$!
    SC_BG_PIDS+=("$pf")
    if sc_wait_for 20 kind_has_herd_metrics "$port"; then
      sc_note "member $i: $(curl -fsS "http://127.0.0.1:$port/metrics" | grep -c '^herd_') herd_ samples"
    else
      sc_fail "member $i serves no herd_ metrics on :9464"
    fi
    kill "$pf" 2>/dev/null
    wait "$pf" 2>/dev/null
  done
  [ "${KIND_PROMETHEUS:-0}" = 1 ] || { sc_note "Prometheus check skipped (run.sh --prometheus)"; return 0; }
  "$KUBECTL" -n monitoring port-forward service/kps-kube-prometheus-stack-prometheus 19090:9090 \
    >>"$SC_LOG" 2>&1 &
  pf=$!
  SC_BG_PIDS+=("$pf")
  sc_wait_for 120 kind_prometheus_sees "$KIND_MEMBERS" ||
    sc_fail "Prometheus does not see $KIND_MEMBERS herd targets up with herd_cluster_members"
  kill "$pf" 2>/dev/null
  wait "$pf" 2>/dev/null
}

kind_has_herd_metrics() { curl -fsS "http://127.0.0.1:$1/metrics" | grep -q '^herd_'; }

# kind_prometheus_sees N: N herd targets up, and herd_ series scraped from the namespace.
kind_prometheus_sees() {
  local up series
  up=$(curl -fsS 'http://127.0.0.1:19090/api/v1/query' \
    --data-urlencode "query=count(up{job=~\".*herd.*\",namespace=\"$KIND_NS\"} == 1)" |
    jq -r '.data.result[0].value[1] // 0')
  series=$(curl -fsS 'http://127.0.0.1:19090/api/v1/query' \
    --data-urlencode "query=count({__name__=~\"herd_.+\",namespace=\"$KIND_NS\"})" |
    jq -r '.data.result[0].value[1] // 0')
  [ "$up" = "$1" ] && [ "$series" != 0 ]
}
