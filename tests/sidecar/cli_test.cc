// The `herd` CLI against a canned agent on loopback: every command's requests, output formats
// and exit codes, apply's local validation and chunking, and how errors read.
#include "sidecar/cli.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sidecar/cli_format.h"
#include "sidecar/spec_parser.h"
#include "sidecar/version.h"
#include "tests/sidecar/cli_test_server.h"

namespace herd::sidecar {
namespace {

using testing::CliTestServer;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

std::string Doc(const std::string& name, const std::string& restart = "permanent") {
  return "apiVersion: herd.dev/v1alpha1\nkind: Workload\nmetadata:\n  name: " + name +
         "\nspec:\n  command: [\"/bin/sleep\", \"100\"]\n  restart: " + restart + "\n";
}

nlohmann::json Object(const std::string& name, const std::string& phase, const std::string& owner,
                      int restarts, const std::string& created) {
  return {{"apiVersion", "herd.dev/v1alpha1"},
          {"kind", "Workload"},
          {"metadata", {{"name", name}, {"generation", 1}, {"creationTimestamp", created}}},
          {"spec", {{"command", {"/bin/sleep", "100"}}}},
          {"status", {{"phase", phase}, {"owner", owner}, {"restarts", restarts}}}};
}

// A directory under /tmp, removed afterwards.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/herd_cli_test.XXXXXX";
    if (char* p = ::mkdtemp(tmpl)) path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string path = path_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_["HERD_SERVER"] = server_.url();
    now_ms_ = *ParseRfc3339Millis("2026-11-26T09:00:00Z");
    // Apply answers "created" for every workload it is sent, as the agent would.
    server_.On("POST", "/v1/workloads", [](const HttpRequest& req) {
      auto docs = ParseWorkloadDocuments(req.body);
      if (!docs.ok()) return ErrorResponse(400, "Invalid", docs.status().message());
      nlohmann::json items = nlohmann::json::array();
      for (const auto& d : *docs) items.push_back({{"name", d.spec.name}, {"result", "created"}});
      return JsonResponse(201, nlohmann::json{{"kind", "ApplyResult"}, {"items", items}}.dump());
    });
  }

  CliRun Run(std::vector<std::string> args, const std::string& stdin_text = "") {
    std::istringstream in(stdin_text);
    std::ostringstream out, err;
    CliIo io{in, out, err,
             [this](const char* name) -> std::optional<std::string> {
               auto it = env_.find(name);
               if (it == env_.end()) return std::nullopt;
               return it->second;
             },
             [this] { return now_ms_; }};
    CliRun r;
    r.code = RunCli(args, io);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  std::vector<HttpRequest> Requests(const std::string& method) {
    std::vector<HttpRequest> out;
    for (HttpRequest& r : server_.requests()) {
      if (r.method == method) out.push_back(std::move(r));
    }
    return out;
  }

  CliTestServer server_;
  std::map<std::string, std::string> env_;
  int64_t now_ms_ = 0;
  TempDir dir_;
};

// --- version, server selection, transport errors -------------------------------------------

TEST_F(CliTest, VersionPrintsClientAndServer) {
  server_.OnJson("GET", "/version", 200, R"({"version":"9.9.9"})");
  CliRun r = Run({"version"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "Client Version: " + std::string(HerdVersion()) + "\nServer Version: 9.9.9\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(CliTest, VersionClientOnlySendsNothing) {
  CliRun r = Run({"version", "--client"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "Client Version: " + std::string(HerdVersion()) + "\n");
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(CliTest, UnreachableServerPrintsClientLineThenError) {
  const std::string dead = "http://127.0.0.1:" + std::to_string(testing::ClosedPort());
  env_["HERD_SERVER"] = dead;
  CliRun r = Run({"version"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "Client Version: " + std::string(HerdVersion()) + "\n");
  EXPECT_THAT(r.err, StartsWith("error: cannot reach " + dead + ": "));
  EXPECT_THAT(r.err, HasSubstr("--server"));
  EXPECT_THAT(r.err, HasSubstr("HERD_SERVER"));
}

TEST_F(CliTest, ServerFlagBeatsEnvironmentAnywhereOnTheLine) {
  server_.OnJson("POST", "/v1/rebalance", 202, R"({"kind":"RebalanceResult","result":"started"})");
  env_["HERD_SERVER"] = "http://127.0.0.1:" + std::to_string(testing::ClosedPort());
  CliRun before = Run({"--server", server_.url(), "rebalance"});
  EXPECT_EQ(before.code, 0) << before.err;
  CliRun after = Run({"rebalance", "--server=" + server_.url()});
  EXPECT_EQ(after.code, 0) << after.err;
  EXPECT_EQ(after.out, "rebalance started\n");
  EXPECT_EQ(Requests("POST").size(), 2u);
  CliRun env_only = Run({"rebalance"});
  EXPECT_EQ(env_only.code, 1);
  EXPECT_THAT(env_only.err, StartsWith("error: cannot reach " + env_["HERD_SERVER"]));
}

TEST_F(CliTest, BadServerUrlNamesTheFlag) {
  env_.erase("HERD_SERVER");
  CliRun r = Run({"rebalance", "--server", "ftp://x"});  // a bad URL names the flag
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, StartsWith("error: --server: "));
}

TEST_F(CliTest, TokenIsSentAsBearer) {
  server_.OnJson("POST", "/v1/rebalance", 202, "{}");
  env_["HERD_TOKEN"] = "from-env";
  ASSERT_EQ(Run({"rebalance"}).code, 0);
  ASSERT_EQ(Run({"rebalance", "--token", "from-flag"}).code, 0);
  auto reqs = Requests("POST");
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].headers.Get("Authorization").value_or(""), "Bearer from-env");
  EXPECT_EQ(reqs[1].headers.Get("Authorization").value_or(""), "Bearer from-flag");
}

// --- usage and exit codes -------------------------------------------------------------------

TEST_F(CliTest, UsageErrorsExitTwo) {
  CliRun unknown = Run({"frobnicate"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_THAT(unknown.err, StartsWith("error: unknown command \"frobnicate\" for \"herd\""));
  EXPECT_THAT(unknown.err, HasSubstr("Usage:"));
  EXPECT_EQ(unknown.out, "");

  CliRun flag = Run({"get", "workloads", "--bogus"});
  EXPECT_EQ(flag.code, 2);
  EXPECT_THAT(flag.err, StartsWith("error: unknown flag: --bogus\n"));
  EXPECT_THAT(flag.err, HasSubstr("herd get workloads"));

  EXPECT_EQ(Run({"--bogus", "get"}).code, 2);
  EXPECT_EQ(Run({}).code, 2);
  EXPECT_EQ(Run({"apply"}).code, 2);
  EXPECT_EQ(Run({"get", "workloads", "-o", "xml"}).code, 2);
  EXPECT_EQ(Run({"get", "pods"}).code, 2);
  EXPECT_EQ(Run({"logs"}).code, 2);
  EXPECT_EQ(Run({"logs", "x", "--tail", "abc"}).code, 2);
  EXPECT_EQ(Run({"members", "set", "nonsense"}).code, 2);
  EXPECT_EQ(Run({"status", "--timeout", "10x"}).code, 2);
  EXPECT_EQ(Run({"get", "--server"}).code, 2);
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(CliTest, HelpGoesToStdoutAndExitsZero) {
  CliRun top = Run({"--help"});
  EXPECT_EQ(top.code, 0);
  EXPECT_THAT(top.out, HasSubstr("apply"));
  CliRun cmd = Run({"apply", "-h"});
  EXPECT_EQ(cmd.code, 0);
  EXPECT_THAT(cmd.out, HasSubstr("herd apply -f FILE|DIR|-"));
  EXPECT_EQ(Run({"help", "get"}).code, 0);
}

// --- apply ----------------------------------------------------------------------------------

TEST_F(CliTest, ApplyFileSendsItsTextAndPrintsResults) {
  server_.On("POST", "/v1/workloads", [](const HttpRequest&) {
    return JsonResponse(200, R"({"kind":"ApplyResult","items":[
      {"name":"a","result":"created"},{"name":"b","result":"configured"},
      {"name":"c","result":"unchanged"}]})");
  });
  const std::string text = Doc("a") + "---\n" + Doc("b") + "---\n" + Doc("c");
  const std::string path = dir_.Write("abc.yaml", text);
  CliRun r = Run({"apply", "-f", path});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "workload/a created\nworkload/b configured\nworkload/c unchanged\n");
  auto posts = Requests("POST");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].body, text);
  EXPECT_EQ(posts[0].headers.Get("Content-Type").value_or(""), "application/yaml");
}

TEST_F(CliTest, ApplyDirectoryInNameOrderAndRecursive) {
  dir_.Write("w/b.yaml", Doc("b"));
  dir_.Write("w/a.yml", Doc("a"));
  dir_.Write("w/c.json", WorkloadToJson(ParseWorkloadDocuments(Doc("c"))->front().spec).dump());
  dir_.Write("w/notes.txt", "not a workload");
  dir_.Write("w/sub/d.yaml", Doc("d"));
  CliRun flat = Run({"apply", "-f", dir_.path() + "/w"});
  EXPECT_EQ(flat.code, 0) << flat.err;
  EXPECT_EQ(flat.out, "workload/a created\nworkload/b created\nworkload/c created\n");
  auto posts = Requests("POST");
  ASSERT_EQ(posts.size(), 3u);
  EXPECT_EQ(posts[2].headers.Get("Content-Type").value_or(""), "application/json");

  server_.ClearRequests();
  CliRun deep = Run({"apply", "-R", "-f", dir_.path() + "/w"});
  EXPECT_EQ(deep.code, 0) << deep.err;
  EXPECT_EQ(deep.out,
            "workload/a created\nworkload/b created\nworkload/c created\nworkload/d created\n");
  EXPECT_EQ(Requests("POST").size(), 4u);
}

TEST_F(CliTest, ApplyFromStdinAndSeveralFiles) {
  const std::string e = dir_.Write("e.yaml", Doc("e"));
  CliRun r = Run({"apply", "-f", "-", "-f", e}, Doc("s"));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "workload/s created\nworkload/e created\n");
  auto posts = Requests("POST");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].body, Doc("s"));
}

TEST_F(CliTest, ApplyValidatesEveryFileFirstAndSendsNothingOnError) {
  dir_.Write("v/a.yaml", Doc("a"));
  const std::string bad = dir_.Write("v/b.yaml", Doc("b", "always"));
  CliRun r = Run({"apply", "-f", dir_.path() + "/v"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, StartsWith("error: " + bad +
                                ": document 1 (b): spec.restart: Unsupported "
                                "value: \"always\""));
  EXPECT_TRUE(server_.requests().empty());

  CliRun missing = Run({"apply", "-f", dir_.path() + "/nope.yaml"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err, "error: the path \"" + dir_.path() + "/nope.yaml\" does not exist\n");
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(CliTest, ApplyOverAThousandDocumentsIsSentInChunks) {
  std::string text;
  for (int i = 0; i < 1500; ++i) text += "---\n" + Doc("w-" + std::to_string(i));
  const std::string path = dir_.Write("many.yaml", text);
  CliRun r = Run({"apply", "-f", path});
  EXPECT_EQ(r.code, 0) << r.err;
  auto posts = Requests("POST");
  ASSERT_EQ(posts.size(), 2u);
  auto first = nlohmann::json::parse(posts[0].body);
  auto second = nlohmann::json::parse(posts[1].body);
  EXPECT_EQ(first["kind"], "WorkloadList");
  EXPECT_EQ(first["items"].size(), 1000u);
  EXPECT_EQ(second["items"].size(), 500u);
  EXPECT_EQ(second["items"][0]["metadata"]["name"], "w-1000");
  EXPECT_EQ(posts[0].headers.Get("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1500);
  EXPECT_THAT(r.out, HasSubstr("workload/w-1499 created\n"));
}

TEST_F(CliTest, ApplyChunkedErrorsNumberDocumentsAcrossTheFile) {
  std::string text;
  for (int i = 1; i <= 1200; ++i) {
    text += "---\n" + Doc("w-" + std::to_string(i), i == 1150 ? "always" : "permanent");
  }
  text += "---\n" + Doc("w-3");  // a duplicate across chunks
  const std::string path = dir_.Write("many.yaml", text);
  CliRun r = Run({"apply", "-f", path});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, StartsWith("error: " + path + ": document 1150 (w-1150): spec.restart: "));
  EXPECT_TRUE(server_.requests().empty());

  std::string dup;
  for (int i = 1; i <= 1001; ++i) dup += "---\n" + Doc("w-" + std::to_string(i == 1001 ? 1 : i));
  CliRun d = Run({"apply", "-f", dir_.Write("dup.yaml", dup)});
  EXPECT_EQ(d.code, 1);
  EXPECT_THAT(d.err, HasSubstr("document 1001 (w-1): metadata.name: Duplicate value: \"w-1\""));
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(CliTest, ApplyServerErrorNamesTheFile) {
  server_.On("POST", "/v1/workloads", [](const HttpRequest&) {
    return ErrorResponse(409, "Conflict", "workload \"a\" is at generation 3, not 2",
                         "metadata.generation");
  });
  const std::string path = dir_.Write("a.yaml", Doc("a"));
  CliRun r = Run({"apply", "-f", path});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Error from server (Conflict): error when applying \"" + path +
                       "\": workload \"a\" is at generation 3, not 2\n");
}

// --- get ------------------------------------------------------------------------------------

class CliGetTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    nlohmann::json a = Object("ingest-7", "Running", "member-1", 0, "2026-11-26T08:59:15Z");
    a["status"]["pid"] = 4242;
    nlohmann::json b = Object("b", "Backoff", "member-22", 12, "2026-11-26T08:56:48Z");
    b["status"]["message"] = "exited with code 1";
    nlohmann::json c = Object("c", "Pending", "", 0, "2026-11-26T04:00:00Z");
    c["status"].erase("owner");
    nlohmann::json d = Object("d", "Running", "member-3", 1, "2026-11-23T09:00:00Z");
    d["status"]["containerId"] = "herd-d-1";
    // Two pages: the first ends with a continue token.
    server_.On("GET", "/v1/workloads", [a, b, c, d](const HttpRequest& req) {
      nlohmann::json page = {{"kind", "WorkloadList"}, {"metadata", nlohmann::json::object()}};
      if (req.Query("continue").value_or("") == "") {
        page["items"] = {a, b};
        page["metadata"]["continue"] = "next/page 2";
      } else {
        page["items"] = {c, d};
      }
      return JsonResponse(200, page.dump());
    });
    server_.On("GET", "/v1/workloads/{name}", [a](const HttpRequest& req) {
      if (req.Param("name") == "ingest-7") return JsonResponse(200, a.dump());
      return ErrorResponse(404, "NotFound",
                           "workload \"" + std::string(req.Param("name")) + "\" not found");
    });
  }
};

TEST_F(CliGetTest, TablePagesThroughTheListAndAlignsColumns) {
  CliRun r = Run({"get", "workloads"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "NAME       PHASE     OWNER       RESTARTS   AGE\n"
            "ingest-7   Running   member-1    0          45s\n"
            "b          Backoff   member-22   12         3m12s\n"
            "c          Pending   <none>      0          5h\n"
            "d          Running   member-3    1          3d\n");
  auto gets = Requests("GET");
  ASSERT_EQ(gets.size(), 2u);
  EXPECT_EQ(gets[0].target, "/v1/workloads?limit=500");
  EXPECT_EQ(gets[1].Query("continue").value_or(""), "next/page 2");
  EXPECT_EQ(gets[1].Query("limit").value_or(""), "500");
}

TEST_F(CliGetTest, WideAddsPidGenerationMessage) {
  CliRun r = Run({"get", "wl", "-o", "wide"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "NAME       PHASE     OWNER       RESTARTS   AGE     PID        GENERATION   MESSAGE\n"
            "ingest-7   Running   member-1    0          45s     4242       1            <none>\n"
            "b          Backoff   member-22   12         3m12s   <none>     1            "
            "exited with code 1\n"
            "c          Pending   <none>      0          5h      <none>     1            <none>\n"
            "d          Running   member-3    1          3d      herd-d-1   1            <none>\n");
}

TEST_F(CliGetTest, OneByNameAsYamlJsonAndName) {
  CliRun yaml = Run({"get", "workload", "ingest-7", "-o", "yaml"});
  EXPECT_EQ(yaml.code, 0) << yaml.err;
  EXPECT_THAT(yaml.out, StartsWith("apiVersion: herd.dev/v1alpha1\nkind: Workload\n"));
  EXPECT_THAT(yaml.out, HasSubstr("  pid: 4242\n"));
  // What get -o yaml prints applies again.
  auto docs = ParseWorkloadDocuments(yaml.out);
  ASSERT_TRUE(docs.ok()) << docs.status();
  EXPECT_EQ(docs->front().spec.name, "ingest-7");

  CliRun json = Run({"get", "workload/ingest-7", "-ojson"});
  EXPECT_EQ(json.code, 0) << json.err;
  EXPECT_THAT(json.out, StartsWith("{\n  \"apiVersion\": \"herd.dev/v1alpha1\",\n"));
  EXPECT_EQ(nlohmann::json::parse(json.out)["status"]["pid"], 4242);

  CliRun name = Run({"get", "workloads", "-o", "name"});
  EXPECT_EQ(name.out, "workload/ingest-7\nworkload/b\nworkload/c\nworkload/d\n");
}

TEST_F(CliGetTest, ListAsYamlIsAWorkloadList) {
  CliRun r = Run({"get", "workloads", "--output=yaml"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("kind: WorkloadList\n"));
  auto docs = ParseWorkloadDocuments(r.out);
  ASSERT_TRUE(docs.ok()) << docs.status();
  EXPECT_EQ(docs->size(), 4u);
  CliRun j = Run({"get", "workloads", "-o", "json"});
  EXPECT_EQ(nlohmann::json::parse(j.out)["items"].size(), 4u);
}

TEST_F(CliGetTest, NotFoundReadsLikeKubectl) {
  CliRun r = Run({"get", "workloads", "x"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "Error from server (NotFound): workload \"x\" not found\n");
}

TEST_F(CliGetTest, EmptyListSaysNoResourcesOnStderr) {
  server_.OnJson("GET", "/v1/workloads", 200,
                 R"({"kind":"WorkloadList","metadata":{},"items":[]})");
  CliRun r = Run({"get", "workloads", "-l", "team=data,tier=db"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "No resources found.\n");
  auto gets = Requests("GET");
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_EQ(gets[0].Query("label").value_or(""), "team=data,tier=db");
}

TEST_F(CliGetTest, ServerErrorWithoutJsonBody) {
  server_.On("GET", "/v1/workloads", [](const HttpRequest&) {
    HttpResponse r;
    r.status = 503;
    r.body = "upstream down\n";
    return r;
  });
  CliRun r = Run({"get", "workloads"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Error from server (503 Service Unavailable): upstream down\n");
}

TEST_F(CliTest, GetMembersTableAndWide) {
  server_.OnJson("GET", "/v1/members", 200, R"({"kind":"MemberList","self":"b","quorum":true,
    "items":[{"name":"a","address":"127.0.0.1:7946","status":"alive","incarnation":3,"declared":true},
             {"name":"b","address":"127.0.0.1:17946","status":"shutting_down","incarnation":12,
              "declared":true}]})");
  CliRun r = Run({"get", "members"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "NAME   STATUS          ADDRESS           INCARNATION\n"
            "a      alive           127.0.0.1:7946    3\n"
            "b      shutting_down   127.0.0.1:17946   12\n");
  CliRun w = Run({"get", "member", "b", "-o", "wide"});
  EXPECT_EQ(w.out,
            "NAME   STATUS          ADDRESS           INCARNATION   SELF   DECLARED\n"
            "b      shutting_down   127.0.0.1:17946   12            true   true\n");
  CliRun j = Run({"get", "members", "a", "-o", "json"});
  EXPECT_EQ(nlohmann::json::parse(j.out)["incarnation"], 3);
  CliRun missing = Run({"get", "members", "zz"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err, "Error from server (NotFound): member \"zz\" not found\n");
}

// --- delete, logs, status, members set ------------------------------------------------------

TEST_F(CliTest, DeleteTriesEveryNameAndReportsMisses) {
  server_.On("DELETE", "/v1/workloads/{name}", [](const HttpRequest& req) {
    std::string name(req.Param("name"));
    if (name == "gone") return ErrorResponse(404, "NotFound", "workload \"gone\" not found");
    return JsonResponse(200, R"({"kind":"DeleteResult","result":"deleted"})");
  });
  CliRun r = Run({"delete", "workload", "a", "gone", "b"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "workload/a deleted\nworkload/b deleted\n");
  EXPECT_EQ(r.err, "Error from server (NotFound): workload \"gone\" not found\n");
  EXPECT_EQ(Requests("DELETE").size(), 3u);

  CliRun slash = Run({"delete", "workload/c", "workload/d"});
  EXPECT_EQ(slash.code, 0) << slash.err;
  EXPECT_EQ(slash.out, "workload/c deleted\nworkload/d deleted\n");

  const std::string file = dir_.Write("x.yaml", Doc("x") + "---\n" + Doc("y"));
  CliRun f = Run({"delete", "-f", file});
  EXPECT_EQ(f.code, 0) << f.err;
  EXPECT_EQ(f.out, "workload/x deleted\nworkload/y deleted\n");
  EXPECT_EQ(Requests("DELETE").back().path, "/v1/workloads/y");
  EXPECT_EQ(Run({"delete", "workload"}).code, 2);
}

TEST_F(CliTest, LogsPrintsTheBodyAsIs) {
  server_.On("GET", "/v1/workloads/{name}/logs", [](const HttpRequest& req) {
    HttpResponse r;
    r.content_type = "text/plain";
    r.body = "line 1\nline 2 of " + std::string(req.Param("name")) + "\n";
    return r;
  });
  CliRun r = Run({"logs", "ingest-7", "--tail", "5"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "line 1\nline 2 of ingest-7\n");
  EXPECT_EQ(Requests("GET").back().target, "/v1/workloads/ingest-7/logs?tail=5");
  ASSERT_EQ(Run({"logs", "workload/ingest-7"}).code, 0);
  EXPECT_EQ(Requests("GET").back().target, "/v1/workloads/ingest-7/logs");
}

TEST_F(CliTest, StatusSummaryAndJson) {
  const std::string body = R"({"member":"a","version":"1.2.3","ready":false,"joined":false,
    "shuttingDown":false,"quorum":true,"strategy":"uniform_quorum",
    "members":{"alive":2,"dead":1,"shutting_down":0},
    "workloads":{"declared":10,"running":9,"local":3}})";
  server_.OnJson("GET", "/v1/status", 200, body);
  CliRun r = Run({"status"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "Member:      a\n"
            "Version:     1.2.3\n"
            "Ready:       false (not joined)\n"
            "Quorum:      true\n"
            "Strategy:    uniform_quorum\n"
            "Members:     3 (2 alive, 1 dead)\n"
            "Workloads:   10 declared, 9 running, 3 on this member\n");
  CliRun j = Run({"status", "-o", "json"});
  EXPECT_EQ(nlohmann::json::parse(j.out), nlohmann::json::parse(body));
}

TEST_F(CliTest, MembersSetPutsTheList) {
  server_.OnJson("PUT", "/v1/members", 200, R"({"kind":"MemberList","items":[]})");
  CliRun r = Run({"members", "set", "a=10.0.0.1:7946,b=10.0.0.2:7946", "c=h:1"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "members set: a=10.0.0.1:7946, b=10.0.0.2:7946, c=h:1\n");
  auto puts = Requests("PUT");
  ASSERT_EQ(puts.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(puts[0].body),
            nlohmann::json::parse(R"({"items":[{"name":"a","address":"10.0.0.1:7946"},
              {"name":"b","address":"10.0.0.2:7946"},{"name":"c","address":"h:1"}]})"));
  server_.On("PUT", "/v1/members", [](const HttpRequest&) {
    return ErrorResponse(400, "Invalid", "items[0].address: port out of range", "items[0].address");
  });
  CliRun bad = Run({"members", "set", "a=h:0"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_EQ(bad.err, "Error from server (Invalid): items[0].address: port out of range\n");
}

}  // namespace
}  // namespace herd::sidecar
