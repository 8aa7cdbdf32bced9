#include "sidecar/posix/runc_runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "sidecar/posix/child_setup.h"

namespace herd::sidecar {
namespace {

using json = nlohmann::json;

Status RuntimeError(std::string message) {
  return Status(StatusCode::kFailedPrecondition, std::move(message), "spec.runtime");
}

bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool IsPlainName(std::string_view s) {
  if (s.empty() || s.size() > 255 || s == "." || s == "..") return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Status WriteFileAtomically(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Unavailable("cannot write " + tmp + ": " + strerror(errno));
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Unavailable("cannot write " + tmp + ": " + strerror(errno));
      close(fd);
      unlink(tmp.c_str());
      return s;
    }
    off += static_cast<size_t>(n);
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = Unavailable("cannot rename " + tmp + ": " + strerror(errno));
    unlink(tmp.c_str());
    return s;
  }
  return Status::Ok();
}

json DefaultCaps() { return {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}; }

json Mount(std::string dest, std::string type, std::string source, json options) {
  return {{"destination", std::move(dest)},
          {"type", std::move(type)},
          {"source", std::move(source)},
          {"options", std::move(options)}};
}

}  // namespace

std::string MakeOciConfig(const OciProcess& p) {
  json caps = DefaultCaps();
  json resources = {{"devices", json::array({{{"allow", false}, {"access", "rwm"}}})}};
  if (p.memory_bytes > 0) resources["memory"] = {{"limit", p.memory_bytes}};
  if (p.pids > 0) resources["pids"] = {{"limit", p.pids}};
  json config = {
      {"ociVersion", "1.0.2"},
      {"process",
       {{"terminal", false},
        {"user", {{"uid", p.uid}, {"gid", p.gid}}},
        {"args", p.args},
        {"env", p.env},
        {"cwd", p.cwd},
        {"capabilities",
         {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
        {"rlimits", json::array({{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}})},
        {"noNewPrivileges", true}}},
      {"root", {{"path", p.rootfs}, {"readonly", true}}},
      {"hostname", p.hostname},
      {"mounts",
       json::array({
           {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
           Mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
           Mount("/dev/pts", "devpts", "devpts",
                 {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
           Mount("/dev/shm", "tmpfs", "shm",
                 {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
           Mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
           Mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
           Mount("/tmp", "tmpfs", "tmpfs", {"nosuid", "nodev", "mode=1777", "size=65536k"}),
       })},
      {"linux",
       {{"resources", resources},
        {"cgroupsPath", p.cgroups_path},
        // No "network" namespace: the container shares the host's (see the header).
        {"namespaces",
         json::array(
             {{{"type", "pid"}}, {{"type", "ipc"}}, {{"type", "uts"}}, {{"type", "mount"}}})},
        {"maskedPaths",
         {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
          "/proc/scsi"}},
        {"readonlyPaths",
         {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}}}}};
  return config.dump(1) + "\n";
}

Result<ContainerLaunch> PrepareContainer(const ContainerOptions& options, const StartRequest& req,
                                         const std::vector<std::string>& env, uint32_t uid,
                                         uint32_t gid) {
  const WorkloadSpec& spec = *req.spec;
  if (spec.image.empty()) {
    return InvalidArgument("runtime container needs an image", "spec.image");
  }
  if (!IsPlainName(spec.image)) {
    return InvalidArgument("image \"" + spec.image + "\" must be a plain name ([A-Za-z0-9._-])",
                           "spec.image");
  }
  std::string cwd = spec.working_dir.empty() ? "/" : spec.working_dir;
  if (cwd[0] != '/') {
    return InvalidArgument("a container's working dir must be absolute: " + cwd, "spec.workingDir");
  }
  const char* agent_path = getenv("PATH");
  Result<std::string> runc =
      ResolveCommand(options.runc_path, agent_path != nullptr ? agent_path : kDefaultChildPath, "");
  if (!runc.ok()) {
    return RuntimeError("runtime container needs runc: " + runc.status().message());
  }
  if (geteuid() != 0) return RuntimeError("runtime container needs the agent to run as root");
  if (options.state_dir.empty()) return RuntimeError("runtime container needs a state dir");
  if (options.images_dir.empty()) return RuntimeError("runtime container needs an images dir");
  std::string rootfs = options.images_dir + "/" + spec.image + "/rootfs";
  if (!IsDir(rootfs)) {
    return Status(StatusCode::kFailedPrecondition,
                  "image \"" + spec.image + "\" not found: " + rootfs +
                      " is not a directory (build it with scripts/make-rootfs.sh)",
                  "spec.image");
  }
  if (!IsDir(rootfs + cwd)) {
    return Status(StatusCode::kFailedPrecondition,
                  "working directory " + cwd + " is not a directory in image " + spec.image,
                  "spec.workingDir");
  }
  if (rootfs[0] != '/') {
    char* abs = realpath(rootfs.c_str(), nullptr);
    if (abs != nullptr) {
      rootfs = abs;
      free(abs);
    }
  }

  ContainerLaunch launch;
  launch.container_id = req.workload + "-" + std::to_string(req.instance);
  launch.bundle_dir = options.state_dir + "/bundles/" + std::to_string(req.instance);
  launch.runc = *runc;
  launch.runc_root = options.state_dir + "/runc";
  launch.argv = {launch.runc, "--root",          launch.runc_root,   "run",
                 "--bundle",  launch.bundle_dir, launch.container_id};

  OciProcess p;
  p.args = spec.command;
  p.env = env;
  p.cwd = cwd;
  p.uid = uid;
  p.gid = gid;
  p.rootfs = rootfs;
  p.hostname = req.workload;
  p.cgroups_path = "/" + options.cgroup_parent + "/" + launch.container_id;
  p.memory_bytes = spec.resources.memory_bytes;
  p.pids = spec.resources.pids;

  RETURN_IF_ERROR(MakeDirs(launch.runc_root));
  RETURN_IF_ERROR(MakeDirs(launch.bundle_dir));
  Status written = WriteFileAtomically(launch.bundle_dir + "/config.json", MakeOciConfig(p));
  if (!written.ok()) {
    RemoveBundle(launch.bundle_dir);
    return written;
  }
  return launch;
}

void RemoveBundle(const std::string& bundle_dir) {
  unlink((bundle_dir + "/config.json").c_str());
  unlink((bundle_dir + "/config.json.tmp").c_str());
  rmdir(bundle_dir.c_str());
}

}  // namespace herd::sidecar
