#include "bench/cluster_bench_load.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <thread>

#include "bench/raw_http.h"
#include "sidecar/posix/http_client.h"

namespace herd::sidecar {
namespace {

using SteadyClock = std::chrono::steady_clock;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

Result<std::unique_ptr<HttpClient>> MakeClient(const std::string& url,
                                               std::chrono::milliseconds timeout) {
  HttpClientOptions o;
  o.base_url = url;
  o.default_timeout = timeout;
  return HttpClient::Create(o);
}

}  // namespace

Result<std::vector<double>> PostChunks(const std::vector<std::string>& urls,
                                       const std::vector<std::string>& bodies,
                                       SteadyClock::time_point start,
                                       std::chrono::milliseconds request_timeout) {
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (const std::string& url : urls) {
    ASSIGN_OR_RETURN(std::unique_ptr<HttpClient> c, MakeClient(url, request_timeout));
    clients.push_back(std::move(c));
  }
  std::vector<double> acked(bodies.size(), 0);
  std::mutex mu;
  Status first = Status::Ok();
  std::vector<std::thread> threads;
  for (size_t m = 0; m < clients.size(); ++m) {
    threads.emplace_back([&, m] {
      for (size_t k = m; k < bodies.size(); k += clients.size()) {
        Result<HttpResponse> r = clients[m]->SendSync(
            "POST", "/v1/workloads", bodies[k], HttpHeaders{{"Content-Type", "application/yaml"}});
        acked[k] = SecondsSince(start);
        Status s = Status::Ok();
        if (!r.ok()) {
          s = r.status().WithContext("apply chunk " + std::to_string(k) + " to " + urls[m]);
        } else if (r->status != 200 && r->status != 201) {
          s = Internal("apply chunk " + std::to_string(k) + " to " + urls[m] + " answered " +
                       std::to_string(r->status) + ": " + r->body.substr(0, 300));
        }
        if (!s.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (first.ok()) first = s;
          return;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  if (!first.ok()) return first;
  return acked;
}

Result<LoadResult> RunLoad(const std::string& url, int threads, std::chrono::milliseconds duration,
                           const std::function<BenchRequest(int thread, int k)>& make,
                           const std::vector<int>& expected,
                           std::chrono::milliseconds request_timeout) {
  (void)request_timeout;  // RawConn blocks; the duration bounds the loop
  const size_t colon = url.rfind(':');
  const int port = colon == std::string::npos ? 0 : std::atoi(url.c_str() + colon + 1);
  if (url.rfind("http://127.0.0.1:", 0) != 0 || port <= 0) {
    return InvalidArgument("RunLoad needs http://127.0.0.1:PORT, got " + url);
  }
  struct PerThread {
    int ok = 0;
    int errors = 0;
    std::vector<double> latencies_ms;
    std::string first_error;
  };
  std::vector<PerThread> per(threads);
  const SteadyClock::time_point start = SteadyClock::now();
  const SteadyClock::time_point end = start + duration;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      PerThread& me = per[t];
      me.latencies_ms.reserve(65536);
      bench::RawConn conn(port);
      if (!conn.ok()) {
        ++me.errors;
        me.first_error = "cannot connect to " + url;
        return;
      }
      for (int k = 0; SteadyClock::now() < end; ++k) {
        BenchRequest req = make(t, k);
        const std::string wire =
            bench::FormatRequest(req.method, req.path, req.body, req.content_type);
        const SteadyClock::time_point sent = SteadyClock::now();
        const int status = conn.RoundTrip(wire);
        me.latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(SteadyClock::now() - sent).count());
        if (std::find(expected.begin(), expected.end(), status) != expected.end()) {
          ++me.ok;
          continue;
        }
        ++me.errors;
        if (me.first_error.empty()) {
          me.first_error = req.method + " " + req.path + ": status " + std::to_string(status);
        }
        if (status < 0) return;  // the connection is gone
      }
    });
  }
  for (std::thread& t : pool) t.join();
  LoadResult out;
  out.seconds = SecondsSince(start);
  std::vector<double> all;
  for (PerThread& p : per) {
    out.ok += p.ok;
    out.errors += p.errors;
    all.insert(all.end(), p.latencies_ms.begin(), p.latencies_ms.end());
    if (out.first_error.empty()) out.first_error = p.first_error;
  }
  out.rps = out.seconds > 0 ? out.ok / out.seconds : 0;
  out.p50_ms = Percentile(all, 0.50);
  out.p99_ms = Percentile(std::move(all), 0.99);
  return out;
}

}  // namespace herd::sidecar
