#include "crdt/dot.h"

#include <algorithm>

namespace herd::crdt {

std::string ToString(const Dot& d) {
  return "(" + std::to_string(d.replica) + "," + std::to_string(d.counter) + ")";
}

uint64_t CausalContext::RawMax(ReplicaId r) const {
  auto it = vv_.find(r);
  return it == vv_.end() ? 0 : it->second;
}

bool CausalContext::Contains(const Dot& d) const {
  if (pending_.size() > kMaxPending) NormalizeSlow();
  if (d.counter <= RawMax(d.replica)) return true;
  // Lookups tend to walk the cloud in order (a delta's entries against its own context): try
  // the dot after the last one found before searching.
  if (const size_t next = cloud_hint_ + 1; next < cloud_.size() && cloud_[next] == d) {
    cloud_hint_ = next;
    return true;
  }
  const auto it = std::lower_bound(cloud_.begin(), cloud_.end(), d);
  if (it != cloud_.end() && *it == d) {
    cloud_hint_ = static_cast<size_t>(it - cloud_.begin());
    return true;
  }
  // A pending dot may also extend the range, but a dot that extension would swallow is in the
  // cloud or pending itself, so looking at each is enough.
  return std::find(pending_.begin(), pending_.end(), d) != pending_.end();
}

void CausalContext::Add(const Dot& d) {
  const uint64_t max = RawMax(d.replica);
  if (d.counter <= max) return;
  if (pending_.empty()) {
    if (d.counter == max + 1) {
      vv_[d.replica] = d.counter;
      if (!cloud_.empty()) CompactReplica(d.replica);
      return;
    }
    if (cloud_.empty() || cloud_.back() < d) {
      cloud_.push_back(d);
      return;
    }
  }
  pending_.push_back(d);
  // Folding in costs a pass over the cloud: wait until that pass is paid for.
  if (pending_.size() > std::max(kMaxPending, cloud_.size())) NormalizeSlow();
}

void CausalContext::AddUpTo(ReplicaId r, uint64_t n) {
  if (n <= RawMax(r)) return;
  vv_[r] = n;
  if (!cloud_.empty()) CompactReplica(r);
  // A pending dot at or below n is now redundant; Normalize drops it.
}

void CausalContext::Merge(const CausalContext& other) {
  other.Normalize();
  for (const auto& [r, n] : other.vv_) AddUpTo(r, n);
  if (other.cloud_.empty()) return;
  Normalize();
  // Both clouds are sorted: one linear merge, then compaction of the replicas it touched.
  const size_t mid = cloud_.size();
  cloud_.insert(cloud_.end(), other.cloud_.begin(), other.cloud_.end());
  std::inplace_merge(cloud_.begin(), cloud_.begin() + static_cast<std::ptrdiff_t>(mid),
                     cloud_.end());
  cloud_.erase(std::unique(cloud_.begin(), cloud_.end()), cloud_.end());
  ReplicaId last = 0;
  bool first = true;
  for (const Dot& d : other.cloud_) {
    if (!first && d.replica == last) continue;
    first = false;
    last = d.replica;
    CompactReplica(d.replica);
  }
}

uint64_t CausalContext::Max(ReplicaId r) const {
  Normalize();
  return RawMax(r);
}

uint64_t CausalContext::HighestCounter(ReplicaId r) const {
  Normalize();
  uint64_t high = RawMax(r);
  auto it = r == UINT64_MAX ? cloud_.end()
                            : std::lower_bound(cloud_.begin(), cloud_.end(), Dot{r + 1, 0});
  if (it != cloud_.begin()) {
    --it;
    if (it->replica == r) high = std::max(high, it->counter);
  }
  return high;
}

bool CausalContext::Includes(const CausalContext& other) const {
  Normalize();
  other.Normalize();
  for (const auto& [r, n] : other.vv_) {
    if (RawMax(r) < n) return false;
  }
  for (const Dot& d : other.cloud_) {
    if (!Contains(d)) return false;
  }
  return true;
}

void CausalContext::Normalize() const {
  if (!pending_.empty()) NormalizeSlow();
}

void CausalContext::NormalizeSlow() const {
  std::vector<Dot> add;
  add.swap(pending_);
  std::sort(add.begin(), add.end());
  add.erase(std::unique(add.begin(), add.end()), add.end());
  const size_t mid = cloud_.size();
  for (const Dot& d : add) {
    if (d.counter > RawMax(d.replica)) cloud_.push_back(d);
  }
  std::inplace_merge(cloud_.begin(), cloud_.begin() + static_cast<std::ptrdiff_t>(mid),
                     cloud_.end());
  cloud_.erase(std::unique(cloud_.begin(), cloud_.end()), cloud_.end());
  for (size_t i = 0; i < add.size(); ++i) {
    if (i == 0 || add[i].replica != add[i - 1].replica) CompactReplica(add[i].replica);
  }
}

// Drops cloud dots of `r` that the version vector now covers, then pulls in every cloud dot that
// extends the contiguous range.
void CausalContext::CompactReplica(ReplicaId r) const {
  auto vv_it = vv_.find(r);
  uint64_t max = vv_it == vv_.end() ? 0 : vv_it->second;
  auto first = std::lower_bound(cloud_.begin(), cloud_.end(), Dot{r, 0});
  auto last = first;
  while (last != cloud_.end() && last->replica == r && last->counter <= max + 1) {
    max = std::max(max, last->counter);
    ++last;
  }
  if (first == last) return;
  cloud_.erase(first, last);
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
