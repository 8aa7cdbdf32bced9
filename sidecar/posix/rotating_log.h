// RotatingLog: one workload's stdout/stderr file, size-capped and rotated; and the reader
// behind `herd logs NAME`.
//
// Files live in one directory: `<dir>/<name>.log` is written, `<name>.log.1` is the previous
// one, up to `<name>.log.<keep>`; older ones are deleted. Bytes are written as they arrive (no
// line is held back), so a reader sees output at once. Rotation happens at a line start, before
// a line that would take the file past `max_bytes`, so lines are not split across files; a line
// still being written when the cap is passed finishes in the same file, hence a file holds at
// most max_bytes + max_line + the cut marker. A line longer than `max_line` is cut: its first
// max_line bytes are written followed by kCutMarker and a newline, and the rest, up to the next
// newline, is dropped. Nothing is buffered beyond one read chunk.
//
// Ownership and threading: a RotatingLog owns its file descriptor (O_CLOEXEC) and is used by
// one thread at a time; the caller serializes Append/Rotate with ReadLogTail on the same files
// (the posix runner holds one mutex for both).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace herd::sidecar {

struct LogOptions {
  int64_t max_bytes = 10 << 20;  // per file, >= 1
  int keep = 3;                  // rotated files kept (.log.1 ... .log.<keep>), >= 0
  size_t max_line = 64 << 10;    // longer lines are cut; clamped to max_bytes
};

inline constexpr std::string_view kCutMarker = " [herd: line cut]";

// InvalidArgument (field "metadata.name") unless `name` can name a file in the logs dir:
// 1-253 bytes, no '/', no NUL, not "." or "..".
Status ValidateLogName(std::string_view name);

// `<dir>/<name>.log`, or `<dir>/<name>.log.<index>` for index > 0.
std::string LogPath(const std::string& dir, std::string_view name, int index = 0);

class RotatingLog {
 public:
  // A log for `<dir>/<name>.log`. The file is opened (appending) or created at the first
  // Append, so a workload that prints nothing costs no file and no descriptor, and starting a
  // child never waits on the filesystem. Errors: InvalidArgument for a bad name or options.
  static Result<std::unique_ptr<RotatingLog>> Open(const std::string& dir, std::string_view name,
                                                   const LogOptions& options);
  ~RotatingLog();
  RotatingLog(const RotatingLog&) = delete;
  RotatingLog& operator=(const RotatingLog&) = delete;

  // Appends child output, rotating and cutting as described above. Unavailable when the file
  // cannot be opened (the message names the path and the OS error), or a write or a rotation
  // fails (the data of that call is lost; later calls try again).
  Status Append(std::string_view data);
  // Ends a partial last line with a newline (a child exited mid-line), so the next instance's
  // output starts on a line of its own.
  Status EndOfStream();

  int64_t size() const { return size_; }  // 0 until the first Append opened the file
  uint64_t rotations() const { return rotations_; }
  uint64_t cut_lines() const { return cut_lines_; }

 private:
  RotatingLog(std::string dir, std::string name, const LogOptions& options, int fd, int64_t size);
  Status OpenIfClosed();
  Status Rotate();
  Status Flush();

  std::string dir_;
  std::string name_;
  LogOptions options_;
  int fd_;                // -1 until the first Append
  int64_t size_;          // bytes in the current file, including pending_
  size_t line_len_ = 0;   // bytes of the current (unfinished) line already accepted
  bool cutting_ = false;  // dropping the rest of a cut line
  std::string pending_;   // accepted, not yet written
  uint64_t rotations_ = 0;
  uint64_t cut_lines_ = 0;
};

// The last `tail_lines` lines (0: everything kept) of `<dir>/<name>.log*`, oldest first,
// reading rotated files as needed and only as much of each as needed.
// Errors: InvalidArgument for a bad name; NotFound when no log file exists for `name`;
// Unavailable when a file cannot be read.
Result<std::string> ReadLogTail(const std::string& dir, std::string_view name, int keep,
                                size_t tail_lines);

}  // namespace herd::sidecar
