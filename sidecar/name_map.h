// NameMap<V> and NameSet: maps and sets keyed by workload name in one flat table, for the
// supervisor's per-workload indexes (its children, and who owns what), which hold tens of
// thousands of names and are looked up on every change the cluster makes.
//
// Open addressing with linear probing and backward-shift deletion: the entries sit in one
// power-of-two array (short names inline, no allocation per entry), beside an array of
// four-byte tags (the hash's low 31 bits, top bit set; 0: empty) that nearly every probe of
// another name stops at. The tags hold each slot's home, so growing and deleting move entries
// without hashing a name again, and a lookup costs about two cache misses where a node-based
// std::unordered_map took three, and a rehash one per node. Grows past 7/8 full, shrinks below
// 1/8.
//
// Inserting or erasing may move other entries: it invalidates iterators and references to
// entries (keep values that must stay put behind a pointer), and a name passed in must not be
// one the same table holds (copy it first). Iteration order is the table's:
// deterministic for one sequence of inserts and erases, and otherwise unspecified.
// Single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/hash.h"

namespace herd::sidecar {

template <typename V>
class NameMap {
 public:
  using value_type = std::pair<std::string, V>;

  template <bool kConst>
  class Iterator {
   public:
    using Map = std::conditional_t<kConst, const NameMap, NameMap>;
    using iterator_category = std::forward_iterator_tag;
    using value_type = NameMap::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = std::conditional_t<kConst, const value_type*, value_type*>;
    using reference = std::conditional_t<kConst, const value_type&, value_type&>;

    Iterator() = default;
    Iterator(Map* map, size_t i) : map_(map), i_(i) { Skip(); }
    reference operator*() const { return map_->slots_[i_]; }
    pointer operator->() const { return &map_->slots_[i_]; }
    Iterator& operator++() {
      ++i_;
      Skip();
      return *this;
    }
    Iterator operator++(int) {
      Iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const Iterator& o) const { return i_ == o.i_; }

   private:
    friend class NameMap;
    void Skip() {
      while (i_ < map_->tags_.size() && map_->tags_[i_] == 0) ++i_;
    }
    Map* map_ = nullptr;
    size_t i_ = 0;
  };
  using iterator = Iterator<false>;
  using const_iterator = Iterator<true>;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  iterator begin() { return {this, 0}; }
  iterator end() { return {this, tags_.size()}; }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, tags_.size()}; }

  iterator find(std::string_view name) {
    const size_t i = Find(name, Hash(name));
    return i == kNone ? end() : iterator(this, i);
  }
  const_iterator find(std::string_view name) const {
    const size_t i = Find(name, Hash(name));
    return i == kNone ? end() : const_iterator(this, i);
  }
  bool contains(std::string_view name) const { return Find(name, Hash(name)) != kNone; }
  size_t count(std::string_view name) const { return contains(name) ? 1 : 0; }

  // The entry of `name`, added with a default value when absent; true when added.
  std::pair<iterator, bool> try_emplace(std::string_view name) {
    const uint64_t hash = Hash(name);
    if (size_t i = Find(name, hash); i != kNone) return {iterator(this, i), false};
    if ((size_ + 1) * 8 > slots_.size() * 7) Resize(slots_.empty() ? 16 : slots_.size() * 2);
    ++size_;
    return {iterator(this, Place(Tag(hash), value_type(std::string(name), V()))), true};
  }
  V& operator[](std::string_view name) { return try_emplace(name).first->second; }

  // Removes the entry of `name`; returns how many were removed (0 or 1).
  size_t erase(std::string_view name) {
    const size_t i = Find(name, Hash(name));
    if (i == kNone) return 0;
    EraseAt(i);
    return 1;
  }
  void erase(iterator it) { EraseAt(it.i_); }
  // Removes every entry and frees the table.
  void clear() { *this = NameMap(); }
  // Grows the table once so that `n` more names fit without growing it step by step. (Room for
  // none allocates nothing.)
  void reserve(size_t n) {
    if (n == 0) return;
    size_t slots = slots_.empty() ? 16 : slots_.size();
    while ((size_ + n) * 8 > slots * 7) slots *= 2;
    if (slots != slots_.size()) Resize(slots);
  }

 private:
  static constexpr size_t kNone = SIZE_MAX;
  static uint64_t Hash(std::string_view name) { return HashBytes(name); }
  // The hash's low bits, which give the home slot of any table below 2^31 slots.
  static uint32_t Tag(uint64_t hash) { return static_cast<uint32_t>(hash) | 0x80000000u; }

  size_t Find(std::string_view name, uint64_t hash) const {
    if (size_ == 0) return kNone;
    const uint32_t tag = Tag(hash);
    for (size_t i = hash & mask_; tags_[i] != 0; i = (i + 1) & mask_) {
      if (tags_[i] == tag && slots_[i].first == name) return i;
    }
    return kNone;
  }

  size_t Place(uint32_t tag, value_type entry) {
    size_t i = tag & mask_;
    while (tags_[i] != 0) i = (i + 1) & mask_;
    tags_[i] = tag;
    slots_[i] = std::move(entry);
    return i;
  }

  void EraseAt(size_t i) {
    // Backward shift: pull later members of the probe run into the hole when their home does
    // not lie (cyclically) in (hole, j].
    for (size_t j = (i + 1) & mask_; tags_[j] != 0; j = (j + 1) & mask_) {
      const size_t home = tags_[j] & mask_;
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        tags_[i] = tags_[j];
        slots_[i] = std::move(slots_[j]);
        i = j;
      }
    }
    tags_[i] = 0;
    slots_[i] = value_type();
    --size_;
    if (slots_.size() > 16 && size_ * 8 < slots_.size()) Resize(slots_.size() / 2);
  }

  void Resize(size_t n) {
    std::vector<uint32_t> old_tags(n, 0);
    std::vector<value_type> old_slots(n);
    old_tags.swap(tags_);
    old_slots.swap(slots_);
    mask_ = n - 1;
    for (size_t i = 0; i < old_tags.size(); ++i) {
      if (old_tags[i] != 0) Place(old_tags[i], std::move(old_slots[i]));  // a tag is its own Tag
    }
  }

  std::vector<uint32_t> tags_;
  std::vector<value_type> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

// A set of names: a NameMap without values.
class NameSet {
  struct Empty {};

 public:
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    using pointer = const std::string*;
    using reference = const std::string&;

    const_iterator() = default;
    explicit const_iterator(NameMap<Empty>::const_iterator it) : it_(it) {}
    const std::string& operator*() const { return it_->first; }
    const std::string* operator->() const { return &it_->first; }
    const_iterator& operator++() {
      ++it_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator before = *this;
      ++it_;
      return before;
    }
    bool operator==(const const_iterator& o) const { return it_ == o.it_; }

   private:
    NameMap<Empty>::const_iterator it_;
  };

  size_t size() const { return names_.size(); }
  bool empty() const { return names_.empty(); }
  bool contains(std::string_view name) const { return names_.contains(name); }
  // Adds `name`; false when it was there already.
  bool insert(std::string_view name) { return names_.try_emplace(name).second; }
  // Removes `name`; false when it was not there.
  bool erase(std::string_view name) { return names_.erase(name) > 0; }
  const_iterator begin() const { return const_iterator(names_.begin()); }
  const_iterator end() const { return const_iterator(names_.end()); }

 private:
  NameMap<Empty> names_;
};

}  // namespace herd::sidecar
