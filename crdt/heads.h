// Heads: the live entries of one key of AwLwwMap, sorted by dot. Nearly every key has exactly
// one, so the first is held inline and the rest in a vector allocated only after concurrent
// writes: a key costs one allocation (its map node) instead of two, and overwriting a key
// allocates nothing for its heads. An entry whose dot counter is 0 marks the inline slot empty
// (no write has counter 0). Internal to herd::crdt.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "crdt/dot.h"
#include "crdt/entry.h"

namespace herd::crdt {

class Heads {
 public:
  Heads() = default;
  Heads(Heads&& o) noexcept : first_(std::move(o.first_)), rest_(std::move(o.rest_)) {
    o.first_ = Entry{};
  }
  Heads& operator=(Heads&& o) noexcept {
    first_ = std::move(o.first_);
    rest_ = std::move(o.rest_);
    o.first_ = Entry{};
    return *this;
  }
  Heads(const Heads&) = delete;
  Heads& operator=(const Heads&) = delete;

  bool empty() const { return first_.dot.counter == 0; }
  size_t size() const { return empty() ? 0 : 1 + (rest_ ? rest_->size() : 0); }
  Entry& operator[](size_t i) { return i == 0 ? first_ : (*rest_)[i - 1]; }
  const Entry& operator[](size_t i) const { return i == 0 ? first_ : (*rest_)[i - 1]; }

  // Adds `e` (whose dot is not among the heads) in dot order.
  void Insert(Entry e) {
    if (empty()) {
      first_ = std::move(e);
      return;
    }
    if (!rest_) rest_ = std::make_unique<std::vector<Entry>>();
    if (e.dot < first_.dot) {
      rest_->insert(rest_->begin(), std::move(first_));
      first_ = std::move(e);
      return;
    }
    auto pos = std::lower_bound(rest_->begin(), rest_->end(), e.dot,
                                [](const Entry& x, const Dot& d) { return x.dot < d; });
    rest_->insert(pos, std::move(e));
  }

  void Erase(size_t i) {
    if (i > 0) {
      rest_->erase(rest_->begin() + static_cast<std::ptrdiff_t>(i - 1));
    } else if (rest_ && !rest_->empty()) {
      first_ = std::move(rest_->front());
      rest_->erase(rest_->begin());
    } else {
      first_ = Entry{};
    }
    if (rest_ && rest_->empty()) rest_.reset();
  }

  template <typename H, typename E>
  class Iterator {
   public:
    Iterator(H* heads, size_t i) : heads_(heads), i_(i) {}
    E& operator*() const { return (*heads_)[i_]; }
    E* operator->() const { return &(*heads_)[i_]; }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const Iterator& o) const { return i_ == o.i_; }

   private:
    H* heads_;
    size_t i_;
  };
  using iterator = Iterator<Heads, Entry>;
  using const_iterator = Iterator<const Heads, const Entry>;
  iterator begin() { return {this, 0}; }
  iterator end() { return {this, size()}; }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size()}; }

 private:
  Entry first_;
  std::unique_ptr<std::vector<Entry>> rest_;
};

}  // namespace herd::crdt
