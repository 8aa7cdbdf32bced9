// The metrics of the supervisor core, on the simulator: apply, crash, kill, partition and
// rebalance, then check the exported values exactly (through the text exposition).
#include "sidecar/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "tests/sidecar/metrics_text.h"
#include "tests/testing/sim_cluster.h"

namespace herd::sidecar {
namespace {

using metrics_text::Sample;
using metrics_text::Serialize;
using metrics_text::Value;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::SimCluster;
using testing::SimClusterOptions;

WorkloadSpec Spec(const std::string& name) {
  WorkloadSpec s;
  s.name = name;
  s.command = {"/bin/worker", name};
  return s;
}

class MetricsTest : public ::testing::Test {
 protected:
  void Boot(int members) {
    SimClusterOptions o;
    o.members = members;
    o.seed = 11;
    cluster_ = std::make_unique<SimCluster>(o);
    for (int i = 0; i < members; ++i) cluster_->Start(i);
    cluster_->RunFor(seconds(3));
    for (int i = 0; i < members; ++i) ASSERT_TRUE(cluster_->member(i)->ready()) << i;
  }

  void ApplyN(int via, const std::string& prefix, int n) {
    std::vector<ApplyRequest> reqs;
    for (int k = 0; k < n; ++k) reqs.push_back({Spec(prefix + std::to_string(k)), std::nullopt});
    std::optional<Result<std::vector<ApplyOutcome>>> out;
    cluster_->member(via)->Apply(std::move(reqs), [&](auto r) { out = std::move(r); });
    while (!out) cluster_->RunFor(milliseconds(1));
    ASSERT_TRUE(out->ok()) << out->status().ToString();
  }

  std::vector<Sample> Scrape(int i) {
    return Serialize(SnapshotFamilies(TakeMetricsSnapshot(*cluster_->member(i), nullptr), 0));
  }

  double Get(int i, std::string_view name, const std::map<std::string, std::string>& labels = {}) {
    std::optional<double> v = Value(Scrape(i), name, labels);
    EXPECT_TRUE(v.has_value()) << name;
    return v.value_or(-1);
  }

  // Sum over the members that are up.
  double Sum(std::string_view name, const std::map<std::string, std::string>& labels = {}) {
    double total = 0;
    for (int i = 0; i < cluster_->size(); ++i) {
      if (cluster_->IsUp(i)) total += Get(i, name, labels);
    }
    return total;
  }

  int OwnerIndex(const std::string& name) {
    Result<WorkloadView> w = cluster_->member(0)->Get(name);
    for (int i = 0; w.ok() && i < cluster_->size(); ++i) {
      if (cluster_->name(i) == w->record.owner) return i;
    }
    return -1;
  }

  std::unique_ptr<SimCluster> cluster_;
};

TEST_F(MetricsTest, ApplyCrashAndKillAreCountedExactly) {
  Boot(3);
  ApplyN(0, "w", 9);
  cluster_->RunFor(seconds(2));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Get(i, "herd_workloads_declared"), 9) << i;
    EXPECT_EQ(Get(i, "herd_workloads_running"), 9) << i;
    EXPECT_EQ(Get(i, "herd_workloads_phase", {{"phase", "Running"}}), 9) << i;
    EXPECT_EQ(Get(i, "herd_workloads_phase", {{"phase", "Pending"}}), 0) << i;
    EXPECT_EQ(Get(i, "herd_cluster_members", {{"status", "alive"}}), 3) << i;
    EXPECT_EQ(Get(i, "herd_cluster_members", {{"status", "dead"}}), 0) << i;
    EXPECT_EQ(Get(i, "herd_cluster_quorum"), 1) << i;
    EXPECT_EQ(Get(i, "herd_cluster_ready"), 1) << i;
    EXPECT_GT(Get(i, "herd_sync_messages_received_total", {{"type", "heartbeat"}}), 0) << i;
    // 9 declarations, 9 owners, 9 statuses and 3 member records, at least.
    EXPECT_GE(Get(i, "herd_crdt_entries"), 30) << i;
  }
  EXPECT_EQ(Sum("herd_workloads_local"), 9);
  EXPECT_EQ(Sum("herd_workload_starts_total"), 9);
  // Every delta a member sent was received by someone, and acknowledged: latency observed.
  EXPECT_EQ(Sum("herd_sync_messages_sent_total", {{"type", "delta"}}),
            Sum("herd_sync_messages_received_total", {{"type", "delta"}}));
  EXPECT_EQ(Sum("herd_sync_messages_received_total", {{"type", "delta"}}),
            Sum("herd_sync_messages_sent_total", {{"type", "ack"}}));
  EXPECT_GT(Sum("herd_sync_latency_seconds_count"), 0);
  EXPECT_GT(Sum("herd_sync_bytes_sent_total"), 0);
  // Heartbeats are always in flight somewhere: received trails sent.
  EXPECT_LE(Sum("herd_sync_bytes_received_total"), Sum("herd_sync_bytes_sent_total"));
  EXPECT_GT(Sum("herd_sync_bytes_received_total"), 0);

  // A crash: one error exit, one restart, one more start on the same member.
  const int crash_owner = OwnerIndex("w0");
  ASSERT_GE(crash_owner, 0);
  for (const auto& [id, name] : cluster_->runner(crash_owner)->RunningInstances()) {
    if (name == "w0") cluster_->runner(crash_owner)->Exit(id, ChildExit{1, 0, ""});
  }
  cluster_->RunFor(seconds(3));
  EXPECT_EQ(Get(crash_owner, "herd_workload_exits_total", {{"reason", "error"}}), 1);
  EXPECT_EQ(Get(crash_owner, "herd_workload_restarts_total"), 1);
  EXPECT_EQ(Sum("herd_workload_starts_total"), 10);
  EXPECT_EQ(Sum("herd_workload_exits_total", {{"reason", "error"}}), 1);

  // Kill a member that owns something other than w0: the survivors take its workloads over.
  int victim = -1;
  for (int i = 0; i < 3; ++i) {
    if (i != crash_owner && !cluster_->RunningOn(i).empty()) victim = i;
  }
  ASSERT_GE(victim, 0);
  const double lost = static_cast<double>(cluster_->RunningOn(victim).size());
  cluster_->Kill(victim);
  cluster_->RunFor(seconds(5));
  EXPECT_EQ(Sum("herd_workload_takeovers_total"), lost);
  EXPECT_EQ(Sum("herd_failover_duration_seconds_count"), lost);
  // The heartbeat deadline (1 s) passes before anyone takes over.
  EXPECT_GE(Sum("herd_failover_duration_seconds_sum"), lost * 1.0);
  EXPECT_EQ(Sum("herd_failover_duration_seconds_bucket", {{"le", "0.5"}}), 0);
  EXPECT_EQ(Sum("herd_failover_duration_seconds_bucket", {{"le", "+Inf"}}), lost);
  EXPECT_EQ(Sum("herd_workloads_local"), 9);
  for (int i = 0; i < 3; ++i) {
    if (i == victim) continue;
    EXPECT_EQ(Get(i, "herd_workloads_declared"), 9) << i;
    EXPECT_EQ(Get(i, "herd_workloads_phase", {{"phase", "Running"}}), 9) << i;
    EXPECT_EQ(Get(i, "herd_cluster_members", {{"status", "alive"}}), 2) << i;
    EXPECT_EQ(Get(i, "herd_cluster_members", {{"status", "dead"}}), 1) << i;
    EXPECT_EQ(Get(i, "herd_workload_handoffs_total"), 0) << i;
  }
}

TEST_F(MetricsTest, PhasesFollowFailuresAndDeletes) {
  Boot(3);
  ApplyN(1, "p", 4);
  cluster_->RunFor(seconds(2));
  // p0 crashes until the restart intensity gives up: Failed.
  const int owner = OwnerIndex("p0");
  ASSERT_GE(owner, 0);
  for (int round = 0; round < 50 && Get(0, "herd_workloads_phase", {{"phase", "Failed"}}) == 0;
       ++round) {
    for (const auto& [id, name] : cluster_->runner(owner)->RunningInstances()) {
      if (name == "p0") cluster_->runner(owner)->Exit(id, ChildExit{-1, 11, ""});
    }
    cluster_->RunFor(seconds(1));
  }
  cluster_->RunFor(seconds(1));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Get(i, "herd_workloads_phase", {{"phase", "Failed"}}), 1) << i;
    EXPECT_EQ(Get(i, "herd_workloads_phase", {{"phase", "Running"}}), 3) << i;
    EXPECT_EQ(Get(i, "herd_workloads_running"), 3) << i;
  }
  EXPECT_EQ(Get(owner, "herd_workload_failed_total"), 1);
  EXPECT_EQ(Get(owner, "herd_workload_exits_total", {{"reason", "signal"}}),
            Get(owner, "herd_workload_restarts_total") + 1);

  // Deleting a workload removes it from every phase; a tombstone is kept for a while.
  std::optional<Result<bool>> out;
  cluster_->member(0)->Delete("p1", [&](auto r) { out = std::move(r); });
  while (!out) cluster_->RunFor(milliseconds(1));
  ASSERT_TRUE(out->ok());
  cluster_->RunFor(seconds(2));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Get(i, "herd_workloads_declared"), 3) << i;
    double total = 0;
    for (std::string p :
         {"Pending", "Starting", "Running", "Backoff", "Stopping", "Failed", "Succeeded"}) {
      total += Get(i, "herd_workloads_phase", {{"phase", p}});
    }
    EXPECT_EQ(total, 3) << i;
    EXPECT_GT(Get(i, "herd_crdt_tombstones"), 0) << i;
  }
}

TEST_F(MetricsTest, APartitionHealIsRepairedByAntiEntropy) {
  Boot(3);
  double before = Sum("herd_sync_anti_entropy_rounds_total");
  cluster_->network().Partition({"m2"});
  ApplyN(0, "a", 5);
  cluster_->RunFor(seconds(3));
  cluster_->network().HealAll();
  cluster_->RunFor(seconds(5));
  EXPECT_EQ(Get(2, "herd_workloads_declared"), 5);
  EXPECT_GT(Sum("herd_sync_anti_entropy_rounds_total"), before);
}

TEST_F(MetricsTest, AFailingStoreIsShownUntilItRecovers) {
  Boot(3);
  EXPECT_EQ(Get(0, "herd_store_writable"), 1);
  cluster_->store(0)->FailNextSyncs(1, Status(StatusCode::kInternal, "fsync: EIO"));
  std::optional<Result<std::vector<ApplyOutcome>>> out;
  cluster_->member(0)->Apply({{Spec("d"), std::nullopt}}, [&](auto r) { out = std::move(r); });
  while (!out) cluster_->RunFor(milliseconds(1));
  ASSERT_FALSE(out->ok());
  EXPECT_EQ(Get(0, "herd_store_writable"), 0);
  EXPECT_EQ(Get(0, "herd_store_errors_total"), 1);
  EXPECT_EQ(Get(1, "herd_store_writable"), 1);
  cluster_->RunFor(seconds(2));  // the next probe's snapshot succeeds
  EXPECT_EQ(Get(0, "herd_store_writable"), 1);
}

TEST_F(MetricsTest, ARebalanceCountsHandoffsAndTheirDurations) {
  Boot(3);
  cluster_->Kill(2);
  cluster_->RunFor(seconds(3));
  ApplyN(0, "r", 12);
  cluster_->RunFor(seconds(2));
  cluster_->Start(2);
  cluster_->RunFor(seconds(3));
  std::optional<Result<bool>> out;
  cluster_->member(0)->Rebalance([&](auto r) { out = std::move(r); });
  while (!out) cluster_->RunFor(milliseconds(1));
  ASSERT_TRUE(out->ok()) << out->status().ToString();
  cluster_->RunFor(seconds(5));
  const double moved = static_cast<double>(cluster_->RunningOn(2).size());
  EXPECT_GT(moved, 0);
  EXPECT_EQ(Sum("herd_workload_handoffs_total"), moved);
  EXPECT_EQ(Sum("herd_handoff_duration_seconds_count"), moved);
  EXPECT_EQ(Get(2, "herd_workload_starts_total"), moved);
  EXPECT_EQ(Sum("herd_workloads_local"), 12);
}

TEST_F(MetricsTest, CollectorWithoutASnapshotExportsWhatItHasAndCountsTheFailure) {
  AgentCollectorOptions o;
  o.version = "1.2.3";
  o.snapshot = [] { return std::optional<MetricsSnapshot>(); };
  o.send_failures = [] { return uint64_t{7}; };
  AgentCollector collector(o);
  std::vector<Sample> first = Serialize(collector.Collect());
  std::vector<Sample> second = Serialize(collector.Collect());
  EXPECT_EQ(Value(second, "herd_build_info", {{"version", "1.2.3"}}), 1);
  EXPECT_EQ(Value(first, "herd_internal_errors_total"), 1);
  EXPECT_EQ(Value(second, "herd_internal_errors_total"), 2);
  EXPECT_EQ(Value(second, "herd_sync_send_failures_total"), 7);
  EXPECT_FALSE(Value(second, "herd_workloads_declared").has_value());
  EXPECT_EQ(collector.snapshot_failures(), 2u);
}

TEST_F(MetricsTest, CollectorWithASnapshotExportsEveryFamilyOnce) {
  AgentCollectorOptions o;
  o.version = "v";
  o.snapshot = [] {
    MetricsSnapshot s;
    s.children.declared = 4;
    s.counters.messages_sent = {1, 2, 3};
    s.counters.sync_latency.Observe(0.003);
    return std::optional<MetricsSnapshot>(s);
  };
  AgentCollector collector(o);
  std::vector<prometheus::MetricFamily> families = collector.Collect();
  std::set<std::string> names;
  for (const auto& f : families) EXPECT_TRUE(names.insert(f.name).second) << f.name;
  std::vector<Sample> s = Serialize(families);
  EXPECT_EQ(Value(s, "herd_workloads_declared"), 4);
  EXPECT_EQ(Value(s, "herd_sync_messages_sent_total", {{"type", "heartbeat"}}), 3);
  EXPECT_EQ(Value(s, "herd_sync_latency_seconds_bucket", {{"le", "0.0025"}}), 0);
  EXPECT_EQ(Value(s, "herd_sync_latency_seconds_bucket", {{"le", "0.005"}}), 1);
  EXPECT_EQ(Value(s, "herd_sync_send_failures_total"), 0);
  EXPECT_EQ(Value(s, "herd_internal_errors_total"), 0);
}

TEST(DurationHistogramTest, BucketsAreUpperInclusiveAndOverflowGoesToInf) {
  DurationHistogram h;
  h.Observe(0.0005);  // on the first bound: first bucket
  h.Observe(0.00051);
  h.Observe(std::chrono::seconds(61));
  h.Observe(-1.0);  // a clock that went backwards counts as 0
  EXPECT_EQ(h.count(), 4u);
  EXPECT_EQ(h.counts()[0], 2u);
  EXPECT_EQ(h.counts()[1], 1u);
  EXPECT_EQ(h.counts().back(), 1u);
  EXPECT_DOUBLE_EQ(h.sum(), 0.0005 + 0.00051 + 61);
  prometheus::ClientMetric m = HistogramMetric(h);
  ASSERT_EQ(m.histogram.bucket.size(), DurationHistogram::kBounds.size() + 1);
  EXPECT_EQ(m.histogram.bucket[1].cumulative_count, 3u);
  EXPECT_EQ(m.histogram.bucket.back().cumulative_count, 4u);
  EXPECT_TRUE(std::isinf(m.histogram.bucket.back().upper_bound));
}

}  // namespace
}  // namespace herd::sidecar
