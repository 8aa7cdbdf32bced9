// `--members auto` with real agents against the fake Kubernetes API server: membership follows
// the EndpointSlices of the headless Service, and a member whose endpoint goes away is treated
// as dead (its workloads restart elsewhere, once).
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/agent_cluster.h"
#include "tests/testing/fake_kube_server.h"

namespace herd::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr const char* kSlices = "/apis/discovery.k8s.io/v1/namespaces/herd/endpointslices";

// One slice per member: on loopback every member has its own peer port.
json Slice(const std::string& member, int peer_port, bool ready) {
  return {{"kind", "EndpointSlice"},
          {"apiVersion", "discovery.k8s.io/v1"},
          {"metadata", {{"name", member}, {"labels", {{"kubernetes.io/service-name", "herd"}}}}},
          {"addressType", "IPv4"},
          {"ports", {{{"name", "peer"}, {"port", peer_port}}}},
          {"endpoints",
           {{{"addresses", {"127.0.0.1"}},
             {"conditions", {{"ready", ready}}},
             {"targetRef", {{"kind", "Pod"}, {"name", member}}}}}}};
}

std::set<std::string> AliveMembers(AgentCluster& cluster, int via) {
  std::set<std::string> out;
  Result<sidecar::HttpResponse> r = cluster.Call(via, "GET", "/v1/members");
  if (!r.ok()) return out;
  json list = json::parse(r->body, nullptr, false);
  if (list.is_discarded()) return out;
  for (const auto& m : list["items"]) {
    if (m["status"] == "alive") out.insert(m["name"].get<std::string>());
  }
  return out;
}

TEST(AgentAutoMembersTest, MembershipFollowsEndpointSlices) {
  FakeKubeServerOptions fo;
  fo.token = "test-token";
  FakeKubeServer kube(fo);
  ASSERT_TRUE(kube.Start().ok());

  AgentClusterOptions o;
  o.members = 3;
  o.herd_binary = HERD_BINARY_DIR "/herd";
  o.sleeper_binary = HERD_BINARY_DIR "/herd-sleeper";
  AgentCluster cluster(o);
  const std::string kubeconfig = cluster.dir() + "/kubeconfig";
  {
    std::ofstream out(kubeconfig);
    out << "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
        << "clusters: [{name: fake, cluster: {server: 'http://127.0.0.1:" << kube.port()
        << "'}}]\nusers: [{name: u, user: {token: test-token}}]\n"
        << "contexts: [{name: fake, context: {cluster: fake, user: u, namespace: herd}}]\n";
  }
  cluster.options().extra_flags = {"--members", "auto", "--kubeconfig", kubeconfig,
                                            "--service", "herd"};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(kube.store()
                    .Apply(std::string(kSlices) + "/" + cluster.name(i),
                           Slice(cluster.name(i), cluster.peer_port(i), true))
                    .ok());
  }
  cluster.StartAll();
  ASSERT_TRUE(cluster.WaitAllReady()) << cluster.log_path(0);
  const std::set<std::string> all = {"herd-0", "herd-1", "herd-2"};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(cluster.WaitFor([&] { return AliveMembers(cluster, i) == all; }, seconds(20)))
        << cluster.name(i) << " " << cluster.log_path(i);
  }

  ASSERT_EQ(cluster.Call(0, "POST", "/v1/workloads", cluster.SleeperYaml("k", 30))->status, 201);
  const std::set<std::string> names = AgentCluster::Names("k", 30);
  auto exactly_once = [&] { return cluster.RunsExactlyOnce(names); };
  ASSERT_TRUE(cluster.WaitFor(exactly_once, seconds(20)));

  // herd-2's endpoint is removed (its pod is gone as far as Kubernetes knows): the others drop
  // it, restart its workloads, and herd-2 stops its own copies when it learns of the removal.
  ASSERT_TRUE(kube.store().Remove(std::string(kSlices) + "/herd-2").ok());
  const std::set<std::string> two = {"herd-0", "herd-1"};
  ASSERT_TRUE(cluster.WaitFor([&] { return AliveMembers(cluster, 0) == two; }, seconds(20)));
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

  // It comes back: membership grows again.
  ASSERT_TRUE(kube.store()
                  .Apply(std::string(kSlices) + "/herd-2", Slice("herd-2", cluster.peer_port(2), true))
                  .ok());
  ASSERT_TRUE(cluster.WaitFor([&] { return AliveMembers(cluster, 0) == all; }, seconds(20)));
  EXPECT_TRUE(exactly_once());
  kube.Stop();
}

}  // namespace
}  // namespace herd::testing
