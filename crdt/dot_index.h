// DotIndex<V>: which value (for AwLwwMap, which key) holds each live dot, with O(1) lookups and,
// per replica, range walks in counter order (anti-entropy, garbage collection, joins of contexts
// that carry version-vector ranges).
//
// A replica issues its counters one after another, and its dots arrive in that order too (its
// own writes, its deltas, a log replayed), so the index is laid out by counter: a page holds a
// replica's live dots among 64 consecutive counters, as a bitmap and the values in counter
// order (a dot's value sits at the rank of its bit). Pages live in an open-addressing hash
// table keyed by (replica, page number), small enough to stay in cache (one slot per 64
// counters). A run of writes or of a delta's entries lands in one page after another: each
// lookup, insert or walk step touches the page the previous one touched, where a hash table of
// dots sent every dot to a random slot (a cache miss apiece). A range walk visits the pages of
// its range in order: one probe per 64 counters, then the live dots of each.
//
// Internal to herd::crdt. Single-threaded.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "crdt/dot.h"

namespace herd::crdt {

// Dot -> V with linear probing and backward-shift deletion in one power-of-two array. A slot
// whose counter is 0 is empty (no write has counter 0). Grows past 7/8 full, shrinks below 1/8.
// The slot of the last lookup is tried first: the dot index asks for the same page 64 times in
// a row (a writer's dots are consecutive), and the newest pages, the ones in use, sit at the
// far end of their probe runs (averaging 13 probes at 20,000 workloads, against 1 with this).
template <typename V>
class FlatDotMap {
 public:
  V* Find(const Dot& d) {
    const size_t i = Locate(d);
    return i == kNone ? nullptr : &slots_[i].value;
  }
  const V* Find(const Dot& d) const {
    const size_t i = Locate(d);
    return i == kNone ? nullptr : &slots_[i].value;
  }

  // The value of `d`, added (value-initialized) when absent; `added` tells which. The reference
  // is valid until the next insert or erase.
  V& FindOrAdd(const Dot& d, bool* added) {
    if (last_ < slots_.size() && slots_[last_].dot == d) {
      *added = false;
      return slots_[last_].value;
    }
    if ((size_ + 1) * 8 > slots_.size() * 7) Resize(slots_.empty() ? 16 : slots_.size() * 2);
    size_t i = Home(d);
    for (; slots_[i].dot.counter != 0; i = (i + 1) & mask_) {
      if (slots_[i].dot == d) {
        *added = false;
        last_ = i;
        return slots_[i].value;
      }
    }
    slots_[i] = Slot{d, V{}};
    ++size_;
    *added = true;
    last_ = i;
    return slots_[i].value;
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
    if (last_ < slots_.size() && slots_[last_].dot == d) return last_;
    for (size_t i = Home(d);; i = (i + 1) & mask_) {
      if (slots_[i].dot.counter == 0) return kNone;
      if (slots_[i].dot == d) {
        last_ = i;
        return i;
      }
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
  mutable size_t last_ = 0;  // the slot of the last lookup: a hint, checked before use
};

template <typename V>
class DotIndex {
 public:
  DotIndex() = default;
  DotIndex(const DotIndex&) = delete;  // last_span_ points into replicas_: moves only
  DotIndex& operator=(const DotIndex&) = delete;
  DotIndex(DotIndex&&) = default;
  DotIndex& operator=(DotIndex&&) = default;

  V* Find(const Dot& d) { return const_cast<V*>(std::as_const(*this).Find(d)); }
  const V* Find(const Dot& d) const {
    const Page* page = pages_.Find(PageKey(d.replica, d.counter >> kPageBits));
    if (page == nullptr) return nullptr;
    const uint64_t bit = Bit(d.counter);
    if ((page->bits & bit) == 0) return nullptr;
    return &page->values[Rank(page->bits, bit)];
  }
  size_t size() const { return size_; }

  // Adds `d`; returns false (and changes nothing) when it is already present or has counter 0.
  bool Insert(const Dot& d, V value) {
    if (d.counter == 0) return false;
    const uint64_t number = d.counter >> kPageBits;
    bool added = false;
    Page& page = pages_.FindOrAdd(PageKey(d.replica, number), &added);
    const uint64_t bit = Bit(d.counter);
    if ((page.bits & bit) != 0) return false;
    page.values.insert(page.values.begin() + static_cast<std::ptrdiff_t>(Rank(page.bits, bit)),
                       std::move(value));
    page.bits |= bit;
    ++size_;
    Span& span = SpanOf(d.replica, number);
    span.first_page = std::min(span.first_page, number);
    span.last_page = std::max(span.last_page, number);
    ++span.live;
    return true;
  }

  // Removes `d`; returns false when it was absent.
  bool Erase(const Dot& d) {
    const Dot key = PageKey(d.replica, d.counter >> kPageBits);
    Page* page = pages_.Find(key);
    const uint64_t bit = Bit(d.counter);
    if (page == nullptr || (page->bits & bit) == 0) return false;
    page->values.erase(page->values.begin() + static_cast<std::ptrdiff_t>(Rank(page->bits, bit)));
    page->bits &= ~bit;
    if (page->bits == 0) pages_.Erase(key);
    --size_;
    auto it = replicas_.find(d.replica);
    if (--it->second.live == 0) {
      if (last_span_.span == &it->second) last_span_.span = nullptr;
      replicas_.erase(it);
    }
    return true;
  }

  // Calls fn(const Dot&, V&) for every live dot of `r` with lo < counter <= hi, in ascending
  // order. `fn` must not insert or erase.
  template <typename Fn>
  void ForEachInRange(ReplicaId r, uint64_t lo, uint64_t hi, Fn&& fn) const {
    auto rit = replicas_.find(r);
    if (rit == replicas_.end() || lo >= hi) return;
    const Span& span = rit->second;
    const uint64_t first = std::max((lo + 1) >> kPageBits, span.first_page);
    const uint64_t last = std::min(hi >> kPageBits, span.last_page);
    for (uint64_t number = first; number <= last; ++number) {
      const Page* page = pages_.Find(PageKey(r, number));
      if (page == nullptr) continue;
      const uint64_t base = number << kPageBits;
      uint64_t bits = page->bits;
      // Trim the counters outside (lo, hi] off the page's first and last.
      if (base <= lo) bits &= ~uint64_t{0} << (lo - base + 1);  // lo - base < 63
      if (hi - base < 63) bits &= (uint64_t{2} << (hi - base)) - 1;
      for (; bits != 0; bits &= bits - 1) {
        const uint64_t bit = bits & -bits;
        fn(Dot{r, base + static_cast<uint64_t>(std::countr_zero(bits))},
           page->values[Rank(page->bits, bit)]);
      }
    }
  }

  // The replicas with at least one live dot, ascending.
  std::vector<ReplicaId> Replicas() const {
    std::vector<ReplicaId> out;
    out.reserve(replicas_.size());
    for (const auto& [r, span] : replicas_) out.push_back(r);
    return out;
  }

 private:
  static constexpr unsigned kPageBits = 6;  // 64 counters a page: one bit each in `bits`
  struct Page {
    uint64_t bits = 0;      // bit i: counter (page number * 64 + i) is live
    std::vector<V> values;  // the live ones' values, in counter order
  };
  // Per replica with live dots: the lowest and highest page numbers it had since (bounds for
  // walks), and its live dots.
  struct Span {
    uint64_t first_page = 0;
    uint64_t last_page = 0;
    size_t live = 0;
  };

  // The page table's key: a counter of 0 marks an empty slot, so page numbers count from 1.
  static Dot PageKey(ReplicaId r, uint64_t number) { return Dot{r, number + 1}; }
  static uint64_t Bit(uint64_t counter) { return uint64_t{1} << (counter & 63); }
  // Where the value of the dot at `bit` sits among the page's values.
  static size_t Rank(uint64_t bits, uint64_t bit) {
    return static_cast<size_t>(std::popcount(bits & (bit - 1)));
  }

  // The span of `r`, added with page `number` when new. The last one asked for is kept at
  // hand: a delta's dots come a replica at a time.
  Span& SpanOf(ReplicaId r, uint64_t number) {
    if (last_span_.span != nullptr && last_span_.replica == r) return *last_span_.span;
    auto [it, added] = replicas_.try_emplace(r, Span{number, number, 0});
    last_span_.replica = r;
    last_span_.span = &it->second;
    return it->second;
  }
  // A span in replicas_ (a map's nodes stay put), or null; a move takes it along with the map.
  struct SpanHint {
    ReplicaId replica = 0;
    Span* span = nullptr;
    SpanHint() = default;
    SpanHint(SpanHint&& o) noexcept : replica(o.replica), span(std::exchange(o.span, nullptr)) {}
    SpanHint& operator=(SpanHint&& o) noexcept {
      replica = o.replica;
      span = std::exchange(o.span, nullptr);
      return *this;
    }
  };

  FlatDotMap<Page> pages_;
  std::map<ReplicaId, Span> replicas_;
  SpanHint last_span_;
  size_t size_ = 0;
};

}  // namespace herd::crdt
