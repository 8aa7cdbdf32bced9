// MembershipView: liveness from direct hearing and from peers' vouches.
#include "sidecar/membership_view.h"

#include <gtest/gtest.h>

#include "common/clock.h"

namespace herd::sidecar {
namespace {

using std::chrono::milliseconds;

class MembershipViewTest : public ::testing::Test {
 protected:
  MembershipViewTest() : view_("a", clock_, milliseconds(1000)) {
    view_.SetDeclared({{"a", "a:1"}, {"b", "b:1"}, {"c", "c:1"}});
    view_.SetSelfJoined(true);
    view_.Heard("b", 7);
    view_.Heard("c", 9);
    view_.Refresh();
  }
  void Advance(int ms) { clock_.Advance(milliseconds(ms)); }
  std::vector<std::string> Alive() {
    view_.Refresh();
    return view_.alive();
  }

  SimulatedClock clock_;
  MembershipView view_;
};

TEST_F(MembershipViewTest, SilentPastTheDeadlineIsDead) {
  EXPECT_EQ(Alive(), (std::vector<std::string>{"a", "b", "c"}));
  Advance(1000);
  EXPECT_EQ(Alive(), (std::vector<std::string>{"a", "b", "c"}));  // not past it yet
  ASSERT_TRUE(view_.NextExpiry().has_value());
  EXPECT_EQ(*view_.NextExpiry(), clock_.Now() + milliseconds(1));
  Advance(1);
  EXPECT_EQ(Alive(), (std::vector<std::string>{"a"}));
}

TEST_F(MembershipViewTest, AVouchKeepsAMemberThisOneCannotHearAlive) {
  Advance(800);
  view_.Heard("c", 9);
  view_.ReadReport("c", {{"b", 7, 100}});  // c heard b 100 ms ago
  Advance(800);                            // b: 1,600 ms since heard here, 900 since c heard it
  EXPECT_EQ(Alive(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(view_.IsReachable("b"));
  Advance(101);
  EXPECT_FALSE(view_.IsReachable("b"));
  view_.Heard("c", 9);
  view_.ReadReport("c", {});  // c no longer hears b either
  EXPECT_EQ(Alive(), (std::vector<std::string>{"a", "c"}));
}

TEST_F(MembershipViewTest, SilenceOthersDoNotShareIsOnlySuspected) {
  // b and c last heard at 0; c keeps talking, b goes silent.
  Advance(900);
  view_.Heard("c", 9);
  view_.ReadReport("c", {});  // before b's deadline: confirms nothing
  Advance(101);
  view_.Heard("c", 9);
  EXPECT_EQ(Alive(), (std::vector<std::string>{"a", "b", "c"}));  // suspected, c is heard
  EXPECT_FALSE(view_.IsReachable("b"));
  EXPECT_TRUE(view_.TakeNewSuspects());  // once: the supervisor asks everyone about b
  EXPECT_EQ(Alive().size(), 3u);
  EXPECT_FALSE(view_.TakeNewSuspects());
  ASSERT_TRUE(view_.NextExpiry().has_value());
  EXPECT_EQ(*view_.NextExpiry(), clock_.Now() + milliseconds(1000));  // twice the deadline
  // c heard b 50 ms ago: b is alive again.
  Advance(100);
  view_.Heard("c", 9);
  view_.ReadReport("c", {{"b", 7, 50}});
  EXPECT_TRUE(view_.IsReachable("b"));
  // b's next silence is confirmed by c's first report after b's deadline that omits it.
  Advance(1000);  // b: last vouched for 1,050 ms ago
  view_.Heard("c", 9);
  EXPECT_EQ(Alive(), (std::vector<std::string>{"a", "b", "c"}));
  view_.ReadReport("c", {});
  EXPECT_EQ(Alive(), (std::vector<std::string>{"a", "c"}));
}

TEST_F(MembershipViewTest, ASuspectWithoutAConfirmingReportDiesAtTwiceTheDeadline) {
  for (int t = 0; t < 2000; t += 250) {
    Advance(250);
    view_.Heard("c", 9);  // deltas and acks, no heartbeat
    EXPECT_EQ(Alive().size(), 3u) << t;
  }
  Advance(1);
  EXPECT_EQ(Alive(), (std::vector<std::string>{"a", "c"}));
}

TEST_F(MembershipViewTest, VouchesForOtherIncarnationsOrUnknownMembersAreIgnored) {
  view_.SetDeclared({{"a", "a:1"}, {"b", "b:1"}, {"c", "c:1"}, {"d", "d:1"}});
  Advance(900);
  view_.Vouched("b", 8, clock_.Now());  // b restarted: this member has not heard it yet
  view_.Vouched("d", 1, clock_.Now());  // never heard here
  view_.Vouched("a", 0, clock_.Now());  // itself
  Advance(200);
  EXPECT_EQ(Alive(), (std::vector<std::string>{"a"}));
  // A vouch from the future counts as now.
  view_.Heard("b", 7);
  view_.Vouched("b", 7, clock_.Now() + milliseconds(5000));
  Advance(1001);
  EXPECT_EQ(Alive(), (std::vector<std::string>{"a"}));
}

TEST_F(MembershipViewTest, ReportsOnlyWhatWasHeardDirectly) {
  Advance(300);
  view_.Heard("c", 9);
  view_.Vouched("b", 7, clock_.Now());
  Advance(50);
  EXPECT_EQ(view_.Reports(), (std::vector<HeardReport>{{"b", 7, 350}, {"c", 9, 50}}));
  Advance(700);  // b heard directly 1,050 ms ago: vouched for, but not reported on
  EXPECT_EQ(view_.Reports(), (std::vector<HeardReport>{{"c", 9, 750}}));
  EXPECT_EQ(Alive(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(MembershipViewTest, ANewIncarnationDropsTheOldVouches) {
  Advance(500);
  view_.Vouched("b", 7, clock_.Now());
  EXPECT_TRUE(view_.Heard("b", 8));  // restarted: heard directly now
  Advance(1001);
  EXPECT_FALSE(view_.IsReachable("b"));  // the old incarnation's vouch no longer counts
}

}  // namespace
}  // namespace herd::sidecar
