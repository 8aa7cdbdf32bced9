#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace herd {
namespace {

TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string s = "the quick brown fox jumps over the lazy dog, twice over";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    uint32_t part = Crc32cExtend(Crc32c(s.data(), cut), s.data() + cut, s.size() - cut);
    ASSERT_EQ(part, Crc32c(s)) << cut;
  }
}

}  // namespace
}  // namespace herd
