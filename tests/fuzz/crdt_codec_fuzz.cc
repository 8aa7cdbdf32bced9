// Fuzz target for the CRDT codec (crdt/codec.h). Every input is decoded both as a delta and as
// a context. A decode must never crash; when it succeeds, the value must re-encode to the very
// same bytes (the encoding is canonical; a frame of an older format, to the same value), and a
// decoded delta must join into a map cleanly and idempotently, leaving the map's invariants intact.
// Each input is also tried with its length and checksum fields repaired, so mutations reach the
// payload parser instead of dying at the checksum.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/crc32c.h"
#include "crdt/aw_lww_map.h"
#include "crdt/codec.h"

namespace {

using herd::crdt::AwLwwMap;
using herd::crdt::CausalContext;
using herd::crdt::Delta;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "crdt_codec_fuzz: %s\n", what);
    std::abort();
  }
}

// A small map with some history, so joins and anti-entropy have something to meet.
void Populate(AwLwwMap* m) {
  m->Put("a", "1", 1);
  m->Put("b", "2", 2);
  m->Put("a", "3", 3);
  m->Remove("b", 4);
}

// A decoded frame re-encodes to its very bytes (the encoding is canonical); one of an older
// format version (still read) re-encodes in the current one, to the same value.
template <typename T>
void CheckReencodes(std::string_view in, const T& value, std::string (*encode)(const T&),
                    herd::Result<T> (*decode)(std::string_view)) {
  const std::string again = encode(value);
  if (static_cast<uint8_t>(in[2]) < herd::crdt::kFormatVersion) {
    herd::Result<T> back = decode(again);
    Check(back.ok() && *back == value, "an older frame does not re-encode to the same value");
  } else {
    Check(again == in, "a frame does not re-encode to the same bytes");
  }
}

void FuzzDelta(std::string_view in) {
  herd::Result<Delta> d = herd::crdt::DecodeDelta(in);
  if (!d.ok()) return;
  CheckReencodes<Delta>(in, *d, herd::crdt::EncodeDelta, herd::crdt::DecodeDelta);
  AwLwwMap m(1);
  Populate(&m);
  m.Join(*d, [&m](const herd::crdt::Diff& diff) { (void)m.Get(diff.key); });
  Check(m.CheckInvariants().empty(), "invariants broken after a join");
  const Delta once = m.State();
  m.Join(*d);
  Check(m.State() == once, "join is not idempotent");
  Check(m.context().Includes(d->context), "context did not absorb the delta's");
  m.Put("a", "after", 5);
  Check(m.CheckInvariants().empty(), "invariants broken after a write");
  herd::Result<Delta> state = herd::crdt::DecodeDelta(herd::crdt::EncodeDelta(m.State()));
  Check(state.ok(), "a joined state does not round-trip");
}

void FuzzContext(std::string_view in) {
  herd::Result<CausalContext> c = herd::crdt::DecodeContext(in);
  if (!c.ok()) return;
  CheckReencodes<CausalContext>(in, *c, herd::crdt::EncodeContext, herd::crdt::DecodeContext);
  AwLwwMap m(1);
  Populate(&m);
  const Delta diff = m.DeltaSince(*c);
  herd::Result<Delta> back = herd::crdt::DecodeDelta(herd::crdt::EncodeDelta(diff));
  Check(back.ok() && *back == diff, "DeltaSince result does not round-trip");
  m.CollectGarbage(herd::crdt::CommonVersionVector({&m.context(), &*c}));
  Check(m.CheckInvariants().empty(), "invariants broken after garbage collection");
}

// The input with its payload length and CRC32C rewritten to match its payload.
std::string Repaired(std::string_view in) {
  std::string out(in);
  if (out.size() < herd::crdt::kFrameHeaderSize) return out;
  const size_t payload = out.size() - herd::crdt::kFrameHeaderSize;
  const uint32_t crc = herd::Crc32c(out.data() + herd::crdt::kFrameHeaderSize, payload);
  for (int i = 0; i < 4; ++i) {
    out[4 + i] = static_cast<char>(static_cast<uint64_t>(payload) >> (8 * i));
    out[8 + i] = static_cast<char>(crc >> (8 * i));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  FuzzDelta(in);
  FuzzContext(in);
  const std::string repaired = Repaired(in);
  if (repaired != in) {
    FuzzDelta(repaired);
    FuzzContext(repaired);
  }
  return 0;
}
