// ByteWriter / ByteReader: the varint and length-prefixed string primitives under every binary
// encoding herd owns (CRDT frames, map records, store frames).
//
// The reader never reads past its input and never trusts a length: every count is checked
// against the bytes that remain before anything is allocated, so hostile input costs at most
// its own size. Errors are kInvalidArgument naming what was being read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace herd {

class ByteWriter {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void Varint(uint64_t v);
  void Fixed32(uint32_t v);
  void Bytes(std::string_view s);  // varint length, then the bytes
  void Raw(std::string_view s) { out_.append(s); }
  std::string& str() { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  Result<uint8_t> U8(std::string_view what) {
    if (pos_ == in_.size()) return PastEnd(what);
    return static_cast<uint8_t>(in_[pos_++]);
  }
  // Records decode several varints each, nearly all of one byte: that case is inline.
  Result<uint64_t> Varint(std::string_view what) {
    if (pos_ < in_.size() && static_cast<uint8_t>(in_[pos_]) < 0x80) {
      return static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_++]));
    }
    return VarintSlow(what);
  }
  Result<uint32_t> Fixed32(std::string_view what);
  // A varint length then that many bytes; fails when the length exceeds `max` or the input.
  Result<std::string_view> Bytes(std::string_view what, size_t max = SIZE_MAX);
  // A count of items each at least `min_item_bytes` long: fails when the input cannot hold it.
  Result<uint64_t> Count(std::string_view what, size_t min_item_bytes = 1);

  size_t remaining() const { return in_.size() - pos_; }
  bool done() const { return pos_ == in_.size(); }
  size_t position() const { return pos_; }

 private:
  Status PastEnd(std::string_view what) const;  // the error of a read at the end
  Result<uint64_t> VarintSlow(std::string_view what);

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace herd
