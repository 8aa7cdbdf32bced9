// REST request metrics (InstrumentApi + ApiMetrics), the Kubernetes families at 0, and the
// /proc parser of the process_* metrics.
#include "sidecar/metrics_api.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "sidecar/metrics_kube.h"
#include "sidecar/posix/process_metrics.h"
#include "tests/sidecar/metrics_text.h"

namespace herd::sidecar {
namespace {

using metrics_text::Sample;
using metrics_text::Serialize;
using metrics_text::Value;

HttpRequest Request(std::string method, std::string target) {
  HttpRequest r;
  r.method = std::move(method);
  r.SetTarget(std::move(target));
  return r;
}

class ApiMetricsTest : public ::testing::Test {
 protected:
  ApiMetricsTest() : metrics_(registry_) {
    router_.Add("GET", "/v1/workloads/{name}", [](HttpRequest&&, Responder respond) {
      respond(HttpResponse{200, {}, "{}", "application/json"});
    });
    router_.Add("POST", "/v1/workloads", [this](HttpRequest&&, Responder respond) {
      pending_ = std::move(respond);  // answered later, as the event loop would
    });
    handler_ = InstrumentApi(router_.AsHandler(), router_, metrics_, [this] { return now_; });
  }

  void Call(std::string method, std::string target) {
    handler_(Request(std::move(method), std::move(target)),
             [this](HttpResponse r) { codes_.push_back(r.status); });
  }

  std::vector<Sample> Samples() { return Serialize(registry_.Collect()); }

  prometheus::Registry registry_;
  ApiMetrics metrics_;
  Router router_;
  Handler handler_;
  Responder pending_;
  Clock::TimePoint now_{};
  std::vector<int> codes_;
};

TEST_F(ApiMetricsTest, LabelsByRoutePatternMethodAndCode) {
  Call("GET", "/v1/workloads/a");
  Call("GET", "/v1/workloads/b%2Fc");
  Call("GET", "/nowhere");
  Call("DELETE", "/v1/workloads/a");  // 405: matches a path, not a method
  Call("BREW", "/v1/workloads");      // an unknown method is "other"
  EXPECT_EQ(codes_, (std::vector<int>{200, 200, 404, 405, 405}));
  std::vector<Sample> s = Samples();
  EXPECT_EQ(Value(s, "herd_api_requests_total",
                  {{"route", "/v1/workloads/{name}"}, {"method", "GET"}, {"code", "200"}}),
            2);
  EXPECT_EQ(Value(s, "herd_api_requests_total",
                  {{"route", "unmatched"}, {"method", "GET"}, {"code", "404"}}),
            1);
  EXPECT_EQ(Value(s, "herd_api_requests_total",
                  {{"route", "unmatched"}, {"method", "DELETE"}, {"code", "405"}}),
            1);
  EXPECT_EQ(Value(s, "herd_api_requests_total",
                  {{"route", "unmatched"}, {"method", "other"}, {"code", "405"}}),
            1);
  for (const Sample& sample : s) {
    auto route = sample.labels.find("route");
    if (route != sample.labels.end()) {
      EXPECT_EQ(route->second.find("b%2Fc"), std::string::npos);
    }
  }
}

TEST_F(ApiMetricsTest, TimesARequestUntilItsAnswerEvenFromAnotherThread) {
  Call("POST", "/v1/workloads");
  ASSERT_TRUE(pending_);
  EXPECT_FALSE(Value(Samples(), "herd_api_requests_total", {{"method", "POST"}}).has_value());
  now_ += std::chrono::milliseconds(30);
  std::thread([respond = std::move(pending_)] {
    respond(HttpResponse{201, {}, "{}", "application/json"});
  }).join();
  std::vector<Sample> s = Samples();
  EXPECT_EQ(Value(s, "herd_api_requests_total",
                  {{"route", "/v1/workloads"}, {"method", "POST"}, {"code", "201"}}),
            1);
  const std::map<std::string, std::string> post = {{"route", "/v1/workloads"}, {"method", "POST"}};
  EXPECT_DOUBLE_EQ(*Value(s, "herd_api_request_duration_seconds_sum", post), 0.03);
  auto le = [&](std::string bound) {
    std::map<std::string, std::string> l = post;
    l["le"] = std::move(bound);
    return Value(s, "herd_api_request_duration_seconds_bucket", l);
  };
  EXPECT_EQ(le("0.025"), 0);
  EXPECT_EQ(le("0.05"), 1);
  EXPECT_EQ(le("+Inf"), 1);
}

TEST_F(ApiMetricsTest, ConcurrentRequestsAreAllCounted) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this] {
      for (int k = 0; k < 500; ++k) {
        handler_(Request("GET", "/v1/workloads/x"), [](HttpResponse) {});
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Value(Samples(), "herd_api_requests_total",
                  {{"route", "/v1/workloads/{name}"}, {"code", "200"}}),
            2000);
}

TEST(KubeMetricsTest, EverySeriesExistsAtZeroAndCounts) {
  prometheus::Registry registry;
  KubeMetrics kube(registry);
  kube.watch_events(KubeMetrics::Resource::kWorkloads, KubeMetrics::Event::kBookmark).Increment();
  std::vector<Sample> s = Serialize(registry.Collect());
  for (std::string r : {"endpointslices", "workloads"}) {
    EXPECT_EQ(Value(s, "herd_kube_watch_restarts_total", {{"resource", r}}), 0) << r;
    EXPECT_EQ(Value(s, "herd_kube_relists_total", {{"resource", r}}), 0) << r;
    for (std::string t : {"added", "modified", "deleted"}) {
      EXPECT_EQ(Value(s, "herd_kube_watch_events_total", {{"resource", r}, {"type", t}}), 0);
    }
  }
  EXPECT_EQ(
      Value(s, "herd_kube_watch_events_total", {{"resource", "workloads"}, {"type", "bookmark"}}),
      1);
}

TEST(ProcessMetricsTest, ParsesProcStatWithAnAwkwardCommand) {
  // Fields 14/15 (utime, stime) = 150 + 50 ticks, 22 (starttime) = 1000 ticks, 23 (vsize),
  // 24 (rss) = 10 pages. The command holds spaces and a ')'.
  const std::string stat =
      "1234 (my (odd) cmd) S 1 1234 1234 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 4 0 1000 "
      "8388608 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  Result<ProcessStats> s = ParseProcStat(stat, 100, 4096, 1'700'000'000.0);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_DOUBLE_EQ(*s->cpu_seconds, 2.0);
  EXPECT_DOUBLE_EQ(*s->virtual_bytes, 8388608);
  EXPECT_DOUBLE_EQ(*s->resident_bytes, 40960);
  EXPECT_DOUBLE_EQ(*s->start_time_seconds, 1'700'000'010.0);

  Result<ProcessStats> no_boot = ParseProcStat(stat, 100, 4096, std::nullopt);
  ASSERT_TRUE(no_boot.ok());
  EXPECT_FALSE(no_boot->start_time_seconds.has_value());

  EXPECT_EQ(ParseProcStat("1234 cmd S 1", 100, 4096, 0).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseProcStat("1234 (cmd) S 1 2 3", 100, 4096, 0).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ProcessMetricsTest, CollectsThisProcess) {
  std::vector<Sample> s = Serialize(ProcessCollector().Collect());
  ASSERT_TRUE(Value(s, "process_resident_memory_bytes").has_value());
  EXPECT_GT(*Value(s, "process_resident_memory_bytes"), 0);
  EXPECT_GT(*Value(s, "process_open_fds"), 0);
  EXPECT_GT(*Value(s, "process_start_time_seconds"), 1'600'000'000.0);
  EXPECT_TRUE(Value(s, "process_cpu_seconds_total").has_value());
}

}  // namespace
}  // namespace herd::sidecar
