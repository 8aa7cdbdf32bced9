#include "sidecar/spec_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace herd::sidecar {
namespace {

// SPEC.md section 2's example, verbatim.
constexpr std::string_view kSpecExample = R"(apiVersion: herd.dev/v1alpha1
kind: Workload
metadata:
  name: ingest-7            # unique in the cluster; DNS-1123 label, 1-63 chars
  labels: {team: data}
spec:
  runtime: process          # process | container
  command: ["/usr/bin/ingest", "--shard", "7"]
  env: [{name: LOG_LEVEL, value: info}]
  workingDir: /srv
  image: busybox            # container runtime: an OCI bundle / rootfs reference
  restart: permanent        # permanent | transient | temporary
  shutdownTimeoutSeconds: 5 # SIGTERM, then SIGKILL after this; 0 kills at once
  maxRestarts: 3            # restart intensity: more than maxRestarts within
  maxSeconds: 5             #   maxSeconds marks the workload Failed (backoff grows before)
  resources: {memory: 64Mi, pids: 64}   # enforced for containers
)";

// A workload named "w" whose spec holds `spec_lines` (each indented by two spaces).
std::string Doc(std::string_view spec_lines, std::string_view metadata_lines = "") {
  std::string out = "apiVersion: herd.dev/v1alpha1\nkind: Workload\nmetadata:\n  name: w\n";
  out += metadata_lines;
  out += "spec:\n";
  out += spec_lines;
  return out;
}

Status ErrorOf(std::string_view text) {
  Result<std::vector<WorkloadDocument>> r = ParseWorkloadDocuments(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? Status() : r.status();
}

WorkloadSpec Only(std::string_view text) {
  Result<std::vector<WorkloadDocument>> r = ParseWorkloadDocuments(text);
  EXPECT_TRUE(r.ok()) << r.status() << "\n" << text;
  if (!r.ok() || r->size() != 1) {
    ADD_FAILURE() << "expected one document";
    return {};
  }
  return r->front().spec;
}

TEST(SpecParserTest, ParsesTheSpecExample) {
  Result<std::vector<WorkloadDocument>> r = ParseWorkloadDocuments(kSpecExample);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  WorkloadSpec want;
  want.name = "ingest-7";
  want.labels = {{"team", "data"}};
  want.command = {"/usr/bin/ingest", "--shard", "7"};
  want.env = {{"LOG_LEVEL", "info"}};
  want.working_dir = "/srv";
  want.image = "busybox";
  want.resources = {64 << 20, 64};
  EXPECT_EQ(r->front().spec, want);
  EXPECT_EQ(r->front().generation, std::nullopt);
}

TEST(SpecParserTest, DefaultsFillWhatIsLeftOut) {
  WorkloadSpec got = Only("metadata: {name: w}\nspec: {command: [sleep, '10']}\n");
  WorkloadSpec want;
  want.name = "w";
  want.command = {"sleep", "10"};
  EXPECT_EQ(got, want);
  // Null is "not given".
  EXPECT_EQ(Only(Doc("  command: [sleep, '10']\n  restart: ~\n  maxRestarts:\n  runtime: null\n"
                     "  env: ~\n  resources: ~\n")),
            want);
}

TEST(SpecParserTest, ScalarsStayTheTextTheyWere) {
  WorkloadSpec s = Only(
      Doc("  command: [echo, yes, no, on, 1.0, 010, 0x1F, true, ~x, 'null', \"\", 1e3]\n"
          "  env: [{name: A, value: yes}, {name: B, value: 007}, {name: C, value: ~}, {name: D}]\n",
          "  labels: {enabled: 'true', no: yes, y: '1.0'}\n"));
  EXPECT_EQ(s.command, (std::vector<std::string>{"echo", "yes", "no", "on", "1.0", "010", "0x1F",
                                                 "true", "~x", "null", "", "1e3"}));
  EXPECT_EQ(s.env, (std::vector<EnvVar>{{"A", "yes"}, {"B", "007"}, {"C", ""}, {"D", ""}}));
  EXPECT_EQ(s.labels,
            (std::map<std::string, std::string>{{"enabled", "true"}, {"no", "yes"}, {"y", "1.0"}}));
}

TEST(SpecParserTest, AcceptsCopiedKubernetesMetadataAndStatus) {
  Result<std::vector<WorkloadDocument>> r = ParseWorkloadDocuments(
      Doc("  command: [sleep, '1']\n",
          "  namespace: default\n  uid: 9b1c\n  resourceVersion: '42'\n"
          "  creationTimestamp: \"2024-01-01T00:00:00Z\"\n  annotations: {a: b}\n"
          "  generation: 3\n  managedFields: [{manager: kubectl}]\n  finalizers: "
          "[herd.dev/stop]\n") +
      "status:\n  phase: Running\n  owner: herd-0\n  conditions: [{type: Ready}]\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->front().generation, 3);
  EXPECT_EQ(r->front().spec.command, (std::vector<std::string>{"sleep", "1"}));
}

TEST(SpecParserTest, Quantities) {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"64Mi", 64LL << 20}, {"1Gi", 1LL << 30},    {"500M", 500000000},
      {"1000", 1000},       {"1.5Gi", 1610612736}, {"'2Ki'", 2048},
  };
  for (const auto& [text, bytes] : cases) {
    WorkloadSpec s = Only(Doc("  command: [x]\n  resources: {memory: " + text + ", pids: 7}\n"));
    EXPECT_EQ(s.resources.memory_bytes, bytes) << text;
    EXPECT_EQ(s.resources.pids, 7);
  }
}

struct ErrorCase {
  std::string text;
  std::string field;
  std::string message;
};

TEST(SpecParserTest, EveryBadFieldIsNamed) {
  const std::string unsupported_restart =
      "Unsupported value: \"always\": supported values: \"permanent\", \"transient\", "
      "\"temporary\"";
  const std::string cmd = "  command: [x]\n";
  const std::vector<ErrorCase> cases = {
      {Doc("  comand: [x]\n  command: [x]\n"), "spec.comand",
       "document 1 (w): spec.comand: unknown field \"comand\""},
      {Doc(cmd) + "extra: 1\n", "extra", "document 1 (w): extra: unknown field \"extra\""},
      {Doc(cmd, "  nmae: x\n"), "metadata.nmae",
       "document 1 (w): metadata.nmae: unknown field \"nmae\""},
      {Doc(cmd + "  env: [{name: A, valeu: b}]\n"), "spec.env[0].valeu",
       "document 1 (w): spec.env[0].valeu: unknown field \"valeu\""},
      {Doc(cmd + "  resources: {cpu: 1}\n"), "spec.resources.cpu",
       "document 1 (w): spec.resources.cpu: unknown field \"cpu\""},
      {"apiVersion: v1\nmetadata: {name: w}\nspec: {command: [x]}\n", "apiVersion",
       "document 1 (w): apiVersion: Unsupported value: \"v1\": supported values: "
       "\"herd.dev/v1alpha1\""},
      {"kind: Pod\nmetadata: {name: w}\nspec: {command: [x]}\n", "kind",
       "document 1 (w): kind: Unsupported value: \"Pod\": supported values: \"Workload\""},
      {"spec: {command: [x]}\n", "metadata.name", "document 1: metadata.name: Required value"},
      {"metadata: {labels: {a: b}}\nspec: {command: [x]}\n", "metadata.name",
       "document 1: metadata.name: Required value"},
      {"metadata: {name: w}\n", "spec", "document 1 (w): spec: Required value"},
      {"metadata: {name: w}\nspec: [1]\n", "spec",
       "document 1 (w): spec: Invalid type: expected map, got list"},
      {Doc(cmd + "  restart: always\n"), "spec.restart",
       "document 1 (w): spec.restart: " + unsupported_restart},
      {Doc(cmd + "  runtime: vm\n"), "spec.runtime",
       "document 1 (w): spec.runtime: Unsupported value: \"vm\": supported values: \"process\", "
       "\"container\""},
      {Doc(cmd + "  maxRestarts: x\n"), "spec.maxRestarts",
       "document 1 (w): spec.maxRestarts: Invalid type: expected integer, got string \"x\""},
      {Doc(cmd + "  maxRestarts: \"3\"\n"), "spec.maxRestarts",
       "document 1 (w): spec.maxRestarts: Invalid type: expected integer, got string \"3\""},
      {Doc(cmd + "  maxRestarts: 3.5\n"), "spec.maxRestarts",
       "document 1 (w): spec.maxRestarts: Invalid type: expected integer, got number 3.5"},
      {Doc(cmd + "  maxRestarts: 1e99\n"), "spec.maxRestarts",
       "document 1 (w): spec.maxRestarts: Invalid type: expected integer, got number 1e99"},
      {Doc(cmd + "  maxRestarts: true\n"), "spec.maxRestarts",
       "document 1 (w): spec.maxRestarts: Invalid type: expected integer, got boolean true"},
      {Doc(cmd + "  maxRestarts: yes\n"), "spec.maxRestarts",
       "document 1 (w): spec.maxRestarts: Invalid type: expected integer, got string \"yes\""},
      {Doc(cmd + "  maxRestarts: [1]\n"), "spec.maxRestarts",
       "document 1 (w): spec.maxRestarts: Invalid type: expected integer, got list"},
      {Doc(cmd + "  maxRestarts: {a: 1}\n"), "spec.maxRestarts",
       "document 1 (w): spec.maxRestarts: Invalid type: expected integer, got map"},
      {Doc(cmd + "  maxRestarts: 99999999999\n"), "spec.maxRestarts",
       "document 1 (w): spec.maxRestarts: Invalid value: 99999999999: must be between 0 and "
       "10000, inclusive"},
      {Doc(cmd + "  maxSeconds: -99999999999999999999999\n"), "spec.maxSeconds",
       "document 1 (w): spec.maxSeconds: Invalid value: -99999999999999999999999: must be "
       "between 1 and 86400, inclusive"},
      {Doc(cmd + "  maxRestarts: 20000\n"), "spec.maxRestarts",
       "document 1 (w): spec.maxRestarts: Invalid value: 20000: must be between 0 and 10000, "
       "inclusive"},
      {Doc(cmd + "  shutdownTimeoutSeconds: -1\n"), "spec.shutdownTimeoutSeconds",
       "document 1 (w): spec.shutdownTimeoutSeconds: Invalid value: -1: must be between 0 and "
       "3600, inclusive"},
      {Doc(cmd + "  image: {a: b}\n"), "spec.image",
       "document 1 (w): spec.image: Invalid type: expected string, got map"},
      {Doc(cmd + "  workingDir: [a]\n"), "spec.workingDir",
       "document 1 (w): spec.workingDir: Invalid type: expected string, got list"},
      {Doc("  command: sleep 10\n"), "spec.command",
       "document 1 (w): spec.command: Invalid type: expected list, got string \"sleep 10\""},
      {Doc("  command: [sleep, [1]]\n"), "spec.command[1]",
       "document 1 (w): spec.command[1]: Invalid type: expected string, got list"},
      {Doc("  command: [sleep, ~]\n"), "spec.command[1]",
       "document 1 (w): spec.command[1]: Invalid type: expected string, got null"},
      {Doc("  command: ['', x]\n"), "spec.command[0]",
       "document 1 (w): spec.command[0]: Required value: must name the program to run"},
      {Doc("  command: []\n"), "spec.command",
       "document 1 (w): spec.command: Required value: a process workload needs a command"},
      {Doc(cmd + "  env: {A: b}\n"), "spec.env",
       "document 1 (w): spec.env: Invalid type: expected list, got map"},
      {Doc(cmd + "  env: [A]\n"), "spec.env[0]",
       "document 1 (w): spec.env[0]: Invalid type: expected map, got string \"A\""},
      {Doc(cmd + "  env: [{name: A}, {name: A, value: x}]\n"), "spec.env[1].name",
       "document 1 (w): spec.env[1].name: Duplicate value: \"A\""},
      {Doc(cmd + "  env: [{name: 'A B'}]\n"), "spec.env[0].name",
       "document 1 (w): spec.env[0].name: Invalid value: \"A B\": a valid environment variable "
       "name must consist of alphabetic characters, digits or '_', and must not start with a "
       "digit"},
      {Doc(cmd, "  labels: [a]\n"), "metadata.labels",
       "document 1 (w): metadata.labels: Invalid type: expected map, got list"},
      {Doc(cmd, "  labels: {team: {x: y}}\n"), "metadata.labels.team",
       "document 1 (w): metadata.labels.team: Invalid type: expected string, got map"},
      {Doc(cmd, "  labels: {team: 'a b'}\n"), "metadata.labels",
       "document 1 (w): metadata.labels: Invalid value: \"a b\": a label value must be empty or "
       "at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric"},
      {Doc(cmd + "  resources: {memory: 64Mx}\n"), "spec.resources.memory",
       "document 1 (w): spec.resources.memory: Invalid value: \"64Mx\": must be a quantity such "
       "as 64Mi, 1Gi, 500M or 1000"},
      {Doc(cmd + "  resources: {memory: 1e99}\n"), "spec.resources.memory",
       "document 1 (w): spec.resources.memory: Invalid value: \"1e99\": is too large for a "
       "64-bit integer"},
      {Doc(cmd + "  resources: {memory: -1Mi}\n"), "spec.resources.memory",
       "document 1 (w): spec.resources.memory: Invalid value: -1048576: must be greater than or "
       "equal to 0"},
      {Doc(cmd + "  resources: {memory: [1]}\n"), "spec.resources.memory",
       "document 1 (w): spec.resources.memory: Invalid type: expected string, got list"},
      {Doc(cmd + "  resources: {pids: 1.5}\n"), "spec.resources.pids",
       "document 1 (w): spec.resources.pids: Invalid type: expected integer, got number 1.5"},
      {Doc(cmd + "  resources: [1]\n"), "spec.resources",
       "document 1 (w): spec.resources: Invalid type: expected map, got list"},
      {Doc(cmd, "  generation: -1\n"), "metadata.generation",
       "document 1 (w): metadata.generation: Invalid value: -1: must be greater than or equal to "
       "0"},
      {Doc(cmd, "  generation: abc\n"), "metadata.generation",
       "document 1 (w): metadata.generation: Invalid type: expected integer, got string \"abc\""},
      {Doc(cmd + "  command: [y]\n"), "spec.command",
       "document 1 (w): spec.command: duplicate field \"command\""},
      {"metadata: {name: Bad_Name}\nspec: {command: [x]}\n", "metadata.name",
       "document 1 (\"Bad_Name\"): metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC "
       "1123 label must consist of lower case alphanumeric characters or '-', and must start "
       "and end with an alphanumeric character (e.g. 'my-name', or '123-abc')"},
      {"metadata: {name: {a: b}}\nspec: {command: [x]}\n", "metadata.name",
       "document 1: metadata.name: Invalid type: expected string, got map"},
      {Doc(cmd + "  workingDir: srv\n"), "spec.workingDir",
       "document 1 (w): spec.workingDir: Invalid value: \"srv\": must be an absolute path"},
      {"metadata: {name: w}\nspec: {runtime: container}\n", "spec.image",
       "document 1 (w): spec.image: Required value: a container workload needs an image"},
      {"hello\n", "", "document 1: expected a Workload object (a map), got string \"hello\""},
      {"42\n", "", "document 1: expected a Workload object (a map), got number 42"},
      {"[[1]]\n", "", "document 1: expected a Workload object (a map), got list"},
      // Every error of one document is listed; the field is the first.
      {Doc("  comand: [x]\n  restart: always\n"), "spec.comand",
       "document 1 (w): spec.comand: unknown field \"comand\"; document 1 (w): spec.restart: " +
           unsupported_restart +
           "; document 1 (w): spec.command: Required value: a process workload needs a command"},
  };
  for (const ErrorCase& c : cases) {
    Status s = ErrorOf(c.text);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.text;
    EXPECT_EQ(s.field(), c.field) << c.text;
    EXPECT_EQ(s.message(), c.message) << c.text;
  }
}

TEST(SpecParserTest, MultiDocumentIsAllOrNothing) {
  const std::string text =
      "metadata: {name: ingest-7}\nspec: {command: [x], restart: always}\n"
      "---\n"
      "metadata: {name: fine}\nspec: {command: [x]}\n"
      "---\n"
      "metadata: {}\nspec: {command: [x], maxRestarts: x}\n";
  Status s = ErrorOf(text);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "spec.restart");
  EXPECT_EQ(s.message(),
            "document 1 (ingest-7): spec.restart: Unsupported value: \"always\": supported "
            "values: \"permanent\", \"transient\", \"temporary\"; document 3: spec.maxRestarts: "
            "Invalid type: expected integer, got string \"x\"; document 3: metadata.name: "
            "Required value");
}

TEST(SpecParserTest, MultiDocumentSkipsEmptyDocuments) {
  Result<std::vector<WorkloadDocument>> r = ParseWorkloadDocuments(
      "---\n---\nmetadata: {name: a}\nspec: {command: [x]}\n---\n# nothing\n---\n"
      "metadata: {name: b, generation: 2}\nspec: {command: [y]}\n---\n");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].spec.name, "a");
  EXPECT_EQ((*r)[1].spec.name, "b");
  EXPECT_EQ((*r)[1].generation, 2);
  // Numbering counts workloads, not the empty documents between them.
  Status s = ErrorOf(
      "---\n---\nmetadata: {name: a}\nspec: {command: [x]}\n---\n---\n"
      "metadata: {name: b}\nspec: {command: [x], restart: x}\n");
  EXPECT_TRUE(s.message().starts_with("document 2 (b): spec.restart:")) << s;
}

TEST(SpecParserTest, NamesAreUniqueWithinARequest) {
  Status s = ErrorOf(
      "metadata: {name: a}\nspec: {command: [x]}\n---\nmetadata: {name: a}\nspec: {command: "
      "[y]}\n");
  EXPECT_EQ(s.field(), "metadata.name");
  EXPECT_EQ(s.message(), "document 2 (a): metadata.name: Duplicate value: \"a\"");
}

TEST(SpecParserTest, Json) {
  WorkloadSpec s =
      Only(R"({"apiVersion":"herd.dev/v1alpha1","kind":"Workload","metadata":{"name":"j"},)"
           R"("spec":{"command":["echo","\ud83d\ude00 \u00e9"],"maxRestarts":7,)"
           R"("resources":{"memory":"1Gi","pids":3}}})");
  EXPECT_EQ(s.command, (std::vector<std::string>{"echo", "\xF0\x9F\x98\x80 \xC3\xA9"}));
  EXPECT_EQ(s.max_restarts, 7);
  EXPECT_EQ(s.resources.memory_bytes, 1LL << 30);
  EXPECT_EQ(
      ErrorOf(R"({"metadata":{"name":"j"},"spec":{"command":["x"],"maxRestarts":"3"}})").message(),
      "document 1 (j): spec.maxRestarts: Invalid type: expected integer, got string \"3\"");
  EXPECT_EQ(
      ErrorOf(R"({"metadata":{"name":"j"},"spec":{"command":["x"],"maxRestarts":3.0}})").message(),
      "document 1 (j): spec.maxRestarts: Invalid type: expected integer, got number 3.0");
  EXPECT_EQ(
      ErrorOf(R"({"metadata":{"name":"j"},"spec":{"command":["x"],"maxRestarts":1e2}})").message(),
      "document 1 (j): spec.maxRestarts: Invalid type: expected integer, got number 1e2");
  EXPECT_EQ(ErrorOf(R"({"metadata":{"name":"j"},"spec":{"command":["x"],"image":null,)"
                    R"("comand":1}})")
                .field(),
            "spec.comand");
}

TEST(SpecParserTest, JsonArraysAndLists) {
  const std::string a = R"({"metadata":{"name":"a"},"spec":{"command":["x"]}})";
  const std::string b = R"({"metadata":{"name":"b"},"spec":{"command":["y"]}})";
  for (const std::string& text :
       {"[" + a + "," + b + "]",
        R"({"kind":"WorkloadList","apiVersion":"herd.dev/v1alpha1","metadata":{"continue":""},)"
        R"("items":[)" +
            a + "," + b + "]}",
        "apiVersion: v1\nkind: List\nitems:\n- " + a + "\n- " + b + "\n"}) {
    Result<std::vector<WorkloadDocument>> r = ParseWorkloadDocuments(text);
    ASSERT_TRUE(r.ok()) << r.status() << "\n" << text;
    ASSERT_EQ(r->size(), 2u);
    EXPECT_EQ((*r)[0].spec.name, "a");
    EXPECT_EQ((*r)[1].spec.name, "b");
  }
  Status s = ErrorOf(R"({"kind":"WorkloadList","items":[)" + a +
                     R"(,{"metadata":{"name":"c"},)"
                     R"("spec":{"restart":"x","command":["z"]}}]})");
  EXPECT_TRUE(s.message().starts_with("document 2 (c): spec.restart: Unsupported value")) << s;
  s = ErrorOf(R"({"kind":"WorkloadList","items":{},"extra":1})");
  EXPECT_EQ(s.message(),
            "list: items: Invalid type: expected list, got map; list: extra: unknown field "
            "\"extra\"");
}

TEST(SpecParserTest, SyntaxErrors) {
  Status s = ErrorOf("metadata: {name: w\nspec: [\n");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(s.message().starts_with("invalid YAML at line ")) << s;
  s = ErrorOf("a: b\n c: d\n");
  EXPECT_TRUE(s.message().starts_with("invalid YAML at line 2, column ")) << s;
  s = ErrorOf(R"({"metadata": {"name": "w"})");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(s.message().starts_with("invalid JSON: parse error at line 1, column ")) << s;
  // yaml-cpp 0.7 loops forever on this one (empty documents, no progress): caught at once.
  s = ErrorOf(",metadata\xbe \n c: d\n");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "invalid YAML at line 1, column 1: cannot parse past this point");
  // Flow YAML that merely starts like JSON is read as YAML.
  EXPECT_EQ(Only("{metadata: {name: f}, spec: {command: [x]}}").name, "f");
}

TEST(SpecParserTest, NothingToApply) {
  for (std::string_view text : {"", "\n", "---\n---\n", "# only a comment\n", "[]", "~\n",
                                "{\"kind\": \"WorkloadList\", \"items\": []}"}) {
    Status s = ErrorOf(text);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(s.message(), "no workload documents in the input") << text;
  }
}

TEST(SpecParserTest, Limits) {
  // Too many workloads.
  std::string many;
  for (size_t i = 0; i <= kMaxDocuments; ++i) {
    many += "---\nmetadata: {name: w" + std::to_string(i) + "}\nspec: {command: [x]}\n";
  }
  Status s = ErrorOf(many);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "more than 1000 workloads in one request");

  // Too large.
  s = ErrorOf(std::string(kMaxSpecInputBytes + 1, ' '));
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "input of 8388609 bytes is larger than 8388608");

  // Too deep, in YAML and JSON.
  s = ErrorOf(std::string(33, '[') + std::string(33, ']'));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "nesting deeper than 32 levels");
  s = ErrorOf("a: " + std::string(40, '[') + std::string(40, ']'));
  EXPECT_EQ(s.message(), "at line 1, column 35: nesting deeper than 32 levels");
  s = ErrorOf(std::string(100000, '['));
  EXPECT_EQ(s.message(), "nesting deeper than 32 levels");
  EXPECT_TRUE(
      ParseWorkloadDocuments(std::string(32, '[') + std::string(32, ']')).status().message() ==
      "document 1: expected a Workload object (a map), got list");

  // A YAML bomb: each level doubles; aliases are shared, but counted as expanded.
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
    for (int j = 0; j < 9; ++j) bomb += ", " + prev;
    bomb += "]\n";
  }
  s = ErrorOf(bomb);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "input has more than 100000 nodes (aliases expanded)");

  // Aliases within the limits are fine.
  WorkloadSpec spec = Only("metadata: {name: &n w}\nspec: {command: [*n, *n]}\n");
  EXPECT_EQ(spec.command, (std::vector<std::string>{"w", "w"}));
}

TEST(SpecParserTest, MalformedStructure) {
  Status s = ErrorOf("a: &x [1, *x]\n");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "at line 1, column 11: alias refers to a node that contains it");
  s = ErrorOf("? [a]\n: b\n");
  EXPECT_EQ(s.message(), "at line 1, column 3: map keys must be strings, got list");
}

TEST(SpecParserTest, ErrorListIsCapped) {
  std::string text;
  for (int i = 0; i < 60; ++i) {
    text += "---\nmetadata: {name: w" + std::to_string(i) + "}\nspec: {command: [x], bad: 1}\n";
  }
  Status s = ErrorOf(text);
  EXPECT_TRUE(s.message().ends_with("; and 10 more errors")) << s;
  EXPECT_EQ(s.field(), "spec.bad");
}

TEST(SpecParserTest, ParseWorkloadObject) {
  nlohmann::json object = {
      {"apiVersion", "herd.dev/v1alpha1"},
      {"kind", "Workload"},
      {"metadata", {{"name", "cr"}, {"generation", 4}, {"uid", "u"}}},
      {"spec", {{"command", {"sleep", "5"}}, {"restart", "transient"}}},
      {"status", {{"phase", "Running"}}},
  };
  Result<WorkloadDocument> r = ParseWorkloadObject(object);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->spec.name, "cr");
  EXPECT_EQ(r->spec.restart, RestartPolicy::kTransient);
  EXPECT_EQ(r->generation, 4);
  object["spec"]["restart"] = "never";
  r = ParseWorkloadObject(object);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "spec.restart");
  EXPECT_EQ(r.status().message(),
            "spec.restart: Unsupported value: \"never\": supported values: \"permanent\", "
            "\"transient\", \"temporary\"");
}

}  // namespace
}  // namespace herd::sidecar
