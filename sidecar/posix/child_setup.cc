#include "sidecar/posix/child_setup.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace herd::sidecar {
namespace {

Status CommandError(std::string message) {
  return Status(StatusCode::kFailedPrecondition, std::move(message), "spec.command[0]");
}

bool IsExecutableFile(const std::string& path, std::string* why) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    *why = strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *why = "not a regular file";
    return false;
  }
  if (access(path.c_str(), X_OK) != 0) {
    *why = "not executable";
    return false;
  }
  return true;
}

void SetEnv(std::vector<std::string>* env, std::string_view name, std::string_view value) {
  std::string entry = std::string(name) + "=" + std::string(value);
  for (std::string& e : *env) {
    if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=') {
      e = std::move(entry);
      return;
    }
  }
  env->push_back(std::move(entry));
}

}  // namespace

std::vector<std::string> BuildChildEnv(const StartRequest& req, std::string_view default_path) {
  std::vector<std::string> env;
  SetEnv(&env, "PATH", default_path);
  for (const EnvVar& v : req.spec->env) SetEnv(&env, v.name, v.value);
  SetEnv(&env, "HERD_WORKLOAD", req.workload);
  SetEnv(&env, "HERD_MEMBER", req.member);
  SetEnv(&env, "HERD_GENERATION", std::to_string(req.generation));
  return env;
}

std::string EnvValue(const std::vector<std::string>& env, std::string_view name) {
  for (const std::string& e : env) {
    if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=') {
      return e.substr(name.size() + 1);
    }
  }
  return "";
}

Result<std::string> ResolveCommand(std::string_view command, std::string_view path_env,
                                   std::string_view cwd) {
  if (command.empty()) return CommandError("the command is empty");
  std::string why;
  if (command.find('/') != std::string_view::npos) {
    std::string path(command);
    if (path[0] != '/' && !cwd.empty()) path = std::string(cwd) + "/" + path;
    if (!IsExecutableFile(path, &why)) {
      return CommandError("command " + std::string(command) + ": " + why);
    }
    return path;
  }
  size_t start = 0;
  while (start <= path_env.size()) {
    size_t end = path_env.find(':', start);
    if (end == std::string_view::npos) end = path_env.size();
    std::string dir(path_env.substr(start, end - start));
    if (dir.empty()) dir = ".";  // POSIX: an empty PATH entry is the current directory
    std::string candidate = dir + "/" + std::string(command);
    if (dir[0] != '/' && !cwd.empty()) candidate.insert(0, std::string(cwd) + "/");
    if (IsExecutableFile(candidate, &why)) return candidate;
    start = end + 1;
  }
  return CommandError("command \"" + std::string(command) + "\" not found in PATH " +
                      std::string(path_env));
}

Status CheckWorkingDir(std::string_view dir) {
  if (dir.empty()) return Status::Ok();
  struct stat st;
  std::string path(dir);
  if (stat(path.c_str(), &st) != 0) {
    return Status(StatusCode::kFailedPrecondition,
                  "working directory " + path + ": " + strerror(errno), "spec.workingDir");
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status(StatusCode::kFailedPrecondition,
                  "working directory " + path + " is not a directory", "spec.workingDir");
  }
  return Status::Ok();
}

Status MakeDirs(const std::string& path) {
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string prefix = path.substr(0, pos);
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return Unavailable("cannot create directory " + prefix + ": " + strerror(errno));
    }
  }
  return Status::Ok();
}

}  // namespace herd::sidecar
