// The Workload operator with real agents against the fake Kubernetes API server: a resource
// runs once on one member and its status comes back; a spec change is rolled out; deleting the
// resource stops the workload before the finalizer lets the resource go; bad specs and name
// conflicts are reported in status; watch faults and a dead owner lose or double nothing.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/testing/kube_agent_cluster.h"

namespace herd::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

KubeRef Ref(const std::string& name = "") {
  std::string path = kWorkloadsPath;
  if (!name.empty()) path += "/" + name;
  return ParseKubePath(path).value();
}

std::string Phase(const json& resource) {
  if (!resource.is_object() || !resource.contains("status")) return "";
  return resource["status"].value("phase", "");
}

std::string ConditionReason(const json& resource, const std::string& type) {
  if (!resource.is_object() || !resource.contains("status")) return "";
  for (const json& c : resource["status"].value("conditions", json::array())) {
    if (c.value("type", "") == type) return c.value("reason", "");
  }
  return "";
}

// The parent of `pid` (0 when it is gone): a workload's status names the herd-launch shim that
// runs the command as its child.
pid_t ParentOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t end = stat.rfind(')');
  if (end == std::string::npos) return 0;
  std::istringstream rest(stat.substr(end + 2));
  char state = 0;
  pid_t ppid = 0;
  rest >> state >> ppid;
  return ppid;
}

class WorkloadResourcesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(kc_.Start()); }

  void Create(const std::string& name, json object = nullptr) {
    if (object.is_null()) object = kc_.SleeperResource(name);
    ASSERT_TRUE(kc_.store().Create(Ref(), object).ok()) << name;
  }

  // Every resource in `names` runs exactly once and is Running at the resource generation
  // `generation`, its status names the member and the pid of the one process that runs it.
  bool AllRunning(const std::set<std::string>& names, int64_t generation = 1) {
    const std::map<std::string, int> copies = kc_.agents().CountCopies();
    for (const std::string& name : names) {
      if (auto it = copies.find(name); it == copies.end() || it->second != 1) return false;
    }
    std::map<std::string, pid_t> pids;
    for (const auto& [pid, name] : kc_.agents().Copies()) pids[name] = pid;
    for (const std::string& name : names) {
      json r = kc_.GetResource(name);
      if (Phase(r) != "Running") return false;
      const json& st = r["status"];
      if (st.value("observedGeneration", int64_t{0}) != generation) return false;
      if (st.value("owner", "").empty()) return false;
      if (st.value("pid", int64_t{0}) != ParentOf(pids[name])) return false;
    }
    return true;
  }

  // For failure messages: what the server holds for `name`.
  std::string Describe(const std::string& name) {
    return name + ": " + kc_.GetResource(name).dump();
  }
  // The same for each of `names` that AllRunning finds wrong, with its running copies.
  std::string DescribeNotRunning(const std::set<std::string>& names) {
    const std::map<std::string, int> copies = kc_.agents().CountCopies();
    std::string out;
    for (const std::string& name : names) {
      if (AllRunning({name})) continue;
      auto it = copies.find(name);
      out += "copies=" + std::to_string(it == copies.end() ? 0 : it->second) + " " +
             Describe(name) + "\n";
    }
    return out;
  }

  KubeAgentCluster kc_{3};
};

TEST_F(WorkloadResourcesTest, ResourcesRunOnceWithStatusUpdatesAndDeletion) {
  const std::set<std::string> names = AgentCluster::Names("cr", 12);
  for (const std::string& n : names) Create(n);
  ASSERT_TRUE(AgentCluster::WaitFor([&] { return AllRunning(names); }, seconds(30)))
      << kc_.agents().log_path(0) << "\n"
      << DescribeNotRunning(names);
  for (const std::string& n : names) {
    json r = kc_.GetResource(n);
    EXPECT_EQ(r["metadata"]["finalizers"], json::array({"herd.dev/stop-workload"})) << n;
    EXPECT_EQ(ConditionReason(r, "Ready"), "Running") << n;
  }
  // The map holds them with the operator's labels; REST lists them like any workload.
  json w = json::parse(kc_.agents().Call(1, "GET", "/v1/workloads/cr-0")->body);
  EXPECT_EQ(w["metadata"]["labels"]["herd.dev/resource"], "herd");
  EXPECT_EQ(w["metadata"]["labels"]["app"], "t");

  // A spec change (generation 2) is rolled out and reported.
  ASSERT_TRUE(kc_.store().Patch(Ref("cr-1"), {{"spec", {{"shutdownTimeoutSeconds", 7}}}}).ok());
  ASSERT_TRUE(AgentCluster::WaitFor([&] { return AllRunning({"cr-1"}, 2); }, seconds(20)))
      << Describe("cr-1");

  // Deleting: the process is gone before the resource is.
  ASSERT_TRUE(kc_.store().Delete(Ref("cr-2")).ok());
  ASSERT_TRUE(kc_.GetResource("cr-2").is_object());  // held by the finalizer
  bool stopped_first = true;
  ASSERT_TRUE(AgentCluster::WaitFor(
      [&] {
        if (!kc_.GetResource("cr-2").is_null()) return false;
        stopped_first = kc_.agents().CountCopies().count("cr-2") == 0;
        return true;
      },
      seconds(20)));
  EXPECT_TRUE(stopped_first);
  EXPECT_EQ(kc_.agents().Call(0, "GET", "/v1/workloads/cr-2")->status, 404);

  // A resource removed without its finalizer (force) is deleted from the map too.
  ASSERT_TRUE(kc_.store().Remove(std::string(kWorkloadsPath) + "/cr-3").ok());
  std::set<std::string> rest = names;
  rest.erase("cr-2");
  rest.erase("cr-3");
  ASSERT_TRUE(
      AgentCluster::WaitFor([&] { return kc_.agents().RunsExactlyOnce(rest); }, seconds(20)));

  // The owner of cr-0 dies: the new owner runs it and reports itself.
  const std::string owner = kc_.GetResource("cr-0")["status"]["owner"];
  const int dead = owner.back() - '0';
  ASSERT_TRUE(kc_.RemoveEndpoint(dead).ok());
  kc_.agents().Kill(dead);
  ASSERT_TRUE(AgentCluster::WaitFor(
      [&] {
        json r = kc_.GetResource("cr-0");
        return kc_.agents().RunsExactlyOnce(rest) && Phase(r) == "Running" &&
               r["status"].value("owner", "") != owner;
      },
      seconds(30)));
}

TEST_F(WorkloadResourcesTest, BadSpecsAndNameConflictsAreReported) {
  json bad = kc_.SleeperResource("bad");
  bad["spec"]["restart"] = "sometimes";
  Create("bad", bad);
  ASSERT_EQ(
      kc_.agents().Call(0, "POST", "/v1/workloads", kc_.agents().SleeperYaml("taken", 1))->status,
      201);
  // The conflict can only be seen once the REST workload has reached the member that writes the
  // resource (declared at once on two members, the later write wins, as for any two applies).
  ASSERT_TRUE(AgentCluster::WaitFor(
      [&] {
        for (int i = 0; i < kc_.agents().size(); ++i) {
          auto r = kc_.agents().Call(i, "GET", "/v1/workloads/taken-0");
          if (!r.ok() || r->status != 200) return false;
        }
        return true;
      },
      seconds(20)));
  Create("taken-0");
  ASSERT_TRUE(AgentCluster::WaitFor(
      [&] {
        return ConditionReason(kc_.GetResource("bad"), "Ready") == "InvalidSpec" &&
               ConditionReason(kc_.GetResource("taken-0"), "Ready") == "NameConflict";
      },
      seconds(20)));
  json b = kc_.GetResource("bad");
  EXPECT_EQ(Phase(b), "Failed");
  EXPECT_NE(b["status"].value("message", "").find("spec.restart"), std::string::npos)
      << b["status"].dump();
  // The REST workload is untouched and keeps running once; deleting the conflicting resource
  // leaves it alone.
  ASSERT_TRUE(AgentCluster::WaitFor([&] { return kc_.agents().RunsExactlyOnce({"taken-0"}); },
                                    seconds(20)));
  json w = json::parse(kc_.agents().Call(0, "GET", "/v1/workloads/taken-0")->body);
  EXPECT_FALSE(w["metadata"].contains("labels") &&
               w["metadata"]["labels"].contains("herd.dev/resource"));
  ASSERT_TRUE(kc_.store().Delete(Ref("taken-0")).ok());
  ASSERT_TRUE(
      AgentCluster::WaitFor([&] { return kc_.GetResource("taken-0").is_null(); }, seconds(20)));
  EXPECT_TRUE(kc_.agents().RunsExactlyOnce({"taken-0"}));
}

TEST_F(WorkloadResourcesTest, WatchFaultsLoseAndDoubleNothing) {
  std::set<std::string> names;
  for (int round = 0; round < 4; ++round) {
    for (int k = 0; k < 8; ++k) {
      const std::string n = "wf-" + std::to_string(round * 8 + k);
      names.insert(n);
      Create(n);
    }
    switch (round) {
      case 0:
        kc_.kube().DropStreams();
        break;
      case 1:
        kc_.kube().Compact();
        kc_.kube().DropStreams();
        break;  // resume gets 410: relist
      case 2:
        kc_.kube().FailNextRequests(6);
        kc_.kube().DropStreams();
        break;
      default:
        break;
    }
  }
  ASSERT_TRUE(AgentCluster::WaitFor([&] { return AllRunning(names); }, seconds(40)))
      << kc_.agents().log_path(0);
  // While every stream is down, resources are deleted; the relist catches it.
  kc_.kube().Compact();
  for (int k = 0; k < 4; ++k) ASSERT_TRUE(kc_.store().Delete(Ref("wf-" + std::to_string(k))).ok());
  kc_.kube().DropStreams();
  for (int k = 0; k < 4; ++k) names.erase("wf-" + std::to_string(k));
  ASSERT_TRUE(AgentCluster::WaitFor(
      [&] {
        for (int k = 0; k < 4; ++k) {
          if (!kc_.GetResource("wf-" + std::to_string(k)).is_null()) return false;
        }
        return kc_.agents().RunsExactlyOnce(names);
      },
      seconds(30)));
}

}  // namespace
}  // namespace herd::testing
