#include "crdt/dot.h"

#include <algorithm>

namespace herd::crdt {

std::string ToString(const Dot& d) {
  return "(" + std::to_string(d.replica) + "," + std::to_string(d.counter) + ")";
}

namespace {

// Whether run `a` starts before `b` (runs order by replica, then first counter).
bool StartsBefore(const DotRange& a, const DotRange& b) {
  return a.replica < b.replica || (a.replica == b.replica && a.first < b.first);
}

// Whether `next`, starting at or after `run`, overlaps it or follows it without a gap.
bool Touches(const DotRange& run, const DotRange& next) {
  return next.replica == run.replica && next.first - 1 <= run.last;  // counters start at 1
}

// The first run that does not start at or before `d`: the one before it is the only run that
// may hold `d`.
template <typename It>
It RunAfter(It begin, It end, const Dot& d) {
  return std::upper_bound(begin, end, d, [](const Dot& x, const DotRange& r) {
    return x.replica < r.replica || (x.replica == r.replica && x.counter < r.first);
  });
}

}  // namespace

uint64_t CausalContext::RawMax(ReplicaId r) const {
  auto it = vv_.find(r);
  return it == vv_.end() ? 0 : it->second;
}

bool CausalContext::Contains(const Dot& d) const {
  if (pending_.size() > kMaxPending) NormalizeSlow();
  if (d.counter <= RawMax(d.replica)) return true;
  // Lookups often come in dot order: try the run of the last find, then the next one.
  if (cloud_hint_ < cloud_.size()) {
    if (cloud_[cloud_hint_].Contains(d)) return true;
    if (cloud_hint_ + 1 < cloud_.size() && cloud_[cloud_hint_ + 1].Contains(d)) {
      ++cloud_hint_;
      return true;
    }
  }
  const auto it = RunAfter(cloud_.begin(), cloud_.end(), d);
  if (it != cloud_.begin() && std::prev(it)->Contains(d)) {
    cloud_hint_ = static_cast<size_t>(std::prev(it) - cloud_.begin());
    return true;
  }
  // A pending dot may also extend a run, but a dot that extension would swallow is in the
  // cloud or pending itself, so looking at each is enough.
  return std::find(pending_.begin(), pending_.end(), d) != pending_.end();
}

void CausalContext::Add(const Dot& d) {
  const uint64_t max = RawMax(d.replica);
  if (d.counter <= max) return;
  if (pending_.empty()) {
    if (d.counter - 1 == max) {
      vv_[d.replica] = d.counter;
      if (!cloud_.empty()) CompactReplica(d.replica);
      return;
    }
    // In order (a writer's run, a decoder's cloud): extend the last run or start one.
    if (cloud_.empty() || cloud_.back().replica < d.replica) {
      cloud_.push_back(DotRange{d.replica, d.counter, d.counter});
      return;
    }
    DotRange& back = cloud_.back();
    if (back.replica == d.replica && d.counter >= back.first) {
      if (d.counter <= back.last) return;
      if (d.counter - 1 == back.last) {
        back.last = d.counter;
      } else {
        cloud_.push_back(DotRange{d.replica, d.counter, d.counter});
      }
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

void CausalContext::AddRange(const DotRange& run) {
  Normalize();
  const uint64_t max = RawMax(run.replica);
  if (run.last <= max) return;
  if (run.first - 1 <= max) {
    AddUpTo(run.replica, run.last);
    return;
  }
  // After the whole cloud (a decoder's runs, a writer's own): append or extend.
  if (cloud_.empty() || cloud_.back().replica < run.replica ||
      (cloud_.back().replica == run.replica && cloud_.back().first <= run.first)) {
    if (!cloud_.empty() && Touches(cloud_.back(), run)) {
      cloud_.back().last = std::max(cloud_.back().last, run.last);
    } else {
      cloud_.push_back(run);
    }
    return;
  }
  InsertRuns({run});
}

void CausalContext::Merge(const CausalContext& other) {
  other.Normalize();
  for (const auto& [r, n] : other.vv_) AddUpTo(r, n);
  if (other.cloud_.empty()) return;
  Normalize();
  InsertRuns(other.cloud_);
}

uint64_t CausalContext::Max(ReplicaId r) const {
  Normalize();
  return RawMax(r);
}

uint64_t CausalContext::HighestCounter(ReplicaId r) const {
  Normalize();
  uint64_t high = RawMax(r);
  // The last run of `r` comes just before the first run of a higher replica.
  const auto it = std::partition_point(cloud_.begin(), cloud_.end(),
                                       [r](const DotRange& run) { return run.replica <= r; });
  if (it != cloud_.begin() && std::prev(it)->replica == r) {
    high = std::max(high, std::prev(it)->last);
  }
  return high;
}

bool CausalContext::ContainsRun(const DotRange& run) const {
  const uint64_t max = RawMax(run.replica);
  if (run.last <= max) return true;
  // The part above the version vector must lie in one run: runs of a replica never touch.
  const Dot lo{run.replica, std::max(run.first, max + 1)};
  const auto it = RunAfter(cloud_.begin(), cloud_.end(), lo);
  return it != cloud_.begin() && std::prev(it)->Contains(lo) && run.last <= std::prev(it)->last;
}

bool CausalContext::Includes(const CausalContext& other) const {
  Normalize();
  other.Normalize();
  for (const auto& [r, n] : other.vv_) {
    if (RawMax(r) < n) return false;
  }
  for (const DotRange& run : other.cloud_) {
    if (!ContainsRun(run)) return false;
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
  std::vector<DotRange> runs;  // one a dot: InsertRuns joins them
  runs.reserve(add.size());
  for (const Dot& d : add) {
    if (d.counter > RawMax(d.replica)) runs.push_back(DotRange{d.replica, d.counter, d.counter});
  }
  InsertRuns(runs);
}

void CausalContext::InsertRuns(const std::vector<DotRange>& runs) const {
  if (runs.empty()) return;
  std::vector<DotRange> merged;
  merged.reserve(cloud_.size() + runs.size());
  auto push = [&merged](const DotRange& run) {
    if (!merged.empty() && Touches(merged.back(), run)) {
      merged.back().last = std::max(merged.back().last, run.last);
    } else {
      merged.push_back(run);
    }
  };
  auto a = cloud_.begin();
  auto b = runs.begin();
  while (a != cloud_.end() || b != runs.end()) {
    if (b == runs.end() || (a != cloud_.end() && StartsBefore(*a, *b))) {
      push(*a++);
    } else {
      push(*b++);
    }
  }
  cloud_.swap(merged);
  cloud_hint_ = 0;
  for (size_t i = 0; i < runs.size(); ++i) {
    if (i == 0 || runs[i].replica != runs[i - 1].replica) CompactReplica(runs[i].replica);
  }
}

// Drops the runs of `r` that the version vector now covers, and pulls in the run that extends
// its contiguous range.
void CausalContext::CompactReplica(ReplicaId r) const {
  auto vv_it = vv_.find(r);
  uint64_t max = vv_it == vv_.end() ? 0 : vv_it->second;
  auto first = std::partition_point(cloud_.begin(), cloud_.end(),
                                    [r](const DotRange& run) { return run.replica < r; });
  auto last = first;
  while (last != cloud_.end() && last->replica == r && last->first - 1 <= max) {
    max = std::max(max, last->last);
    ++last;
  }
  if (first == last) return;
  cloud_.erase(first, last);
  cloud_hint_ = 0;
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
