#include "sidecar/posix/rotating_log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace herd::sidecar {
namespace {

Status OsError(std::string_view what, const std::string& path) {
  return Unavailable(std::string(what) + " " + path + ": " + strerror(errno));
}

int OpenForAppend(const std::string& path) {
  return open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

// Start of the last `n` lines of `text` (a trailing newline ends the last line, it does not
// start an empty one). Returns 0 when `text` has at most `n` lines.
size_t LastLinesStart(std::string_view text, size_t n) {
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (size_t seen = 0; pos > 0; --pos) {
    if (text[pos - 1] == '\n' && ++seen == n) return pos;
  }
  return 0;
}

}  // namespace

Status ValidateLogName(std::string_view name) {
  if (name.empty() || name.size() > 253 || name == "." || name == ".." ||
      name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos) {
    return InvalidArgument(
        "not a valid workload name for a log file: \"" + std::string(name) + "\"", "metadata.name");
  }
  return Status::Ok();
}

std::string LogPath(const std::string& dir, std::string_view name, int index) {
  std::string path = dir + "/" + std::string(name) + ".log";
  if (index > 0) path += "." + std::to_string(index);
  return path;
}

Result<std::unique_ptr<RotatingLog>> RotatingLog::Open(const std::string& dir,
                                                       std::string_view name,
                                                       const LogOptions& options) {
  RETURN_IF_ERROR(ValidateLogName(name));
  if (options.max_bytes < 1) return InvalidArgument("log max_bytes must be >= 1", "max_bytes");
  if (options.keep < 0) return InvalidArgument("log keep must be >= 0", "keep");
  if (options.max_line < 1) return InvalidArgument("log max_line must be >= 1", "max_line");
  LogOptions clamped = options;
  clamped.max_line = std::min(options.max_line, static_cast<size_t>(options.max_bytes));
  return std::unique_ptr<RotatingLog>(new RotatingLog(dir, std::string(name), clamped, -1, 0));
}

Status RotatingLog::OpenIfClosed() {
  if (fd_ >= 0) return Status::Ok();
  const std::string path = LogPath(dir_, name_);
  int fd = OpenForAppend(path);
  if (fd < 0) return OsError("cannot open log", path);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    Status s = OsError("cannot stat log", path);
    close(fd);
    return s;
  }
  fd_ = fd;
  size_ = static_cast<int64_t>(st.st_size);
  return Status::Ok();
}

RotatingLog::RotatingLog(std::string dir, std::string name, const LogOptions& options, int fd,
                         int64_t size)
    : dir_(std::move(dir)), name_(std::move(name)), options_(options), fd_(fd), size_(size) {}

RotatingLog::~RotatingLog() {
  (void)Flush();
  if (fd_ >= 0) close(fd_);
}

Status RotatingLog::Append(std::string_view data) {
  if (data.empty()) return Status::Ok();
  RETURN_IF_ERROR(OpenIfClosed());
  Status status;
  while (!data.empty()) {
    size_t nl = data.find('\n');
    bool ends_line = nl != std::string_view::npos;
    std::string_view piece = ends_line ? data.substr(0, nl + 1) : data;
    data.remove_prefix(piece.size());
    if (cutting_) {
      if (ends_line) cutting_ = false;  // the cut line's newline was written with the marker
      continue;
    }
    size_t content = piece.size() - (ends_line ? 1 : 0);
    if (line_len_ == 0 && size_ > 0 &&
        size_ + static_cast<int64_t>(std::min(piece.size(), options_.max_line + 1)) >
            options_.max_bytes) {
      Status s = Rotate();
      if (!s.ok()) status = s;
    }
    if (line_len_ + content > options_.max_line) {
      size_t room = options_.max_line - line_len_;
      pending_.append(piece.substr(0, room));
      pending_.append(kCutMarker);
      pending_.push_back('\n');
      size_ += static_cast<int64_t>(room + kCutMarker.size() + 1);
      ++cut_lines_;
      cutting_ = !ends_line;
      line_len_ = 0;
      continue;
    }
    pending_.append(piece);
    size_ += static_cast<int64_t>(piece.size());
    line_len_ = ends_line ? 0 : line_len_ + content;
  }
  Status s = Flush();
  return status.ok() ? s : status;
}

Status RotatingLog::EndOfStream() {
  cutting_ = false;
  if (line_len_ > 0) {
    pending_.push_back('\n');
    ++size_;
    line_len_ = 0;
  }
  return Flush();
}

Status RotatingLog::Flush() {
  if (pending_.empty()) return Status::Ok();
  size_t off = 0;
  Status status;
  while (off < pending_.size()) {
    ssize_t n = write(fd_, pending_.data() + off, pending_.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = OsError("cannot write log", LogPath(dir_, name_));
      size_ -= static_cast<int64_t>(pending_.size() - off);
      break;
    }
    off += static_cast<size_t>(n);
  }
  pending_.clear();
  return status;
}

Status RotatingLog::Rotate() {
  RETURN_IF_ERROR(Flush());
  std::string current = LogPath(dir_, name_);
  if (options_.keep == 0) {
    if (ftruncate(fd_, 0) != 0) return OsError("cannot truncate log", current);
  } else {
    unlink(LogPath(dir_, name_, options_.keep).c_str());
    for (int i = options_.keep - 1; i >= 1; --i) {
      rename(LogPath(dir_, name_, i).c_str(), LogPath(dir_, name_, i + 1).c_str());
    }
    if (rename(current.c_str(), LogPath(dir_, name_, 1).c_str()) != 0) {
      return OsError("cannot rotate log", current);
    }
    int fd = OpenForAppend(current);
    if (fd < 0) return OsError("cannot reopen log", current);  // keeps writing to .log.1
    close(fd_);
    fd_ = fd;
  }
  size_ = 0;
  ++rotations_;
  return Status::Ok();
}

Result<std::string> ReadLogTail(const std::string& dir, std::string_view name, int keep,
                                size_t tail_lines) {
  RETURN_IF_ERROR(ValidateLogName(name));
  constexpr size_t kBlock = 64 << 10;
  // Blocks read backwards, newest first; `newlines` counts line ends seen, excluding the very
  // last byte of the newest content (it ends the last line).
  std::vector<std::string> blocks;
  size_t newlines = 0;
  bool found = false;
  bool at_end = true;
  bool enough = false;
  for (int i = 0; i <= keep && !enough; ++i) {
    std::string path = LogPath(dir, name, i);
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) continue;
      return OsError("cannot open log", path);
    }
    found = true;
    struct stat st;
    if (fstat(fd, &st) != 0) {
      Status s = OsError("cannot stat log", path);
      close(fd);
      return s;
    }
    off_t off = st.st_size;
    while (off > 0 && !enough) {
      size_t n = std::min(kBlock, static_cast<size_t>(off));
      off -= static_cast<off_t>(n);
      std::string block(n, '\0');
      ssize_t got = pread(fd, block.data(), n, off);
      if (got != static_cast<ssize_t>(n)) {
        Status s = OsError("cannot read log", path);
        close(fd);
        return s;
      }
      size_t count = std::count(block.begin(), block.end(), '\n');
      if (at_end && block.back() == '\n') --count;
      at_end = false;
      newlines += count;
      blocks.push_back(std::move(block));
      enough = tail_lines > 0 && newlines >= tail_lines;
    }
    close(fd);
  }
  if (!found) return NotFound("no log for workload " + std::string(name));
  std::string text;
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) text += *it;
  if (tail_lines == 0) return text;
  return text.substr(LastLinesStart(text, tail_lines));
}

}  // namespace herd::sidecar
