#include "tests/sidecar/cli_test_server.h"

#include <gtest/gtest.h>

namespace herd::sidecar::testing {

CliTestServer::CliTestServer() {
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/v1/workloads"},
      {"POST", "/v1/workloads"},
      {"GET", "/v1/workloads/{name}"},
      {"DELETE", "/v1/workloads/{name}"},
      {"GET", "/v1/workloads/{name}/logs"},
      {"GET", "/v1/members"},
      {"PUT", "/v1/members"},
      {"GET", "/v1/status"},
      {"GET", "/version"},
      {"POST", "/v1/rebalance"},
  };
  for (const auto& [method, route] : routes) {
    router_.Add(method, route, [this](HttpRequest&& req, Responder respond) {
      HttpResponse r = Answer(req);
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(std::move(req));
      }
      respond(std::move(r));
    });
  }
  server_ = std::make_unique<HttpServer>(HttpServerOptions{}, router_.AsHandler());
  Status s = server_->Start();
  EXPECT_TRUE(s.ok()) << s;
}

CliTestServer::~CliTestServer() { server_->Stop(); }

void CliTestServer::On(const std::string& method, const std::string& route, Reply reply) {
  std::lock_guard<std::mutex> lock(mu_);
  replies_[method + " " + route] = std::move(reply);
}

void CliTestServer::OnJson(const std::string& method, const std::string& route, int status,
                           std::string json) {
  On(method, route, [status, json](const HttpRequest&) { return JsonResponse(status, json); });
}

std::vector<HttpRequest> CliTestServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void CliTestServer::ClearRequests() {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.clear();
}

HttpResponse CliTestServer::Answer(const HttpRequest& req) {
  Reply reply;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = replies_.find(req.method + " " + req.route);
    if (it != replies_.end()) reply = it->second;
  }
  if (!reply) return ErrorResponse(500, "Internal", "no canned answer for " + req.route);
  return reply(req);
}

int ClosedPort() {
  HttpServer server(HttpServerOptions{}, [](HttpRequest&&, Responder) {});
  if (!server.Start().ok()) return 1;
  const int port = server.port();
  server.Stop();
  return port;
}

}  // namespace herd::sidecar::testing
