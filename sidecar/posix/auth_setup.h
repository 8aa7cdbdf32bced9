// AgentAuth: the REST authentication the agent's flags ask for (sidecar/auth.h), built with
// the real file system, clock and threads.
//
//   --auth-token-file FILE  StaticTokens over the file (stat and read here), re-checked at most
//                           once a second; roles from the file (GroupAuthorizer).
//   --auth-tokenreview      KubeReviewAuth over its own KubeClient (in-cluster, or
//                           --kubeconfig), in --namespace (else the kubeconfig's); the blocking
//                           reviews run on two worker threads of this object.
//   --metrics-auth          /metrics is served by an HttpServer of this file behind the same
//                           auth (read role), instead of prometheus-cpp's exposer.
// Without an auth flag CreateAgentAuth returns nullptr: the API is open, as before, and
// WarnIfOpen logs one warning when it listens beyond loopback.
//
// Threading: Wrap before serving; the wrapped handlers run on any thread. Stop() from the owner
// thread after the servers using the handlers have stopped: it joins the workers (queued
// reviews are dropped; their Responders answer 500 by themselves). The destructor Stop()s.
#pragma once

#include <prometheus/collectable.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "k8s/kube_client.h"
#include "sidecar/agent_config.h"
#include "sidecar/auth.h"
#include "sidecar/auth_tokens.h"
#include "sidecar/http_router.h"
#include "sidecar/posix/http_server.h"

namespace herd::sidecar {

// A TokenFileSource on the real file system.
class PosixTokenFile : public TokenFileSource {
 public:
  explicit PosixTokenFile(std::string path) : path_(std::move(path)) {}
  std::string path() const override { return path_; }
  // Errors: kInvalidArgument naming the path and the errno text, field "auth-token-file".
  Result<FileStamp> Stat() override;
  Result<std::string> Read() override;

 private:
  std::string path_;
};

// A few threads for blocking calls, with a bounded queue. Run() from any thread.
class BlockingWorkers {
 public:
  BlockingWorkers(int threads, size_t max_queued);
  ~BlockingWorkers();  // Stop()s
  // Queues `fn`; false (and `fn` dropped) when the queue is full or the workers stopped.
  bool Run(std::function<void()> fn);
  void Stop();

 private:
  void Loop();
  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

class AgentAuth {
 public:
  ~AgentAuth();

  // `inner` behind RequireAuth for `scope`; `on_refused` counts refusals (may be empty).
  Handler Wrap(Handler inner, AuthScope scope, std::function<void(AuthFailure)> on_refused);

  // Serves GET /metrics (the text exposition of `collectables`) on `address` behind auth, and
  // starts the server. Errors: HttpServer::Start's.
  Result<std::unique_ptr<HttpServer>> StartMetricsServer(
      const std::string& address,
      std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
      std::function<void(AuthFailure)> on_refused);

  void Stop();
  const std::string& mode() const { return mode_; }  // "token-file" | "tokenreview"

 private:
  friend Result<std::unique_ptr<AgentAuth>> CreateAgentAuth(const AgentConfig& config);
  AgentAuth() = default;

  std::string mode_;
  std::unique_ptr<k8s::KubeClient> kube_client_;
  std::unique_ptr<BlockingWorkers> workers_;
  std::unique_ptr<Authenticator> authenticator_owned_;
  std::unique_ptr<Authorizer> authorizer_owned_;
  Authenticator* authenticator_ = nullptr;
  Authorizer* authorizer_ = nullptr;
  // The metrics server's routes; must outlive the server StartMetricsServer returns.
  std::unique_ptr<Router> metrics_router_;
};

// The auth `config` asks for, or nullptr when it asks for none. Errors: kInvalidArgument with
// field "auth-token-file" when the file cannot be read or parsed (naming the line), the
// KubeClient's configuration errors for --auth-tokenreview.
Result<std::unique_ptr<AgentAuth>> CreateAgentAuth(const AgentConfig& config);

// Logs one warning when `auth` is null and the API listens on a non-loopback address.
void WarnIfOpen(const AgentAuth* auth, const std::string& api_address);

}  // namespace herd::sidecar
