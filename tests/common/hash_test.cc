#include "common/hash.h"

#include <gtest/gtest.h>

#include <string>
#include <unordered_set>
#include <vector>

namespace herd {
namespace {

// Every length from 0 to 40 (the loop, the two overlapping tail words, the short tail), each
// byte position flipped: the hash changes, and so do its low bits, which pick a table slot.
TEST(HashBytesTest, EveryByteAndTheLengthCount) {
  const std::string base = "workload/w-0123456789abcdefghijklmnopqrstu";
  for (size_t n = 0; n <= 40; ++n) {
    const std::string s = base.substr(0, n);
    const uint64_t h = HashBytes(s);
    EXPECT_EQ(h, HashBytes(std::string(s)));  // a function of the bytes alone
    if (n > 0) {
      EXPECT_NE(h, HashBytes(s.substr(0, n - 1))) << "n=" << n;
    }
    EXPECT_NE(h, HashBytes(s + '\0')) << "n=" << n;
    for (size_t i = 0; i < n; ++i) {
      std::string t = s;
      t[i] ^= 1;
      EXPECT_NE(h & 0xffffff, HashBytes(t) & 0xffffff) << "n=" << n << " i=" << i;
    }
  }
}

// The names a cluster holds ("w-0".."w-199999", with the map's prefixes) spread over the low
// bits as random values would: a table's home slots fill evenly.
TEST(HashBytesTest, SequentialNamesSpreadOverTheLowBits) {
  for (const std::string prefix : {"", "workload/", "status/"}) {
    constexpr size_t kNames = 200000, kSlots = 1 << 18;
    std::vector<uint32_t> per_slot(kSlots, 0);
    std::unordered_set<uint64_t> distinct;
    for (size_t i = 0; i < kNames; ++i) {
      const uint64_t h = HashBytes(prefix + "w-" + std::to_string(i));
      ++per_slot[h & (kSlots - 1)];
      distinct.insert(h);
    }
    EXPECT_EQ(distinct.size(), kNames) << prefix;
    // With n balls in m bins the fullest bin of a random spread holds about 8 here; a weak
    // hash on sequential names piles dozens into one.
    uint32_t fullest = 0;
    size_t empty = 0;
    for (uint32_t c : per_slot) {
      fullest = std::max(fullest, c);
      empty += c == 0;
    }
    EXPECT_LE(fullest, 12u) << prefix;
    // Expected empty share: exp(-n/m) = 46.7%.
    EXPECT_NEAR(static_cast<double>(empty) / kSlots, 0.467, 0.01) << prefix;
  }
}

}  // namespace
}  // namespace herd
