#include "sidecar/metrics_api.h"

#include <chrono>
#include <memory>
#include <utility>
#include <vector>

#include "sidecar/duration_histogram.h"

namespace herd::sidecar {

ApiMetrics::ApiMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("herd_api_requests_total")
                    .Help("REST requests by route pattern, method and status code")
                    .Register(registry)),
      durations_(prometheus::BuildHistogram()
                     .Name("herd_api_request_duration_seconds")
                     .Help("REST request latency, arrival to answer")
                     .Register(registry)),
      auth_failures_(prometheus::BuildCounter()
                         .Name("herd_api_auth_failures_total")
                         .Help("REST requests refused by authentication or authorization")
                         .Register(registry)),
      unauthenticated_(auth_failures_.Add({{"reason", "unauthenticated"}})),
      forbidden_(auth_failures_.Add({{"reason", "forbidden"}})) {}

void ApiMetrics::CountAuthFailure(std::string_view reason) {
  if (reason == "unauthenticated") unauthenticated_.Increment();
  if (reason == "forbidden") forbidden_.Increment();
}

std::string_view ApiMetrics::MethodLabel(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",   "HEAD",   "POST",   "PUT",
                                                "PATCH", "DELETE", "OPTIONS"};
  for (std::string_view m : kKnown) {
    if (m == method) return m;
  }
  return "other";
}

void ApiMetrics::Record(std::string_view route, std::string_view method, int code, double seconds) {
  const std::string_view r = route.empty() ? std::string_view("unmatched") : route;
  const std::string_view m = MethodLabel(method);
  std::string key;
  key.reserve(r.size() + m.size() + 6);
  key.append(r).append("|").append(m);
  prometheus::Histogram* histogram = nullptr;
  prometheus::Counter* counter = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto h = histograms_.find(key);
    if (h == histograms_.end()) {
      static const prometheus::Histogram::BucketBoundaries kBuckets(
          DurationHistogram::kBounds.begin(), DurationHistogram::kBounds.end());
      h = histograms_
              .emplace(key, &durations_.Add({{"route", std::string(r)}, {"method", std::string(m)}},
                                            kBuckets))
              .first;
    }
    histogram = h->second;
    key.append("|").append(std::to_string(code));
    auto c = counters_.find(key);
    if (c == counters_.end()) {
      c = counters_
              .emplace(key, &requests_.Add({{"route", std::string(r)},
                                            {"method", std::string(m)},
                                            {"code", std::to_string(code)}}))
              .first;
    }
    counter = c->second;
  }
  counter->Increment();
  histogram->Observe(seconds > 0 ? seconds : 0);
}

Handler InstrumentApi(Handler inner, const Router& router, ApiMetrics& metrics, MonotonicNow now) {
  return [inner = std::move(inner), &router, &metrics, now = std::move(now)](HttpRequest&& request,
                                                                             Responder respond) {
    const Clock::TimePoint start = now();
    std::string_view route = router.RouteOf(request);
    Responder timed = [&metrics, now, start, route, method = request.method,
                       respond = std::move(respond)](HttpResponse response) {
      const double seconds = std::chrono::duration<double>(now() - start).count();
      metrics.Record(route, method, response.status, seconds);
      respond(std::move(response));
    };
    inner(std::move(request), std::move(timed));
  };
}

}  // namespace herd::sidecar
