// KubeReviewAuth (sidecar/auth_kube.h) on a scripted KubeClient, with simulated time and a
// queue for the "blocking" calls: the review bodies, reading the answers, the positive and
// negative caches and their bound (TtlCache), errors that are not cached, and a full queue.
// Also: the auth failure counter of ApiMetrics is exported at 0 from the start.
#include "sidecar/auth_kube.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <deque>
#include <map>

#include "sidecar/auth_cache.h"
#include "sidecar/metrics_api.h"
#include "tests/sidecar/metrics_text.h"

namespace herd::sidecar {
namespace {

using nlohmann::json;
using std::chrono::seconds;

TEST(TtlCacheTest, ExpiresAndStaysBounded) {
  TtlCache<int> cache(3);
  Clock::TimePoint t{};
  cache.Put("a", 1, t + seconds(10), t);
  cache.Put("b", 2, t + seconds(5), t);
  EXPECT_EQ(cache.Get("a", t), 1);
  EXPECT_EQ(cache.Get("b", t + seconds(4)), 2);
  EXPECT_EQ(cache.Get("b", t + seconds(5)), std::nullopt) << "expired at its deadline";
  EXPECT_EQ(cache.size(), 1u) << "an expired entry is dropped when met";
  cache.Put("c", 3, t + seconds(20), t);
  cache.Put("d", 4, t + seconds(30), t);
  EXPECT_EQ(cache.size(), 3u);
  // Full: the entry closest to expiry ("a") makes room.
  cache.Put("e", 5, t + seconds(40), t);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.Get("a", t), std::nullopt);
  EXPECT_EQ(cache.Get("e", t), 5);
  // Full with expired entries: they all go first.
  cache.Put("f", 6, t + seconds(50), t + seconds(35));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.Get("f", t + seconds(35)), 6);
  // Putting a key again replaces it.
  cache.Put("f", 7, t + seconds(60), t);
  EXPECT_EQ(cache.Get("f", t + seconds(55)), 7);
  EXPECT_EQ(cache.size(), 2u);
}

// Answers Create with what the test scripted, and records what it was sent.
class ScriptedKube : public k8s::KubeClient {
 public:
  Result<k8s::ListResult> List(const std::string&, const k8s::ListOptions&) override {
    return Status(StatusCode::kUnimplemented, "");
  }
  Status Watch(const std::string&, const k8s::WatchOptions&, const EventFn&,
               k8s::Cancellation&) override {
    return Status(StatusCode::kUnimplemented, "");
  }
  Result<json> Patch(const std::string&, const json&) override {
    return Status(StatusCode::kUnimplemented, "");
  }
  Result<json> Create(const std::string& path, const json& object) override {
    sent.emplace_back(path, object);
    if (!fail.ok()) return fail;
    json out = object;
    if (path == kTokenReviewPath) {
      auto it = users.find(object["spec"]["token"].get<std::string>());
      if (it == users.end()) {
        out["status"] = {{"authenticated", false}};
      } else {
        out["status"] = {{"authenticated", true},
                         {"user", {{"username", it->second.name}, {"groups", it->second.groups}}}};
      }
    } else {
      const std::string verb = object["spec"]["resourceAttributes"]["verb"];
      out["status"] = {
          {"allowed", allowed.count(object["spec"]["user"].get<std::string>() + ":" + verb) > 0}};
      if (!out["status"]["allowed"]) out["status"]["reason"] = "RBAC: no rule";
    }
    return out;
  }

  std::map<std::string, Identity> users;
  std::set<std::string> allowed;  // "user:verb"
  Status fail = Status::Ok();
  std::vector<std::pair<std::string, json>> sent;
};

class KubeReviewAuthTest : public ::testing::Test {
 protected:
  KubeReviewAuthTest() {
    kube_.users["tok-a"] = Identity{"alice", {"system:authenticated", "devs"}};
    kube_.users["tok-b"] = Identity{"bob", {"system:authenticated"}};
    kube_.allowed = {"alice:get", "alice:create", "bob:get"};
    KubeReviewOptions o;
    o.namespace_ = "herd";
    o.max_entries = 100;
    auth_ = std::make_unique<KubeReviewAuth>(
        o, kube_,
        [this](std::function<void()> fn) {
          if (queue_.size() >= max_queued_) return false;
          queue_.push_back(std::move(fn));
          return true;
        },
        [this] { return now_; });
  }

  // Runs the queued blocking calls, as the workers would.
  void Drain() {
    while (!queue_.empty()) {
      auto fn = std::move(queue_.front());
      queue_.pop_front();
      fn();
    }
  }

  // Authenticates and authorizes `token` for `role`: the user, or the error code's name.
  std::string Check(const std::string& token, Role role) {
    std::string out = "pending";
    auth_->Authenticate(token, [&, role](Result<Identity> who) {
      if (!who.ok()) {
        out = StatusCodeName(who.status().code());
        return;
      }
      auth_->Authorize(*who, role, [&, name = who->name](Status s) {
        out = s.ok() ? name : std::string(StatusCodeName(s.code()));
      });
    });
    Drain();
    return out;
  }

  size_t Sent() const { return kube_.sent.size(); }

  ScriptedKube kube_;
  std::deque<std::function<void()>> queue_;
  size_t max_queued_ = 100;
  Clock::TimePoint now_{};
  std::unique_ptr<KubeReviewAuth> auth_;
};

TEST_F(KubeReviewAuthTest, SendsTheReviewsKubeRbacProxySends) {
  EXPECT_EQ(Check("tok-a", Role::kWrite), "alice");
  ASSERT_EQ(Sent(), 2u);
  EXPECT_EQ(kube_.sent[0].first, "/apis/authentication.k8s.io/v1/tokenreviews");
  EXPECT_EQ(kube_.sent[0].second,
            json::parse(R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview",
                            "spec":{"token":"tok-a"}})"));
  EXPECT_EQ(kube_.sent[1].first, "/apis/authorization.k8s.io/v1/subjectaccessreviews");
  EXPECT_EQ(kube_.sent[1].second, json::parse(R"({
      "apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview",
      "spec":{"user":"alice","groups":["system:authenticated","devs"],
              "resourceAttributes":{"namespace":"herd","verb":"create","group":"herd.dev",
                                    "resource":"workloads"}}})"));
  EXPECT_EQ(Check("tok-b", Role::kRead), "bob");
  EXPECT_EQ(kube_.sent.back().second["spec"]["resourceAttributes"]["verb"], "get");
}

TEST_F(KubeReviewAuthTest, AllowedDeniedAndUnknown) {
  EXPECT_EQ(Check("tok-b", Role::kRead), "bob");
  EXPECT_EQ(Check("tok-b", Role::kWrite), "PERMISSION_DENIED");
  EXPECT_EQ(Check("tok-x", Role::kRead), "UNAUTHENTICATED");
  Status denied = Status::Ok();
  auth_->Authorize(Identity{"bob", {"system:authenticated"}}, Role::kWrite,
                   [&](Status s) { denied = s; });
  Drain();
  EXPECT_EQ(denied.message(), "user \"bob\" may not write: RBAC: no rule");
}

TEST_F(KubeReviewAuthTest, CachesAllowedFor60sAndRefusedFor10s) {
  EXPECT_EQ(Check("tok-a", Role::kRead), "alice");
  EXPECT_EQ(Check("tok-x", Role::kRead), "UNAUTHENTICATED");
  EXPECT_EQ(Check("tok-b", Role::kWrite), "PERMISSION_DENIED");
  const size_t sent = Sent();
  now_ += seconds(9);
  EXPECT_EQ(Check("tok-a", Role::kRead), "alice");
  EXPECT_EQ(Check("tok-x", Role::kRead), "UNAUTHENTICATED");
  EXPECT_EQ(Check("tok-b", Role::kWrite), "PERMISSION_DENIED");
  EXPECT_EQ(Sent(), sent) << "every answer came from the caches";
  // The refusals expire after 10 s: the unknown token and bob's write are asked again (bob's
  // token review is still cached).
  now_ += seconds(1);
  kube_.users["tok-x"] = Identity{"xavier", {}};
  kube_.allowed.insert("bob:create");
  kube_.allowed.insert("xavier:get");
  EXPECT_EQ(Check("tok-x", Role::kRead), "xavier");
  EXPECT_EQ(Check("tok-b", Role::kWrite), "bob");
  EXPECT_EQ(Check("tok-a", Role::kRead), "alice");
  EXPECT_EQ(Sent(), sent + 3);
  // Allowed answers expire after 60 s: alice is reviewed again and has lost her rights.
  kube_.allowed.erase("alice:get");
  now_ += seconds(49);
  EXPECT_EQ(Check("tok-a", Role::kRead), "alice");
  now_ += seconds(1);
  EXPECT_EQ(Check("tok-a", Role::kRead), "PERMISSION_DENIED");
}

TEST_F(KubeReviewAuthTest, ErrorsAreUnavailableAndNotCached) {
  kube_.fail = Status(StatusCode::kUnavailable, "POST ...: connection refused");
  EXPECT_EQ(Check("tok-a", Role::kRead), "UNAVAILABLE");
  kube_.fail = Status(StatusCode::kPermissionDenied, "POST ...: forbidden");
  Result<Identity> r = Identity{};
  auth_->Authenticate("tok-a", [&](Result<Identity> who) { r = who; });
  Drain();
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(),
            "TokenReview failed: the API server refused herd's own credentials: POST ...: "
            "forbidden");
  kube_.fail = Status::Ok();
  const size_t sent = Sent();
  EXPECT_EQ(Check("tok-a", Role::kRead), "alice");
  EXPECT_EQ(Sent(), sent + 2) << "the failures were not cached";
}

TEST_F(KubeReviewAuthTest, AMalformedAnswerIsUnavailable) {
  EXPECT_EQ(KubeReviewAuth::ReadTokenReview(json::object()).status().code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(
      KubeReviewAuth::ReadTokenReview(json{{"status", {{"authenticated", true}}}}).status().code(),
      StatusCode::kUnauthenticated)
      << "no user name";
  EXPECT_EQ(
      KubeReviewAuth::ReadSubjectAccessReview(json::array(), Identity{"u", {}}, Role::kRead).code(),
      StatusCode::kUnavailable);
  EXPECT_EQ(
      KubeReviewAuth::ReadSubjectAccessReview(
          json{{"status", {{"allowed", true}, {"denied", true}}}}, Identity{"u", {}}, Role::kRead)
          .code(),
      StatusCode::kPermissionDenied);
}

TEST_F(KubeReviewAuthTest, AFullQueueAnswersUnavailableAtOnce) {
  max_queued_ = 0;
  Result<Identity> r = Identity{};
  auth_->Authenticate("tok-a", [&](Result<Identity> who) { r = who; });
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "TokenReview: too many reviews pending");
  EXPECT_EQ(Sent(), 0u);
}

TEST(ApiMetricsAuthTest, FailuresAreExportedFromZeroByReason) {
  prometheus::Registry registry;
  ApiMetrics metrics(registry);
  using metrics_text::Value;
  auto samples = metrics_text::Serialize(registry.Collect());
  EXPECT_EQ(Value(samples, "herd_api_auth_failures_total", {{"reason", "unauthenticated"}}), 0);
  EXPECT_EQ(Value(samples, "herd_api_auth_failures_total", {{"reason", "forbidden"}}), 0);
  metrics.CountAuthFailure("unauthenticated");
  metrics.CountAuthFailure("unauthenticated");
  metrics.CountAuthFailure("forbidden");
  metrics.CountAuthFailure("something-else");
  samples = metrics_text::Serialize(registry.Collect());
  EXPECT_EQ(Value(samples, "herd_api_auth_failures_total", {{"reason", "unauthenticated"}}), 2);
  EXPECT_EQ(Value(samples, "herd_api_auth_failures_total", {{"reason", "forbidden"}}), 1);
  EXPECT_EQ(Value(samples, "herd_api_auth_failures_total", {{"reason", "something-else"}}),
            std::nullopt);
}

}  // namespace
}  // namespace herd::sidecar
