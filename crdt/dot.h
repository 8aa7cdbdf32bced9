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
#include <set>
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

// The set of dots a replica has seen. Kept compact: after Add or Merge, a cloud dot that
// extends its replica's contiguous range moves into the version vector.
class CausalContext {
 public:
  // Dots with counter 0 name no write: every context contains them and Add ignores them.
  bool Contains(const Dot& d) const;
  void Add(const Dot& d);
  // Adds every dot (r,1)..(r,n) at once (what a decoder or a test needs to rebuild a vector).
  void AddUpTo(ReplicaId r, uint64_t n);
  void Merge(const CausalContext& other);
  // The highest counter c of `r` such that (r,1)..(r,c) are all seen; 0 if none.
  uint64_t Max(ReplicaId r) const;
  // The highest counter of `r` seen at all, counting the cloud: a replica restarting from a
  // persisted state continues after it.
  uint64_t HighestCounter(ReplicaId r) const;
  // True when every dot in `other` is in this context.
  bool Includes(const CausalContext& other) const;
  bool empty() const { return vv_.empty() && cloud_.empty(); }
  size_t cloud_size() const { return cloud_.size(); }

  const std::map<ReplicaId, uint64_t>& version_vector() const { return vv_; }
  const std::set<Dot>& cloud() const { return cloud_; }

  friend bool operator==(const CausalContext&, const CausalContext&) = default;

 private:
  void CompactReplica(ReplicaId r);
  std::map<ReplicaId, uint64_t> vv_;  // r -> n: dots (r,1)..(r,n) all seen; never holds n == 0
  std::set<Dot> cloud_;               // seen dots above a gap
};

// The element-wise minimum of contiguous ranges: what every one of `contexts` has seen for sure.
// Cloud dots are ignored (conservative). Used to decide which tombstones all members have seen.
std::map<ReplicaId, uint64_t> CommonVersionVector(
    const std::vector<const CausalContext*>& contexts);

}  // namespace herd::crdt
