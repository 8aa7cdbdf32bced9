// AwLwwMap: local writes, reads and Join. Anti-entropy and garbage collection live in
// aw_lww_map_sync.cc.
#include "crdt/aw_lww_map.h"

#include <algorithm>
#include <atomic>
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
// map and are reused from join to join, so that copying an old value rarely allocates. A big
// join finds its touched keys through an open-addressing table of slot numbers keyed by the
// key's hash (also kept in the map): the entries of step (2) mostly replace the ones step (1)
// killed, and finding their key there spares a search of the whole map.
class AwLwwMap::JoinTracker {
 public:
  JoinTracker(std::vector<TouchedKey>* slots, std::vector<uint32_t>* table, bool want_values)
      : slots_(*slots), table_(*table), want_values_(want_values) {}

  // Call before the first change to `key_it` in this join.
  void Touch(Keys::iterator key_it) {
    const size_t hash = n_ < kLinearLimit ? 0 : Hash(key_it->first);
    if (n_ < kLinearLimit) {
      for (size_t i = 0; i < n_; ++i) {
        if (slots_[i].key_it == key_it) return;
      }
    } else if (Find(key_it->first, hash) != nullptr) {
      return;
    }
    if (n_ == slots_.size()) slots_.emplace_back();
    TouchedKey& t = slots_[n_++];
    t.key_it = key_it;
    t.hash = hash;
    t.had = false;
    if (const Entry* e = Visible(key_it->second)) {
      t.had = true;
      if (want_values_) t.old_value.assign(e->value);
    }
    if (n_ == kLinearLimit) {
      Rebuild(64);
    } else if (n_ > kLinearLimit) {
      if (n_ * 2 > table_.size()) {
        Rebuild(table_.size() * 2);
      } else {
        Insert(n_ - 1);
      }
    }
  }

  // Finds a key this join already touched.
  bool FindTouched(std::string_view key, Keys::iterator* key_it) const {
    if (n_ < kLinearLimit) {
      for (size_t i = 0; i < n_; ++i) {
        if (slots_[i].key_it->first == key) {
          *key_it = slots_[i].key_it;
          return true;
        }
      }
      return false;
    }
    const TouchedKey* t = Find(key, Hash(key));
    if (t == nullptr) return false;
    *key_it = t->key_it;
    return true;
  }

  // Settles the visible count, reports the diffs, then erases keys left without heads.
  void Finish(AwLwwMap* map, const DiffCallback& on_diff) {
    const auto touched = std::span<TouchedKey>(slots_.data(), n_);
    for (const TouchedKey& t : touched) {
      const bool has = Visible(t.key_it->second) != nullptr;
      if (t.had && !has) --map->visible_count_;
      if (!t.had && has) ++map->visible_count_;
    }
    if (on_diff) {
      for (const TouchedKey& t : touched) {
        const Entry* now = Visible(t.key_it->second);
        const std::string_view key = t.key_it->first;
        if (!t.had && now != nullptr) {
          on_diff(Diff{DiffKind::kAdded, key, std::nullopt, now->value});
        } else if (t.had && now == nullptr) {
          on_diff(Diff{DiffKind::kRemoved, key, t.old_value, std::nullopt});
        } else if (t.had && now->value != t.old_value) {
          on_diff(Diff{DiffKind::kUpdated, key, t.old_value, now->value});
        }
      }
    }
    for (const TouchedKey& t : touched) {
      if (t.key_it->second.heads.empty()) map->EraseKey(t.key_it);
    }
    // A join of a whole state touches every key: do not keep that many old values around.
    if (slots_.size() > kKeptSlots) {
      slots_.resize(kKeptSlots);
      slots_.shrink_to_fit();
    }
    if (table_.size() > kKeptSlots * 4) {
      std::vector<uint32_t>().swap(table_);
    } else {
      std::fill(table_.begin(), table_.end(), 0);
    }
  }

 private:
  static constexpr size_t kLinearLimit = 16;
  static constexpr size_t kKeptSlots = 64;

  static size_t Hash(std::string_view key) { return KeyIndex<Keys::iterator>::Hash(key); }

  const TouchedKey* Find(std::string_view key, size_t hash) const {
    const size_t mask = table_.size() - 1;
    for (size_t i = hash & mask; table_[i] != 0; i = (i + 1) & mask) {
      const TouchedKey& t = slots_[table_[i] - 1];
      if (t.hash == hash && t.key_it->first == key) return &t;
    }
    return nullptr;
  }

  void Insert(size_t slot) {
    const size_t mask = table_.size() - 1;
    size_t i = slots_[slot].hash & mask;
    while (table_[i] != 0) i = (i + 1) & mask;
    table_[i] = static_cast<uint32_t>(slot + 1);
  }

  // Indexes every slot in a table of `size` (a power of two), hashing the linear ones first.
  void Rebuild(size_t size) {
    table_.assign(size, 0);
    for (size_t i = 0; i < n_; ++i) {
      if (i < kLinearLimit) slots_[i].hash = Hash(slots_[i].key_it->first);
      Insert(i);
    }
  }

  std::vector<TouchedKey>& slots_;
  std::vector<uint32_t>& table_;
  size_t n_ = 0;
  bool want_values_;
};

AwLwwMap::AwLwwMap(ReplicaId self) : self_(self) {}

uint64_t AwLwwMap::NextVersion() {
  static std::atomic<uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

AwLwwMap::Keys::iterator AwLwwMap::FindKey(std::string_view key, uint64_t hash) const {
  const Keys::iterator* hit = key_index_.Find(key, hash);
  return hit != nullptr ? *hit : const_cast<Keys&>(keys_).end();
}

AwLwwMap::Keys::iterator AwLwwMap::FindOrAddKey(std::string_view key, uint64_t hash) {
  if (const Keys::iterator* hit = key_index_.Find(key, hash)) return *hit;
  auto it = keys_.emplace_hint(keys_.lower_bound(key), key, KeyState{});
  key_index_.Insert(hash, it);
  return it;
}

void AwLwwMap::EraseKey(Keys::iterator key_it) {
  key_index_.Erase(key_it);
  keys_.erase(key_it);
}

const Entry* AwLwwMap::Visible(const KeyState& state) {
  const Entry* best = nullptr;
  for (const Entry& e : state.heads) {
    if (!e.tombstone && (best == nullptr || Beats(e, *best))) best = &e;
  }
  return best;
}

bool AwLwwMap::InsertHead(Keys::iterator key_it, Entry entry) {
  if (!dots_.Insert(entry.dot, key_it)) return false;
  ++entry_count_;
  if (entry.tombstone) ++tombstone_count_;
  key_it->second.heads.Insert(std::move(entry));
  return true;
}

void AwLwwMap::EraseHead(Keys::iterator key_it, size_t i) {
  Heads& heads = key_it->second.heads;
  dots_.Erase(heads[i].dot);
  --entry_count_;
  if (heads[i].tombstone) --tombstone_count_;
  heads.Erase(i);
}

void AwLwwMap::AppendWithContext(const Keys::iterator& key_it, const Entry& e, Delta* out) const {
  out->context.Add(e.dot);
  for (const Dot& c : e.covers) out->context.Add(c);
  out->entries.push_back(KeyedEntry{key_it->first, e});
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
  const uint64_t hash = KeyIndex<Keys::iterator>::Hash(key);
  Keys::iterator key_it;
  if (tombstone) {
    key_it = FindKey(key, hash);
    if (key_it == keys_.end()) return false;
  } else {
    key_it = FindOrAddKey(key, hash);
  }
  KeyState& state = key_it->second;
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
  if (out != nullptr) AppendWithContext(key_it, entry, out);
  context_.Add(entry.dot);
  InsertHead(key_it, std::move(entry));
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
      on_diff(Diff{DiffKind::kAdded, key_it->first, std::nullopt, value});
    } else if (before != nullptr && tombstone) {
      on_diff(Diff{DiffKind::kRemoved, key_it->first, before->value, std::nullopt});
    } else if (before != nullptr && before->value != value) {
      on_diff(Diff{DiffKind::kUpdated, key_it->first, before->value, value});
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
  JoinTracker tracker(&touched_, &touched_table_, on_diff != nullptr);

  // Dots the sender holds live: a local entry with one of them is not dead. Most deltas carry
  // one entry, so a sorted copy is made only for big ones.
  std::vector<Dot> incoming;
  if (delta.entries.size() > 8) {
    incoming.reserve(delta.entries.size());
    for (const KeyedEntry& ke : delta.entries) incoming.push_back(ke.entry.dot);
    std::sort(incoming.begin(), incoming.end());
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
  for (const auto& [r, n] : delta.context.version_vector()) {
    dots_.ForEachInRange(r, 0, n, [&](const Dot& d, const Keys::iterator& key_it) {
      if (!sender_holds(d)) doomed_.emplace_back(d, key_it);
    });
  }
  for (const Dot& d : delta.context.cloud()) {
    if (sender_holds(d)) continue;
    if (const Keys::iterator* key_it = dots_.Find(d)) doomed_.emplace_back(d, *key_it);
  }
  for (const auto& [d, key_it] : doomed_) {
    tracker.Touch(key_it);
    Heads& heads = key_it->second.heads;
    for (size_t i = 0; i < heads.size(); ++i) {
      if (heads[i].dot == d) {
        EraseHead(key_it, i);
        break;
      }
    }
  }

  // (2) An entry whose dot this replica has never seen is new. Its key was usually just met
  // in step (1), through the write it replaces: reuse that instead of searching the map.
  for (size_t i = 0; i < delta.entries.size(); ++i) {
    const KeyedEntry& ke = delta.entries[i];
    const Dot d = ke.entry.dot;
    if (context_.Contains(d)) continue;
    Keys::iterator key_it;
    if (!tracker.FindTouched(ke.key, &key_it)) {
      key_it = FindOrAddKey(ke.key, KeyIndex<Keys::iterator>::Hash(ke.key));
      tracker.Touch(key_it);
    }
    // False for a malformed delta repeating a dot: the first copy stays.
    const bool inserted = owned != nullptr ? InsertHead(key_it, std::move(owned->entries[i].entry))
                                           : InsertHead(key_it, ke.entry);
    if (!inserted) continue;
    if (!delta.context.Contains(d)) context_.Add(d);  // a well-formed delta speaks for it
  }

  // (3) The context absorbs the sender's.
  context_.Merge(delta.context);
  counter_ = std::max(counter_, context_.HighestCounter(self_));
  if (delta.full_state) {
    // The sender may have trimmed covers or dropped tombstones up to its whole context, and
    // this replica now holds what it sent: peers behind that must get a whole state from here.
    for (const auto& [r, n] : delta.context.version_vector()) {
      uint64_t& h = gc_horizon_[r];
      h = std::max(h, n);
    }
  }
  tracker.Finish(this, on_diff);
}

std::optional<std::string_view> AwLwwMap::Get(std::string_view key) const {
  auto it = FindKey(key, KeyIndex<Keys::iterator>::Hash(key));
  if (it == keys_.end()) return std::nullopt;
  const Entry* e = Visible(it->second);
  if (e == nullptr) return std::nullopt;
  return std::string_view(e->value);
}

void AwLwwMap::ForEachPrefix(
    std::string_view prefix,
    const std::function<void(std::string_view key, std::string_view value)>& fn) const {
  for (auto it = keys_.lower_bound(prefix);
       it != keys_.end() && std::string_view(it->first).substr(0, prefix.size()) == prefix; ++it) {
    if (const Entry* e = Visible(it->second)) fn(it->first, e->value);
  }
}

void AwLwwMap::ScanFrom(
    std::string_view prefix, std::string_view after,
    const std::function<bool(std::string_view key, std::string_view value)>& fn) const {
  auto it = after < prefix ? keys_.lower_bound(prefix) : keys_.upper_bound(after);
  for (; it != keys_.end() && std::string_view(it->first).substr(0, prefix.size()) == prefix;
       ++it) {
    if (const Entry* e = Visible(it->second)) {
      if (!fn(it->first, e->value)) return;
    }
  }
}

size_t AwLwwMap::size() const { return visible_count_; }
size_t AwLwwMap::tombstone_count() const { return tombstone_count_; }
size_t AwLwwMap::entry_count() const { return entry_count_; }

}  // namespace herd::crdt
