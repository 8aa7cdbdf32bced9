#include "k8s/watcher.h"

#include <utility>

#include "common/log.h"
#include "common/random.h"
#include "k8s/backoff.h"

namespace herd::k8s {

Watcher::Watcher(KubeClient& client, WatcherOptions options, Handler handler, WatcherHooks hooks)
    : client_(client),
      options_(std::move(options)),
      handler_(std::move(handler)),
      hooks_(std::move(hooks)) {}

Watcher::~Watcher() { Stop(); }

Status Watcher::Start() {
  if (started_) return FailedPrecondition("watcher " + options_.name + " already started");
  if (options_.path.empty() || options_.path[0] != '/') {
    return InvalidArgument("path must be an API path starting with '/'", "path");
  }
  if (options_.page_size < 0) return InvalidArgument("page_size must be >= 0", "page_size");
  if (options_.watch_timeout_seconds <= 0) {
    return InvalidArgument("watch_timeout_seconds must be positive", "watch_timeout_seconds");
  }
  if (options_.idle_timeout <= std::chrono::seconds(options_.watch_timeout_seconds)) {
    return InvalidArgument("idle_timeout must be above watch_timeout_seconds", "idle_timeout");
  }
  if (options_.backoff_initial.count() <= 0) {
    return InvalidArgument("backoff_initial must be positive", "backoff_initial");
  }
  if (options_.backoff_max < options_.backoff_initial) {
    return InvalidArgument("backoff_max must be >= backoff_initial", "backoff_max");
  }
  started_ = true;
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void Watcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancel_.Cancel();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

WatcherStats Watcher::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

std::map<std::string, nlohmann::json> Watcher::Objects() const {
  std::lock_guard<std::mutex> lock(mu_);
  return store_;
}

bool Watcher::Wait(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(mu_);
  wake_.wait_for(lock, delay, [this] { return cancel_.cancelled(); });
  return !cancel_.cancelled();
}

void Watcher::Run() {
  Random random(options_.seed);
  Backoff backoff(options_.backoff_initial, options_.backoff_max, random);
  bool need_list = true;
  bool first_list = true;
  bool first_watch = true;

  auto fail = [&](const Status& s, std::string_view what) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.errors;
      if (IsGone(s)) ++stats_.gone;
    }
    if (hooks_.on_error) hooks_.on_error(s);
    // Log the first failure of a streak; the rest are counted (Stats, hooks) and logged at debug.
    if (backoff.failures() == 0) {
      LOG_WARNING("kube_watch_error",
                  {{"watch", options_.name}, {"op", what}, {"error", s.ToString()}});
    } else {
      LOG_DEBUG("kube_watch_error", {{"watch", options_.name},
                                     {"op", what},
                                     {"error", s.ToString()},
                                     {"failures", backoff.failures()}});
    }
  };
  auto back_off = [&]() {
    std::chrono::milliseconds delay = backoff.Next();
    if (hooks_.on_backoff) hooks_.on_backoff(delay);
    return Wait(delay);
  };

  while (!cancel_.cancelled()) {
    if (need_list) {
      if (!first_list) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          ++stats_.relists;
        }
        if (hooks_.on_relist) hooks_.on_relist();
      }
      first_list = false;
      Status s = ListAndReplace();
      if (cancel_.cancelled()) break;
      if (!s.ok()) {
        fail(s, "list");
        if (!back_off()) break;
        continue;
      }
      need_list = false;  // backoff resets only once a WATCH makes progress: no hot 410 loop
    }

    WatchOptions wo;
    wo.label_selector = options_.label_selector;
    wo.allow_bookmarks = true;
    wo.timeout_seconds = options_.watch_timeout_seconds;
    wo.idle_timeout = options_.idle_timeout;
    {
      std::lock_guard<std::mutex> lock(mu_);
      wo.resource_version = stats_.resource_version;
      ++stats_.watches;
      if (!first_watch) ++stats_.watch_restarts;
    }
    if (!first_watch && hooks_.on_watch_restart) hooks_.on_watch_restart();
    first_watch = false;

    bool progressed = false;
    Status s = client_.Watch(
        options_.path, wo, [&](WatchEvent e) { ApplyEvent(std::move(e), &progressed); }, cancel_);
    if (cancel_.cancelled()) break;
    if (progressed) backoff.Reset();
    if (s.ok()) {
      // The server ended the stream (timeoutSeconds): resume from the last version at once,
      // unless it delivered nothing, not even a bookmark: then back off, so that a server or
      // proxy that closes every stream at once cannot make us spin (client-go's "very short
      // watch").
      if (progressed) continue;
      if (!back_off()) break;
      continue;
    }
    fail(s, "watch");
    if (IsGone(s)) {
      need_list = true;
      // The first relist after a 410 is immediate (client-go); repeated ones back off.
      if (backoff.failures() == 0) {
        backoff.Next();
        continue;
      }
    }
    if (!back_off()) break;
  }
}

Status Watcher::ListAndReplace() {
  ListOptions lo;
  lo.label_selector = options_.label_selector;
  lo.limit = options_.page_size;
  std::vector<nlohmann::json> items;
  std::string version;
  do {
    ASSIGN_OR_RETURN(ListResult page, client_.List(options_.path, lo));
    for (auto& item : page.items) items.push_back(std::move(item));
    version = page.resource_version;
    lo.continue_token = page.continue_token;
  } while (!lo.continue_token.empty() && !cancel_.cancelled());
  if (cancel_.cancelled()) return Status(StatusCode::kCancelled, "list cancelled");

  StoreBatch batch;
  batch.from_list = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, nlohmann::json> next;
    for (auto& item : items) {
      std::string key = ObjectKey(item);
      if (key.empty()) continue;  // not an object with a name: nothing to key it by
      next[key] = std::move(item);
    }
    for (auto& [key, obj] : next) {
      auto old = store_.find(key);
      if (old == store_.end()) {
        batch.events.push_back({StoreEvent::Kind::kAdded, key, obj, nullptr});
      } else if (old->second != obj) {
        batch.events.push_back({StoreEvent::Kind::kUpdated, key, obj, old->second});
      }
    }
    for (auto& [key, obj] : store_) {
      if (!next.count(key)) batch.events.push_back({StoreEvent::Kind::kDeleted, key, obj, nullptr});
    }
    store_ = std::move(next);
    stats_.resource_version = version;
  }
  LOG_INFO("kube_list", {{"watch", options_.name},
                         {"objects", static_cast<uint64_t>(items.size())},
                         {"changes", static_cast<uint64_t>(batch.events.size())},
                         {"resource_version", version}});
  if (handler_) handler_(batch);
  std::lock_guard<std::mutex> lock(mu_);
  // Counted once the handler has seen the list's batch, so a waiter on them sees it too.
  ++stats_.lists;
  stats_.synced = true;
  return Status::Ok();
}

void Watcher::ApplyEvent(WatchEvent event, bool* progressed) {
  if (hooks_.on_event) hooks_.on_event(event.type);
  std::string version = ResourceVersionOf(event.object);
  StoreBatch batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!version.empty()) stats_.resource_version = version;
    switch (event.type) {
      case WatchEventType::kAdded:
        ++stats_.added;
        break;
      case WatchEventType::kModified:
        ++stats_.modified;
        break;
      case WatchEventType::kDeleted:
        ++stats_.deleted;
        break;
      case WatchEventType::kBookmark:
        ++stats_.bookmarks;
        break;
    }
    *progressed = true;
    if (event.type == WatchEventType::kBookmark) return;
    std::string key = ObjectKey(event.object);
    if (key.empty()) return;
    auto it = store_.find(key);
    if (event.type == WatchEventType::kDeleted) {
      if (it == store_.end()) return;  // already gone (a replay after a resume)
      batch.events.push_back({StoreEvent::Kind::kDeleted, key, std::move(event.object), nullptr});
      store_.erase(it);
    } else if (it == store_.end()) {
      store_[key] = event.object;
      batch.events.push_back({StoreEvent::Kind::kAdded, key, std::move(event.object), nullptr});
    } else {
      if (ResourceVersionOf(it->second) == version && it->second == event.object) return;
      batch.events.push_back({StoreEvent::Kind::kUpdated, key, event.object, it->second});
      it->second = std::move(event.object);
    }
  }
  if (handler_) handler_(batch);
}

}  // namespace herd::k8s
