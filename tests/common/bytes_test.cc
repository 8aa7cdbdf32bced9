#include "common/bytes.h"

#include <gtest/gtest.h>

namespace herd {
namespace {

TEST(BytesTest, RoundTrip) {
  ByteWriter w;
  w.U8(7);
  w.Varint(0);
  w.Varint(300);
  w.Varint(UINT64_MAX);
  w.Fixed32(0xDEADBEEF);
  w.Bytes("hello");
  std::string s = w.Take();
  ByteReader r(s);
  EXPECT_EQ(*r.U8("a"), 7);
  EXPECT_EQ(*r.Varint("b"), 0u);
  EXPECT_EQ(*r.Varint("c"), 300u);
  EXPECT_EQ(*r.Varint("d"), UINT64_MAX);
  EXPECT_EQ(*r.Fixed32("e"), 0xDEADBEEFu);
  EXPECT_EQ(*r.Bytes("f"), "hello");
  EXPECT_TRUE(r.done());
}

TEST(BytesTest, RejectsLengthsBeyondInputAndLimit) {
  ByteWriter w;
  w.Varint(1000);
  w.Raw("abc");
  std::string s = w.Take();
  ByteReader r(s);
  Result<std::string_view> b = r.Bytes("key");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(), "key: length 1000 exceeds the remaining 3 bytes");

  ByteWriter w2;
  w2.Bytes("abcdef");
  std::string s2 = w2.Take();
  ByteReader r2(s2);
  EXPECT_EQ(r2.Bytes("value", 4).status().message(), "value: length 6 exceeds the limit of 4");
}

TEST(BytesTest, RejectsOverlongVarintsAndHugeCounts) {
  std::string eleven(11, '\xff');
  ByteReader r(eleven);
  EXPECT_FALSE(r.Varint("v").ok());
  ByteWriter w;
  w.Varint(1u << 30);
  std::string s = w.Take();
  ByteReader r2(s);
  Result<uint64_t> c = r2.Count("entries", 8);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
}

// Varints of every length decode alike at the end of the input and with room to spare (the
// reader skips its bound checks when ten bytes remain), and a tenth byte above 1 overflows.
TEST(BytesTest, VarintsOfEveryLengthDecodeWithAndWithoutRoomToSpare) {
  for (int bits = 0; bits <= 64; ++bits) {
    const uint64_t v = bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
    ByteWriter w;
    w.Varint(v);
    const std::string exact = w.Take();
    for (const std::string& in : {exact, exact + std::string(10, '\x7f')}) {
      ByteReader r(in);
      Result<uint64_t> got = r.Varint("v");
      ASSERT_TRUE(got.ok()) << bits;
      EXPECT_EQ(*got, v) << bits;
      EXPECT_EQ(r.position(), exact.size()) << bits;
    }
  }
  std::string overflow(9, '\xff');
  overflow += '\x02';
  for (const std::string& in : {overflow, overflow + "padding!!!"}) {
    ByteReader r(in);
    EXPECT_EQ(r.Varint("v").status().message(), "v: varint overflows 64 bits");
  }
}

TEST(BytesTest, TruncatedInputNamesWhatWasRead) {
  ByteReader r(std::string_view("\x80", 1));
  EXPECT_EQ(r.Varint("counter").status().message(), "counter: truncated at byte 1");
}

}  // namespace
}  // namespace herd
