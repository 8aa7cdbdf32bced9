// `herd agent --auth-tokenreview` against the fake Kubernetes API server (issue 9): tokens are
// authenticated by TokenReview and authorized by SubjectAccessReview (get/create on
// workloads.herd.dev in --namespace); allowed, denied and unknown callers get 200/201, 403 and
// 401; repeated calls are answered from the agent's caches (the fake's request count stays);
// an API server that fails answers 503 and is not cached.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "k8s/cpprest_kube_client.h"
#include "sidecar/posix/http_client.h"
#include "tests/sidecar/auth_test_util.h"
#include "tests/testing/agent_cluster.h"
#include "tests/testing/fake_kube_server.h"

namespace herd::testing {
namespace {

using nlohmann::json;
using sidecar::HttpResponse;
using std::chrono::seconds;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class AuthReviewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FakeKubeServerOptions fo;
    fo.token = "herd-sa-token";  // the agent's own credentials
    kube_ = std::make_unique<FakeKubeServer>(fo);
    ASSERT_TRUE(kube_->Start().ok());
    control_ = AuthTestClient(kube_->base_url());
    Control("/fake/reviews/token?token=alice-tok-1&user=alice&groups=devs");
    Control("/fake/reviews/token?token=bob-tok-2&user=bob&groups=viewers");
    Control("/fake/reviews/allow?subject=alice&verb=*");
    Control("/fake/reviews/allow?subject=group:viewers&verb=get");
  }

  void Control(const std::string& path) {
    ASSERT_EQ(AuthTestSend(*control_, "POST", path).status, 200) << path;
  }
  json Reviews() { return json::parse(AuthTestSend(*control_, "GET", "/fake/reviews").body); }

  std::unique_ptr<FakeKubeServer> kube_;
  std::unique_ptr<sidecar::HttpClient> control_;
};

TEST_F(AuthReviewTest, TheClientCreatesReviewsOnTheFakeServer) {
  k8s::CppRestKubeClientOptions o;
  o.config.server = kube_->base_url();
  o.config.token = "herd-sa-token";
  auto client = k8s::CppRestKubeClient::Create(o);
  ASSERT_TRUE(client.ok()) << client.status();
  Result<json> r = (*client)->Create("/apis/authentication.k8s.io/v1/tokenreviews",
                                     {{"apiVersion", "authentication.k8s.io/v1"},
                                      {"kind", "TokenReview"},
                                      {"spec", {{"token", "bob-tok-2"}}}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)["status"]["authenticated"], true);
  EXPECT_EQ((*r)["status"]["user"]["username"], "bob");
  EXPECT_EQ((*r)["status"]["user"]["groups"], json::array({"viewers"}));
  // The fake checks the agent's own token like any other request.
  kube_->SetToken("other");
  r = (*client)->Create("/apis/authentication.k8s.io/v1/tokenreviews",
                        {{"spec", {{"token", "bob-tok-2"}}}});
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated) << r.status();
}

TEST_F(AuthReviewTest, AgentAllowsDeniesAndCaches) {
  AgentCluster cluster(herd::testing::BuiltAgents(1));
  const std::string kubeconfig = cluster.dir() + "/kubeconfig";
  std::ofstream(kubeconfig)
      << "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
      << "clusters: [{name: fake, cluster: {server: '" << kube_->base_url() << "'}}]\n"
      << "users: [{name: u, user: {token: herd-sa-token}}]\n"
      << "contexts: [{name: fake, context: {cluster: fake, user: u, namespace: kns}}]\n";
  cluster.options().extra_flags = {"--auth-tokenreview", "--kubeconfig", kubeconfig, "--namespace",
                                   "herd-apps"};
  cluster.StartAll();
  ASSERT_TRUE(cluster.WaitAllReady()) << ReadFile(cluster.log_path(0));
  auto api = AuthTestClient(cluster.api_url(0));
  const std::string doc = cluster.SleeperYaml("rev", 1);

  EXPECT_EQ(AuthTestSend(*api, "GET", "/healthz").status, 200);
  EXPECT_EQ(Reviews()["tokenReviews"], 0) << "probes are not reviewed";

  HttpResponse r = AuthTestSend(*api, "POST", "/v1/workloads", "alice-tok-1", doc);
  EXPECT_EQ(r.status, 201) << r.body;
  json last = Reviews()["last"];
  EXPECT_EQ(last["user"], "alice");
  EXPECT_EQ(last["groups"], json::array({"devs"}));
  EXPECT_EQ(last["resourceAttributes"],
            json::parse(R"({"namespace":"herd-apps","verb":"create","group":"herd.dev",
                            "resource":"workloads"})"));

  EXPECT_EQ(AuthTestSend(*api, "GET", "/v1/workloads", "bob-tok-2").status, 200);
  EXPECT_EQ(Reviews()["last"]["resourceAttributes"]["verb"], "get");
  r = AuthTestSend(*api, "DELETE", "/v1/workloads/rev-0", "bob-tok-2");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_THAT(r.body,
              ::testing::HasSubstr("user \\\"bob\\\" may not write: no rule allows create"));
  r = AuthTestSend(*api, "GET", "/v1/workloads", "mallory-tok");
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(AuthTestSend(*api, "GET", "/v1/workloads").status, 401);

  // Every answer above is cached now: the same calls cost the API server nothing.
  const uint64_t requests = kube_->Stats().requests;
  const json counts = Reviews();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(AuthTestSend(*api, "GET", "/v1/workloads", "alice-tok-1").status, 200);
    EXPECT_EQ(AuthTestSend(*api, "GET", "/v1/workloads", "bob-tok-2").status, 200);
    EXPECT_EQ(AuthTestSend(*api, "DELETE", "/v1/workloads/rev-0", "bob-tok-2").status, 403);
    EXPECT_EQ(AuthTestSend(*api, "GET", "/v1/workloads", "mallory-tok").status, 401);
  }
  // alice's GET needs a "get" review once (her "create" was cached, not "get").
  EXPECT_EQ(kube_->Stats().requests, requests + 1);
  EXPECT_EQ(Reviews()["tokenReviews"], counts["tokenReviews"]);
  EXPECT_EQ(Reviews()["accessReviews"].get<int>(), counts["accessReviews"].get<int>() + 1);

  // An API server that fails is not the caller's fault: 503, and nothing is cached.
  Control("/fake/reviews/token?token=carol-tok-3&user=carol&groups=viewers");
  kube_->FailNextRequests(1);
  r = AuthTestSend(*api, "GET", "/v1/workloads", "carol-tok-3");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(AuthTestSend(*api, "GET", "/v1/workloads", "carol-tok-3").status, 200);

  auto metrics = AuthTestClient("http://127.0.0.1:" + std::to_string(cluster.metrics_port(0)));
  const std::string text = AuthTestSend(*metrics, "GET", "/metrics").body;
  EXPECT_THAT(text, ::testing::HasSubstr("herd_api_auth_failures_total{reason=\"forbidden\"} 4"));
  EXPECT_THAT(text,
              ::testing::HasSubstr("herd_api_auth_failures_total{reason=\"unauthenticated\"} 5"));
  const std::string log = ReadFile(cluster.log_path(0));
  for (const char* token :
       {"alice-tok-1", "bob-tok-2", "carol-tok-3", "mallory-tok", "herd-sa-token"}) {
    EXPECT_EQ(log.find(token), std::string::npos) << token;
  }
}

}  // namespace
}  // namespace herd::testing
