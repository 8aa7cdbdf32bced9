#include "crdt/dot_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
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

// Runs of consecutive dots, as a writer's deltas bring them, go through the remembered page and
// replica: whole runs come and go (a replica's last dot erased drops its span), and the index
// is moved midway; it still agrees with a plain map, and so does the moved-from one, refilled.
TEST(DotIndexTest, RunsOfDotsAcrossErasesAndMoves) {
  Random rng(7);
  auto idx = std::make_unique<DotIndex<uint64_t>>();
  std::map<Dot, uint64_t> want;
  auto check = [&](const DotIndex<uint64_t>& x) {
    ASSERT_EQ(x.size(), want.size());
    for (const auto& [d, v] : want) {
      ASSERT_NE(x.Find(d), nullptr) << ToString(d);
      ASSERT_EQ(*x.Find(d), v);
    }
    for (ReplicaId r = 0; r < 3; ++r) {
      size_t walked = 0;
      x.ForEachInRange(r, 0, UINT64_MAX, [&](const Dot& d, const uint64_t&) {
        EXPECT_EQ(want.count(d), 1u) << ToString(d);
        ++walked;
      });
      EXPECT_EQ(walked, static_cast<size_t>(std::count_if(want.begin(), want.end(), [r](auto& e) {
                  return e.first.replica == r;
                })));
    }
  };
  for (int round = 0; round < 300; ++round) {
    const ReplicaId r = rng.Uniform(3);
    const uint64_t first = 1 + rng.Uniform(1000), n = 1 + rng.Uniform(150);
    const bool insert = rng.Uniform(3) != 0;
    for (uint64_t c = first; c < first + n; ++c) {
      if (insert) {
        ASSERT_EQ(idx->Insert(Dot{r, c}, c + r), want.emplace(Dot{r, c}, c + r).second);
      } else {
        ASSERT_EQ(idx->Erase(Dot{r, c}), want.erase(Dot{r, c}) == 1);
      }
    }
    if (round % 50 == 49) {
      auto moved = std::make_unique<DotIndex<uint64_t>>(std::move(*idx));
      // The moved-from one, reused as it is: it holds nothing of the old, and reaches none of
      // it (its remembered replica went with the move).
      for (uint64_t c = 1; c <= 70; ++c) ASSERT_TRUE(idx->Insert(Dot{r, c}, 1));
      size_t walked = 0;
      idx->ForEachInRange(r, 0, UINT64_MAX, [&](const Dot&, const uint64_t&) { ++walked; });
      EXPECT_EQ(walked, 70u);
      idx = std::move(moved);
    }
    check(*idx);
  }
}

}  // namespace
}  // namespace herd::crdt
