#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <random>
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

TEST(Crc32cTest, TheHardwarePathAgreesWithTheTables) {
  std::mt19937_64 rng(5);
  std::string s(4096 + 8, '\0');  // room for the longest length at the largest offset
  for (char& c : s) c = static_cast<char>(rng());
  for (size_t len : {0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4095}) {
    for (size_t offset : {0, 1, 3, 7}) {
      const uint32_t seed = static_cast<uint32_t>(rng());
      ASSERT_EQ(Crc32cExtend(seed, s.data() + offset, len),
                Crc32cExtendTable(seed, s.data() + offset, len))
          << "length " << len << " offset " << offset;
    }
  }
}

}  // namespace
}  // namespace herd
