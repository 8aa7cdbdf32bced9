// AwLwwMap: local writes, reads and Join. Anti-entropy and garbage collection live in
// aw_lww_map_sync.cc.
#include "crdt/aw_lww_map.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>
#include <span>
#include <tuple>
#include <utility>

namespace herd::crdt {
namespace {

// Last write wins: the greater (timestamp, replica) pair, then the dot's counter so that the
// order is total.
bool Beats(const Entry& a, const Entry& b) {
  return std::tie(a.timestamp, a.dot.replica, a.dot.counter) >
         std::tie(b.timestamp, b.dot.replica, b.dot.counter);
}

}  // namespace

// The keys one Join touched, with what each showed before its first change, so that the visible
// count and the diffs can be worked out once the whole join is applied. Its slots live in the
// map and are reused from join to join, so that copying an old value rarely allocates; a
// touched node holds its slot number (KeyState::touched) until Finish.
class AwLwwMap::JoinTracker {
 public:
  JoinTracker(std::vector<TouchedKey>* slots, bool want_values)
      : slots_(*slots), want_values_(want_values) {}

  // Call before the first change to `node` in this join; later calls do nothing. The value
  // it shows is not copied: it stays among the heads, or Erased hands it over.
  void Touch(KeyRef node) {
    if (node->touched != 0) return;
    if (n_ == slots_.size()) slots_.emplace_back();
    TouchedKey& t = slots_[n_++];
    node->touched = static_cast<uint32_t>(n_);
    t.node = node;
    t.had = false;
    t.old_value_held = false;
    if (const Entry* e = Visible(*node)) {
      t.had = true;
      t.old_dot = e->dot;
    }
  }

  // `erased` just left the heads of a touched node: keeps its value if the node showed it.
  void Erased(KeyRef node, Entry erased) {
    TouchedKey& t = slots_[node->touched - 1];
    if (want_values_ && t.had && !t.old_value_held && erased.dot == t.old_dot) {
      t.old_value.swap(erased.value);
      t.old_value_held = true;
    }
  }

  // Settles the visible count, reports the diffs, then erases keys left without heads.
  void Finish(AwLwwMap* map, const DiffCallback& on_diff) {
    const auto touched = std::span<TouchedKey>(slots_.data(), n_);
    for (const TouchedKey& t : touched) {
      t.node->touched = 0;
      const bool has = Visible(*t.node) != nullptr;
      if (t.had && !has) --map->visible_count_;
      if (!t.had && has) ++map->visible_count_;
    }
    if (on_diff) {
      for (const TouchedKey& t : touched) {
        const Entry* now = Visible(*t.node);
        const std::string_view key = t.node->key;
        if (!t.had) {
          if (now != nullptr) on_diff(Diff{DiffKind::kAdded, key, std::nullopt, now->value});
          continue;
        }
        const std::string_view old = t.old_value_held ? t.old_value : Head(*t.node, t.old_dot);
        if (now == nullptr) {
          on_diff(Diff{DiffKind::kRemoved, key, old, std::nullopt});
        } else if (now->value != old) {
          on_diff(Diff{DiffKind::kUpdated, key, old, now->value});
        }
      }
    }
    for (const TouchedKey& t : touched) {
      if (t.node->heads.empty()) map->EraseKey(t.node);
    }
    // A join of a whole state touches every key: do not keep that many old values around.
    constexpr size_t kKeptSlots = 64;
    if (slots_.size() > kKeptSlots) {
      slots_.resize(kKeptSlots);
      slots_.shrink_to_fit();
    }
  }

 private:
  // The value of the head of `node` with dot `d`, which is among its heads.
  static std::string_view Head(const KeyState& node, const Dot& d) {
    for (const Entry& e : node.heads) {
      if (e.dot == d) return e.value;
    }
    return {};  // unreachable: only Erased takes heads away during a join
  }

  std::vector<TouchedKey>& slots_;
  size_t n_ = 0;
  bool want_values_;
};

AwLwwMap::AwLwwMap(ReplicaId self) : self_(self) {}

uint64_t AwLwwMap::NextVersion() {
  static std::atomic<uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

std::unique_ptr<AwLwwMap::KeyState, AwLwwMap::KeyStateDeleter> AwLwwMap::NewKeyState(
    std::string_view key) {
  static_assert(sizeof(KeyState) % alignof(KeyState) == 0);
  void* memory = ::operator new(sizeof(KeyState) + key.size());
  char* bytes = static_cast<char*>(memory) + sizeof(KeyState);
  if (!key.empty()) std::memcpy(bytes, key.data(), key.size());
  auto* node = new (memory) KeyState();
  node->key = std::string_view(bytes, key.size());
  return std::unique_ptr<KeyState, KeyStateDeleter>(node);
}

void AwLwwMap::KeyStateDeleter::operator()(KeyState* node) const {
  node->~KeyState();
  ::operator delete(node);
}

AwLwwMap::KeyRef AwLwwMap::FindOrAddKey(std::string_view key, uint64_t hash) {
  if (KeyRef hit = key_index_.Find(key, hash)) return hit;
  auto node = NewKeyState(key);
  KeyRef added = node.get();
  unsorted_.push_back(std::move(node));
  key_index_.Insert(hash, added);
  return added;
}

void AwLwwMap::EraseKey(KeyRef node) {
  key_index_.Erase(node);
  node->erased = true;
  // Freed in bulk once they are many, so that a long run of erasures without ordered reads
  // does not keep their memory.
  if (++erased_ > 64 && erased_ * 2 > sorted_.size() + unsorted_.size()) DropErased();
}

void AwLwwMap::DropErased() const {
  if (erased_ == 0) return;
  auto erased = [](const auto& n) { return n->erased; };
  std::erase_if(sorted_, erased);
  std::erase_if(unsorted_, erased);
  erased_ = 0;
}

const AwLwwMap::Nodes& AwLwwMap::Ordered() const {
  DropErased();
  if (!unsorted_.empty()) {
    auto by_key = [](const auto& a, const auto& b) { return a->key < b->key; };
    std::sort(unsorted_.begin(), unsorted_.end(), by_key);
    const auto mid = static_cast<std::ptrdiff_t>(sorted_.size());
    sorted_.insert(sorted_.end(), std::make_move_iterator(unsorted_.begin()),
                   std::make_move_iterator(unsorted_.end()));
    unsorted_.clear();
    std::inplace_merge(sorted_.begin(), sorted_.begin() + mid, sorted_.end(), by_key);
  }
  return sorted_;
}

const Entry* AwLwwMap::Visible(const KeyState& state) {
  const Entry* best = nullptr;
  for (const Entry& e : state.heads) {
    if (!e.tombstone && (best == nullptr || Beats(e, *best))) best = &e;
  }
  return best;
}

bool AwLwwMap::InsertHead(KeyRef node, Entry entry) {
  if (!dots_.Insert(entry.dot, node)) return false;
  ++entry_count_;
  if (entry.tombstone) ++tombstone_count_;
  node->heads.Insert(std::move(entry));
  return true;
}

Entry AwLwwMap::EraseHead(KeyRef node, size_t i) {
  Heads& heads = node->heads;
  dots_.Erase(heads[i].dot);
  --entry_count_;
  if (heads[i].tombstone) --tombstone_count_;
  Entry erased = std::move(heads[i]);
  heads.Erase(i);
  return erased;
}

void AwLwwMap::AppendWithContext(const KeyState& node, const Entry& e, Delta* out) const {
  out->context.Add(e.dot);
  for (const Dot& c : e.covers) out->context.Add(c);
  out->entries.push_back(KeyedEntry{std::string(node.key), e});
}

Delta AwLwwMap::Put(std::string_view key, std::string_view value, uint64_t timestamp,
                    const DiffCallback& on_diff) {
  Delta out;
  WriteImpl(key, /*tombstone=*/false, value, timestamp, on_diff, &out);
  return out;
}

Delta AwLwwMap::Remove(std::string_view key, uint64_t timestamp, const DiffCallback& on_diff) {
  Delta out;
  WriteImpl(key, /*tombstone=*/true, {}, timestamp, on_diff, &out);
  return out;
}

bool AwLwwMap::Write(std::string_view key, std::optional<std::string_view> value,
                     uint64_t timestamp, const DiffCallback& on_diff) {
  return WriteImpl(key, !value, value.value_or(std::string_view()), timestamp, on_diff, nullptr);
}

bool AwLwwMap::WriteImpl(std::string_view key, bool tombstone, std::string_view value,
                         uint64_t timestamp, const DiffCallback& on_diff, Delta* out) {
  const uint64_t hash = Hash(key);
  KeyRef node = tombstone ? FindKey(key, hash) : FindOrAddKey(key, hash);
  if (node == nullptr) return false;
  KeyState& state = *node;
  if (tombstone && Visible(state) == nullptr) return false;

  version_ = NextVersion();
  Entry entry;
  entry.dot = Dot{self_, ++counter_};
  entry.timestamp = timestamp;
  entry.tombstone = tombstone;
  if (!tombstone) entry.value.assign(value);
  for (const Entry& h : state.heads) {
    entry.covers.push_back(h.dot);
    entry.covers.insert(entry.covers.end(), h.covers.begin(), h.covers.end());
  }
  std::sort(entry.covers.begin(), entry.covers.end());
  entry.covers.erase(std::unique(entry.covers.begin(), entry.covers.end()), entry.covers.end());

  // The replaced heads stay alive in `replaced` until the diff is reported: `before` points
  // into them.
  Heads replaced = std::move(state.heads);
  if (out != nullptr) AppendWithContext(state, entry, out);
  context_.Add(entry.dot);
  InsertHead(node, std::move(entry));
  const Entry* before = nullptr;
  for (const Entry& h : replaced) {
    dots_.Erase(h.dot);
    --entry_count_;
    if (h.tombstone) --tombstone_count_;
    if (!h.tombstone && (before == nullptr || Beats(h, *before))) before = &h;
  }

  if (before != nullptr && tombstone) --visible_count_;
  if (before == nullptr && !tombstone) ++visible_count_;
  if (on_diff) {
    if (before == nullptr && !tombstone) {
      on_diff(Diff{DiffKind::kAdded, state.key, std::nullopt, value});
    } else if (before != nullptr && tombstone) {
      on_diff(Diff{DiffKind::kRemoved, state.key, before->value, std::nullopt});
    } else if (before != nullptr && before->value != value) {
      on_diff(Diff{DiffKind::kUpdated, state.key, before->value, value});
    }
  }
  return true;
}

void AwLwwMap::Join(const Delta& delta, const DiffCallback& on_diff) {
  JoinImpl(delta, nullptr, on_diff);
}

void AwLwwMap::Join(Delta&& delta, const DiffCallback& on_diff) {
  JoinImpl(delta, &delta, on_diff);
}

void AwLwwMap::JoinImpl(const Delta& delta, Delta* owned, const DiffCallback& on_diff) {
  version_ = NextVersion();
  JoinTracker tracker(&touched_, on_diff != nullptr);

  // Dots the sender holds live: a local entry with one of them is not dead. Most deltas carry
  // one entry, so a sorted copy is made only for big ones.
  std::vector<Dot> incoming;
  if (delta.entries.size() > 8) {
    incoming.reserve(delta.entries.size());
    for (const KeyedEntry& ke : delta.entries) incoming.push_back(ke.entry.dot);
    // A writer's own writes come in dot order: nothing to sort.
    if (!std::is_sorted(incoming.begin(), incoming.end())) {
      std::sort(incoming.begin(), incoming.end());
    }
  }
  auto sender_holds = [&incoming, &delta](const Dot& d) {
    if (delta.entries.size() > 8) return std::binary_search(incoming.begin(), incoming.end(), d);
    for (const KeyedEntry& ke : delta.entries) {
      if (ke.entry.dot == d) return true;
    }
    return false;
  };

  // (1) A local entry whose dot the sender has seen but does not hold is dead. Only local
  // entries inside the sender's context are visited, through the dot index, so a small delta
  // costs a few lookups and a whole state one pass over the entries it speaks for.
  doomed_.clear();
  // Each doomed node is fetched as soon as it is known, while the next dots are looked up.
  for (const auto& [r, n] : delta.context.version_vector()) {
    dots_.ForEachInRange(r, 0, n, [&](const Dot& d, const KeyRef& node) {
      if (sender_holds(d)) return;
      doomed_.emplace_back(d, node);
      KeyState::Prefetch(node);
    });
  }
  for (const DotRange& run : delta.context.cloud()) {
    if (run.first == run.last) {  // a covered dot, most often: one lookup
      const Dot d{run.replica, run.first};
      if (sender_holds(d)) continue;
      if (const KeyRef* node = dots_.Find(d)) {
        doomed_.emplace_back(d, *node);
        KeyState::Prefetch(*node);
      }
      continue;
    }
    dots_.ForEachInRange(run.replica, run.first - 1, run.last,
                         [&](const Dot& d, const KeyRef& node) {
                           if (sender_holds(d)) return;
                           doomed_.emplace_back(d, node);
                           KeyState::Prefetch(node);
                         });
  }
  for (const auto& [d, node] : doomed_) {
    tracker.Touch(node);
    Heads& heads = node->heads;
    for (size_t i = 0; i < heads.size(); ++i) {
      if (heads[i].dot == d) {
        tracker.Erased(node, EraseHead(node, i));
        break;
      }
    }
  }

  // (2) An entry whose dot this replica has never seen is new. A big delta's keys lie all over
  // the index: each key's slot is fetched kSlotsAhead entries before its lookup, and the node
  // in that slot kNodesAhead before, so that the misses overlap.
  constexpr size_t kSlotsAhead = 16;
  constexpr size_t kNodesAhead = 8;
  const size_t n = delta.entries.size();
  hashes_.resize(n);
  for (size_t i = 0; i < n; ++i) hashes_[i] = Hash(delta.entries[i].key);
  for (size_t i = 0; i < n; ++i) {
    if (i + kSlotsAhead < n) key_index_.PrefetchSlot(hashes_[i + kSlotsAhead]);
    if (i + kNodesAhead < n) key_index_.PrefetchNode(hashes_[i + kNodesAhead]);
    const KeyedEntry& ke = delta.entries[i];
    const Dot d = ke.entry.dot;
    if (context_.Contains(d)) continue;
    KeyRef node = FindOrAddKey(ke.key, hashes_[i]);
    tracker.Touch(node);
    // False for a malformed delta repeating a dot: the first copy stays.
    const bool inserted = owned != nullptr ? InsertHead(node, std::move(owned->entries[i].entry))
                                           : InsertHead(node, ke.entry);
    if (!inserted) continue;
    if (!delta.context.Contains(d)) context_.Add(d);  // a well-formed delta speaks for it
  }

  if (hashes_.capacity() > 4096) hashes_ = {};  // a whole state's worth is not kept around

  // (3) The context absorbs the sender's.
  context_.Merge(delta.context);
  counter_ = std::max(counter_, context_.HighestCounter(self_));
  if (delta.full_state) {
    // The sender may have trimmed covers or dropped tombstones up to its whole context, and
    // this replica now holds what it sent: peers behind that must get a whole state from here.
    RaiseHorizon(delta.context);
  }
  tracker.Finish(this, on_diff);
}

std::optional<std::string_view> AwLwwMap::Get(std::string_view key) const {
  KeyRef node = FindKey(key, Hash(key));
  if (node == nullptr) return std::nullopt;
  const Entry* e = Visible(*node);
  if (e == nullptr) return std::nullopt;
  return std::string_view(e->value);
}

void AwLwwMap::Prefetch(std::string_view key, uint64_t hash, int step) const {
  if (step == 0) {
    key_index_.PrefetchSlot(hash);
  } else if (step == 1) {
    key_index_.PrefetchNode(hash);
  } else if (KeyRef node = FindKey(key, hash)) {
    if (const Entry* e = Visible(*node)) __builtin_prefetch(e->value.data());
  }
}

namespace {

// The first of `nodes` (in key order) whose key is not less than `key`, or not greater with
// `after`.
template <typename Nodes>
auto Seek(const Nodes& nodes, std::string_view key, bool after) {
  return after ? std::upper_bound(nodes.begin(), nodes.end(), key,
                                  [](std::string_view k, const auto& n) { return k < n->key; })
               : std::lower_bound(nodes.begin(), nodes.end(), key,
                                  [](const auto& n, std::string_view k) { return n->key < k; });
}

}  // namespace

void AwLwwMap::ForEachPrefix(
    std::string_view prefix,
    const std::function<void(std::string_view key, std::string_view value)>& fn) const {
  const Nodes& nodes = Ordered();
  for (auto it = Seek(nodes, prefix, false); it != nodes.end() && (*it)->key.starts_with(prefix);
       ++it) {
    if (const Entry* e = Visible(**it)) fn((*it)->key, e->value);
  }
}

void AwLwwMap::ScanFrom(
    std::string_view prefix, std::string_view after,
    const std::function<bool(std::string_view key, std::string_view value)>& fn) const {
  const Nodes& nodes = Ordered();
  for (auto it = after < prefix ? Seek(nodes, prefix, false) : Seek(nodes, after, true);
       it != nodes.end() && (*it)->key.starts_with(prefix); ++it) {
    if (const Entry* e = Visible(**it)) {
      if (!fn((*it)->key, e->value)) return;
    }
  }
}

size_t AwLwwMap::size() const { return visible_count_; }
size_t AwLwwMap::tombstone_count() const { return tombstone_count_; }
size_t AwLwwMap::entry_count() const { return entry_count_; }

}  // namespace herd::crdt
