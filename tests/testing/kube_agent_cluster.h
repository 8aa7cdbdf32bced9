// KubeAgentCluster: real agents with `--members auto` against an in-process fake Kubernetes API
// server (tests/testing/fake_kube_server.h), for the Kubernetes integration tests and the
// k8s benchmark. Namespace "herd", headless Service "herd", bearer token "test-token"; each
// member is published as one EndpointSlice named after it (on loopback every member has its
// own peer port), and the agents reach the server through a kubeconfig in the cluster's dir.
//
// Threading: one thread (the fake server serves on its own threads).
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "tests/testing/agent_cluster.h"
#include "tests/testing/fake_kube_server.h"

namespace herd::testing {

inline constexpr const char* kKubeNamespace = "herd";
inline constexpr const char* kEndpointSlicesPath =
    "/apis/discovery.k8s.io/v1/namespaces/herd/endpointslices";
inline constexpr const char* kWorkloadsPath = "/apis/herd.dev/v1alpha1/namespaces/herd/workloads";

class KubeAgentCluster {
 public:
  // `members` agents; `extra_flags` for every agent after the Kubernetes ones.
  explicit KubeAgentCluster(int members, std::vector<std::string> extra_flags = {});
  ~KubeAgentCluster();  // stops the agents before the server

  FakeKubeServer& kube() { return kube_; }
  FakeKubeStore& store() { return kube_.store(); }
  AgentCluster& agents() { return agents_; }

  // Publishes member i's EndpointSlice with the endpoint ready or not / removes it.
  Status PublishEndpoint(int i, bool ready);
  Status RemoveEndpoint(int i);
  // Publishes every endpoint, starts every agent and waits until each sees all members alive.
  // False (with the reason on stderr) when that does not happen within 30 s.
  bool Start();
  // Members member `via` reports alive over REST (empty on an error).
  std::set<std::string> AliveMembers(int via);

  // A Workload resource running the sleeper with this run's marker for `name`.
  nlohmann::json SleeperResource(const std::string& name, int shutdown_timeout_seconds = 5) const;
  // The stored resource, or null when absent.
  nlohmann::json GetResource(const std::string& name);

 private:
  FakeKubeServer kube_;
  AgentCluster agents_;
};

}  // namespace herd::testing
