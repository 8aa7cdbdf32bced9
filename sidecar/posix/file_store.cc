#include "sidecar/posix/file_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>

#include "common/log.h"
#include "sidecar/posix/store_format.h"
#include "sidecar/posix/store_io.h"

namespace herd::sidecar {
namespace {

constexpr std::string_view kLockName = "LOCK";
constexpr std::string_view kSnapshotName = "snapshot";
constexpr std::string_view kLogName = "log";
constexpr std::string_view kIdentityName = "identity";
constexpr std::string_view kSnapshotTmpName = "snapshot.tmp";
constexpr std::string_view kLogTmpName = "log.tmp";
constexpr std::string_view kIdentityTmpName = "identity.tmp";

void CloseFd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
  }
  fd = -1;
}

// The pid written in a LOCK file by its holder, for the error message.
std::string LockHolder(int lock_fd) {
  char buf[32] = {};
  ssize_t n = ::pread(lock_fd, buf, sizeof buf - 1, 0);
  std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) {
    pid.pop_back();
  }
  return pid.empty() ? "an unknown process" : "pid " + pid;
}

}  // namespace

Result<std::unique_ptr<FileStore>> FileStore::Open(Options options) {
  if (options.dir.empty()) {
    return InvalidArgument("data dir is empty", "dataDir");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    return ErrnoStatus(ec.value(), "create data dir", options.dir);
  }
  int dir_fd = ::open(options.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    return ErrnoStatus(errno, "open data dir", options.dir);
  }
  const std::string lock_path = options.dir + "/" + std::string(kLockName);
  int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) {
    Status s = ErrnoStatus(errno, "open", lock_path);
    ::close(dir_fd);
    return s;
  }
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    Status s =
        err == EWOULDBLOCK
            ? FailedPrecondition("data dir " + options.dir + " is in use: " + LockHolder(lock_fd) +
                                 " holds " + lock_path + "; two agents must not share a data dir")
            : ErrnoStatus(err, "lock", lock_path);
    ::close(lock_fd);
    ::close(dir_fd);
    return s;
  }
  // Best effort: the pid only makes a contender's error message more useful.
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock_fd, 0) == 0) {
    (void)PwriteAll(lock_fd, pid, 0);
  }
  return std::unique_ptr<FileStore>(new FileStore(std::move(options), dir_fd, lock_fd));
}

FileStore::FileStore(Options options, int dir_fd, int lock_fd)
    : options_(std::move(options)), dir_fd_(dir_fd), lock_fd_(lock_fd) {}

FileStore::~FileStore() {
  CloseFd(log_fd_);
  CloseFd(lock_fd_);  // releases the flock
  CloseFd(dir_fd_);
}

std::string FileStore::PathOf(std::string_view name) const {
  std::string path = options_.dir;
  path += '/';
  path += name;
  return path;
}

Status FileStore::CheckWritable(std::string_view op) const {
  if (!loaded_) {
    return FailedPrecondition(std::string(op) + " before Load()");
  }
  if (!poisoned_.ok()) {
    return FailedPrecondition("store in " + options_.dir + " refuses " + std::string(op) +
                              " until compacted or reopened: " + poisoned_.message());
  }
  return Status::Ok();
}

void FileStore::Poison(const Status& cause) {
  if (!poisoned_.ok()) {
    return;
  }
  poisoned_ = cause;
  LOG_ERROR("store_poisoned", {{"dir", options_.dir}, {"cause", cause.ToString()}});
}

int FileStore::SyncLog(int fd) {
  if (options_.sync_log_for_test) {
    return options_.sync_log_for_test(fd);
  }
  return ::fdatasync(fd);
}

Status FileStore::RenameDurably(std::string_view from, std::string_view to) {
  std::string src = PathOf(from);
  std::string dst = PathOf(to);
  if (::rename(src.c_str(), dst.c_str()) != 0) {
    return ErrnoStatus(errno, "rename", src);
  }
  if (::fsync(dir_fd_) != 0) {
    return ErrnoStatus(errno, "fsync data dir", options_.dir);
  }
  return Status::Ok();
}

Result<int> FileStore::CreateLogTmp(uint64_t seq) {
  const std::string path = PathOf(kLogTmpName);
  RETURN_IF_ERROR(WriteFileDurably(path, EncodeLogHeader(seq)));
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    Status s = ErrnoStatus(errno, "open", path);
    ::unlink(path.c_str());
    return s;
  }
  return fd;
}

void FileStore::UseLog(int fd, uint64_t end, uint64_t records) {
  CloseFd(log_fd_);
  log_fd_ = fd;
  log_start_ = kLogHeaderBytes;
  log_end_ = end;
  log_records_ = records;
  dirty_ = false;
}

Status FileStore::InstallFreshLog(uint64_t seq) {
  ASSIGN_OR_RETURN(int fd, CreateLogTmp(seq));
  Status s = RenameDurably(kLogTmpName, kLogName);
  if (!s.ok()) {
    ::close(fd);
    ::unlink(PathOf(kLogTmpName).c_str());
    return s;
  }
  UseLog(fd, kLogHeaderBytes, 0);
  return Status::Ok();
}

Result<Store::Loaded> FileStore::Load() {
  if (loaded_) {
    return FailedPrecondition("Load() called twice on " + options_.dir);
  }
  const std::string snapshot_path = PathOf(kSnapshotName);
  const std::string log_path = PathOf(kLogName);
  Loaded out;

  ASSIGN_OR_RETURN(std::optional<std::string> snapshot_file, ReadFileIfExists(snapshot_path));
  const bool have_snapshot = snapshot_file.has_value();
  uint64_t seq = 0;
  if (have_snapshot) {
    Result<DecodedBlob> blob = DecodeBlob(BlobKind::kSnapshot, *snapshot_file);
    if (!blob.ok()) {
      return blob.status().WithContext(snapshot_path);
    }
    seq = blob->seq;
    out.snapshot.assign(blob->payload);
    snapshot_file.reset();
  }

  ASSIGN_OR_RETURN(std::optional<std::string> log_file, ReadFileIfExists(log_path));
  std::optional<DecodedLog> log;
  if (log_file.has_value()) {
    Result<DecodedLog> decoded = DecodeLogBuffer(*log_file);
    if (!decoded.ok()) {
      return decoded.status().WithContext(log_path);
    }
    log = std::move(decoded).value();
    if (log->snapshot_seq > seq) {
      return DataLoss(log_path + " follows snapshot " + std::to_string(log->snapshot_seq) +
                      " but the snapshot on disk is " + std::to_string(seq) +
                      ": the newer snapshot is gone");
    }
  } else if (have_snapshot) {
    return DataLoss(log_path + " is missing next to snapshot " + std::to_string(seq) +
                    ": records written after the snapshot are gone");
  }

  // The state checks out; from here on Load may modify files. Leftovers of an interrupted
  // replace are never part of the state.
  for (std::string_view tmp : {kSnapshotTmpName, kLogTmpName, kIdentityTmpName}) {
    RETURN_IF_ERROR(RemoveIfExists(PathOf(tmp)));
  }
  if (!log.has_value() || log->snapshot_seq < seq) {
    if (log.has_value()) {
      // A compaction committed its snapshot but crashed before replacing the log: the
      // snapshot already holds every record of this log.
      LOG_WARNING("store_log_stale", {{"path", log_path},
                                      {"log_snapshot_seq", log->snapshot_seq},
                                      {"snapshot_seq", seq},
                                      {"records", static_cast<uint64_t>(log->records.size())}});
    }
    RETURN_IF_ERROR(InstallFreshLog(seq));
    snapshot_seq_ = seq;
    loaded_ = true;
    return out;
  }

  out.records.reserve(log->records.size());
  for (std::string_view r : log->records) {
    out.records.emplace_back(r);
  }
  int fd = ::open(log_path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return ErrnoStatus(errno, "open", log_path);
  }
  const uint64_t size = log_file->size();
  if (log->good_bytes < size) {
    if (::ftruncate(fd, static_cast<off_t>(log->good_bytes)) != 0 || ::fdatasync(fd) != 0) {
      Status s = ErrnoStatus(errno, "cut torn tail of", log_path);
      ::close(fd);
      return s;
    }
    out.dropped_tail_bytes = size - log->good_bytes;
    LOG_WARNING("store_log_tail_cut", {{"path", log_path},
                                       {"offset", log->good_bytes},
                                       {"bytes", out.dropped_tail_bytes},
                                       {"records_kept", static_cast<uint64_t>(out.records.size())},
                                       {"reason", log->reason}});
  }
  UseLog(fd, log->good_bytes, out.records.size());
  snapshot_seq_ = seq;
  loaded_ = true;
  return out;
}

Status FileStore::Append(std::string_view record) {
  RETURN_IF_ERROR(CheckWritable("append"));
  if (record.size() > kMaxStoreRecordBytes) {
    return InvalidArgument("record of " + std::to_string(record.size()) +
                           " bytes exceeds the limit of " + std::to_string(kMaxStoreRecordBytes) +
                           " bytes");
  }
  frame_.clear();
  AppendRecordFrame(frame_, record);
  if (int err = PwriteAll(log_fd_, frame_, log_end_); err != 0) {
    ++stats_.append_errors;
    Status s = ErrnoStatus(err, "append to", PathOf(kLogName));
    // Cut whatever part of the frame reached the file, so that the next append follows the
    // last good record directly.
    if (::ftruncate(log_fd_, static_cast<off_t>(log_end_)) != 0) {
      Poison(ErrnoStatus(errno, "cut a failed append off", PathOf(kLogName)));
    }
    if (!append_failing_) {
      LOG_WARNING("store_append_failed", {{"dir", options_.dir}, {"error", s.ToString()}});
      append_failing_ = true;
    }
    return s;
  }
  if (append_failing_) {
    LOG_INFO("store_append_recovered", {{"dir", options_.dir}});
    append_failing_ = false;
  }
  log_end_ += frame_.size();
  ++log_records_;
  dirty_ = true;
  return Status::Ok();
}

Status FileStore::Sync() {
  RETURN_IF_ERROR(CheckWritable("sync"));
  if (!dirty_) {
    return Status::Ok();
  }
  auto start = std::chrono::steady_clock::now();
  int rc = SyncLog(log_fd_);
  int err = errno;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ++stats_.fsyncs;
  stats_.last_fsync_seconds = seconds;
  stats_.total_fsync_seconds += seconds;
  if (seconds > stats_.max_fsync_seconds) {
    stats_.max_fsync_seconds = seconds;
  }
  if (rc != 0) {
    ++stats_.sync_errors;
    Status s = ErrnoStatus(err, "fsync", PathOf(kLogName));
    Poison(Status(s.code(), s.message() + "; unsynced records may be lost (the kernel can drop "
                                          "dirty pages after a failed fsync)"));
    return s;
  }
  dirty_ = false;
  return Status::Ok();
}

Status FileStore::Compact(std::string_view snapshot) {
  // Also when poisoned: the new snapshot and log are fresh files, written and fsync'ed from
  // the caller's memory, so nothing a failed fsync may have dropped is needed.
  if (!loaded_) return FailedPrecondition("compact before Load()");
  const uint64_t seq = snapshot_seq_ + 1;
  const std::string snapshot_tmp = PathOf(kSnapshotTmpName);
  RETURN_IF_ERROR(WriteFileDurably(snapshot_tmp, EncodeBlob(BlobKind::kSnapshot, seq, snapshot)));
  Result<int> new_log = CreateLogTmp(seq);
  if (!new_log.ok()) {
    ::unlink(snapshot_tmp.c_str());
    return new_log.status();
  }
  // The commit point: once the snapshot is renamed, the old log is stale.
  if (::rename(snapshot_tmp.c_str(), PathOf(kSnapshotName).c_str()) != 0) {
    Status s = ErrnoStatus(errno, "rename", snapshot_tmp);
    ::close(*new_log);
    ::unlink(snapshot_tmp.c_str());
    ::unlink(PathOf(kLogTmpName).c_str());
    return s;
  }
  Status s;
  if (::fsync(dir_fd_) != 0) {
    s = ErrnoStatus(errno, "fsync data dir", options_.dir);
  } else {
    s = RenameDurably(kLogTmpName, kLogName);
  }
  if (!s.ok()) {
    // The snapshot may or may not be the committed one now; appends to either log could be
    // discarded by the next Load, so stop writing.
    ::close(*new_log);
    Poison(s.WithContext("compaction"));
    return s;
  }
  UseLog(*new_log, kLogHeaderBytes, 0);
  snapshot_seq_ = seq;
  ++stats_.compactions;
  if (!poisoned_.ok()) {
    LOG_INFO("store_unpoisoned", {{"dir", options_.dir}, {"cause", poisoned_.ToString()}});
    poisoned_ = Status::Ok();
  }
  return Status::Ok();
}

Result<std::string> FileStore::ReadIdentity() {
  const std::string path = PathOf(kIdentityName);
  ASSIGN_OR_RETURN(std::optional<std::string> file, ReadFileIfExists(path));
  if (!file.has_value()) {
    return NotFound("no identity file at " + path);
  }
  Result<DecodedBlob> blob = DecodeBlob(BlobKind::kIdentity, *file);
  if (!blob.ok()) {
    return blob.status().WithContext(path);
  }
  return std::string(blob->payload);
}

Status FileStore::WriteIdentity(std::string_view identity) {
  if (identity.size() > kMaxStoreIdentityBytes) {
    return InvalidArgument("identity of " + std::to_string(identity.size()) +
                           " bytes exceeds the limit of " + std::to_string(kMaxStoreIdentityBytes) +
                           " bytes");
  }
  RETURN_IF_ERROR(
      WriteFileDurably(PathOf(kIdentityTmpName), EncodeBlob(BlobKind::kIdentity, 0, identity)));
  Status s = RenameDurably(kIdentityTmpName, kIdentityName);
  if (!s.ok()) {
    ::unlink(PathOf(kIdentityTmpName).c_str());
  }
  return s;
}

}  // namespace herd::sidecar
