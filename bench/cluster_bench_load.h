// Load generators for cluster_bench: chunked applies spread over the members, and closed-loop
// request loops (N threads, each its own raw connection, one request in flight per thread) that
// report throughput and latency.
//
// Each generator owns its HttpClients and threads and joins them before returning, so nothing
// outlives the call. Every request has a timeout; a loop ends after its duration even when the
// server stops answering (a request then takes at most `request_timeout` more).
//
// Threading: call from one thread (not from a cpprestsdk callback: SendSync blocks).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "bench/stats.h"
#include "common/status.h"

namespace herd::sidecar {

struct BenchRequest {
  std::string method;
  std::string path;
  std::string body;
  std::string content_type;  // empty: none
};

// Posts bodies[k] as POST /v1/workloads (application/yaml) to urls[k % urls.size()]; one thread
// per url sends its bodies in order. Returns each body's answer time in seconds since `start`,
// or the first error: a transport failure, or a status other than 200/201 (with the body).
Result<std::vector<double>> PostChunks(const std::vector<std::string>& urls,
                                       const std::vector<std::string>& bodies,
                                       std::chrono::steady_clock::time_point start,
                                       std::chrono::milliseconds request_timeout);

struct LoadResult {
  int ok = 0;      // answers with an expected status
  int errors = 0;  // transport failures and other statuses
  double seconds = 0;
  double rps = 0;  // ok / seconds
  double p50_ms = 0;
  double p99_ms = 0;
  std::string first_error;  // empty when errors == 0
};

// `threads` threads, each with its own raw keep-alive connection (bench/raw_http.h) to `url`
// (http://127.0.0.1:PORT), send make(thread, k) for k = 0, 1,
// ... back to back until `duration` has passed. A request counts as ok when its status is one of
// `expected`. Errors: kInvalidArgument when a client cannot be made for `url`.
Result<LoadResult> RunLoad(const std::string& url, int threads, std::chrono::milliseconds duration,
                           const std::function<BenchRequest(int thread, int k)>& make,
                           const std::vector<int>& expected,
                           std::chrono::milliseconds request_timeout);

using bench::Percentile;

}  // namespace herd::sidecar
