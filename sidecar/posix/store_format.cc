#include "sidecar/posix/store_format.h"

#include <cstring>

#include "common/crc32c.h"
#include "sidecar/store.h"

namespace herd::sidecar {
namespace {

constexpr char kLogMagic[8] = {'h', 'e', 'r', 'd', 'l', 'o', 'g', '\0'};
constexpr char kSnapshotMagic[8] = {'h', 'e', 'r', 'd', 's', 'n', 'a', 'p'};
constexpr char kIdentityMagic[8] = {'h', 'e', 'r', 'd', 'i', 'd', '\0', '\0'};
constexpr uint32_t kMaskDelta = 0xa282ead8u;
static_assert(kRecordHeaderBytes == kStoreRecordOverheadBytes);

// leveldb's mask: a CRC stored next to the data it covers is rotated and offset, so that data
// which happens to contain its own CRC, or all zeros, does not verify by accident.
uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}
void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  }
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  }
  return v;
}

const char* BlobMagic(BlobKind kind) {
  return kind == BlobKind::kSnapshot ? kSnapshotMagic : kIdentityMagic;
}
std::string BlobName(BlobKind kind) {
  return kind == BlobKind::kSnapshot ? "snapshot" : "identity";
}

}  // namespace

std::string EncodeLogHeader(uint64_t snapshot_seq) {
  std::string out(kLogMagic, sizeof kLogMagic);
  PutU32(out, kStoreFormatVersion);
  PutU64(out, snapshot_seq);
  PutU32(out, Mask(Crc32c(out)));
  return out;
}

void AppendRecordFrame(std::string& out, std::string_view record) {
  std::string len;
  PutU32(len, static_cast<uint32_t>(record.size()));
  uint32_t crc = Crc32cExtend(Crc32c(len), record.data(), record.size());
  out += len;
  PutU32(out, Mask(crc));
  out.append(record.data(), record.size());
}

Result<DecodedLog> DecodeLogBuffer(std::string_view file) {
  if (file.size() < kLogHeaderBytes) {
    return DataLoss("log header is torn: " + std::to_string(file.size()) + " of " +
                    std::to_string(kLogHeaderBytes) + " bytes");
  }
  if (std::memcmp(file.data(), kLogMagic, sizeof kLogMagic) != 0) {
    return DataLoss("log header has the wrong magic (not a herd log)");
  }
  uint32_t version = GetU32(file.data() + 8);
  if (Mask(Crc32c(file.data(), 20)) != GetU32(file.data() + 20)) {
    return DataLoss("log header checksum mismatch");
  }
  if (version != kStoreFormatVersion) {
    return FailedPrecondition("log format version " + std::to_string(version) +
                              " is not supported (want " + std::to_string(kStoreFormatVersion) +
                              "); was it written by a newer herd?");
  }
  DecodedLog out;
  out.snapshot_seq = GetU64(file.data() + 12);
  size_t pos = kLogHeaderBytes;
  while (pos < file.size()) {
    size_t left = file.size() - pos;
    if (left < kRecordHeaderBytes) {
      out.reason = "torn record header (" + std::to_string(left) + " of " +
                   std::to_string(kRecordHeaderBytes) + " bytes)";
      break;
    }
    const char* p = file.data() + pos;
    uint32_t len = GetU32(p);
    if (len > kMaxStoreRecordBytes) {
      out.reason = "record length " + std::to_string(len) + " exceeds the limit of " +
                   std::to_string(kMaxStoreRecordBytes) + " bytes";
      break;
    }
    if (left - kRecordHeaderBytes < len) {
      out.reason = "torn record (" + std::to_string(left - kRecordHeaderBytes) + " of " +
                   std::to_string(len) + " bytes)";
      break;
    }
    uint32_t crc = Crc32cExtend(Crc32c(p, 4), p + kRecordHeaderBytes, len);
    if (Mask(crc) != GetU32(p + 4)) {
      out.reason = "record checksum mismatch";
      break;
    }
    out.records.emplace_back(p + kRecordHeaderBytes, len);
    pos += kRecordHeaderBytes + len;
  }
  out.good_bytes = pos;
  return out;
}

std::string EncodeBlob(BlobKind kind, uint64_t seq, std::string_view payload) {
  std::string out(BlobMagic(kind), 8);
  PutU32(out, kStoreFormatVersion);
  PutU64(out, seq);
  PutU64(out, payload.size());
  uint32_t crc = Crc32cExtend(Crc32c(out), payload.data(), payload.size());
  PutU32(out, Mask(crc));
  out.append(payload.data(), payload.size());
  return out;
}

Result<DecodedBlob> DecodeBlob(BlobKind kind, std::string_view file) {
  const std::string name = BlobName(kind);
  if (file.size() < kBlobHeaderBytes) {
    return DataLoss(name + " file is torn: " + std::to_string(file.size()) + " bytes, shorter " +
                    "than its " + std::to_string(kBlobHeaderBytes) + "-byte header");
  }
  if (std::memcmp(file.data(), BlobMagic(kind), 8) != 0) {
    return DataLoss(name + " file has the wrong magic");
  }
  uint32_t version = GetU32(file.data() + 8);
  uint64_t length = GetU64(file.data() + 20);
  if (length != file.size() - kBlobHeaderBytes) {
    return DataLoss(name + " file length mismatch: header says " + std::to_string(length) +
                    " payload bytes, file holds " + std::to_string(file.size() - kBlobHeaderBytes));
  }
  uint32_t crc = Crc32cExtend(Crc32c(file.data(), 28), file.data() + kBlobHeaderBytes, length);
  if (Mask(crc) != GetU32(file.data() + 28)) {
    return DataLoss(name + " file checksum mismatch");
  }
  if (version != kStoreFormatVersion) {
    return FailedPrecondition(name + " format version " + std::to_string(version) +
                              " is not supported (want " + std::to_string(kStoreFormatVersion) +
                              "); was it written by a newer herd?");
  }
  DecodedBlob out;
  out.seq = GetU64(file.data() + 12);
  out.payload = file.substr(kBlobHeaderBytes);
  return out;
}

}  // namespace herd::sidecar
