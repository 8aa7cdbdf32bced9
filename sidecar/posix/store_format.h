// The on-disk formats of FileStore, as pure functions over byte strings (no I/O), so that the
// fuzz target and the tests can drive the decoders without files.
//
// All integers are little-endian. Checksums are CRC32C, masked as in leveldb so that a run of
// zero bytes (what a file system may show after a crash) never verifies.
//
//   log file:  header  [8 magic "herdlog\0"][u32 version][u64 snapshot seq][u32 crc]  24 bytes
//              records [u32 length][u32 crc of length+bytes][bytes] ...
//   blob file: [8 magic][u32 version][u64 seq][u64 length][u32 crc of the 28 bytes before it
//              and the payload][payload]; the snapshot ("herdsnap") and the identity file
//              ("herdid\0\0", seq 0) are blobs.
//
// The log header names the snapshot the log belongs to: a snapshot with sequence number N
// and the log written after it both carry N (0 before the first compaction).
//
// Thread-safe: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace herd::sidecar {

inline constexpr uint32_t kStoreFormatVersion = 1;
inline constexpr size_t kLogHeaderBytes = 24;
inline constexpr size_t kRecordHeaderBytes = 8;
inline constexpr size_t kBlobHeaderBytes = 32;

// The header of a log that follows the snapshot with sequence number `snapshot_seq`.
std::string EncodeLogHeader(uint64_t snapshot_seq);

// Appends the frame of `record` (header and bytes) to `out`. The caller enforces
// kMaxStoreRecordBytes.
void AppendRecordFrame(std::string& out, std::string_view record);

struct DecodedLog {
  uint64_t snapshot_seq = 0;
  // Views into the decoded buffer, oldest first.
  std::vector<std::string_view> records;
  // The log header plus every whole, verified record: where the file should be cut.
  uint64_t good_bytes = 0;
  // Why decoding stopped before the end of the buffer; empty when it did not.
  std::string reason;
};

// Decodes a whole log file. Records are read up to the first torn or corrupt one; what
// follows it is not trusted (`reason` says why it stopped). Errors: kDataLoss when the header
// is short, has the wrong magic or fails its checksum (the log cannot be tied to a snapshot,
// so nothing in it is trusted); kFailedPrecondition for a format version this build does not
// know.
Result<DecodedLog> DecodeLogBuffer(std::string_view file);

enum class BlobKind { kSnapshot, kIdentity };

// The bytes of a blob file holding `payload`.
std::string EncodeBlob(BlobKind kind, uint64_t seq, std::string_view payload);

struct DecodedBlob {
  uint64_t seq = 0;
  std::string_view payload;  // a view into the decoded buffer
};

// Decodes a whole blob file. Errors: kDataLoss naming what is wrong (short file, magic,
// length, trailing bytes, checksum); kFailedPrecondition for an unknown format version.
Result<DecodedBlob> DecodeBlob(BlobKind kind, std::string_view file);

}  // namespace herd::sidecar
