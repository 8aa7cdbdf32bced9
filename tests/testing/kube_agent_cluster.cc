#include "tests/testing/kube_agent_cluster.h"

#include <cstdio>
#include <fstream>

namespace herd::testing {
namespace {

using nlohmann::json;

constexpr const char* kToken = "test-token";

FakeKubeServerOptions ServerOptions() {
  FakeKubeServerOptions o;
  o.token = kToken;
  return o;
}

AgentClusterOptions ClusterOptions(int members) { return herd::testing::BuiltAgents(members); }

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

}  // namespace

KubeAgentCluster::KubeAgentCluster(int members, std::vector<std::string> extra_flags)
    : kube_(ServerOptions()), agents_(ClusterOptions(members)) {
  Status started = kube_.Start();
  if (!started.ok()) std::fprintf(stderr, "fake API server: %s\n", started.ToString().c_str());
  const std::string kubeconfig = agents_.dir() + "/kubeconfig";
  std::ofstream out(kubeconfig);
  out << "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
      << "clusters: [{name: fake, cluster: {server: 'http://127.0.0.1:" << kube_.port()
      << "'}}]\nusers: [{name: u, user: {token: " << kToken << "}}]\n"
      << "contexts: [{name: fake, context: {cluster: fake, user: u, namespace: herd}}]\n";
  std::vector<std::string> flags = {"--members", "auto",      "--kubeconfig",
                                    kubeconfig,  "--service", "herd"};
  flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
  agents_.options().extra_flags = std::move(flags);
}

KubeAgentCluster::~KubeAgentCluster() {
  for (int i = 0; i < agents_.size(); ++i) {
    if (agents_.running(i)) agents_.Kill(i);
  }
  kube_.Stop();
}

Status KubeAgentCluster::PublishEndpoint(int i, bool ready) {
  const std::string name = agents_.name(i);
  Result<json> r = store().Apply(std::string(kEndpointSlicesPath) + "/" + name,
                                 Slice(name, agents_.peer_port(i), ready));
  return r.ok() ? Status::Ok() : r.status();
}

Status KubeAgentCluster::RemoveEndpoint(int i) {
  return store().Remove(std::string(kEndpointSlicesPath) + "/" + agents_.name(i));
}

bool KubeAgentCluster::Start() {
  for (int i = 0; i < agents_.size(); ++i) {
    if (Status s = PublishEndpoint(i, true); !s.ok()) {
      std::fprintf(stderr, "publish endpoint %d: %s\n", i, s.ToString().c_str());
      return false;
    }
  }
  agents_.StartAll();
  if (!agents_.WaitAllReady()) {
    std::fprintf(stderr, "agents not ready; see %s\n", agents_.log_path(0).c_str());
    return false;
  }
  std::set<std::string> all;
  for (int i = 0; i < agents_.size(); ++i) all.insert(agents_.name(i));
  for (int i = 0; i < agents_.size(); ++i) {
    if (!AgentCluster::WaitFor([&] { return AliveMembers(i) == all; }, std::chrono::seconds(30))) {
      std::fprintf(stderr, "%s does not see every member; see %s\n", agents_.name(i).c_str(),
                   agents_.log_path(i).c_str());
      return false;
    }
  }
  return true;
}

std::set<std::string> KubeAgentCluster::AliveMembers(int via) {
  std::set<std::string> out;
  Result<sidecar::HttpResponse> r = agents_.Call(via, "GET", "/v1/members");
  if (!r.ok()) return out;
  json list = json::parse(r->body, nullptr, false);
  if (list.is_discarded() || !list.contains("items")) return out;
  for (const auto& m : list["items"]) {
    if (m.value("status", "") == "alive") out.insert(m.value("name", ""));
  }
  return out;
}

json KubeAgentCluster::SleeperResource(const std::string& name,
                                       int shutdown_timeout_seconds) const {
  return {{"apiVersion", "herd.dev/v1alpha1"},
          {"kind", "Workload"},
          {"metadata", {{"name", name}, {"namespace", kKubeNamespace}, {"labels", {{"app", "t"}}}}},
          {"spec",
           {{"command",
             {std::string(HERD_BINARY_DIR "/herd-sleeper"), agents_.run_marker() + "-" + name}},
            {"shutdownTimeoutSeconds", shutdown_timeout_seconds}}}};
}

json KubeAgentCluster::GetResource(const std::string& name) {
  Result<KubeRef> ref = ParseKubePath(std::string(kWorkloadsPath) + "/" + name);
  if (!ref.ok()) return nullptr;
  Result<json> r = store().Get(*ref);
  return r.ok() ? *r : json(nullptr);
}

}  // namespace herd::testing
