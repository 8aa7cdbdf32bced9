// RecordPrefetcher: read-ahead for a loop that reads the records of many workloads in turn (a
// failover's takeovers, a batch of starts). Each record read is a chain of cache misses in the
// map (the key's index slot, its node, its value's bytes) that waits link by link; walking a
// few workloads ahead of the reads and asking the map to fetch each link (AwLwwMap::Prefetch)
// lets the misses of several workloads overlap. Hints only: the reads and what they find are
// the same with or without it. Single-threaded, like the supervisor that uses it.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "crdt/aw_lww_map.h"
#include "sidecar/records.h"

namespace herd::sidecar {

class RecordPrefetcher {
 public:
  // `names` must outlive the prefetcher.
  RecordPrefetcher(const crdt::AwLwwMap& map, std::span<const std::string* const> names)
      : map_(map), names_(names) {
    for (size_t j = 0; j < kSlotAhead && j < names_.size(); ++j) Step(j, 0);
  }

  // Call before reading the records of names[i], for i = 0, 1, 2, ... in order.
  void Before(size_t i) {
    if (i + kSlotAhead < names_.size()) Step(i + kSlotAhead, 0);
    if (i + kNodeAhead < names_.size()) Step(i + kNodeAhead, 1);
    if (i + kValueAhead < names_.size()) Step(i + kValueAhead, 2);
  }

 private:
  // How many names ahead of the reads each link is fetched: far enough for a miss to arrive,
  // near enough for it to stay in the cache.
  static constexpr size_t kSlotAhead = 12;
  static constexpr size_t kNodeAhead = 8;
  static constexpr size_t kValueAhead = 4;
  static constexpr std::array<std::string_view, 3> kPrefixes = {kWorkloadPrefix, kOwnerPrefix,
                                                                kStatusPrefix};
  struct Keys {
    std::array<std::string, kPrefixes.size()> key;
    std::array<uint64_t, kPrefixes.size()> hash{};
  };

  void Step(size_t j, int step) {
    Keys& k = ring_[j % ring_.size()];  // names[j]'s keys, built at its step 0
    for (size_t p = 0; p < kPrefixes.size(); ++p) {
      if (step == 0) {
        k.key[p].assign(kPrefixes[p]).append(*names_[j]);
        k.hash[p] = crdt::AwLwwMap::KeyHash(k.key[p]);
      }
      map_.Prefetch(k.key[p], k.hash[p], step);
    }
  }

  const crdt::AwLwwMap& map_;
  std::span<const std::string* const> names_;
  std::array<Keys, kSlotAhead + 1> ring_;  // keys of the names between the reads and step 0
};

}  // namespace herd::sidecar
