// NameSet: a set of workload names in one flat table, for the supervisor's index of who owns
// what (a member's set holds every workload it owns: tens of thousands).
//
// Open addressing with linear probing and backward-shift deletion: the names sit in one
// power-of-two array of strings (short names inline, no allocation), beside an array of
// four-byte tags (the hash's low 31 bits, top bit set; 0: empty) that nearly every probe of
// another name stops at. The tags hold each slot's home, so growing and deleting move names
// without hashing them again, and never chase a pointer per name as a node-based set does
// (std::unordered_set took a cache miss per node on every rehash of a failover's takeovers).
// Grows past 7/8 full, shrinks below 1/8. Iteration order is the table's: deterministic for
// one sequence of inserts and erases, and otherwise unspecified. Single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herd::sidecar {

class NameSet {
 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  bool contains(std::string_view name) const { return Find(name, Hash(name)) != kNone; }

  // Adds `name`; false when it was there already.
  bool insert(std::string name) {
    const uint64_t hash = Hash(name);
    if (Find(name, hash) != kNone) return false;
    if ((size_ + 1) * 8 > slots_.size() * 7) Resize(slots_.empty() ? 16 : slots_.size() * 2);
    Place(Tag(hash), std::move(name));
    ++size_;
    return true;
  }

  // Removes `name`; false when it was not there.
  bool erase(std::string_view name) {
    size_t i = Find(name, Hash(name));
    if (i == kNone) return false;
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
    slots_[i] = std::string();
    --size_;
    if (slots_.size() > 16 && size_ * 8 < slots_.size()) Resize(slots_.size() / 2);
    return true;
  }

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    using pointer = const std::string*;
    using reference = const std::string&;

    const_iterator() = default;
    const_iterator(const NameSet* set, size_t i) : set_(set), i_(i) { Skip(); }
    const std::string& operator*() const { return set_->slots_[i_]; }
    const std::string* operator->() const { return &set_->slots_[i_]; }
    const_iterator& operator++() {
      ++i_;
      Skip();
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const const_iterator& o) const { return i_ == o.i_; }

   private:
    void Skip() {
      while (i_ < set_->tags_.size() && set_->tags_[i_] == 0) ++i_;
    }
    const NameSet* set_ = nullptr;
    size_t i_ = 0;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, tags_.size()}; }

 private:
  static constexpr size_t kNone = SIZE_MAX;
  static uint64_t Hash(std::string_view name) { return std::hash<std::string_view>()(name); }
  // The hash's low bits, which give the home slot of any table below 2^31 slots.
  static uint32_t Tag(uint64_t hash) { return static_cast<uint32_t>(hash) | 0x80000000u; }

  size_t Find(std::string_view name, uint64_t hash) const {
    if (size_ == 0) return kNone;
    const uint32_t tag = Tag(hash);
    for (size_t i = hash & mask_; tags_[i] != 0; i = (i + 1) & mask_) {
      if (tags_[i] == tag && slots_[i] == name) return i;
    }
    return kNone;
  }

  void Place(uint32_t tag, std::string name) {
    size_t i = tag & mask_;
    while (tags_[i] != 0) i = (i + 1) & mask_;
    tags_[i] = tag;
    slots_[i] = std::move(name);
  }

  void Resize(size_t n) {
    std::vector<uint32_t> old_tags(n, 0);
    std::vector<std::string> old_slots(n);
    old_tags.swap(tags_);
    old_slots.swap(slots_);
    mask_ = n - 1;
    for (size_t i = 0; i < old_tags.size(); ++i) {
      if (old_tags[i] != 0) Place(old_tags[i], std::move(old_slots[i]));  // a tag is its own Tag
    }
  }

  std::vector<uint32_t> tags_;
  std::vector<std::string> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace herd::sidecar
