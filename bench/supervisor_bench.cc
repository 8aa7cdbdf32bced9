// supervisor_bench: the core's throughput and failover cost on the simulator.
//
//   apply_per_s             100,000 workloads applied into a 5-member simulated cluster, in
//                           requests of 1,000, until every member holds them and each runs once
//                           (all five cores, their replication and the fakes share one thread)
//   apply_per_s_one_core    the same applies into one member alone: the core's own apply path
//   apply_per_s_busiest_member  the same 100,000 over the time the busiest of the five members
//                           spent handling its events (SimCluster::busy): the cluster's rate
//                           when each member has a CPU of its own, as pods do
//   failover_settle_sim_ms  simulated time from kill -9 of the member holding ~20,000 to all of
//                           them running again (1 s heartbeat deadline)
//   failover_cpu_ms         real CPU time the surviving cores spent on that failover, from the
//                           kill (the simulated second of heartbeats before the deadline
//                           included) until every workload runs again and every survivor's map
//                           holds every survivor's writes (takeovers and statuses replicated)
//   failover_busiest_member_ms  of that failover, the time the busiest survivor spent handling
//                           its events (its share on a CPU of its own)
//   bytes_per_workload      heap bytes per declared workload that the core of the member killed
//                           above held: what its destruction frees (mallinfo2: the arena's
//                           chunks and the blocks malloc maps apart, which big tables are), its
//                           CRDT map with every record, its indexes and its children; not the fakes
//                           that stand in for the disk and the OS (the in-memory store's log,
//                           the fake runner's process table)
//   cluster_heap_per_workload  the whole simulation's heap growth per workload per member,
//                           fakes included
//
// HERD_BENCH_WORKLOADS scales the run down; HERD_BENCH_ONE_CORE=1 measures only
// apply_per_s_one_core (for profiling). HERD_BENCH_PERF_CTL=FIFO profiles the failover alone:
//   mkfifo /tmp/ctl && HERD_BENCH_PERF_CTL=/tmp/ctl perf record -D -1 --control fifo:/tmp/ctl ...
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "common/log.h"
#include "tests/testing/sim_cluster.h"

using herd::Clock;
using herd::sidecar::ApplyRequest;
using herd::sidecar::WorkloadSpec;
using std::chrono::milliseconds;

namespace {

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// In use: the arena's chunks and the blocks malloc maps on their own (big vectors and tables;
// uordblks alone misses them).
size_t HeapBytes() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

// Tells `perf record --control fifo:PATH` to start or stop sampling (HERD_BENCH_PERF_CTL).
void PerfControl(const char* command) {
  const char* path = std::getenv("HERD_BENCH_PERF_CTL");
  if (path == nullptr) return;
  if (FILE* f = std::fopen(path, "w")) {
    std::fprintf(f, "%s\n", command);
    std::fclose(f);
  }
}

// Each member's busy time so far (SimCluster::busy).
std::vector<herd::Clock::Duration> Busy(const herd::testing::SimCluster& cluster, int members) {
  std::vector<herd::Clock::Duration> busy;
  for (int i = 0; i < members; ++i) busy.push_back(cluster.busy(i));
  return busy;
}

// The most busy time any member has added since `before`, in seconds.
double BusiestSeconds(const herd::testing::SimCluster& cluster,
                      const std::vector<herd::Clock::Duration>& before) {
  herd::Clock::Duration most{0};
  for (size_t i = 0; i < before.size(); ++i) {
    most = std::max(most, cluster.busy(static_cast<int>(i)) - before[i]);
  }
  return std::chrono::duration<double>(most).count();
}

}  // namespace

std::vector<ApplyRequest> Batch(int first, int n) {
  std::vector<ApplyRequest> reqs;
  for (int k = 0; k < n; ++k) {
    WorkloadSpec s;
    s.name = "w-" + std::to_string(first + k);
    s.command = {"/usr/bin/sleeper", "--shard", std::to_string(k)};
    reqs.push_back({std::move(s), std::nullopt});
  }
  return reqs;
}

// Applies into a single member: the core's apply path, its map writes, store appends and the
// start of every child, without peers.
double OneCoreApplyPerSecond(int workloads, int batch) {
  herd::testing::SimClusterOptions o;
  o.members = 1;
  o.seed = 43;
  o.runner_history = false;  // the fake's test records are not the core's work
  herd::testing::SimCluster cluster(o);
  cluster.Start(0);
  cluster.RunFor(std::chrono::seconds(1));
  int acked = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int b = 0; b < workloads / batch; ++b) {
    cluster.member(0)->Apply(Batch(b * batch, batch), [&](auto r) {
      if (r.ok()) acked += static_cast<int>(r->size());
    });
    cluster.RunFor(milliseconds(1));
  }
  while (acked < workloads) cluster.RunFor(milliseconds(1));
  return workloads /
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Applies `workloads` in requests of `batch`, round robin over the members, until every member
// holds them all and each runs once. Its own function, like RunFailover below, for callgrind.
__attribute__((noinline)) void RunApply(herd::testing::SimCluster& cluster, int members,
                                        int workloads, int batch) {
  int acked = 0;
  for (int b = 0; b < workloads / batch; ++b) {
    cluster.AsMember(b % members, [&] {
      cluster.member(b % members)->Apply(Batch(b * batch, batch), [&](auto r) {
        if (r.ok()) acked += static_cast<int>(r->size());
      });
    });
    cluster.RunFor(milliseconds(2));
  }
  while (true) {
    cluster.RunFor(milliseconds(10));
    bool done = acked == workloads;
    for (int i = 0; i < members && done; ++i) {
      done = cluster.member(i)->Count().declared == static_cast<size_t>(workloads);
    }
    if (done && cluster.TotalRunning() == static_cast<size_t>(workloads)) break;
  }
}

// Runs the cluster from the kill until every workload runs again and every survivor holds
// every survivor's writes; returns the simulated settle time in ms. Its own function, so that
// `valgrind --tool=callgrind --toggle-collect=*RunFailover*` counts the failover alone.
__attribute__((noinline)) double RunFailover(herd::testing::SimCluster& cluster, int members,
                                             int workloads, std::chrono::nanoseconds sim_start) {
  while (cluster.TotalRunning() < static_cast<size_t>(workloads)) {
    cluster.RunFor(milliseconds(10));
  }
  const double settle_ms =
      std::chrono::duration<double, std::milli>(cluster.clock().Elapsed() - sim_start).count();
  auto replicated = [&] {
    const herd::sidecar::Supervisor* first = nullptr;
    for (int i = 0; i < members; ++i) {
      const herd::sidecar::Supervisor* m = cluster.member(i);
      if (m == nullptr) continue;
      if (first == nullptr) first = m;
      if (!(m->map().context() == first->map().context())) return false;
    }
    return true;
  };
  while (!replicated()) cluster.RunFor(milliseconds(1));
  return settle_ms;
}

int main() {
  herd::SetMinLogLevel(herd::LogLevel::kError);
  constexpr int kMembers = 5;
  const char* env = std::getenv("HERD_BENCH_WORKLOADS");
  const int kWorkloads = env != nullptr ? std::atoi(env) : 100000;
  constexpr int kBatch = 1000;
  if (std::getenv("HERD_BENCH_ONE_CORE") != nullptr) {
    std::printf("{\"apply_per_s_one_core\":%.0f}\n", OneCoreApplyPerSecond(kWorkloads, kBatch));
    return 0;
  }
  const size_t heap_before = HeapBytes();
  herd::testing::SimClusterOptions o;
  o.members = kMembers;
  o.seed = 42;
  o.runner_history = false;
  o.work_clock = [] { return std::chrono::steady_clock::now().time_since_epoch(); };
  herd::testing::SimCluster cluster(o);
  for (int i = 0; i < kMembers; ++i) cluster.Start(i);
  cluster.RunFor(std::chrono::seconds(3));

  const auto wall_start = std::chrono::steady_clock::now();
  const std::vector<Clock::Duration> busy_before_apply = Busy(cluster, kMembers);
  RunApply(cluster, kMembers, kWorkloads, kBatch);
  const double apply_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const double apply_busiest_s = BusiestSeconds(cluster, busy_before_apply);
  const size_t heap_after = HeapBytes();

  // Kill the member with the most workloads; measure until all run again.
  int victim = 0;
  size_t most = 0;
  for (int i = 0; i < kMembers; ++i) {
    size_t n = cluster.runner(i)->running();
    if (n > most) {
      most = n;
      victim = i;
    }
  }
  const auto sim_start = cluster.clock().Elapsed();
  const size_t heap_before_kill = HeapBytes();
  cluster.Kill(victim);
  const size_t heap_after_kill = HeapBytes();
  // From here: the survivors' work. (Destroying the victim's core above stands for the kernel
  // reclaiming a dead process, which costs the survivors nothing.)
  PerfControl("enable");
  const std::vector<Clock::Duration> busy_before_failover = Busy(cluster, kMembers);
  const double cpu_start = CpuSeconds();
  const double settle_ms = RunFailover(cluster, kMembers, kWorkloads, sim_start);
  const double failover_cpu_ms = (CpuSeconds() - cpu_start) * 1000;
  const double failover_busiest_ms = BusiestSeconds(cluster, busy_before_failover) * 1000;
  PerfControl("disable");
  int duplicates = 0;
  for (const auto& [name, n] : cluster.RunningCounts()) duplicates += n > 1;

  const double one_core = OneCoreApplyPerSecond(kWorkloads, kBatch);
  std::printf(
      "{\"members\":%d,\"workloads\":%d,\"apply_per_s\":%.0f,\"apply_per_s_one_core\":%.0f,"
      "\"apply_per_s_busiest_member\":%.0f,\"apply_wall_s\":%.3f,"
      "\"failover_workloads\":%zu,\"failover_settle_sim_ms\":%.0f,\"failover_cpu_ms\":%.1f,"
      "\"failover_busiest_member_ms\":%.1f,"
      "\"failover_duplicates\":%d,\"bytes_per_workload\":%.0f,"
      "\"cluster_heap_per_workload\":%.0f}\n",
      kMembers, kWorkloads, kWorkloads / apply_s, one_core, kWorkloads / apply_busiest_s, apply_s,
      most, settle_ms, failover_cpu_ms, failover_busiest_ms, duplicates,
      (static_cast<double>(heap_before_kill) - static_cast<double>(heap_after_kill)) / kWorkloads,
      static_cast<double>(heap_after - heap_before) / kWorkloads / kMembers);
  return 0;
}
