// /metrics of real `herd agent` processes (AgentCluster on loopback): the values follow what
// the test does over the REST API and to the agents.
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/sidecar/metrics_text.h"
#include "tests/testing/agent_cluster.h"

namespace herd::testing {
namespace {

using metrics_text::ParseExposition;
using metrics_text::Sample;
using metrics_text::Value;
using std::chrono::seconds;

AgentClusterOptions Options(int members) { return herd::testing::BuiltAgents(members); }

std::vector<Sample> Scrape(AgentCluster& cluster, int i) {
  Result<std::string> text = cluster.Scrape(i);
  if (!text.ok()) return {};
  return ParseExposition(*text);
}

// Polls member i's /metrics until `name{labels}` equals `want`.
bool WaitForValue(AgentCluster& cluster, int i, std::string_view name, double want,
                  const std::map<std::string, std::string>& labels = {}) {
  return AgentCluster::WaitFor([&] { return Value(Scrape(cluster, i), name, labels) == want; },
                               seconds(20));
}

TEST(MetricsAgentTest, ScrapesFollowAppliesAndAFailover) {
  AgentCluster cluster(Options(3));
  cluster.StartAll();
  ASSERT_TRUE(cluster.WaitAllReady());
  constexpr int kWorkloads = 12;
  Result<sidecar::HttpResponse> r = cluster.Call(
      0, "POST", "/v1/workloads", cluster.SleeperYaml("m", kWorkloads), "application/yaml");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 201) << r->body;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(WaitForValue(cluster, i, "herd_workloads_running", kWorkloads)) << i;
    EXPECT_TRUE(
        WaitForValue(cluster, i, "herd_workloads_phase", kWorkloads, {{"phase", "Running"}}))
        << i;
  }
  std::vector<std::vector<Sample>> s;
  double local = 0;
  for (int i = 0; i < 3; ++i) {
    s.push_back(Scrape(cluster, i));
    EXPECT_EQ(Value(s[i], "herd_workloads_declared"), kWorkloads) << i;
    EXPECT_EQ(Value(s[i], "herd_cluster_members", {{"status", "alive"}}), 3) << i;
    EXPECT_EQ(Value(s[i], "herd_cluster_ready"), 1) << i;
    EXPECT_EQ(Value(s[i], "herd_build_info").has_value(), true) << i;
    EXPECT_GT(Value(s[i], "process_resident_memory_bytes").value_or(0), 0) << i;
    EXPECT_GT(Value(s[i], "herd_sync_messages_sent_total", {{"type", "heartbeat"}}).value_or(0), 0)
        << i;
    EXPECT_EQ(Value(s[i], "herd_kube_relists_total", {{"resource", "workloads"}}), 0) << i;
    EXPECT_GT(Value(s[i], "herd_store_fsync_duration_seconds_count").value_or(-1), -1) << i;
    local += Value(s[i], "herd_workloads_local").value_or(0);
  }
  EXPECT_EQ(local, kWorkloads);
  EXPECT_EQ(Value(s[0], "herd_api_requests_total",
                  {{"route", "/v1/workloads"}, {"method", "POST"}, {"code", "201"}}),
            1);
  EXPECT_EQ(Value(s[0], "herd_api_request_duration_seconds_count",
                  {{"route", "/v1/workloads"}, {"method", "POST"}}),
            1);
  // The apply waited for its fsync on member 0.
  EXPECT_GE(Value(s[0], "herd_store_fsync_duration_seconds_count").value_or(0), 1);
  // WaitAllReady polled /readyz; WaitFor polls are not API calls.
  EXPECT_GE(Value(s[1], "herd_api_requests_total",
                  {{"route", "/readyz"}, {"method", "GET"}, {"code", "200"}})
                .value_or(0),
            1);

  // kill -9 member 2: the survivors take over exactly what it ran.
  const double lost = Value(s[2], "herd_workloads_local").value_or(0);
  const double before = Value(s[0], "herd_workload_takeovers_total").value_or(0) +
                        Value(s[1], "herd_workload_takeovers_total").value_or(0);
  cluster.Kill(2);
  auto taken = [&] {
    double n = 0;
    for (int i = 0; i < 2; ++i)
      n += Value(Scrape(cluster, i), "herd_workload_takeovers_total").value_or(0);
    return n;
  };
  EXPECT_TRUE(AgentCluster::WaitFor([&] { return taken() - before == lost; }, seconds(20)))
      << "lost=" << lost << " taken=" << taken() - before;
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(WaitForValue(cluster, i, "herd_workloads_running", kWorkloads)) << i;
    EXPECT_TRUE(WaitForValue(cluster, i, "herd_cluster_members", 1, {{"status", "dead"}})) << i;
  }
  double failovers = 0;
  for (int i = 0; i < 2; ++i) {
    failovers += Value(Scrape(cluster, i), "herd_failover_duration_seconds_count").value_or(0);
  }
  EXPECT_EQ(failovers, lost);
}

TEST(MetricsAgentTest, AnEmptyMetricsAddressServesNoMetrics) {
  AgentClusterOptions o = Options(1);
  o.member_flags[0] = {"--metrics-address", ""};
  AgentCluster cluster(o);
  cluster.StartAll();
  ASSERT_TRUE(cluster.WaitAllReady());
  Result<std::string> text = cluster.Scrape(0);
  EXPECT_FALSE(text.ok());
}

}  // namespace
}  // namespace herd::testing
