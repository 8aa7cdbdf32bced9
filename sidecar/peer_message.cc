#include "sidecar/peer_message.h"

#include "common/bytes.h"

namespace herd::sidecar {
namespace {
constexpr uint8_t kVersion = 1;
constexpr size_t kMaxPayload = 64u << 20;
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
  w.Bytes(m.delta);
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
  m.delta = delta;
  if (!r.done()) {
    return InvalidArgument("peer message: " + std::to_string(r.remaining()) + " trailing bytes");
  }
  return m;
}

}  // namespace herd::sidecar
