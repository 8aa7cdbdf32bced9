// Small POSIX file helpers for FileStore: whole-file reads, full writes that survive short
// writes and EINTR, durable file creation, and errno -> Status mapping with the path named.
//
// Each function is a thin wrapper over the system calls it names; none keeps state. Any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace herd::sidecar {

// A Status for a failed system call: "<op> <path>: <strerror> (<ERRNO>)". ENOSPC, EDQUOT and
// EFBIG map to kResourceExhausted; EACCES, EPERM and EROFS to kPermissionDenied; ENOENT to
// kNotFound; anything else to kInternal.
Status ErrnoStatus(int err, std::string_view op, std::string_view path);

// The whole content of `path`, or nullopt when it does not exist. Errors: I/O codes.
Result<std::optional<std::string>> ReadFileIfExists(const std::string& path);

// Writes all of `data` at `offset` (pwrite, looping over short writes and EINTR). Returns 0,
// or the errno of the call that failed; part of `data` may have been written then.
int PwriteAll(int fd, std::string_view data, uint64_t offset);

// Creates (or truncates) `path`, writes `data`, fdatasyncs and closes it. On error the file
// is removed again. Errors: I/O codes naming the path.
Status WriteFileDurably(const std::string& path, std::string_view data);

// Removes `path`; a missing file is not an error.
Status RemoveIfExists(const std::string& path);

}  // namespace herd::sidecar
