// Garbage collection: tombstones and covers go once every member has seen them, and a peer
// that has not falls back to the whole state so that nothing it holds comes back.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crdt/aw_lww_map.h"
#include "tests/crdt/crdt_test_util.h"

namespace herd::crdt {
namespace {

using ::testing::IsEmpty;
using testing::Visible;

std::map<ReplicaId, uint64_t> Common(const AwLwwMap& a, const AwLwwMap& b) {
  return CommonVersionVector({&a.context(), &b.context()});
}

TEST(GcTest, DropsATombstoneOnlyOnceEveryoneHasSeenIt) {
  AwLwwMap a(1), b(2);
  b.Join(a.Put("k", "v", 1));
  a.Remove("k", 2);
  EXPECT_EQ(a.CollectGarbage(Common(a, b)), 0u);  // b has not seen the remove
  EXPECT_EQ(a.tombstone_count(), 1u);
  b.Join(a.DeltaSince(b.context()));
  EXPECT_EQ(a.CollectGarbage(Common(a, b)), 1u);
  EXPECT_EQ(a.tombstone_count(), 0u);
  EXPECT_EQ(a.entry_count(), 0u);
  EXPECT_EQ(b.CollectGarbage(Common(a, b)), 1u);
  EXPECT_EQ(a.CheckInvariants(), "");
  EXPECT_EQ(b.CheckInvariants(), "");
  EXPECT_EQ(Visible(a), Visible(b));
}

// Keys leave the map when garbage collection drops their last tombstone and when a join kills
// their last entry: reads after that (which go through the lookup cache) see them absent, and a
// key written again is a new key.
TEST(GcTest, KeysErasedByCollectionOrJoinReadAsAbsent) {
  AwLwwMap a(1), b(2);
  b.Join(a.Put("k", "v", 1));
  EXPECT_EQ(a.Get("k"), "v");
  EXPECT_EQ(b.Get("k"), "v");
  a.Remove("k", 2);
  EXPECT_EQ(a.Get("k"), std::nullopt);
  // a drops its tombstone as if b had seen it; b then learns of the removal from a's context
  // alone (no entry for k comes with it), so its join erases the key.
  EXPECT_EQ(a.CollectGarbage(a.context().version_vector()), 1u);
  EXPECT_EQ(a.Get("k"), std::nullopt);
  b.Join(a.State());
  EXPECT_EQ(b.Get("k"), std::nullopt);
  EXPECT_EQ(b.entry_count(), 0u);
  b.Put("k", "again", 3);
  a.Put("k", "anew", 4);
  EXPECT_EQ(b.Get("k"), "again");
  EXPECT_EQ(a.Get("k"), "anew");
  b.Join(a.DeltaSince(b.context()));
  EXPECT_EQ(b.Get("k"), "anew");
  EXPECT_EQ(a.CheckInvariants(), "");
  EXPECT_EQ(b.CheckInvariants(), "");
}

TEST(GcTest, TrimsCoversSoWritesStaySmall) {
  AwLwwMap a(1), b(2);
  for (int i = 0; i < 10; ++i) b.Join(a.Put("k", "v" + std::to_string(i), i));
  EXPECT_EQ(a.Put("k", "x", 10).entries[0].entry.covers.size(), 10u);
  a.CollectGarbage(a.context().version_vector());  // as if b had acked everything
  const Delta d = a.Put("k", "y", 11);
  EXPECT_THAT(d.entries[0].entry.covers, ::testing::ElementsAre(Dot{1, 11}));
}

TEST(GcTest, CollectsOnlyWhatItHasSeenItself) {
  AwLwwMap a(1);
  a.Put("k", "v", 1);
  a.Remove("k", 2);
  std::map<ReplicaId, uint64_t> too_far{{1, 100}, {9, 5}};
  EXPECT_EQ(a.CollectGarbage(too_far), 1u);
  EXPECT_EQ(a.CheckInvariants(), "");
  EXPECT_EQ(a.CollectGarbage(too_far), 0u);
}

TEST(GcTest, PeerBehindTheHorizonGetsTheWholeState) {
  AwLwwMap a(1), b(2), c(3);
  const Delta put = a.Put("k", "v", 1);
  b.Join(put);
  c.Join(put);  // c then drops off the membership, still holding k=v
  b.Join(a.Remove("k", 2));
  EXPECT_FALSE(a.NeedsFullState(c.context()));
  EXPECT_EQ(a.CollectGarbage(Common(a, b)), 1u);  // c is no longer counted
  EXPECT_TRUE(a.NeedsFullState(c.context()));
  EXPECT_FALSE(a.NeedsFullState(b.context()));

  // A plain diff has nothing left that could kill c's stale entry...
  EXPECT_TRUE(a.DeltaSince(b.context()).empty());
  // ...so c gets the whole state, whose context does.
  const Delta d = a.DeltaSince(c.context());
  ASSERT_TRUE(d.full_state);
  EXPECT_THAT(d.entries, IsEmpty());
  c.Join(d);
  EXPECT_FALSE(c.Contains("k"));
  EXPECT_EQ(c.entry_count(), 0u);
  EXPECT_FALSE(a.NeedsFullState(c.context()));
}

TEST(GcTest, TrimmedCoversAlsoRaiseTheHorizon) {
  AwLwwMap a(1), b(2), c(3);
  const Delta first = a.Put("k", "old", 1);
  b.Join(first);
  c.Join(first);
  b.Join(a.Put("k", "new", 2));
  a.CollectGarbage(Common(a, b));  // trims the covers of (1,2)
  const Delta d = a.DeltaSince(c.context());
  ASSERT_TRUE(d.full_state);
  c.Join(d);
  EXPECT_EQ(c.Get("k"), "new");
  EXPECT_EQ(c.entry_count(), 1u);  // the old write did not survive next to the new one
}

TEST(GcTest, AFullStateJoinInheritsTheSendersHorizon) {
  AwLwwMap a(1), b(2), stale(3);
  const Delta put = a.Put("k", "v", 1);
  stale.Join(put);
  a.Remove("k", 2);
  a.CollectGarbage(a.context().version_vector());
  b.Join(a.State());
  // b never collected anything itself, but a stale peer must not get a plain diff from it.
  EXPECT_TRUE(b.NeedsFullState(stale.context()));
  stale.Join(b.DeltaSince(stale.context()));
  EXPECT_FALSE(stale.Contains("k"));
}

// A member that trimmed covers writes on: its later writes carry the trimmed covers, and its
// log holds them. Rebuilt from that log (a restart), nothing says it collected anything, so a
// peer that lost writes it had acknowledged (a machine crash) and still holds one they killed
// would get a plain diff that cannot kill it: the maps would differ for good, with equal
// contexts (herd-sim seed 900561). RaiseHorizonToContext makes that peer get the whole state.
TEST(GcTest, AMapReloadedFromItsLogSendsTheWholeStateToAPeerBehindIt) {
  AwLwwMap a(1), b(2), crashed(3);
  std::vector<Delta> log;  // what a appended: its writes and what it joined
  log.push_back(a.Put("owner/w", "m0", 1));
  b.Join(log.back());
  crashed.Join(log.back());
  const Delta takeover = b.Put("owner/w", "m2", 2);  // covers (1,1)
  log.push_back(takeover);
  a.Join(takeover);
  crashed.Join(takeover);
  // Every member acknowledged the takeover; `crashed` then loses it (never on its disk).
  AwLwwMap lost(3);
  lost.Join(log.front());
  a.CollectGarbage(CommonVersionVector({&a.context(), &b.context(), &crashed.context()}));
  log.push_back(a.Put("owner/w", "m0", 3));  // covers the takeover alone, its covers trimmed
  AwLwwMap reloaded(1);
  for (const Delta& record : log) reloaded.Join(record);
  EXPECT_FALSE(reloaded.NeedsFullState(lost.context()));  // what it knew is gone
  reloaded.RaiseHorizonToContext();
  const Delta d = reloaded.DeltaSince(lost.context());
  ASSERT_TRUE(d.full_state);
  lost.Join(d);
  EXPECT_EQ(lost.Get("owner/w"), "m0");
  EXPECT_EQ(lost.entry_count(), 1u);  // the first owner write did not survive beside the last
  EXPECT_EQ(lost.context(), reloaded.context());
  EXPECT_EQ(Visible(lost), Visible(reloaded));
}

TEST(GcTest, GarbageCollectionNeverChangesWhatIsVisible) {
  AwLwwMap a(1), b(2);
  a.Put("x", "1", 1);
  b.Join(a.State());
  const Delta bx = b.Put("x", "2", 5);  // concurrent with a's remove below
  a.Remove("x", 3);
  a.Join(bx);
  b.Join(a.DeltaSince(b.context()));
  const auto before = Visible(a);
  EXPECT_EQ(before.at("x"), "2");  // add wins
  a.CollectGarbage(Common(a, b));
  b.CollectGarbage(Common(a, b));
  EXPECT_EQ(Visible(a), before);
  EXPECT_EQ(Visible(b), before);
  EXPECT_EQ(a.tombstone_count(), 0u);
}

}  // namespace
}  // namespace herd::crdt
