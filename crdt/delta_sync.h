// DeltaSync: per-neighbour bookkeeping for shipping an AwLwwMap's deltas reliably.
//
// For each peer (named by the caller, e.g. a member name) it keeps:
//   acked    the causal context the peer last reported (in an ack, a heartbeat or a hello);
//            it only grows, until ResetPeer;
//   assumed  acked plus the dots sent since and not yet acknowledged;
//   in flight the messages sent and not yet covered by an ack, with their send times.
// Poll() sends map.DeltaSince(assumed): after a loss nothing is lost for good, because a
// message unacknowledged past the retransmit timeout resets assumed to acked and the next
// Poll resends the whole difference. When a peer has not seen what this map's garbage
// collection dropped, DeltaSince falls back to the whole state by itself.
//
// A peer whose context is unknown (just added, or restarted: ResetPeer) gets nothing until its
// summary arrives; NeedsSummary tells the caller to send a hello carrying its own context and
// wait for the peer's. Known peers stay tracked while unreachable, so SeenByAll (what
// CollectGarbage may collect) waits for them; RemovePeer forgets one for good.
//
// Pure bookkeeping: no clock reads (time is a parameter, milliseconds on any monotonic scale),
// no I/O. Not thread-safe; the owner of the map serializes calls.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/aw_lww_map.h"
#include "crdt/dot.h"

namespace herd::crdt {

struct DeltaSyncOptions {
  // How long a message may go unacknowledged before the difference is resent.
  int64_t retransmit_timeout_ms = 200;
  // Each retransmission without an ack in between doubles the timeout, up to this.
  int64_t max_retransmit_timeout_ms = 3200;
  // In a full mesh every member sends its own writes to every peer, so relaying the writes of
  // others only multiplies the traffic (each write arrives once per member). With this on, Poll
  // ships the map's own writes only, and relays everything the peer lacks when there is
  // evidence it needs that: the peer is new or restarted, a message went unacknowledged, or
  // its summary (OnSummary with `own`) still lacks something this map held at an earlier
  // summary, one at least a retransmit timeout older (the writer may be dead, or cut off from
  // that peer; a write that reached this member just before may still be on its way there).
  bool own_writes_first = false;
};

// One message to send to a peer: the peer acknowledges it with OnAck(peer, seq, its context).
struct Outgoing {
  uint64_t seq = 0;
  // Peers polled one after another that lack the same writes share one delta (see Poll).
  std::shared_ptr<const Delta> delta;
  bool retransmission = false;  // the difference resent after a timeout
};

class DeltaSync {
 public:
  explicit DeltaSync(DeltaSyncOptions options = {});

  // Starts tracking `peer` with an unknown context, or forgets what a tracked peer reported
  // (it restarted and may have lost state). Drops its in-flight messages; acks for them that
  // arrive later are ignored.
  void ResetPeer(const std::string& peer);
  // Stops tracking `peer`: it no longer holds back SeenByAll. Unknown peers are ignored.
  void RemovePeer(const std::string& peer);

  // What to send to `peer` now, if anything: the difference between `map` and what the peer
  // is assumed to have, or, when a message went unacknowledged past the timeout, the whole
  // difference from what it acknowledged. Nothing for an untracked peer or one whose context
  // is unknown (see NeedsSummary). Tracking starts with ResetPeer or OnSummary.
  // In own-writes mode (see own_writes_first) the difference is this map's writes after the
  // counter the peer is assumed to hold, map.OwnWritesSince(that counter).
  std::optional<Outgoing> Poll(const std::string& peer, const AwLwwMap& map, int64_t now_ms);
  // Hands the next Polls a delta already built: `delta` is map.OwnWritesSince(since) at the
  // map's current version (say, the group commit the caller just appended to its log). Peers
  // polled in own-writes mode that hold this map's writes up to `since` get it, unless the map
  // changes first.
  void Offer(const AwLwwMap& map, uint64_t since, std::shared_ptr<const Delta> delta);

  // The peer joined message `seq` and now holds `peer_context` (which also counts as its
  // summary). Acks for messages sent before the peer's last reset, or never sent, are ignored
  // and return false.
  bool OnAck(const std::string& peer, uint64_t seq, const CausalContext& peer_context);
  // The peer reported its context (heartbeat or hello). Starts tracking an unknown peer. With
  // `now_ms`, a message older than the retransmit timeout that the summary does not cover is
  // taken as lost, and the next Poll resends the difference (no backed-off wait after a heal).
  // `own` is this map's context now: a summary a retransmit timeout later (or more) that lacks
  // part of it asks for a relay (see own_writes_first).
  void OnSummary(const std::string& peer, const CausalContext& peer_context, int64_t now_ms = -1,
                 const CausalContext* own = nullptr);

  // True when `peer` is tracked but its context is unknown: send it a hello, await its summary.
  bool NeedsSummary(const std::string& peer) const;
  bool Tracks(const std::string& peer) const { return peers_.count(peer) > 0; }
  std::vector<std::string> Peers() const;
  // The context `peer` last reported, or null when unknown or untracked.
  const CausalContext* Acked(const std::string& peer) const;
  // Messages sent to `peer` and not yet covered by an ack.
  size_t InFlight(const std::string& peer) const;

  // What every tracked peer and `map` itself have seen: CommonVersionVector over the map's
  // context and each tracked peer's acked context (empty while unknown, which holds collection
  // back entirely). Pass it to map.CollectGarbage.
  std::map<ReplicaId, uint64_t> SeenByAll(const AwLwwMap& map) const;

 private:
  struct InFlightMessage {
    uint64_t seq;
    int64_t sent_ms;
    CausalContext context;  // the dots the message carried
  };
  struct Peer {
    bool known = false;  // acked holds a reported context
    CausalContext acked;
    CausalContext assumed;
    std::vector<InFlightMessage> in_flight;  // ascending seq
    uint64_t first_seq = 1;                  // acks below this predate the last reset
    int64_t timeout_ms = 0;
    bool relay = true;        // the next Poll ships what others wrote too (own_writes_first)
    CausalContext baseline;   // this map's context at an earlier summary
    int64_t baseline_ms = 0;  // when that was
    bool has_baseline = false;
  };
  // Forgets in-flight messages the acked context now covers; resets the backoff on progress.
  void Settle(Peer* p, uint64_t seq);

  // The delta the last Poll built (or Offer gave), reused while someone still holds it, for
  // the next peer that lacks the same writes of the same map version: in own-writes mode, a
  // peer that holds this map's writes up to the same counter; otherwise, one assumed to hold
  // the same context. (In a full mesh every peer usually lacks just this map's latest writes.)
  struct Reusable {
    uint64_t map_version = 0;
    bool own = false;       // OwnWritesSince(since); else DeltaSince(assumed), relay or not
    uint64_t since = 0;     // own
    bool relay = false;     // not own
    CausalContext assumed;  // not own
    std::weak_ptr<const Delta> delta;
  };

  DeltaSyncOptions options_;
  uint64_t next_seq_ = 1;
  Reusable last_;
  std::map<std::string, Peer, std::less<>> peers_;
};

}  // namespace herd::crdt
