// PeerMessage: what members send each other over the peer port, and the Transport seam.
//
// Every message carries the sender's name, incarnation, hybrid-clock reading and causal
// context, so any message doubles as a heartbeat and an anti-entropy summary: a receiver that
// sees the sender lacks something ships the difference (crdt/delta_sync.h). Deltas carry a
// sequence number that the receiver acknowledges.
//
// Heartbeats also say which members the sender heard directly within its heartbeat deadline,
// and how long ago: a member whose own link to X is lossy still knows X lives while others
// hear it (SWIM's indirect evidence), so packet loss on one link does not fail X over. The
// list travels in the slot deltas use, which heartbeats of earlier versions left empty and
// their receivers ignore: old and new agents understand each other. A heartbeat whose seq is
// kHeartbeatProbe asks for a heartbeat back at once: a member that has just lost sight of a
// peer asks the others whether they still hear it (and the peer itself whether it lives).
// Earlier versions ignore a heartbeat's seq.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace herd::sidecar {

enum class PeerMessageType : uint8_t { kDelta = 1, kAck = 2, kHeartbeat = 3 };

inline constexpr uint64_t kHeartbeatProbe = 1;  // a kHeartbeat's seq: "answer with a heartbeat"
// A kHeartbeat's seq: the answer to a probe. Its context is the sender's after the probe
// arrived, so it holds everything the sender wrote before then.
inline constexpr uint64_t kHeartbeatAnswer = 2;

// "I heard `member` (that incarnation) `age_ms` ago", from a heartbeat's sender.
struct HeardReport {
  std::string member;
  uint64_t incarnation = 0;
  uint32_t age_ms = 0;
  friend bool operator==(const HeardReport&, const HeardReport&) = default;
};

struct PeerMessage {
  PeerMessageType type = PeerMessageType::kHeartbeat;
  std::string sender;
  uint64_t incarnation = 0;
  uint64_t hlc = 0;
  uint64_t seq = 0;  // kDelta: the delta's sequence; kAck: the one acknowledged; kHeartbeat: 0
                     // or kHeartbeatProbe or kHeartbeatAnswer
  // The two frames are views: into the bytes DecodePeerMessage read, or into the caller's
  // buffers for EncodePeerMessage. A message lives no longer than those (a delta is not copied
  // per peer it goes to, nor again on arrival).
  std::string_view context;        // crdt::EncodeContext of the sender's context
  std::string_view delta;          // kDelta: crdt::EncodeDelta
  std::vector<HeardReport> heard;  // kHeartbeat: the members the sender hears
  friend bool operator==(const PeerMessage&, const PeerMessage&) = default;
};

std::string EncodePeerMessage(const PeerMessage& m);
// Bounded: any bytes give a message or an error naming the bad part.
Result<PeerMessage> DecodePeerMessage(std::string_view bytes);

// Sends bytes to a peer, best effort: a message may be lost, duplicated, delayed or reordered,
// and the sender is never told. The real one is HTTP(S) (sidecar/posix/); the simulator's is
// SimNetwork. Called from the supervisor's thread only.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual void Send(const std::string& peer, const std::string& address, std::string bytes) = 0;
};

}  // namespace herd::sidecar
