// PosixProcessRunner: the real ProcessRunner. Children are processes (posix_spawn) or runc
// containers (runc_runtime.h), each under a herd-launch shim (launch_protocol.h).
//
// Per child:
//   - the shim is spawned (shim_spawn.h) in a new process group with default signal
//     dispositions; stdin is /dev/null, stdout and stderr a pipe, the environment is clean
//     (child_setup.h: PATH, the spec's env, HERD_WORKLOAD/HERD_MEMBER/HERD_GENERATION); every
//     fd the runner opens is O_CLOEXEC, spawns come from a thread with its own near-empty fd
//     table, and the shim closes anything else, so the command gets fds 0, 1 and 2 only;
//   - the command runs in its own process group under the shim, which forwards SIGTERM and
//     friends to that group; Stop sends SIGTERM, and after the timeout asks the shim for a hard
//     kill (SIGKILL to the group, `runc delete -f` for a container); should the shim not exit
//     within `kill_grace` after that, the shim itself gets SIGKILL;
//   - the child dies with the agent: the shim's parent-death signal is the hard kill. The
//     kernel sends it when the *thread* that spawned the shim exits, so shims are spawned from
//     the spawner's thread, which lives until every child is reaped;
//   - output goes through the pipe to `<logs_dir>/<workload>.log`, size-capped and rotated
//     (rotating_log.h); ReadLog serves `herd logs`;
//   - exits are found with pidfds (Linux >= 5.3) and reaped with waitpid on that pid only, so
//     other children of the agent (not spawned here) are never reaped by accident. The agent
//     must leave SIGCHLD's disposition alone (SIG_IGN would reap children behind our back).
//
// Resources: per running child the agent holds a pidfd and the output pipe, plus one log file
// per workload; the runner raises RLIMIT_NOFILE's soft limit to the hard one and gives
// children the original back. Each child costs one extra process, the shim (~60 KiB PSS).
//
// Privileges: when the agent runs as root it runs children as `run_as_uid`/`run_as_gid`
// (applied in the shim after fork, before exec; inside the container for runc), and refuses to
// run them as root unless `allow_root` is set.
//
// Threading: all public methods are thread-safe. One runner thread owns the children: it
// has them spawned (Start waits for it), reads their output, enforces stop deadlines, reaps and
// calls the ExitCallback, so the callback must not block for long; it may call the runner.
// Output a child wrote before it exited is in the log by the time its exit is reported.
// The destructor hard-kills every child and waits until all are reaped (bounded by
// kill_grace); it reports no exits.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "sidecar/posix/child_setup.h"
#include "sidecar/posix/rotating_log.h"
#include "sidecar/posix/runc_runtime.h"
#include "sidecar/process_runner.h"

namespace herd::sidecar {

struct PosixRunnerOptions {
  std::string launcher_path;  // herd-launch, next to the herd binary; required
  std::string logs_dir;       // created when missing; required
  LogOptions log;
  std::optional<uint32_t> run_as_uid;
  std::optional<uint32_t> run_as_gid;  // defaults to run_as_uid
  bool allow_root = false;             // run children as root when the agent is root
  std::string default_path = std::string(kDefaultChildPath);
  std::chrono::milliseconds kill_grace{5000};
  ContainerOptions container;
};

class PosixProcessRunner final : public ProcessRunner {
 public:
  // Checks the options and starts the runner thread. Errors: InvalidArgument (missing
  // launcher_path or logs_dir); FailedPrecondition (the launcher is not executable, pidfds are
  // not supported); Unavailable (the logs dir cannot be created, no thread/epoll).
  static Result<std::unique_ptr<PosixProcessRunner>> Create(PosixRunnerOptions options);
  ~PosixProcessRunner() override;

  void SetExitCallback(ExitCallback cb) override;
  Result<StartedChild> Start(const StartRequest& req) override;
  void Stop(InstanceId instance, std::chrono::milliseconds timeout) override;
  void KillAll() override;
  size_t running() const override;
  Result<std::string> ReadLog(std::string_view workload, size_t tail_lines) const override;

  struct Impl;  // runner thread and children; posix_process_runner.cc

 private:
  explicit PosixProcessRunner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace herd::sidecar
