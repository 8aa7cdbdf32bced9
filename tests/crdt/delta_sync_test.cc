#include "crdt/delta_sync.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "crdt/aw_lww_map.h"
#include "tests/crdt/crdt_test_util.h"

namespace herd::crdt {
namespace {

using testing::Visible;

// One sender map with a DeltaSync towards one receiver map "b".
class DeltaSyncTest : public ::testing::Test {
 protected:
  DeltaSyncTest() : a_(1), b_(2) {}

  // b joins `out` and acknowledges it with its context.
  void Deliver(const Outgoing& out) {
    b_.Join(*out.delta);
    EXPECT_TRUE(sync_.OnAck("b", out.seq, b_.context()));
  }
  void Hello() { sync_.OnSummary("b", b_.context()); }

  AwLwwMap a_, b_;
  DeltaSync sync_;
};

TEST(DeltaSyncSharingTest, PeersThatLackTheSameWritesShareOneDelta) {
  AwLwwMap a(1), peer(2);
  DeltaSync sync;
  for (const char* p : {"b", "c", "d"}) sync.OnSummary(p, peer.context());
  a.Put("k", "v", 1);
  std::optional<Outgoing> b = sync.Poll("b", a, 0);
  std::optional<Outgoing> c = sync.Poll("c", a, 0);
  ASSERT_TRUE(b && c);
  EXPECT_EQ(b->delta, c->delta);  // one delta, built once
  EXPECT_NE(b->seq, c->seq);

  // A peer assumed to hold less (d was never sent k) gets its own.
  a.Put("x", "1", 2);
  std::optional<Outgoing> b2 = sync.Poll("b", a, 1);
  std::optional<Outgoing> d = sync.Poll("d", a, 1);
  ASSERT_TRUE(b2 && d);
  EXPECT_NE(b2->delta, d->delta);
  EXPECT_EQ(b2->delta->entries.size(), 1u);  // x: k is assumed delivered
  EXPECT_EQ(d->delta->entries.size(), 2u);   // k and x
}

TEST(DeltaSyncSharingTest, AWriteBetweenTwoPollsIsInTheSecondDelta) {
  AwLwwMap a(1), peer(2);
  DeltaSync sync;
  for (const char* p : {"b", "c"}) sync.OnSummary(p, peer.context());
  a.Put("k", "v", 1);
  std::optional<Outgoing> b = sync.Poll("b", a, 0);  // still held
  a.Put("x", "1", 2);
  std::optional<Outgoing> c = sync.Poll("c", a, 0);  // assumed to hold what b was
  ASSERT_TRUE(b && c);
  EXPECT_NE(b->delta, c->delta);
  EXPECT_EQ(b->delta->entries.size(), 1u);
  EXPECT_EQ(c->delta->entries.size(), 2u);
}

TEST_F(DeltaSyncTest, NewPeerGetsNothingUntilItsSummaryArrives) {
  a_.Put("k", "v", 1);
  EXPECT_FALSE(sync_.Poll("b", a_, 0).has_value());  // untracked
  sync_.ResetPeer("b");
  EXPECT_TRUE(sync_.NeedsSummary("b"));
  EXPECT_FALSE(sync_.Poll("b", a_, 0).has_value());
  Hello();
  EXPECT_FALSE(sync_.NeedsSummary("b"));
  std::optional<Outgoing> out = sync_.Poll("b", a_, 0);
  ASSERT_TRUE(out.has_value());
  EXPECT_FALSE(out->retransmission);
  EXPECT_EQ(out->delta->entries.size(), 1u);
  Deliver(*out);
  EXPECT_EQ(b_.Get("k"), "v");
  EXPECT_EQ(sync_.InFlight("b"), 0u);
}

TEST_F(DeltaSyncTest, SendsEachChangeOnceThenNothing) {
  Hello();
  EXPECT_FALSE(sync_.Poll("b", a_, 0).has_value());
  a_.Put("x", "1", 1);
  std::optional<Outgoing> first = sync_.Poll("b", a_, 0);
  ASSERT_TRUE(first.has_value());
  a_.Put("y", "2", 2);
  std::optional<Outgoing> second = sync_.Poll("b", a_, 1);
  ASSERT_TRUE(second.has_value());
  ASSERT_EQ(second->delta->entries.size(), 1u);  // only the new write: x is assumed delivered
  EXPECT_EQ(second->delta->entries[0].key, "y");
  EXPECT_GT(second->seq, first->seq);
  EXPECT_FALSE(sync_.Poll("b", a_, 2).has_value());
  EXPECT_EQ(sync_.InFlight("b"), 2u);
}

TEST_F(DeltaSyncTest, LostMessageIsResentAfterTheTimeout) {
  Hello();
  a_.Put("x", "1", 1);
  std::optional<Outgoing> lost = sync_.Poll("b", a_, 0);
  ASSERT_TRUE(lost.has_value());
  a_.Put("y", "2", 2);
  std::optional<Outgoing> second = sync_.Poll("b", a_, 50);
  ASSERT_TRUE(second.has_value());
  Deliver(*second);  // acks y only: x is still outstanding
  EXPECT_EQ(sync_.InFlight("b"), 1u);
  EXPECT_FALSE(sync_.Poll("b", a_, 199).has_value());  // not yet
  std::optional<Outgoing> again = sync_.Poll("b", a_, 200);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->retransmission);
  ASSERT_EQ(again->delta->entries.size(), 1u);
  EXPECT_EQ(again->delta->entries[0].key, "x");
  Deliver(*again);
  EXPECT_EQ(Visible(a_), Visible(b_));
  EXPECT_EQ(sync_.InFlight("b"), 0u);
}

TEST_F(DeltaSyncTest, RetransmissionsBackOffAndResetOnProgress) {
  Hello();
  a_.Put("x", "1", 1);
  ASSERT_TRUE(sync_.Poll("b", a_, 0).has_value());  // lost
  std::vector<int64_t> resent_at;
  for (int64_t t = 1; t < 3000; ++t) {
    if (std::optional<Outgoing> o = sync_.Poll("b", a_, t)) {
      EXPECT_TRUE(o->retransmission);
      resent_at.push_back(t);
    }
  }
  EXPECT_EQ(resent_at, (std::vector<int64_t>{200, 600, 1400}));  // 200, then 400, then 800
  std::optional<Outgoing> o = sync_.Poll("b", a_, 3000);         // 1400 + 1600
  ASSERT_TRUE(o.has_value());
  EXPECT_TRUE(o->retransmission);
  Deliver(*o);
  a_.Put("y", "2", 2);
  ASSERT_TRUE(sync_.Poll("b", a_, 3001).has_value());  // lost
  EXPECT_FALSE(sync_.Poll("b", a_, 3200).has_value());
  EXPECT_TRUE(sync_.Poll("b", a_, 3201).has_value());  // back to the base timeout
}

TEST_F(DeltaSyncTest, DuplicateAndReorderedAcksNeverGoBackwards) {
  Hello();
  a_.Put("x", "1", 1);
  Outgoing m1 = *sync_.Poll("b", a_, 0);
  a_.Put("y", "2", 2);
  Outgoing m2 = *sync_.Poll("b", a_, 0);
  b_.Join(*m2.delta);
  const CausalContext after_m2 = b_.context();
  b_.Join(*m1.delta);
  const CausalContext after_both = b_.context();
  EXPECT_TRUE(sync_.OnAck("b", m2.seq, after_both));
  EXPECT_TRUE(sync_.OnAck("b", m1.seq, after_m2));  // late ack with an older context
  EXPECT_TRUE(sync_.OnAck("b", m1.seq, after_m2));  // duplicate
  EXPECT_EQ(*sync_.Acked("b"), after_both);
  EXPECT_EQ(sync_.InFlight("b"), 0u);
  EXPECT_FALSE(sync_.Poll("b", a_, 10000).has_value());  // nothing outstanding to resend
}

TEST_F(DeltaSyncTest, AcksFromBeforeAResetOrNeverSentAreIgnored) {
  Hello();
  a_.Put("x", "1", 1);
  Outgoing m1 = *sync_.Poll("b", a_, 0);
  b_.Join(*m1.delta);
  sync_.ResetPeer("b");  // b restarted
  EXPECT_FALSE(sync_.OnAck("b", m1.seq, b_.context()));
  EXPECT_TRUE(sync_.NeedsSummary("b"));
  EXPECT_FALSE(sync_.OnAck("b", 999, b_.context()));
  EXPECT_FALSE(sync_.OnAck("nobody", 1, b_.context()));
  EXPECT_EQ(sync_.Acked("b"), nullptr);
}

TEST_F(DeltaSyncTest, RestartedPeerThatLostStateGetsEverythingAgain) {
  Hello();
  a_.Put("x", "1", 1);
  Deliver(*sync_.Poll("b", a_, 0));
  b_ = AwLwwMap(3);  // b came back empty, under a new replica id
  sync_.ResetPeer("b");
  Hello();
  std::optional<Outgoing> out = sync_.Poll("b", a_, 10);
  ASSERT_TRUE(out.has_value());
  Deliver(*out);
  EXPECT_EQ(b_.Get("x"), "1");
}

TEST_F(DeltaSyncTest, SummaryCoversInFlightMessages) {
  Hello();
  a_.Put("x", "1", 1);
  Outgoing m = *sync_.Poll("b", a_, 0);
  b_.Join(*m.delta);  // the ack is lost, but a heartbeat says b has it
  sync_.OnSummary("b", b_.context());
  EXPECT_EQ(sync_.InFlight("b"), 0u);
  EXPECT_FALSE(sync_.Poll("b", a_, 1000).has_value());
}

// Three replicas in a full mesh: a relays c's writes to b only when b's summaries show b lacks
// them (c may be dead or cut off from b), never while c reaches b itself.
TEST(DeltaSyncOwnWritesFirstTest, RelaysOthersWritesOnlyOnEvidence) {
  AwLwwMap a(1), b(2), c(3);
  DeltaSync sync(DeltaSyncOptions{.own_writes_first = true});
  sync.OnSummary("b", b.context(), 0, &a.context());
  // A new peer's first delta catches it up on everything, whoever wrote it.
  a.Join(c.Put("c0", "v", 1));
  std::optional<Outgoing> first = sync.Poll("b", a, 0);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->delta->entries.size(), 1u);
  b.Join(*first->delta);
  ASSERT_TRUE(sync.OnAck("b", first->seq, b.context()));

  // From then on a ships its own writes only; c's next write is c's to send.
  a.Join(c.Put("c1", "v", 2));
  a.Put("a1", "v", 3);
  std::optional<Outgoing> own = sync.Poll("b", a, 10);
  ASSERT_TRUE(own.has_value());
  ASSERT_EQ(own->delta->entries.size(), 1u);
  EXPECT_EQ(own->delta->entries[0].key, "a1");
  b.Join(*own->delta);
  ASSERT_TRUE(sync.OnAck("b", own->seq, b.context()));
  EXPECT_FALSE(sync.Poll("b", a, 20).has_value());

  // b's heartbeat: the baseline is a's context now (c1 included). The next one still lacks c1
  // (c never reached b): a relays it.
  sync.OnSummary("b", b.context(), 250, &a.context());
  EXPECT_FALSE(sync.Poll("b", a, 260).has_value());
  sync.OnSummary("b", b.context(), 500, &a.context());
  std::optional<Outgoing> relay = sync.Poll("b", a, 510);
  ASSERT_TRUE(relay.has_value());
  ASSERT_EQ(relay->delta->entries.size(), 1u);
  EXPECT_EQ(relay->delta->entries[0].key, "c1");
  b.Join(*relay->delta);
  EXPECT_EQ(b.Get("c1"), "v");

  // Had b heard c1 from c itself, its summary would have shown it and nothing was relayed.
  a.Join(c.Put("c2", "v", 4));
  sync.OnSummary("b", b.context(), 750, &a.context());
  b.Join(c.DeltaSince(b.context()));
  sync.OnSummary("b", b.context(), 1000, &a.context());
  EXPECT_FALSE(sync.Poll("b", a, 1010).has_value());
}

// A summary close behind the previous one (a probe's answer) that lacks a write a just got
// from c is no evidence: the write may still be on its way from c. One a retransmit timeout
// later is.
TEST(DeltaSyncOwnWritesFirstTest, OnlyASummaryATimeoutLaterIsEvidenceForARelay) {
  AwLwwMap a(1), b(2), c(3);
  DeltaSync sync(DeltaSyncOptions{.own_writes_first = true});
  sync.OnSummary("b", b.context(), 0, &a.context());
  std::optional<Outgoing> first = sync.Poll("b", a, 0);  // the catch-up: nothing to send yet
  EXPECT_FALSE(first.has_value());
  a.Join(c.Put("c1", "v", 1));
  sync.OnSummary("b", b.context(), 300, &a.context());  // the baseline now holds c1
  sync.OnSummary("b", b.context(), 310, &a.context());  // 10 ms later, without c1
  EXPECT_FALSE(sync.Poll("b", a, 320).has_value());
  sync.OnSummary("b", b.context(), 450, &a.context());  // 150 ms: c1 may still be coming
  EXPECT_FALSE(sync.Poll("b", a, 460).has_value());
  sync.OnSummary("b", b.context(), 510, &a.context());  // 210 ms, still without c1
  std::optional<Outgoing> relay = sync.Poll("b", a, 520);
  ASSERT_TRUE(relay.has_value());
  ASSERT_EQ(relay->delta->entries.size(), 1u);
  EXPECT_EQ(relay->delta->entries[0].key, "c1");
}

// After the first catch-up, a peer needs only a's writes after the counter it holds: peers
// that differ in what others sent them still share one delta, and an offered delta (the group
// commit a just appended) is used while the map stays as it was.
TEST(DeltaSyncOwnWritesFirstTest, PeersHoldingTheSameOwnWritesShareOneDelta) {
  AwLwwMap a(1), b(2), c(3), other(4);
  DeltaSync sync(DeltaSyncOptions{.own_writes_first = true});
  for (auto [name, peer] : {std::pair{"b", &b}, std::pair{"c", &c}}) {
    sync.OnSummary(name, peer->context(), 0, &a.context());
    a.Put(std::string("k-") + name, "v", 1);
    std::optional<Outgoing> first = sync.Poll(name, a, 0);  // the catch-up
    ASSERT_TRUE(first.has_value());
    peer->Join(*first->delta);
    ASSERT_TRUE(sync.OnAck(name, first->seq, peer->context()));
  }
  b.Join(other.Put("o", "v", 2));  // b acknowledges a write c never saw
  b.Join(a.DeltaSince(b.context()));
  sync.OnSummary("b", b.context(), 10, &a.context());
  sync.OnSummary("c", c.context(), 10, &a.context());

  a.Put("x", "1", 3);
  std::optional<Outgoing> to_b = sync.Poll("b", a, 20);
  std::optional<Outgoing> to_c = sync.Poll("c", a, 20);
  ASSERT_TRUE(to_b && to_c);
  EXPECT_EQ(to_b->delta, to_c->delta);  // built once
  ASSERT_EQ(to_b->delta->entries.size(), 1u);
  EXPECT_EQ(to_b->delta->entries[0].key, "x");

  const uint64_t since = a.counter();
  a.Put("y", "2", 4);
  auto offered = std::make_shared<const Delta>(a.OwnWritesSince(since));
  sync.Offer(a, since, offered);
  std::optional<Outgoing> y = sync.Poll("b", a, 30);
  ASSERT_TRUE(y.has_value());
  EXPECT_EQ(y->delta, offered);
  a.Put("z", "3", 5);  // the map moved on: c gets y and z, built afresh
  std::optional<Outgoing> yz = sync.Poll("c", a, 30);
  ASSERT_TRUE(yz.has_value());
  EXPECT_NE(yz->delta, offered);
  EXPECT_EQ(yz->delta->entries.size(), 2u);
  for (AwLwwMap* peer : {&b, &c}) peer->Join(*(peer == &b ? y : yz)->delta);
  EXPECT_EQ(c.Get("z"), "3");
  EXPECT_EQ(b.Get("y"), "2");
}

// What own-writes mode ships, OwnWritesSince(the peer's contiguous counter of a), has the same
// effect on a peer as the exact difference of a's writes, DeltaSince(its context, a), through
// overwrites, removes, concurrent writes and partial exchanges.
TEST(DeltaSyncOwnWritesFirstTest, OwnWritesSinceTheCounterJoinsLikeTheExactDifference) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::unique_ptr<AwLwwMap>> maps;
    for (ReplicaId r = 1; r <= 3; ++r) maps.push_back(std::make_unique<AwLwwMap>(r));
    uint64_t ts = 0;
    for (int step = 0; step < 40; ++step) {
      AwLwwMap& m = *maps[rng() % 3];
      const std::string key = "k" + std::to_string(rng() % 5);
      switch (rng() % 4) {
        case 0:
        case 1:
          m.Put(key, std::to_string(step), ++ts);
          break;
        case 2:
          m.Remove(key, ++ts);
          break;
        default: {
          AwLwwMap& from = *maps[rng() % 3];
          if (&from != &m) m.Join(from.DeltaSince(m.context()));
        }
      }
    }
    const AwLwwMap& a = *maps[0];
    for (size_t i = 1; i < 3; ++i) {
      const AwLwwMap& peer = *maps[i];
      AwLwwMap exact(peer.self()), own(peer.self());
      exact.Join(peer.State());
      own.Join(peer.State());
      exact.Join(a.DeltaSince(peer.context(), a.self()));
      own.Join(a.OwnWritesSince(peer.context().Max(a.self())));
      ASSERT_EQ(Visible(own), Visible(exact)) << "round " << round;
      ASSERT_TRUE(own.context() == exact.context()) << "round " << round;
      ASSERT_EQ(own.entry_count(), exact.entry_count()) << "round " << round;
      ASSERT_EQ(own.CheckInvariants(), "");
    }
  }
}

TEST(DeltaSyncGcTest, GarbageCollectionWaitsForEveryTrackedPeer) {
  AwLwwMap a(1), b(2), c(3);
  DeltaSync sync;
  sync.OnSummary("b", b.context());
  sync.ResetPeer("c");  // known member, summary not in yet
  b.Join(a.Put("k", "v", 1));
  c.Join(a.State());
  const Delta rm = a.Remove("k", 2);
  b.Join(rm);
  c.Join(rm);
  sync.OnSummary("b", b.context());
  EXPECT_TRUE(sync.SeenByAll(a).empty());  // c's context is unknown
  EXPECT_EQ(a.CollectGarbage(sync.SeenByAll(a)), 0u);
  CausalContext c_old;
  c_old.AddUpTo(1, 1);
  sync.OnSummary("c", c_old);  // c reports it has not seen the remove
  EXPECT_EQ(sync.SeenByAll(a), (std::map<ReplicaId, uint64_t>{{1, 1}}));
  EXPECT_EQ(a.CollectGarbage(sync.SeenByAll(a)), 0u);
  sync.OnSummary("c", c.context());
  EXPECT_EQ(sync.SeenByAll(a), (std::map<ReplicaId, uint64_t>{{1, 2}}));
  EXPECT_EQ(a.CollectGarbage(sync.SeenByAll(a)), 1u);
}

TEST(DeltaSyncGcTest, RemovedPeerNoLongerHoldsCollectionBack) {
  AwLwwMap a(1);
  DeltaSync sync;
  sync.ResetPeer("gone");
  a.Put("k", "v", 1);
  a.Remove("k", 2);
  EXPECT_TRUE(sync.SeenByAll(a).empty());
  sync.RemovePeer("gone");
  EXPECT_FALSE(sync.Tracks("gone"));
  EXPECT_EQ(a.CollectGarbage(sync.SeenByAll(a)), 1u);
}

TEST(DeltaSyncGcTest, PeerBehindTheHorizonIsSentTheWholeState) {
  AwLwwMap a(1), stale(2);
  DeltaSync sync;
  stale.Join(a.Put("k", "v", 1));
  a.Remove("k", 2);
  a.CollectGarbage(a.context().version_vector());  // stale was not a member then
  sync.OnSummary("stale", stale.context());
  std::optional<Outgoing> out = sync.Poll("stale", a, 0);
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(out->delta->full_state);
  stale.Join(*out->delta);
  EXPECT_FALSE(stale.Contains("k"));
  sync.OnAck("stale", out->seq, stale.context());
  a.Put("j", "w", 3);
  out = sync.Poll("stale", a, 1);
  ASSERT_TRUE(out.has_value());
  EXPECT_FALSE(out->delta->full_state);  // caught up: plain deltas again
}

}  // namespace
}  // namespace herd::crdt
