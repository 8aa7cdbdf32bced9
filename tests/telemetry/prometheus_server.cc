#include "tests/telemetry/prometheus_server.h"

#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/testing/child_process.h"

namespace herd::testing {

std::string FormEncode(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

PrometheusServer::PrometheusServer(PrometheusOptions options) : options_(std::move(options)) {
  char tmpl[] = "/tmp/herd-prometheus-test.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;

  // scrape_timeout defaults to 10 s, which must not exceed the interval.
  std::ostringstream config;
  config << "global:\n  scrape_interval: " << options_.interval
         << "\n  scrape_timeout: " << options_.interval
         << "\n  evaluation_interval: " << options_.interval << "\n";
  if (!options_.rules_file.empty()) config << "rule_files:\n  - " << options_.rules_file << "\n";
  config << "scrape_configs:\n  - job_name: herd\n    static_configs:\n      - targets: [";
  for (size_t k = 0; k < options_.targets.size(); ++k) {
    config << (k ? ", " : "") << "'" << options_.targets[k] << "'";
  }
  if (options_.scrape_self) {
    config << (options_.targets.empty() ? "" : ", ") << "'127.0.0.1:" << port_ << "'";
  }
  config << "]\n";
  std::ofstream out(dir_ + "/prometheus.yml");
  out << config.str();
  out.close();
  if (!out) throw std::runtime_error("cannot write " + dir_ + "/prometheus.yml");

  std::vector<std::string> args = {options_.binary, "--config.file=" + dir_ + "/prometheus.yml",
                                   "--storage.tsdb.path=" + dir_ + "/data",
                                   "--web.listen-address=127.0.0.1:" + std::to_string(port_)};
  pid_ = SpawnWithLog(std::move(args), log_path());
}

PrometheusServer::~PrometheusServer() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  client_.reset();
  if (std::getenv("HERD_KEEP_TEST_DIRS") == nullptr) {
    RemoveTree(dir_);
  }
}

std::string PrometheusServer::LogTail(size_t bytes) const {
  std::ifstream in(log_path(), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

bool PrometheusServer::WaitReady(std::chrono::milliseconds deadline) {
  if (!client_) {
    sidecar::HttpClientOptions o;
    o.base_url = url();
    o.default_timeout = std::chrono::seconds(10);
    Result<std::unique_ptr<sidecar::HttpClient>> c = sidecar::HttpClient::Create(o);
    if (!c.ok()) return false;
    client_ = std::move(*c);
  }
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return false;
    }
    Result<sidecar::HttpResponse> r =
        client_->SendSync("GET", "/-/ready", {}, {}, std::chrono::seconds(2));
    if (r.ok() && r->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

Result<nlohmann::json> PrometheusServer::Query(const std::string& expr) {
  if (!client_) return Status(StatusCode::kFailedPrecondition, "call WaitReady first");
  sidecar::HttpHeaders headers;
  headers.Set("Content-Type", "application/x-www-form-urlencoded");
  ASSIGN_OR_RETURN(
      sidecar::HttpResponse r,
      client_->SendSync("POST", "/api/v1/query", "query=" + FormEncode(expr), std::move(headers)));
  nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Status(StatusCode::kInternal,
                  "HTTP " + std::to_string(r.status) + " with a body that is not JSON: " + r.body);
  }
  return body;
}

Result<nlohmann::json> PrometheusServer::GetJson(const std::string& path) {
  if (!client_) return Status(StatusCode::kFailedPrecondition, "call WaitReady first");
  ASSIGN_OR_RETURN(sidecar::HttpResponse r, client_->SendSync("GET", path));
  nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Status(StatusCode::kInternal,
                  "HTTP " + std::to_string(r.status) + " with a body that is not JSON: " + r.body);
  }
  return body;
}

std::vector<nlohmann::json> PrometheusServer::Vector(const std::string& expr) {
  Result<nlohmann::json> r = Query(expr);
  if (!r.ok() || r->value("status", "") != "success") return {};
  const nlohmann::json& data = (*r)["data"];
  if (data.value("resultType", "") != "vector") return {};
  return data["result"].get<std::vector<nlohmann::json>>();
}

double PrometheusServer::Scalar(const std::string& expr) {
  std::vector<nlohmann::json> v = Vector(expr);
  if (v.size() != 1) return std::nan("");
  // A sample is [unix time, "value"]; the value is a string ("NaN", "+Inf" included).
  return std::strtod(v[0]["value"][1].get<std::string>().c_str(), nullptr);
}

}  // namespace herd::testing
