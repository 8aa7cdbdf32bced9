#include "common/bytes.h"

namespace herd {
namespace {
Status Truncated(std::string_view what, size_t pos) {
  return InvalidArgument(std::string(what) + ": truncated at byte " + std::to_string(pos));
}
}  // namespace

void ByteWriter::VarintSlow(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void ByteWriter::Fixed32(uint32_t v) {
  for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

Status ByteReader::PastEnd(std::string_view what) const { return Truncated(what, pos_); }

Status ByteReader::VarintSlow(std::string_view what, uint64_t* out) {
  if (remaining() >= 10) {
    // Room for the longest varint: no bound checks per byte (fingerprints and times take 6 to
    // 10 bytes).
    const auto* p = reinterpret_cast<const uint8_t*>(in_.data() + pos_);
    uint64_t v = 0;
    for (int i = 0; i < 9; ++i) {
      v |= static_cast<uint64_t>(p[i] & 0x7F) << (7 * i);
      if (p[i] < 0x80) {
        pos_ += i + 1;
        *out = v;
        return Status::Ok();
      }
    }
    pos_ += 10;
    if (p[9] > 1) return InvalidArgument(std::string(what) + ": varint overflows 64 bits");
    *out = v | static_cast<uint64_t>(p[9]) << 63;
    return Status::Ok();
  }
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (remaining() < 1) return Truncated(what, pos_);
    uint8_t b = static_cast<uint8_t>(in_[pos_++]);
    if (shift == 63 && b > 1) {
      return InvalidArgument(std::string(what) + ": varint overflows 64 bits");
    }
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return Status::Ok();
    }
  }
  return InvalidArgument(std::string(what) + ": varint longer than 10 bytes");
}

Status ByteReader::Fixed32(std::string_view what, uint32_t* out) {
  if (remaining() < 4) return Truncated(what, pos_);
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
  pos_ += 4;
  *out = v;
  return Status::Ok();
}

Status ByteReader::BytesSlow(std::string_view what, std::string_view* out, size_t max) {
  uint64_t n = 0;
  RETURN_IF_ERROR(Varint(what, &n));
  if (n > max) {
    return InvalidArgument(std::string(what) + ": length " + std::to_string(n) +
                           " exceeds the limit of " + std::to_string(max));
  }
  if (n > remaining()) {
    return InvalidArgument(std::string(what) + ": length " + std::to_string(n) +
                           " exceeds the remaining " + std::to_string(remaining()) + " bytes");
  }
  *out = in_.substr(pos_, n);
  pos_ += n;
  return Status::Ok();
}

Status ByteReader::Count(std::string_view what, uint64_t* out, size_t min_item_bytes) {
  uint64_t n = 0;
  RETURN_IF_ERROR(Varint(what, &n));
  if (min_item_bytes == 0) min_item_bytes = 1;
  if (n > remaining() / min_item_bytes) {
    return InvalidArgument(std::string(what) + ": count " + std::to_string(n) +
                           " cannot fit in the remaining " + std::to_string(remaining()) +
                           " bytes");
  }
  *out = n;
  return Status::Ok();
}

}  // namespace herd
