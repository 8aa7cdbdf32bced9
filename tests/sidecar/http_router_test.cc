#include "sidecar/http_router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "sidecar/http.h"

namespace herd::sidecar {
namespace {

// Dispatches synchronously and returns what the router (or the handler) answered.
HttpResponse Call(const Router& router, const std::string& method, const std::string& target) {
  HttpRequest request;
  request.method = method;
  request.SetTarget(target);
  std::optional<HttpResponse> out;
  router.Dispatch(std::move(request), [&](HttpResponse r) { out = std::move(r); });
  EXPECT_TRUE(out.has_value()) << method << " " << target << " was not answered";
  return out.value_or(HttpResponse{});
}

// A handler that answers 200 with "route|k=v|k=v".
Handler Echo() {
  return [](HttpRequest&& req, Responder respond) {
    std::string body = req.route;
    for (const auto& [k, v] : req.params) body += "|" + k + "=" + v;
    HttpResponse r;
    r.body = body;
    respond(std::move(r));
  };
}

nlohmann::json ErrorOf(const HttpResponse& r) { return nlohmann::json::parse(r.body)["error"]; }

TEST(HttpRouterTest, CapturesDecodedParams) {
  Router router;
  router.Add("GET", "/v1/workloads/{name}/logs", Echo());
  HttpResponse r = Call(router, "GET", "/v1/workloads/ingest%2D7/logs?tail=10");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "/v1/workloads/{name}/logs|name=ingest-7");
}

TEST(HttpRouterTest, EncodedSlashStaysInsideItsSegment) {
  Router router;
  router.Add("GET", "/v1/workloads/{name}", Echo());
  EXPECT_EQ(Call(router, "GET", "/v1/workloads/a%2Fb").body, "/v1/workloads/{name}|name=a/b");
  EXPECT_EQ(Call(router, "GET", "/v1/workloads/a/b").status, 404);
}

TEST(HttpRouterTest, TrailingSlashAndEmptySegmentsAreIgnored) {
  Router router;
  router.Add("GET", "/v1/workloads", Echo());
  EXPECT_EQ(Call(router, "GET", "/v1/workloads/").status, 200);
  EXPECT_EQ(Call(router, "GET", "//v1//workloads").status, 200);
}

TEST(HttpRouterTest, RootPath) {
  Router router;
  router.Add("GET", "/", Echo());
  EXPECT_EQ(Call(router, "GET", "/").body, "/");
  EXPECT_EQ(Call(router, "GET", "/x").status, 404);
}

TEST(HttpRouterTest, UnknownPathIs404WithJsonError) {
  Router router;
  router.Add("GET", "/v1/workloads", Echo());
  HttpResponse r = Call(router, "GET", "/v1/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(ErrorOf(r)["code"], "NotFound");
  EXPECT_EQ(ErrorOf(r)["message"], "no such path: /v1/nothing");
  EXPECT_FALSE(ErrorOf(r).contains("field"));
}

TEST(HttpRouterTest, WrongMethodIs405WithSortedAllow) {
  Router router;
  router.Add("PUT", "/v1/workloads/{name}", Echo());
  router.Add("GET", "/v1/workloads/{name}", Echo());
  router.Add("DELETE", "/v1/workloads/{name}", Echo());
  router.Add("POST", "/v1/workloads", Echo());
  HttpResponse r = Call(router, "POST", "/v1/workloads/x");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.Get("allow"), "DELETE, GET, PUT");
  EXPECT_EQ(ErrorOf(r)["code"], "MethodNotAllowed");
}

TEST(HttpRouterTest, LiteralBeatsCaptureWhicheverIsAddedFirst) {
  Router router;
  router.Add("GET", "/v1/children/{id}", Echo());
  router.Add("GET", "/v1/children/count", Echo());
  router.Add("GET", "/{a}/{b}/x", Echo());
  router.Add("GET", "/v1/{b}/x", Echo());
  EXPECT_EQ(Call(router, "GET", "/v1/children/count").body, "/v1/children/count");
  EXPECT_EQ(Call(router, "GET", "/v1/children/7").body, "/v1/children/{id}|id=7");
  EXPECT_EQ(Call(router, "GET", "/v1/q/x").body, "/v1/{b}/x|b=q");
  EXPECT_EQ(Call(router, "GET", "/v2/q/x").body, "/{a}/{b}/x|a=v2|b=q");
}

TEST(HttpRouterTest, MethodMatchesBeforeSpecificity) {
  // A literal route of another method must not hide a capture route of this method.
  Router router;
  router.Add("GET", "/v1/children/{id}", Echo());
  router.Add("POST", "/v1/children/count", Echo());
  EXPECT_EQ(Call(router, "GET", "/v1/children/count").body, "/v1/children/{id}|id=count");
}

TEST(HttpRouterTest, AsHandlerDispatches) {
  Router router;
  router.Add("GET", "/healthz", Echo());
  Handler h = router.AsHandler();
  HttpRequest req;
  req.method = "GET";
  req.SetTarget("/healthz");
  int status = 0;
  h(std::move(req), [&](HttpResponse r) { status = r.status; });
  EXPECT_EQ(status, 200);
}

TEST(HttpRequestTest, SetTargetSplitsAndDecodesQuery) {
  HttpRequest r;
  r.SetTarget("/v1/work%20loads?label=team%3Ddata&limit=5&flag&q=a+b&&x=%zz#frag");
  EXPECT_EQ(r.path, "/v1/work loads");
  ASSERT_EQ(r.query.size(), 5u);
  EXPECT_EQ(r.Query("label"), "team=data");
  EXPECT_EQ(r.Query("limit"), "5");
  EXPECT_EQ(r.Query("flag"), "");
  EXPECT_EQ(r.Query("q"), "a b");
  EXPECT_EQ(r.Query("x"), "%zz");
  EXPECT_EQ(r.Query("missing"), std::nullopt);
}

TEST(HttpHeadersTest, CaseInsensitiveGetSetRemove) {
  HttpHeaders h{{"Content-Type", "a"}, {"X-Multi", "1"}, {"x-multi", "2"}};
  EXPECT_EQ(h.Get("content-type"), "a");
  EXPECT_EQ(h.Get("X-MULTI"), "1");
  EXPECT_FALSE(h.Has("Accept"));
  h.Set("X-Multi", "3");
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.Get("x-multi"), "3");
  h.Remove("CONTENT-TYPE");
  EXPECT_EQ(h.Get("Content-Type"), std::nullopt);
}

TEST(HttpResponseTest, ErrorResponseShape) {
  HttpResponse r = ErrorResponse(400, "Invalid", "restart must be permanent|transient|temporary",
                                 "spec.restart");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"error":{"code":"Invalid","field":"spec.restart",)"
                    R"("message":"restart must be permanent|transient|temporary"}})");
}

TEST(HttpResponseTest, ErrorResponseSurvivesInvalidUtf8) {
  HttpResponse r = ErrorResponse(400, "Invalid", std::string("bad \xff byte"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NO_THROW(nlohmann::json::parse(r.body));
}

TEST(HttpResponseTest, StatusToErrorResponseMapsCodes) {
  struct Case {
    Status status;
    int http;
    std::string code;
  };
  std::vector<Case> cases = {
      {InvalidArgument("bad", "spec.command"), 400, "Invalid"},
      {NotFound("no workload x"), 404, "NotFound"},
      {Aborted("stale generation"), 409, "Conflict"},
      {FailedPrecondition("stale"), 409, "Conflict"},
      {Unauthenticated("no token"), 401, "Unauthenticated"},
      {PermissionDenied("read-only"), 403, "Forbidden"},
      {ResourceExhausted("too big"), 413, "TooLarge"},
      {Unavailable("down"), 503, "Unavailable"},
      {DeadlineExceeded("slow"), 504, "Timeout"},
      {Internal("boom"), 500, "Internal"},
  };
  for (const Case& c : cases) {
    HttpResponse r = StatusToErrorResponse(c.status);
    EXPECT_EQ(r.status, c.http) << c.status;
    EXPECT_EQ(ErrorOf(r)["code"], c.code) << c.status;
    EXPECT_EQ(ErrorOf(r)["message"], c.status.message());
  }
  EXPECT_EQ(ErrorOf(StatusToErrorResponse(InvalidArgument("bad", "spec.command")))["field"],
            "spec.command");
}

TEST(HttpResponseTest, TaggedUnavailableGivesItsWordAsTheCode) {
  struct Case {
    std::string message;
    std::string code;
    std::string rest;
  };
  std::vector<Case> cases = {
      {"NoQuorum: member m0 sees 1 of 3 members", "NoQuorum", "member m0 sees 1 of 3 members"},
      {"ShuttingDown: member m0 is shutting down", "ShuttingDown", "member m0 is shutting down"},
      {"NotReady: not joined", "NotReady", "not joined"},
      {"OwnerUnavailable: no alive member", "OwnerUnavailable", "no alive member"},
      // Not a tag: lowercase start, no space after the colon, a space inside the word.
      {"noQuorum: x", "Unavailable", "noQuorum: x"},
      {"NoQuorum:x", "Unavailable", "NoQuorum:x"},
      {"No Quorum: x", "Unavailable", "No Quorum: x"},
      {"down", "Unavailable", "down"},
  };
  for (const Case& c : cases) {
    HttpResponse r = StatusToErrorResponse(Status(StatusCode::kUnavailable, c.message, "f"));
    EXPECT_EQ(r.status, 503) << c.message;
    EXPECT_EQ(ErrorOf(r)["code"], c.code) << c.message;
    EXPECT_EQ(ErrorOf(r)["message"], c.rest) << c.message;
    EXPECT_EQ(ErrorOf(r)["field"], "f") << c.message;
  }
  // Only 503s take their code from the message.
  HttpResponse internal = StatusToErrorResponse(Internal("NoQuorum: x"));
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(ErrorOf(internal)["code"], "Internal");
}

TEST(HttpResponseTest, StaleGenerationIsConflictWithItsField) {
  HttpResponse r = StatusToErrorResponse(Status(
      StatusCode::kAborted, "Conflict: workload a is at generation 2", "metadata.generation"));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(ErrorOf(r)["code"], "Conflict");
  EXPECT_EQ(ErrorOf(r)["message"], "workload a is at generation 2");
  EXPECT_EQ(ErrorOf(r)["field"], "metadata.generation");
}

TEST(OnceResponderTest, DeliversFirstCallOnly) {
  std::vector<int> seen;
  Responder r = MakeOnceResponder([&](HttpResponse resp) { seen.push_back(resp.status); });
  Responder copy = r;
  HttpResponse a;
  a.status = 201;
  copy(a);
  HttpResponse b;
  b.status = 202;
  r(b);
  EXPECT_EQ(seen, std::vector<int>{201});
}

TEST(OnceResponderTest, DroppedUncalledAnswers500) {
  std::vector<HttpResponse> seen;
  {
    Responder r = MakeOnceResponder([&](HttpResponse resp) { seen.push_back(std::move(resp)); });
    Responder copy = r;
  }
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].status, 500);
  EXPECT_EQ(ErrorOf(seen[0])["code"], "Internal");
}

TEST(OnceResponderTest, ConcurrentCallsDeliverOnce) {
  std::atomic<int> delivered{0};
  Responder r = MakeOnceResponder([&](HttpResponse) { delivered.fetch_add(1); });
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([r] { r(HttpResponse{}); });
  for (auto& t : threads) t.join();
  r = nullptr;
  EXPECT_EQ(delivered.load(), 1);
}

}  // namespace
}  // namespace herd::sidecar
