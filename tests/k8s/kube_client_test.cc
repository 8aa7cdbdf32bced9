// Unit tests of the KubeClient helpers: watch line parsing, HTTP error mapping, object keys,
// Cancellation, and the Backoff schedule.
#include "k8s/kube_client.h"

#include <gtest/gtest.h>

#include <set>

#include "common/random.h"
#include "k8s/backoff.h"

namespace herd::k8s {
namespace {

TEST(ParseWatchLine, DecodesEveryEventType) {
  struct Case {
    const char* line;
    WatchEventType type;
  } cases[] = {
      {R"({"type":"ADDED","object":{"metadata":{"name":"a"}}})", WatchEventType::kAdded},
      {R"({"type":"MODIFIED","object":{"metadata":{"name":"a"}}})", WatchEventType::kModified},
      {R"({"type":"DELETED","object":{"metadata":{"name":"a"}}})", WatchEventType::kDeleted},
      {R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}})",
       WatchEventType::kBookmark},
  };
  for (const Case& c : cases) {
    Result<WatchEvent> e = ParseWatchLine(c.line);
    ASSERT_TRUE(e.ok()) << c.line << " " << e.status();
    EXPECT_EQ(e->type, c.type) << c.line;
    EXPECT_TRUE(e->object.is_object());
  }
}

TEST(ParseWatchLine, ErrorEvent410IsGone) {
  Result<WatchEvent> e = ParseWatchLine(
      R"json({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired",)json"
      R"json("message":"too old resource version: 5 (9)"}})json");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kAborted);
  EXPECT_TRUE(IsGone(e.status()));
  EXPECT_NE(e.status().message().find("too old resource version"), std::string::npos);
}

TEST(ParseWatchLine, ErrorEventWithOtherCodeMapsLikeHttp) {
  Result<WatchEvent> e =
      ParseWatchLine(R"({"type":"ERROR","object":{"kind":"Status","code":500,"message":"x"}})");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(IsGone(e.status()));
}

TEST(ParseWatchLine, MalformedLinesAreDataLoss) {
  for (const char* line : {"", "not json", "[]", R"({"object":{}})", R"({"type":"ADDED"})",
                           R"({"type":7,"object":{}})", R"({"type":"WHAT","object":{}})",
                           R"({"type":"ADDED","object":[]})"}) {
    Result<WatchEvent> e = ParseWatchLine(line);
    ASSERT_FALSE(e.ok()) << line;
    EXPECT_EQ(e.status().code(), StatusCode::kDataLoss) << line;
  }
}

TEST(KubeStatusFromHttp, MapsCodes) {
  struct Case {
    int http;
    StatusCode code;
  } cases[] = {{400, StatusCode::kInvalidArgument},
               {401, StatusCode::kUnauthenticated},
               {403, StatusCode::kPermissionDenied},
               {404, StatusCode::kNotFound},
               {409, StatusCode::kFailedPrecondition},
               {410, StatusCode::kAborted},
               {422, StatusCode::kInvalidArgument},
               {429, StatusCode::kResourceExhausted},
               {500, StatusCode::kUnavailable},
               {503, StatusCode::kUnavailable},
               {302, StatusCode::kUnknown}};
  for (const Case& c : cases) {
    Status s = KubeStatusFromHttp(c.http, R"({"kind":"Status","message":"the reason"})", "GET /x");
    EXPECT_EQ(s.code(), c.code) << c.http;
    EXPECT_NE(s.message().find("GET /x: HTTP " + std::to_string(c.http) + ": the reason"),
              std::string::npos)
        << s;
  }
  EXPECT_TRUE(IsGone(KubeStatusFromHttp(410, "", "LIST")));
  EXPECT_FALSE(IsGone(KubeStatusFromHttp(409, "", "PATCH")));
  EXPECT_EQ(KubeStatusFromHttp(409, "", "PATCH").message().rfind("Conflict: ", 0), 0u);
}

TEST(ObjectKey, NamespacedAndClusterScoped) {
  EXPECT_EQ(ObjectKey({{"metadata", {{"name", "a"}, {"namespace", "ns"}}}}), "ns/a");
  EXPECT_EQ(ObjectKey({{"metadata", {{"name", "a"}}}}), "a");
  EXPECT_EQ(ObjectKey({{"metadata", {{"namespace", "ns"}}}}), "");
  EXPECT_EQ(ObjectKey(nlohmann::json::array()), "");
  EXPECT_EQ(ResourceVersionOf({{"metadata", {{"resourceVersion", "12"}}}}), "12");
  EXPECT_EQ(ResourceVersionOf({{"metadata", {{"resourceVersion", 12}}}}), "");
}

TEST(Cancellation, RunsCallbacksOnceAndLateOnesAtOnce) {
  Cancellation c;
  int a = 0, b = 0, removed = 0;
  c.OnCancel([&] { ++a; });
  Cancellation::CallbackId id = c.OnCancel([&] { ++removed; });
  c.Remove(id);
  EXPECT_FALSE(c.cancelled());
  c.Cancel();
  c.Cancel();
  EXPECT_TRUE(c.cancelled());
  EXPECT_EQ(a, 1);
  EXPECT_EQ(removed, 0);
  EXPECT_EQ(c.OnCancel([&] { ++b; }), 0u);
  EXPECT_EQ(b, 1);
}

TEST(Backoff, DoublesWithJitterUpToTheCapAndResets) {
  Random random(42);
  Backoff b(std::chrono::milliseconds(100), std::chrono::milliseconds(1000), random);
  int64_t expected_max[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (int64_t max : expected_max) {
    int64_t d = b.Next().count();
    EXPECT_GE(d, max / 2) << "seed 42";
    EXPECT_LE(d, max) << "seed 42";
  }
  b.Reset();
  EXPECT_EQ(b.failures(), 0);
  EXPECT_LE(b.Next().count(), 100);
}

TEST(Backoff, JitterSpreadsRetries) {
  Random random(7);
  std::set<int64_t> seen;
  for (int i = 0; i < 20; ++i) {
    Backoff b(std::chrono::milliseconds(1000), std::chrono::milliseconds(30000), random);
    seen.insert(b.Next().count());
  }
  EXPECT_GT(seen.size(), 10u) << "seed 7";
}

}  // namespace
}  // namespace herd::k8s
