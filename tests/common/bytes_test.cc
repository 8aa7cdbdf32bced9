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
  uint8_t a = 0;
  uint64_t b = 1, c = 0, d = 0;
  uint32_t e = 0;
  std::string_view f;
  ASSERT_TRUE(r.U8("a", &a).ok());
  ASSERT_TRUE(r.Varint("b", &b).ok());
  ASSERT_TRUE(r.Varint("c", &c).ok());
  ASSERT_TRUE(r.Varint("d", &d).ok());
  ASSERT_TRUE(r.Fixed32("e", &e).ok());
  ASSERT_TRUE(r.Bytes("f", &f).ok());
  EXPECT_EQ(a, 7);
  EXPECT_EQ(b, 0u);
  EXPECT_EQ(c, 300u);
  EXPECT_EQ(d, UINT64_MAX);
  EXPECT_EQ(e, 0xDEADBEEFu);
  EXPECT_EQ(f, "hello");
  EXPECT_TRUE(r.done());
}

TEST(BytesTest, RejectsLengthsBeyondInputAndLimit) {
  ByteWriter w;
  w.Varint(1000);
  w.Raw("abc");
  std::string s = w.Take();
  ByteReader r(s);
  std::string_view b;
  EXPECT_EQ(r.Bytes("key", &b).message(), "key: length 1000 exceeds the remaining 3 bytes");

  ByteWriter w2;
  w2.Bytes("abcdef");
  std::string s2 = w2.Take();
  ByteReader r2(s2);
  EXPECT_EQ(r2.Bytes("value", &b, 4).message(), "value: length 6 exceeds the limit of 4");
  // A string that just fits, and one a byte short of its input.
  ByteReader r3(s2);
  ASSERT_TRUE(r3.Bytes("value", &b, 6).ok());
  EXPECT_EQ(b, "abcdef");
  ByteReader r4(std::string_view(s2).substr(0, 6));
  EXPECT_EQ(r4.Bytes("value", &b).message(), "value: length 6 exceeds the remaining 5 bytes");
}

TEST(BytesTest, RejectsOverlongVarintsAndHugeCounts) {
  std::string eleven(11, '\xff');
  ByteReader r(eleven);
  uint64_t v = 0;
  EXPECT_FALSE(r.Varint("v", &v).ok());
  ByteWriter w;
  w.Varint(1u << 30);
  std::string s = w.Take();
  ByteReader r2(s);
  EXPECT_EQ(r2.Count("entries", &v, 8).code(), StatusCode::kInvalidArgument);
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
      uint64_t got = 0;
      ASSERT_TRUE(r.Varint("v", &got).ok()) << bits;
      EXPECT_EQ(got, v) << bits;
      EXPECT_EQ(r.position(), exact.size()) << bits;
    }
  }
  std::string overflow(9, '\xff');
  overflow += '\x02';
  for (const std::string& in : {overflow, overflow + "padding!!!"}) {
    ByteReader r(in);
    uint64_t got = 0;
    EXPECT_EQ(r.Varint("v", &got).message(), "v: varint overflows 64 bits");
  }
}

TEST(BytesTest, TruncatedInputNamesWhatWasRead) {
  ByteReader r(std::string_view("\x80", 1));
  uint64_t got = 0;
  EXPECT_EQ(r.Varint("counter", &got).message(), "counter: truncated at byte 1");
}

}  // namespace
}  // namespace herd
