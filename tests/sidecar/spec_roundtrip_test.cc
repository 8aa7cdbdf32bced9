// WorkloadToJson / JsonToYaml against the parser: what herd writes, herd reads back the same.
#include <gtest/gtest.h>

#include <string>

#include "sidecar/spec_parser.h"
#include "tests/sidecar/random_spec.h"

namespace herd::sidecar {
namespace {

constexpr uint64_t kSeed = 0x5eed0001;
constexpr int kRounds = 2000;

TEST(SpecRoundTripTest, WorkloadToJsonHasTheKubernetesShape) {
  WorkloadSpec s;
  s.name = "ingest-7";
  s.labels = {{"team", "data"}};
  s.command = {"/usr/bin/ingest", "--shard", "7"};
  s.env = {{"LOG_LEVEL", "info"}};
  s.resources = {64 << 20, 64};
  nlohmann::json want = nlohmann::json::parse(R"({
    "apiVersion": "herd.dev/v1alpha1", "kind": "Workload",
    "metadata": {"name": "ingest-7", "labels": {"team": "data"}},
    "spec": {"runtime": "process", "command": ["/usr/bin/ingest", "--shard", "7"],
             "env": [{"name": "LOG_LEVEL", "value": "info"}], "restart": "permanent",
             "shutdownTimeoutSeconds": 5, "maxRestarts": 3, "maxSeconds": 5,
             "resources": {"memory": "64Mi", "pids": 64}}})");
  EXPECT_EQ(WorkloadToJson(s), want) << WorkloadToJson(s).dump(2);

  WorkloadSpec bare;
  bare.name = "b";
  bare.runtime = Runtime::kContainer;
  bare.image = "busybox";
  nlohmann::json j = WorkloadToJson(bare);
  EXPECT_FALSE(j["metadata"].contains("labels"));
  EXPECT_FALSE(j["spec"].contains("env"));
  EXPECT_FALSE(j["spec"].contains("workingDir"));
  EXPECT_FALSE(j["spec"].contains("resources"));
  EXPECT_EQ(j["spec"]["command"], nlohmann::json::array());
  EXPECT_EQ(j["spec"]["image"], "busybox");
}

TEST(SpecRoundTripTest, YamlLayout) {
  WorkloadSpec s;
  s.name = "ticker";
  s.labels = {{"app", "demo"}};
  s.command = {"sh", "-c", "while true; do echo tick: $(date); sleep 1; done"};
  s.env = {{"GREETING", "yes"}, {"COUNT", "10"}};
  s.restart = RestartPolicy::kTransient;
  EXPECT_EQ(JsonToYaml(WorkloadToJson(s)),
            "apiVersion: herd.dev/v1alpha1\n"
            "kind: Workload\n"
            "metadata:\n"
            "  labels:\n"
            "    app: demo\n"
            "  name: ticker\n"
            "spec:\n"
            "  command:\n"
            "  - sh\n"
            "  - -c\n"
            "  - \"while true; do echo tick: $(date); sleep 1; done\"\n"
            "  env:\n"
            "  - name: GREETING\n"
            "    value: \"yes\"\n"
            "  - name: COUNT\n"
            "    value: \"10\"\n"
            "  maxRestarts: 3\n"
            "  maxSeconds: 5\n"
            "  restart: transient\n"
            "  runtime: process\n"
            "  shutdownTimeoutSeconds: 5\n");
}

TEST(SpecRoundTripTest, YamlOfAnyJson) {
  EXPECT_EQ(JsonToYaml(nullptr), "null\n");
  EXPECT_EQ(JsonToYaml("x"), "x\n");
  EXPECT_EQ(JsonToYaml(nlohmann::json::object()), "{}\n");
  EXPECT_EQ(JsonToYaml(nlohmann::json::array()), "[]\n");
  EXPECT_EQ(JsonToYaml(nlohmann::json::parse(R"([[1, [2, 3]], {"a": [], "b": {}}, true, 1.5])")),
            "- - 1\n  - - 2\n    - 3\n- a: []\n  b: {}\n- true\n- 1.5\n");
  EXPECT_EQ(JsonToYaml(nlohmann::json::parse(R"({"items": [{"k": {"x": null}}], "": "y"})")),
            "\"\": \"y\"\nitems:\n- k:\n    x: null\n");
  EXPECT_EQ(JsonToYaml(nlohmann::json("a\"b\\c\n\x01\xE2\x80\xA8 \xC3\xA9")),
            "\"a\\\"b\\\\c\\n\\u0001\\u2028 \xC3\xA9\"\n");
  for (std::string_view quoted :
       {"",    "yes",  "No",   "null", "~",  "true", "10",      "1.5", "-1",  ".5",
        "- a", "a: b", "a #b", "a:",   " a", "a ",   "#a",      "&a",  "*a",  "!a",
        "|",   ">",    "%",    "@a",   "`a", "'a'",  "\"a\"",   "[a]", "{a}", "a,b",
        "<<",  "?a",   "---",  "--",   "-",  "--1",  "\xC3\xA9"}) {
    std::string yaml = JsonToYaml(nlohmann::json(quoted));
    EXPECT_EQ(yaml.front(), '"') << quoted;
  }
  for (std::string_view plain : {"a", "-c", "/usr/bin/x", "a:b", "a#b", "host:8080", "a b", "_x",
                                 "--shard", "a-b.c/d=e+f@g%h"}) {
    EXPECT_EQ(JsonToYaml(nlohmann::json(plain)), std::string(plain) + "\n") << plain;
  }
}

TEST(SpecRoundTripTest, RandomSpecsSurviveYamlAndJson) {
  Random rng(kSeed);
  for (int i = 0; i < kRounds; ++i) {
    const WorkloadSpec spec = testing::RandomSpec(rng);
    ASSERT_TRUE(Validate(spec).ok())
        << "seed " << kSeed << " round " << i << ": " << Validate(spec);
    const nlohmann::json json = WorkloadToJson(spec);
    const std::string yaml = JsonToYaml(json);
    Result<std::vector<WorkloadDocument>> from_yaml = ParseWorkloadDocuments(yaml);
    ASSERT_TRUE(from_yaml.ok()) << "seed " << kSeed << " round " << i << ": " << from_yaml.status()
                                << "\n"
                                << yaml;
    ASSERT_EQ(from_yaml->size(), 1u);
    ASSERT_EQ(from_yaml->front().spec, spec) << "seed " << kSeed << " round " << i << "\n" << yaml;

    Result<std::vector<WorkloadDocument>> from_json = ParseWorkloadDocuments(json.dump());
    ASSERT_TRUE(from_json.ok()) << "seed " << kSeed << " round " << i << ": " << from_json.status();
    ASSERT_EQ(from_json->front().spec, spec) << "seed " << kSeed << " round " << i;

    Result<WorkloadDocument> object = ParseWorkloadObject(json);
    ASSERT_TRUE(object.ok()) << object.status();
    ASSERT_EQ(object->spec, spec) << "seed " << kSeed << " round " << i;
  }
}

TEST(SpecRoundTripTest, RandomMultiDocumentStreams) {
  Random rng(kSeed + 1);
  for (int i = 0; i < 50; ++i) {
    std::vector<WorkloadSpec> specs;
    std::string stream;
    nlohmann::json list = {{"kind", "WorkloadList"}, {"items", nlohmann::json::array()}};
    for (size_t n = 1 + rng.Uniform(8); n > 0; --n) {
      WorkloadSpec s = testing::RandomSpec(rng);
      s.name += "-" + std::to_string(specs.size());  // unique within the request
      s.name = s.name.substr(s.name.size() > 63 ? s.name.size() - 63 : 0);
      if (!IsDns1123Label(s.name)) s.name = "w-" + std::to_string(specs.size());
      specs.push_back(s);
      stream += "---\n" + JsonToYaml(WorkloadToJson(s));
      list["items"].push_back(WorkloadToJson(s));
    }
    for (const std::string& text : {stream, list.dump(), JsonToYaml(list)}) {
      Result<std::vector<WorkloadDocument>> r = ParseWorkloadDocuments(text);
      ASSERT_TRUE(r.ok()) << "seed " << kSeed + 1 << " round " << i << ": " << r.status();
      ASSERT_EQ(r->size(), specs.size());
      for (size_t k = 0; k < specs.size(); ++k) {
        ASSERT_EQ((*r)[k].spec, specs[k]) << "seed " << kSeed + 1 << " round " << i;
      }
    }
  }
}

}  // namespace
}  // namespace herd::sidecar
