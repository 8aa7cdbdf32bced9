// Membership from EndpointSlices (`--members auto`, DESIGN.md "Membership").
//
// EndpointMembership is the pure part: it keeps the decoded endpoints of every EndpointSlice of
// one Service and, after each StoreBatch from a Watcher, computes the members: the union over
// all slices of the ready endpoints, name -> "address:port". When two slices name the same
// member (a pod moving between slices) the slice whose key sorts first wins. A slice that does
// not decode contributes nothing (logged, counted in decode_errors()). The callback runs after
// the first LIST batch (even when empty: "membership known") and then whenever the map changes.
// Not thread-safe: feed it from one thread (the watcher's).
//
// EndpointMembershipSource wires it to a Watcher on
//   /apis/discovery.k8s.io/v1/namespaces/<namespace>/endpointslices
//   ?labelSelector=kubernetes.io/service-name=<service>
// Its callback runs on the watcher's thread: post into the agent's event loop from there, e.g.
//   loop.Post([&sup, m] { sup.SetDeclaredMembers(m); }).
// Threading: Start, Stop and the destructor from the owner thread; Stats() from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "k8s/endpoint_slice.h"
#include "k8s/kube_client.h"
#include "k8s/watcher.h"

namespace herd::k8s {

using Members = std::map<std::string, std::string>;  // name -> "address:port"

class EndpointMembership {
 public:
  using Callback = std::function<void(const Members&)>;

  explicit EndpointMembership(Callback callback, std::string port_name = "peer")
      : callback_(std::move(callback)), port_name_(std::move(port_name)) {}

  // Applies a watcher batch and calls the callback when the members changed (or on the first
  // LIST batch).
  void Apply(const StoreBatch& batch);

  const Members& members() const { return members_; }
  uint64_t decode_errors() const { return decode_errors_; }
  bool synced() const { return synced_; }

 private:
  Members Compute() const;

  Callback callback_;
  std::string port_name_;
  std::map<std::string, std::vector<SliceEndpoint>> slices_;  // slice key -> endpoints
  Members members_;
  uint64_t decode_errors_ = 0;
  bool synced_ = false;
};

struct EndpointMembershipOptions {
  std::string namespace_;  // --namespace
  std::string service;     // the headless Service's name
  std::string port_name = "peer";
  WatcherOptions watch;  // path, label_selector and name are filled in by Create
};

class EndpointMembershipSource {
 public:
  // Validates the options (kInvalidArgument naming "namespace" or "service" when empty or not
  // a DNS label). `client` must outlive the source.
  static Result<std::unique_ptr<EndpointMembershipSource>> Create(
      KubeClient& client, EndpointMembershipOptions options, EndpointMembership::Callback callback,
      WatcherHooks hooks = {});
  ~EndpointMembershipSource();  // Stop()s

  // Starts watching (the watcher's errors). The first callback follows the first LIST.
  Status Start();
  // Stops the watch and joins its thread: no callback runs after Stop returns. Idempotent.
  void Stop();

  WatcherStats Stats() const { return watcher_->Stats(); }

 private:
  EndpointMembershipSource() = default;
  std::unique_ptr<EndpointMembership> membership_;
  std::unique_ptr<Watcher> watcher_;
};

// "/apis/discovery.k8s.io/v1/namespaces/<ns>/endpointslices".
std::string EndpointSlicesPath(const std::string& ns);

}  // namespace herd::k8s
