// The container runtime: turns a `runtime: container` StartRequest into an OCI bundle and the
// `runc run` command line that PosixProcessRunner starts through herd-launch, like any child.
//
// Layout: the image name maps to a root filesystem `<images_dir>/<image>/rootfs` (build one
// with scripts/make-rootfs.sh); each instance gets `<state_dir>/bundles/<instance>/config.json`
// and runc keeps its state under `<state_dir>/runc`. The container is `<workload>-<instance>`.
//
// The generated config: the spec's command/env/workingDir as the process (uid/gid from the
// runner's run_as options, root otherwise), a read-only root with a tmpfs /tmp, namespaces pid,
// ipc, uts (hostname = workload) and mount; the network namespace is the host's, for
// simplicity (a workload listens on the pod's ports, as a process would).
// spec.resources become linux.resources.memory.limit and pids.limit under the cgroup
// `/<cgroup_parent>/<container id>`.
//
// Lifecycle (see launch_main.cc): `runc run` runs in the foreground under herd-launch, its
// output on the log pipe. Stop sends SIGTERM to runc, which forwards it to the container's init,
// exactly what `runc kill ID TERM` does; the hard kill and the agent's death run
// `runc delete -f ID`, which SIGKILLs the container and removes its cgroup and state; after a
// normal exit runc has deleted it already. The runner removes the bundle after the exit.
//
// Stateless functions over the filesystem; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sidecar/process_runner.h"

namespace herd::sidecar {

struct ContainerOptions {
  std::string runc_path = "runc";  // a path, or a name looked up in the agent's PATH
  std::string state_dir;           // bundles and runc state; required for containers
  std::string images_dir;          // <images_dir>/<image>/rootfs; required for containers
  std::string cgroup_parent = "herd";
};

// What the generated config.json says, as plain values (also what the tests check).
struct OciProcess {
  std::vector<std::string> args;
  std::vector<std::string> env;  // NAME=value
  std::string cwd = "/";
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string rootfs;  // absolute
  std::string hostname;
  std::string cgroups_path;
  int64_t memory_bytes = 0;  // 0: no limit
  int64_t pids = 0;          // 0: no limit
};

// config.json for runc (OCI runtime spec 1.0.2), pretty-printed.
std::string MakeOciConfig(const OciProcess& p);

// Everything the runner needs to start one container.
struct ContainerLaunch {
  std::string container_id;
  std::string bundle_dir;
  std::string runc;               // absolute path
  std::string runc_root;          // runc --root
  std::vector<std::string> argv;  // runc --root R run --bundle B ID (argv[0] = runc)
};

// Checks runc and the image, writes the bundle and returns the command line. `env` is the
// child's environment (BuildChildEnv); `uid`/`gid` the user inside the container.
// Errors, with nothing written: InvalidArgument ("spec.image" empty or not a plain name,
// "spec.workingDir" not absolute); FailedPrecondition ("spec.runtime": runc not found, agent not
// root, state_dir or images_dir not configured; "spec.image": no rootfs for the image;
// "spec.workingDir": not a directory in the rootfs); Unavailable when the bundle cannot be
// written.
Result<ContainerLaunch> PrepareContainer(const ContainerOptions& options, const StartRequest& req,
                                         const std::vector<std::string>& env, uint32_t uid,
                                         uint32_t gid);

// Removes a bundle directory made by PrepareContainer (config.json and the directory).
void RemoveBundle(const std::string& bundle_dir);

}  // namespace herd::sidecar
