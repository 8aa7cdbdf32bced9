// The real-Prometheus harness on its own, without agents: Prometheus scrapes itself, loads
// herd's alert rules and evaluates them, and parses every dashboard and rule expression.
#include "tests/telemetry/prometheus_server.h"

#include <gtest/gtest.h>

#include "tests/telemetry/telemetry_files.h"
#include "tests/testing/agent_cluster.h"

namespace herd::testing {
namespace {

using std::chrono::seconds;

const std::string kRules = HERD_SOURCE_DIR "/telemetry/prometheus/herd-rules.yaml";
const std::string kDashboard = HERD_SOURCE_DIR "/telemetry/grafana/herd-dashboard.json";

TEST(PrometheusServerTest, LoadsTheRulesAndParsesEveryExpression) {
  PrometheusOptions options;
  options.rules_file = kRules;
  options.scrape_self = true;
  PrometheusServer prometheus(options);
  ASSERT_TRUE(prometheus.WaitReady(seconds(30))) << prometheus.LogTail();

  Result<std::vector<NamedExpr>> rules = ReadRuleExprs(kRules);
  ASSERT_TRUE(rules.ok()) << rules.status();
  // Every alert loaded and evaluated without error ("unknown" until its first evaluation).
  nlohmann::json last;
  const bool healthy = AgentCluster::WaitFor(
      [&] {
        Result<nlohmann::json> r = prometheus.GetJson("/api/v1/rules");
        if (!r.ok()) return false;
        last = *r;
        size_t ok = 0;
        for (const auto& group : last["data"]["groups"]) {
          for (const auto& rule : group["rules"]) ok += rule.value("health", "") == "ok";
        }
        return ok == rules->size();
      },
      seconds(30));
  EXPECT_TRUE(healthy) << last.dump(1) << prometheus.LogTail();

  Result<std::vector<NamedExpr>> panels = ReadDashboardExprs(kDashboard, "30s");
  ASSERT_TRUE(panels.ok()) << panels.status();
  std::vector<NamedExpr> all = *panels;
  all.insert(all.end(), rules->begin(), rules->end());
  for (const NamedExpr& e : all) {
    Result<nlohmann::json> r = prometheus.Query(e.expr);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->value("status", ""), "success") << e.where << ": " << e.expr << "\n" << r->dump();
  }

  // The harness can tell a broken expression from a good one.
  Result<nlohmann::json> bad = prometheus.Query("sum by (le (herd_build_info)");
  ASSERT_TRUE(bad.ok()) << bad.status();
  EXPECT_EQ(bad->value("status", ""), "error");
  EXPECT_EQ(bad->value("errorType", ""), "bad_data");
  // Prometheus's own metrics arrive: the scrape config works.
  EXPECT_TRUE(AgentCluster::WaitFor([&] { return prometheus.Scalar("up{job=\"herd\"}") == 1; },
                                    seconds(30)));
}

}  // namespace
}  // namespace herd::testing
