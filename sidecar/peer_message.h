// PeerMessage: what members send each other over the peer port, and the Transport seam.
//
// Every message carries the sender's name, incarnation, hybrid-clock reading and causal
// context, so any message doubles as a heartbeat and an anti-entropy summary: a receiver that
// sees the sender lacks something ships the difference (crdt/delta_sync.h). Deltas carry a
// sequence number that the receiver acknowledges.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace herd::sidecar {

enum class PeerMessageType : uint8_t { kDelta = 1, kAck = 2, kHeartbeat = 3 };

struct PeerMessage {
  PeerMessageType type = PeerMessageType::kHeartbeat;
  std::string sender;
  uint64_t incarnation = 0;
  uint64_t hlc = 0;
  uint64_t seq = 0;     // kDelta: the delta's sequence; kAck: the sequence acknowledged
  std::string context;  // crdt::EncodeContext of the sender's context
  std::string delta;    // kDelta: crdt::EncodeDelta
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
