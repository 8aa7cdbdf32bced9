// HttpServer on real loopback sockets (port 0): routing, asynchronous answers, limits, timeouts,
// keep-alive and shutdown. Raw TestConnections send exact bytes and observe closes.
#include "sidecar/posix/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "sidecar/http_router.h"
#include "tests/sidecar/http_test_client.h"

namespace herd::sidecar {
namespace {

using testing::TestConnection;
using testing::WaitFor;
using namespace std::chrono_literals;

std::string ErrorCode(const std::string& body) {
  return nlohmann::json::parse(body)["error"]["code"].get<std::string>();
}

HttpResponse Text(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  r.content_type = "text/plain";
  return r;
}

// Answers "<method> <path> <body size>" for any request.
Handler EchoHandler(std::atomic<int>* calls = nullptr) {
  return [calls](HttpRequest&& req, Responder respond) {
    if (calls != nullptr) calls->fetch_add(1);
    respond(Text(req.method + " " + req.path + " " + std::to_string(req.body.size())));
  };
}

std::unique_ptr<HttpServer> StartServer(HttpServerOptions options, Handler handler) {
  auto server = std::make_unique<HttpServer>(std::move(options), std::move(handler));
  Status s = server->Start();
  EXPECT_TRUE(s.ok()) << s;
  return server;
}

std::unique_ptr<TestConnection> MustConnect(int port) {
  Result<std::unique_ptr<TestConnection>> c = TestConnection::Connect(port);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? std::move(c).value() : nullptr;
}

TEST(HttpServerTest, RoutesWithParamsQueryAndRemoteAddress) {
  Router router;
  router.Add("GET", "/v1/workloads/{name}/logs", [](HttpRequest&& req, Responder respond) {
    respond(Text(std::string(req.Param("name")) +
                 " tail=" + std::string(req.Query("tail").value_or("-")) +
                 " from=" + req.remote_address.substr(0, 10)));
  });
  auto server = StartServer({}, router.AsHandler());
  auto conn = MustConnect(server->port());
  ASSERT_NE(conn, nullptr);
  auto r = conn->Get("/v1/workloads/ingest-7/logs?tail=20");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ingest-7 tail=20 from=127.0.0.1:");
  EXPECT_EQ(r->headers.Get("Content-Type"), "text/plain");
  EXPECT_TRUE(r->keep_alive);

  r = conn->Get("/v1/nope");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(ErrorCode(r->body), "NotFound");

  ASSERT_TRUE(conn->Write("DELETE /v1/workloads/x/logs HTTP/1.1\r\nHost: t\r\n\r\n").ok());
  r = conn->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->headers.Get("Allow"), "GET");
  EXPECT_EQ(ErrorCode(r->body), "MethodNotAllowed");
}

// A worker thread that answers requests handed to it, as the agent's event loop would.
class Worker {
 public:
  Worker() : thread_([this] { Run(); }) {}
  ~Worker() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Post(std::function<void()> fn) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(std::move(fn));
    }
    cv_.notify_all();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return done_ || !queue_.empty(); });
      if (queue_.empty()) return;
      auto fn = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      fn();
      lock.lock();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool done_ = false;
  std::thread thread_;
};

TEST(HttpServerTest, ResponderCalledFromAnotherThread) {
  Worker worker;
  std::atomic<std::thread::id> answered_on{};
  auto server = StartServer({}, [&](HttpRequest&& req, Responder respond) {
    worker.Post([&answered_on, path = req.path, respond] {
      answered_on = std::this_thread::get_id();
      respond(Text("async " + path));
    });
  });
  auto conn = MustConnect(server->port());
  ASSERT_NE(conn, nullptr);
  for (int i = 0; i < 3; ++i) {
    auto r = conn->Get("/n/" + std::to_string(i));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->body, "async /n/" + std::to_string(i));
  }
  EXPECT_NE(answered_on.load(), std::this_thread::get_id());
  EXPECT_EQ(server->Stats().connections_accepted, 1u);
}

TEST(HttpServerTest, DroppedResponderAnswers500AndKeepsConnection) {
  auto server = StartServer({}, [](HttpRequest&& req, Responder respond) {
    if (req.path == "/drop") return;  // respond goes out of scope uncalled
    respond(Text("ok"));
  });
  auto conn = MustConnect(server->port());
  ASSERT_NE(conn, nullptr);
  auto r = conn->Get("/drop");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(ErrorCode(r->body), "Internal");
  r = conn->Get("/fine");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
}

TEST(HttpServerTest, ThrowingHandlerAnswers500) {
  auto server =
      StartServer({}, [](HttpRequest&&, Responder) { throw std::runtime_error("handler bug"); });
  auto conn = MustConnect(server->port());
  ASSERT_NE(conn, nullptr);
  auto r = conn->Get("/");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(server->Stats().responses_by_class[5], 1u);
}

TEST(HttpServerTest, OversizedContentLengthIs413BeforeTheBodyAndCloses) {
  std::atomic<int> calls{0};
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  auto server = StartServer(options, EchoHandler(&calls));
  auto conn = MustConnect(server->port());
  ASSERT_NE(conn, nullptr);
  // Announce 10 MB but send only a little of it: the answer must not wait for the rest.
  ASSERT_TRUE(conn->Write("POST /apply HTTP/1.1\r\nHost: t\r\nContent-Length: 10485760\r\n\r\n" +
                          std::string(1000, 'x'))
                  .ok());
  auto r = conn->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(ErrorCode(r->body), "TooLarge");
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(conn->WaitClosed());
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(server->Stats().requests_too_large, 1u);
}

TEST(HttpServerTest, OversizedChunkedBodyIs413AndCloses) {
  std::atomic<int> calls{0};
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  auto server = StartServer(options, EchoHandler(&calls));
  auto conn = MustConnect(server->port());
  ASSERT_NE(conn, nullptr);
  std::string chunk = "200\r\n" + std::string(512, 'y') + "\r\n";
  ASSERT_TRUE(conn->Write("POST /apply HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                          chunk + chunk + chunk)
                  .ok());
  auto r = conn->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(ErrorCode(r->body), "TooLarge");
  EXPECT_TRUE(conn->WaitClosed());
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServerTest, BodiesUpToTheLimitAreServed) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  auto server = StartServer(options, EchoHandler());
  auto conn = MustConnect(server->port());
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Write("POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 1024\r\n\r\n" +
                          std::string(1024, 'z'))
                  .ok());
  auto r = conn->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "POST /a 1024");
  std::string chunk = "200\r\n" + std::string(512, 'y') + "\r\n";
  ASSERT_TRUE(conn->Write("POST /b HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                          chunk + chunk + "0\r\n\r\n")
                  .ok());
  r = conn->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "POST /b 1024");
}

TEST(HttpServerTest, OversizedHeadersAre431AndClose) {
  std::atomic<int> calls{0};
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  auto server = StartServer(options, EchoHandler(&calls));
  auto conn = MustConnect(server->port());
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(
      conn->Write("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n")
          .ok());
  auto r = conn->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(ErrorCode(r->body), "TooLarge");
  EXPECT_TRUE(conn->WaitClosed());
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(server->Stats().request_headers_too_large, 1u);
}

TEST(HttpServerTest, ConnectionsBeyondTheLimitAreClosedAtOnce) {
  HttpServerOptions options;
  options.max_connections = 2;
  auto server = StartServer(options, EchoHandler());
  auto c1 = MustConnect(server->port());
  auto c2 = MustConnect(server->port());
  ASSERT_NE(c1, nullptr);
  ASSERT_NE(c2, nullptr);
  ASSERT_TRUE(c1->Get("/").ok());
  ASSERT_TRUE(c2->Get("/").ok());

  auto c3 = MustConnect(server->port());  // the kernel accepts; the server closes it
  ASSERT_NE(c3, nullptr);
  EXPECT_TRUE(c3->WaitClosed());
  EXPECT_EQ(server->Stats().connections_rejected, 1u);
  EXPECT_TRUE(c1->Get("/still-open").ok());

  c1.reset();
  ASSERT_TRUE(WaitFor([&] { return server->Stats().connections_open == 1; }));
  auto c4 = MustConnect(server->port());
  ASSERT_NE(c4, nullptr);
  auto r = c4->Get("/again");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(server->Stats().connections_rejected, 1u);
}

TEST(HttpServerTest, KeepAliveReusesOneConnection) {
  auto server = StartServer({}, EchoHandler());
  auto conn = MustConnect(server->port());
  ASSERT_NE(conn, nullptr);
  for (int i = 0; i < 20; ++i) {
    auto r = conn->Get("/k");
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_TRUE(r->keep_alive);
  }
  HttpServerStats stats = server->Stats();
  EXPECT_EQ(stats.connections_accepted, 1u);
  EXPECT_EQ(stats.responses_by_class[2], 20u);
  EXPECT_GT(stats.bytes_received, 20u * 30);
  EXPECT_GT(stats.bytes_sent, 20u * 30);
}

TEST(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  auto server = StartServer({}, EchoHandler());
  auto conn = MustConnect(server->port());
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(
      conn->Write("GET /one HTTP/1.1\r\nHost: t\r\n\r\nGET /two HTTP/1.1\r\nHost: t\r\n\r\n").ok());
  auto a = conn->ReadResponse();
  auto b = conn->ReadResponse();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->body, "GET /one 0");
  EXPECT_EQ(b->body, "GET /two 0");
}

TEST(HttpServerTest, ConnectionCloseAndHttp10AreHonoured) {
  auto server = StartServer({}, EchoHandler());
  auto conn = MustConnect(server->port());
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Write("GET /c HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").ok());
  auto r = conn->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(conn->WaitClosed());

  auto old = MustConnect(server->port());
  ASSERT_NE(old, nullptr);
  ASSERT_TRUE(old->Write("GET /old HTTP/1.0\r\n\r\n").ok());
  r = old->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "GET /old 0");
  EXPECT_TRUE(old->WaitClosed());
}

TEST(HttpServerTest, HeadAnswersCarryNoBody) {
  auto server = StartServer({}, EchoHandler());
  auto conn = MustConnect(server->port());
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Write("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n").ok());
  auto head = conn->ReadUntil("\r\n\r\n");
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_NE(head->find("Content-Length: 9\r\n"), std::string::npos) << *head;  // "HEAD /h 0"
  auto next = conn->Get("/next");  // would misparse if body bytes had followed the head
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->body, "GET /next 0");
}

TEST(HttpServerTest, HandlerCanAskToClose) {
  auto server = StartServer({}, [](HttpRequest&&, Responder respond) {
    HttpResponse r = Text("bye");
    r.headers.Set("Connection", "close");
    respond(std::move(r));
  });
  auto conn = MustConnect(server->port());
  ASSERT_NE(conn, nullptr);
  auto r = conn->Get("/");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(conn->WaitClosed());
}

TEST(HttpServerTest, SlowRequestIsCutAtTheReadTimeout) {
  HttpServerOptions options;
  options.read_timeout = 200ms;
  auto server = StartServer(options, EchoHandler());
  auto conn = MustConnect(server->port());
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Write("GET / HTTP/1.1\r\nHost: t\r\n").ok());  // never finished
  EXPECT_TRUE(conn->WaitClosed());
  // The stream closes the socket itself on timeout; the count follows a moment later.
  EXPECT_TRUE(WaitFor([&] { return server->Stats().request_timeouts == 1; }));

  auto body = MustConnect(server->port());  // headers done, body trickles and stops
  ASSERT_NE(body, nullptr);
  ASSERT_TRUE(body->Write("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n12345").ok());
  EXPECT_TRUE(body->WaitClosed());
  EXPECT_TRUE(WaitFor([&] { return server->Stats().request_timeouts == 2; }));
}

TEST(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  HttpServerOptions options;
  options.idle_timeout = 200ms;
  auto server = StartServer(options, EchoHandler());
  auto conn = MustConnect(server->port());
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Get("/").ok());
  EXPECT_TRUE(conn->WaitClosed());
  EXPECT_EQ(server->Stats().request_timeouts, 0u);
}

TEST(HttpServerTest, Expect100ContinueIsAnswered) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  auto server = StartServer(options, EchoHandler());
  auto conn = MustConnect(server->port());
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(
      conn->Write("PUT /w HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
          .ok());
  auto interim = conn->ReadUntil("\r\n\r\n");
  ASSERT_TRUE(interim.ok()) << interim.status();
  EXPECT_EQ(interim->rfind("HTTP/1.1 100 Continue\r\n", 0), 0u) << *interim;
  ASSERT_TRUE(conn->Write("hello").ok());
  auto r = conn->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "PUT /w 5");

  // Too large: the final answer comes at once, without a 100.
  ASSERT_TRUE(conn->Write("PUT /w HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n"
                          "Expect: 100-continue\r\n\r\n")
                  .ok());
  r = conn->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 413);
}

TEST(HttpServerTest, MalformedRequestIs400AndCloses) {
  std::atomic<int> calls{0};
  auto server = StartServer({}, EchoHandler(&calls));
  auto conn = MustConnect(server->port());
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Write("NOT HTTP AT ALL\r\n\r\n").ok());
  auto r = conn->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(ErrorCode(r->body), "Invalid");
  EXPECT_TRUE(conn->WaitClosed());
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServerTest, HandlerHeadersCannotInjectOrOverrideFraming) {
  auto server = StartServer({}, [](HttpRequest&&, Responder respond) {
    HttpResponse r = Text("abc");
    r.headers.Add("X-Evil", "a\r\nSet-Cookie: x=1");
    r.headers.Add("Content-Length", "999");
    r.headers.Add("X-Good", "yes");
    respond(std::move(r));
  });
  auto conn = MustConnect(server->port());
  ASSERT_NE(conn, nullptr);
  auto r = conn->Get("/");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "abc");
  EXPECT_EQ(r->headers.Get("Content-Length"), "3");
  EXPECT_FALSE(r->headers.Has("X-Evil"));
  EXPECT_FALSE(r->headers.Has("Set-Cookie"));
  EXPECT_EQ(r->headers.Get("X-Good"), "yes");
  EXPECT_TRUE(conn->Get("/").ok());  // framing intact
}

TEST(HttpServerTest, ManyThreadsAndConnections) {
  HttpServerOptions options;
  options.threads = 3;
  auto server = StartServer(options, EchoHandler());
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 6; ++c) {
    clients.emplace_back([&] {
      auto conn = TestConnection::Connect(server->port());
      if (!conn.ok()) return;
      for (int i = 0; i < 50; ++i) {
        auto r = (*conn)->Get("/m");
        if (r.ok() && r->status == 200) ok.fetch_add(1);
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 300);
}

TEST(HttpServerTest, StopClosesConnectionsAndIgnoresLateResponders) {
  std::mutex mu;
  std::vector<Responder> held;
  auto server = StartServer({}, [&](HttpRequest&&, Responder respond) {
    std::lock_guard<std::mutex> lock(mu);
    held.push_back(std::move(respond));
  });
  auto waiting = MustConnect(server->port());
  auto idle = MustConnect(server->port());
  ASSERT_NE(waiting, nullptr);
  ASSERT_NE(idle, nullptr);
  ASSERT_TRUE(waiting->Write("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n").ok());
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> lock(mu);
    return held.size() == 1;
  }));
  server->Stop();
  EXPECT_TRUE(waiting->WaitClosed());
  EXPECT_TRUE(idle->WaitClosed());
  held[0](Text("too late"));  // ignored, must not crash or hang
  server.reset();
  held.clear();  // the last reference to the connection goes here, after the server
}

TEST(HttpServerTest, StartReportsBadOptions) {
  auto expect = [](HttpServerOptions o, StatusCode code, const std::string& field) {
    HttpServer server(o, EchoHandler());
    Status s = server.Start();
    EXPECT_EQ(s.code(), code) << s;
    EXPECT_EQ(s.field(), field) << s;
  };
  HttpServerOptions o;
  o.listen_address = "127.0.0.1";
  expect(o, StatusCode::kInvalidArgument, "listen_address");
  o.listen_address = "127.0.0.1:99999";
  expect(o, StatusCode::kInvalidArgument, "listen_address");
  o.listen_address = "not-an-ip:80";
  expect(o, StatusCode::kInvalidArgument, "listen_address");
  o = {};
  o.threads = 0;
  expect(o, StatusCode::kInvalidArgument, "threads");
  o = {};
  o.tls.cert_file = "/nonexistent/server.crt";
  o.tls.key_file = "/nonexistent/server.key";
  expect(o, StatusCode::kInvalidArgument, "tls.cert_file");
  o = {};
  o.tls.ca_file = "/nonexistent/ca.crt";
  expect(o, StatusCode::kInvalidArgument, "tls.ca_file");

  auto first = StartServer({}, EchoHandler());
  o = {};
  o.listen_address = first->address();
  expect(o, StatusCode::kUnavailable, "");
  EXPECT_EQ(first->Start().code(), StatusCode::kFailedPrecondition);
}

TEST(HttpServerTest, ReportsBoundAddress) {
  HttpServer server({}, EchoHandler());
  EXPECT_EQ(server.port(), 0);
  ASSERT_TRUE(server.Start().ok());
  EXPECT_GT(server.port(), 0);
  EXPECT_EQ(server.address(), "127.0.0.1:" + std::to_string(server.port()));
}

}  // namespace
}  // namespace herd::sidecar
