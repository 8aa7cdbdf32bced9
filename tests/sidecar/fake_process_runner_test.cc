// FakeProcessRunner: the recorded starts and stops, injected failures, and exits delivered
// synchronously or on a SimulatedClock.
#include "sidecar/fake_process_runner.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace herd::sidecar {
namespace {

using std::chrono::milliseconds;

class FakeRunnerTest : public ::testing::Test {
 protected:
  explicit FakeRunnerTest(bool with_clock = true) : runner_(with_clock ? &clock_ : nullptr) {
    runner_.SetExitCallback(
        [this](InstanceId id, const ChildExit& e) { got_.emplace_back(id, e); });
    spec_.command = {"/bin/worker", "--flag"};
  }

  Result<StartedChild> Start(InstanceId id, const std::string& workload = "w") {
    StartRequest req{
        .instance = id, .workload = workload, .generation = 2, .member = "m", .spec = &spec_};
    return runner_.Start(req);
  }

  SimulatedClock clock_;
  FakeProcessRunner runner_;
  WorkloadSpec spec_;
  std::vector<std::pair<InstanceId, ChildExit>> got_;
};

const ChildExit kTerm{.exit_code = -1, .signal = FakeProcessRunner::kSigTerm, .error = ""};
const ChildExit kKill{.exit_code = -1, .signal = FakeProcessRunner::kSigKill, .error = ""};

TEST_F(FakeRunnerTest, RecordsStartsWithACopyOfTheSpec) {
  auto a = Start(1, "a");
  ASSERT_TRUE(a.ok());
  spec_.command = {"changed"};
  auto b = Start(2, "b");
  ASSERT_TRUE(b.ok());
  EXPECT_NE(a->pid, b->pid);
  ASSERT_EQ(runner_.starts().size(), 2u);
  EXPECT_EQ(runner_.starts()[0].spec.command, (std::vector<std::string>{"/bin/worker", "--flag"}));
  EXPECT_EQ(runner_.starts()[0].generation, 2u);
  EXPECT_EQ(runner_.running(), 2u);
  EXPECT_EQ(runner_.RunningInstances(), (std::map<InstanceId, std::string>{{1, "a"}, {2, "b"}}));
  EXPECT_EQ(Start(1).status().code(), StatusCode::kAlreadyExists);
}

TEST_F(FakeRunnerTest, WithoutHistoryRunsAndReportsExitsButRecordsNothing) {
  runner_.KeepHistory(false);
  ASSERT_TRUE(Start(1, "a").ok());
  ASSERT_TRUE(Start(2, "b").ok());
  EXPECT_EQ(runner_.RunningInstances(), (std::map<InstanceId, std::string>{{1, "a"}, {2, "b"}}));
  runner_.Stop(1, milliseconds(100));
  ASSERT_TRUE(runner_.Exit(2, kKill));
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(got_.size(), 2u);
  EXPECT_EQ(runner_.running(), 0u);
  EXPECT_TRUE(runner_.starts().empty());
  EXPECT_TRUE(runner_.stops().empty());
  EXPECT_TRUE(runner_.exits().empty());
}

TEST_F(FakeRunnerTest, FailNextStartFailsOnce) {
  runner_.FailNextStart(FailedPrecondition("runc missing"));
  auto r = Start(1);
  EXPECT_EQ(r.status(), FailedPrecondition("runc missing"));
  EXPECT_TRUE(runner_.starts().empty());
  EXPECT_TRUE(Start(1).ok());
}

TEST_F(FakeRunnerTest, ExitIsDeliveredOnTheClock) {
  ASSERT_TRUE(Start(1).ok());
  ChildExit crash{.exit_code = 1, .signal = 0, .error = ""};
  EXPECT_TRUE(runner_.Exit(1, crash));
  EXPECT_FALSE(runner_.Exit(1, crash));  // already on its way
  EXPECT_TRUE(got_.empty());             // never from inside the call
  clock_.Advance(milliseconds(0));
  ASSERT_EQ(got_.size(), 1u);
  EXPECT_EQ(got_[0], (std::pair<InstanceId, ChildExit>{1, crash}));
  EXPECT_EQ(runner_.running(), 0u);
  EXPECT_FALSE(runner_.Exit(7, crash));  // never started
}

TEST_F(FakeRunnerTest, StopHonouredAfterTheStopDelay) {
  ASSERT_TRUE(Start(1).ok());
  runner_.SetStopDelay(milliseconds(300));
  runner_.Stop(1, milliseconds(1000));
  clock_.Advance(milliseconds(299));
  EXPECT_TRUE(got_.empty());
  clock_.Advance(milliseconds(1));
  ASSERT_EQ(got_.size(), 1u);
  EXPECT_EQ(got_[0].second, kTerm);
  ASSERT_EQ(runner_.stops().size(), 1u);
  EXPECT_EQ(runner_.stops()[0].timeout, milliseconds(1000));
}

TEST_F(FakeRunnerTest, SlowChildIsKilledAtTheTimeout) {
  ASSERT_TRUE(Start(1).ok());
  runner_.SetStopDelay(milliseconds(5000));
  runner_.Stop(1, milliseconds(2000));
  clock_.Advance(milliseconds(1999));
  EXPECT_TRUE(got_.empty());
  clock_.Advance(milliseconds(1));
  ASSERT_EQ(got_.size(), 1u);
  EXPECT_EQ(got_[0].second, kKill);
}

TEST_F(FakeRunnerTest, TermExitIsConfigurable) {
  runner_.SetTermExit(ChildExit{.exit_code = 0, .signal = 0, .error = ""});
  ASSERT_TRUE(Start(1).ok());
  runner_.Stop(1, milliseconds(100));
  clock_.Advance(milliseconds(0));
  ASSERT_EQ(got_.size(), 1u);
  EXPECT_TRUE(got_[0].second.clean());
}

TEST_F(FakeRunnerTest, KillAllTurnsPendingStopsIntoKills) {
  ASSERT_TRUE(Start(1).ok());
  ASSERT_TRUE(Start(2).ok());
  runner_.SetStopDelay(milliseconds(500));
  runner_.Stop(1, milliseconds(1000));
  runner_.KillAll();
  clock_.Advance(milliseconds(0));
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[0].second, kKill);
  EXPECT_EQ(got_[1].second, kKill);
  clock_.Advance(milliseconds(1000));
  EXPECT_EQ(got_.size(), 2u);  // the cancelled graceful exit never arrives
  EXPECT_EQ(clock_.pending_timers(), 0u);
}

TEST_F(FakeRunnerTest, ReadLogReturnsTheTail) {
  EXPECT_EQ(runner_.ReadLog("w", 1).status().code(), StatusCode::kNotFound);
  runner_.SetLog("w", "a\nb\nc\n");
  EXPECT_EQ(*runner_.ReadLog("w", 2), "b\nc\n");
  EXPECT_EQ(*runner_.ReadLog("w", 0), "a\nb\nc\n");
  EXPECT_EQ(*runner_.ReadLog("w", 10), "a\nb\nc\n");
}

TEST_F(FakeRunnerTest, DestructionCancelsScheduledExits) {
  {
    FakeProcessRunner other(&clock_);
    StartRequest req{
        .instance = 1, .workload = "w", .generation = 1, .member = "m", .spec = &spec_};
    ASSERT_TRUE(other.Start(req).ok());
    other.Stop(1, milliseconds(10));
    EXPECT_EQ(clock_.pending_timers(), 1u);
  }
  EXPECT_EQ(clock_.pending_timers(), 0u);
}

class SyncFakeRunnerTest : public FakeRunnerTest {
 protected:
  SyncFakeRunnerTest() : FakeRunnerTest(/*with_clock=*/false) {}
};

TEST_F(SyncFakeRunnerTest, WithoutAClockExitsAreSynchronous) {
  ASSERT_TRUE(Start(1).ok());
  ASSERT_TRUE(Start(2).ok());
  runner_.Stop(1, milliseconds(100));
  ASSERT_EQ(got_.size(), 1u);
  EXPECT_EQ(got_[0].second, kTerm);
  runner_.KillAll();
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[1], (std::pair<InstanceId, ChildExit>{2, kKill}));
  EXPECT_EQ(runner_.exits().size(), 2u);
}

}  // namespace
}  // namespace herd::sidecar
