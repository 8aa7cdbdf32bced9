// Dots and causal contexts: the bookkeeping that makes the map a delta CRDT.
//
// A Dot names one write: the replica that made it and that replica's running counter. A
// CausalContext is the set of dots a replica has seen (written, received, or learned were
// superseded), kept compact as a version vector (every counter up to max[r] seen) plus a
// "cloud" of dots above a gap. See Almeida, Shoker and Baquero, "Delta State Replicated Data
// Types", section 7. Values only: no threads, no I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace herd::crdt {

// A replica is one incarnation of one member: the agent derives it from (name, incarnation),
// so a member that restarts without its data dir never reuses dots it issued before.
using ReplicaId = uint64_t;

struct Dot {
  ReplicaId replica = 0;
  uint64_t counter = 0;  // starts at 1

  friend bool operator==(const Dot&, const Dot&) = default;
  friend auto operator<=>(const Dot&, const Dot&) = default;
};

struct DotHash {
  size_t operator()(const Dot& d) const {
    return std::hash<uint64_t>()(d.replica * 0x9e3779b97f4a7c15ULL ^ d.counter);
  }
};

std::string ToString(const Dot& d);

// The dots (replica, first) to (replica, last) of one replica: a run of the cloud.
struct DotRange {
  ReplicaId replica = 0;
  uint64_t first = 0;
  uint64_t last = 0;

  bool Contains(const Dot& d) const {
    return d.replica == replica && d.counter >= first && d.counter <= last;
  }
  friend bool operator==(const DotRange&, const DotRange&) = default;
};

// The set of dots a replica has seen. Kept compact: once normalized, a cloud dot that extends
// its replica's contiguous range has moved into the version vector.
//
// The cloud is a sorted vector of runs (binary search, linear merges, one allocation), not a
// tree of dots: a delta's context holds its writer's run of writes, thousands of dots in one
// run, beside scattered dots (the writes it covers), and a tree spent an allocation and a cache
// miss per dot. Dots added out of order wait in a small unsorted buffer that the next read
// needing order folds in (sort, merge, compact) — so even const reads may reorganize the
// representation. Single-threaded, like the map that owns it.
class CausalContext {
 public:
  // Dots with counter 0 name no write: every context contains them and Add ignores them.
  bool Contains(const Dot& d) const;
  void Add(const Dot& d);
  // Adds every dot (r,1)..(r,n) at once (what a decoder or a test needs to rebuild a vector).
  void AddUpTo(ReplicaId r, uint64_t n);
  // Adds the dots run.first..run.last of run.replica (first >= 1, first <= last).
  void AddRange(const DotRange& run);
  void Merge(const CausalContext& other);
  // The highest counter c of `r` such that (r,1)..(r,c) are all seen; 0 if none.
  uint64_t Max(ReplicaId r) const;
  // The highest counter of `r` seen at all, counting the cloud: a replica restarting from a
  // persisted state continues after it.
  uint64_t HighestCounter(ReplicaId r) const;
  // True when every dot in `other` is in this context.
  bool Includes(const CausalContext& other) const;
  bool empty() const { return vv_.empty() && cloud_.empty() && pending_.empty(); }
  // The runs in the cloud (not its dots).
  size_t cloud_size() const {
    Normalize();
    return cloud_.size();
  }

  const std::map<ReplicaId, uint64_t>& version_vector() const {
    Normalize();
    return vv_;
  }
  // Runs ascending by (replica, first), none touching the next of its replica, each above its
  // replica's contiguous range plus one.
  const std::vector<DotRange>& cloud() const {
    Normalize();
    return cloud_;
  }

  friend bool operator==(const CausalContext& a, const CausalContext& b) {
    a.Normalize();
    b.Normalize();
    return a.vv_ == b.vv_ && a.cloud_ == b.cloud_;
  }

 private:
  // Pending dots beyond this are folded in before the next Contains (which scans them); Add
  // alone folds them in once they outnumber the cloud.
  static constexpr size_t kMaxPending = 32;
  uint64_t RawMax(ReplicaId r) const;  // the version vector alone, pending dots unseen
  // Folds pending_ into cloud_ and compacts; a no-op when nothing is pending.
  void Normalize() const;
  void NormalizeSlow() const;
  // Merges `runs` (ascending by start; they may touch or overlap) into the cloud, joining
  // what touches, and compacts.
  void InsertRuns(const std::vector<DotRange>& runs) const;
  void CompactReplica(ReplicaId r) const;
  // True when every dot of `run` is in this (normalized) context.
  bool ContainsRun(const DotRange& run) const;

  mutable std::map<ReplicaId, uint64_t> vv_;  // r -> n: (r,1)..(r,n) all seen; never n == 0
  mutable std::vector<DotRange> cloud_;       // seen dots above a gap, in runs, sorted
  mutable std::vector<Dot> pending_;          // added out of order, not yet folded in
  mutable size_t cloud_hint_ = 0;             // the run where Contains last found a dot
};

// The element-wise minimum of contiguous ranges: what every one of `contexts` has seen for sure.
// Cloud dots are ignored (conservative). Used to decide which tombstones all members have seen.
std::map<ReplicaId, uint64_t> CommonVersionVector(
    const std::vector<const CausalContext*>& contexts);

}  // namespace herd::crdt
