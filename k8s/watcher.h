// Watcher: keeps a local copy of one Kubernetes collection up to date, as client-go's reflector
// and kube-rs's kube-runtime/src/watcher.rs do, and tells a handler what changed.
//
//   LIST (paged: limit/continue) -> replace the store -> WATCH from the list's resourceVersion
//   with allowWatchBookmarks -> apply events -> the stream ends -> WATCH again from the last
//   version seen (events and bookmarks move it) ...
//
// On 410 Gone (the version left the server's history) it LISTs again, and the replace delivers
// adds, updates and synthesized deletes for whatever changed meanwhile. Failed LISTs and
// WATCHes back off exponentially with jitter (k8s/backoff.h, capped at backoff_max). A stream
// that stays silent for idle_timeout is abandoned and resumed (the KubeClient reports it as
// kDeadlineExceeded). Events that do not change the store (a MODIFIED with the stored
// resourceVersion, a DELETED of an unknown object) are dropped, so a resumed stream never
// delivers a duplicate.
//
// The store is keyed by "namespace/name". The handler receives one StoreBatch per applied LIST
// (from_list = true; always delivered, even when empty, so the first batch says "synced") and
// one per applied watch event.
//
// Threading: Start() spawns the watcher's own thread; the handler and the hooks run on it, one
// call at a time (post into your event loop from there; do not block it for long). Stop() (and
// the destructor) cancels the current request, wakes a backoff wait and joins the thread; call
// it from the owner thread, never from the handler. Stats() and Objects() from any thread.
// Like the real KubeClient this is "posix side" code: its backoff waits use real time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "k8s/kube_client.h"

namespace herd::k8s {

struct StoreEvent {
  enum class Kind { kAdded, kUpdated, kDeleted };
  Kind kind = Kind::kAdded;
  std::string key;            // "namespace/name"
  nlohmann::json object;      // the new object (kDeleted: the last known one)
  nlohmann::json old_object;  // kUpdated: the replaced object; otherwise null
};

struct StoreBatch {
  bool from_list = false;  // a LIST was applied: the store now equals the server's state
  std::vector<StoreEvent> events;
};

// Optional observation points, called on the watcher thread (metrics: herd_kube_*).
struct WatcherHooks {
  std::function<void()> on_watch_restart;                     // a WATCH other than the first starts
  std::function<void()> on_relist;                            // a LIST other than the first starts
  std::function<void(WatchEventType)> on_event;               // an event arrived (before filtering)
  std::function<void(std::chrono::milliseconds)> on_backoff;  // about to wait after an error
  std::function<void(const Status&)> on_error;                // a LIST or WATCH failed
};

struct WatcherOptions {
  std::string path;            // collection path, e.g. /apis/discovery.k8s.io/v1/namespaces/x/..
  std::string label_selector;  // equality selector, may be empty
  std::string name = "watch";  // for log lines: "endpointslices"
  int64_t page_size = 500;     // LIST limit
  int watch_timeout_seconds = 290;
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(300);
  std::chrono::milliseconds backoff_initial = std::chrono::milliseconds(800);
  std::chrono::milliseconds backoff_max = std::chrono::seconds(30);
  uint64_t seed = 1;  // jitter; the agent seeds it from the OS
};

struct WatcherStats {
  uint64_t lists = 0;           // LISTs completed and delivered to the handler
  uint64_t relists = 0;         // LISTs started after the first
  uint64_t watches = 0;         // WATCHes started
  uint64_t watch_restarts = 0;  // WATCHes started after the first
  uint64_t gone = 0;            // 410 Gone answers
  uint64_t errors = 0;          // failed LISTs and WATCHes (Gone included)
  uint64_t added = 0, modified = 0, deleted = 0, bookmarks = 0;  // events received
  std::string resource_version;                                  // the last version seen
  bool synced = false;  // a LIST has been applied and the handler has seen its batch
};

class Watcher {
 public:
  using Handler = std::function<void(const StoreBatch&)>;

  // `client` must outlive the watcher. Options are checked by Start.
  Watcher(KubeClient& client, WatcherOptions options, Handler handler, WatcherHooks hooks = {});
  ~Watcher();  // Stop()s
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Starts the thread. Errors: kInvalidArgument naming the option ("path", "page_size",
  // "idle_timeout" when not above watch_timeout_seconds, "backoff_initial", "backoff_max");
  // kFailedPrecondition when already started.
  Status Start();
  // Stops and joins; idempotent. A stopped watcher is not restarted.
  void Stop();

  WatcherStats Stats() const;
  // A copy of the store: key -> object.
  std::map<std::string, nlohmann::json> Objects() const;

 private:
  void Run();
  // Fetches every page and applies the result. Errors: the client's.
  Status ListAndReplace();
  // Applies one watch event to the store and hands the change (if any) to the handler; sets
  // *progressed: the stream delivered something.
  void ApplyEvent(WatchEvent event, bool* progressed);
  // Waits `delay` or until Stop. Returns false when stopped.
  bool Wait(std::chrono::milliseconds delay);

  KubeClient& client_;
  const WatcherOptions options_;
  Handler handler_;
  WatcherHooks hooks_;
  Cancellation cancel_;
  std::thread thread_;
  bool started_ = false;

  mutable std::mutex mu_;  // guards store_ and stats_
  std::condition_variable wake_;
  std::map<std::string, nlohmann::json> store_;
  WatcherStats stats_;
};

}  // namespace herd::k8s
