// The supervisor core on the simulator, without random faults: Horde's own test list
// (HORDE.md part a) and SPEC.md's decisions, each as one scripted scenario.
#include "sidecar/supervisor.h"

#include <gtest/gtest.h>

#include "crdt/codec.h"
#include "tests/testing/sim_cluster.h"

namespace herd::sidecar {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::SimCluster;
using testing::SimClusterOptions;

WorkloadSpec Spec(const std::string& name, RestartPolicy restart = RestartPolicy::kPermanent) {
  WorkloadSpec s;
  s.name = name;
  s.command = {"/bin/worker", name};
  s.restart = restart;
  return s;
}

// w-0 .. w-(n-1), or another prefix.
std::vector<WorkloadSpec> Specs(int n, const std::string& prefix = "w-") {
  std::vector<WorkloadSpec> specs;
  for (int i = 0; i < n; ++i) specs.push_back(Spec(prefix + std::to_string(i)));
  return specs;
}

class SupervisorTest : public ::testing::Test {
 protected:
  // A cluster of `members`, none of them started.
  void Create(int members, uint64_t seed, StrategyKind strategy = StrategyKind::kUniform,
              bool active = false) {
    SimClusterOptions o;
    o.members = members;
    o.strategy = strategy;
    o.active_redistribution = active;
    o.seed = seed;
    cluster_ = std::make_unique<SimCluster>(o);
  }

  void Boot(int members, StrategyKind strategy = StrategyKind::kUniform, bool active = false) {
    Create(members, 7, strategy, active);
    for (int i = 0; i < members; ++i) cluster_->Start(i);
    Run(seconds(3));
    for (int i = 0; i < members; ++i) ASSERT_TRUE(cluster_->member(i)->ready()) << i;
  }

  // Advances time in small steps; fails the test if any workload ever runs twice.
  void Run(Clock::Duration d, int max_copies = 1) {
    const Clock::Duration end = cluster_->clock().Elapsed() + d;
    while (cluster_->clock().Elapsed() < end) {
      cluster_->RunFor(milliseconds(10));
      for (const auto& [name, n] : cluster_->RunningCounts()) {
        ASSERT_LE(n, max_copies) << name << " at " << cluster_->clock().Elapsed().count();
      }
    }
  }

  Result<std::vector<ApplyOutcome>> Apply(int via, std::vector<WorkloadSpec> specs,
                                          std::optional<uint64_t> generation = std::nullopt) {
    std::vector<ApplyRequest> reqs;
    for (auto& s : specs) reqs.push_back({std::move(s), generation});
    std::optional<Result<std::vector<ApplyOutcome>>> out;
    cluster_->member(via)->Apply(std::move(reqs), [&](auto r) { out = std::move(r); });
    while (!out) cluster_->RunFor(milliseconds(1));
    return std::move(*out);
  }

  Status Delete(int via, const std::string& name) {
    std::optional<Result<bool>> out;
    cluster_->member(via)->Delete(name, [&](auto r) { out = std::move(r); });
    while (!out) cluster_->RunFor(milliseconds(1));
    return out->status();
  }

  int Copies(const std::string& name) {
    auto counts = cluster_->RunningCounts();
    return counts.count(name) ? counts[name] : 0;
  }

  int OwnerIndex(const std::string& name) {
    Result<WorkloadView> w = cluster_->member(0)->Get(name);
    if (!w.ok()) return -1;
    for (int i = 0; i < cluster_->size(); ++i) {
      if (cluster_->name(i) == w->record.owner) return i;
    }
    return -1;
  }

  std::unique_ptr<SimCluster> cluster_;
};

// The bench's per-member figures rest on this: a member's busy time grows with the events it
// handles and the calls made as it, and with nothing of another member's. The work clock here
// moves 1 us per reading, so each timed event adds exactly 1 us.
TEST(SimClusterTest, BusyTimeIsChargedToTheMemberThatHandledTheWork) {
  SimClusterOptions o;
  o.members = 3;
  Clock::Duration work{0};
  o.work_clock = [&work] { return work += std::chrono::microseconds(1); };
  SimCluster cluster(o);
  for (int i = 0; i < 3; ++i) cluster.Start(i);
  cluster.RunFor(seconds(3));
  for (int i = 0; i < 3; ++i) EXPECT_GT(cluster.busy(i).count(), 0) << i;

  cluster.Kill(2);
  const Clock::Duration dead = cluster.busy(2);
  const Clock::Duration alive = cluster.busy(0);
  cluster.RunFor(seconds(3));
  EXPECT_EQ(cluster.busy(2), dead);  // a dead member handles nothing
  EXPECT_GT(cluster.busy(0), alive);

  const Clock::Duration zero = cluster.busy(0);
  const Clock::Duration one = cluster.busy(1);
  bool applied = false;
  cluster.AsMember(1, [&] {
    cluster.member(1)->Apply({{Spec("w-0"), std::nullopt}}, [&](auto r) { applied = r.ok(); });
  });
  EXPECT_EQ(cluster.busy(0), zero);
  EXPECT_EQ(cluster.busy(1), one + std::chrono::microseconds(1));  // one call, timed once
  cluster.RunFor(seconds(1));
  EXPECT_TRUE(applied);
}

TEST(SimClusterTest, WithoutAWorkClockNothingIsCharged) {
  SimClusterOptions o;
  o.members = 2;
  SimCluster cluster(o);
  for (int i = 0; i < 2; ++i) cluster.Start(i);
  cluster.RunFor(seconds(3));
  cluster.AsMember(0, [&] {
    cluster.member(0)->Apply({{Spec("w-0"), std::nullopt}}, [](auto) {});
  });
  cluster.RunFor(seconds(3));
  EXPECT_EQ(cluster.TotalRunning(), 1u);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(cluster.busy(i), Clock::Duration::zero()) << i;
}

TEST_F(SupervisorTest, ApplyRunsOnceAndIsIdempotentByName) {
  Boot(3);
  auto r = Apply(0, {Spec("ingest-7")});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].kind, ApplyKind::kCreated);
  Run(milliseconds(200));
  EXPECT_EQ(Copies("ingest-7"), 1);
  size_t starts = 0;
  for (int i = 0; i < 3; ++i) starts += cluster_->runner(i)->starts().size();
  // Same spec again, through another member: nothing changes (Horde would start a second one).
  auto again = Apply(2, {Spec("ingest-7")});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].kind, ApplyKind::kUnchanged);
  Run(milliseconds(500));
  size_t starts_after = 0;
  for (int i = 0; i < 3; ++i) starts_after += cluster_->runner(i)->starts().size();
  EXPECT_EQ(starts_after, starts);
  EXPECT_EQ(Copies("ingest-7"), 1);
}

TEST_F(SupervisorTest, ReadYourWritesOnTheAcceptingMember) {
  Boot(3);
  ASSERT_TRUE(Apply(1, {Spec("a")}).ok());
  Result<WorkloadView> w = cluster_->member(1)->Get("a");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->spec.command[1], "a");
}

TEST_F(SupervisorTest, ChangedSpecReplacesTheInstanceWithoutOverlap) {
  Boot(3);
  ASSERT_TRUE(Apply(0, {Spec("svc")}).ok());
  Run(milliseconds(200));
  int owner = OwnerIndex("svc");
  ASSERT_GE(owner, 0);
  cluster_->runner(owner)->SetStopDelay(milliseconds(700));  // slow to stop
  WorkloadSpec changed = Spec("svc");
  changed.command.push_back("--v2");
  auto r = Apply(1, {changed});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].kind, ApplyKind::kConfigured);
  EXPECT_EQ((*r)[0].generation, 2u);
  Run(seconds(2));  // Run() asserts at most one copy at every step
  ASSERT_EQ(Copies("svc"), 1);
  const auto& starts = cluster_->runner(owner)->starts();
  EXPECT_EQ(starts.back().generation, 2u);
  EXPECT_EQ(starts.back().spec.command.back(), "--v2");
}

TEST_F(SupervisorTest, CountsAndListsAggregateTheWholeCluster) {
  Boot(3);
  std::vector<WorkloadSpec> specs = Specs(10);
  ASSERT_TRUE(Apply(0, specs).ok());
  Run(seconds(1));
  for (int i = 0; i < 3; ++i) {
    ChildCounts c = cluster_->member(i)->Count();
    EXPECT_EQ(c.declared, 10u);
    EXPECT_EQ(c.running, 10u);
  }
  size_t local = 0;
  for (int i = 0; i < 3; ++i) local += cluster_->member(i)->Count().local;
  EXPECT_EQ(local, 10u);
  // Spread over more than one member (Horde: "processes are started on different nodes").
  int with_children = 0;
  for (int i = 0; i < 3; ++i) with_children += cluster_->member(i)->Count().local > 0;
  EXPECT_GE(with_children, 2);
  ListPage page = cluster_->member(2)->List({}, 4, "");
  ASSERT_EQ(page.items.size(), 4u);
  EXPECT_EQ(page.continue_token, page.items.back().name);
  ListPage next = cluster_->member(2)->List({}, 100, page.continue_token);
  EXPECT_EQ(next.items.size(), 6u);
  EXPECT_TRUE(next.continue_token.empty());
}

TEST_F(SupervisorTest, DeleteStopsAndUnknownIsNotFound) {
  Boot(3);
  ASSERT_TRUE(Apply(0, {Spec("gone")}).ok());
  Run(milliseconds(300));
  ASSERT_EQ(Copies("gone"), 1);
  ASSERT_TRUE(Delete(2, "gone").ok());
  Run(milliseconds(300));
  EXPECT_EQ(Copies("gone"), 0);
  EXPECT_EQ(Delete(1, "gone").code(), StatusCode::kNotFound);
  EXPECT_EQ(cluster_->member(0)->Count().declared, 0u);
  EXPECT_FALSE(cluster_->member(1)->map().Contains("status/gone"));
}

TEST_F(SupervisorTest, RestartPolicies) {
  Boot(1);
  ASSERT_TRUE(Apply(0, {Spec("perm"), Spec("trans-ok", RestartPolicy::kTransient),
                        Spec("trans-bad", RestartPolicy::kTransient),
                        Spec("temp", RestartPolicy::kTemporary)})
                  .ok());
  Run(milliseconds(100));
  auto* runner = cluster_->runner(0);
  for (const auto& [id, name] : runner->RunningInstances()) {
    runner->Exit(id, ChildExit{name == "trans-ok" || name == "temp" ? 0 : 1, 0, ""});
  }
  Run(seconds(2));
  EXPECT_EQ(Copies("perm"), 1);       // permanent: restarted
  EXPECT_EQ(Copies("trans-bad"), 1);  // transient, abnormal exit: restarted
  EXPECT_EQ(Copies("trans-ok"), 0);   // transient, clean exit: finished
  EXPECT_EQ(Copies("temp"), 0);       // temporary: never
  EXPECT_EQ(cluster_->member(0)->Get("trans-ok")->status->phase, Phase::kSucceeded);
  EXPECT_EQ(cluster_->member(0)->Get("temp")->status->phase, Phase::kSucceeded);
  EXPECT_EQ(cluster_->member(0)->Get("perm")->status->restarts, 1u);
}

TEST_F(SupervisorTest, CrashLoopFailsOneWorkloadAloneAndANewApplyClearsIt) {
  Boot(1);
  WorkloadSpec crashy = Spec("crashy");
  crashy.max_restarts = 3;
  crashy.max_seconds = 60;
  ASSERT_TRUE(Apply(0, {crashy, Spec("sibling")}).ok());
  Run(milliseconds(100));
  auto* runner = cluster_->runner(0);
  for (int round = 0; round < 10; ++round) {
    for (const auto& [id, name] : runner->RunningInstances()) {
      if (name == "crashy") runner->Exit(id, ChildExit{-1, 11, ""});
    }
    Run(seconds(5));
  }
  Result<WorkloadView> w = cluster_->member(0)->Get("crashy");
  ASSERT_TRUE(w->status.has_value());
  EXPECT_EQ(w->status->phase, Phase::kFailed);
  EXPECT_EQ(w->status->signal, 11);
  EXPECT_EQ(Copies("crashy"), 0);
  EXPECT_EQ(Copies("sibling"), 1);  // the blast radius is one workload (Horde #215, #219)
  auto r = Apply(0, {crashy});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].kind, ApplyKind::kConfigured);
  Run(milliseconds(200));
  EXPECT_EQ(Copies("crashy"), 1);
}

TEST_F(SupervisorTest, FailoverRestartsEverythingOnceWhenAMemberIsKilled) {
  Boot(3);
  std::vector<WorkloadSpec> specs = Specs(200);
  ASSERT_TRUE(Apply(1, specs).ok());
  Run(seconds(1));
  ASSERT_EQ(cluster_->RunningCounts().size(), 200u);
  cluster_->Kill(0);
  Run(seconds(2));  // heartbeat deadline 1 s; never two copies on the way
  auto counts = cluster_->RunningCounts();
  EXPECT_EQ(counts.size(), 200u);
  EXPECT_EQ(cluster_->member(1)->Count().running, 200u);
  for (const auto& [name, n] : counts) EXPECT_EQ(n, 1) << name;
}

TEST_F(SupervisorTest, GracefulShutdownHandsOverWithoutOverlap) {
  Boot(2);
  WorkloadSpec fast = Spec("fast"), slow = Spec("slow");
  fast.shutdown_timeout_seconds = 2;
  slow.shutdown_timeout_seconds = 10;
  ASSERT_TRUE(Apply(0, {fast, slow}).ok());
  Run(milliseconds(300));
  // Put both on member 0 if the strategy spread them: shut down whoever owns "slow".
  int owner = OwnerIndex("slow");
  cluster_->runner(owner)->SetStopDelay(milliseconds(5000));
  cluster_->Shutdown(owner);
  Run(seconds(2));
  EXPECT_EQ(Copies("slow"), 1);  // still the old instance, stopping
  Run(seconds(5));
  int other = 1 - owner;
  ASSERT_TRUE(cluster_->IsUp(other));
  auto on_other = cluster_->RunningOn(other);
  EXPECT_NE(std::find(on_other.begin(), on_other.end(), "slow"), on_other.end());
  EXPECT_NE(std::find(on_other.begin(), on_other.end(), "fast"), on_other.end());
  EXPECT_FALSE(cluster_->IsUp(owner));
}

TEST_F(SupervisorTest, PassiveRedistributionMovesNothingWhenAMemberJoins) {
  Create(2, 3);
  cluster_->Start(0);
  Run(seconds(3));
  std::vector<WorkloadSpec> specs = Specs(20);
  ASSERT_TRUE(Apply(0, specs).ok());
  Run(milliseconds(500));
  cluster_->Start(1);
  Run(seconds(3));
  EXPECT_EQ(cluster_->RunningOn(1).size(), 0u);
  EXPECT_EQ(cluster_->RunningOn(0).size(), 20u);
}

TEST_F(SupervisorTest, ActiveRedistributionMovesExactlyWhatThePlacementMoves) {
  Create(2, 3, StrategyKind::kUniform, /*active=*/true);
  cluster_->Start(0);
  Run(seconds(3));
  std::vector<WorkloadSpec> specs = Specs(40);
  ASSERT_TRUE(Apply(0, specs).ok());
  Run(milliseconds(500));
  cluster_->Start(1);
  Run(seconds(4));
  std::map<std::string, std::string> target = cluster_->member(0)->TargetPlacement();
  ASSERT_EQ(target.size(), 40u);
  size_t on_one = 0;
  for (const auto& [name, member] : target) on_one += member == "m1";
  EXPECT_GT(on_one, 10u);
  EXPECT_EQ(cluster_->RunningOn(1).size(), on_one);
  EXPECT_EQ(cluster_->RunningOn(0).size(), 40u - on_one);
}

// A move abandoned while its child stops (the target died meanwhile) must not count as in
// flight forever: redistribution goes on once the target is back.
TEST_F(SupervisorTest, AMoveAbandonedWhileItsChildStopsDoesNotStallRedistribution) {
  Create(3, 3, StrategyKind::kUniform, /*active=*/true);
  cluster_->Start(0);
  cluster_->Start(1);
  Run(seconds(3));
  ASSERT_TRUE(Apply(0, Specs(40)).ok());
  Run(milliseconds(500));
  // m0's and m1's children take 3 s to stop: the moves to m2 are in flight when it dies.
  cluster_->runner(0)->SetStopDelay(seconds(3));
  cluster_->runner(1)->SetStopDelay(seconds(3));
  cluster_->Start(2);
  Run(seconds(2));
  ASSERT_TRUE(cluster_->RunningOn(2).empty());
  cluster_->Kill(2);
  Run(seconds(5));
  EXPECT_EQ(cluster_->RunningCounts().size(), 40u);

  cluster_->runner(0)->SetStopDelay(milliseconds(0));
  cluster_->runner(1)->SetStopDelay(milliseconds(0));
  cluster_->Start(2);
  Run(seconds(5));
  std::map<std::string, std::string> target = cluster_->member(0)->TargetPlacement();
  ASSERT_EQ(target.size(), 40u);
  for (int i = 0; i < 3; ++i) {
    size_t placed = 0;
    for (const auto& [name, member] : target) placed += member == cluster_->name(i);
    EXPECT_GT(placed, 0u) << i;
    EXPECT_EQ(cluster_->RunningOn(i).size(), placed) << i;
  }
}

TEST_F(SupervisorTest, QuorumGatesApplyAndWaitForQuorum) {
  Create(3, 1, StrategyKind::kUniformQuorum);
  cluster_->Start(0);
  Run(seconds(3));
  auto r = Apply(0, {Spec("q")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message().rfind("NoQuorum:", 0), 0u) << r.status();
  std::optional<Result<bool>> waited;
  cluster_->member(0)->WaitForQuorum(seconds(1), [&](auto res) { waited = std::move(res); });
  Run(seconds(2));
  ASSERT_TRUE(waited.has_value());
  EXPECT_EQ(waited->status().code(), StatusCode::kDeadlineExceeded);
  waited.reset();
  cluster_->member(0)->WaitForQuorum(seconds(10), [&](auto res) { waited = std::move(res); });
  cluster_->Start(1);
  Run(seconds(3));
  ASSERT_TRUE(waited.has_value());
  EXPECT_TRUE(waited->ok());
  EXPECT_TRUE(Apply(1, {Spec("q")}).ok());
}

TEST_F(SupervisorTest, QuorumMinorityStopsBeforeTheMajorityTakesOver) {
  Boot(3, StrategyKind::kUniformQuorum);
  std::vector<WorkloadSpec> specs;
  for (int i = 0; i < 30; ++i) {
    specs.push_back(Spec("w-" + std::to_string(i)));
    specs.back().shutdown_timeout_seconds = 1;
  }
  ASSERT_TRUE(Apply(0, specs).ok());
  Run(seconds(1));
  cluster_->runner(0)->SetStopDelay(milliseconds(800));
  cluster_->network().Partition({"m0"});
  Run(seconds(6));  // asserts no second copy at any step
  EXPECT_TRUE(cluster_->RunningOn(0).empty());
  EXPECT_EQ(cluster_->RunningCounts().size(), 30u);
  cluster_->network().HealAll();
  Run(seconds(3));
  for (const auto& [name, n] : cluster_->RunningCounts()) EXPECT_EQ(n, 1);
  EXPECT_EQ(cluster_->RunningCounts().size(), 30u);
}

TEST_F(SupervisorTest, PartitionDuplicatesConvergeToOneAfterTheHeal) {
  Boot(3);
  std::vector<WorkloadSpec> specs = Specs(30);
  ASSERT_TRUE(Apply(0, specs).ok());
  Run(seconds(1));
  cluster_->network().Partition({"m0"});
  Run(seconds(3), /*max_copies=*/2);  // uniform: each side runs its own copy during the split
  cluster_->network().HealAll();
  Run(seconds(1), 2);
  Run(seconds(2));
  auto counts = cluster_->RunningCounts();
  EXPECT_EQ(counts.size(), 30u);
  for (const auto& [name, n] : counts) EXPECT_EQ(n, 1) << name;
}

// Two members each take the same new workload while split; the later owner record wins, but
// the loser's status can be the later write (here, it restarts its crashed copy). After the
// heal the loser stops its copy and the winner, which runs the only one, restores its status.
TEST_F(SupervisorTest, TheWinningOwnerRestoresItsStatusOverALosersLaterOne) {
  Boot(2);
  cluster_->network().Partition({"m0"});
  Run(seconds(3));  // each side now sees the other dead
  ASSERT_TRUE(Apply(1, {Spec("w")}).ok());
  Run(milliseconds(100));
  ASSERT_TRUE(Apply(0, {Spec("w")}).ok());  // the later owner record: m0 will win the key
  Run(milliseconds(100), /*max_copies=*/2);
  auto* loser = cluster_->runner(1);
  ASSERT_EQ(loser->RunningInstances().size(), 1u);
  loser->Exit(loser->RunningInstances().begin()->first, ChildExit{1, 0, ""});
  Run(seconds(2), 2);  // m1 restarts its copy: its status is now the later write
  ASSERT_EQ(cluster_->member(1)->Get("w")->status->restarts, 1u);
  cluster_->network().HealAll();
  Run(seconds(3), /*max_copies=*/2);
  ASSERT_EQ(Copies("w"), 1);
  ASSERT_EQ(cluster_->RunningOn(0), std::vector<std::string>{"w"});
  const auto& running = cluster_->runner(0)->RunningInstances();
  const FakeProcessRunner::StartRecord* start = nullptr;
  for (const auto& s : cluster_->runner(0)->starts()) {
    if (running.count(s.instance)) start = &s;
  }
  ASSERT_NE(start, nullptr);
  for (int i = 0; i < 2; ++i) {
    Result<WorkloadView> w = cluster_->member(i)->Get("w");
    ASSERT_TRUE(w.ok() && w->status) << i;
    EXPECT_EQ(w->record.owner, "m0") << i;
    EXPECT_EQ(w->status->owner, "m0") << i;
    EXPECT_EQ(w->status->phase, Phase::kRunning) << i;
    EXPECT_EQ(w->status->pid, start->pid) << i;
  }
}

TEST_F(SupervisorTest, HeavyLossTakesNoMemberForDeadWhileOthersHearIt) {
  // 30% of all messages are lost: a member now and then goes a second without hearing one
  // peer, but it asks the others before it calls that peer dead, so nothing fails over and
  // nothing runs twice. (Without asking, 3 takeovers with this seed; 16 over seeds 1-10.)
  Boot(3);
  std::vector<WorkloadSpec> specs = Specs(30);
  ASSERT_TRUE(Apply(0, specs).ok());
  Run(seconds(1));
  testing::LinkFaults lossy;
  lossy.drop = 0.3;
  cluster_->network().SetFaults(lossy);
  Run(seconds(30));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(cluster_->member(i)->counters().takeovers, 0u) << i;
    for (const MemberInfo& m : cluster_->member(i)->Members()) {
      EXPECT_EQ(m.status, MemberStatus::kAlive) << i << " sees " << m.name;
    }
  }
  EXPECT_EQ(cluster_->RunningCounts().size(), 30u);
}

TEST_F(SupervisorTest, AProbeIsAnsweredWithAHeartbeatAtOnce) {
  Boot(3);
  Supervisor& m1 = *cluster_->member(1);
  uint64_t incarnation = 0;
  for (const MemberInfo& m : m1.Members()) {
    if (m.name == "m0") incarnation = m.incarnation;
  }
  ASSERT_NE(incarnation, 0u);
  auto heartbeats = [&] { return m1.counters().messages_sent[2]; };
  PeerMessage probe;
  probe.sender = "m0";
  probe.incarnation = incarnation;
  const std::string context = crdt::EncodeContext(crdt::CausalContext());
  probe.context = context;  // a view: the message lives no longer than its frames
  uint64_t before = heartbeats();
  m1.OnPeerMessage(EncodePeerMessage(probe));  // a plain heartbeat: nothing to answer
  EXPECT_EQ(heartbeats(), before);
  probe.seq = kHeartbeatProbe;
  m1.OnPeerMessage(EncodePeerMessage(probe));
  EXPECT_EQ(heartbeats(), before + 1);
}

// A member that stops answering is found dead right after the deadline: the first member to
// lose sight of it asks the others, whose answers confirm at once (no wait for their next
// heartbeat, up to 250 ms later).
TEST_F(SupervisorTest, ADeadMemberIsConfirmedDeadWithinMillisecondsOfTheDeadline) {
  Boot(3);
  for (int round = 0; round < 6; ++round) {
    const int victim = round % 3;
    const int watcher = (victim + 1) % 3;
    Run(milliseconds(37 * round));  // a different tick phase each round
    // Killed right after it sent its heartbeats: its last words.
    const uint64_t sent = cluster_->member(victim)->counters().messages_sent[2];
    while (cluster_->member(victim)->counters().messages_sent[2] == sent) {
      cluster_->RunFor(milliseconds(1));
    }
    cluster_->Kill(victim);
    const Clock::Duration killed = cluster_->clock().Elapsed();
    auto dead = [&] {
      for (const MemberInfo& m : cluster_->member(watcher)->Members()) {
        if (m.name == cluster_->name(victim)) return m.status == MemberStatus::kDead;
      }
      return false;
    };
    while (!dead()) cluster_->RunFor(milliseconds(1));
    // One deadline (1 s) after the kill, plus the probes' round trips (simulated delay <= 2 ms).
    EXPECT_LE(cluster_->clock().Elapsed() - killed, milliseconds(1000 + 20)) << round;
    cluster_->Start(victim);
    Run(seconds(3));
  }
}

// Two members die together, over links slow enough (1-30 ms) that the survivors learn of the
// deaths, and of each other's takeovers, at different moments. A survivor that has heard of
// another's takeovers but not received them yet waits only for the message that brings them,
// not for its next tick (up to 250 ms later).
TEST_F(SupervisorTest, TwoMembersKilledTogetherAreReplacedRightAfterTheDeadline) {
  Boot(5);
  std::vector<WorkloadSpec> specs = Specs(100);
  ASSERT_TRUE(Apply(0, specs).ok());
  Run(seconds(1));
  testing::LinkFaults slow;
  slow.min_delay = milliseconds(1);
  slow.max_delay = milliseconds(30);
  cluster_->network().SetFaults(slow);
  Run(seconds(1));
  // Killed right after member 4 sent its heartbeats, 48 ms apart.
  const uint64_t sent = cluster_->member(4)->counters().messages_sent[2];
  while (cluster_->member(4)->counters().messages_sent[2] == sent) {
    cluster_->RunFor(milliseconds(1));
  }
  cluster_->Kill(3);
  Run(milliseconds(48));
  cluster_->Kill(4);
  const Clock::Duration killed = cluster_->clock().Elapsed();
  auto each_once = [&] {
    auto counts = cluster_->RunningCounts();
    if (counts.size() != specs.size()) return false;
    for (const auto& [name, n] : counts) {
      if (n != 1) return false;
    }
    return true;
  };
  while (!each_once()) Run(milliseconds(1));
  // One deadline after member 4's last message, plus the round trips of the probes and of the
  // takeovers (1,200 ms when a survivor waited for its tick).
  EXPECT_LE(cluster_->clock().Elapsed() - killed, milliseconds(1000 + 120));
}

// Members restarted right after the survivors took their work over must not run their old
// workloads again: with 1-30 ms links, a message a survivor sent before its takeover can reach
// the restarted member afterwards, and its stale context must not count as "synced". Only
// answers to the new incarnation's probes do.
TEST_F(SupervisorTest, AMemberRestartedRightAfterATakeoverDoesNotRunItsOldWork) {
  Boot(5, StrategyKind::kUniform, /*active=*/true);  // the restarted get work back
  std::vector<WorkloadSpec> specs = Specs(100);
  ASSERT_TRUE(Apply(0, specs).ok());
  Run(seconds(1));
  testing::LinkFaults slow;
  slow.min_delay = milliseconds(1);
  slow.max_delay = milliseconds(30);
  cluster_->network().SetFaults(slow);
  auto each_once = [&] {
    auto counts = cluster_->RunningCounts();
    if (counts.size() != specs.size()) return false;
    for (const auto& [name, n] : counts) {
      if (n != 1) return false;
    }
    return true;
  };
  for (int round = 0; round < 4; ++round) {
    Run(milliseconds(29 * round + 1));
    cluster_->Kill(3);
    Run(milliseconds(48));
    cluster_->Kill(4);
    while (!each_once()) Run(milliseconds(1));
    cluster_->Start(3);
    cluster_->Start(4);
    Run(seconds(5));  // fails at the first moment a workload runs twice
    ASSERT_TRUE(each_once()) << round;
  }
}

TEST_F(SupervisorTest, RemovedMemberIsTreatedAsDeadAndStopsItsCopies) {
  Boot(3);
  std::vector<WorkloadSpec> specs = Specs(30);
  ASSERT_TRUE(Apply(0, specs).ok());
  Run(seconds(1));
  ASSERT_FALSE(cluster_->RunningOn(2).empty());
  std::optional<Result<bool>> set;
  cluster_->member(0)->SetMembers({{"m0", "m0:7946"}, {"m1", "m1:7946"}},
                                  [&](auto r) { set = std::move(r); });
  Run(seconds(2), 2);
  Run(seconds(1));
  ASSERT_TRUE(set.has_value() && set->ok());
  EXPECT_TRUE(cluster_->RunningOn(2).empty());
  EXPECT_EQ(cluster_->RunningCounts().size(), 30u);  // Horde #172: nothing lost on removal
  auto members = cluster_->member(0)->Members();
  EXPECT_EQ(members.size(), 2u);
}

// Membership from an external source (Kubernetes EndpointSlices, each member through its own
// watch): a member whose endpoint goes away stops its copies and the others take them over;
// when its endpoint comes back, its own watch may see it before the others' do, and before
// their takeovers have reached it. Its owner records are stale then, and it must run nothing
// until it has caught up, or the workloads it owned before would run twice.
TEST_F(SupervisorTest, AMemberListedAgainRunsNothingUntilItHasCaughtUp) {
  Boot(3);
  ASSERT_TRUE(Apply(0, Specs(30)).ok());
  Run(seconds(1));
  const std::vector<std::string> owned_before = cluster_->RunningOn(2);
  ASSERT_FALSE(owned_before.empty());

  for (int i = 0; i < 3; ++i) cluster_->Declare(i, {0, 1});  // m2's endpoint is gone
  // The others' answers to m2 are slow (cut here for less than a heartbeat deadline): their
  // takeovers have surely not reached it when it is listed again.
  cluster_->network().Cut("m0", "m2");
  cluster_->network().Cut("m1", "m2");
  Run(milliseconds(100), 2);  // m0 and m1 take over at once, as m2 stops
  EXPECT_TRUE(cluster_->RunningOn(2).empty());
  EXPECT_EQ(cluster_->RunningCounts().size(), 30u);

  // m2's watch sees its endpoint again before the others' do: its records still say it owns
  // what it ran before.
  cluster_->Declare(2, {0, 1, 2});
  cluster_->network().HealAll();
  Run(seconds(2));  // the others do not list it yet: it runs nothing
  EXPECT_TRUE(cluster_->RunningOn(2).empty());
  cluster_->Declare(0, {0, 1, 2});
  cluster_->Declare(1, {0, 1, 2});
  Run(seconds(3));
  EXPECT_EQ(cluster_->RunningCounts().size(), 30u);

  // Caught up, it runs its share of new work (passive redistribution moves nothing back).
  ASSERT_TRUE(Apply(0, Specs(30, "n-")).ok());
  Run(seconds(2));
  EXPECT_FALSE(cluster_->RunningOn(2).empty());
  EXPECT_EQ(cluster_->RunningCounts().size(), 60u);
}

// An agent paused past the deadline (SIGSTOP, a starved CPU) is taken for dead and its
// workloads are taken over, while its children run on: two copies, which nothing in the agent
// can prevent. Once it runs again, it stops its copies within one sync round and takes nobody
// for dead on the strength of its own stall.
TEST_F(SupervisorTest, APausedAgentStopsWhatWasTakenOverOnceItRunsAgain) {
  Boot(3);
  ASSERT_TRUE(Apply(0, Specs(30)).ok());
  Run(seconds(1));
  const size_t on_two = cluster_->RunningOn(2).size();
  ASSERT_GT(on_two, 0u);
  cluster_->Freeze(2, seconds(3));
  Run(milliseconds(2900), 2);
  EXPECT_TRUE(cluster_->IsFrozen(2));
  EXPECT_EQ(cluster_->RunningOn(2).size(), on_two);  // it handled nothing: they run on
  Run(milliseconds(600), 2);                         // it thaws, and stops its copies
  EXPECT_FALSE(cluster_->IsFrozen(2));
  EXPECT_TRUE(cluster_->RunningOn(2).empty());
  Run(seconds(3));
  EXPECT_EQ(cluster_->RunningCounts().size(), 30u);
  for (int i = 0; i < 3; ++i) {
    for (const MemberInfo& m : cluster_->member(i)->Members()) {
      EXPECT_EQ(m.status, MemberStatus::kAlive) << cluster_->name(i) << " sees " << m.name;
    }
  }
}

TEST_F(SupervisorTest, FinishedStaysFinishedWhenItsMemberDies) {
  Boot(3);
  ASSERT_TRUE(Apply(0, {Spec("batch", RestartPolicy::kTransient)}).ok());
  Run(milliseconds(300));
  int owner = OwnerIndex("batch");
  for (const auto& [id, name] : cluster_->runner(owner)->RunningInstances()) {
    cluster_->runner(owner)->Exit(id, ChildExit{0, 0, ""});
  }
  Run(milliseconds(300));
  cluster_->Kill(owner);
  Run(seconds(3));
  EXPECT_EQ(Copies("batch"), 0);  // Horde #4
  int alive = owner == 0 ? 1 : 0;
  EXPECT_EQ(cluster_->member(alive)->Get("batch")->status->phase, Phase::kSucceeded);
}

TEST_F(SupervisorTest, WholeClusterRestartKeepsEveryWorkload) {
  Boot(3);
  std::vector<WorkloadSpec> specs = Specs(50);
  ASSERT_TRUE(Apply(2, specs).ok());
  Run(seconds(1));
  for (int i = 0; i < 3; ++i) cluster_->Kill(i, /*machine_crash=*/true);
  Run(seconds(1));
  EXPECT_TRUE(cluster_->RunningCounts().empty());
  for (int i = 0; i < 3; ++i) cluster_->Start(i);
  Run(seconds(4));
  auto counts = cluster_->RunningCounts();
  EXPECT_EQ(counts.size(), 50u);  // Horde loses everything here
  for (const auto& [name, n] : counts) EXPECT_EQ(n, 1) << name;
}

// A group commit appends its writes as one log record (one write to the file, not one per map
// write), and a crash of the machine after the acknowledgement keeps every one of them.
TEST_F(SupervisorTest, AGroupCommitAppendsItsWritesAsOneRecord) {
  Boot(1);
  const uint64_t before = cluster_->store(0)->log_records();
  std::vector<WorkloadSpec> specs;
  for (int i = 0; i < 100; ++i) specs.push_back(Spec("g-" + std::to_string(i)));
  ASSERT_TRUE(Apply(0, specs).ok());  // 200 map writes: declarations and owners
  EXPECT_LE(cluster_->store(0)->log_records(), before + 2);
  cluster_->Kill(0, /*machine_crash=*/true);
  cluster_->Start(0);
  Run(seconds(2));
  EXPECT_EQ(cluster_->member(0)->Count().declared, 100u);
  EXPECT_EQ(cluster_->RunningCounts().size(), 100u);
}

// What a member receives from its peers is on its own disk within a heartbeat, not only at its
// next API write (it acknowledged it, and the peers collect garbage on that word): a machine
// crash a heartbeat after a write loses it nowhere.
TEST_F(SupervisorTest, AReceivedWriteIsOnDiskWithinAHeartbeat) {
  Boot(2);
  ASSERT_TRUE(Apply(0, {Spec("r")}).ok());  // fsynced by member 0; member 1 receives it
  Run(milliseconds(300));                   // a heartbeat and more
  cluster_->Kill(0, /*machine_crash=*/true);
  cluster_->Kill(1, /*machine_crash=*/true);
  cluster_->Start(1);  // alone, from what its own disk kept
  EXPECT_EQ(cluster_->member(1)->Count().declared, 1u);
}

TEST_F(SupervisorTest, PreconditionAndShuttingDownErrors) {
  Boot(2);
  ASSERT_TRUE(Apply(0, {Spec("p")}).ok());
  auto stale = Apply(0, {Spec("p")}, /*generation=*/5);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted);
  EXPECT_EQ(stale.status().field(), "metadata.generation");
  cluster_->Shutdown(1);
  auto refused = Apply(1, {Spec("q")});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message().rfind("ShuttingDown:", 0), 0u);
}

// A write this member could not persist (a full disk) is not acknowledged, even though the
// group commit's fsync has nothing left to fail on; the peers still persist and run it.
TEST_F(SupervisorTest, UnpersistedWriteIsNotAcknowledged) {
  Boot(3);
  const Status full_disk(StatusCode::kResourceExhausted, "write herd.log: No space left on device");
  cluster_->store(0)->FailNextAppends(100, full_disk);
  cluster_->store(0)->FailNextCompacts(100, full_disk);
  auto full = Apply(0, {Spec("d")});
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(full.status().message().rfind("StoreUnavailable: ", 0), 0u) << full.status();
  EXPECT_NE(full.status().message().find("No space left"), std::string::npos);
  // That write reached the peers (who persist it); the next ones are refused before they
  // change anything, so a refused write has no effect.
  Run(milliseconds(300));
  EXPECT_EQ(Copies("d"), 1);
  EXPECT_TRUE(cluster_->member(1)->Get("d").ok());
  auto refused = Apply(0, {Spec("e")});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message().rfind("StoreUnavailable: ", 0), 0u) << refused.status();
  EXPECT_EQ(Delete(0, "d").code(), StatusCode::kUnavailable);
  Run(milliseconds(300));
  EXPECT_EQ(Copies("d"), 1);
  EXPECT_FALSE(cluster_->member(1)->Get("e").ok());
  // Space again: the next probe writes a snapshot and writes are acknowledged again.
  cluster_->store(0)->FailNextAppends(0, full_disk);
  cluster_->store(0)->FailNextCompacts(0, full_disk);
  Run(seconds(2));
  EXPECT_TRUE(Apply(0, {Spec("e")}).ok());
  EXPECT_TRUE(Delete(0, "d").ok());
}

// A failed fsync poisons the store (the kernel may have dropped the unsynced pages): the
// member refuses writes, and within a second it writes its whole map as a fresh snapshot, which
// needs none of what was lost; then it acknowledges writes again, without a restart.
TEST_F(SupervisorTest, AFailedFsyncIsRecoveredByASnapshot) {
  Boot(3);
  cluster_->store(0)->FailNextSyncs(1, Status(StatusCode::kInternal, "fsync herd.log: EIO"));
  auto failed = Apply(0, {Spec("d")});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message().rfind("StoreUnavailable: ", 0), 0u) << failed.status();
  auto refused = Apply(0, {Spec("e")});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  Run(seconds(2));
  EXPECT_FALSE(cluster_->store(0)->poisoned());
  // The snapshot holds what the failed fsync may have lost ("d", never acknowledged).
  EXPECT_NE(cluster_->store(0)->durable_snapshot().find("workload/d"), std::string::npos);
  ASSERT_TRUE(Apply(0, {Spec("e")}).ok());
  Run(milliseconds(300));
  EXPECT_EQ(Copies("d"), 1);
  EXPECT_EQ(Copies("e"), 1);
}

TEST_F(SupervisorTest, RestartedMemberReplacesItsIncarnation) {
  Boot(3);
  cluster_->Kill(1);
  Run(milliseconds(200));
  cluster_->Start(1);
  Run(seconds(3));
  auto members = cluster_->member(0)->Members();
  ASSERT_EQ(members.size(), 3u);
  for (const auto& m : members) EXPECT_EQ(m.status, MemberStatus::kAlive) << m.name;
}

// A new pod counts itself in before its endpoint is ready, and the others list it only once it
// is: until then they refuse it, and it must neither run nor take over anything.
TEST_F(SupervisorTest, ANewMemberTheOthersDoNotListYetTakesNothing) {
  Create(3, 7);
  cluster_->Declare(0, {0, 1});
  cluster_->Declare(1, {0, 1});
  cluster_->Declare(2, {0, 1, 2});
  cluster_->Start(0);
  cluster_->Start(1);
  Run(seconds(3));
  ASSERT_TRUE(Apply(0, Specs(30)).ok());
  Run(seconds(1));

  cluster_->Start(2);
  Run(seconds(5));
  EXPECT_TRUE(cluster_->RunningOn(2).empty());
  EXPECT_EQ(cluster_->RunningCounts().size(), 30u);

  cluster_->Declare(0, {0, 1, 2});
  cluster_->Declare(1, {0, 1, 2});
  Run(seconds(3));
  ASSERT_TRUE(Apply(0, Specs(30, "n-")).ok());
  Run(seconds(2));
  EXPECT_FALSE(cluster_->RunningOn(2).empty());
  EXPECT_EQ(cluster_->RunningCounts().size(), 60u);
}

}  // namespace
}  // namespace herd::sidecar
