#include "crdt/delta_sync.h"

#include <algorithm>
#include <utility>

namespace herd::crdt {

DeltaSync::DeltaSync(DeltaSyncOptions options) : options_(options) {}

void DeltaSync::ResetPeer(const std::string& peer) {
  Peer& p = peers_[peer];
  p = Peer{};
  p.first_seq = next_seq_;
  p.timeout_ms = options_.retransmit_timeout_ms;
}

void DeltaSync::RemovePeer(const std::string& peer) { peers_.erase(peer); }

std::optional<Outgoing> DeltaSync::Poll(const std::string& peer, const AwLwwMap& map,
                                        int64_t now_ms) {
  auto it = peers_.find(peer);
  if (it == peers_.end() || !it->second.known) return std::nullopt;
  Peer& p = it->second;
  bool retransmission = false;
  if (!p.in_flight.empty() && now_ms - p.in_flight.front().sent_ms >= p.timeout_ms) {
    // Something went unacknowledged for too long: assume the peer has only what it said, and
    // resend the whole difference in one message. Back off while the peer stays silent.
    p.assumed = p.acked;
    p.in_flight.clear();
    p.timeout_ms = std::min(p.timeout_ms * 2, options_.max_retransmit_timeout_ms);
    retransmission = true;
  }
  const bool relay = !options_.own_writes_first || retransmission || p.relay;
  // Own writes alone: everything after the counter the peer holds contiguously (a dot of this
  // map it holds beyond that, say as another's cover, may come again; a join ignores it). A
  // peer behind the collection horizon needs the whole state instead (DeltaSince gives it).
  const bool own = !relay && !map.NeedsFullState(p.assumed);
  const uint64_t since = own ? p.assumed.Max(map.self()) : 0;
  std::shared_ptr<const Delta> delta = last_.delta.lock();
  const bool reuse =
      delta != nullptr && last_.map_version == map.version() && last_.own == own &&
      (own ? last_.since == since : last_.relay == relay && last_.assumed == p.assumed);
  if (!reuse) {
    if (own) {
      delta = std::make_shared<const Delta>(map.OwnWritesSince(since));
      Offer(map, since, delta);
    } else {
      delta = std::make_shared<const Delta>(relay ? map.DeltaSince(p.assumed)
                                                  : map.DeltaSince(p.assumed, map.self()));
      last_ = Reusable{map.version(), false, 0, relay, p.assumed, delta};
    }
  }
  if (relay) p.relay = false;
  if (delta->empty()) return std::nullopt;
  p.assumed.Merge(delta->context);
  const uint64_t seq = next_seq_++;
  p.in_flight.push_back(InFlightMessage{seq, now_ms, delta->context});
  return Outgoing{seq, std::move(delta), retransmission};
}

void DeltaSync::Offer(const AwLwwMap& map, uint64_t since, std::shared_ptr<const Delta> delta) {
  last_ = Reusable{map.version(), true, since, false, CausalContext(), std::move(delta)};
}

void DeltaSync::Settle(Peer* p, uint64_t seq) {
  const size_t before = p->in_flight.size();
  std::erase_if(p->in_flight, [&](const InFlightMessage& m) {
    return m.seq == seq || p->acked.Includes(m.context);
  });
  if (p->in_flight.size() < before) p->timeout_ms = options_.retransmit_timeout_ms;
}

bool DeltaSync::OnAck(const std::string& peer, uint64_t seq, const CausalContext& peer_context) {
  auto it = peers_.find(peer);
  if (it == peers_.end() || seq < it->second.first_seq || seq >= next_seq_) return false;
  Peer& p = it->second;
  p.known = true;
  p.acked.Merge(peer_context);
  p.assumed.Merge(peer_context);
  Settle(&p, seq);
  return true;
}

void DeltaSync::OnSummary(const std::string& peer, const CausalContext& peer_context,
                          int64_t now_ms, const CausalContext* own) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) {
    ResetPeer(peer);
    it = peers_.find(peer);
  }
  Peer& p = it->second;
  p.known = true;
  p.acked.Merge(peer_context);
  p.assumed.Merge(peer_context);
  Settle(&p, 0);
  // A summary proves the link works now: what it still lacks from a message sent longer than
  // a retransmit timeout ago was lost (say, in a partition that has healed). Resend at once
  // instead of waiting out a backed-off timer.
  if (now_ms >= 0 && !p.in_flight.empty() &&
      now_ms - p.in_flight.front().sent_ms >= options_.retransmit_timeout_ms) {
    p.assumed = p.acked;
    p.in_flight.clear();
    p.timeout_ms = options_.retransmit_timeout_ms;
    p.relay = true;
  }
  // Summaries can follow each other closely (probes and their answers): one that lacks a
  // write this member held only a moment before proves nothing, the write may be on its way.
  // So the baseline is compared, and replaced, only once a retransmit timeout old.
  const bool baseline_due =
      !p.has_baseline || now_ms < 0 || now_ms - p.baseline_ms >= options_.retransmit_timeout_ms;
  if (own != nullptr && baseline_due) {
    if (p.has_baseline && !peer_context.Includes(p.baseline)) p.relay = true;
    p.baseline = *own;
    p.baseline_ms = now_ms;
    p.has_baseline = true;
  }
}

bool DeltaSync::NeedsSummary(const std::string& peer) const {
  auto it = peers_.find(peer);
  return it != peers_.end() && !it->second.known;
}

std::vector<std::string> DeltaSync::Peers() const {
  std::vector<std::string> out;
  out.reserve(peers_.size());
  for (const auto& [name, p] : peers_) out.push_back(name);
  return out;
}

const CausalContext* DeltaSync::Acked(const std::string& peer) const {
  auto it = peers_.find(peer);
  if (it == peers_.end() || !it->second.known) return nullptr;
  return &it->second.acked;
}

size_t DeltaSync::InFlight(const std::string& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second.in_flight.size();
}

std::map<ReplicaId, uint64_t> DeltaSync::SeenByAll(const AwLwwMap& map) const {
  static const CausalContext kUnknown;
  std::vector<const CausalContext*> contexts{&map.context()};
  for (const auto& [name, p] : peers_) contexts.push_back(p.known ? &p.acked : &kUnknown);
  return CommonVersionVector(contexts);
}

}  // namespace herd::crdt
