// What the `herd` CLI (sidecar/cli.h) needs from the operating system besides its streams and
// sockets: the files behind `apply -f` / `delete -f`, and the wall clock for ages. Kept here
// because only sidecar/posix/ touches files and real clocks. Any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace herd::sidecar {

struct SpecFile {
  std::string path;  // as the user wrote it, or joined below the directory they named
  std::string text;
};

// Reads `path`: a file as it is (whatever its extension), or a directory's *.yaml, *.yml and
// *.json files in name order; with `recursive`, subdirectories too (depth-first, entries in
// name order). Errors: kNotFound "the path \"x\" does not exist"; kInvalidArgument for an
// unreadable file or directory; kFailedPrecondition for a directory with no such files
// ("no .yaml, .yml or .json files in \"dir\"").
Result<std::vector<SpecFile>> ReadSpecFiles(const std::string& path, bool recursive);

// Wall time in milliseconds since the Unix epoch.
int64_t RealWallMillis();

}  // namespace herd::sidecar
