// Real `herd agent` processes on loopback with real children (issue 5's integration tests):
// apply 300 workloads, kill -9 an agent, SIGTERM another, restart the whole cluster, apply
// twice, and feed it bad input. Copies are counted as real OS processes by their argv marker.
#include "tests/testing/agent_cluster.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/sidecar/http_test_certs.h"

namespace herd::testing {
namespace {

using sidecar::HttpResponse;
using std::chrono::milliseconds;
using std::chrono::seconds;

AgentClusterOptions Options(int members = 3) { return herd::testing::BuiltAgents(members); }

std::set<std::string> Names(const std::string& prefix, int count) {
  return AgentCluster::Names(prefix, count);
}

std::string Summary(const std::map<std::string, int>& copies, const std::set<std::string>& names) {
  int missing = 0, doubled = 0, extra = 0;
  for (const std::string& n : names) {
    auto it = copies.find(n);
    if (it == copies.end())
      ++missing;
    else if (it->second > 1)
      ++doubled;
  }
  for (const auto& [n, c] : copies) extra += names.count(n) ? 0 : 1;
  return "missing=" + std::to_string(missing) + " doubled=" + std::to_string(doubled) +
         " extra=" + std::to_string(extra);
}

nlohmann::json Json(const Result<HttpResponse>& r) {
  if (!r.ok()) return nlohmann::json();
  return nlohmann::json::parse(r->body, nullptr, false);
}

// The member that owns most of the workloads, by the REST API's list.
int BusiestOwner(AgentCluster& cluster, int via) {
  nlohmann::json list = Json(cluster.Call(via, "GET", "/v1/workloads"));
  std::map<std::string, int> per_owner;
  for (const auto& item : list["items"]) per_owner[item["status"].value("owner", "")]++;
  int best = -1, most = -1;
  for (int i = 0; i < cluster.size(); ++i) {
    if (per_owner[cluster.name(i)] > most) {
      most = per_owner[cluster.name(i)];
      best = i;
    }
  }
  return best;
}

TEST(AgentClusterTest, ThreeHundredWorkloadsSurviveKillShutdownAndRestart) {
  AgentCluster cluster(Options());
  cluster.StartAll();
  ASSERT_TRUE(cluster.WaitAllReady()) << cluster.log_path(0);
  const std::set<std::string> names = Names("w", 300);

  Result<HttpResponse> applied =
      cluster.Call(0, "POST", "/v1/workloads", cluster.SleeperYaml("w", 300), "application/yaml");
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_EQ(applied->status, 201) << applied->body;
  ASSERT_TRUE(cluster.WaitFor([&] { return cluster.RunsExactlyOnce(names); }, seconds(30)))
      << Summary(cluster.CountCopies(), names);

  // kill -9 the busiest owner: its children die with it and the survivors take over.
  const int victim = BusiestOwner(cluster, 0);
  ASSERT_GE(victim, 0);
  cluster.Kill(victim);
  const int via = victim == 0 ? 1 : 0;
  ASSERT_TRUE(cluster.WaitFor([&] { return cluster.RunsExactlyOnce(names); }, seconds(30)))
      << "after kill -9 of " << cluster.name(victim) << ": "
      << Summary(cluster.CountCopies(), names);
  nlohmann::json count = Json(cluster.Call(via, "GET", "/v1/children/count"));
  EXPECT_EQ(count.value("declared", 0), 300) << count.dump();

  // SIGTERM a survivor: graceful handoff; nothing lost, never two copies, no workload without
  // a copy for longer than its shutdown timeout (5 s), and the agent exits 0.
  const int leaving = via;
  const int last = 3 - victim - leaving;
  cluster.Signal(leaving, SIGTERM);
  bool doubled = false;
  std::optional<int> status;
  std::map<std::string, std::chrono::steady_clock::time_point> missing_since;
  std::chrono::steady_clock::duration longest_gap{};
  auto watch = [&] {
    const auto now = std::chrono::steady_clock::now();
    const std::map<std::string, int> copies = cluster.CountCopies();
    for (const std::string& name : names) {
      auto it = copies.find(name);
      if (it != copies.end()) {
        doubled |= it->second > 1;
        if (auto m = missing_since.find(name); m != missing_since.end()) {
          longest_gap = std::max(longest_gap, now - m->second);
          missing_since.erase(m);
        }
      } else {
        missing_since.try_emplace(name, now);
      }
    }
  };
  ASSERT_TRUE(cluster.WaitFor(
      [&] {
        watch();
        if (!status) status = cluster.WaitExit(leaving, milliseconds(1));
        return status.has_value() && missing_since.empty();
      },
      seconds(60)));
  EXPECT_FALSE(doubled);
  EXPECT_LT(longest_gap, seconds(5))
      << "a handoff left a workload without a copy for "
      << std::chrono::duration_cast<milliseconds>(longest_gap).count() << " ms";
  std::printf(
      "handoff: longest gap %lld ms\n",
      static_cast<long long>(std::chrono::duration_cast<milliseconds>(longest_gap).count()));
  ASSERT_TRUE(WIFEXITED(*status)) << *status;
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  ASSERT_TRUE(cluster.WaitFor([&] { return cluster.RunsExactlyOnce(names); }, seconds(30)))
      << "after SIGTERM of " << cluster.name(leaving) << ": "
      << Summary(cluster.CountCopies(), names);

  // Stop the last one too, then start all three from their data dirs.
  cluster.Signal(last, SIGTERM);
  ASSERT_TRUE(cluster.WaitExit(last, seconds(60)).has_value());
  EXPECT_TRUE(cluster.CountCopies().empty());
  cluster.StartAll();
  ASSERT_TRUE(cluster.WaitAllReady());
  ASSERT_TRUE(cluster.WaitFor([&] { return cluster.RunsExactlyOnce(names); }, seconds(30)))
      << "after a whole-cluster restart: " << Summary(cluster.CountCopies(), names);
  for (int i = 0; i < 3; ++i) {
    nlohmann::json c = Json(cluster.Call(i, "GET", "/v1/children/count"));
    EXPECT_EQ(c.value("declared", 0), 300) << cluster.name(i);
  }
}

TEST(AgentClusterTest, ApplyingTheSameFileTwiceRestartsNothing) {
  AgentCluster cluster(Options());
  cluster.StartAll();
  ASSERT_TRUE(cluster.WaitAllReady());
  const std::string yaml = cluster.SleeperYaml("same", 20);
  const std::set<std::string> names = Names("same", 20);
  ASSERT_EQ(cluster.Call(1, "POST", "/v1/workloads", yaml)->status, 201);
  ASSERT_TRUE(cluster.WaitFor([&] { return cluster.RunsExactlyOnce(names); }, seconds(20)));
  // The processes run before every owner's Running status (with its pid) reaches member 0.
  nlohmann::json before;
  ASSERT_TRUE(cluster.WaitFor(
      [&] {
        before = Json(cluster.Call(0, "GET", "/v1/workloads"));
        if (before["items"].size() != names.size()) return false;
        for (const auto& item : before["items"]) {
          if (item["status"].value("phase", "") != "Running") return false;
        }
        return true;
      },
      seconds(20)));

  Result<HttpResponse> again = cluster.Call(2, "POST", "/v1/workloads", yaml);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 200) << again->body;
  for (const auto& item : Json(again)["items"]) EXPECT_EQ(item["result"], "unchanged");
  nlohmann::json after = Json(cluster.Call(0, "GET", "/v1/workloads"));
  ASSERT_EQ(before["items"].size(), after["items"].size());
  for (size_t k = 0; k < before["items"].size(); ++k) {
    EXPECT_EQ(before["items"][k]["status"]["pid"], after["items"][k]["status"]["pid"]);
    EXPECT_EQ(after["items"][k]["metadata"]["generation"], 1);
  }
}

TEST(AgentClusterTest, BadInputGetsClearErrorsAndLosesNothing) {
  AgentCluster cluster(Options(1));
  cluster.StartAll();
  ASSERT_TRUE(cluster.WaitAllReady());
  ASSERT_EQ(cluster.Call(0, "POST", "/v1/workloads", cluster.SleeperYaml("keep", 3))->status, 201);

  Result<HttpResponse> r = cluster.Call(0, "POST", "/v1/workloads", "metadata: {name: [\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(Json(r)["error"]["code"], "Invalid") << r->body;

  r = cluster.Call(0, "POST", "/v1/workloads",
                   "metadata: {name: typed}\nspec: {command: [x], maxRestarts: many}\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(Json(r)["error"]["field"], "spec.maxRestarts") << r->body;

  // One bad document: nothing of the request is applied.
  r = cluster.Call(
      0, "POST", "/v1/workloads",
      cluster.SleeperYaml("half", 2) + "metadata: {name: Bad_Name}\nspec: {command: [x]}\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400) << r->body;

  r = cluster.Call(0, "POST", "/v1/workloads", std::string(10 << 20, 'a'));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 413);

  nlohmann::json list = Json(cluster.Call(0, "GET", "/v1/workloads"));
  std::set<std::string> names;
  for (const auto& item : list["items"]) names.insert(item["metadata"]["name"]);
  EXPECT_EQ(names, Names("keep", 3));
}

TEST(AgentClusterTest, CorruptLogTailIsCutAndTheRestKept) {
  AgentCluster cluster(Options(1));
  cluster.StartAll();
  ASSERT_TRUE(cluster.WaitAllReady());
  ASSERT_EQ(cluster.Call(0, "POST", "/v1/workloads", cluster.SleeperYaml("d", 5))->status, 201);
  cluster.Kill(0);
  {
    std::ofstream log(cluster.data_dir(0) + "/log", std::ios::app | std::ios::binary);
    log << std::string("\x40\x00\x00\x00garbage-that-is-not-a-record", 32);
  }
  cluster.Start(0);
  ASSERT_TRUE(cluster.WaitReady(0)) << cluster.log_path(0);
  ASSERT_TRUE(cluster.WaitFor([&] { return cluster.RunsExactlyOnce(Names("d", 5)); }, seconds(20)));
  std::ifstream agent_log(cluster.log_path(0));
  std::string text((std::istreambuf_iterator<char>(agent_log)), {});
  EXPECT_NE(text.find("store_log_tail_cut"), std::string::npos) << "the cut should be logged";
}

// Peers speak mutual TLS with the cluster CA; a member whose certificate another CA signed
// cannot join: it never hears the others, and they never count it alive.
TEST(AgentClusterTest, PeersWithoutAClusterCertificateCannotJoin) {
  sidecar::testing::TestPki pki;
  sidecar::testing::TestCa cluster_ca = pki.MakeCa("cluster", "herd cluster CA");
  sidecar::testing::TestCa rogue_ca = pki.MakeCa("rogue", "rogue CA");
  AgentClusterOptions o = Options();
  for (int i = 0; i < 3; ++i) {
    const sidecar::testing::TestCa& ca = i == 2 ? rogue_ca : cluster_ca;
    sidecar::testing::CertFiles c =
        pki.Issue(ca, "herd-" + std::to_string(i), "herd-" + std::to_string(i));
    o.member_flags[i] = {"--tls-cert", c.cert_file, "--tls-key",
                         c.key_file,   "--tls-ca",  ca.cert_file()};
  }
  AgentCluster cluster(o);
  cluster.StartAll();
  ASSERT_TRUE(cluster.WaitReady(0));
  ASSERT_TRUE(cluster.WaitReady(1));
  ASSERT_EQ(cluster.Call(0, "POST", "/v1/workloads", cluster.SleeperYaml("tls", 10))->status, 201);
  const std::set<std::string> names = Names("tls", 10);
  ASSERT_TRUE(cluster.WaitFor([&] { return cluster.RunsExactlyOnce(names); }, seconds(20)));
  // The two members with cluster certificates share the map; the rogue has none of it.
  ASSERT_TRUE(cluster.WaitFor(
      [&] { return Json(cluster.Call(1, "GET", "/v1/workloads"))["items"].size() == 10; },
      seconds(10)));
  EXPECT_EQ(Json(cluster.Call(2, "GET", "/v1/workloads"))["items"].size(), 0u);
  for (const auto& m : Json(cluster.Call(0, "GET", "/v1/members"))["items"]) {
    if (m["name"] == "herd-2")
      EXPECT_NE(m["status"], "alive") << m.dump();
    else
      EXPECT_EQ(m["status"], "alive") << m.dump();
  }
}

}  // namespace
}  // namespace herd::testing
