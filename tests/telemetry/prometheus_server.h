// PrometheusServer: a real Prometheus (Debian's /usr/bin/prometheus) for integration tests.
//
// The constructor writes a config into a fresh temp dir (one scrape job "herd" with the given
// static targets, scrape and rule evaluation every `interval`, the given rules file loaded),
// picks a free loopback port and starts Prometheus there with its TSDB in the temp dir and its
// log in <dir>/prometheus.log. Nothing waits: call WaitReady. The destructor SIGKILLs and reaps
// Prometheus and removes the dir (kept when HERD_KEEP_TEST_DIRS is set). Prometheus dies with
// the test process too (parent-death signal).
//
// Threading: one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "sidecar/posix/http_client.h"
#include "tests/testing/child_process.h"

namespace herd::testing {

struct PrometheusOptions {
  std::string binary = "/usr/bin/prometheus";
  std::vector<std::string> targets;  // "127.0.0.1:port", scraped at /metrics
  std::string rules_file;            // loaded when not empty
  std::string interval = "1s";       // scrape and rule evaluation interval
  bool scrape_self = false;          // also scrape Prometheus's own /metrics (job "herd")
};

class PrometheusServer {
 public:
  // Throws std::runtime_error only when the temp dir or config cannot be written (test setup).
  explicit PrometheusServer(PrometheusOptions options);
  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_; }
  std::string log_path() const { return dir_ + "/prometheus.log"; }
  // The tail of Prometheus's log, for failure messages.
  std::string LogTail(size_t bytes = 4000) const;

  // Polls GET /-/ready until 200; false after `deadline` or when Prometheus exited.
  bool WaitReady(std::chrono::milliseconds deadline);

  // An instant query (POST /api/v1/query). The value is Prometheus's whole JSON answer, whose
  // "status" is "success" or "error" (with "errorType" and "error"); a 4xx answer with a JSON
  // body (a bad expression) is such a value too. Errors: kUnavailable / kDeadlineExceeded when
  // Prometheus does not answer, kInternal when the body is not JSON.
  Result<nlohmann::json> Query(const std::string& expr);

  // GET `path` (e.g. "/api/v1/rules"), parsed as JSON; errors as for Query.
  Result<nlohmann::json> GetJson(const std::string& path);

  // The result vector of a successful query; empty when the query failed or found nothing.
  std::vector<nlohmann::json> Vector(const std::string& expr);
  // The value of a query that yields one sample (e.g. a sum()); NaN when it yields none.
  double Scalar(const std::string& expr);

 private:
  PrometheusOptions options_;
  std::string dir_;
  ReservedPorts reserved_{1};  // Prometheus listens on it with SO_REUSEADDR (Go sets it)
  int port_ = reserved_.ports()[0];
  pid_t pid_ = 0;
  std::unique_ptr<sidecar::HttpClient> client_;
};

// Percent-encodes `s` for an application/x-www-form-urlencoded body or a query string.
std::string FormEncode(const std::string& s);

}  // namespace herd::testing
