// ByteWriter / ByteReader: the varint and length-prefixed string primitives under every binary
// encoding herd owns (CRDT frames, map records, store frames).
//
// The reader never reads past its input and never trusts a length: every count is checked
// against the bytes that remain before anything is allocated, so hostile input costs at most
// its own size. Errors are kInvalidArgument naming what was being read.
//
// Reads fill an out-parameter and return a Status, whose OK value is a null pointer: records
// are decoded on every change a member sees, and a Result per field cost more than the field.
// The common case (a one-byte varint, a short string) is inline.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace herd {

class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(size_t reserve) { out_.reserve(reserve); }

  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void Varint(uint64_t v) {
    if (v < 0x80) {
      out_.push_back(static_cast<char>(v));
    } else {
      VarintSlow(v);
    }
  }
  void Fixed32(uint32_t v);
  void Bytes(std::string_view s) {  // varint length, then the bytes
    Varint(s.size());
    out_.append(s);
  }
  void Raw(std::string_view s) { out_.append(s); }
  std::string& str() { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void VarintSlow(uint64_t v);

  std::string out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  Status U8(std::string_view what, uint8_t* out) {
    if (pos_ == in_.size()) return PastEnd(what);
    *out = static_cast<uint8_t>(in_[pos_++]);
    return Status::Ok();
  }
  Status Varint(std::string_view what, uint64_t* out) {
    if (pos_ < in_.size() && static_cast<uint8_t>(in_[pos_]) < 0x80) {
      *out = static_cast<uint8_t>(in_[pos_++]);
      return Status::Ok();
    }
    return VarintSlow(what, out);
  }
  Status Fixed32(std::string_view what, uint32_t* out);
  // A varint length then that many bytes, as a view into the input; fails when the length
  // exceeds `max` or the input.
  Status Bytes(std::string_view what, std::string_view* out, size_t max = SIZE_MAX) {
    if (pos_ < in_.size()) {
      const size_t n = static_cast<uint8_t>(in_[pos_]);
      if (n < 0x80 && n <= max && n < in_.size() - pos_) {
        *out = in_.substr(pos_ + 1, n);
        pos_ += 1 + n;
        return Status::Ok();
      }
    }
    return BytesSlow(what, out, max);
  }
  // A count of items each at least `min_item_bytes` long: fails when the input cannot hold it.
  Status Count(std::string_view what, uint64_t* out, size_t min_item_bytes = 1);

  size_t remaining() const { return in_.size() - pos_; }
  bool done() const { return pos_ == in_.size(); }
  size_t position() const { return pos_; }

 private:
  Status PastEnd(std::string_view what) const;  // the error of a read at the end
  Status VarintSlow(std::string_view what, uint64_t* out);
  Status BytesSlow(std::string_view what, std::string_view* out, size_t max);

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace herd
