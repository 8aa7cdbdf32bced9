// HttpClient (cpprestsdk) against HttpServer on loopback: round trips, keep-alive, async sends,
// timeouts, refused connections and option errors.
#include "sidecar/posix/http_client.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>

#include "sidecar/http_router.h"
#include "sidecar/posix/http_server.h"
#include "tests/sidecar/http_test_client.h"

namespace herd::sidecar {
namespace {

using testing::WaitFor;
using namespace std::chrono_literals;

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/v1/echo", [](HttpRequest&& req, Responder respond) {
      HttpResponse r =
          JsonResponse(200, nlohmann::json{{"method", req.method},
                                           {"q", req.Query("q").value_or("")},
                                           {"x", req.headers.Get("X-Test").value_or("")}}
                                .dump());
      r.headers.Set("X-Reply", "yes");
      respond(std::move(r));
    });
    router_.Add("POST", "/v1/echo", [](HttpRequest&& req, Responder respond) {
      HttpResponse r;
      r.body = req.body;
      r.content_type = std::string(req.headers.Get("Content-Type").value_or("none"));
      respond(std::move(r));
    });
    router_.Add("GET", "/v1/big", [](HttpRequest&&, Responder respond) {
      HttpResponse r;
      r.body.resize(1 << 20);
      for (size_t i = 0; i < r.body.size(); ++i) r.body[i] = static_cast<char>(i * 7);
      respond(std::move(r));
    });
    router_.Add("GET", "/v1/slow", [this](HttpRequest&&, Responder respond) {
      std::lock_guard<std::mutex> lock(mu_);
      held_.push_back(std::move(respond));
    });
    HttpServerOptions options;
    options.max_body_bytes = 64 << 10;
    server_ = std::make_unique<HttpServer>(options, router_.AsHandler());
    ASSERT_TRUE(server_->Start().ok());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  void TearDown() override {
    server_.reset();
    std::lock_guard<std::mutex> lock(mu_);
    held_.clear();
  }

  std::unique_ptr<HttpClient> Client(std::string base = {}) {
    HttpClientOptions o;
    o.base_url = base.empty() ? base_ : base;
    auto c = HttpClient::Create(o);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::string base_;
  std::mutex mu_;
  std::vector<Responder> held_;
};

TEST_F(HttpClientTest, GetWithQueryAndHeaders) {
  auto client = Client();
  ASSERT_NE(client, nullptr);
  auto r = client->SendSync("GET", "/v1/echo?q=a%20b", "", {{"X-Test", "hello"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "application/json");
  EXPECT_EQ(r->headers.Get("x-reply"), "yes");
  auto body = nlohmann::json::parse(r->body);
  EXPECT_EQ(body["method"], "GET");
  EXPECT_EQ(body["q"], "a b");
  EXPECT_EQ(body["x"], "hello");
}

TEST_F(HttpClientTest, BinaryBodyRoundTripsWithContentType) {
  auto client = Client();
  ASSERT_NE(client, nullptr);
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  auto r = client->SendSync("POST", "/v1/echo", bytes, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, bytes);
  EXPECT_EQ(r->content_type, "application/octet-stream");

  r = client->SendSync("POST", "/v1/echo", "{}", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->content_type, "application/json");
}

TEST_F(HttpClientTest, LargeResponseArrivesIntact) {
  auto client = Client();
  ASSERT_NE(client, nullptr);
  auto r = client->SendSync("GET", "/v1/big");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->body.size(), 1u << 20);
  for (size_t i = 0; i < r->body.size(); i += 4099) {
    ASSERT_EQ(r->body[i], static_cast<char>(i * 7)) << i;
  }
}

TEST_F(HttpClientTest, ErrorStatusesAreValues) {
  auto client = Client();
  ASSERT_NE(client, nullptr);
  auto r = client->SendSync("GET", "/v1/missing");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(nlohmann::json::parse(r->body)["error"]["code"], "NotFound");

  r = client->SendSync("POST", "/v1/echo", std::string(100 << 10, 'x'));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 413);
}

TEST_F(HttpClientTest, KeepAliveReusesConnections) {
  auto client = Client();
  ASSERT_NE(client, nullptr);
  constexpr uint64_t kRequests = 20;
  for (uint64_t i = 0; i < kRequests; ++i) {
    auto r = client->SendSync("GET", "/v1/echo");
    ASSERT_TRUE(r.ok()) << r.status();
  }
  // cpprestsdk returns a connection to its pool only after the response has been delivered, so
  // a request sent at once from the callback's wake-up may open a second (rarely a third)
  // connection; after that they are reused. Without keep-alive this would be kRequests.
  EXPECT_LE(server_->Stats().connections_accepted, kRequests / 4);
}

TEST_F(HttpClientTest, AsyncSendCallsBackOncePerRequest) {
  auto client = Client();
  ASSERT_NE(client, nullptr);
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  int ok = 0;
  constexpr int kRequests = 20;
  for (int i = 0; i < kRequests; ++i) {
    client->Send("GET", "/v1/echo", "", {}, 0ms, [&](Result<HttpResponse> r) {
      std::lock_guard<std::mutex> lock(mu);
      ++done;
      if (r.ok() && r->status == 200) ++ok;
      cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return done == kRequests; }));
  EXPECT_EQ(ok, kRequests);
}

TEST_F(HttpClientTest, NoAnswerWithinTimeoutIsDeadlineExceeded) {
  auto client = Client();
  ASSERT_NE(client, nullptr);
  auto r = client->SendSync("GET", "/v1/slow", "", {}, 200ms);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_NE(r.status().message().find("GET " + base_ + "/v1/slow"), std::string::npos)
      << r.status();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ASSERT_EQ(held_.size(), 1u);
    held_[0](HttpResponse{});  // the late answer goes nowhere
  }
  // The client is still usable afterwards.
  auto again = client->SendSync("GET", "/v1/echo");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->status, 200);
}

TEST_F(HttpClientTest, RefusedConnectionIsUnavailableNamingTheAddress) {
  HttpServer gone({}, [](HttpRequest&&, Responder) {});
  ASSERT_TRUE(gone.Start().ok());
  std::string address = gone.address();
  gone.Stop();  // nothing listens there any more
  auto client = Client("http://" + address);
  ASSERT_NE(client, nullptr);
  auto r = client->SendSync("GET", "/v1/echo", "", {}, 5s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  EXPECT_NE(r.status().message().find(address), std::string::npos) << r.status();
}

TEST(HttpClientCreateTest, RejectsBadOptions) {
  auto expect = [](HttpClientOptions o, const std::string& field) {
    auto c = HttpClient::Create(o);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << c.status();
    EXPECT_EQ(c.status().field(), field) << c.status();
  };
  HttpClientOptions o;
  o.base_url = "ftp://127.0.0.1:21";
  expect(o, "base_url");
  o.base_url = "http//missing-colon";
  expect(o, "base_url");
  o.base_url = "https://127.0.0.1:1";
  o.ca_file = "/nonexistent/ca.crt";
  expect(o, "ca_file");
  o.ca_file = "";
  o.cert_file = "/nonexistent/client.crt";
  expect(o, "key_file");
  o = {};
  o.base_url = "http://127.0.0.1:1";
  o.ca_file = "/etc/hosts";
  expect(o, "ca_file");
}

}  // namespace
}  // namespace herd::sidecar
