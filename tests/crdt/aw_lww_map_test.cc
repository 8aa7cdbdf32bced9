#include "crdt/aw_lww_map.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/random.h"
#include "tests/crdt/crdt_test_util.h"

namespace herd::crdt {
namespace {

using testing::DiffLog;
using ::testing::ElementsAre;
using testing::Exchange;
using ::testing::IsEmpty;
using testing::Visible;
using KV = std::map<std::string, std::string>;

TEST(AwLwwMapTest, PutGetAndCounts) {
  AwLwwMap m(1);
  DiffLog log;
  m.Put("a", "1", 10, log.Callback());
  m.Put("b", "2", 11, log.Callback());
  EXPECT_EQ(m.Get("a"), "1");
  EXPECT_EQ(m.Get("missing"), std::nullopt);
  EXPECT_TRUE(m.Contains("b"));
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.entry_count(), 2u);
  EXPECT_EQ(m.tombstone_count(), 0u);
  EXPECT_THAT(log.Take(), ElementsAre("+a=1", "+b=2"));
  EXPECT_EQ(m.CheckInvariants(), "");
}

// Prefetch is a hint: any step on any key (present, removed, never written; an empty map)
// changes nothing a read can see.
TEST(AwLwwMapTest, PrefetchIsOnlyAHint) {
  AwLwwMap empty(1);
  for (int step = 0; step < 3; ++step) empty.Prefetch("a", AwLwwMap::KeyHash("a"), step);
  EXPECT_EQ(empty.size(), 0u);

  AwLwwMap m(1);
  for (int i = 0; i < 100; ++i) m.Put("k" + std::to_string(i), "v" + std::to_string(i), 1 + i);
  m.Remove("k7", 200);
  const uint64_t version = m.version();
  for (const std::string key : {"k1", "k7", "k99", "absent", ""}) {
    for (int step = 0; step < 3; ++step) m.Prefetch(key, AwLwwMap::KeyHash(key), step);
  }
  EXPECT_EQ(m.version(), version);
  EXPECT_EQ(m.size(), 99u);
  EXPECT_EQ(m.Get("k1"), "v1");
  EXPECT_EQ(m.Get("k7"), std::nullopt);
  EXPECT_EQ(m.Get("absent"), std::nullopt);
}

TEST(AwLwwMapTest, PutDeltaCarriesTheNewEntryAndWhatItCovers) {
  AwLwwMap m(1);
  m.Put("k", "v1", 10);
  const Delta d = m.Put("k", "v2", 11);
  ASSERT_EQ(d.entries.size(), 1u);
  EXPECT_EQ(d.entries[0].key, "k");
  EXPECT_EQ(d.entries[0].entry.dot, (Dot{1, 2}));
  EXPECT_EQ(d.entries[0].entry.value, "v2");
  EXPECT_THAT(d.entries[0].entry.covers, ElementsAre(Dot{1, 1}));
  EXPECT_FALSE(d.full_state);
  CausalContext want;
  want.AddUpTo(1, 2);
  EXPECT_EQ(d.context, want);
  EXPECT_EQ(m.entry_count(), 1u);  // the covered write is gone
}

TEST(AwLwwMapTest, CoversAreTransitive) {
  AwLwwMap m(1);
  m.Put("k", "v1", 1);
  m.Put("k", "v2", 2);
  m.Remove("k", 3);
  const Delta d = m.Put("k", "v4", 4);
  EXPECT_THAT(d.entries[0].entry.covers, ElementsAre(Dot{1, 1}, Dot{1, 2}, Dot{1, 3}));
}

TEST(AwLwwMapTest, UnchangedWriteIssuesADotButNoDiff) {
  AwLwwMap m(1);
  DiffLog log;
  m.Put("k", "same", 1, log.Callback());
  const Delta d = m.Put("k", "same", 2, log.Callback());
  EXPECT_EQ(d.entries.size(), 1u);
  EXPECT_EQ(d.entries[0].entry.dot, (Dot{1, 2}));
  EXPECT_THAT(log.Take(), ElementsAre("+k=same"));
}

TEST(AwLwwMapTest, UpdateAndRemoveReportOldValues) {
  AwLwwMap m(1);
  DiffLog log;
  m.Put("k", "a", 1, log.Callback());
  m.Put("k", "b", 2, log.Callback());
  m.Remove("k", 3, log.Callback());
  EXPECT_THAT(log.Take(), ElementsAre("+k=a", "~k=a>b", "-k=b"));
  EXPECT_FALSE(m.Contains("k"));
  EXPECT_EQ(m.size(), 0u);
  EXPECT_EQ(m.tombstone_count(), 1u);
  EXPECT_EQ(m.entry_count(), 1u);
}

TEST(AwLwwMapTest, RemoveOfAbsentKeyIsANoOp) {
  AwLwwMap m(1);
  EXPECT_TRUE(m.Remove("nope", 1).empty());
  EXPECT_TRUE(m.context().empty());  // no dot was issued
  m.Put("k", "v", 1);
  m.Remove("k", 2);
  EXPECT_TRUE(m.Remove("k", 3).empty());  // only a tombstone left: still absent
  EXPECT_EQ(m.context().Max(1), 2u);
  EXPECT_EQ(m.CheckInvariants(), "");
}

TEST(AwLwwMapTest, WriteIsAPutOrRemoveWithoutTheDelta) {
  AwLwwMap a(1), b(1);
  DiffLog la, lb;
  const std::vector<std::pair<std::string, std::optional<std::string>>> writes = {
      {"k", "v1"},
      {"k", "v1"},
      {"j", "x"},
      {"k", "v2"},
      {"k", std::nullopt},
      {"k", std::nullopt},
      {"none", std::nullopt},
      {"k", "v3"}};
  uint64_t ts = 0;
  for (const auto& [key, value] : writes) {
    ++ts;
    const Delta d =
        value ? a.Put(key, *value, ts, la.Callback()) : a.Remove(key, ts, la.Callback());
    EXPECT_EQ(b.Write(key, value, ts, lb.Callback()), !d.empty()) << key << " at " << ts;
  }
  EXPECT_EQ(la.Take(), lb.Take());
  EXPECT_EQ(a.State(), b.State());
  EXPECT_EQ(b.CheckInvariants(), "");
}

TEST(AwLwwMapTest, AddWinsOverAConcurrentRemove) {
  AwLwwMap a(1), b(2);
  b.Join(a.Put("k", "v1", 10));
  const Delta put = a.Put("k", "v2", 11);  // concurrent with b's remove
  const Delta rm = b.Remove("k", 12);      // a later timestamp does not matter: add wins
  a.Join(rm);
  b.Join(put);
  EXPECT_EQ(a.Get("k"), "v2");
  EXPECT_EQ(b.Get("k"), "v2");
}

TEST(AwLwwMapTest, RemoveOfAnObservedWriteWins) {
  AwLwwMap a(1), b(2);
  b.Join(a.Put("k", "v", 10));
  a.Join(b.Remove("k", 5));  // an older timestamp, but it saw the write
  EXPECT_FALSE(a.Contains("k"));
}

TEST(AwLwwMapTest, ConcurrentPutsLastTimestampWins) {
  AwLwwMap a(1), b(2);
  const Delta da = a.Put("k", "from-a", 20);
  const Delta db = b.Put("k", "from-b", 10);
  a.Join(db);
  b.Join(da);
  EXPECT_EQ(a.Get("k"), "from-a");
  EXPECT_EQ(b.Get("k"), "from-a");
  EXPECT_EQ(a.entry_count(), 2u);  // both heads stay until a write covers them
}

TEST(AwLwwMapTest, EqualTimestampsHigherReplicaWins) {
  AwLwwMap a(1), b(2);
  const Delta da = a.Put("k", "from-1", 10);
  const Delta db = b.Put("k", "from-2", 10);
  a.Join(db);
  b.Join(da);
  EXPECT_EQ(a.Get("k"), "from-2");
  EXPECT_EQ(b.Get("k"), "from-2");
}

TEST(AwLwwMapTest, CausallyLaterWriteWinsEvenWithASmallerTimestamp) {
  AwLwwMap a(1), b(2);
  b.Join(a.Put("k", "old", 100));
  a.Join(b.Put("k", "new", 5));
  EXPECT_EQ(a.Get("k"), "new");
}

TEST(AwLwwMapTest, WriteAfterConcurrentHeadsCoversThemAll) {
  AwLwwMap a(1), b(2);
  const Delta da = a.Put("k", "x", 1);
  const Delta db = b.Put("k", "y", 2);
  a.Join(db);
  const Delta d = a.Put("k", "z", 0);
  EXPECT_THAT(d.entries[0].entry.covers, ElementsAre(Dot{1, 1}, Dot{2, 1}));
  b.Join(d);
  EXPECT_EQ(b.Get("k"), "z");
  EXPECT_EQ(b.entry_count(), 1u);
}

TEST(AwLwwMapTest, BothPutSameValueThenOneDeletesGoneEverywhere) {
  AwLwwMap a(1), b(2), c(3);
  const Delta da = a.Put("k", "v", 1);
  const Delta db = b.Put("k", "v", 1);
  a.Join(db);
  b.Join(da);
  c.Join(da);
  c.Join(db);
  const Delta rm = a.Remove("k", 2);
  b.Join(rm);
  c.Join(rm);
  EXPECT_FALSE(a.Contains("k"));
  EXPECT_FALSE(b.Contains("k"));
  EXPECT_FALSE(c.Contains("k"));
}

TEST(AwLwwMapTest, NoResurrectionAfterAPartition) {
  AwLwwMap a(1), b(2), c(3);
  const Delta put = a.Put("k", "v", 1);
  b.Join(put);
  c.Join(put);
  // c is cut off while a removes k and b learns of it.
  b.Join(a.Remove("k", 2));
  // c, still holding the value, reconnects and pushes what it has: nothing comes back.
  a.Join(c.DeltaSince(a.context()));
  a.Join(c.State());
  b.Join(c.State());
  EXPECT_FALSE(a.Contains("k"));
  EXPECT_FALSE(b.Contains("k"));
  Exchange(b, c);
  EXPECT_FALSE(c.Contains("k"));
  EXPECT_EQ(Visible(a), Visible(c));
}

TEST(AwLwwMapTest, DiffsOfOneJoinAreReportedAfterTheWholeJoin) {
  AwLwwMap a(1), b(2);
  a.Put("x", "1", 1);
  a.Put("y", "2", 1);
  a.Put("z", "3", 1);
  std::vector<std::string> seen;
  b.Join(a.DeltaSince(b.context()), [&](const Diff& d) {
    // Every key of the join is already visible from inside the callback.
    seen.push_back(std::string(d.key) + ":" + std::to_string(b.size()));
  });
  EXPECT_THAT(seen, ElementsAre("x:3", "y:3", "z:3"));
}

TEST(AwLwwMapTest, JoinReportsAddUpdateRemoveAndSkipsInvisibleChanges) {
  AwLwwMap a(1), b(2);
  DiffLog log;
  b.Join(a.Put("k", "v1", 1), log.Callback());
  b.Join(a.Put("k", "v2", 2), log.Callback());
  AwLwwMap c(3);
  c.Join(b.State());
  b.Join(c.Put("k", "newer", 0), log.Callback());
  EXPECT_EQ(b.Get("k"), "newer");  // c saw v2, so its write covers it: not concurrent
  b.Join(a.Put("j", "same", 5), log.Callback());
  // A concurrent write that loses the LWW comparison changes nothing visible.
  const Delta concurrent = AwLwwMap(4).Put("j", "other", 1);
  b.Join(concurrent, log.Callback());
  EXPECT_EQ(b.Get("j"), "same");
  b.Join(c.Remove("k", 3), log.Callback());
  EXPECT_THAT(log.Take(), ElementsAre("+k=v1", "~k=v1>v2", "~k=v2>newer", "+j=same", "-k=newer"));
  b.Join(c.State(), log.Callback());  // idempotent: nothing new
  EXPECT_THAT(log.Take(), IsEmpty());
}

// A join of many keys (past the tracker's linear search) that replaces what it kills: moved or
// copied, it reports each key once, as an update, and leaves the same state.
TEST(AwLwwMapTest, BigJoinMovedOrCopiedReportsEachKeyOnce) {
  AwLwwMap a(1);
  for (int i = 0; i < 200; ++i) a.Put("k" + std::to_string(i), "old", 1);
  AwLwwMap copied(2), moved(3);
  copied.Join(a.State());
  moved.Join(a.State());
  const CausalContext before = a.context();
  for (int i = 0; i < 200; ++i) a.Put("k" + std::to_string(i), "new" + std::to_string(i), 2);
  const Delta delta = a.DeltaSince(before);
  ASSERT_EQ(delta.entries.size(), 200u);
  DiffLog copied_log, moved_log;
  copied.Join(delta, copied_log.Callback());
  moved.Join(Delta(delta), moved_log.Callback());
  const std::vector<std::string> diffs = copied_log.Take();
  ASSERT_EQ(diffs.size(), 200u);
  EXPECT_EQ(diffs.front(), "~k0=old>new0");
  EXPECT_EQ(moved_log.Take(), diffs);
  EXPECT_EQ(moved.State().entries, a.State().entries);
  EXPECT_EQ(copied.State().entries, a.State().entries);
  EXPECT_EQ(moved.CheckInvariants(), "");
  EXPECT_EQ(copied.CheckInvariants(), "");
}

// A batch of own writes as one delta: overwrites, removes and a remote write that kills one of
// them in between. Joined with the remote delta, it rebuilds the writer's state.
TEST(AwLwwMapTest, OwnWritesSinceIsOneDeltaForABatchOfWrites) {
  AwLwwMap a(1), peer(2);
  a.Put("kept", "1", 1);
  const uint64_t start = a.counter();
  a.Put("x", "1", 2);
  a.Put("x", "2", 3);  // overwrites a write of the batch
  a.Put("y", "1", 4);
  a.Remove("kept", 5);  // a tombstone over a write from before the batch
  peer.Join(a.State());
  const Delta remote = peer.Put("y", "peer", 6);  // kills a write of the batch
  a.Join(remote);
  a.Put("z", "1", 7);
  const Delta batch = a.OwnWritesSince(start);
  EXPECT_EQ(batch.entries.size(), 3u);  // x=2, the tombstone of kept, z (y's write is dead)
  AwLwwMap replay(1);
  replay.Put("kept", "1", 1);
  replay.Join(batch);
  replay.Join(remote);
  EXPECT_EQ(replay.State().entries, a.State().entries);
  EXPECT_EQ(replay.context(), a.context());
  EXPECT_EQ(replay.CheckInvariants(), "");
  EXPECT_TRUE(a.OwnWritesSince(a.counter()).empty());
}

TEST(AwLwwMapTest, JoiningOwnDeltasRebuildsTheState) {
  AwLwwMap a(1), copy(9);
  std::vector<Delta> deltas;
  deltas.push_back(a.Put("a", "1", 1));
  deltas.push_back(a.Put("b", "2", 2));
  deltas.push_back(a.Put("a", "3", 3));
  deltas.push_back(a.Remove("b", 4));
  for (const Delta& d : deltas) copy.Join(d);
  EXPECT_EQ(copy.State().entries, a.State().entries);
  EXPECT_EQ(copy.context(), a.context());
  EXPECT_EQ(copy.CheckInvariants(), "");
}

TEST(AwLwwMapTest, CounterContinuesAfterReloadingAPersistedState) {
  AwLwwMap before(5);
  before.Put("a", "1", 1);
  before.Put("b", "2", 2);
  before.Put("a", "3", 3);
  AwLwwMap after(5);  // same replica id: the member kept its data dir
  after.Join(before.State());
  const Delta d = after.Put("c", "4", 4);
  EXPECT_EQ(d.entries[0].entry.dot, (Dot{5, 4}));
  EXPECT_EQ(after.CheckInvariants(), "");
}

TEST(AwLwwMapTest, PrefixScans) {
  AwLwwMap m(1);
  for (const char* k : {"member/a", "member/b", "workload/w1", "workload/w2", "workload/w3"}) {
    m.Put(k, std::string("v-") + k, 1);
  }
  m.Remove("workload/w2", 2);
  std::vector<std::string> keys;
  m.ForEachPrefix("workload/", [&](std::string_view k, std::string_view) { keys.emplace_back(k); });
  EXPECT_THAT(keys, ElementsAre("workload/w1", "workload/w3"));
  keys.clear();
  m.ScanFrom("workload/", "workload/w1", [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  });
  EXPECT_THAT(keys, ElementsAre("workload/w3"));
  keys.clear();
  m.ScanFrom("", "", [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return keys.size() < 2;  // stop after two
  });
  EXPECT_THAT(keys, ElementsAre("member/a", "member/b"));
}

// Key order is kept lazily (new keys sorted in, erased ones dropped, only when a scan needs
// order): scans between random writes, removals and collections that erase keys and bring them
// back must still see every visible key once, in order.
TEST(AwLwwMapTest, ScansStayInKeyOrderThroughErasureAndReAddition) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    Random rng(seed);
    AwLwwMap m(1);
    KV model;
    for (int step = 0; step < 6000; ++step) {
      const std::string key = (rng.Uniform(2) ? "w/" : "s/") + std::to_string(rng.Uniform(300));
      switch (rng.Uniform(8)) {
        case 0:
          m.Remove(key, static_cast<uint64_t>(step));
          model.erase(key);
          break;
        case 1:
          m.CollectGarbage({{1, m.counter()}});  // every tombstone: their keys are erased
          break;
        case 2: {
          std::vector<std::string> keys;
          m.ScanFrom("w/", key, [&](std::string_view k, std::string_view) {
            keys.emplace_back(k);
            return keys.size() < 20;
          });
          std::vector<std::string> want;  // the "w/" keys after `key` ("s/..." precedes them)
          for (auto it = model.upper_bound(key); it != model.end() && want.size() < 20; ++it) {
            if (it->first.starts_with("w/")) want.push_back(it->first);
          }
          ASSERT_EQ(keys, want) << "seed=" << seed << " step=" << step;
          break;
        }
        case 3: {
          using Pairs = std::vector<std::pair<std::string, std::string>>;
          Pairs all;
          m.ForEachPrefix("",
                          [&](std::string_view k, std::string_view v) { all.emplace_back(k, v); });
          const Pairs want(model.begin(), model.end());
          ASSERT_EQ(all, want) << "seed=" << seed << " step=" << step;
          break;
        }
        default:
          m.Put(key, std::to_string(step), static_cast<uint64_t>(step));
          model[key] = std::to_string(step);
      }
      if (step % 500 == 0) {
        ASSERT_EQ(m.CheckInvariants(), "") << "seed=" << seed;
      }
    }
    EXPECT_EQ(m.size(), model.size());
    EXPECT_EQ(m.CheckInvariants(), "");
  }
}

TEST(AwLwwMapTest, DeltaSinceSendsOnlyTheDifference) {
  AwLwwMap a(1), b(2);
  for (int i = 0; i < 50; ++i) a.Put("k" + std::to_string(i), "v", 1);
  b.Join(a.State());
  a.Put("k7", "changed", 2);
  a.Remove("k9", 3);
  const Delta d = a.DeltaSince(b.context());
  EXPECT_FALSE(d.full_state);
  ASSERT_EQ(d.entries.size(), 2u);
  EXPECT_EQ(d.entries[0].key, "k7");
  EXPECT_EQ(d.entries[1].key, "k9");
  EXPECT_TRUE(d.entries[1].entry.tombstone);
  b.Join(d);
  EXPECT_EQ(Visible(a), Visible(b));
  EXPECT_TRUE(a.DeltaSince(b.context()).empty());
}

TEST(AwLwwMapTest, DeltaSinceSkipsDotsInThePeersCloud) {
  AwLwwMap a(1), b(2);
  a.Put("x", "1", 1);
  const Delta y = a.Put("y", "2", 1);
  b.Join(y);  // b has (1,2) in its cloud, not (1,1)
  const Delta d = a.DeltaSince(b.context());
  ASSERT_EQ(d.entries.size(), 1u);
  EXPECT_EQ(d.entries[0].key, "x");
}

}  // namespace
}  // namespace herd::crdt
