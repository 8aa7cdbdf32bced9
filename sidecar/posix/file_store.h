// FileStore: the Store of a real agent, kept in a data directory (`--data-dir`).
//
// Files in the directory:
//   LOCK      flock(LOCK_EX|LOCK_NB) for the store's lifetime; holds the owner's pid. A second
//             agent (or a second FileStore in this process) on the same directory gets
//             kFailedPrecondition from Open().
//   snapshot  the last compacted state, replaced atomically (snapshot.tmp, fsync, rename,
//             fsync of the directory). Absent until the first Compact().
//   log       records appended since that snapshot, each framed with its length and CRC32C,
//             after a header naming the snapshot's sequence number (sidecar/posix/
//             store_format.h). Appends go to the page cache; Sync() is one fdatasync.
//   identity  the member's identity blob, replaced atomically like the snapshot.
//   *.tmp     leftovers of an interrupted replace; removed by Load().
//
// Compaction writes snapshot.tmp and log.tmp (both fsync'ed), renames the snapshot into place
// (the commit point), then the log. A crash between the two renames leaves a log that belongs
// to the previous snapshot; Load() recognises it by its header and discards it, since the new
// snapshot already holds its records.
//
// Failure handling: a failed append is cut back off the file so that the log stays a clean
// sequence of records; a failed fsync poisons the store (see Store::Sync) because Linux may
// have marked the unsynced pages clean and dropped them ("fsyncgate"). Appends and syncs are
// refused until a compaction succeeds: it rewrites the whole state into fresh files.
//
// Ownership: the FileStore owns its file descriptors and the lock; destroying it releases
// them without syncing. Threading: one thread, like every Store.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"
#include "sidecar/store.h"

namespace herd::sidecar {

class FileStore : public Store {
 public:
  struct Options {
    std::string dir;  // created (with parents) when missing
    // Test hook: called instead of fdatasync(2) on the log; returns 0, or -1 with errno set.
    std::function<int(int fd)> sync_log_for_test;
  };

  // Creates the directory when missing and takes its lock. Errors: kInvalidArgument for an
  // empty dir; kFailedPrecondition when the directory is locked by another holder (the
  // message names the holder's pid); an I/O code when it cannot be created or opened.
  static Result<std::unique_ptr<FileStore>> Open(Options options);
  static Result<std::unique_ptr<FileStore>> Open(std::string dir) {
    Options options;
    options.dir = std::move(dir);
    return Open(std::move(options));
  }

  ~FileStore() override;
  FileStore(const FileStore&) = delete;
  FileStore& operator=(const FileStore&) = delete;

  Result<Loaded> Load() override;
  Status Append(std::string_view record) override;
  Status Sync() override;
  Status Compact(std::string_view snapshot) override;
  uint64_t log_bytes() const override { return log_end_ > 0 ? log_end_ - log_start_ : 0; }
  uint64_t log_records() const override { return log_records_; }
  StoreStats stats() const override { return stats_; }
  Result<std::string> ReadIdentity() override;
  Status WriteIdentity(std::string_view identity) override;

  const std::string& dir() const { return options_.dir; }
  // The sequence number of the snapshot in use (0 before the first compaction).
  uint64_t snapshot_seq() const { return snapshot_seq_; }

 private:
  FileStore(Options options, int dir_fd, int lock_fd);

  std::string PathOf(std::string_view name) const;
  // OK when writes are allowed: loaded and not poisoned.
  Status CheckWritable(std::string_view op) const;
  // Records a failure after which the files may not match what we believe; every later write
  // fails with kFailedPrecondition quoting `cause`.
  void Poison(const Status& cause);
  int SyncLog(int fd);
  // Creates log.tmp holding only a header for `seq`, fsync'ed; returns its descriptor.
  Result<int> CreateLogTmp(uint64_t seq);
  // Renames `from` to `to` inside the directory and fsyncs the directory.
  Status RenameDurably(std::string_view from, std::string_view to);
  // Installs a fresh empty log for `seq` (log.tmp + rename) and makes it the current log.
  Status InstallFreshLog(uint64_t seq);
  void UseLog(int fd, uint64_t end, uint64_t records);

  Options options_;
  int dir_fd_ = -1;
  int lock_fd_ = -1;
  int log_fd_ = -1;
  bool loaded_ = false;
  bool dirty_ = false;           // appended since the last successful sync
  bool append_failing_ = false;  // the last append failed (logs a streak once)
  Status poisoned_;              // OK, or why writes are refused
  uint64_t snapshot_seq_ = 0;
  uint64_t log_start_ = 0;  // offset of the first record (after the header)
  uint64_t log_end_ = 0;    // offset just past the last whole record
  uint64_t log_records_ = 0;
  std::string frame_;  // reused buffer for one framed record
  StoreStats stats_;
};

}  // namespace herd::sidecar
