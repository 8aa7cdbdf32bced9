// CppRestKubeClient: the real KubeClient, on cpprestsdk's http_client (k8s/kube_client.h).
//
// It speaks to config.server (https with the CA from the KubeConfig, verified by OpenSSL; http
// for the fake API server in tests) with a bearer token (a token file is re-read when its
// modification time or size changes, so rotated service account tokens are picked up) or a
// client certificate. Every request first takes a token from a client-side QPS/burst bucket
// (client-go's defaults: 5 QPS, burst 10). A watch gets an http_client of its own whose read
// timeout is the watch's idle_timeout: a stream silent for that long ends with
// kDeadlineExceeded; its Cancellation aborts a pending read at once.
//
// This is "posix side" code (like sidecar/posix/): it reads files, real time and sockets.
// Threading: List, Watch and Patch may be called from any thread at once, but never from
// cpprestsdk's thread pool (they block on it).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "k8s/kube_client.h"
#include "k8s/kube_config.h"

namespace herd::k8s {

struct CppRestKubeClientOptions {
  KubeConfig config;
  // Client-side rate limit of every request (watches included). client-go's default is 5 QPS;
  // herd's operator writes a finalizer and status patches per resource, so it allows more, as
  // controller-runtime does (20/30), with room for bursts of status changes after a failover.
  double qps = 50;  // <= 0: no limit
  int burst = 100;
  std::chrono::milliseconds request_timeout = std::chrono::seconds(30);  // List and Patch
};

class CppRestKubeClient : public KubeClient {
 public:
  // Errors: kInvalidArgument naming the field ("server" when not http(s)://host[:port],
  // "ca_file", "client_cert_pem", "token_file" when they cannot be loaded).
  static Result<std::unique_ptr<CppRestKubeClient>> Create(CppRestKubeClientOptions options);
  ~CppRestKubeClient() override;

  Result<ListResult> List(const std::string& path, const ListOptions& options) override;
  Status Watch(const std::string& path, const WatchOptions& options, const EventFn& on_event,
               Cancellation& cancel) override;
  Result<nlohmann::json> Patch(const std::string& path, const nlohmann::json& patch) override;
  Result<nlohmann::json> Create(const std::string& path, const nlohmann::json& object) override;

  struct Impl;

 private:
  explicit CppRestKubeClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The client `herd agent --members auto` uses: configured from the kubeconfig file at
// `kubeconfig_path`, or in-cluster when it is empty, with client-go's default limits. When
// `config_out` is given it receives the configuration (its namespace_ is the default for
// --namespace). Errors: LoadKubeconfig's, InClusterConfig's, Create's.
Result<std::unique_ptr<CppRestKubeClient>> CreateKubeClient(const std::string& kubeconfig_path,
                                                            KubeConfig* config_out = nullptr);

}  // namespace herd::k8s
