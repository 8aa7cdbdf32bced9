// KeyCache<It>: a direct-mapped cache of recent lookups in a string-keyed ordered map: key hash
// -> the map's iterator. The supervisor reads a workload's records right after a join or a
// write touched them; a hit costs a hash and one compare instead of a walk down a tree of
// hundreds of thousands of keys, each step a cache miss and a string compare.
//
// Fixed size (allocated on first use), so it costs the same whatever the map holds. The owner
// must call Forget before erasing a key from the map. Internal to herd::crdt; single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace herd::crdt {

template <typename It>
class KeyCache {
 public:
  // Never 0: a slot whose hash is 0 is empty.
  static uint64_t Hash(std::string_view key) { return std::hash<std::string_view>()(key) | 1; }

  // The cached iterator for `key` (whose Hash is `hash`), or nullptr.
  const It* Find(std::string_view key, uint64_t hash) const {
    if (slots_.empty()) return nullptr;
    const Slot& s = slots_[hash & kMask];
    return s.hash == hash && s.it->first == key ? &s.it : nullptr;
  }

  void Remember(uint64_t hash, It it) {
    if (slots_.empty()) slots_.resize(kSlots);
    slots_[hash & kMask] = Slot{hash, it};
  }

  // Call before erasing `it` from the map.
  void Forget(It it) {
    if (slots_.empty()) return;
    Slot& s = slots_[Hash(it->first) & kMask];
    if (s.hash != 0 && s.it == it) s = Slot{};
  }

 private:
  static constexpr size_t kSlots = size_t{1} << 14;
  static constexpr size_t kMask = kSlots - 1;
  struct Slot {
    uint64_t hash = 0;
    It it{};
  };
  std::vector<Slot> slots_;
};

}  // namespace herd::crdt
