// TtlCache: a small, bounded, thread-safe map from a string key to a value that expires, for
// the review answers of sidecar/auth_kube.h.
//
// Each entry carries its own expiry (the caller picks the TTL per value: allowed answers live
// longer than refusals). Get ignores and drops an expired entry. Put into a full cache first
// drops the expired entries, then, if still full, the one that expires soonest. Time comes from
// the caller (a monotonic clock), so tests drive it.
//
// Threading: every method may be called from any thread at once.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "common/clock.h"

namespace herd::sidecar {

template <typename V>
class TtlCache {
 public:
  explicit TtlCache(size_t max_entries) : max_entries_(max_entries == 0 ? 1 : max_entries) {}

  // The value under `key` when it has not expired at `now`.
  std::optional<V> Get(const std::string& key, Clock::TimePoint now) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    if (it->second.expires <= now) {
      EraseLocked(it);
      return std::nullopt;
    }
    return it->second.value;
  }

  void Put(const std::string& key, V value, Clock::TimePoint expires, Clock::TimePoint now) {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = entries_.find(key); it != entries_.end()) EraseLocked(it);
    if (entries_.size() >= max_entries_) {
      while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
        EraseLocked(entries_.find(by_expiry_.begin()->second));
      }
    }
    if (entries_.size() >= max_entries_) EraseLocked(entries_.find(by_expiry_.begin()->second));
    auto order = by_expiry_.emplace(expires, key);
    entries_.emplace(key, Entry{std::move(value), expires, order});
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_.size();
  }

 private:
  using Order = std::multimap<Clock::TimePoint, std::string>;
  struct Entry {
    V value;
    Clock::TimePoint expires;
    typename Order::iterator order;
  };
  using Map = std::unordered_map<std::string, Entry>;

  void EraseLocked(typename Map::iterator it) {
    by_expiry_.erase(it->second.order);
    entries_.erase(it);
  }

  const size_t max_entries_;
  mutable std::mutex mu_;
  Map entries_;
  Order by_expiry_;
};

}  // namespace herd::sidecar
