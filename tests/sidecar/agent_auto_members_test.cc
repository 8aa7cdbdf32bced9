// `--members auto` with real agents against the fake Kubernetes API server: membership follows
// the EndpointSlices of the headless Service, and a member whose endpoint goes away is treated
// as dead (its workloads restart elsewhere, once).
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/testing/kube_agent_cluster.h"

namespace herd::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

TEST(AgentAutoMembersTest, MembershipFollowsEndpointSlices) {
  KubeAgentCluster kc(3);
  ASSERT_TRUE(kc.Start());
  AgentCluster& cluster = kc.agents();

  ASSERT_EQ(cluster.Call(0, "POST", "/v1/workloads", cluster.SleeperYaml("k", 30))->status, 201);
  const std::set<std::string> names = AgentCluster::Names("k", 30);
  auto exactly_once = [&] { return cluster.RunsExactlyOnce(names); };
  ASSERT_TRUE(cluster.WaitFor(exactly_once, seconds(20)));

  // herd-2's endpoint is removed (its pod is gone as far as Kubernetes knows): the others drop
  // it, restart its workloads, and herd-2 stops its own copies when it learns of the removal.
  ASSERT_TRUE(kc.RemoveEndpoint(2).ok());
  const std::set<std::string> two = {"herd-0", "herd-1"};
  ASSERT_TRUE(cluster.WaitFor([&] { return kc.AliveMembers(0) == two; }, seconds(20)));
  ASSERT_TRUE(cluster.WaitFor(
      [&] {
        if (!exactly_once()) return false;
        json list = json::parse(cluster.Call(0, "GET", "/v1/workloads")->body, nullptr, false);
        for (const auto& item : list["items"]) {
          if (item["status"].value("owner", "") == "herd-2") return false;
        }
        return true;
      },
      seconds(30)));

  // It comes back: membership grows again. herd-2 learns of it from the API server, maybe
  // before the others' takeovers reach it, and must not run its stale owner records meanwhile:
  // no workload runs twice at any moment until herd-2 runs its share of new workloads (which
  // it starts only once caught up).
  ASSERT_TRUE(kc.PublishEndpoint(2, true).ok());
  const std::set<std::string> all = {"herd-0", "herd-1", "herd-2"};
  bool twice = false;
  auto watching = [&](std::function<bool()> done) {
    return [&twice, &cluster, done] {
      for (const auto& [name, n] : cluster.CountCopies()) twice = twice || n > 1;
      return done();
    };
  };
  ASSERT_TRUE(cluster.WaitFor(watching([&] { return kc.AliveMembers(0) == all; }), seconds(20)));
  ASSERT_EQ(cluster.Call(0, "POST", "/v1/workloads", cluster.SleeperYaml("j", 30))->status, 201);
  std::set<std::string> both = names;
  for (const std::string& n : AgentCluster::Names("j", 30)) both.insert(n);
  auto settled = [&] {
    if (!cluster.RunsExactlyOnce(both)) return false;
    json list = json::parse(cluster.Call(0, "GET", "/v1/workloads")->body, nullptr, false);
    for (const auto& item : list["items"]) {
      if (item["status"].value("owner", "") == "herd-2" &&
          item["status"].value("phase", "") == "Running") {
        return true;
      }
    }
    return false;
  };
  ASSERT_TRUE(cluster.WaitFor(watching(settled), seconds(30)));
  EXPECT_FALSE(twice) << "a workload ran twice while herd-2 came back";
}

}  // namespace
}  // namespace herd::testing
