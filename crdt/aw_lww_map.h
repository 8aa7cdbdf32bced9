// AwLwwMap: the add-wins, last-write-wins map of string keys to byte values that every member
// holds (members and workloads live in it, see sidecar/).
//
// Semantics, as delta_crdt_ex's AWLWWMap:
//  - Each write (Put or Remove) issues a new dot and *covers* the dots currently live for its
//    key, i.e. the writes it has observed. A covered write is dead everywhere it arrives.
//  - Add wins: a Remove only kills the writes it observed, so a Put concurrent with a Remove
//    survives it.
//  - Last write wins between concurrent Puts of one key: the visible value is the live value
//    with the greatest (timestamp, replica) pair. Timestamps come from the caller (the agent
//    uses a hybrid logical clock, common/hybrid_clock.h); the map never reads a clock.
//  - A Remove leaves a tombstone entry (a dot with no value) so that version-vector anti-entropy
//    can carry it to replicas that missed it. CollectGarbage drops a tombstone, and the covers
//    list of an entry, once every known member has seen the entry's dot.
//
// Covers are transitive: an entry lists every dot it supersedes, directly or through the writes
// it superseded, until garbage collection trims them. So a replica that missed a chain of
// writes still learns, from the last one alone, that every older one is dead.
//
// Every mutation returns the Delta to ship; Join merges a delta or a whole state. Join is
// idempotent, commutative and associative. A DiffCallback passed to Join (or to the mutators)
// hears each key whose *visible* value changed: added, updated or removed; writing an unchanged
// value reports nothing.
//
// Threading: single-threaded; the owner (the supervisor's event loop) serializes all calls,
// const ones included (DeltaSince and the ordered reads sort internal indexes).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crdt/dot.h"
#include "crdt/dot_index.h"
#include "crdt/entry.h"
#include "crdt/heads.h"
#include "crdt/key_index.h"

namespace herd::crdt {

struct KeyedEntry {
  std::string key;
  Entry entry;
  friend bool operator==(const KeyedEntry&, const KeyedEntry&) = default;
};

// What one replica ships to another: entries plus the dots the sender speaks for.
//
// Join rule (the standard dot-store join): a live local entry whose dot is in `context` but not
// among `entries` is dead; an incoming entry whose dot the receiver has not seen is added;
// then the receiver's context absorbs `context`. For a mutation or a diff, `context` is the
// entries' dots plus their covers; for a whole state (`full_state`), it is the sender's whole
// context, which lets a far-behind replica drop everything the sender knows is dead.
struct Delta {
  std::vector<KeyedEntry> entries;
  CausalContext context;
  bool full_state = false;

  bool empty() const { return entries.empty() && context.empty(); }
  friend bool operator==(const Delta&, const Delta&) = default;
};

enum class DiffKind { kAdded, kUpdated, kRemoved };

struct Diff {
  DiffKind kind;
  std::string_view key;
  std::optional<std::string_view> old_value;  // absent for kAdded
  std::optional<std::string_view> new_value;  // absent for kRemoved
};

// Called once per changed key, after the whole join has been applied, so the map may be read
// from the callback (but not mutated). The string_views are valid during the call only.
using DiffCallback = std::function<void(const Diff&)>;

class AwLwwMap {
 public:
  explicit AwLwwMap(ReplicaId self);
  // Not copyable (the indexes point into the map); to copy, Join another map's State().
  AwLwwMap(const AwLwwMap&) = delete;
  AwLwwMap& operator=(const AwLwwMap&) = delete;
  AwLwwMap(AwLwwMap&&) = default;
  AwLwwMap& operator=(AwLwwMap&&) = default;

  ReplicaId self() const { return self_; }

  // Writes `value` under `key` with LWW timestamp `timestamp`. Always issues a dot (so the
  // write orders after what it observed), but reports a diff only if the visible value changed.
  Delta Put(std::string_view key, std::string_view value, uint64_t timestamp,
            const DiffCallback& on_diff = nullptr);
  // Removes `key`. Removing an absent key is a no-op and returns an empty delta.
  Delta Remove(std::string_view key, uint64_t timestamp, const DiffCallback& on_diff = nullptr);
  // Put (a value) or Remove (nullopt) without building the delta, for a writer that ships its
  // writes later (DeltaSince, OwnWritesSince). False when nothing was written (an absent key
  // removed).
  bool Write(std::string_view key, std::optional<std::string_view> value, uint64_t timestamp,
             const DiffCallback& on_diff = nullptr);

  // Merges a delta or a whole state from a peer (or from disk). The counter continues after
  // the highest dot of this replica the delta carries, so a member reloading its state keeps
  // issuing fresh dots. Joining a whole state also raises this replica's collection horizon to
  // the sender's context: the sender may have collected garbage, so peers behind it get whole
  // states from here too (see NeedsFullState).
  void Join(const Delta& delta, const DiffCallback& on_diff = nullptr);
  // The same, moving each new entry's value and covers into the map instead of copying them.
  void Join(Delta&& delta, const DiffCallback& on_diff = nullptr);

  // The visible value of `key`, if any. The view is valid until the next mutation or join.
  std::optional<std::string_view> Get(std::string_view key) const;
  // Read-ahead for a caller about to Get many scattered keys: each Get is a chain of cache
  // misses (the key's index slot, its node, its value), and naming keys ahead lets the misses
  // of several keys overlap. Step 0 fetches the slot of `key` (whose KeyHash is `hash`); step 1,
  // issued once that has had time to arrive, the node in it; step 2, once that has, the bytes of
  // the key's value. Only hints: nothing changes, and a wrong or early step costs a few
  // instructions.
  static uint64_t KeyHash(std::string_view key) { return Hash(key); }
  void Prefetch(std::string_view key, uint64_t hash, int step) const;
  bool Contains(std::string_view key) const { return Get(key).has_value(); }
  // Visits every visible key in key order whose key starts with `prefix`. The first ordered read
  // after new keys sorts them in: O(k log k) for k new keys, plus a merge.
  void ForEachPrefix(
      std::string_view prefix,
      const std::function<void(std::string_view key, std::string_view value)>& fn) const;
  // Visits visible keys in key order starting strictly after `after` (for paged lists); stops
  // when fn returns false.
  void ScanFrom(std::string_view prefix, std::string_view after,
                const std::function<bool(std::string_view key, std::string_view value)>& fn) const;

  size_t size() const;             // visible keys
  size_t tombstone_count() const;  // tombstone entries held
  size_t entry_count() const;      // all entries held (values and tombstones)
  const CausalContext& context() const { return context_; }

  // Anti-entropy: every entry (value or tombstone) whose dot `peer` has not seen, with a
  // context of those dots and their covers. Proportional to the difference, not to the map.
  // When `peer` has not seen every tombstone this replica already collected, a diff could
  // resurrect what they removed, so the whole state is returned instead (full_state = true).
  // With `origin`, only the writes that replica issued (its entries and dead dots).
  Delta DeltaSince(const CausalContext& peer, std::optional<ReplicaId> origin = std::nullopt) const;
  // This replica's writes after its counter `counter` that the map still holds (values and
  // tombstones), with a context of every dot it issued since and of those entries' covers: one
  // record for a batch of local writes. Joining it has the effect of joining each write's delta
  // in turn (a write overwritten within the batch is dead, and what it covered the later write
  // covers too, or the remote write that killed it does).
  Delta OwnWritesSince(uint64_t counter) const;
  uint64_t counter() const { return counter_; }  // this replica's last issued counter
  // Changes with every write, join and garbage collection, and no two maps of a process share
  // one: an equal version means the same map in the same state (DeltaSync reuses a delta on it).
  uint64_t version() const { return version_; }
  // The whole state: every entry and the whole context.
  Delta State() const;
  // True when DeltaSince(peer) would have to fall back to the whole state.
  bool NeedsFullState(const CausalContext& peer) const;
  // For a map rebuilt from disk: raises the collection horizon to the whole context, as a
  // whole-state join does. The log holds writes made after garbage collection here had
  // trimmed covers (their own covers are trimmed too), and the horizon that said so was in
  // memory only. A peer behind what was reloaded (one that lost writes it had acknowledged,
  // in a machine crash) may hold writes nothing left here can kill: it gets the whole state.
  void RaiseHorizonToContext() { RaiseHorizon(context_); }

  // Drops tombstones, and trims covers, for entries whose dot every known member has seen.
  // `seen_by_all` is CommonVersionVector over every known member's acknowledged context,
  // including this replica's own. Returns how many tombstones were dropped.
  size_t CollectGarbage(const std::map<ReplicaId, uint64_t>& seen_by_all);

  // For tests: checks the indexes and counters against the entries. Returns the first
  // violation found, or an empty string.
  std::string CheckInvariants() const;

 private:
  // One key and its live entries ("heads"), sorted by dot. Usually one; more after concurrent
  // writes. A key whose heads are all tombstones is absent; a key with no heads is erased.
  // Nodes stay put: the indexes and a join's scratch space point at them.
  // The key's bytes follow the node in its one allocation (NewKeyState): a lookup that lands
  // on the node finds the key in the same cache lines, and a key too long for a string's
  // inline buffer ("workload/w-12345") costs no second allocation.
  struct KeyState {
    std::string_view key;
    Heads heads;
    bool erased = false;   // out of the key index; freed by the next DropErased
    uint32_t touched = 0;  // during a Join: 1 + its JoinTracker slot once touched, else 0
    // Starts fetching the node and the key bytes that follow it (see NewKeyState).
    static void Prefetch(const KeyState* node) {
      const char* p = reinterpret_cast<const char*>(node);
      __builtin_prefetch(p);
      __builtin_prefetch(p + 64);
      __builtin_prefetch(p + 128);
    }
  };
  struct KeyStateDeleter {
    void operator()(KeyState* node) const;
  };
  using KeyRef = KeyState*;
  using Nodes = std::vector<std::unique_ptr<KeyState, KeyStateDeleter>>;
  static std::unique_ptr<KeyState, KeyStateDeleter> NewKeyState(std::string_view key);
  // A key one join touched and what it showed before (see JoinTracker in aw_lww_map.cc).
  struct TouchedKey {
    KeyRef node = nullptr;
    bool had = false;             // it showed a value: the head with old_dot
    bool old_value_held = false;  // that head was erased, its value moved into old_value
    Dot old_dot;
    std::string old_value;
  };
  class JoinTracker;

  // Join; with `owned` (== &delta), new entries are moved out of it.
  void JoinImpl(const Delta& delta, Delta* owned, const DiffCallback& on_diff);
  static const Entry* Visible(const KeyState& state);
  static uint64_t Hash(std::string_view key) { return KeyIndex<KeyState>::Hash(key); }
  // The node of `key` (`hash`: its Hash), or nullptr when absent.
  KeyRef FindKey(std::string_view key, uint64_t hash) const { return key_index_.Find(key, hash); }
  // The same, adding the key (with no heads) when absent.
  KeyRef FindOrAddKey(std::string_view key, uint64_t hash);
  void EraseKey(KeyRef node);
  // Every key in key order (erased ones dropped, new ones sorted in first).
  const Nodes& Ordered() const;
  // Frees the erased nodes.
  void DropErased() const;
  // Put or Remove; the delta goes to `out` when given. False when nothing was written.
  bool WriteImpl(std::string_view key, bool tombstone, std::string_view value, uint64_t timestamp,
                 const DiffCallback& on_diff, Delta* out);
  // Adds `entry` to the heads of `node` and indexes it; false when its dot is already held.
  bool InsertHead(KeyRef node, Entry entry);
  // Unindexes and erases heads[i] of `node`, returning it; the caller erases the key once it
  // is empty.
  Entry EraseHead(KeyRef node, size_t i);
  void AppendWithContext(const KeyState& node, const Entry& e, Delta* out) const;
  // Raises gc_horizon_ to the contiguous ranges of `to`.
  void RaiseHorizon(const CausalContext& to);

  ReplicaId self_;
  CausalContext context_;
  uint64_t counter_ = 0;
  // Every key's node. Key order is kept lazily: a new key goes to unsorted_ and an erased one
  // is flagged, and only the reads that need order (prefix scans, paged lists, the whole state)
  // sort the new keys into sorted_ and free the erased. Writes and joins pay a hash probe per
  // key, not a walk down a tree of string compares.
  mutable Nodes sorted_;
  mutable Nodes unsorted_;
  mutable size_t erased_ = 0;
  // Dot -> the key holding it: answers "which key holds dot d" and "which entries of r come
  // after counter n" without scanning the map.
  DotIndex<KeyRef> dots_;
  KeyIndex<KeyState> key_index_;  // every key not erased
  // Join's scratch space, kept from join to join to spare allocations.
  std::vector<uint64_t> hashes_;  // of the delta's keys
  std::vector<std::pair<Dot, KeyRef>> doomed_;
  std::vector<TouchedKey> touched_;
  // Per replica, the highest counter whose tombstone this replica dropped or whose covers it
  // trimmed (or, after a full-state join, the sender's contiguous range: the sender may have).
  // A peer below it may hold writes nothing left here can kill: it gets the whole state.
  std::map<ReplicaId, uint64_t> gc_horizon_;
  // Per replica, the counter up to which CollectGarbage already ran.
  std::map<ReplicaId, uint64_t> gc_done_;
  uint64_t version_ = NextVersion();
  static uint64_t NextVersion();
  size_t visible_count_ = 0;
  size_t tombstone_count_ = 0;
  size_t entry_count_ = 0;
};

}  // namespace herd::crdt
