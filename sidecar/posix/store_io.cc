#include "sidecar/posix/store_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace herd::sidecar {
namespace {

StatusCode CodeOf(int err) {
  switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return StatusCode::kResourceExhausted;
    case EACCES:
    case EPERM:
    case EROFS:
      return StatusCode::kPermissionDenied;
    case ENOENT:
      return StatusCode::kNotFound;
    default:
      return StatusCode::kInternal;
  }
}

}  // namespace

Status ErrnoStatus(int err, std::string_view op, std::string_view path) {
  std::string msg(op);
  msg += ' ';
  msg += path;
  msg += ": ";
  const char* desc = strerrordesc_np(err);
  msg += desc != nullptr ? desc : "unknown error";
  const char* name = strerrorname_np(err);
  msg += " (";
  msg += name != nullptr ? name : std::to_string(err);
  msg += ')';
  return Status(CodeOf(err), std::move(msg));
}

Result<std::optional<std::string>> ReadFileIfExists(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return std::optional<std::string>();
    }
    return ErrnoStatus(errno, "open", path);
  }
  // Read straight into a buffer of the file's size, growing it only if the file grew since.
  struct stat st;
  size_t capacity = ::fstat(fd, &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0;
  std::string data(capacity + 1, '\0');
  size_t used = 0;
  while (true) {
    if (used == data.size()) {
      data.resize(data.size() * 2);
    }
    ssize_t n = ::read(fd, data.data() + used, data.size() - used);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      Status s = ErrnoStatus(errno, "read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) {
      break;
    }
    used += static_cast<size_t>(n);
  }
  data.resize(used);
  ::close(fd);
  return std::optional<std::string>(std::move(data));
}

int PwriteAll(int fd, std::string_view data, uint64_t offset) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    if (n == 0) {
      return EIO;  // no progress and no error: do not spin
    }
    data.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return 0;
}

Status WriteFileDurably(const std::string& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return ErrnoStatus(errno, "create", path);
  }
  Status s;
  if (int err = PwriteAll(fd, data, 0); err != 0) {
    s = ErrnoStatus(err, "write", path);
  } else if (::fdatasync(fd) != 0) {
    s = ErrnoStatus(errno, "fsync", path);
  }
  if (::close(fd) != 0 && s.ok()) {
    s = ErrnoStatus(errno, "close", path);
  }
  if (!s.ok()) {
    ::unlink(path.c_str());
  }
  return s;
}

Status RemoveIfExists(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus(errno, "remove", path);
  }
  return Status::Ok();
}

}  // namespace herd::sidecar
