// FileStore on a full disk: a failed append leaves the log exactly as it was, and a reload gives
// every record appended before the failure. Two ways to fill a disk without a real one: the
// file size limit (RLIMIT_FSIZE with SIGXFSZ ignored makes writes fail with EFBIG) and, when
// running as root, a tiny tmpfs (real ENOSPC).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/log.h"
#include "sidecar/posix/file_store.h"
#include "sidecar/posix/store_format.h"
#include "tests/sidecar/store_test_util.h"

namespace herd::sidecar {
namespace {

using ::herd::sidecar::testing::FileSize;
using ::herd::sidecar::testing::StatusIs;
using ::herd::sidecar::testing::TempDir;

// Lowers this process's file size limit and ignores SIGXFSZ for its lifetime.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ok_ = ::getrlimit(RLIMIT_FSIZE, &saved_) == 0;
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    rlimit lowered = saved_;
    lowered.rlim_cur = bytes;
    ok_ = ok_ && ::setrlimit(RLIMIT_FSIZE, &lowered) == 0;
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    ::signal(SIGXFSZ, old_handler_);
  }
  bool ok() const { return ok_; }

 private:
  bool ok_ = false;
  rlimit saved_{};
  sighandler_t old_handler_;
};

class Unmount {
 public:
  explicit Unmount(std::string path) : path_(std::move(path)) {}
  ~Unmount() { ::umount2(path_.c_str(), MNT_DETACH); }

 private:
  std::string path_;
};

// Appends `size`-byte records until one fails; returns the records that succeeded and the
// failure.
std::vector<std::string> AppendUntilFull(FileStore& store, size_t size, Status* failure) {
  std::vector<std::string> ok;
  for (int i = 0; i < 100000; ++i) {
    std::string r = "r" + std::to_string(i) + ":";
    r.resize(size, static_cast<char>('a' + i % 26));
    Status s = store.Append(r);
    if (!s.ok()) {
      *failure = s;
      return ok;
    }
    ok.push_back(r);
  }
  *failure = Internal("the disk never filled up");
  return ok;
}

TEST(FileStoreFullDiskTest, FileSizeLimitLeavesTheLogIntact) {
  TempDir dir;
  std::vector<std::string> appended;
  {
    auto opened = FileStore::Open(dir.path());
    ASSERT_TRUE(opened.ok()) << opened.status();
    FileStore& store = **opened;
    ASSERT_TRUE(store.Load().ok());
    ASSERT_TRUE(store.Append("before the limit").ok());
    ASSERT_TRUE(store.Sync().ok());
    appended.push_back("before the limit");

    ScopedLogCapture capture;
    Status failure;
    {
      FileSizeLimit limit(FileSize(dir.File("log")) + 1000);
      ASSERT_TRUE(limit.ok()) << std::strerror(errno);
      std::vector<std::string> more = AppendUntilFull(store, 300, &failure);
      EXPECT_EQ(more.size(), 3u);  // 3 * 308 bytes fit in 1000, the 4th frame is cut short
      appended.insert(appended.end(), more.begin(), more.end());
      EXPECT_THAT(failure, StatusIs(StatusCode::kResourceExhausted, "(EFBIG)"));
      EXPECT_THAT(failure,
                  StatusIs(StatusCode::kResourceExhausted, "append to " + dir.File("log")));
      // The part of the frame that fitted was cut off again.
      EXPECT_EQ(FileSize(dir.File("log")), kLogHeaderBytes + 4 * kRecordHeaderBytes + 16 + 900);
      EXPECT_THAT(store.Append(std::string(300, 'z')), StatusIs(StatusCode::kResourceExhausted));
      EXPECT_TRUE(store.Sync().ok());
    }
    EXPECT_EQ(store.stats().append_errors, 2u);
    // One warning for the streak of failures, one line when appends work again.
    EXPECT_EQ(capture.lines().size(), 1u) << ::testing::PrintToString(capture.lines());
    EXPECT_TRUE(capture.Contains("event=store_append_failed"));
    ASSERT_TRUE(store.Append("after the limit").ok());
    ASSERT_TRUE(store.Sync().ok());
    appended.push_back("after the limit");
    EXPECT_TRUE(capture.Contains("event=store_append_recovered"));
  }
  auto opened = FileStore::Open(dir.path());
  ASSERT_TRUE(opened.ok()) << opened.status();
  Result<Store::Loaded> loaded = (*opened)->Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->records, appended);
  EXPECT_EQ(loaded->dropped_tail_bytes, 0u);
}

TEST(FileStoreFullDiskTest, EnospcOnATinyTmpfs) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "mounting a 64 KiB tmpfs needs root";
  }
  TempDir dir;
  if (::mount("tmpfs", dir.path().c_str(), "tmpfs", 0, "size=64k") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs on " << dir.path() << ": " << std::strerror(errno);
  }
  Unmount unmount(dir.path());
  std::vector<std::string> appended;
  {
    auto opened = FileStore::Open(dir.path());
    ASSERT_TRUE(opened.ok()) << opened.status();
    FileStore& store = **opened;
    ASSERT_TRUE(store.Load().ok());
    Status failure;
    appended = AppendUntilFull(store, 1000, &failure);
    EXPECT_GT(appended.size(), 10u);
    EXPECT_THAT(failure, StatusIs(StatusCode::kResourceExhausted, "(ENOSPC)"));
    EXPECT_EQ(FileSize(dir.File("log")), kLogHeaderBytes + store.log_bytes());
    EXPECT_EQ(store.log_records(), appended.size());
    EXPECT_TRUE(store.Sync().ok());

    // A compaction that does not fit fails before its commit point: the old snapshot and log
    // stay in use and no temporary file is left behind.
    EXPECT_THAT(store.Compact(std::string(128 << 10, 's')),
                StatusIs(StatusCode::kResourceExhausted, "snapshot.tmp"));
    EXPECT_FALSE(std::filesystem::exists(dir.File("snapshot.tmp")));
    EXPECT_FALSE(std::filesystem::exists(dir.File("snapshot")));
    EXPECT_EQ(store.log_records(), appended.size());
  }
  auto opened = FileStore::Open(dir.path());
  ASSERT_TRUE(opened.ok()) << opened.status();
  Result<Store::Loaded> loaded = (*opened)->Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->snapshot, "");
  EXPECT_EQ(loaded->records, appended);
  EXPECT_EQ(loaded->dropped_tail_bytes, 0u);
}

}  // namespace
}  // namespace herd::sidecar
