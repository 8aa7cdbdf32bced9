// FakeKubeStore: the in-memory object store behind the fake Kubernetes API server
// (tests/testing/fake_kube_server.h). No sockets: the server translates HTTP to these calls.
//
// Objects live under API paths (/api/v1/namespaces/<ns>/<plural>/<name>,
// /apis/<group>/<version>/namespaces/<ns>/<plural>/<name>). One global resourceVersion counter
// grows with every write, as etcd's revision does; every write is kept in a history that
// watches replay from and that paged LISTs rebuild their snapshot from. Compact() forgets the
// history: watches and continue tokens from before it get 410 Gone (kAborted "Expired").
//
// Semantics, as the real API server's: POST creates (kAlreadyExists), PUT replaces (kNotFound
// when absent), merge PATCH (RFC 7386); a write carrying metadata.resourceVersion that is not the
// stored one fails with kFailedPrecondition (409 Conflict). Every resource except
// endpointslices has a status subresource: writes to the object ignore `status`, writes to
// .../status change only `status`; metadata.generation grows when `spec` changes. DELETE of an
// object with finalizers only sets deletionTimestamp; it goes away when an update empties them.
// Label selectors are equality based: "a=b,c==d,e!=f".
//
// Threading: every method is thread-safe; WaitForChange blocks until a write or Notify().
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace herd::testing {

using nlohmann::json;

// What an API path names: a collection (name empty) or one object, maybe its status.
struct KubeRef {
  std::string resource;  // "discovery.k8s.io/v1/endpointslices", "v1/pods"
  std::string ns;        // empty: every namespace (collection only)
  std::string name;
  bool status = false;  // the /status subresource
};

// Parses an API path. Errors: kNotFound for a path that names no resource.
Result<KubeRef> ParseKubePath(std::string_view path);

// An equality label selector. Errors: kInvalidArgument for a term that is not k=v, k==v, k!=v.
class LabelSelector {
 public:
  static Result<LabelSelector> Parse(std::string_view text);
  bool Matches(const json& object) const;

 private:
  std::vector<std::tuple<std::string, std::string, bool>> terms_;  // key, value, equal
};

struct KubeHistoryEvent {
  int64_t rv = 0;
  std::string resource, ns, name;
  std::string type;  // ADDED, MODIFIED, DELETED
  json object;       // the object after the write (DELETED: the last state)
  json previous;     // the object before (MODIFIED, DELETED)
};

struct KubeListPage {
  std::vector<json> items;
  int64_t rv = 0;
  std::string continue_token;
};

class FakeKubeStore {
 public:
  explicit FakeKubeStore(size_t history_limit = 100000) : history_limit_(history_limit) {}

  Result<json> Create(const KubeRef& collection, json object);
  Result<json> Get(const KubeRef& ref) const;
  Result<json> Update(const KubeRef& ref, json object);
  Result<json> Patch(const KubeRef& ref, const json& merge_patch);
  Result<json> Delete(const KubeRef& ref);
  // Test driver: creates or replaces the object at `object_path` whatever its version.
  Result<json> Apply(std::string_view object_path, json object);
  Status Remove(std::string_view object_path);

  // One page of `collection`. Errors: kAborted "Expired" for a continue token from before a
  // compaction; kInvalidArgument for a malformed token.
  Result<KubeListPage> List(const KubeRef& collection, const LabelSelector& selector, int64_t limit,
                            const std::string& continue_token) const;

  int64_t resource_version() const;
  // Versions at or below this are gone from the history (0: nothing forgotten).
  int64_t compacted() const;
  // Forgets the history up to the current version.
  void Compact();
  // Events of the history with rv > `after`. Errors: kAborted "Expired" when `after` is older
  // than the history.
  Result<std::vector<KubeHistoryEvent>> EventsAfter(int64_t after) const;
  // Waits until the version moves past `seen`, Notify() is called, or `deadline`. Returns the
  // version.
  int64_t WaitForChange(int64_t seen, std::chrono::steady_clock::time_point deadline);
  void Notify();

 private:
  using Objects = std::map<std::string, json>;  // "ns/name" -> object
  Result<json> WriteLocked(const KubeRef& ref, json next, const json* previous, bool create);
  Result<json> UpdateLocked(const KubeRef& ref, json next);
  void Record(KubeHistoryEvent e);
  Objects SnapshotLocked(const std::string& resource, int64_t rv) const;
  bool HasStatus(const std::string& resource) const;

  const size_t history_limit_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  uint64_t notifications_ = 0;
  int64_t rv_ = 1;
  int64_t compacted_ = 0;
  uint64_t uid_ = 0;
  std::map<std::string, Objects> objects_;  // resource -> objects
  std::deque<KubeHistoryEvent> history_;
};

}  // namespace herd::testing
