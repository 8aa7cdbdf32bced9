#include "crdt/dot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <vector>

namespace herd::crdt {
namespace {

using VV = std::map<ReplicaId, uint64_t>;
using Runs = std::vector<DotRange>;

TEST(CausalContextTest, EmptyContainsOnlyCounterZero) {
  CausalContext c;
  EXPECT_TRUE(c.empty());
  EXPECT_TRUE(c.Contains(Dot{1, 0}));
  EXPECT_FALSE(c.Contains(Dot{1, 1}));
  EXPECT_EQ(c.Max(1), 0u);
  c.Add(Dot{1, 0});
  EXPECT_TRUE(c.empty());
}

TEST(CausalContextTest, ContiguousDotsGoToTheVersionVector) {
  CausalContext c;
  c.Add(Dot{7, 1});
  c.Add(Dot{7, 2});
  EXPECT_EQ(c.version_vector(), (VV{{7, 2}}));
  EXPECT_EQ(c.cloud_size(), 0u);
}

TEST(CausalContextTest, GapStaysInCloudUntilFilled) {
  CausalContext c;
  c.Add(Dot{7, 1});
  c.Add(Dot{7, 3});
  c.Add(Dot{7, 4});
  c.Add(Dot{7, 6});
  EXPECT_EQ(c.Max(7), 1u);
  EXPECT_EQ(c.cloud(), (Runs{{7, 3, 4}, {7, 6, 6}}));
  EXPECT_TRUE(c.Contains(Dot{7, 4}));
  EXPECT_FALSE(c.Contains(Dot{7, 2}));
  EXPECT_EQ(c.HighestCounter(7), 6u);
  c.Add(Dot{7, 2});  // fills the gap: 3 and 4 compact, 6 stays
  EXPECT_EQ(c.Max(7), 4u);
  EXPECT_EQ(c.cloud(), (Runs{{7, 6, 6}}));
  c.Add(Dot{7, 5});
  EXPECT_EQ(c.version_vector(), (VV{{7, 6}}));
  EXPECT_EQ(c.cloud_size(), 0u);
}

TEST(CausalContextTest, CompactionIsPerReplica) {
  CausalContext c;
  c.Add(Dot{1, 2});
  c.Add(Dot{2, 2});
  c.Add(Dot{1, 1});
  EXPECT_EQ(c.version_vector(), (VV{{1, 2}}));
  EXPECT_EQ(c.cloud(), (Runs{{2, 2, 2}}));
}

TEST(CausalContextTest, AddUpToSwallowsCloudDots) {
  CausalContext c;
  c.Add(Dot{1, 3});
  c.Add(Dot{1, 5});
  c.Add(Dot{1, 9});
  c.AddUpTo(1, 4);  // 3 is now inside, 5 extends the range, 9 stays
  EXPECT_EQ(c.version_vector(), (VV{{1, 5}}));
  EXPECT_EQ(c.cloud(), (Runs{{1, 9, 9}}));
  c.AddUpTo(1, 2);  // never shrinks
  EXPECT_EQ(c.Max(1), 5u);
}

TEST(CausalContextTest, MergeIsUnionAndCompacts) {
  CausalContext a, b;
  a.AddUpTo(1, 3);
  a.Add(Dot{2, 5});
  b.AddUpTo(2, 4);
  b.Add(Dot{1, 5});
  a.Merge(b);
  EXPECT_EQ(a.version_vector(), (VV{{1, 3}, {2, 5}}));
  EXPECT_EQ(a.cloud(), (Runs{{1, 5, 5}}));
  CausalContext c = b;
  c.Merge(a);
  EXPECT_EQ(c, a);  // canonical form: equal sets compare equal
}

TEST(CausalContextTest, Includes) {
  CausalContext a, b;
  a.AddUpTo(1, 3);
  a.Add(Dot{1, 7});
  b.Add(Dot{1, 2});
  b.Add(Dot{1, 7});
  EXPECT_TRUE(a.Includes(b));
  EXPECT_FALSE(b.Includes(a));
  b.Add(Dot{2, 1});
  EXPECT_FALSE(a.Includes(b));
  EXPECT_TRUE(a.Includes(CausalContext{}));
}

// Dots added in order extend one run; a dot inside a run, or between runs, keeps them apart
// or joins them.
TEST(CausalContextTest, InOrderDotsFormRuns) {
  CausalContext c;
  for (uint64_t n = 10; n <= 2000; ++n) c.Add(Dot{3, n});
  c.Add(Dot{3, 2005});
  EXPECT_EQ(c.cloud(), (Runs{{3, 10, 2000}, {3, 2005, 2005}}));
  EXPECT_TRUE(c.Contains(Dot{3, 1500}));
  EXPECT_FALSE(c.Contains(Dot{3, 2001}));
  c.Add(Dot{3, 700});  // inside: nothing changes
  for (uint64_t n = 2001; n <= 2004; ++n) c.Add(Dot{3, n});
  EXPECT_EQ(c.cloud(), (Runs{{3, 10, 2005}}));
  c.AddUpTo(3, 9);  // reaches the run: all of it moves into the version vector
  EXPECT_EQ(c.Max(3), 2005u);
  EXPECT_EQ(c.cloud_size(), 0u);
}

// Runs at the top of the counter range neither overflow nor wrap.
TEST(CausalContextTest, RunsAtTheTopCounter) {
  CausalContext c;
  c.Add(Dot{1, UINT64_MAX});
  c.Add(Dot{1, UINT64_MAX - 1});
  c.Add(Dot{1, UINT64_MAX - 3});
  EXPECT_EQ(c.cloud(),
            (Runs{{1, UINT64_MAX - 3, UINT64_MAX - 3}, {1, UINT64_MAX - 1, UINT64_MAX}}));
  EXPECT_EQ(c.HighestCounter(1), UINT64_MAX);
  EXPECT_FALSE(c.Contains(Dot{1, UINT64_MAX - 2}));
  c.Add(Dot{1, UINT64_MAX - 2});
  EXPECT_EQ(c.cloud(), (Runs{{1, UINT64_MAX - 3, UINT64_MAX}}));
  CausalContext d;
  d.AddUpTo(1, UINT64_MAX - 4);
  d.Merge(c);
  EXPECT_EQ(d.Max(1), UINT64_MAX);
  EXPECT_EQ(d.cloud_size(), 0u);
  EXPECT_TRUE(d.Includes(c));
}

TEST(CausalContextTest, HighestCounterAtTheTopReplicaId) {
  CausalContext c;
  c.Add(Dot{UINT64_MAX, 4});
  EXPECT_EQ(c.HighestCounter(UINT64_MAX), 4u);
  EXPECT_EQ(c.HighestCounter(UINT64_MAX - 1), 0u);
}

// Out-of-order adds wait in an unsorted buffer: whatever the order of adds, merges and reads,
// the context answers as the plain set of dots it was given, in the same canonical form.
TEST(CausalContextTest, MatchesASetUnderRandomOrder) {
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    std::set<Dot> model;
    CausalContext c;
    auto random_dot = [&rng] { return Dot{1 + rng() % 4, 1 + rng() % 300}; };
    for (int step = 0; step < 2000; ++step) {
      const uint32_t op = rng() % 100;
      if (op < 70) {
        const Dot d = random_dot();
        c.Add(d);
        model.insert(d);
      } else if (op < 75) {
        const ReplicaId r = 1 + rng() % 4;
        const uint64_t n = rng() % 200;
        c.AddUpTo(r, n);
        for (uint64_t k = 1; k <= n; ++k) model.insert(Dot{r, k});
      } else if (op < 80) {
        CausalContext other;
        for (int k = 0; k < 50; ++k) {
          const Dot d = random_dot();
          other.Add(d);
          model.insert(d);
        }
        c.Merge(other);
      } else if (op < 97) {
        const Dot d = random_dot();
        ASSERT_EQ(c.Contains(d), model.count(d) > 0) << "seed " << seed << " " << ToString(d);
      } else {
        const ReplicaId r = 1 + rng() % 4;
        uint64_t max = 0;
        while (model.count(Dot{r, max + 1}) > 0) ++max;
        ASSERT_EQ(c.Max(r), max) << "seed " << seed;
      }
    }
    // Canonical form: the version vector holds each contiguous range, the cloud the rest.
    CausalContext rebuilt;
    for (const Dot& d : model) rebuilt.Add(d);
    EXPECT_EQ(c, rebuilt) << "seed " << seed;
    // Runs: ascending, apart from the next run of their replica, above its contiguous range.
    const Runs& runs = c.cloud();
    for (size_t i = 0; i < runs.size(); ++i) {
      const DotRange& run = runs[i];
      EXPECT_LE(run.first, run.last) << "seed " << seed;
      EXPECT_GT(run.first, c.Max(run.replica) + 1) << "seed " << seed;
      if (i > 0) {
        const DotRange& prev = runs[i - 1];
        EXPECT_TRUE(prev.replica < run.replica ||
                    (prev.replica == run.replica && prev.last + 1 < run.first))
            << "seed " << seed << " run " << i;
      }
    }
    // HighestCounter and Includes agree with the model too.
    for (ReplicaId r = 1; r <= 4; ++r) {
      uint64_t high = 0;
      for (const Dot& d : model) {
        if (d.replica == r) high = std::max(high, d.counter);
      }
      EXPECT_EQ(c.HighestCounter(r), high) << "seed " << seed;
    }
    for (int k = 0; k < 50; ++k) {
      CausalContext probe;
      bool inside = true;
      const ReplicaId r = 1 + rng() % 4;
      const uint64_t first = 1 + rng() % 300, length = rng() % 8;
      for (uint64_t n = first; n <= first + length; ++n) {
        probe.Add(Dot{r, n});
        inside = inside && model.count(Dot{r, n}) > 0;
      }
      EXPECT_EQ(c.Includes(probe), inside) << "seed " << seed << " " << r << ":" << first;
    }
    EXPECT_TRUE(c.Includes(rebuilt));
    EXPECT_TRUE(rebuilt.Includes(c));
    // Lookups in dot order, as a join makes them (Contains then tries the dot after its last
    // find first), agree too: on this context, and on a copy that grew after the walk.
    auto walk = [&model](const CausalContext& ctx) {
      for (ReplicaId r = 1; r <= 4; ++r) {
        for (uint64_t k = 1; k <= 320; ++k) {
          if (ctx.Contains(Dot{r, k}) != (model.count(Dot{r, k}) > 0)) return ToString(Dot{r, k});
        }
      }
      return std::string();
    };
    EXPECT_EQ(walk(c), "") << "seed " << seed;
    CausalContext copy = c;
    for (int k = 0; k < 20; ++k) {
      const Dot d = random_dot();
      copy.Add(d);
      model.insert(d);
    }
    EXPECT_EQ(walk(copy), "") << "seed " << seed;
  }
}

TEST(CommonVersionVectorTest, ElementWiseMinimumIgnoringCloud) {
  CausalContext a, b, c;
  a.AddUpTo(1, 5);
  a.AddUpTo(2, 3);
  a.AddUpTo(3, 9);
  b.AddUpTo(1, 2);
  b.AddUpTo(2, 7);
  b.Add(Dot{3, 4});  // cloud only: does not count
  EXPECT_EQ(CommonVersionVector({&a, &b}), (VV{{1, 2}, {2, 3}}));
  c.AddUpTo(2, 1);
  EXPECT_EQ(CommonVersionVector({&a, &b, &c}), (VV{{2, 1}}));
  EXPECT_EQ(CommonVersionVector({&a}), a.version_vector());
  EXPECT_TRUE(CommonVersionVector({}).empty());
}

TEST(DotTest, OrderAndToString) {
  EXPECT_LT((Dot{1, 9}), (Dot{2, 1}));
  EXPECT_LT((Dot{1, 1}), (Dot{1, 2}));
  EXPECT_EQ(ToString(Dot{3, 4}), "(3,4)");
}

}  // namespace
}  // namespace herd::crdt
