// The REST API (SPEC.md section 4) through the Router, against Supervisors on the simulator.
// Post is a queue the test drains while it advances simulated time; nothing sleeps.
#include "sidecar/rest_api.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>

#include "sidecar/fake_store.h"
#include "sidecar/http_router.h"
#include "sidecar/spec_parser.h"
#include "tests/testing/sim_cluster.h"
#include "tests/testing/sim_network.h"

namespace herd::sidecar {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::SimCluster;
using testing::SimClusterOptions;

constexpr char kVersion[] = "1.2.3-test";

std::string Doc(const std::string& name, const std::string& extra_spec = "",
                const std::string& labels = "") {
  std::string d =
      "apiVersion: herd.dev/v1alpha1\nkind: Workload\nmetadata:\n  name: " + name + "\n";
  if (!labels.empty()) d += "  labels: " + labels + "\n";
  d += "spec:\n  command: [/bin/worker, " + name + "]\n" + extra_spec;
  return d;
}

json Body(const HttpResponse& r) {
  return json::parse(r.body, nullptr, /*allow_exceptions=*/false);
}
json ErrorOf(const HttpResponse& r) { return Body(r)["error"]; }

// Everything one member's API needs: the Post queue, the fake log forwarder, the router.
struct Api {
  std::deque<std::function<void()>> queue;
  struct Forwarded {
    std::string owner, name;
    size_t tail = 0;
  };
  std::vector<Forwarded> forwarded;
  std::unique_ptr<RestApi> api;
  Router router;

  Api(Supervisor& sup, ProcessRunner& runner) {
    RestApiOptions o;
    o.version = kVersion;
    o.max_limit = 100;
    o.max_quorum_wait = seconds(60);
    api = std::make_unique<RestApi>(
        o, sup, runner, [this](std::function<void()> fn) { queue.push_back(std::move(fn)); },
        [this](const std::string& owner, const std::string& name, size_t tail, Responder r) {
          forwarded.push_back({owner, name, tail});
          HttpResponse resp;
          resp.body = "from " + owner + "\n";
          resp.content_type = "text/plain";
          r(std::move(resp));
        });
    api->Register(router);
  }
  void Drain() {
    while (!queue.empty()) {
      auto fn = std::move(queue.front());
      queue.pop_front();
      fn();
    }
  }
};

using Pending = std::shared_ptr<std::optional<HttpResponse>>;

Pending Send(Api& api, const std::string& method, const std::string& target,
             const std::string& body = "") {
  HttpRequest req;
  req.method = method;
  req.SetTarget(target);
  req.body = body;
  auto out = std::make_shared<std::optional<HttpResponse>>();
  api.router.Dispatch(std::move(req), MakeOnceResponder([out](HttpResponse r) { *out = r; }));
  return out;
}

// Drains the queue and advances `clock` 1 ms at a time until the response arrives (at most
// 30 s of simulated time).
HttpResponse Await(Api& api, SimulatedClock& clock, const Pending& p) {
  const Clock::Duration deadline = clock.Elapsed() + seconds(30);
  while (true) {
    api.Drain();
    if (p->has_value()) return **p;
    if (clock.Elapsed() >= deadline) break;
    clock.Advance(milliseconds(1));
  }
  ADD_FAILURE() << "no response within 30 simulated seconds";
  return ErrorResponse(599, "TestTimeout", "no response");
}

class RestApiTest : public ::testing::Test {
 protected:
  void Boot(int members, StrategyKind strategy = StrategyKind::kUniform) {
    SimClusterOptions o;
    o.members = members;
    o.strategy = strategy;
    o.seed = 11;
    cluster_ = std::make_unique<SimCluster>(o);
    for (int i = 0; i < members; ++i) cluster_->Start(i);
    cluster_->RunFor(seconds(3));
    for (int i = 0; i < members; ++i) {
      ASSERT_TRUE(cluster_->member(i)->ready()) << i;
      apis_.push_back(std::make_unique<Api>(*cluster_->member(i), *cluster_->runner(i)));
    }
  }

  HttpResponse Call(int via, const std::string& method, const std::string& target,
                    const std::string& body = "") {
    return Await(*apis_[via], cluster_->clock(), Send(*apis_[via], method, target, body));
  }

  int IndexOf(const std::string& member) {
    for (int i = 0; i < cluster_->size(); ++i) {
      if (cluster_->name(i) == member) return i;
    }
    return -1;
  }

  std::unique_ptr<SimCluster> cluster_;
  std::vector<std::unique_ptr<Api>> apis_;
};

TEST_F(RestApiTest, ApplyCreatedUnchangedConfigured) {
  Boot(1);
  HttpResponse r = Call(0, "POST", "/v1/workloads", Doc("ingest-7"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  json items = Body(r)["items"];
  EXPECT_EQ(Body(r)["kind"], "ApplyResult");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(
      items[0],
      (json{{"name", "ingest-7"}, {"result", "created"}, {"owner", "m0"}, {"generation", 1}}));

  r = Call(0, "POST", "/v1/workloads", Doc("ingest-7"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["items"][0]["result"], "unchanged");

  // JSON works too; a changed spec is configured at the next generation.
  json changed = {{"metadata", {{"name", "ingest-7"}}},
                  {"spec", {{"command", {"/bin/worker", "ingest-7", "--v2"}}}}};
  r = Call(0, "POST", "/v1/workloads", changed.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["items"][0]["result"], "configured");
  EXPECT_EQ(Body(r)["items"][0]["generation"], 2);

  // One new among unchanged ones: 201.
  r = Call(0, "POST", "/v1/workloads", changed.dump() + "\n---\n" + Doc("other"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Body(r)["items"][0]["result"], "unchanged");
  EXPECT_EQ(Body(r)["items"][1]["result"], "created");
}

TEST_F(RestApiTest, MultiDocumentApplyIsAllOrNothing) {
  Boot(1);
  std::string body = Doc("a") + "---\n" + Doc("b", "  restart: always\n") + "---\n" + Doc("c");
  HttpResponse r = Call(0, "POST", "/v1/workloads", body);
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ErrorOf(r)["code"], "Invalid");
  EXPECT_EQ(ErrorOf(r)["field"], "spec.restart");
  EXPECT_NE(ErrorOf(r)["message"].get<std::string>().find("document 2 (b)"), std::string::npos)
      << r.body;
  r = Call(0, "GET", "/v1/workloads");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(Body(r)["items"].empty()) << r.body;
  EXPECT_EQ(cluster_->member(0)->Count().declared, 0u);

  // Too many documents: 413, nothing applied.
  std::string many;
  for (size_t i = 0; i <= kMaxDocuments; ++i) many += Doc("w-" + std::to_string(i)) + "---\n";
  r = Call(0, "POST", "/v1/workloads", many);
  EXPECT_EQ(r.status, 413) << r.body.substr(0, 200);
  EXPECT_EQ(ErrorOf(r)["code"], "TooLarge");
  EXPECT_EQ(cluster_->member(0)->Count().declared, 0u);

  // Malformed YAML and an empty body.
  r = Call(0, "POST", "/v1/workloads", "metadata: [unclosed");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorOf(r)["code"], "Invalid");
  r = Call(0, "POST", "/v1/workloads", "");
  EXPECT_EQ(r.status, 400);
}

TEST_F(RestApiTest, PutChecksTheNameAndTheDocumentCount) {
  Boot(1);
  HttpResponse r = Call(0, "PUT", "/v1/workloads/a", Doc("b"));
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ErrorOf(r)["field"], "metadata.name");
  EXPECT_EQ(ErrorOf(r)["message"],
            "metadata.name: Invalid value: \"b\": must match the name in the path, \"a\"");
  r = Call(0, "PUT", "/v1/workloads/a", Doc("a") + "---\n" + Doc("b"));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ErrorOf(r)["code"], "Invalid");
  EXPECT_EQ(cluster_->member(0)->Count().declared, 0u);

  r = Call(0, "PUT", "/v1/workloads/a", Doc("a"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Body(r)["items"][0]["result"], "created");
  r = Call(0, "PUT", "/v1/workloads/a", Doc("a"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["items"][0]["result"], "unchanged");
}

TEST_F(RestApiTest, StaleGenerationIsConflict) {
  Boot(1);
  ASSERT_EQ(Call(0, "POST", "/v1/workloads", Doc("a")).status, 201);
  std::string stale = "metadata:\n  name: a\n  generation: 5\nspec:\n  command: [/bin/x]\n";
  HttpResponse r = Call(0, "POST", "/v1/workloads", stale);
  ASSERT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(ErrorOf(r)["code"], "Conflict");
  EXPECT_EQ(ErrorOf(r)["field"], "metadata.generation");
  EXPECT_EQ(ErrorOf(r)["message"], "workload a is at generation 1, the request expects 5");
  // The matching generation applies.
  std::string current = "metadata:\n  name: a\n  generation: 1\nspec:\n  command: [/bin/x]\n";
  r = Call(0, "PUT", "/v1/workloads/a", current);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["items"][0]["result"], "configured");
  EXPECT_EQ(Body(r)["items"][0]["generation"], 2);
}

TEST_F(RestApiTest, ListPagesAndSelectsByLabel) {
  Boot(1);
  std::string body;
  for (int i = 0; i < 5; ++i) {
    std::string labels =
        std::string("{team: ") + (i % 2 == 0 ? "a" : "b") + (i < 2 ? ", tier: \"1\"}" : "}");
    body += Doc("w-" + std::to_string(i), "", labels) + "---\n";
  }
  ASSERT_EQ(Call(0, "POST", "/v1/workloads", body).status, 201);

  std::vector<std::string> names;
  std::string token;
  int pages = 0;
  do {
    std::string target = "/v1/workloads?limit=2";
    if (!token.empty()) target += "&continue=" + token;
    HttpResponse r = Call(0, "GET", target);
    ASSERT_EQ(r.status, 200) << r.body;
    json list = Body(r);
    EXPECT_EQ(list["apiVersion"], "herd.dev/v1alpha1");
    EXPECT_EQ(list["kind"], "WorkloadList");
    EXPECT_LE(list["items"].size(), 2u);
    for (const json& item : list["items"]) names.push_back(item["metadata"]["name"]);
    token = list["metadata"].value("continue", "");
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(names, (std::vector<std::string>{"w-0", "w-1", "w-2", "w-3", "w-4"}));
  EXPECT_EQ(pages, 3);

  auto Names = [&](const std::string& target) {
    HttpResponse r = Call(0, "GET", target);
    EXPECT_EQ(r.status, 200) << target << " " << r.body;
    std::vector<std::string> out;
    const json list = Body(r);
    for (const json& item : list["items"]) out.push_back(item["metadata"]["name"]);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(Names("/v1/workloads?label=team=a"), (V{"w-0", "w-2", "w-4"}));
  EXPECT_EQ(Names("/v1/workloads?label=team=a,tier=1"), (V{"w-0"}));
  EXPECT_EQ(Names("/v1/workloads?label=team%3Da&label=tier%3D1"), (V{"w-0"}));
  EXPECT_EQ(Names("/v1/workloads?label=team=c"), V{});
  // Without a limit the page size is max_limit (100 here): everything, no continue.
  HttpResponse all = Call(0, "GET", "/v1/workloads");
  EXPECT_EQ(Body(all)["items"].size(), 5u);
  EXPECT_EQ(Body(all)["metadata"], json::object());

  struct Bad {
    std::string query, field;
  };
  for (const Bad& b : std::vector<Bad>{{"label=team", "label"},
                                       {"label=te%20am=a", "label"},
                                       {"label=team=a,team=b", "label"},
                                       {"label=team=a,", "label"},
                                       {"limit=0", "limit"},
                                       {"limit=-1", "limit"},
                                       {"limit=abc", "limit"},
                                       {"limit=101", "limit"},
                                       {"continue=NOT_A_NAME", "continue"}}) {
    HttpResponse r = Call(0, "GET", "/v1/workloads?" + b.query);
    EXPECT_EQ(r.status, 400) << b.query;
    EXPECT_EQ(ErrorOf(r)["code"], "Invalid") << b.query;
    EXPECT_EQ(ErrorOf(r)["field"], b.field) << b.query;
  }
}

TEST_F(RestApiTest, GetShowsStatusDeleteRemovesAndUnknownIs404) {
  Boot(1);
  ASSERT_EQ(Call(0, "POST", "/v1/workloads", Doc("a", "", "{team: data}")).status, 201);
  cluster_->RunFor(milliseconds(500));
  HttpResponse r = Call(0, "GET", "/v1/workloads/a");
  ASSERT_EQ(r.status, 200) << r.body;
  json obj = Body(r);
  EXPECT_EQ(obj["kind"], "Workload");
  EXPECT_EQ(obj["metadata"]["name"], "a");
  EXPECT_EQ(obj["metadata"]["labels"]["team"], "data");
  EXPECT_EQ(obj["metadata"]["generation"], 1);
  EXPECT_TRUE(std::regex_match(obj["metadata"]["creationTimestamp"].get<std::string>(),
                               std::regex(R"(2026-01-01T00:00:0\dZ)")))
      << obj["metadata"];
  EXPECT_EQ(obj["spec"]["command"][1], "a");
  const json& st = obj["status"];
  EXPECT_EQ(st["phase"], "Running") << st;
  EXPECT_EQ(st["owner"], "m0");
  EXPECT_GT(st["pid"].get<int>(), 0);
  EXPECT_EQ(st["restarts"], 0);
  EXPECT_EQ(st["observedGeneration"], 1);
  EXPECT_EQ(st["conditions"][0]["type"], "Ready");
  EXPECT_EQ(st["conditions"][0]["status"], "True");
  EXPECT_EQ(st["conditions"][1]["type"], "Degraded");
  EXPECT_EQ(st["conditions"][1]["status"], "False");

  r = Call(0, "DELETE", "/v1/workloads/a");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r), (json{{"kind", "DeleteResult"}, {"name", "a"}, {"result", "deleted"}}));
  for (const char* method : {"GET", "DELETE"}) {
    r = Call(0, method, "/v1/workloads/a");
    EXPECT_EQ(r.status, 404) << method;
    EXPECT_EQ(ErrorOf(r)["code"], "NotFound");
    EXPECT_EQ(ErrorOf(r)["message"], "workload \"a\" not found");
  }
  // A name no workload can have is answered at once, without a trip to the loop.
  for (const char* method : {"GET", "DELETE"}) {
    Pending p = Send(*apis_[0], method, "/v1/workloads/Not_A%20Name");
    ASSERT_TRUE(p->has_value()) << method;
    EXPECT_TRUE(apis_[0]->queue.empty());
    EXPECT_EQ((*p)->status, 404);
    EXPECT_EQ(ErrorOf(**p)["message"], "workload \"Not_A Name\" not found");
  }
}

TEST_F(RestApiTest, LogsAreReadLocallyOrForwardedToTheOwner) {
  Boot(3);
  ASSERT_EQ(Call(0, "POST", "/v1/workloads", Doc("w")).status, 201);
  cluster_->RunFor(milliseconds(500));
  Result<WorkloadView> view = cluster_->member(0)->Get("w");
  ASSERT_TRUE(view.ok());
  const int owner = IndexOf(view->record.owner);
  ASSERT_GE(owner, 0);
  const int other = (owner + 1) % 3;

  // The owner has written nothing yet.
  HttpResponse r = Call(owner, "GET", "/v1/workloads/w/logs");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorOf(r)["message"], "no logs for w on member " + cluster_->name(owner) + " yet");

  cluster_->runner(owner)->SetLog("w", "l1\nl2\nl3\n");
  r = Call(owner, "GET", "/v1/workloads/w/logs?tail=2");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "l2\nl3\n");
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(Call(owner, "GET", "/v1/workloads/w/logs").body, "l1\nl2\nl3\n");
  EXPECT_TRUE(apis_[owner]->forwarded.empty());

  r = Call(other, "GET", "/v1/workloads/w/logs?tail=7");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "from " + cluster_->name(owner) + "\n");
  ASSERT_EQ(apis_[other]->forwarded.size(), 1u);
  EXPECT_EQ(apis_[other]->forwarded[0].owner, cluster_->name(owner));
  EXPECT_EQ(apis_[other]->forwarded[0].name, "w");
  EXPECT_EQ(apis_[other]->forwarded[0].tail, 7u);

  r = Call(other, "GET", "/v1/workloads/nope/logs");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorOf(r)["message"], "workload \"nope\" not found");
  r = Call(other, "GET", "/v1/workloads/w/logs?tail=-1");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorOf(r)["field"], "tail");
  EXPECT_EQ(apis_[other]->forwarded.size(), 1u);
}

TEST_F(RestApiTest, MembersGetAndPutWithValidation) {
  Boot(3);
  HttpResponse r = Call(1, "GET", "/v1/members");
  ASSERT_EQ(r.status, 200) << r.body;
  json list = Body(r);
  EXPECT_EQ(list["kind"], "MemberList");
  EXPECT_EQ(list["self"], "m1");
  EXPECT_EQ(list["quorum"], true);
  ASSERT_EQ(list["items"].size(), 3u);
  EXPECT_EQ(list["items"][0]["name"], "m0");
  EXPECT_EQ(list["items"][0]["address"], "m0:7946");
  EXPECT_EQ(list["items"][0]["status"], "alive");
  EXPECT_EQ(list["items"][0]["declared"], true);
  EXPECT_GT(list["items"][0]["incarnation"].get<uint64_t>(), 0u);

  struct Bad {
    std::string body, field;
  };
  const std::string ok = R"({"name":"m0","address":"m0:7946"})";
  for (const Bad& b : std::vector<Bad>{
           {R"({"items":[]})", "items"},
           {R"({})", "items"},
           {R"({"items":{}})", "items"},
           {R"([])", "body"},
           {R"({"items":[)", "body"},
           {"not json", "body"},
           {R"({"items":[)" + ok + R"(,{"name":"Bad_Name","address":"x:1"}]})", "items[1].name"},
           {R"({"items":[)" + ok + R"(,{"address":"x:1"}]})", "items[1].name"},
           {R"({"items":[)" + ok + R"(,{"name":"m1","address":7946}]})", "items[1].address"},
           {R"({"items":[)" + ok + R"(,{"name":"m1","address":"m1"}]})", "items[1].address"},
           {R"({"items":[)" + ok + R"(,{"name":"m1","address":"m1:0"}]})", "items[1].address"},
           {R"({"items":[)" + ok + R"(,{"name":"m1","address":"m1:65536"}]})", "items[1].address"},
           {R"({"items":[)" + ok + R"(,{"name":"m1","address":":80"}]})", "items[1].address"},
           {R"({"items":[)" + ok + R"(,{"name":"m1","address":"a b:80"}]})", "items[1].address"},
           {R"({"items":[)" + ok + "," + ok + "]}", "items[1].name"},
           {R"({"items":[{"name":"m0","address":"m0:1","port":1}]})", "items[0].port"},
           {R"({"items":["m0"]})", "items[0]"}}) {
    r = Call(0, "PUT", "/v1/members", b.body);
    EXPECT_EQ(r.status, 400) << b.body << " -> " << r.body;
    EXPECT_EQ(ErrorOf(r)["code"], "Invalid") << b.body;
    EXPECT_EQ(ErrorOf(r)["field"], b.field) << b.body << " -> " << r.body;
  }
  EXPECT_EQ(cluster_->member(0)->view().declared().size(), 3u);

  // GET's output goes back as is (read-only fields ignored); a new member is declared.
  json put = list;
  put["items"].push_back({{"name", "m3"}, {"address", "[::1]:7946"}});
  r = Call(0, "PUT", "/v1/members", put.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  list = Body(r);
  EXPECT_EQ(list["kind"], "MemberList");
  ASSERT_EQ(list["items"].size(), 4u) << r.body;
  EXPECT_EQ(list["items"][3]["name"], "m3");
  EXPECT_EQ(list["items"][3]["address"], "[::1]:7946");
  EXPECT_EQ(list["items"][3]["declared"], true);
}

TEST_F(RestApiTest, QuorumWithAndWithoutWait) {
  Boot(3, StrategyKind::kUniformQuorum);
  EXPECT_EQ(Body(Call(0, "GET", "/v1/quorum")), (json{{"quorum", true}}));
  HttpResponse r = Call(0, "GET", "/v1/quorum?wait=10s");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r), (json{{"quorum", true}}));
  for (const char* bad : {"wait=10x", "wait=", "wait=-1s", "wait=61s"}) {
    r = Call(0, "GET", std::string("/v1/quorum?") + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(ErrorOf(r)["field"], "wait") << bad;
  }

  cluster_->Kill(1);
  cluster_->Kill(2);
  cluster_->RunFor(seconds(3));
  EXPECT_EQ(Body(Call(0, "GET", "/v1/quorum")), (json{{"quorum", false}}));
  const Clock::Duration before = cluster_->clock().Elapsed();
  r = Call(0, "GET", "/v1/quorum?wait=2s");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(ErrorOf(r)["code"], "NoQuorum");
  EXPECT_GE(cluster_->clock().Elapsed() - before, seconds(2));
  // Writes are refused with the same code (the 503 code mapping, end to end).
  r = Call(0, "POST", "/v1/workloads", Doc("x"));
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(ErrorOf(r)["code"], "NoQuorum");
  EXPECT_EQ(ErrorOf(r)["message"].get<std::string>().rfind("member m0 sees", 0), 0u) << r.body;

  // Quorum returns during a wait: it answers 200 then.
  Pending p = Send(*apis_[0], "GET", "/v1/quorum?wait=20s");
  apis_[0]->Drain();
  cluster_->RunFor(milliseconds(10));
  EXPECT_FALSE(p->has_value());
  cluster_->Start(1);
  r = Await(*apis_[0], cluster_->clock(), p);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r), (json{{"quorum", true}}));
}

TEST_F(RestApiTest, ChildrenRebalanceStatusAndVersion) {
  Boot(3);
  ASSERT_EQ(
      Call(1, "POST", "/v1/workloads", Doc("a") + "---\n" + Doc("b") + "---\n" + Doc("c")).status,
      201);
  cluster_->RunFor(seconds(1));

  HttpResponse r = Call(0, "GET", "/v1/children?limit=2");
  ASSERT_EQ(r.status, 200) << r.body;
  json list = Body(r);
  EXPECT_EQ(list["kind"], "ChildList");
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(list["metadata"]["continue"], "b");
  const json& a = list["items"][0];
  EXPECT_EQ(a["name"], "a");
  EXPECT_EQ(a["phase"], "Running");
  EXPECT_EQ(a["restarts"], 0);
  EXPECT_GT(a["pid"].get<int>(), 0);
  EXPECT_EQ(a["owner"], cluster_->member(0)->Get("a")->record.owner);
  r = Call(0, "GET", "/v1/children?limit=2&continue=b");
  EXPECT_EQ(Body(r)["items"].size(), 1u);
  EXPECT_FALSE(Body(r)["metadata"].contains("continue"));
  EXPECT_EQ(Call(0, "GET", "/v1/children?limit=x").status, 400);

  r = Call(0, "GET", "/v1/children/count");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["declared"], 3);
  EXPECT_EQ(Body(r)["running"], 3);
  EXPECT_EQ(Body(r)["local"], cluster_->RunningOn(0).size());

  r = Call(2, "POST", "/v1/rebalance");
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(Body(r), (json{{"kind", "RebalanceResult"}, {"result", "started"}}));

  r = Call(2, "GET", "/v1/status");
  ASSERT_EQ(r.status, 200);
  json st = Body(r);
  EXPECT_EQ(st["member"], "m2");
  EXPECT_EQ(st["version"], kVersion);
  EXPECT_EQ(st["ready"], true);
  EXPECT_EQ(st["joined"], true);
  EXPECT_EQ(st["shuttingDown"], false);
  EXPECT_EQ(st["quorum"], true);
  EXPECT_EQ(st["strategy"], "uniform");
  EXPECT_EQ(st["members"],
            (json{{"alive", 3}, {"dead", 0}, {"shutting_down", 0}, {"uninitialized", 0}}));
  EXPECT_EQ(st["workloads"]["declared"], 3);
  EXPECT_EQ(st["workloads"]["running"], 3);

  r = Call(0, "GET", "/version");
  EXPECT_EQ(Body(r), (json{{"version", kVersion}}));
  EXPECT_EQ(Call(0, "POST", "/version").status, 405);
}

// Probes on a Supervisor the test starts itself: before Start, after, and while shutting down.
TEST(RestApiProbeTest, HealthzAndReadyzAcrossTheLifecycle) {
  SimulatedClock clock;
  Random random(3);
  FakeProcessRunner runner(&clock);
  FakeStore store;
  testing::SimNetwork network(clock, random);
  SupervisorOptions o;
  o.name = "solo";
  o.address = "solo:7946";
  Supervisor sup(o, clock, random, runner, store, network.Endpoint("solo"));
  runner.SetExitCallback([&](InstanceId id, const ChildExit& e) { sup.OnChildExit(id, e); });
  sup.SetDeclaredMembers({{"solo", "solo:7946"}});
  Api api(sup, runner);
  auto call = [&](const std::string& method, const std::string& target) {
    return Await(api, clock, Send(api, method, target, method == "POST" ? Doc("a") : ""));
  };

  EXPECT_EQ(call("GET", "/healthz").status, 200);
  EXPECT_EQ(call("GET", "/healthz").body, "ok\n");
  HttpResponse r = call("GET", "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(ErrorOf(r)["code"], "NotReady");
  r = call("POST", "/v1/workloads");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(ErrorOf(r)["code"], "NotReady");

  ASSERT_TRUE(sup.Start().ok());
  clock.Advance(seconds(3));
  r = call("GET", "/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "ok\n");

  sup.BeginShutdown([] {});
  r = call("GET", "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(ErrorOf(r)["code"], "NotReady");
  EXPECT_EQ(ErrorOf(r)["message"], "member solo is shutting down");
  r = call("POST", "/v1/workloads");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(ErrorOf(r)["code"], "ShuttingDown");
  EXPECT_EQ(ErrorOf(r)["message"], "member solo is shutting down");
  EXPECT_EQ(call("GET", "/healthz").status, 200);
}

// A Post that drops its closure (the loop is stopping): the Responder answers 500 by itself.
TEST(RestApiPostTest, DroppedClosureAnswers500) {
  SimulatedClock clock;
  Random random(3);
  FakeProcessRunner runner(&clock);
  FakeStore store;
  testing::SimNetwork network(clock, random);
  SupervisorOptions o;
  o.name = "solo";
  Supervisor sup(o, clock, random, runner, store, network.Endpoint("solo"));
  RestApi api(
      {}, sup, runner, [](std::function<void()>) {},
      [](const std::string&, const std::string&, size_t, Responder) {});
  Router router;
  api.Register(router);
  std::optional<HttpResponse> out;
  HttpRequest req;
  req.method = "GET";
  req.SetTarget("/v1/status");
  router.Dispatch(std::move(req), MakeOnceResponder([&](HttpResponse r) { out = r; }));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->status, 500);
}

}  // namespace
}  // namespace herd::sidecar
