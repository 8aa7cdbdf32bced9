// KeyIndex<Node>: a hash index over the nodes of a string-keyed map, by their `key` member:
// key -> the node. The map finds every key through it, with a hash and a probe or two; key
// order is kept apart, and only for the scans that need it (see AwLwwMap).
//
// Open addressing with linear probing and backward-shift deletion in one power-of-two array of
// node pointers, beside an array of four-byte tags (the hash's low 31 bits, top bit set; 0:
// empty) that nearly every probe of another key stops at. The tags hold each slot's home, so
// resizing and deleting move entries without touching a node or hashing a key again. 12 bytes
// per slot; grows past 7/8 full, shrinks below 1/8.
//
// The index owns no node. The owner calls Insert after making a node and Erase before dropping
// one. Internal to herd::crdt; single-threaded.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/hash.h"

namespace herd::crdt {

template <typename Node>
class KeyIndex {
 public:
  static uint64_t Hash(std::string_view key) { return HashBytes(key); }

  size_t size() const { return size_; }

  // The node of `key` (whose Hash is `hash`), or nullptr when the key is not indexed.
  Node* Find(std::string_view key, uint64_t hash) const {
    if (size_ == 0) return nullptr;
    const uint32_t tag = Tag(hash);
    for (size_t i = hash & mask_; tags_[i] != 0; i = (i + 1) & mask_) {
      if (tags_[i] == tag && slots_[i]->key == key) return slots_[i];
    }
    return nullptr;
  }

  // Hints that `hash` is about to be looked up: fetches its home slot, so a loop over many
  // scattered keys can overlap their cache misses instead of waiting on each in turn.
  void PrefetchSlot(uint64_t hash) const {
    if (size_ == 0) return;
    __builtin_prefetch(&tags_[hash & mask_]);
    __builtin_prefetch(&slots_[hash & mask_]);
  }
  // The next step, once the slot is at hand: fetches the node it holds (the key's node, unless
  // another key sits there) for the key comparison.
  void PrefetchNode(uint64_t hash) const {
    if (size_ == 0) return;
    if (const Node* node = slots_[hash & mask_]) Node::Prefetch(node);
  }

  // Indexes `node`, whose key (with Hash `hash`) is not indexed yet.
  void Insert(uint64_t hash, Node* node) {
    if ((size_ + 1) * 8 > slots_.size() * 7) Resize(slots_.empty() ? 64 : slots_.size() * 2);
    Place(hash, node);
    ++size_;
  }

  // Unindexes `node` (an indexed one).
  void Erase(const Node* node) {
    size_t i = Hash(node->key) & mask_;
    while (!(tags_[i] != 0 && slots_[i] == node)) i = (i + 1) & mask_;
    // Backward shift: pull later members of the probe run into the hole when their home
    // position does not lie (cyclically) in (hole, j].
    for (size_t j = (i + 1) & mask_; tags_[j] != 0; j = (j + 1) & mask_) {
      const size_t home = tags_[j] & mask_;
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        tags_[i] = tags_[j];
        slots_[i] = slots_[j];
        i = j;
      }
    }
    tags_[i] = 0;
    slots_[i] = nullptr;
    --size_;
    if (slots_.size() > 64 && size_ * 8 < slots_.size()) Resize(slots_.size() / 2);
  }

 private:
  // The hash's low bits, which give the home slot of any index below 2^31 slots.
  static uint32_t Tag(uint64_t hash) { return static_cast<uint32_t>(hash) | 0x80000000u; }

  void Place(uint64_t hash, Node* node) {
    size_t i = hash & mask_;
    while (tags_[i] != 0) i = (i + 1) & mask_;
    tags_[i] = Tag(hash);
    slots_[i] = node;
  }

  void Resize(size_t n) {
    std::vector<uint32_t> old_tags(n, 0);
    std::vector<Node*> old_slots(n, nullptr);
    old_tags.swap(tags_);
    old_slots.swap(slots_);
    mask_ = n - 1;
    for (size_t i = 0; i < old_tags.size(); ++i) {
      if (old_tags[i] != 0) Place(old_tags[i], old_slots[i]);  // a tag is its own Tag
    }
  }

  std::vector<uint32_t> tags_;
  std::vector<Node*> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace herd::crdt
