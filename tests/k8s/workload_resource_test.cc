// Workload resources: decoding what the API server sends and what the operator writes back.
#include "k8s/workload_resource.h"

#include <gtest/gtest.h>

namespace herd::k8s {
namespace {

using nlohmann::json;

json Resource() {
  return json::parse(R"({
    "apiVersion": "herd.dev/v1alpha1", "kind": "Workload",
    "metadata": {"name": "web", "namespace": "prod", "uid": "u-1", "resourceVersion": "42",
                 "generation": 3, "labels": {"app": "web"}, "finalizers": ["other/keep"],
                 "managedFields": [{"manager": "kubectl"}],
                 "creationTimestamp": "2026-11-26T09:00:00Z"},
    "spec": {"command": ["/bin/web", "--port", "80"], "restart": "permanent"},
    "status": {"phase": "Running", "owner": "herd-1"}})");
}

TEST(WorkloadResourceTest, DecodesMetadataSpecAndStatus) {
  Result<WorkloadResource> r = DecodeWorkloadResource(Resource());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "web");
  EXPECT_EQ(r->ns, "prod");
  EXPECT_EQ(r->uid, "u-1");
  EXPECT_EQ(r->resource_version, "42");
  EXPECT_EQ(r->generation, 3);
  EXPECT_FALSE(r->deleting);
  EXPECT_FALSE(r->has_finalizer());
  ASSERT_TRUE(r->spec.has_value()) << r->spec_error.ToString();
  EXPECT_EQ(r->spec->name, "web");
  EXPECT_EQ(r->spec->command, (std::vector<std::string>{"/bin/web", "--port", "80"}));
  EXPECT_EQ(r->spec->labels.at("app"), "web");
  EXPECT_EQ(r->spec->labels.at("herd.dev/resource"), "prod");
  EXPECT_EQ(r->spec->labels.at("herd.dev/resource-generation"), "3");
  EXPECT_TRUE(ManagedBy(*r->spec, "prod"));
  EXPECT_FALSE(ManagedBy(*r->spec, "dev"));
  EXPECT_EQ(r->status["owner"], "herd-1");
}

TEST(WorkloadResourceTest, BadSpecIsKeptAsAnErrorNamingTheField) {
  json o = Resource();
  o["spec"]["restart"] = "sometimes";
  o["metadata"]["deletionTimestamp"] = "2026-11-26T10:00:00Z";
  Result<WorkloadResource> r = DecodeWorkloadResource(o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->deleting);
  EXPECT_FALSE(r->spec.has_value());
  EXPECT_EQ(r->spec_error.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r->spec_error.message().find("spec.restart"), std::string::npos)
      << r->spec_error.message();
}

TEST(WorkloadResourceTest, BadMetadataIsDataLoss) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[]", "not an object"},
      {R"({"spec": {}})", "no metadata"},
      {R"({"metadata": {"namespace": "x"}})", "no metadata.name"},
      {R"({"metadata": {"name": "a"}})", "no metadata.namespace"},
      {R"({"metadata": {"name": 7, "namespace": "x"}})", "metadata.name is not a string"},
      {R"({"metadata": {"name": "a", "namespace": "x", "generation": "2"}})",
       "metadata.generation is not an integer"},
      {R"({"metadata": {"name": "a", "namespace": "x", "finalizers": "f"}})",
       "metadata.finalizers is not a list"},
      {R"({"metadata": {"name": "a", "namespace": "x", "finalizers": [1]}})",
       "metadata.finalizers holds a non-string"},
  };
  for (const auto& [text, want] : cases) {
    Result<WorkloadResource> r = DecodeWorkloadResource(json::parse(text));
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << text;
    EXPECT_NE(r.status().message().find(want), std::string::npos) << r.status().message();
  }
}

TEST(WorkloadResourceTest, FinalizerPatchKeepsOthersAndGuardsTheVersion) {
  WorkloadResource r = DecodeWorkloadResource(Resource()).value();
  json add = FinalizerPatch(r, true);
  EXPECT_EQ(add, json::parse(R"({"metadata": {"resourceVersion": "42",
                               "finalizers": ["other/keep", "herd.dev/stop-workload"]}})"));
  r.finalizers.push_back("herd.dev/stop-workload");
  EXPECT_TRUE(r.has_finalizer());
  EXPECT_EQ(FinalizerPatch(r, false)["metadata"]["finalizers"], json::array({"other/keep"}));
}

TEST(WorkloadResourceTest, MergePatchNullsRemovedKeysAndRecursesIntoObjects) {
  json from = {{"phase", "Running"},
               {"pid", 10},
               {"lastExit", {{"code", 1}, {"at", "t"}}},
               {"conditions", json::array({{{"type", "Ready"}}})}};
  json to = {{"phase", "Running"},
             {"lastExit", {{"code", 2}, {"at", "t"}}},
             {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}};
  EXPECT_EQ(CreateMergePatch(from, to), json::parse(R"({"pid": null, "lastExit": {"code": 2},
                            "conditions": [{"type": "Ready", "status": "True"}]})"));
  EXPECT_TRUE(CreateMergePatch(to, to).empty());
  EXPECT_EQ(CreateMergePatch(json::object(), to), to);
}

TEST(WorkloadResourceTest, StatusReportsTheResourceGeneration) {
  sidecar::WorkloadView view;
  view.name = "web";
  view.record.generation = 5;
  view.record.owner = "herd-2";
  view.spec.name = "web";
  view.spec.labels["herd.dev/resource-generation"] = "3";
  json st = ResourceStatus(view);
  EXPECT_EQ(st["phase"], "Pending");
  EXPECT_EQ(st["owner"], "herd-2");
  EXPECT_EQ(st["observedGeneration"], 3);
  for (const json& c : st["conditions"]) EXPECT_EQ(c["observedGeneration"], 3);

  sidecar::StatusRecord older;
  older.phase = sidecar::Phase::kRunning;
  older.generation = 4;  // still the previous spec's instance
  view.status = older;
  EXPECT_FALSE(ResourceStatus(view).contains("observedGeneration"));

  json rejected = RejectedStatus(7, "InvalidSpec", "spec.restart: bad");
  EXPECT_EQ(rejected["phase"], "Failed");
  EXPECT_EQ(rejected["observedGeneration"], 7);
  EXPECT_EQ(rejected["conditions"][0]["reason"], "InvalidSpec");
  EXPECT_EQ(rejected["conditions"][1]["status"], "True");
}

}  // namespace
}  // namespace herd::k8s
