// A real Prometheus scraping three real agents (issue 7's integration test): apply 20 workloads,
// crash one (kill -9 of its process), kill -9 an agent for a failover, then check through
// Prometheus's HTTP API that every metric of the contract (telemetry/metrics.txt) is there, that
// the numbers match what the test did, that the alerts for the dead agent are pending, and that
// every dashboard panel's and alert rule's expression runs.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "tests/telemetry/prometheus_server.h"
#include "tests/telemetry/telemetry_files.h"
#include "tests/testing/agent_cluster.h"

namespace herd::testing {
namespace {

using std::chrono::seconds;

const std::string kRules = HERD_SOURCE_DIR "/telemetry/prometheus/herd-rules.yaml";
const std::string kDashboard = HERD_SOURCE_DIR "/telemetry/grafana/herd-dashboard.json";
const std::string kContract = HERD_SOURCE_DIR "/telemetry/metrics.txt";
constexpr int kWorkloads = 20;

AgentClusterOptions Options() { return herd::testing::BuiltAgents(3); }

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The pid of the sleeper process of workload `name` (argv: sleeper, "<run>-<name>"); 0 if none.
pid_t SleeperPid(const AgentCluster& cluster, const std::string& name) {
  const std::string want = std::string(HERD_BINARY_DIR "/herd-sleeper") + '\0' +
                           cluster.run_marker() + "-" + name + '\0';
  pid_t found = 0;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return 0;
  while (dirent* e = readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    if (ReadWhole("/proc/" + std::string(e->d_name) + "/cmdline") == want) {
      found = static_cast<pid_t>(std::stol(e->d_name));
    }
  }
  closedir(proc);
  return found;
}

// Workload name -> owner member name, by the REST API of member `via`.
std::map<std::string, std::string> Owners(AgentCluster& cluster, int via) {
  std::map<std::string, std::string> owners;
  Result<sidecar::HttpResponse> r = cluster.Call(via, "GET", "/v1/workloads");
  if (!r.ok()) return owners;
  nlohmann::json list = nlohmann::json::parse(r->body, nullptr, false);
  if (list.is_discarded()) return owners;
  for (const auto& item : list["items"]) {
    const std::string owner = item["status"].value("owner", "");
    if (!owner.empty()) owners[item["metadata"].value("name", "")] = owner;
  }
  return owners;
}

bool ExactlyOnce(const std::map<std::string, int>& copies, int count) {
  if (static_cast<int>(copies.size()) != count) return false;
  for (const auto& [name, n] : copies) {
    if (n != 1) return false;
  }
  return true;
}

std::string Num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// What the test expects Prometheus to show after the crash and the failover; "" when it does,
// otherwise the first thing that does not hold yet.
std::string Unmet(PrometheusServer& prom, const std::vector<ContractMetric>& contract,
                  const std::vector<std::string>& survivors, const std::string& victim) {
  std::set<std::string> present;
  for (const auto& s : prom.Vector("group by (__name__) ({job=\"herd\", __name__=~\".+\"})")) {
    present.insert(s["metric"].value("__name__", ""));
  }
  std::string missing;
  for (const ContractMetric& m : contract) {
    const std::vector<std::string> series =
        m.type == "histogram"
            ? std::vector<std::string>{m.name + "_bucket", m.name + "_sum", m.name + "_count"}
            : std::vector<std::string>{m.name};
    for (const std::string& s : series) {
      if (!present.count(s)) missing += " " + s;
    }
  }
  if (!missing.empty()) return "metrics missing:" + missing;

  for (const std::string& i : survivors) {
    const std::string sel = "{instance=\"" + i + "\"}";
    struct Want {
      std::string expr;
      double value;
    } wants[] = {
        {"herd_workloads_declared" + sel, kWorkloads},
        {"herd_workloads_running" + sel, kWorkloads},
        {"sum(herd_workloads_phase" + sel + ")", kWorkloads},
        {"herd_workloads_phase{phase=\"Running\", instance=\"" + i + "\"}", kWorkloads},
        {"herd_cluster_members{status=\"alive\", instance=\"" + i + "\"}", 2},
        {"herd_cluster_members{status=\"dead\", instance=\"" + i + "\"}", 1},
    };
    for (const Want& w : wants) {
      const double v = prom.Scalar(w.expr);
      if (v != w.value) return w.expr + " = " + Num(v) + ", want " + Num(w.value);
    }
  }
  struct AtLeast {
    std::string expr;
    double min;
  } at_least[] = {
      {"min(herd_crdt_entries)", kWorkloads},
      {"sum(herd_workload_takeovers_total)", 1},
      {"sum(herd_workload_restarts_total)", 1},
      {"sum(herd_workload_exits_total{reason=\"signal\"})", 1},
      {"sum(herd_workload_starts_total)", 1},
      {"sum(herd_sync_messages_sent_total{type=\"delta\"})", 1},
      {"sum(herd_api_requests_total{method=\"POST\", code=\"201\"})", 1},
      {"sum(herd_failover_duration_seconds_count)", 1},
  };
  for (const AtLeast& w : at_least) {
    const double v = prom.Scalar(w.expr);
    if (!(v >= w.min)) return w.expr + " = " + Num(v) + ", want >= " + Num(w.min);
  }
  struct Exactly {
    std::string expr;
    double value;
  } exactly[] = {
      {"sum(herd_workloads_local)", kWorkloads},  // the victim's series are stale
      {"count(herd_build_info)", static_cast<double>(survivors.size())},
      {"up{instance=\"" + victim + "\"}", 0},
      {"count(ALERTS{alertname=\"HerdTargetDown\", alertstate=\"pending\", instance=\"" + victim +
           "\"})",
       1},
      {"count(ALERTS{alertname=\"HerdMemberDown\", alertstate=\"pending\"})", 1},
  };
  for (const Exactly& w : exactly) {
    const double v = prom.Scalar(w.expr);
    if (v != w.value) return w.expr + " = " + Num(v) + ", want " + Num(w.value);
  }
  return "";
}

TEST(PrometheusTest, SeesEveryMetricThroughApplyCrashAndFailover) {
  Result<std::vector<ContractMetric>> contract = ReadMetricContract(kContract);
  ASSERT_TRUE(contract.ok()) << contract.status();
  AgentCluster cluster(Options());
  cluster.StartAll();
  ASSERT_TRUE(cluster.WaitAllReady()) << cluster.log_path(0);

  PrometheusOptions options;
  options.rules_file = kRules;
  for (int i = 0; i < cluster.size(); ++i) {
    options.targets.push_back("127.0.0.1:" + std::to_string(cluster.metrics_port(i)));
  }
  PrometheusServer prom(options);
  ASSERT_TRUE(prom.WaitReady(seconds(30))) << prom.LogTail();

  Result<sidecar::HttpResponse> applied = cluster.Call(
      0, "POST", "/v1/workloads", cluster.SleeperYaml("t", kWorkloads), "application/yaml");
  ASSERT_TRUE(applied.ok()) << applied.status();
  ASSERT_EQ(applied->status, 201) << applied->body;
  std::map<std::string, std::string> owners;
  ASSERT_TRUE(AgentCluster::WaitFor(
      [&] {
        owners = Owners(cluster, 0);
        return ExactlyOnce(cluster.CountCopies(), kWorkloads) &&
               static_cast<int>(owners.size()) == kWorkloads;
      },
      seconds(30)));

  // The victim of the failover owns the most workloads; the crash hits a survivor's workload,
  // so that its restart counter stays visible.
  std::map<std::string, int> per_owner;
  for (const auto& [name, owner] : owners) per_owner[owner]++;
  int victim = 0;
  for (int i = 1; i < cluster.size(); ++i) {
    if (per_owner[cluster.name(i)] > per_owner[cluster.name(victim)]) victim = i;
  }
  std::string crashed;
  for (const auto& [name, owner] : owners) {
    if (owner != cluster.name(victim)) crashed = name;
  }
  ASSERT_FALSE(crashed.empty());
  const pid_t before = SleeperPid(cluster, crashed);
  ASSERT_GT(before, 0);
  ASSERT_EQ(kill(before, SIGKILL), 0);
  ASSERT_TRUE(AgentCluster::WaitFor(
      [&] {
        const pid_t now = SleeperPid(cluster, crashed);
        return now > 0 && now != before;
      },
      seconds(30)))
      << crashed << " was not restarted";

  const std::string victim_instance = "127.0.0.1:" + std::to_string(cluster.metrics_port(victim));
  std::vector<std::string> survivors;
  for (int i = 0; i < cluster.size(); ++i) {
    if (i != victim) survivors.push_back("127.0.0.1:" + std::to_string(cluster.metrics_port(i)));
  }
  // Let Prometheus scrape the victim at least once with its workloads running.
  ASSERT_TRUE(AgentCluster::WaitFor(
      [&] {
        return prom.Scalar("herd_workloads_local{instance=\"" + victim_instance + "\"}") ==
               per_owner[cluster.name(victim)];
      },
      seconds(30)))
      << prom.LogTail();
  cluster.Kill(victim);
  std::string doubled;
  ASSERT_TRUE(AgentCluster::WaitFor(
      [&] {
        std::map<std::string, int> copies = cluster.CountCopies();
        for (const auto& [name, n] : copies) {
          if (n > 1 && doubled.find(name + " ") == std::string::npos) doubled += name + " ";
        }
        return ExactlyOnce(copies, kWorkloads);
      },
      seconds(30)));
  EXPECT_EQ(doubled, "") << "ran twice during the failover";

  std::string unmet;
  const bool seen = AgentCluster::WaitFor(
      [&] { return (unmet = Unmet(prom, *contract, survivors, victim_instance)).empty(); },
      seconds(60));
  ASSERT_TRUE(seen) << unmet;
  std::cout << "takeovers " << prom.Scalar("sum(herd_workload_takeovers_total)") << " of "
            << per_owner[cluster.name(victim)] << " workloads on the victim; failover p50 "
            << prom.Scalar(
                   "histogram_quantile(0.5, sum by (le) "
                   "(herd_failover_duration_seconds_bucket))")
            << " s, p99 "
            << prom.Scalar(
                   "histogram_quantile(0.99, sum by (le) "
                   "(herd_failover_duration_seconds_bucket))")
            << " s\n";
  // Each of the victim's workloads is taken over exactly once, by one survivor.
  std::string by_instance;
  for (const char* m : {"herd_workload_takeovers_total", "herd_failover_duration_seconds_count",
                        "herd_workload_starts_total"}) {
    for (const auto& s : prom.Vector(m)) {
      by_instance += std::string(m) + "{" + s["metric"].value("instance", "") +
                     "} = " + s["value"][1].get<std::string>() + "\n";
    }
  }
  EXPECT_EQ(prom.Scalar("sum(herd_workload_takeovers_total)"), per_owner[cluster.name(victim)])
      << by_instance;

  // Every panel and rule runs against the real data; most panels have something to show.
  Result<std::vector<NamedExpr>> panels = ReadDashboardExprs(kDashboard, "30s");
  ASSERT_TRUE(panels.ok()) << panels.status();
  Result<std::vector<NamedExpr>> rules = ReadRuleExprs(kRules);
  ASSERT_TRUE(rules.ok()) << rules.status();
  std::vector<NamedExpr> all = *panels;
  all.insert(all.end(), rules->begin(), rules->end());
  int empty = 0;
  for (const NamedExpr& e : all) {
    Result<nlohmann::json> r = prom.Query(e.expr);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->value("status", ""), "success") << e.where << ": " << e.expr << "\n" << r->dump();
    if ((*r)["data"]["result"].empty()) {
      ++empty;
      std::cout << "no data (yet): " << e.where << ": " << e.expr << "\n";
    }
  }
  std::cout << all.size() << " expressions, " << empty << " without data\n";
}

}  // namespace
}  // namespace herd::testing
