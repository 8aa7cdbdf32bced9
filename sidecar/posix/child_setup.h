// What a child gets besides its argv: a clean environment, a resolved command path and a
// checked working directory. The runner prepares these before it spawns, so a bad spec becomes
// a clear Start error instead of a child that exits 127.
//
// Stateless functions; they read the filesystem (stat/access) but change nothing. Any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sidecar/process_runner.h"

namespace herd::sidecar {

inline constexpr std::string_view kDefaultChildPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The child's environment as "NAME=value" strings, nothing inherited from the agent:
// PATH=`default_path`, then the spec's env in order (a later entry replaces an earlier one with
// the same name, and may replace PATH), then HERD_WORKLOAD, HERD_MEMBER and HERD_GENERATION,
// which the spec cannot override. `req.spec` must be non-null.
std::vector<std::string> BuildChildEnv(const StartRequest& req, std::string_view default_path);

// The value of NAME in an environment built by BuildChildEnv ("" when absent).
std::string EnvValue(const std::vector<std::string>& env, std::string_view name);

// Resolves `command` as execvp would, but up front: a name containing '/' is a path (relative
// to `cwd` when not absolute); otherwise the first executable regular file named `command` in
// the ':'-separated `path_env`. Returns an absolute path (or one relative to the agent's cwd
// when `cwd` is empty). FailedPrecondition with field "spec.command[0]" when nothing is found or
// the file is not executable.
Result<std::string> ResolveCommand(std::string_view command, std::string_view path_env,
                                   std::string_view cwd);

// OK when `dir` is empty (the agent's cwd) or an existing directory; otherwise
// FailedPrecondition with field "spec.workingDir".
Status CheckWorkingDir(std::string_view dir);

// mkdir -p with mode 0755. Unavailable naming the directory that could not be created.
Status MakeDirs(const std::string& path);

}  // namespace herd::sidecar
