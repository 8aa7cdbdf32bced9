// The binary codec for what replicas send each other and what the store writes: deltas (a
// mutation, an anti-entropy diff or a whole state) and causal contexts (acks, heartbeats,
// hellos).
//
// Frame (little-endian):
//   magic "hD" (2 bytes) | format version (1 byte, kFormatVersion) | kind (1 byte: 1 delta,
//   2 context) | payload length (4 bytes) | CRC32C of the payload (4 bytes) | payload
// Payload: unsigned LEB128 varints and length-prefixed byte strings.
//   replicas: count, then each replica id as 8 fixed bytes, strictly ascending; every dot
//             below names its replica by index into this table, and every listed replica is
//             used
//   context:  vv count, (replica index, max >= 1) ascending by replica; cloud run count,
//             runs of consecutive counters ascending by replica, each (replica index * 2 +
//             1 when it holds more than one counter, gap, then count - 1 when more than one):
//             it starts gap + 2 counters past the previous run of its replica, or past the
//             replica's max (so runs never touch, and the context is compact). A scattered dot
//             costs two or three bytes, a writer's thousand writes three or four. Format 1, still
//             read, listed the cloud dot by dot: count, (replica index, counter) ascending, each
//             above max + 1.
//   delta:    flags (bit 0: full_state), replicas, context, entry count, then per entry: key,
//             replica index, counter, timestamp, flags (bit 0: tombstone), value, cover count,
//             covers (replica index, counter) strictly ascending
// Every entry's dot and covers must lie inside the delta's context (as the join rule assumes),
// no dot may appear twice, and a tombstone's value is empty. The encoding is canonical:
// decoding then encoding gives back the same bytes (a format 1 frame comes back as format 2).
//
// Decoding is total: any byte string yields a value or a Status, never a crash or undefined
// behaviour, and every count is checked against the bytes left before anything is reserved,
// so no allocation exceeds what the input justifies. Errors:
//   kDataLoss         the frame is truncated, its length disagrees, or the checksum fails
//   kInvalidArgument  bad magic, unknown version or kind, or a malformed payload; the message
//                     names the part ("entry 3 key length 999999 exceeds remaining 12 bytes")
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crdt/aw_lww_map.h"
#include "crdt/dot.h"

namespace herd::crdt {

inline constexpr uint8_t kFormatVersion = 2;        // what this build writes
inline constexpr uint8_t kOldestFormatVersion = 1;  // the oldest it reads (logs on disk)
inline constexpr size_t kFrameHeaderSize = 12;

std::string EncodeDelta(const Delta& delta);
Result<Delta> DecodeDelta(std::string_view bytes);

std::string EncodeContext(const CausalContext& context);
Result<CausalContext> DecodeContext(std::string_view bytes);

}  // namespace herd::crdt
