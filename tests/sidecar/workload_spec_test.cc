#include "sidecar/workload_spec.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace herd::sidecar {
namespace {

WorkloadSpec ValidSpec() {
  WorkloadSpec s;
  s.name = "ingest-7";
  s.labels = {{"team", "data"}, {"app.kubernetes.io/name", "ingest"}};
  s.command = {"/usr/bin/ingest", "--shard", "7"};
  s.env = {{"LOG_LEVEL", "info"}, {"_X1", ""}};
  s.working_dir = "/srv";
  s.resources = {64 << 20, 64};
  return s;
}

TEST(WorkloadSpecTest, ValidSpecPasses) {
  EXPECT_TRUE(Validate(ValidSpec()).ok()) << Validate(ValidSpec());
  WorkloadSpec container = ValidSpec();
  container.runtime = Runtime::kContainer;
  container.image = "busybox";
  container.command.clear();  // the image decides
  EXPECT_TRUE(Validate(container).ok()) << Validate(container);
}

TEST(WorkloadSpecTest, Names) {
  EXPECT_EQ(RuntimeName(Runtime::kProcess), "process");
  EXPECT_EQ(RuntimeName(Runtime::kContainer), "container");
  EXPECT_EQ(RestartPolicyName(RestartPolicy::kPermanent), "permanent");
  EXPECT_EQ(RestartPolicyName(RestartPolicy::kTransient), "transient");
  EXPECT_EQ(RestartPolicyName(RestartPolicy::kTemporary), "temporary");
}

TEST(WorkloadSpecTest, Dns1123Label) {
  for (std::string ok : {"a", "0", "a-b", "ingest-7", "123-abc", "z9"}) {
    EXPECT_TRUE(IsDns1123Label(ok)) << ok;
  }
  EXPECT_TRUE(IsDns1123Label(std::string(63, 'a')));
  for (std::string bad : {"", "-a", "a-", "A", "a_b", "a.b", "a b"}) {
    EXPECT_FALSE(IsDns1123Label(bad)) << bad;
  }
  EXPECT_FALSE(IsDns1123Label(std::string(64, 'a')));
}

TEST(WorkloadSpecTest, LabelKeysAndValues) {
  for (const char* ok : {"team", "a", "A.b_c-D", "example.com/x", "a.b-c/Name_1"}) {
    EXPECT_TRUE(IsLabelKey(ok)) << ok;
  }
  for (std::string bad : {"", "/x", "x/", "-a", "a-", "Ex.com/x", "a/b/c", "a b", "a..b/x"}) {
    EXPECT_FALSE(IsLabelKey(bad)) << bad;
  }
  EXPECT_FALSE(IsLabelKey(std::string(64, 'a')));
  EXPECT_FALSE(IsLabelKey(std::string(254, 'a') + "/x"));
  EXPECT_TRUE(IsLabelKey(std::string(253, 'a') + "/x"));
  EXPECT_TRUE(IsLabelValue(""));
  EXPECT_TRUE(IsLabelValue("v1.2_3-x"));
  EXPECT_FALSE(IsLabelValue("-v"));
  EXPECT_FALSE(IsLabelValue("a/b"));
  EXPECT_FALSE(IsLabelValue(std::string(64, 'v')));
}

TEST(WorkloadSpecTest, EnvNames) {
  EXPECT_TRUE(IsEnvName("A"));
  EXPECT_TRUE(IsEnvName("_a1"));
  EXPECT_FALSE(IsEnvName(""));
  EXPECT_FALSE(IsEnvName("1A"));
  EXPECT_FALSE(IsEnvName("A-B"));
  EXPECT_FALSE(IsEnvName("A=B"));
}

struct Case {
  const char* what;
  std::function<void(WorkloadSpec&)> mutate;
  std::string field;
  std::string message;
};

TEST(WorkloadSpecTest, EveryRuleNamesItsField) {
  const std::string big(70000, 'x');
  const std::vector<Case> cases = {
      {"empty name", [](auto& s) { s.name = ""; }, "metadata.name",
       "metadata.name: Required value"},
      {"upper-case name", [](auto& s) { s.name = "Ingest"; }, "metadata.name",
       "metadata.name: Invalid value: \"Ingest\": a lowercase RFC 1123 label must consist of lower "
       "case alphanumeric characters or '-', and must start and end with an alphanumeric "
       "character (e.g. 'my-name', or '123-abc')"},
      {"long name", [](auto& s) { s.name = std::string(64, 'a'); }, "metadata.name",
       "metadata.name: Invalid value: \"" + std::string(64, 'a') +
           "\": must be no more than 63 characters"},
      {"label key", [](auto& s) { s.labels["bad key"] = "v"; }, "metadata.labels",
       "metadata.labels: Invalid value: \"bad key\": a label key must be a name of at most 63 "
       "characters of [A-Za-z0-9._-], starting and ending alphanumeric, with an optional DNS "
       "subdomain prefix and '/' (e.g. 'example.com/my-name')"},
      {"label value", [](auto& s) { s.labels["team"] = "a b"; }, "metadata.labels",
       "metadata.labels: Invalid value: \"a b\": a label value must be empty or at most 63 "
       "characters of [A-Za-z0-9._-], starting and ending alphanumeric"},
      {"too many labels",
       [](auto& s) {
         for (int i = 0; i < 70; ++i) s.labels["k" + std::to_string(i)] = "v";
       },
       "metadata.labels", "metadata.labels: Too many: 72: must have at most 64 items"},
      {"no command", [](auto& s) { s.command.clear(); }, "spec.command",
       "spec.command: Required value: a process workload needs a command"},
      {"empty command[0]", [](auto& s) { s.command[0] = ""; }, "spec.command[0]",
       "spec.command[0]: Required value: must name the program to run"},
      {"NUL in an argument", [](auto& s) { s.command[2] = std::string("a\0b", 3); },
       "spec.command[2]",
       "spec.command[2]: Invalid value: \"a\\x00b\": must not contain a NUL byte"},
      {"bad UTF-8", [](auto& s) { s.command[1] = "\xC3("; }, "spec.command[1]",
       "spec.command[1]: Invalid value: \"\xC3(\": must be valid UTF-8"},
      {"env name empty", [](auto& s) { s.env[1].name = ""; }, "spec.env[1].name",
       "spec.env[1].name: Required value"},
      {"env name invalid", [](auto& s) { s.env[1].name = "1X"; }, "spec.env[1].name",
       "spec.env[1].name: Invalid value: \"1X\": a valid environment variable name must consist "
       "of alphabetic characters, digits or '_', and must not start with a digit"},
      {"env name duplicate",
       [](auto& s) {
         s.env.push_back({"LOG_LEVEL", "x"});
       },
       "spec.env[2].name", "spec.env[2].name: Duplicate value: \"LOG_LEVEL\""},
      {"env value NUL", [](auto& s) { s.env[0].value = std::string(1, '\0'); }, "spec.env[0].value",
       "spec.env[0].value: Invalid value: \"\\x00\": must not contain a NUL byte"},
      {"argv too big",
       [&](auto& s) {
         s.command = {"a", big, big};
       },
       "spec.command", "spec.command: Too long: the command takes 140004 bytes, at most 131072"},
      {"env too big",
       [&](auto& s) {
         s.env.push_back({"BIG", big});
         s.env.push_back({"BIG2", big});
       },
       "spec.env", "spec.env: Too long: command and env take 140057 bytes, at most 131072"},
      {"relative workingDir", [](auto& s) { s.working_dir = "srv"; }, "spec.workingDir",
       "spec.workingDir: Invalid value: \"srv\": must be an absolute path"},
      {"long workingDir", [](auto& s) { s.working_dir = "/" + std::string(4096, 'd'); },
       "spec.workingDir", "spec.workingDir: Too long: must be no more than 4096 bytes"},
      {"container without image",
       [](auto& s) {
         s.runtime = Runtime::kContainer;
         s.image = "";
       },
       "spec.image", "spec.image: Required value: a container workload needs an image"},
      {"shutdown negative", [](auto& s) { s.shutdown_timeout_seconds = -1; },
       "spec.shutdownTimeoutSeconds",
       "spec.shutdownTimeoutSeconds: Invalid value: -1: must be between 0 and 3600, inclusive"},
      {"shutdown too long", [](auto& s) { s.shutdown_timeout_seconds = 3601; },
       "spec.shutdownTimeoutSeconds",
       "spec.shutdownTimeoutSeconds: Invalid value: 3601: must be between 0 and 3600, inclusive"},
      {"maxRestarts", [](auto& s) { s.max_restarts = 10001; }, "spec.maxRestarts",
       "spec.maxRestarts: Invalid value: 10001: must be between 0 and 10000, inclusive"},
      {"maxSeconds zero", [](auto& s) { s.max_seconds = 0; }, "spec.maxSeconds",
       "spec.maxSeconds: Invalid value: 0: must be between 1 and 86400, inclusive"},
      {"maxSeconds big", [](auto& s) { s.max_seconds = 86401; }, "spec.maxSeconds",
       "spec.maxSeconds: Invalid value: 86401: must be between 1 and 86400, inclusive"},
      {"memory negative", [](auto& s) { s.resources.memory_bytes = -1; }, "spec.resources.memory",
       "spec.resources.memory: Invalid value: -1: must be greater than or equal to 0"},
      {"pids negative", [](auto& s) { s.resources.pids = -5; }, "spec.resources.pids",
       "spec.resources.pids: Invalid value: -5: must be between 0 and 4194304, inclusive"},
      {"pids too many", [](auto& s) { s.resources.pids = 4194305; }, "spec.resources.pids",
       "spec.resources.pids: Invalid value: 4194305: must be between 0 and 4194304, inclusive"},
      {"restart out of enum", [](auto& s) { s.restart = static_cast<RestartPolicy>(7); },
       "spec.restart",
       "spec.restart: Unsupported value: \"7\": supported values: \"permanent\", \"transient\", "
       "\"temporary\""},
  };
  for (const Case& c : cases) {
    WorkloadSpec spec = ValidSpec();
    c.mutate(spec);
    Status s = Validate(spec);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.what;
    EXPECT_EQ(s.field(), c.field) << c.what;
    EXPECT_EQ(s.message(), c.message) << c.what;
  }
}

TEST(WorkloadSpecTest, BoundsAreInclusive) {
  WorkloadSpec s = ValidSpec();
  s.shutdown_timeout_seconds = 0;
  s.max_restarts = 0;
  s.max_seconds = 1;
  s.resources = {0, 0};
  EXPECT_TRUE(Validate(s).ok()) << Validate(s);
  s.shutdown_timeout_seconds = 3600;
  s.max_restarts = 10000;
  s.max_seconds = 86400;
  s.resources.pids = WorkloadSpec::kMaxPids;
  EXPECT_TRUE(Validate(s).ok()) << Validate(s);
  s.name = std::string(63, 'n');
  EXPECT_TRUE(Validate(s).ok()) << Validate(s);
}

TEST(WorkloadSpecTest, ValidateAllListsEveryErrorInFieldOrder) {
  WorkloadSpec s = ValidSpec();
  s.name = "";
  s.env[0].name = "1";
  s.max_seconds = 0;
  std::vector<Status> errors = ValidateAll(s);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].field(), "metadata.name");
  EXPECT_EQ(errors[1].field(), "spec.env[0].name");
  EXPECT_EQ(errors[2].field(), "spec.maxSeconds");
  EXPECT_EQ(Validate(s), errors[0]);
}

TEST(WorkloadSpecTest, ShownValuesAreCutShort) {
  WorkloadSpec s = ValidSpec();
  s.working_dir = std::string(100, 'r');
  Status st = Validate(s);
  EXPECT_EQ(st.message(), "spec.workingDir: Invalid value: \"" + std::string(64, 'r') +
                              "\"...: must be an absolute path");
}

}  // namespace
}  // namespace herd::sidecar
