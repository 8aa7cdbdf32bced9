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
  uint64_t n = 0;
  RETURN_IF_ERROR(r.Varint("peer message heard count", &n));
  if (n > kMaxHeard) {
    return InvalidArgument("peer message: " + std::to_string(n) + " heard members, at most " +
                           std::to_string(kMaxHeard));
  }
  for (uint64_t i = 0; i < n; ++i) {
    HeardReport h;
    std::string_view member;
    RETURN_IF_ERROR(r.Bytes("peer message heard member", &member, 253));
    if (member.empty()) return InvalidArgument("peer message: empty heard member");
    h.member = member;
    RETURN_IF_ERROR(r.Varint("peer message heard incarnation", &h.incarnation));
    uint64_t age = 0;
    RETURN_IF_ERROR(r.Varint("peer message heard age", &age));
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
  uint8_t version = 0;
  RETURN_IF_ERROR(r.U8("peer message version", &version));
  if (version != kVersion) {
    return InvalidArgument("peer message: unsupported version " + std::to_string(version));
  }
  PeerMessage m;
  uint8_t type = 0;
  RETURN_IF_ERROR(r.U8("peer message type", &type));
  if (type < 1 || type > 3) {
    return InvalidArgument("peer message: unknown type " + std::to_string(type));
  }
  m.type = static_cast<PeerMessageType>(type);
  std::string_view sender;
  RETURN_IF_ERROR(r.Bytes("peer message sender", &sender, 253));
  if (sender.empty()) return InvalidArgument("peer message: empty sender");
  m.sender = sender;
  RETURN_IF_ERROR(r.Varint("peer message incarnation", &m.incarnation));
  RETURN_IF_ERROR(r.Varint("peer message clock", &m.hlc));
  RETURN_IF_ERROR(r.Varint("peer message sequence", &m.seq));
  std::string_view context;
  RETURN_IF_ERROR(r.Bytes("peer message context", &context, kMaxPayload));
  m.context = context;
  std::string_view delta;
  RETURN_IF_ERROR(r.Bytes("peer message delta", &delta, kMaxPayload));
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
