#include "sidecar/peer_message.h"

#include "common/bytes.h"

namespace herd::sidecar {
namespace {
constexpr uint8_t kVersion = 1;
constexpr size_t kMaxPayload = 64u << 20;
constexpr size_t kMaxHeard = 4096;

// An empty list is an empty slot, as earlier versions sent it.
std::string EncodeHeard(const std::vector<HeardReport>& heard) {
  if (heard.empty()) return {};
  ByteWriter w;
  w.Varint(heard.size());
  for (const HeardReport& h : heard) {
    w.Bytes(h.member);
    w.Varint(h.incarnation);
    w.Varint(h.age_ms);
  }
  return w.Take();
}

Result<std::vector<HeardReport>> DecodeHeard(std::string_view bytes) {
  std::vector<HeardReport> out;
  if (bytes.empty()) return out;  // a heartbeat of an earlier version
  ByteReader r(bytes);
  ASSIGN_OR_RETURN(uint64_t n, r.Varint("peer message heard count"));
  if (n > kMaxHeard) {
    return InvalidArgument("peer message: " + std::to_string(n) + " heard members, at most " +
                           std::to_string(kMaxHeard));
  }
  for (uint64_t i = 0; i < n; ++i) {
    HeardReport h;
    ASSIGN_OR_RETURN(std::string_view member, r.Bytes("peer message heard member", 253));
    if (member.empty()) return InvalidArgument("peer message: empty heard member");
    h.member = member;
    ASSIGN_OR_RETURN(h.incarnation, r.Varint("peer message heard incarnation"));
    ASSIGN_OR_RETURN(uint64_t age, r.Varint("peer message heard age"));
    if (age > UINT32_MAX) return InvalidArgument("peer message: heard age out of range");
    h.age_ms = static_cast<uint32_t>(age);
    out.push_back(std::move(h));
  }
  if (!r.done()) {
    return InvalidArgument("peer message: " + std::to_string(r.remaining()) +
                           " trailing bytes in the heard list");
  }
  return out;
}

}  // namespace

std::string EncodePeerMessage(const PeerMessage& m) {
  ByteWriter w;
  w.U8(kVersion);
  w.U8(static_cast<uint8_t>(m.type));
  w.Bytes(m.sender);
  w.Varint(m.incarnation);
  w.Varint(m.hlc);
  w.Varint(m.seq);
  w.Bytes(m.context);
  w.Bytes(m.type == PeerMessageType::kHeartbeat ? EncodeHeard(m.heard) : m.delta);
  return w.Take();
}

Result<PeerMessage> DecodePeerMessage(std::string_view bytes) {
  ByteReader r(bytes);
  ASSIGN_OR_RETURN(uint8_t version, r.U8("peer message version"));
  if (version != kVersion) {
    return InvalidArgument("peer message: unsupported version " + std::to_string(version));
  }
  PeerMessage m;
  ASSIGN_OR_RETURN(uint8_t type, r.U8("peer message type"));
  if (type < 1 || type > 3) {
    return InvalidArgument("peer message: unknown type " + std::to_string(type));
  }
  m.type = static_cast<PeerMessageType>(type);
  ASSIGN_OR_RETURN(std::string_view sender, r.Bytes("peer message sender", 253));
  if (sender.empty()) return InvalidArgument("peer message: empty sender");
  m.sender = sender;
  ASSIGN_OR_RETURN(m.incarnation, r.Varint("peer message incarnation"));
  ASSIGN_OR_RETURN(m.hlc, r.Varint("peer message clock"));
  ASSIGN_OR_RETURN(m.seq, r.Varint("peer message sequence"));
  ASSIGN_OR_RETURN(std::string_view context, r.Bytes("peer message context", kMaxPayload));
  m.context = context;
  ASSIGN_OR_RETURN(std::string_view delta, r.Bytes("peer message delta", kMaxPayload));
  if (m.type == PeerMessageType::kHeartbeat) {
    ASSIGN_OR_RETURN(m.heard, DecodeHeard(delta));
  } else {
    m.delta = delta;
  }
  if (!r.done()) {
    return InvalidArgument("peer message: " + std::to_string(r.remaining()) + " trailing bytes");
  }
  return m;
}

}  // namespace herd::sidecar
