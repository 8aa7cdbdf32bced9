// http_bench: throughput and latency of HttpServer on loopback, and the round trip of HttpClient
// (the peer transport's client). Prints one JSON object on stdout; never passes or fails.
//
// Load comes from a minimal blocking raw-socket client (OpenSSL's SSL_read/SSL_write for TLS):
// 4 keep-alive connections, one thread each, one request in flight per connection, so the
// client does little more than the kernel's work. Each phase stops after 20,000 requests or
// ~3 s, whichever comes first. The peer_* phases send sequentially, one request at a time, as a
// peer pushes a delta and waits for its ack: once with the raw client (the floor) and once with
// HttpClient (cpprestsdk), whose pplx continuations add thread-pool hops to every round trip.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench/raw_http.h"
#include "bench/stats.h"
#include "common/log.h"
#include "sidecar/http_router.h"
#include "sidecar/posix/http_client.h"
#include "sidecar/posix/http_server.h"
#include "tests/sidecar/http_test_certs.h"

namespace herd::sidecar {
namespace {

using bench::RawConn;
using Clock = std::chrono::steady_clock;
constexpr int kConnections = 4;
constexpr int kMaxRequests = 20000;
constexpr auto kMaxPhase = std::chrono::seconds(3);

struct PhaseResult {
  double rps = 0;
  double p50_us = 0;
  double p99_us = 0;
  int requests = 0;
  int errors = 0;
};

using bench::Percentile;

PhaseResult RunRawPhase(int port, SSL_CTX* tls, const std::string& request,
                        int connections = kConnections) {
  std::atomic<int> issued{0};
  std::atomic<int> errors{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(connections));
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      RawConn conn(port, tls);
      if (!conn.ok()) {
        errors.fetch_add(1);
        return;
      }
      while (issued.fetch_add(1) < kMaxRequests && Clock::now() - start < kMaxPhase) {
        auto t0 = Clock::now();
        int status = conn.RoundTrip(request);
        auto t1 = Clock::now();
        if (status < 200 || status >= 300) {
          errors.fetch_add(1);
          if (status < 0) return;
        }
        latencies[c].push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  PhaseResult r;
  r.requests = static_cast<int>(all.size());
  r.errors = errors.load();
  r.rps = static_cast<double>(all.size()) / seconds;
  r.p50_us = Percentile(all, 0.50);
  r.p99_us = Percentile(all, 0.99);
  return r;
}

PhaseResult RunClientPhase(HttpClient& client, const std::string& body, int requests) {
  std::vector<double> lat;
  int errors = 0;
  auto start = Clock::now();
  for (int i = 0; i < requests && Clock::now() - start < kMaxPhase; ++i) {
    auto t0 = Clock::now();
    auto r = client.SendSync("POST", "/v1/peer/delta", body,
                             {{"Content-Type", "application/octet-stream"}});
    auto t1 = Clock::now();
    if (!r.ok() || r->status != 200) ++errors;
    lat.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  PhaseResult r;
  r.requests = static_cast<int>(lat.size());
  r.errors = errors;
  r.rps = static_cast<double>(lat.size()) / seconds;
  r.p50_us = Percentile(lat, 0.50);
  r.p99_us = Percentile(lat, 0.99);
  return r;
}

// The agent's event loop stand-in: handlers post work here and answer from this thread.
class Loop {
 public:
  Loop() : thread_([this] { Run(); }) {}
  ~Loop() {
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
    cv_.notify_one();
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

nlohmann::json ToJson(const PhaseResult& r) {
  return {{"rps", static_cast<int64_t>(r.rps)},
          {"p50_us", static_cast<int64_t>(r.p50_us)},
          {"p99_us", static_cast<int64_t>(r.p99_us)},
          {"requests", r.requests},
          {"errors", r.errors}};
}

int Main() {
  SetMinLogLevel(LogLevel::kWarning);
  Loop loop;
  Router router;
  router.Add("GET", "/v1/workloads/{name}", [](HttpRequest&& req, Responder respond) {
    respond(JsonResponse(200, R"({"kind":"Workload","metadata":{"name":"x"}})"));
  });
  router.Add("POST", "/v1/workloads", [](HttpRequest&& req, Responder respond) {
    respond(JsonResponse(201, R"({"result":"created"})"));
  });
  router.Add("POST", "/v1/loop", [&loop](HttpRequest&& req, Responder respond) {
    loop.Post([respond, size = req.body.size()] {
      respond(JsonResponse(201, "{\"bytes\":" + std::to_string(size) + "}"));
    });
  });
  router.Add("POST", "/v1/peer/delta", [&loop](HttpRequest&& req, Responder respond) {
    loop.Post([respond] { respond(JsonResponse(200, R"({"ack":1})")); });
  });

  testing::TestPki pki;
  testing::TestCa ca = pki.MakeCa("bench", "bench CA");
  testing::CertFiles server_cert = pki.Issue(ca, "server", "agent-0");
  testing::CertFiles client_cert = pki.Issue(ca, "client", "agent-1");

  HttpServerOptions plain_options;
  plain_options.name = "bench";
  HttpServer plain(plain_options, router.AsHandler());
  HttpServerOptions tls_options = plain_options;
  tls_options.tls = {server_cert.cert_file, server_cert.key_file, ca.cert_file()};
  HttpServer tls(tls_options, router.AsHandler());
  if (!plain.Start().ok() || !tls.Start().ok()) {
    std::cerr << "cannot start servers\n";
    return 1;
  }

  SSL_CTX* client_ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(client_ctx, SSL_VERIFY_NONE, nullptr);
  SSL_CTX_use_certificate_chain_file(client_ctx, client_cert.cert_file.c_str());
  SSL_CTX_use_PrivateKey_file(client_ctx, client_cert.key_file.c_str(), SSL_FILETYPE_PEM);

  const std::string get = "GET /v1/workloads/ingest-7 HTTP/1.1\r\nHost: b\r\n\r\n";
  const std::string body(1024, 'a');
  const std::string post =
      "POST /v1/workloads HTTP/1.1\r\nHost: b\r\nContent-Type: "
      "application/json\r\nContent-Length: 1024\r\n\r\n" +
      body;
  const std::string post_loop =
      "POST /v1/loop HTTP/1.1\r\nHost: b\r\nContent-Type: "
      "application/json\r\nContent-Length: 1024\r\n\r\n" +
      body;

  PhaseResult get_plain = RunRawPhase(plain.port(), nullptr, get);
  PhaseResult post_plain = RunRawPhase(plain.port(), nullptr, post);
  PhaseResult post_loop_plain = RunRawPhase(plain.port(), nullptr, post_loop);
  PhaseResult get_tls = RunRawPhase(tls.port(), client_ctx, get);
  PhaseResult post_tls = RunRawPhase(tls.port(), client_ctx, post);

  HttpClientOptions peer_plain;
  peer_plain.base_url = "http://" + plain.address();
  HttpClientOptions peer_mtls;
  peer_mtls.base_url = "https://" + tls.address();
  peer_mtls.ca_file = ca.cert_file();
  peer_mtls.cert_file = client_cert.cert_file;
  peer_mtls.key_file = client_cert.key_file;
  auto c1 = HttpClient::Create(peer_plain);
  auto c2 = HttpClient::Create(peer_mtls);
  if (!c1.ok() || !c2.ok()) {
    std::cerr << "cannot create clients\n";
    return 1;
  }
  const std::string delta(512, 'd');
  RunClientPhase(**c1, delta, 200);  // warm the connection pools
  RunClientPhase(**c2, delta, 200);
  const std::string raw_delta =
      "POST /v1/peer/delta HTTP/1.1\r\nHost: b\r\nContent-Type: "
      "application/octet-stream\r\nContent-Length: 512\r\n\r\n" +
      delta;
  PhaseResult raw_sequential = RunRawPhase(plain.port(), nullptr, raw_delta, 1);
  PhaseResult client_plain = RunClientPhase(**c1, delta, 5000);
  PhaseResult client_mtls = RunClientPhase(**c2, delta, 5000);

  HttpServerStats stats = plain.Stats();
  nlohmann::json out = {
      {"bench", "http"},
      {"client",
       "raw blocking sockets (OpenSSL SSL_read/SSL_write for TLS), 4 keep-alive "
       "connections, 1 thread each; peer_* phases: HttpClient (cpprestsdk) SendSync"},
      {"server_threads", plain_options.threads},
      {"get_rps", static_cast<int64_t>(get_plain.rps)},
      {"get_p50_us", static_cast<int64_t>(get_plain.p50_us)},
      {"get_p99_us", static_cast<int64_t>(get_plain.p99_us)},
      {"post_1kb_rps", static_cast<int64_t>(post_plain.rps)},
      {"post_1kb_p50_us", static_cast<int64_t>(post_plain.p50_us)},
      {"post_1kb_p99_us", static_cast<int64_t>(post_plain.p99_us)},
      {"phases",
       {{"get", ToJson(get_plain)},
        {"post_1kb", ToJson(post_plain)},
        {"post_1kb_via_event_loop", ToJson(post_loop_plain)},
        {"mtls_get", ToJson(get_tls)},
        {"mtls_post_1kb", ToJson(post_tls)},
        {"peer_raw_sequential_post_512b", ToJson(raw_sequential)},
        {"peer_client_post_512b", ToJson(client_plain)},
        {"peer_client_mtls_post_512b", ToJson(client_mtls)}}},
      {"peer_client_rtt_p50_us", static_cast<int64_t>(client_plain.p50_us)},
      {"peer_client_rtt_p99_us", static_cast<int64_t>(client_plain.p99_us)},
      {"peer_client_mtls_rtt_p50_us", static_cast<int64_t>(client_mtls.p50_us)},
      {"peer_client_mtls_rtt_p99_us", static_cast<int64_t>(client_mtls.p99_us)},
      {"server_connections_accepted", stats.connections_accepted},
  };
  std::cout << out.dump(2) << std::endl;
  SSL_CTX_free(client_ctx);
  tls.Stop();
  plain.Stop();
  return 0;
}

}  // namespace
}  // namespace herd::sidecar

int main() { return herd::sidecar::Main(); }
