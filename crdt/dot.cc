#include "crdt/dot.h"

#include <algorithm>

namespace herd::crdt {

std::string ToString(const Dot& d) {
  return "(" + std::to_string(d.replica) + "," + std::to_string(d.counter) + ")";
}

bool CausalContext::Contains(const Dot& d) const {
  if (d.counter <= Max(d.replica)) return true;
  return !cloud_.empty() && cloud_.count(d) > 0;
}

void CausalContext::Add(const Dot& d) {
  if (Contains(d)) return;
  const uint64_t max = Max(d.replica);
  if (d.counter == max + 1) {
    vv_[d.replica] = d.counter;
    if (!cloud_.empty()) CompactReplica(d.replica);
    return;
  }
  cloud_.insert(d);
}

void CausalContext::AddUpTo(ReplicaId r, uint64_t n) {
  if (n <= Max(r)) return;
  vv_[r] = n;
  if (!cloud_.empty()) CompactReplica(r);
}

void CausalContext::Merge(const CausalContext& other) {
  for (const auto& [r, n] : other.vv_) AddUpTo(r, n);
  for (const Dot& d : other.cloud_) Add(d);
}

uint64_t CausalContext::Max(ReplicaId r) const {
  auto it = vv_.find(r);
  return it == vv_.end() ? 0 : it->second;
}

uint64_t CausalContext::HighestCounter(ReplicaId r) const {
  uint64_t high = Max(r);
  auto it = cloud_.lower_bound(Dot{r + 1, 0});
  if (r == UINT64_MAX) it = cloud_.end();
  if (it != cloud_.begin()) {
    --it;
    if (it->replica == r) high = std::max(high, it->counter);
  }
  return high;
}

bool CausalContext::Includes(const CausalContext& other) const {
  for (const auto& [r, n] : other.vv_) {
    if (Max(r) < n) return false;
  }
  for (const Dot& d : other.cloud_) {
    if (!Contains(d)) return false;
  }
  return true;
}

// Drops cloud dots of `r` that the version vector now covers, then pulls in every cloud dot that
// extends the contiguous range.
void CausalContext::CompactReplica(ReplicaId r) {
  auto vv_it = vv_.find(r);
  uint64_t max = vv_it == vv_.end() ? 0 : vv_it->second;
  auto it = cloud_.lower_bound(Dot{r, 0});
  while (it != cloud_.end() && it->replica == r && it->counter <= max + 1) {
    max = std::max(max, it->counter);
    it = cloud_.erase(it);
  }
  if (max == 0) return;
  if (vv_it == vv_.end()) {
    vv_.emplace(r, max);
  } else {
    vv_it->second = max;
  }
}

std::map<ReplicaId, uint64_t> CommonVersionVector(
    const std::vector<const CausalContext*>& contexts) {
  std::map<ReplicaId, uint64_t> common;
  if (contexts.empty()) return common;
  common = contexts.front()->version_vector();
  for (size_t i = 1; i < contexts.size() && !common.empty(); ++i) {
    for (auto it = common.begin(); it != common.end();) {
      const uint64_t n = std::min(it->second, contexts[i]->Max(it->first));
      if (n == 0) {
        it = common.erase(it);
      } else {
        it->second = n;
        ++it;
      }
    }
  }
  return common;
}

}  // namespace herd::crdt
