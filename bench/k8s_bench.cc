// k8s_bench: issue 6's numbers against the fake Kubernetes API server (in process) and real
// agents with `--members auto` (tests/testing/kube_agent_cluster.h). Prints one JSON object on
// stdout; progress on stderr. Exits 1 only when a phase cannot finish within its deadline.
//
//   k8s_bench [--rounds N] [--resources N]
//
//   endpoint_to_membership_ms: a ready endpoint for a new member ("ghost-k", never started) is
//     added to the herd Service's EndpointSlices, then removed; from each write to the moment
//     every agent's GET /v1/members shows the change (polled back to back), N rounds.
//   cr_to_running_ms: from creating a Workload resource (a sleeper) to its status.phase Running
//     as stored by the API server (polled in process), N resources one after another.
//   relist_ms_10k: the Workload watcher of one client holds 10,000 resources; the server's
//     history is compacted and its streams dropped: the resume gets 410 Gone and relists
//     (paged, 500 per page). From the drop to the watcher's batch of the relist.
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/stats.h"
#include "k8s/cpprest_kube_client.h"
#include "k8s/watcher.h"
#include "tests/testing/kube_agent_cluster.h"

namespace herd::testing {
namespace {

using bench::Percentile;
using bench::Round;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;

double MsSince(SteadyClock::time_point t) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t).count();
}

bool Fail(Json& out, const std::string& what) {
  out["error"] = what;
  std::cout << out.dump(2) << std::endl;
  return false;
}

json GhostSlice(const std::string& name) {
  return {{"kind", "EndpointSlice"},
          {"apiVersion", "discovery.k8s.io/v1"},
          {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/service-name", "herd"}}}}},
          {"addressType", "IPv4"},
          {"ports", {{{"name", "peer"}, {"port", 9}}}},
          {"endpoints",
           {{{"addresses", {"127.0.0.1"}},
             {"conditions", {{"ready", true}}},
             {"targetRef", {{"kind", "Pod"}, {"name", name}}}}}}};
}

bool Lists(KubeAgentCluster& kc, int i, const std::string& member) {
  Result<sidecar::HttpResponse> r = kc.agents().Call(i, "GET", "/v1/members");
  return r.ok() && r->body.find("\"" + member + "\"") != std::string::npos;
}

bool MeasureMembership(KubeAgentCluster& kc, int rounds, Json& out) {
  std::vector<double> ms;
  for (int k = 0; k < rounds; ++k) {
    const std::string ghost = "ghost-" + std::to_string(k);
    const std::string path = std::string(kEndpointSlicesPath) + "/" + ghost;
    for (bool add : {true, false}) {
      const auto start = SteadyClock::now();
      Status s = add ? kc.store().Apply(path, GhostSlice(ghost)).status() : kc.store().Remove(path);
      if (!s.ok()) return Fail(out, "endpoint write: " + s.ToString());
      for (int i = 0; i < kc.agents().size(); ++i) {
        if (!AgentCluster::WaitFor([&] { return Lists(kc, i, ghost) == add; },
                                   std::chrono::seconds(10))) {
          return Fail(out, "membership change not seen by " + kc.agents().name(i));
        }
      }
      ms.push_back(MsSince(start));
    }
  }
  out["endpoint_to_membership_p50_ms"] = Round(Percentile(ms, 0.5), 100);
  out["endpoint_to_membership_p99_ms"] = Round(Percentile(ms, 0.99), 100);
  out["endpoint_to_membership_samples"] = ms.size();
  return true;
}

bool MeasureResources(KubeAgentCluster& kc, int count, Json& out) {
  std::vector<double> ms;
  const KubeRef collection = ParseKubePath(kWorkloadsPath).value();
  for (int k = 0; k < count; ++k) {
    const std::string name = "bench-" + std::to_string(k);
    const KubeRef ref = ParseKubePath(std::string(kWorkloadsPath) + "/" + name).value();
    const auto start = SteadyClock::now();
    Result<json> created = kc.store().Create(collection, kc.SleeperResource(name));
    if (!created.ok()) return Fail(out, "create: " + created.status().ToString());
    const bool running = AgentCluster::WaitFor(
        [&] {
          Result<json> r = kc.store().Get(ref);
          return r.ok() && r->contains("status") && (*r)["status"].value("phase", "") == "Running";
        },
        std::chrono::seconds(10));
    if (!running) return Fail(out, name + " not Running within 10 s");
    ms.push_back(MsSince(start));
  }
  out["cr_to_running_p50_ms"] = Round(Percentile(ms, 0.5), 100);
  out["cr_to_running_p99_ms"] = Round(Percentile(ms, 0.99), 100);
  out["cr_to_running_samples"] = ms.size();
  return true;
}

bool MeasureRelist(Json& out) {
  constexpr int kObjects = 10000;
  FakeKubeServer server;
  if (!server.Start().ok()) return Fail(out, "fake server did not start");
  const KubeRef collection = ParseKubePath(kWorkloadsPath).value();
  for (int k = 0; k < kObjects; ++k) {
    json o = {{"apiVersion", "herd.dev/v1alpha1"},
              {"kind", "Workload"},
              {"metadata", {{"name", "w-" + std::to_string(k)}, {"namespace", "herd"}}},
              {"spec", {{"command", {"/bin/sleep", "3600"}}, {"restart", "permanent"}}}};
    if (!server.store().Create(collection, o).ok()) return Fail(out, "create failed");
  }
  k8s::CppRestKubeClientOptions co;
  co.config.server = server.base_url();
  co.qps = 0;  // no client-side limit: measure the list itself
  Result<std::unique_ptr<k8s::CppRestKubeClient>> client = k8s::CppRestKubeClient::Create(co);
  if (!client.ok()) return Fail(out, "client: " + client.status().ToString());
  std::atomic<int> lists{0};
  std::atomic<size_t> listed{0};
  k8s::WatcherOptions wo;
  wo.path = kWorkloadsPath;
  wo.name = "workloads";
  wo.backoff_initial = std::chrono::milliseconds(1);
  k8s::Watcher watcher(**client, wo, [&](const k8s::StoreBatch& batch) {
    if (batch.from_list) {
      listed = batch.events.size();
      ++lists;
    }
  });
  if (!watcher.Start().ok()) return Fail(out, "watcher did not start");
  if (!AgentCluster::WaitFor([&] { return lists.load() == 1; }, std::chrono::seconds(30))) {
    return Fail(out, "first list did not finish");
  }
  // The relist replaces a store that differs in one object.
  std::vector<double> ms;
  for (int round = 0; round < 3; ++round) {
    // Streams go silent, one write passes unseen and the history is compacted: the resume
    // from the watcher's last version gets 410 Gone.
    server.SetStallStreams(true);
    if (!server.store()
             .Patch(ParseKubePath(std::string(kWorkloadsPath) + "/w-0").value(),
                    {{"metadata", {{"labels", {{"round", std::to_string(round)}}}}}})
             .ok()) {
      return Fail(out, "patch failed");
    }
    server.Compact();
    const int before = lists.load();
    const auto start = SteadyClock::now();
    server.SetStallStreams(false);
    server.DropStreams();
    if (!AgentCluster::WaitFor([&] { return lists.load() > before; }, std::chrono::seconds(30))) {
      return Fail(out, "relist did not finish");
    }
    ms.push_back(MsSince(start));
  }
  watcher.Stop();
  out["relist_objects"] = kObjects;
  out["relist_ms_10k"] = Round(Percentile(ms, 0.5), 10);
  out["relist_max_ms_10k"] = Round(Percentile(ms, 1.0), 10);
  return true;
}

int Main(int argc, char** argv) {
  int rounds = 50, resources = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rounds") rounds = std::atoi(argv[i + 1]);
    if (flag == "--resources") resources = std::atoi(argv[i + 1]);
  }
  Json out;
  out["bench"] = "k8s";
  out["members"] = 3;
  {
    KubeAgentCluster kc(3);
    std::cerr << "k8s_bench: starting 3 agents\n";
    if (!kc.Start()) return Fail(out, "agents did not start") ? 0 : 1;
    std::cerr << "k8s_bench: endpoint_to_membership (" << rounds << " rounds)\n";
    if (!MeasureMembership(kc, rounds, out)) return 1;
    std::cerr << "k8s_bench: cr_to_running (" << resources << " resources)\n";
    if (!MeasureResources(kc, resources, out)) return 1;
  }
  std::cerr << "k8s_bench: relist of 10,000\n";
  if (!MeasureRelist(out)) return 1;
  std::cout << out.dump(2) << std::endl;
  return 0;
}

}  // namespace
}  // namespace herd::testing

int main(int argc, char** argv) { return herd::testing::Main(argc, argv); }
