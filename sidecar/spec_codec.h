// The binary encoding of a WorkloadSpec for CRDT map values (records.h keeps it in
// WorkloadRecord::spec), and the fingerprints that decide "is this the same spec".
//
// Format (version 1): a version byte, then the fields in declaration order: strings as varint
// length + bytes, counts as varints, enums as one byte, integers as zigzag varints; labels in
// strictly increasing key order. The encoding is canonical: DecodeSpec accepts exactly what
// EncodeSpec writes (minimal varints, sorted labels, no trailing bytes), so
// EncodeSpec(DecodeSpec(b)) == b for every accepted b.
//
// Fingerprints are stable across versions and machines (FNV-1a over a fixed field order, then
// a SplitMix64 finish); they never depend on the codec version. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "sidecar/workload_spec.h"

namespace herd::sidecar {

inline constexpr uint8_t kSpecCodecVersion = 1;

std::string EncodeSpec(const WorkloadSpec& spec);

// Never reads past `bytes`, never allocates more than a small multiple of its size. Errors
// (kInvalidArgument, message starting "spec codec: "): truncated or corrupt bytes, an unknown
// version or enum value, non-canonical encodings, trailing bytes, and a decoded spec that
// fails Validate (then field() names the field).
Result<WorkloadSpec> DecodeSpec(std::string_view bytes);

// Everything that makes the running instance what it is: name, runtime, command, env,
// workingDir, image, restart policy, timeouts, intensity and resources; NOT labels. A changed
// RuntimeFingerprint means "replace the running instance"; relabelling restarts nothing.
uint64_t RuntimeFingerprint(const WorkloadSpec& spec);

// RuntimeFingerprint plus the labels: "did anything at all change" (generation bumps, list
// views).
uint64_t SpecFingerprint(const WorkloadSpec& spec);

}  // namespace herd::sidecar
