// DotIndex<V>: which value (for AwLwwMap, which key) holds each live dot, with O(1) lookups and,
// per replica, the live counters in ascending order for range walks (anti-entropy, garbage
// collection, joins of contexts that carry version-vector ranges).
//
// Lookups go through an open-addressing hash table (one probe sequence in one array: a cache
// miss or two per lookup, no allocation per dot). The ordered view is a vector of counters per
// replica: appends are almost always in counter order (a replica's own writes, deltas received in
// order), so the vector stays sorted; an out-of-order append marks it unsorted and the next range
// walk sorts it once. An erased counter lingers in the vector (walks skip it) and is noted in a
// second vector; once those outnumber the live ones, both are sorted and the erased ones
// subtracted in one sequential pass. Amortized O(1) per insert or erase, and compaction touches
// no hash buckets.
//
// Internal to herd::crdt. Single-threaded; walks may sort or compact the (mutable) vectors, so
// even const walks must not run concurrently with anything else.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <utility>
#include <vector>

#include "crdt/dot.h"

namespace herd::crdt {

// Dot -> V with linear probing and backward-shift deletion in one power-of-two array. A slot
// whose counter is 0 is empty (no write has counter 0). Grows past 7/8 full, shrinks below 1/8.
template <typename V>
class FlatDotMap {
 public:
  size_t size() const { return size_; }

  V* Find(const Dot& d) {
    const size_t i = Locate(d);
    return i == kNone ? nullptr : &slots_[i].value;
  }
  const V* Find(const Dot& d) const {
    const size_t i = Locate(d);
    return i == kNone ? nullptr : &slots_[i].value;
  }

  bool Insert(const Dot& d, V value) {
    if ((size_ + 1) * 8 > slots_.size() * 7) Resize(slots_.empty() ? 16 : slots_.size() * 2);
    size_t i = Home(d);
    for (; slots_[i].dot.counter != 0; i = (i + 1) & mask_) {
      if (slots_[i].dot == d) return false;
    }
    slots_[i] = Slot{d, std::move(value)};
    ++size_;
    return true;
  }

  bool Erase(const Dot& d) {
    size_t i = Locate(d);
    if (i == kNone) return false;
    // Backward shift: pull later members of the probe run into the hole when their home
    // position does not lie (cyclically) in (hole, j].
    for (size_t j = (i + 1) & mask_; slots_[j].dot.counter != 0; j = (j + 1) & mask_) {
      const size_t home = Home(slots_[j].dot);
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        slots_[i] = std::move(slots_[j]);
        i = j;
      }
    }
    slots_[i] = Slot{};
    --size_;
    if (slots_.size() > 64 && size_ * 8 < slots_.size()) Resize(slots_.size() / 2);
    return true;
  }

 private:
  static constexpr size_t kNone = ~size_t{0};
  struct Slot {
    Dot dot;
    V value{};
  };

  size_t Locate(const Dot& d) const {
    if (size_ == 0 || d.counter == 0) return kNone;
    for (size_t i = Home(d);; i = (i + 1) & mask_) {
      if (slots_[i].dot.counter == 0) return kNone;
      if (slots_[i].dot == d) return i;
    }
  }

  size_t Home(const Dot& d) const {
    uint64_t x = d.replica * 0x9e3779b97f4a7c15ULL ^ d.counter;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    return static_cast<size_t>(x) & mask_;
  }

  void Resize(size_t n) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.resize(n);
    mask_ = n - 1;
    for (Slot& s : old) {
      if (s.dot.counter == 0) continue;
      size_t i = Home(s.dot);
      while (slots_[i].dot.counter != 0) i = (i + 1) & mask_;
      slots_[i] = std::move(s);
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

template <typename V>
class DotIndex {
 public:
  V* Find(const Dot& d) { return map_.Find(d); }
  const V* Find(const Dot& d) const { return map_.Find(d); }
  size_t size() const { return map_.size(); }

  // Adds `d`; returns false (and changes nothing) when it is already present or has counter 0.
  bool Insert(const Dot& d, V value) {
    if (d.counter == 0 || !map_.Insert(d, std::move(value))) return false;
    Counters& c = replicas_[d.replica];
    if (!c.list.empty() && d.counter <= c.list.back()) c.sorted = false;
    c.list.push_back(d.counter);
    ++c.live;
    return true;
  }

  // Removes `d`; returns false when it was absent.
  bool Erase(const Dot& d) {
    if (!map_.Erase(d)) return false;
    auto it = replicas_.find(d.replica);
    Counters& c = it->second;
    if (--c.live == 0) {
      replicas_.erase(it);
      return true;
    }
    c.erased.push_back(d.counter);
    if (c.erased.size() > c.live + 16) Tidy(&c);
    return true;
  }

  // Calls fn(const Dot&, V&) for every live dot of `r` with lo < counter <= hi, in ascending
  // order. `fn` must not insert or erase.
  template <typename Fn>
  void ForEachInRange(ReplicaId r, uint64_t lo, uint64_t hi, Fn&& fn) const {
    auto rit = replicas_.find(r);
    if (rit == replicas_.end() || lo >= hi) return;
    Counters& c = rit->second;
    if (!c.sorted) Tidy(&c);
    uint64_t prev = 0;
    for (auto it = std::upper_bound(c.list.begin(), c.list.end(), lo);
         it != c.list.end() && *it <= hi; ++it) {
      if (*it == prev) continue;
      prev = *it;
      const Dot d{r, *it};
      if (const V* v = map_.Find(d)) fn(d, *v);
    }
  }

  // The replicas with at least one live dot, ascending.
  std::vector<ReplicaId> Replicas() const {
    std::vector<ReplicaId> out;
    out.reserve(replicas_.size());
    for (const auto& [r, c] : replicas_) out.push_back(r);
    return out;
  }

 private:
  struct Counters {
    std::vector<uint64_t> list;    // live counters plus erased ones not yet compacted
    std::vector<uint64_t> erased;  // counters erased since the last compaction
    size_t live = 0;
    bool sorted = true;
  };

  // Sorts the list and subtracts the erased counters (as multisets: a counter inserted again
  // after an erase stays).
  static void Tidy(Counters* c) {
    if (!c->sorted) std::sort(c->list.begin(), c->list.end());
    c->sorted = true;
    if (c->erased.empty()) return;
    std::sort(c->erased.begin(), c->erased.end());
    std::vector<uint64_t> kept;
    kept.reserve(c->live + c->live / 4);
    std::set_difference(c->list.begin(), c->list.end(), c->erased.begin(), c->erased.end(),
                        std::back_inserter(kept));
    c->list.swap(kept);
    c->erased.clear();
  }

  FlatDotMap<V> map_;
  mutable std::map<ReplicaId, Counters> replicas_;
};

}  // namespace herd::crdt
