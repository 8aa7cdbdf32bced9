// KeyIndex<It>: a hash index over every key of a string-keyed ordered map: key -> the map's
// iterator. The map keeps key order (prefix scans, paged lists); the index answers lookups with
// a hash and a probe or two instead of a walk down a tree of hundreds of thousands of keys,
// each step a cache miss and a string compare.
//
// Open addressing with linear probing and backward-shift deletion in one power-of-two array of
// iterators, beside an array of one-byte tags (7 bits of the hash; 0: empty) that most probes
// of other keys stop at. 9 bytes per slot; grows past 7/8 full, shrinks below 1/8. The index
// holds no hashes: resizing and deleting rehash the keys they move.
//
// The owner calls Insert after adding a key to the map and Erase before erasing one. Internal to
// herd::crdt; single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace herd::crdt {

template <typename It>
class KeyIndex {
 public:
  static uint64_t Hash(std::string_view key) { return std::hash<std::string_view>()(key); }

  size_t size() const { return size_; }

  // The iterator of `key` (whose Hash is `hash`), or nullptr when the key is not indexed.
  const It* Find(std::string_view key, uint64_t hash) const {
    if (size_ == 0) return nullptr;
    const uint8_t tag = Tag(hash);
    for (size_t i = hash & mask_; tags_[i] != 0; i = (i + 1) & mask_) {
      if (tags_[i] == tag && slots_[i]->first == key) return &slots_[i];
    }
    return nullptr;
  }

  // Indexes `it`, whose key (with Hash `hash`) is not indexed yet.
  void Insert(uint64_t hash, It it) {
    if ((size_ + 1) * 8 > slots_.size() * 7) Resize(slots_.empty() ? 64 : slots_.size() * 2);
    Place(hash, it);
    ++size_;
  }

  // Unindexes `it` (an indexed key); call before erasing it from the map.
  void Erase(It it) {
    size_t i = Hash(it->first) & mask_;
    while (!(tags_[i] != 0 && slots_[i] == it)) i = (i + 1) & mask_;
    // Backward shift: pull later members of the probe run into the hole when their home
    // position does not lie (cyclically) in (hole, j].
    for (size_t j = (i + 1) & mask_; tags_[j] != 0; j = (j + 1) & mask_) {
      const size_t home = Hash(slots_[j]->first) & mask_;
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        tags_[i] = tags_[j];
        slots_[i] = slots_[j];
        i = j;
      }
    }
    tags_[i] = 0;
    slots_[i] = It{};
    --size_;
    if (slots_.size() > 64 && size_ * 8 < slots_.size()) Resize(slots_.size() / 2);
  }

 private:
  static uint8_t Tag(uint64_t hash) { return static_cast<uint8_t>((hash >> 57) | 0x80); }

  void Place(uint64_t hash, It it) {
    size_t i = hash & mask_;
    while (tags_[i] != 0) i = (i + 1) & mask_;
    tags_[i] = Tag(hash);
    slots_[i] = it;
  }

  void Resize(size_t n) {
    std::vector<uint8_t> old_tags(n, 0);
    std::vector<It> old_slots(n);
    old_tags.swap(tags_);
    old_slots.swap(slots_);
    mask_ = n - 1;
    for (size_t i = 0; i < old_tags.size(); ++i) {
      if (old_tags[i] != 0) Place(Hash(old_slots[i]->first), old_slots[i]);
    }
  }

  std::vector<uint8_t> tags_;
  std::vector<It> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace herd::crdt
