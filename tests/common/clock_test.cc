#include "common/clock.h"

#include <gtest/gtest.h>

#include <vector>

namespace herd {
namespace {

using std::chrono::milliseconds;

TEST(SimulatedClockTest, FiresTimersInDeadlineOrder) {
  SimulatedClock clock;
  std::vector<int> fired;
  clock.Schedule(milliseconds(30), [&] { fired.push_back(30); });
  clock.Schedule(milliseconds(10), [&] { fired.push_back(10); });
  clock.Schedule(milliseconds(20), [&] { fired.push_back(20); });
  clock.Schedule(milliseconds(10), [&] { fired.push_back(11); });  // tie: scheduling order
  clock.Advance(milliseconds(25));
  EXPECT_EQ(fired, (std::vector<int>{10, 11, 20}));
  EXPECT_EQ(clock.Elapsed(), milliseconds(25));
  clock.Advance(milliseconds(5));
  EXPECT_EQ(fired.back(), 30);
}

TEST(SimulatedClockTest, NowIsTheDeadlineWhileATimerRuns) {
  SimulatedClock clock;
  Clock::TimePoint seen{};
  clock.Schedule(milliseconds(7), [&] { seen = clock.Now(); });
  clock.Advance(milliseconds(100));
  EXPECT_EQ(seen - Clock::TimePoint{}, milliseconds(7));
}

TEST(SimulatedClockTest, TimersScheduledByTimersFireWithinTheSameAdvance) {
  SimulatedClock clock;
  int count = 0;
  std::function<void()> tick = [&] {
    ++count;
    clock.Schedule(milliseconds(10), tick);
  };
  clock.Schedule(milliseconds(10), tick);
  clock.Advance(milliseconds(55));
  EXPECT_EQ(count, 5);
}

TEST(SimulatedClockTest, CancelStopsATimer) {
  SimulatedClock clock;
  bool fired = false;
  auto id = clock.Schedule(milliseconds(5), [&] { fired = true; });
  EXPECT_TRUE(clock.Cancel(id));
  EXPECT_FALSE(clock.Cancel(id));
  clock.Advance(milliseconds(10));
  EXPECT_FALSE(fired);
  EXPECT_EQ(clock.pending_timers(), 0u);
}

TEST(SimulatedClockTest, AdvanceToNextTimerJumps) {
  SimulatedClock clock;
  EXPECT_FALSE(clock.AdvanceToNextTimer());
  int fired = 0;
  clock.Schedule(std::chrono::seconds(3), [&] { ++fired; });
  EXPECT_TRUE(clock.AdvanceToNextTimer());
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(clock.Elapsed(), std::chrono::seconds(3));
}

TEST(SimulatedClockTest, WallClockMovesWithTimeAndSkew) {
  SimulatedClock clock(1000);
  clock.Advance(milliseconds(250));
  EXPECT_EQ(clock.WallMillis(), 1250);
  clock.SetWallSkew(-milliseconds(1000));
  EXPECT_EQ(clock.WallMillis(), 250);
}

}  // namespace
}  // namespace herd
