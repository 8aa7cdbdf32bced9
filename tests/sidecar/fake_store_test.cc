#include "sidecar/fake_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/sidecar/store_test_util.h"

namespace herd::sidecar {
namespace {

using ::herd::sidecar::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

Store::Loaded MustLoad(Store& store) {
  Result<Store::Loaded> loaded = store.Load();
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  return loaded.ok() ? std::move(loaded).value() : Store::Loaded{};
}

TEST(FakeStoreTest, CrashDropsWhatWasNotSynced) {
  FakeStore store;
  MustLoad(store);
  ASSERT_TRUE(store.Append("a").ok());
  ASSERT_TRUE(store.Sync().ok());
  ASSERT_TRUE(store.Append("b").ok());
  EXPECT_THAT(store.durable_records(), ElementsAre("a"));
  EXPECT_THAT(store.buffered_records(), ElementsAre("b"));
  EXPECT_EQ(store.log_records(), 2u);
  EXPECT_EQ(store.log_bytes(), 2 * (kStoreRecordOverheadBytes + 1));
  store.Crash();
  EXPECT_THAT(MustLoad(store).records, ElementsAre("a"));
}

TEST(FakeStoreTest, RestartKeepsUnsyncedRecordsLikeThePageCache) {
  FakeStore store;
  MustLoad(store);
  ASSERT_TRUE(store.Append("a").ok());
  store.Restart();
  EXPECT_FALSE(store.loaded());
  EXPECT_THAT(MustLoad(store).records, ElementsAre("a"));
  EXPECT_THAT(store.durable_records(), ElementsAre("a"));
}

TEST(FakeStoreTest, CallsOutOfOrderAreRefused) {
  FakeStore store;
  EXPECT_THAT(store.Append("x"), StatusIs(StatusCode::kFailedPrecondition, "before Load()"));
  EXPECT_THAT(store.Sync(), StatusIs(StatusCode::kFailedPrecondition, "before Load()"));
  EXPECT_THAT(store.Compact("s"), StatusIs(StatusCode::kFailedPrecondition, "before Load()"));
  MustLoad(store);
  EXPECT_THAT(store.Load().status(), StatusIs(StatusCode::kFailedPrecondition, "twice"));
}

TEST(FakeStoreTest, InjectedAppendFailuresChangeNothing) {
  FakeStore store;
  MustLoad(store);
  store.FailNextAppends(2, ResourceExhausted("disk full"));
  EXPECT_EQ(store.Append("a"), ResourceExhausted("disk full"));
  EXPECT_EQ(store.Append("b"), ResourceExhausted("disk full"));
  EXPECT_TRUE(store.Append("c").ok());
  EXPECT_THAT(store.buffered_records(), ElementsAre("c"));
  EXPECT_EQ(store.stats().append_errors, 2u);
}

TEST(FakeStoreTest, InjectedSyncFailureDropsBufferedAndPoisonsUntilRestart) {
  FakeStore store;
  MustLoad(store);
  ASSERT_TRUE(store.Append("durable").ok());
  ASSERT_TRUE(store.Sync().ok());
  ASSERT_TRUE(store.Append("lost").ok());
  store.FailNextSyncs(1, Internal("fsync: EIO"));
  EXPECT_EQ(store.Sync(), Internal("fsync: EIO"));
  EXPECT_TRUE(store.poisoned());
  EXPECT_THAT(store.Append("x"), StatusIs(StatusCode::kFailedPrecondition, "fsync: EIO"));
  EXPECT_THAT(store.Sync(), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(store.stats().sync_errors, 1u);
  store.Restart();
  EXPECT_FALSE(store.poisoned());
  EXPECT_THAT(MustLoad(store).records, ElementsAre("durable"));
  EXPECT_TRUE(store.Append("y").ok());
}

TEST(FakeStoreTest, ACompactionClearsThePoisonOfAFailedSync) {
  FakeStore store;
  MustLoad(store);
  ASSERT_TRUE(store.Append("lost").ok());
  store.FailNextSyncs(1, Internal("fsync: EIO"));
  ASSERT_FALSE(store.Sync().ok());
  ASSERT_TRUE(store.poisoned());
  EXPECT_TRUE(store.Compact("state").ok());
  EXPECT_FALSE(store.poisoned());
  EXPECT_TRUE(store.Append("y").ok());
  EXPECT_TRUE(store.Sync().ok());
  store.Crash();
  Store::Loaded loaded = MustLoad(store);
  EXPECT_EQ(loaded.snapshot, "state");
  EXPECT_THAT(loaded.records, ElementsAre("y"));
}

TEST(FakeStoreTest, CompactionFoldsTheLogIntoTheSnapshot) {
  FakeStore store;
  MustLoad(store);
  ASSERT_TRUE(store.Append("a").ok());
  ASSERT_TRUE(store.Append("b").ok());
  store.FailNextCompacts(1, ResourceExhausted("disk full"));
  EXPECT_EQ(store.Compact("S"), ResourceExhausted("disk full"));
  EXPECT_EQ(store.log_records(), 2u);
  ASSERT_TRUE(store.Compact("S").ok());
  EXPECT_EQ(store.log_records(), 0u);
  EXPECT_EQ(store.log_bytes(), 0u);
  ASSERT_TRUE(store.Append("c").ok());
  ASSERT_TRUE(store.Sync().ok());
  store.Crash();
  Store::Loaded loaded = MustLoad(store);
  EXPECT_EQ(loaded.snapshot, "S");
  EXPECT_THAT(loaded.records, ElementsAre("c"));
  EXPECT_EQ(store.stats().compactions, 1u);
}

TEST(FakeStoreTest, ReportsAnInjectedTailCutOnce) {
  FakeStore store;
  store.SetNextLoadDroppedTailBytes(17);
  EXPECT_EQ(MustLoad(store).dropped_tail_bytes, 17u);
  store.Restart();
  EXPECT_EQ(MustLoad(store).dropped_tail_bytes, 0u);
}

TEST(FakeStoreTest, IdentityRoundTrip) {
  FakeStore store;
  EXPECT_THAT(store.ReadIdentity().status(), StatusIs(StatusCode::kNotFound));
  ASSERT_TRUE(store.WriteIdentity("replica=3").ok());
  store.Crash();
  Result<std::string> id = store.ReadIdentity();
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "replica=3");
  EXPECT_THAT(store.WriteIdentity(std::string(kMaxStoreIdentityBytes + 1, 'x')),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(*store.ReadIdentity(), "replica=3");
}

TEST(FakeStoreTest, EmptyStoreLoadsNothing) {
  FakeStore store;
  Store::Loaded loaded = MustLoad(store);
  EXPECT_EQ(loaded.snapshot, "");
  EXPECT_THAT(loaded.records, IsEmpty());
  EXPECT_TRUE(store.Sync().ok());
  EXPECT_EQ(store.stats().fsyncs, 0u);
}

}  // namespace
}  // namespace herd::sidecar
