// KubeClient: the seam between herd and a Kubernetes API server (DESIGN.md "Seams").
//
// Three verbs are enough for herd: List a collection (one page at a time), Watch it from a
// resourceVersion as a stream of events, and merge-Patch one object (the status subresource
// later); Create POSTs the reviews of REST authentication (sidecar/auth_kube.h). Paths are API
// paths without a query: "/apis/discovery.k8s.io/v1/namespaces/herd/endpointslices",
// "/apis/herd.dev/v1alpha1/namespaces/herd/workloads/web/status".
//
// Implementations: CppRestKubeClient (k8s/cpprest_kube_client.h) talks to a real API server;
// tests use it against the fake API server in tests/testing/fake_kube_server.h.
//
// Errors: every HTTP answer other than 2xx becomes a Status (KubeStatusFromHttp): 401
// kUnauthenticated, 403 kPermissionDenied, 404 kNotFound, 409 kFailedPrecondition ("Conflict:
// ..."), 410 kAborted ("Gone: ...": the resourceVersion is too old, relist; see IsGone), 422 and
// 400 kInvalidArgument, 429 kResourceExhausted, 5xx kUnavailable. A connection that cannot be
// made or breaks is kUnavailable; a stream silent for longer than its idle timeout is
// kDeadlineExceeded; a call stopped through its Cancellation is kCancelled.
//
// Threading: implementations are thread-safe; calls block the calling thread (never call them
// from the agent's event loop). Cancellation may be used from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace herd::k8s {

// A one-shot cancellation flag that can wake blocked work: Cancel() runs every registered
// callback once (on the cancelling thread, under an internal lock: a callback must be short and
// must not call into this Cancellation) and makes cancelled() true forever after.
class Cancellation {
 public:
  using CallbackId = uint64_t;

  void Cancel();
  bool cancelled() const { return cancelled_.load(); }
  // Registers `fn` to run on Cancel; runs it at once (on this thread) when already cancelled.
  // Returns an id for Remove (0 when `fn` already ran).
  CallbackId OnCancel(std::function<void()> fn);
  // Unregisters a callback; after Remove returns it is not running and will not run.
  void Remove(CallbackId id);

 private:
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  CallbackId next_id_ = 1;
  std::map<CallbackId, std::function<void()>> callbacks_;
};

struct ListOptions {
  std::string label_selector;  // "kubernetes.io/service-name=herd" (equality only)
  int64_t limit = 0;           // page size; 0: no limit
  std::string continue_token;  // from the previous page
};

struct ListResult {
  nlohmann::json items = nlohmann::json::array();  // the objects of this page
  std::string resource_version;                    // metadata.resourceVersion of the list
  std::string continue_token;                      // empty on the last page
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark };
std::string_view WatchEventTypeName(WatchEventType type);  // "ADDED", ...

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  nlohmann::json object;  // the object (for BOOKMARK: only metadata.resourceVersion is set)
};

struct WatchOptions {
  std::string label_selector;
  std::string resource_version;  // events after this version; empty: from "now" (unusual)
  bool allow_bookmarks = true;
  int timeout_seconds = 290;  // the server ends the stream after this long (OK status)
  // The client gives up on a stream that delivers nothing (not even a bookmark) for this long:
  // kDeadlineExceeded. Keep it above timeout_seconds.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(300);
};

class KubeClient {
 public:
  using EventFn = std::function<void(WatchEvent)>;

  virtual ~KubeClient() = default;

  // One page of the collection at `path`. Errors as in the file comment; kAborted "Gone" when a
  // continue token has expired; kDataLoss when the answer is not a Kubernetes list.
  virtual Result<ListResult> List(const std::string& path, const ListOptions& options) = 0;

  // Streams the events of the collection at `path` after options.resource_version to
  // `on_event` (on the calling thread, in order) until the stream ends. Returns OK when the
  // server closed it cleanly (timeoutSeconds), kAborted "Gone: ..." when the version is too
  // old (HTTP 410 or an ERROR event with code 410), kCancelled once `cancel` fires, another
  // error as in the file comment (an ERROR event with another code maps like its HTTP code).
  virtual Status Watch(const std::string& path, const WatchOptions& options,
                       const EventFn& on_event, Cancellation& cancel) = 0;

  // Applies a JSON merge patch (RFC 7386) to the object at `path` and returns the object as
  // stored. Errors as in the file comment (kFailedPrecondition on a stale resourceVersion in
  // the patch's metadata).
  virtual Result<nlohmann::json> Patch(const std::string& path, const nlohmann::json& patch) = 0;

  // POSTs `object` to the collection at `path` and returns the object the server answered with
  // (for TokenReview and SubjectAccessReview: the review with its status filled in). Errors as
  // in the file comment; kUnimplemented from a client that cannot create (the default).
  virtual Result<nlohmann::json> Create(const std::string& path, const nlohmann::json& object) {
    return Status(StatusCode::kUnimplemented, "POST " + path + ": this client cannot create");
  }
};

// True for the kAborted status tagged "Gone: " (anywhere in the message, after any context)
// that a List or Watch returns for an expired version.
bool IsGone(const Status& status);

// The Status for an HTTP answer `http_status` (>= 300) with body `body` (a Kubernetes Status
// object when the server sends one: its message is used). `what` prefixes the message
// ("GET /api/v1/..."). 2xx must not be passed.
Status KubeStatusFromHttp(int http_status, std::string_view body, std::string_view what);

// Parses one line of a watch stream ({"type":"ADDED","object":{...}}). An ERROR event becomes
// its Status (see Watch); a malformed line is kDataLoss naming what is wrong.
Result<WatchEvent> ParseWatchLine(std::string_view line);

// "namespace/name" (or "name" for cluster-scoped objects), from metadata; "" when the object
// has no metadata.name.
std::string ObjectKey(const nlohmann::json& object);
// metadata.resourceVersion, or "".
std::string ResourceVersionOf(const nlohmann::json& object);

}  // namespace herd::k8s
