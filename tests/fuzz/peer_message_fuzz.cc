// Fuzz target for the peer message codec (sidecar/peer_message.h): arbitrary bytes as what a
// peer POSTs to the peer port. A decode never crashes; a decoded message re-encodes to bytes
// that decode to the same message (the encoding need not be canonical: varints may be
// over-long on the wire), and its context and delta go through the CRDT decoders as the
// Supervisor would feed them.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "crdt/codec.h"
#include "sidecar/peer_message.h"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "peer_message_fuzz: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  herd::Result<herd::sidecar::PeerMessage> m = herd::sidecar::DecodePeerMessage(in);
  if (!m.ok()) {
    Check(m.status().code() == herd::StatusCode::kInvalidArgument, "unexpected error code");
    Check(!m.status().message().empty(), "empty error message");
    return 0;
  }
  Check(!m->sender.empty(), "a decoded message has no sender");
  const std::string again = herd::sidecar::EncodePeerMessage(*m);
  Check(again.size() <= in.size(), "re-encoding grew the message");
  herd::Result<herd::sidecar::PeerMessage> back = herd::sidecar::DecodePeerMessage(again);
  Check(back.ok() && *back == *m, "re-encoded message does not decode to the same message");
  // A frame re-encodes to its very bytes; one of an older format (still read), to the same
  // value in the current format.
  auto older = [](std::string_view frame) {
    return static_cast<uint8_t>(frame[2]) < herd::crdt::kFormatVersion;
  };
  if (!m->context.empty()) {
    auto c = herd::crdt::DecodeContext(m->context);
    if (c.ok() && older(m->context)) {
      Check(*herd::crdt::DecodeContext(herd::crdt::EncodeContext(*c)) == *c, "context changed");
    } else if (c.ok()) {
      Check(herd::crdt::EncodeContext(*c) == m->context, "context not canonical");
    }
  }
  if (!m->delta.empty()) {
    auto d = herd::crdt::DecodeDelta(m->delta);
    if (d.ok() && older(m->delta)) {
      Check(*herd::crdt::DecodeDelta(herd::crdt::EncodeDelta(*d)) == *d, "delta changed");
    } else if (d.ok()) {
      Check(herd::crdt::EncodeDelta(*d) == m->delta, "delta not canonical");
    }
  }
  return 0;
}
