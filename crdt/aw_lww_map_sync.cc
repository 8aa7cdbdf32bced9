// AwLwwMap: anti-entropy (DeltaSince, State), garbage collection and the invariant check.
#include <algorithm>

#include "crdt/aw_lww_map.h"

namespace herd::crdt {

bool AwLwwMap::NeedsFullState(const CausalContext& peer) const {
  for (const auto& [r, horizon] : gc_horizon_) {
    if (peer.Max(r) < horizon) return true;
  }
  return false;
}

void AwLwwMap::RaiseHorizon(const CausalContext& to) {
  for (const auto& [r, n] : to.version_vector()) {
    uint64_t& h = gc_horizon_[r];
    h = std::max(h, n);
  }
}

Delta AwLwwMap::DeltaSince(const CausalContext& peer, std::optional<ReplicaId> origin) const {
  if (NeedsFullState(peer)) return State();
  Delta out;
  const bool peer_has_cloud = peer.cloud_size() > 0;
  for (ReplicaId r : dots_.Replicas()) {
    if (origin && r != *origin) continue;
    // Only entries above what the peer has contiguously are visited: the cost follows the
    // difference, not the map.
    dots_.ForEachInRange(r, peer.Max(r), UINT64_MAX, [&](const Dot& d, const KeyRef& node) {
      if (peer_has_cloud && peer.Contains(d)) return;
      for (const Entry& e : node->heads) {
        if (e.dot == d) AppendWithContext(*node, e, &out);
      }
    });
  }
  // Every other dot this replica has seen and the peer lacks is dead here: superseded or
  // removed, with its covers or tombstone since collected. Ship it as context, so the peer's
  // context converges too (a gap would otherwise stay forever, and a peer waiting to have
  // seen everything would wait forever). A large gap costs less as the whole state.
  constexpr size_t kMaxDeadDots = 4096;
  size_t dead = 0;
  auto add_dead = [&](const Dot& d) {
    if (peer.Contains(d) || out.context.Contains(d)) return true;
    if (++dead > kMaxDeadDots) return false;
    out.context.Add(d);
    return true;
  };
  for (const auto& [r, max] : context_.version_vector()) {
    if (origin && r != *origin) continue;
    for (uint64_t c = peer.Max(r) + 1; c <= max; ++c) {
      if (!add_dead(Dot{r, c})) return State();
    }
  }
  for (const DotRange& run : context_.cloud()) {
    if (origin && run.replica != *origin) continue;
    for (uint64_t c = run.first;; ++c) {
      if (!add_dead(Dot{run.replica, c})) return State();
      if (c == run.last) break;
    }
  }
  return out;
}

Delta AwLwwMap::OwnWritesSince(uint64_t counter) const {
  Delta out;
  dots_.ForEachInRange(self_, counter, UINT64_MAX, [&](const Dot& d, const KeyRef& node) {
    for (const Entry& e : node->heads) {
      if (e.dot == d) AppendWithContext(*node, e, &out);
    }
  });
  if (counter < counter_) out.context.AddRange(DotRange{self_, counter + 1, counter_});
  return out;
}

Delta AwLwwMap::State() const {
  Delta out;
  out.entries.reserve(entry_count_);
  for (const auto& node : Ordered()) {
    for (const Entry& e : node->heads) {
      out.entries.push_back(KeyedEntry{std::string(node->key), e});
    }
  }
  out.context = context_;
  out.full_state = true;
  return out;
}

size_t AwLwwMap::CollectGarbage(const std::map<ReplicaId, uint64_t>& seen_by_all) {
  version_ = NextVersion();
  size_t dropped = 0;
  for (const auto& [r, seen] : seen_by_all) {
    // Never past what this replica has seen itself: an entry at or below `limit` is in the
    // context, so it can never arrive later, and one pass per counter is enough.
    const uint64_t limit = std::min(seen, context_.Max(r));
    uint64_t& done = gc_done_[r];
    if (limit <= done) continue;
    // Copied out first: dropping a tombstone erases its index entry.
    std::vector<std::pair<uint64_t, KeyRef>> range;
    dots_.ForEachInRange(r, done, limit, [&range](const Dot& d, const KeyRef& node) {
      range.emplace_back(d.counter, node);
    });
    uint64_t& horizon = gc_horizon_[r];
    for (const auto& [counter, node] : range) {
      const Dot d{r, counter};
      Heads& heads = node->heads;
      size_t i = 0;
      while (i < heads.size() && heads[i].dot != d) ++i;
      if (i == heads.size()) continue;  // unreachable while the index is consistent
      Entry& e = heads[i];
      if (e.tombstone) {
        horizon = std::max(horizon, counter);
        EraseHead(node, i);
        if (heads.empty()) EraseKey(node);
        ++dropped;
      } else if (!e.covers.empty()) {
        horizon = std::max(horizon, counter);
        std::vector<Dot>().swap(e.covers);
      }
    }
    if (horizon == 0) gc_horizon_.erase(r);
    done = limit;
  }
  return dropped;
}

std::string AwLwwMap::CheckInvariants() const {
  size_t entries = 0, tombstones = 0, visible = 0, live_nodes = 0;
  for (const Nodes* nodes : {&sorted_, &unsorted_}) {
    for (const auto& node : *nodes) {
      if (node->erased) continue;
      ++live_nodes;
      if (key_index_.Find(node->key, Hash(node->key)) != node.get()) {
        return "key " + std::string(node->key) + " not indexed";
      }
    }
  }
  if (live_nodes != key_index_.size()) return "the key index holds erased or unknown keys";
  const Nodes& ordered = Ordered();
  for (size_t k = 0; k < ordered.size(); ++k) {
    const auto& node = ordered[k];
    const std::string key(node->key);
    const KeyState& state = *node;
    if (k > 0 && !(ordered[k - 1]->key < key)) return "keys out of order at " + key;
    if (state.heads.empty()) return "key " + key + " has no heads";
    for (size_t i = 0; i < state.heads.size(); ++i) {
      const Entry& e = state.heads[i];
      if (i > 0 && !(state.heads[i - 1].dot < e.dot)) return "heads of " + key + " not sorted";
      if (!context_.Contains(e.dot)) return "entry " + ToString(e.dot) + " not in context";
      if (e.tombstone && !e.value.empty()) return "tombstone " + ToString(e.dot) + " has value";
      if (!std::is_sorted(e.covers.begin(), e.covers.end())) return "covers not sorted";
      const KeyRef* indexed = dots_.Find(e.dot);
      if (indexed == nullptr) return "entry " + ToString(e.dot) + " not indexed";
      if (*indexed != node.get()) {
        return "entry " + ToString(e.dot) + " indexed under the wrong key";
      }
      ++entries;
      if (e.tombstone) ++tombstones;
    }
    if (Visible(state) != nullptr) ++visible;
  }
  if (dots_.size() != entries) {
    return "index holds " + std::to_string(dots_.size()) + " dots, map " + std::to_string(entries);
  }
  if (entries != entry_count_) return "entry_count_ is stale";
  if (tombstones != tombstone_count_) return "tombstone_count_ is stale";
  if (visible != visible_count_) return "visible_count_ is stale";
  if (counter_ < context_.HighestCounter(self_)) return "counter behind the context";
  return {};
}

}  // namespace herd::crdt
