// RotatingLog and ReadLogTail on real files in a temporary directory.
#include "sidecar/posix/rotating_log.h"

#include <sys/stat.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/sidecar/runtime_test_util.h"

namespace herd::sidecar {
namespace {

using ::herd::sidecar::testing::ReadFile;
using ::herd::sidecar::testing::TempDir;

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

class RotatingLogTest : public ::testing::Test {
 protected:
  std::unique_ptr<RotatingLog> Open(LogOptions o) {
    auto log = RotatingLog::Open(dir_.path(), "w", o);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? std::move(log).value() : nullptr;
  }
  std::string File(int index = 0) { return ReadFile(LogPath(dir_.path(), "w", index)); }
  std::string Tail(size_t lines, int keep) {
    auto r = ReadLogTail(dir_.path(), "w", keep, lines);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : "";
  }

  TempDir dir_;
};

TEST_F(RotatingLogTest, AppendsAcrossChunksAndReopens) {
  {
    auto log = Open({});
    ASSERT_TRUE(log->Append("hel").ok());
    ASSERT_TRUE(log->Append("lo\nwor").ok());
    ASSERT_TRUE(log->Append("ld\n").ok());
    EXPECT_EQ(log->size(), 12);
  }
  auto log = Open({});
  ASSERT_TRUE(log->Append("again\n").ok());
  EXPECT_EQ(log->size(), 18);  // the existing file's size counts from the first append
  EXPECT_EQ(File(), "hello\nworld\nagain\n");
}

TEST_F(RotatingLogTest, RotatesBeforeALineThatWouldPassTheCap) {
  auto log = Open({.max_bytes = 10, .keep = 2, .max_line = 100});
  ASSERT_TRUE(log->Append("aaaa\nbbbb\ncccc\n").ok());  // 5 bytes each
  EXPECT_EQ(File(1), "aaaa\nbbbb\n");
  EXPECT_EQ(File(0), "cccc\n");
  ASSERT_TRUE(log->Append("dddd\neeee\nffff\ngggg\n").ok());
  EXPECT_EQ(File(2), "cccc\ndddd\n");
  EXPECT_EQ(File(1), "eeee\nffff\n");
  EXPECT_EQ(File(0), "gggg\n");
  EXPECT_FALSE(Exists(LogPath(dir_.path(), "w", 3)));
  EXPECT_EQ(log->rotations(), 3u);
}

TEST_F(RotatingLogTest, KeepZeroTruncatesInPlace) {
  auto log = Open({.max_bytes = 10, .keep = 0, .max_line = 100});
  ASSERT_TRUE(log->Append("aaaa\nbbbb\ncccc\n").ok());
  EXPECT_EQ(File(0), "cccc\n");
  EXPECT_FALSE(Exists(LogPath(dir_.path(), "w", 1)));
}

TEST_F(RotatingLogTest, CutsLongLinesWithoutBufferingThem) {
  auto log = Open({.max_bytes = 1000, .keep = 1, .max_line = 8});
  ASSERT_TRUE(log->Append("short\n0123456789").ok());
  ASSERT_TRUE(log->Append("abcdefghij").ok());  // still the same, already cut, line
  ASSERT_TRUE(log->Append("xyz\nnext\n").ok());
  EXPECT_EQ(File(), "short\n01234567" + std::string(kCutMarker) + "\nnext\n");
  EXPECT_EQ(log->cut_lines(), 1u);
}

TEST_F(RotatingLogTest, AnOverlongLineIsCutEvenWhenItEndsInTheSameChunk) {
  auto log = Open({.max_bytes = 1000, .keep = 1, .max_line = 4});
  ASSERT_TRUE(log->Append("abcdef\nok\n").ok());
  EXPECT_EQ(File(), "abcd" + std::string(kCutMarker) + "\nok\n");
}

TEST_F(RotatingLogTest, EndOfStreamEndsAPartialLine) {
  auto log = Open({});
  ASSERT_TRUE(log->Append("no newline").ok());
  ASSERT_TRUE(log->EndOfStream().ok());
  ASSERT_TRUE(log->EndOfStream().ok());  // idempotent
  EXPECT_EQ(File(), "no newline\n");
}

TEST_F(RotatingLogTest, TailReadsAcrossRotatedFiles) {
  auto log = Open({.max_bytes = 10, .keep = 3, .max_line = 100});
  for (char c = 'a'; c <= 'h'; ++c) ASSERT_TRUE(log->Append(std::string(4, c) + "\n").ok());
  // Files: .log.3 = aaaa bbbb, .log.2 = cccc dddd, .log.1 = eeee ffff, .log = gggg hhhh.
  EXPECT_EQ(Tail(1, 3), "hhhh\n");
  EXPECT_EQ(Tail(3, 3), "ffff\ngggg\nhhhh\n");
  EXPECT_EQ(Tail(7, 3), "bbbb\ncccc\ndddd\neeee\nffff\ngggg\nhhhh\n");
  EXPECT_EQ(Tail(100, 3), "aaaa\nbbbb\ncccc\ndddd\neeee\nffff\ngggg\nhhhh\n");
  EXPECT_EQ(Tail(0, 3), Tail(100, 3));
  EXPECT_EQ(Tail(100, 1), "eeee\nffff\ngggg\nhhhh\n");  // a reader keeping fewer files
}

TEST_F(RotatingLogTest, TailOfALargeFileReadsOnlyTheEnd) {
  auto log = Open({.max_bytes = 1 << 30, .keep = 1, .max_line = 1 << 20});
  std::string chunk;
  for (int i = 0; i < 50000; ++i) chunk += "line " + std::to_string(i) + "\n";
  ASSERT_TRUE(log->Append(chunk).ok());
  EXPECT_EQ(Tail(2, 1), "line 49998\nline 49999\n");
  ASSERT_TRUE(log->Append("partial").ok());
  EXPECT_EQ(Tail(2, 1), "line 49999\npartial");
}

TEST_F(RotatingLogTest, Errors) {
  auto missing = ReadLogTail(dir_.path(), "nothing", 3, 10);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  for (const char* bad : {"", ".", "..", "a/b"}) {
    auto r = ReadLogTail(dir_.path(), bad, 3, 10);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(r.status().field(), "metadata.name");
  }
  auto bad_options = RotatingLog::Open(dir_.path(), "w", {.max_bytes = 0, .keep = 1});
  EXPECT_EQ(bad_options.status().code(), StatusCode::kInvalidArgument);
  // The file is made at the first output: a missing directory shows there.
  auto no_dir = RotatingLog::Open(dir_.path() + "/missing", "w", {});
  ASSERT_TRUE(no_dir.ok());
  EXPECT_TRUE((*no_dir)->Append("").ok());
  Status s = (*no_dir)->Append("hello\n");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("/missing/w.log"));
}

TEST_F(RotatingLogTest, NoFileUntilTheFirstOutput) {
  auto log = Open({});
  EXPECT_EQ(ReadLogTail(dir_.path(), "w", 3, 10).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(log->EndOfStream().ok());
  EXPECT_EQ(ReadLogTail(dir_.path(), "w", 3, 10).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(log->Append("x\n").ok());
  EXPECT_EQ(*ReadLogTail(dir_.path(), "w", 3, 10), "x\n");
}

}  // namespace
}  // namespace herd::sidecar
