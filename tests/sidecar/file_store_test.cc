#include "sidecar/posix/file_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/random.h"
#include "sidecar/posix/store_format.h"
#include "tests/sidecar/store_test_util.h"

namespace herd::sidecar {
namespace {

using ::herd::sidecar::testing::FileSize;
using ::herd::sidecar::testing::ReadRaw;
using ::herd::sidecar::testing::StatusIs;
using ::herd::sidecar::testing::TempDir;
using ::herd::sidecar::testing::WriteRaw;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::unique_ptr<FileStore> MustOpen(const std::string& dir) {
  Result<std::unique_ptr<FileStore>> s = FileStore::Open(dir);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? std::move(s).value() : nullptr;
}

Store::Loaded MustLoad(Store& store) {
  Result<Store::Loaded> loaded = store.Load();
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  return loaded.ok() ? std::move(loaded).value() : Store::Loaded{};
}

// Opens the store in `dir`, loads it, appends `records` and syncs; closes it on return.
void Populate(const std::string& dir, const std::vector<std::string>& records) {
  auto store = MustOpen(dir);
  ASSERT_NE(store, nullptr);
  MustLoad(*store);
  for (const std::string& r : records) {
    ASSERT_TRUE(store->Append(r).ok());
  }
  ASSERT_TRUE(store->Sync().ok());
}

std::vector<std::string> Numbered(int n, size_t size = 20) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::string r = "record-" + std::to_string(i) + "-";
    r.resize(size, static_cast<char>('a' + i % 26));
    out.push_back(r);
  }
  return out;
}

// The file offset at which record `i` of `records` starts.
uint64_t OffsetOf(const std::vector<std::string>& records, size_t i) {
  uint64_t off = kLogHeaderBytes;
  for (size_t k = 0; k < i; ++k) {
    off += kRecordHeaderBytes + records[k].size();
  }
  return off;
}

TEST(FileStoreTest, FreshDirLoadsEmptyAndRoundTrips) {
  TempDir dir;
  {
    auto store = MustOpen(dir.path() + "/nested/data");
    ASSERT_NE(store, nullptr);
    Store::Loaded loaded = MustLoad(*store);
    EXPECT_EQ(loaded.snapshot, "");
    EXPECT_THAT(loaded.records, IsEmpty());
    EXPECT_EQ(loaded.dropped_tail_bytes, 0u);
    ASSERT_TRUE(store->Append("one").ok());
    ASSERT_TRUE(store->Append(std::string("t\0o", 3)).ok());
    ASSERT_TRUE(store->Sync().ok());
    EXPECT_EQ(store->log_records(), 2u);
    EXPECT_EQ(store->log_bytes(), 2 * kRecordHeaderBytes + 6);
  }
  auto store = MustOpen(dir.path() + "/nested/data");
  ASSERT_NE(store, nullptr);
  Store::Loaded loaded = MustLoad(*store);
  EXPECT_THAT(loaded.records, ElementsAre("one", std::string("t\0o", 3)));
  EXPECT_EQ(loaded.dropped_tail_bytes, 0u);
  EXPECT_EQ(store->log_records(), 2u);
  EXPECT_EQ(store->log_bytes(), 2 * kRecordHeaderBytes + 6);
}

TEST(FileStoreTest, CallsOutOfOrderAreRefused) {
  TempDir dir;
  auto store = MustOpen(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(store->Append("x"), StatusIs(StatusCode::kFailedPrecondition, "before Load()"));
  EXPECT_THAT(store->Sync(), StatusIs(StatusCode::kFailedPrecondition, "before Load()"));
  EXPECT_THAT(store->Compact("s"), StatusIs(StatusCode::kFailedPrecondition, "before Load()"));
  MustLoad(*store);
  EXPECT_THAT(store->Load().status(), StatusIs(StatusCode::kFailedPrecondition, "twice"));
  EXPECT_THAT(FileStore::Open("").status(), StatusIs(StatusCode::kInvalidArgument));
}

TEST(FileStoreTest, UnsyncedAppendsSurviveAProcessRestart) {
  // A test cannot crash the page cache; what it can check is that Append writes through to
  // the file, so a process restart (not a machine crash) keeps the records.
  TempDir dir;
  {
    auto store = MustOpen(dir.path());
    MustLoad(*store);
    ASSERT_TRUE(store->Append("a").ok());
    ASSERT_TRUE(store->Append("b").ok());
  }
  auto store = MustOpen(dir.path());
  EXPECT_THAT(MustLoad(*store).records, ElementsAre("a", "b"));
}

TEST(FileStoreTest, TornTailIsCutAndLoggedWithNothingBeforeItLost) {
  TempDir dir;
  const std::vector<std::string> records = Numbered(5, 300);
  Populate(dir.path(), records);
  const std::string log = dir.File("log");
  const uint64_t size = FileSize(log);
  std::filesystem::resize_file(log, size - 100);  // mid-way through the last record

  ScopedLogCapture capture;
  auto store = MustOpen(dir.path());
  Store::Loaded loaded = MustLoad(*store);
  std::vector<std::string> kept(records.begin(), records.end() - 1);
  EXPECT_EQ(loaded.records, kept);
  const uint64_t good = OffsetOf(records, 4);
  EXPECT_EQ(loaded.dropped_tail_bytes, size - 100 - good);
  EXPECT_EQ(FileSize(log), good);
  EXPECT_TRUE(capture.Contains("event=store_log_tail_cut"))
      << ::testing::PrintToString(capture.lines());
  EXPECT_TRUE(capture.Contains("offset=" + std::to_string(good)));
  EXPECT_TRUE(capture.Contains("bytes=" + std::to_string(size - 100 - good)));
  EXPECT_TRUE(capture.Contains("reason=\"torn record (200 of 300 bytes)\""));

  // The next append follows the last good record directly.
  ASSERT_TRUE(store->Append("after").ok());
  ASSERT_TRUE(store->Sync().ok());
  store.reset();
  store = MustOpen(dir.path());
  kept.push_back("after");
  Store::Loaded again = MustLoad(*store);
  EXPECT_EQ(again.records, kept);
  EXPECT_EQ(again.dropped_tail_bytes, 0u);
}

TEST(FileStoreTest, CorruptRecordInTheMiddleCutsEverythingAfterIt) {
  TempDir dir;
  const std::vector<std::string> records = Numbered(10);
  Populate(dir.path(), records);
  const std::string log = dir.File("log");
  std::string bytes = ReadRaw(log);
  const uint64_t bad = OffsetOf(records, 3);
  bytes[bad + kRecordHeaderBytes + 5] ^= 0x01;
  WriteRaw(log, bytes);

  ScopedLogCapture capture;
  auto store = MustOpen(dir.path());
  Store::Loaded loaded = MustLoad(*store);
  EXPECT_THAT(loaded.records, ElementsAre(records[0], records[1], records[2]));
  EXPECT_EQ(loaded.dropped_tail_bytes, bytes.size() - bad);
  EXPECT_EQ(FileSize(log), bad);
  EXPECT_EQ(store->log_records(), 3u);
  EXPECT_TRUE(capture.Contains("reason=\"record checksum mismatch\""));
  EXPECT_TRUE(capture.Contains("offset=" + std::to_string(bad)));
  EXPECT_TRUE(capture.Contains("records_kept=3"));
}

TEST(FileStoreTest, CorruptSnapshotIsDataLossAndNothingIsTouched) {
  TempDir dir;
  {
    auto store = MustOpen(dir.path());
    MustLoad(*store);
    ASSERT_TRUE(store->Compact("the whole map").ok());
    ASSERT_TRUE(store->Append("later").ok());
    ASSERT_TRUE(store->Sync().ok());
  }
  std::string snapshot = ReadRaw(dir.File("snapshot"));
  std::string damaged = snapshot;
  damaged[kBlobHeaderBytes + 2] ^= 0x10;
  WriteRaw(dir.File("snapshot"), damaged);
  const std::string log_before = ReadRaw(dir.File("log"));

  auto store = MustOpen(dir.path());
  EXPECT_THAT(store->Load().status(),
              StatusIs(StatusCode::kDataLoss, dir.File("snapshot") + ": snapshot file checksum"));
  EXPECT_EQ(ReadRaw(dir.File("snapshot")), damaged);
  EXPECT_EQ(ReadRaw(dir.File("log")), log_before);
  EXPECT_THAT(store->Append("x"), StatusIs(StatusCode::kFailedPrecondition));

  WriteRaw(dir.File("snapshot"), snapshot.substr(0, 20));
  store.reset();
  store = MustOpen(dir.path());
  EXPECT_THAT(store->Load().status(), StatusIs(StatusCode::kDataLoss, "snapshot file is torn"));
}

TEST(FileStoreTest, CorruptLogHeaderIsDataLoss) {
  TempDir dir;
  Populate(dir.path(), {"a"});
  std::string bytes = ReadRaw(dir.File("log"));
  bytes[13] ^= 0x01;
  WriteRaw(dir.File("log"), bytes);
  auto store = MustOpen(dir.path());
  EXPECT_THAT(store->Load().status(),
              StatusIs(StatusCode::kDataLoss, dir.File("log") + ": log header checksum mismatch"));
  EXPECT_EQ(ReadRaw(dir.File("log")), bytes);
}

TEST(FileStoreTest, CompactionReplacesSnapshotAndEmptiesLog) {
  TempDir dir;
  {
    auto store = MustOpen(dir.path());
    MustLoad(*store);
    ASSERT_TRUE(store->Append("a").ok());
    ASSERT_TRUE(store->Append("b").ok());
    ASSERT_TRUE(store->Compact("S1").ok());
    EXPECT_EQ(store->log_records(), 0u);
    EXPECT_EQ(store->log_bytes(), 0u);
    EXPECT_EQ(store->snapshot_seq(), 1u);
    ASSERT_TRUE(store->Append("c").ok());
    ASSERT_TRUE(store->Sync().ok());
    EXPECT_EQ(store->stats().compactions, 1u);
  }
  {
    auto store = MustOpen(dir.path());
    Store::Loaded loaded = MustLoad(*store);
    EXPECT_EQ(loaded.snapshot, "S1");
    EXPECT_THAT(loaded.records, ElementsAre("c"));
    ASSERT_TRUE(store->Compact("S2").ok());
    EXPECT_EQ(store->snapshot_seq(), 2u);
  }
  auto store = MustOpen(dir.path());
  Store::Loaded loaded = MustLoad(*store);
  EXPECT_EQ(loaded.snapshot, "S2");
  EXPECT_THAT(loaded.records, IsEmpty());
  EXPECT_EQ(FileSize(dir.File("log")), kLogHeaderBytes);
  EXPECT_FALSE(std::filesystem::exists(dir.File("snapshot.tmp")));
  EXPECT_FALSE(std::filesystem::exists(dir.File("log.tmp")));
}

TEST(FileStoreTest, LogOfAnOlderSnapshotIsIgnored) {
  // A crash after the compaction's snapshot rename and before its log rename leaves the old
  // log next to the new snapshot, which already holds its records.
  TempDir dir;
  Populate(dir.path(), {"a", "b"});
  const std::string old_log = ReadRaw(dir.File("log"));
  {
    auto store = MustOpen(dir.path());
    MustLoad(*store);
    ASSERT_TRUE(store->Compact("state with a and b").ok());
  }
  WriteRaw(dir.File("log"), old_log);

  ScopedLogCapture capture;
  {
    auto store = MustOpen(dir.path());
    Store::Loaded loaded = MustLoad(*store);
    EXPECT_EQ(loaded.snapshot, "state with a and b");
    EXPECT_THAT(loaded.records, IsEmpty());
    EXPECT_TRUE(capture.Contains("event=store_log_stale"));
    EXPECT_TRUE(capture.Contains("log_snapshot_seq=0 snapshot_seq=1 records=2"));
    ASSERT_TRUE(store->Append("c").ok());
    ASSERT_TRUE(store->Sync().ok());
  }
  auto store = MustOpen(dir.path());
  EXPECT_THAT(MustLoad(*store).records, ElementsAre("c"));
}

TEST(FileStoreTest, SnapshotAndLogThatDoNotBelongTogetherAreDataLoss) {
  TempDir dir;
  {
    auto store = MustOpen(dir.path());
    MustLoad(*store);
    ASSERT_TRUE(store->Compact("S1").ok());
  }
  const std::string snapshot = ReadRaw(dir.File("snapshot"));
  std::filesystem::remove(dir.File("snapshot"));
  {
    auto store = MustOpen(dir.path());
    EXPECT_THAT(
        store->Load().status(),
        StatusIs(StatusCode::kDataLoss, "follows snapshot 1 but the snapshot on disk is 0"));
  }
  WriteRaw(dir.File("snapshot"), snapshot);
  std::filesystem::remove(dir.File("log"));
  auto store = MustOpen(dir.path());
  EXPECT_THAT(store->Load().status(),
              StatusIs(StatusCode::kDataLoss, "missing next to snapshot 1"));
  EXPECT_FALSE(std::filesystem::exists(dir.File("log")));
}

TEST(FileStoreTest, LeftoverTmpFilesAreRemovedAndIgnored) {
  TempDir dir;
  Populate(dir.path(), {"a"});
  WriteRaw(dir.File("snapshot.tmp"), "half a snapshot");
  WriteRaw(dir.File("log.tmp"), "half a log");
  auto store = MustOpen(dir.path());
  Store::Loaded loaded = MustLoad(*store);
  EXPECT_EQ(loaded.snapshot, "");
  EXPECT_THAT(loaded.records, ElementsAre("a"));
  EXPECT_FALSE(std::filesystem::exists(dir.File("snapshot.tmp")));
  EXPECT_FALSE(std::filesystem::exists(dir.File("log.tmp")));
}

TEST(FileStoreTest, SecondOpenOfALockedDirFailsClearly) {
  TempDir dir;
  auto first = MustOpen(dir.path());
  ASSERT_NE(first, nullptr);
  Result<std::unique_ptr<FileStore>> second = FileStore::Open(dir.path());
  EXPECT_THAT(second.status(),
              StatusIs(StatusCode::kFailedPrecondition,
                       "pid " + std::to_string(::getpid()) + " holds " + dir.File("LOCK")));
  EXPECT_THAT(second.status(), StatusIs(StatusCode::kFailedPrecondition, "is in use"));
  first.reset();
  EXPECT_NE(MustOpen(dir.path()), nullptr);
}

// A failed fsync poisons the store until a compaction, which writes the whole state into fresh
// files and needs nothing the failed fsync may have dropped (or until it is reopened).
TEST(FileStoreTest, FailedFsyncIsStickyUntilCompactedOrReopened) {
  TempDir dir;
  int calls = 0;
  bool fail = true;
  FileStore::Options options{.dir = dir.path(), .sync_log_for_test = [&](int fd) {
                               ++calls;
                               if (!fail) return ::fdatasync(fd);
                               errno = EIO;
                               return -1;
                             }};
  {
    Result<std::unique_ptr<FileStore>> opened = FileStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    FileStore& store = **opened;
    MustLoad(store);
    EXPECT_TRUE(store.Sync().ok());  // nothing pending: no fsync at all
    EXPECT_EQ(calls, 0);
    ASSERT_TRUE(store.Append("a").ok());
    EXPECT_THAT(store.Sync(), StatusIs(StatusCode::kInternal,
                                       "fsync " + dir.File("log") + ": Input/output error (EIO)"));
    EXPECT_THAT(store.Append("b"),
                StatusIs(StatusCode::kFailedPrecondition, "until compacted or reopened"));
    EXPECT_THAT(store.Append("b"),
                StatusIs(StatusCode::kFailedPrecondition, "unsynced records may be lost"));
    EXPECT_THAT(store.Sync(), StatusIs(StatusCode::kFailedPrecondition, "fsync"));
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(store.stats().sync_errors, 1u);
    EXPECT_EQ(store.stats().fsyncs, 1u);

    fail = false;
    ScopedLogCapture capture;
    ASSERT_TRUE(store.Compact("state with a").ok());
    EXPECT_TRUE(capture.Contains("event=store_unpoisoned"));
    EXPECT_TRUE(store.Append("b").ok());
    EXPECT_TRUE(store.Sync().ok());
  }
  auto store = MustOpen(dir.path());
  Result<Store::Loaded> loaded = store->Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->snapshot, "state with a");
  EXPECT_EQ(loaded->records, std::vector<std::string>{"b"});
  EXPECT_TRUE(store->Append("c").ok());
  EXPECT_TRUE(store->Sync().ok());
}

TEST(FileStoreTest, StatsCountFsyncs) {
  TempDir dir;
  auto store = MustOpen(dir.path());
  MustLoad(*store);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store->Append("r").ok());
    ASSERT_TRUE(store->Sync().ok());
  }
  ASSERT_TRUE(store->Sync().ok());  // nothing pending
  StoreStats stats = store->stats();
  EXPECT_EQ(stats.fsyncs, 5u);
  EXPECT_EQ(stats.sync_errors, 0u);
  EXPECT_GE(stats.total_fsync_seconds, stats.last_fsync_seconds);
  EXPECT_GE(stats.max_fsync_seconds, stats.last_fsync_seconds);
  EXPECT_GT(stats.total_fsync_seconds, 0.0);
}

TEST(FileStoreTest, OversizedRecordIsRejectedAndNothingWritten) {
  TempDir dir;
  auto store = MustOpen(dir.path());
  MustLoad(*store);
  std::string big(kMaxStoreRecordBytes + 1, 'x');
  EXPECT_THAT(store->Append(big), StatusIs(StatusCode::kInvalidArgument, "exceeds the limit"));
  EXPECT_EQ(FileSize(dir.File("log")), kLogHeaderBytes);
  EXPECT_EQ(store->log_records(), 0u);
}

TEST(FileStoreTest, IdentityRoundTrip) {
  TempDir dir;
  {
    auto store = MustOpen(dir.path());
    EXPECT_THAT(store->ReadIdentity().status(), StatusIs(StatusCode::kNotFound, "no identity"));
    ASSERT_TRUE(store->WriteIdentity("replica=7 incarnation=1").ok());  // before Load
    ASSERT_TRUE(store->WriteIdentity("replica=7 incarnation=2").ok());
    Result<std::string> id = store->ReadIdentity();
    ASSERT_TRUE(id.ok()) << id.status();
    EXPECT_EQ(*id, "replica=7 incarnation=2");
    EXPECT_THAT(store->WriteIdentity(std::string(kMaxStoreIdentityBytes + 1, 'x')),
                StatusIs(StatusCode::kInvalidArgument, "identity of 65537 bytes"));
    EXPECT_FALSE(std::filesystem::exists(dir.File("identity.tmp")));
  }
  auto store = MustOpen(dir.path());
  Result<std::string> id = store->ReadIdentity();
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "replica=7 incarnation=2");

  std::string bytes = ReadRaw(dir.File("identity"));
  bytes.back() ^= 0x01;
  WriteRaw(dir.File("identity"), bytes);
  EXPECT_THAT(store->ReadIdentity().status(),
              StatusIs(StatusCode::kDataLoss, "identity file checksum mismatch"));
}

// Random appends, syncs, compactions and reopens against a model of what must be loaded.
TEST(FileStoreTest, RandomizedAgainstAModel) {
  const uint64_t seed = 0x5eed0001;
  SCOPED_TRACE("seed " + std::to_string(seed));
  Random rnd(seed);
  TempDir dir;
  std::string model_snapshot;
  std::vector<std::string> model_records;
  auto store = MustOpen(dir.path());
  MustLoad(*store);
  for (int step = 0; step < 400; ++step) {
    uint64_t op = rnd.Uniform(100);
    if (op < 70) {
      std::string r(rnd.Uniform(600), static_cast<char>('a' + rnd.Uniform(26)));
      ASSERT_TRUE(store->Append(r).ok());
      model_records.push_back(r);
    } else if (op < 85) {
      ASSERT_TRUE(store->Sync().ok());
    } else if (op < 92) {
      model_snapshot = "snapshot@" + std::to_string(step);
      ASSERT_TRUE(store->Compact(model_snapshot).ok());
      model_records.clear();
    } else {
      store.reset();
      store = MustOpen(dir.path());
      ASSERT_NE(store, nullptr);
      Store::Loaded loaded = MustLoad(*store);
      ASSERT_EQ(loaded.snapshot, model_snapshot) << "step " << step;
      ASSERT_EQ(loaded.records, model_records) << "step " << step;
      ASSERT_EQ(loaded.dropped_tail_bytes, 0u);
    }
    ASSERT_EQ(store->log_records(), model_records.size()) << "step " << step;
  }
}

}  // namespace
}  // namespace herd::sidecar
