// ApiMetrics: REST request counts and latencies, in the agent's prometheus::Registry:
//   herd_api_requests_total{route,method,code}
//   herd_api_request_duration_seconds{route,method}  (buckets: DurationHistogram::kBounds)
//   herd_api_auth_failures_total{reason}  (reason: unauthenticated | forbidden; both at 0 from
//                                          the start, counted by the auth hook, sidecar/auth.h)
// Labels stay bounded: route is the Router's pattern ("/v1/workloads/{name}", never a path),
// "unmatched" when no route matched (404, 405); method is one of the HTTP methods the API
// knows, "other" for anything else; code is the numeric status.
//
// InstrumentApi wraps a Router's handler: it times each request from its arrival on the
// server thread to its answer (which may come from the event loop) and records it. The
// clock is injected (only sidecar/posix/ reads the real one).
//
// Threading: Record and the wrapped handler from any thread at once. The metric pointers of
// each label set are cached under a mutex, so the hot path does not build label maps. The
// registry must outlive the ApiMetrics; the ApiMetrics and the Router must outlive the handler.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "sidecar/http.h"
#include "sidecar/http_router.h"

namespace herd::sidecar {

class ApiMetrics {
 public:
  explicit ApiMetrics(prometheus::Registry& registry);
  ApiMetrics(const ApiMetrics&) = delete;
  ApiMetrics& operator=(const ApiMetrics&) = delete;

  // Counts one request. `route` empty means "unmatched"; `method` is mapped to a bounded set.
  void Record(std::string_view route, std::string_view method, int code, double seconds);

  // The label value used for `method`: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS or other.
  static std::string_view MethodLabel(std::string_view method);

  // Counts one request refused by authentication ("unauthenticated") or authorization
  // ("forbidden"); any other reason is ignored.
  void CountAuthFailure(std::string_view reason);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Family<prometheus::Counter>& auth_failures_;
  prometheus::Counter& unauthenticated_;
  prometheus::Counter& forbidden_;
  std::mutex mu_;
  std::unordered_map<std::string, prometheus::Counter*> counters_;      // route|method|code
  std::unordered_map<std::string, prometheus::Histogram*> histograms_;  // route|method
};

// Monotonic time for request durations (steady_clock in the agent, a fake in tests).
using MonotonicNow = std::function<Clock::TimePoint()>;

// `inner` (usually router.AsHandler()) with every request recorded into `metrics`.
Handler InstrumentApi(Handler inner, const Router& router, ApiMetrics& metrics, MonotonicNow now);

}  // namespace herd::sidecar
