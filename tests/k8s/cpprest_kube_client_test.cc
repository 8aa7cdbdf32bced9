// Integration tests of CppRestKubeClient against the fake API server: bearer tokens (and their
// rotation), list errors, merge patches with conflicts, 410 on a watch, and the EndpointSlice
// membership source end to end.
#include "k8s/cpprest_kube_client.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "k8s/endpoint_membership.h"
#include "tests/k8s/k8s_test_util.h"

namespace herd::k8s {
namespace {

using nlohmann::json;
using testing::FakeKubeServer;

constexpr const char* kWorkloads = "/apis/herd.dev/v1alpha1/namespaces/herd/workloads";

TEST(CppRestKubeClient, RejectsBadServer) {
  CppRestKubeClientOptions o;
  o.config.server = "ftp://x";
  EXPECT_EQ(CppRestKubeClient::Create(o).status().field(), "server");
  o.config.server = "https://127.0.0.1:1";
  o.config.ca_file = "/nonexistent/ca.crt";
  EXPECT_EQ(CppRestKubeClient::Create(o).status().field(), "ca_file");
  o.config.ca_file = "";
  o.config.token_file = "/nonexistent/token";
  EXPECT_EQ(CppRestKubeClient::Create(o).status().field(), "token_file");
}

TEST(CppRestKubeClient, BearerTokenIsCheckedAndRotatedFilesAreReread) {
  testing::FakeKubeServerOptions so;
  so.token = "first";
  FakeKubeServer server(so);
  ASSERT_TRUE(server.Start().ok());
  auto wrong = ClientFor(server, "nope");
  Result<ListResult> denied = wrong->List(kSlices, {});
  EXPECT_EQ(denied.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(server.Stats().unauthorized, 1u);

  char tmpl[] = "/tmp/herd-token-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string file = dir + "/token";
  std::ofstream(file) << "first\n";
  auto client = ClientFor(server, "", file);
  ASSERT_NE(client, nullptr);
  EXPECT_TRUE(client->List(kSlices, {}).ok());
  server.SetToken("second-token");  // the token rotates on both sides
  std::ofstream(file) << "second-token\n";
  Result<ListResult> after = client->List(kSlices, {});
  EXPECT_TRUE(after.ok()) << after.status();
  std::filesystem::remove_all(dir);
}

TEST(CppRestKubeClient, ListPagesAndReportsExpiredContinue) {
  FakeKubeServer server;
  ASSERT_TRUE(server.Start().ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(server.store()
                    .Apply(std::string(kSlices) + "/s" + std::to_string(i), SliceObject("s", {}))
                    .ok());
  }
  auto client = ClientFor(server);
  ListOptions lo;
  lo.limit = 2;
  Result<ListResult> page = client->List(kSlices, lo);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->items.size(), 2u);
  EXPECT_FALSE(page->continue_token.empty());
  EXPECT_EQ(page->resource_version, std::to_string(server.store().resource_version()));
  ASSERT_TRUE(server.store().Apply(std::string(kSlices) + "/later", SliceObject("l", {})).ok());
  server.Compact();  // the token's snapshot version leaves the history
  lo.continue_token = page->continue_token;
  Result<ListResult> expired = client->List(kSlices, lo);
  EXPECT_TRUE(IsGone(expired.status())) << expired.status();
  server.FailNextRequests(1, 503);
  EXPECT_EQ(client->List(kSlices, {}).status().code(), StatusCode::kUnavailable);
}

TEST(CppRestKubeClient, WatchFromAnExpiredVersionIsGone) {
  FakeKubeServer server;
  ASSERT_TRUE(server.Start().ok());
  ASSERT_TRUE(server.store().Apply(std::string(kSlices) + "/a", SliceObject("a", {})).ok());
  server.Compact();
  auto client = ClientFor(server);
  WatchOptions wo;
  wo.resource_version = "1";
  Cancellation cancel;
  int events = 0;
  Status s = client->Watch(
      kSlices, wo, [&](WatchEvent) { ++events; }, cancel);
  EXPECT_TRUE(IsGone(s)) << s;
  EXPECT_EQ(events, 0);
}

TEST(CppRestKubeClient, MergePatchStatusAndConflicts) {
  FakeKubeServer server;
  ASSERT_TRUE(server.Start().ok());
  ASSERT_TRUE(server.store().Apply(std::string(kWorkloads) + "/web", {{"spec", {{"x", 1}}}}).ok());
  auto client = ClientFor(server);
  Result<json> patched =
      client->Patch(std::string(kWorkloads) + "/web/status", {{"status", {{"phase", "Running"}}}});
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ((*patched)["status"]["phase"], "Running");
  Result<json> stale =
      client->Patch(std::string(kWorkloads) + "/web/status",
                    {{"metadata", {{"resourceVersion", "1"}}}, {"status", {{"phase", "Failed"}}}});
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition) << stale.status();
  Result<json> missing = client->Patch(std::string(kWorkloads) + "/nope", json::object());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(EndpointMembershipSource, FollowsSlicesOnTheFakeServer) {
  FakeKubeServer server;
  ASSERT_TRUE(server.Start().ok());
  auto apply = [&](const std::string& name,
                   std::vector<std::tuple<std::string, std::string, bool>> eps) {
    ASSERT_TRUE(
        server.store().Apply(std::string(kSlices) + "/" + name, SliceObject(name, eps)).ok());
  };
  apply("herd-a", {{"herd-0", "10.0.0.1", true}, {"herd-1", "10.0.0.2", true}});
  auto client = ClientFor(server);
  std::mutex mu;
  std::vector<Members> calls;
  EndpointMembershipOptions o;
  o.namespace_ = "herd";
  o.service = "herd";
  o.watch.backoff_initial = std::chrono::milliseconds(1);
  auto source = EndpointMembershipSource::Create(*client, o, [&](const Members& m) {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back(m);
  });
  ASSERT_TRUE(source.ok()) << source.status();
  ASSERT_TRUE((*source)->Start().ok());
  auto last = [&]() -> Members {
    std::lock_guard<std::mutex> lock(mu);
    return calls.empty() ? Members{{"none", ""}} : calls.back();
  };
  ASSERT_TRUE(WaitFor([&] {
    return last() == Members{{"herd-0", "10.0.0.1:7946"}, {"herd-1", "10.0.0.2:7946"}};
  }));
  apply("herd-b", {{"herd-2", "10.0.0.3", true}});  // a second slice
  ASSERT_TRUE(WaitFor([&] { return last().size() == 3; }));
  apply("herd-a", {{"herd-0", "10.0.0.1", true}, {"herd-1", "10.0.0.2", false}});  // unready
  ASSERT_TRUE(WaitFor([&] {
    return last() == Members{{"herd-0", "10.0.0.1:7946"}, {"herd-2", "10.0.0.3:7946"}};
  }));
  server.DropStreams();  // a fault in between loses nothing
  ASSERT_TRUE(server.store().Remove(std::string(kSlices) + "/herd-b").ok());
  ASSERT_TRUE(WaitFor([&] { return last() == Members{{"herd-0", "10.0.0.1:7946"}}; }));
  (*source)->Stop();
  std::lock_guard<std::mutex> lock(mu);
  // Every call was a change: no repeats.
  for (size_t i = 1; i < calls.size(); ++i) EXPECT_NE(calls[i], calls[i - 1]);
}

}  // namespace
}  // namespace herd::k8s
