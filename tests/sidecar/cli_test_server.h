// A canned agent for the `herd` CLI tests: a real HttpServer on 127.0.0.1:0 whose routes answer
// what the test sets and record every request they get. Handlers run on the server's thread;
// every accessor locks.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sidecar/http.h"
#include "sidecar/http_router.h"
#include "sidecar/posix/http_server.h"

namespace herd::sidecar::testing {

class CliTestServer {
 public:
  using Reply = std::function<HttpResponse(const HttpRequest&)>;

  // Starts the server with a route for every call the CLI makes; unanswered routes reply 500.
  CliTestServer();
  ~CliTestServer();

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  // Sets the answer to `method` on `route` (the Router pattern, "/v1/workloads/{name}").
  void On(const std::string& method, const std::string& route, Reply reply);
  // A fixed JSON answer.
  void OnJson(const std::string& method, const std::string& route, int status, std::string json);

  std::vector<HttpRequest> requests() const;
  void ClearRequests();

 private:
  HttpResponse Answer(const HttpRequest& req);

  mutable std::mutex mu_;
  std::map<std::string, Reply> replies_;
  std::vector<HttpRequest> requests_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
};

// A port on 127.0.0.1 where nothing listens (a server was bound there and stopped).
int ClosedPort();

}  // namespace herd::sidecar::testing
