#include "crdt/dot_index.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "common/random.h"

namespace herd::crdt {
namespace {

TEST(DotIndexTest, InsertFindErase) {
  DotIndex<int> idx;
  EXPECT_TRUE(idx.Insert(Dot{1, 1}, 10));
  EXPECT_FALSE(idx.Insert(Dot{1, 1}, 11));  // already present: unchanged
  EXPECT_FALSE(idx.Insert(Dot{1, 0}, 12));  // counter 0 names no write
  ASSERT_NE(idx.Find(Dot{1, 1}), nullptr);
  EXPECT_EQ(*idx.Find(Dot{1, 1}), 10);
  EXPECT_EQ(idx.Find(Dot{2, 1}), nullptr);
  EXPECT_TRUE(idx.Erase(Dot{1, 1}));
  EXPECT_FALSE(idx.Erase(Dot{1, 1}));
  EXPECT_EQ(idx.size(), 0u);
  EXPECT_TRUE(idx.Replicas().empty());
}

TEST(DotIndexTest, WalksInCounterOrderWithinBounds) {
  DotIndex<int> idx;
  for (uint64_t c : {5, 1, 9, 3, 7}) idx.Insert(Dot{4, c}, static_cast<int>(c));
  idx.Insert(Dot{2, 1}, 0);
  idx.Erase(Dot{4, 7});
  std::vector<uint64_t> seen;
  idx.ForEachInRange(4, 1, 9, [&](const Dot& d, const int& v) {
    EXPECT_EQ(static_cast<uint64_t>(v), d.counter);
    seen.push_back(d.counter);
  });
  EXPECT_EQ(seen, (std::vector<uint64_t>{3, 5, 9}));  // lo is exclusive, hi inclusive
  EXPECT_EQ(idx.Replicas(), (std::vector<ReplicaId>{2, 4}));
}

// Random inserts, erases (which shift probe runs back) and walks against std::map, with few
// replicas and a small counter range so that probe runs collide and wrap.
TEST(DotIndexTest, MatchesAnOrderedMapUnderRandomOperations) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Random rng(seed);
    DotIndex<uint64_t> idx;
    std::map<Dot, uint64_t> want;
    for (int step = 0; step < 20000; ++step) {
      const Dot d{rng.Uniform(3), 1 + rng.Uniform(3000)};
      const uint64_t op = rng.Uniform(10);
      if (op < 5) {
        const bool fresh = want.emplace(d, d.counter * 7).second;
        ASSERT_EQ(idx.Insert(d, d.counter * 7), fresh) << "seed=" << seed;
      } else if (op < 9) {
        ASSERT_EQ(idx.Erase(d), want.erase(d) == 1) << "seed=" << seed;
      } else {
        const uint64_t lo = rng.Uniform(3000), hi = lo + rng.Uniform(500);
        std::vector<Dot> got, expected;
        idx.ForEachInRange(d.replica, lo, hi, [&](const Dot& x, const uint64_t& v) {
          EXPECT_EQ(v, x.counter * 7);
          got.push_back(x);
        });
        for (auto it = want.upper_bound(Dot{d.replica, lo});
             it != want.end() && it->first.replica == d.replica && it->first.counter <= hi; ++it) {
          expected.push_back(it->first);
        }
        ASSERT_EQ(got, expected) << "seed=" << seed << " step=" << step;
      }
      ASSERT_EQ(idx.size(), want.size()) << "seed=" << seed;
    }
    for (const auto& [d, v] : want) {
      ASSERT_NE(idx.Find(d), nullptr) << "seed=" << seed;
      ASSERT_EQ(*idx.Find(d), v);
    }
    // Drain in random order (the table shrinks on the way); the rest stay findable.
    std::vector<Dot> left;
    for (const auto& [d, v] : want) left.push_back(d);
    while (!left.empty()) {
      const size_t i = rng.Uniform(left.size());
      ASSERT_TRUE(idx.Erase(left[i])) << "seed=" << seed;
      left[i] = left.back();
      left.pop_back();
      if (!left.empty()) {
        ASSERT_NE(idx.Find(left[rng.Uniform(left.size())]), nullptr) << "seed=" << seed;
      }
    }
    EXPECT_EQ(idx.size(), 0u);
  }
}

}  // namespace
}  // namespace herd::crdt
