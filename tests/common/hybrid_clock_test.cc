#include "common/hybrid_clock.h"

#include <gtest/gtest.h>

namespace herd {
namespace {

TEST(HybridLogicalClockTest, FollowsWallClockWhenItMovesForward) {
  HybridLogicalClock hlc;
  uint64_t a = hlc.Now(1000);
  uint64_t b = hlc.Now(2000);
  EXPECT_LT(a, b);
  EXPECT_EQ(HybridLogicalClock::WallMillisOf(b), 2000);
}

TEST(HybridLogicalClockTest, NeverGoesBackwardsWhenWallClockDoes) {
  HybridLogicalClock hlc;
  uint64_t a = hlc.Now(5000);
  uint64_t b = hlc.Now(1000);
  EXPECT_GT(b, a);
}

TEST(HybridLogicalClockTest, OrdersAfterObservedRemoteTimestampsDespiteSkew) {
  HybridLogicalClock fast, slow;
  uint64_t remote = fast.Now(10 * 60 * 1000);  // ten minutes ahead
  slow.Observe(remote);
  uint64_t local = slow.Now(1000);
  EXPECT_GT(local, remote);
}

}  // namespace
}  // namespace herd
