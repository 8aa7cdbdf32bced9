// ShimSpawner: starts herd-launch for one child, wired as launch_protocol.h says, and hands
// back the pidfd and the read ends of its pipes. Also the thin pidfd wrappers the runner uses.
//
// Each shim is spawned with posix_spawn: a new process group, default dispositions for every
// signal, and the signals it handles itself (launch::ShimSignals()) blocked, so that one sent
// before the shim is ready waits for it instead of killing it. stdin is /dev/null, stdout and
// stderr the output pipe, fd 3 the status pipe; every fd made here is O_CLOEXEC.
//
// All spawns happen on the spawner's own thread, for two reasons:
//   - PR_SET_PDEATHSIG fires when the parent *thread* exits: this thread lives until the
//     spawner is destroyed, which its owner does only once every shim has been reaped;
//   - spawning copies the spawning thread's fd table, which in an agent with thousands of
//     children holds thousands of fds (a 10,000-fd table made each spawn ~2 ms slower here).
//     The thread unshares its fd table (unshare(CLONE_FILES)) and keeps only a socket in it;
//     the read ends and the pidfd travel to the caller's table over that socket (SCM_RIGHTS).
//     A side effect: fds the agent leaks without O_CLOEXEC never reach a child.
//
// Thread-safe: Spawn may be called from any thread (calls are serialized).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace herd::sidecar {

struct ShimProcess {
  pid_t pid = -1;
  int pidfd = -1;      // for poll (readable when it exits) and pidfd_send_signal
  int out_fd = -1;     // read end of stdout+stderr, O_NONBLOCK
  int status_fd = -1;  // read end of the shim's status pipe, O_NONBLOCK
};

class ShimSpawner {
 public:
  // Starts the spawn thread. Unavailable when the socket or the thread cannot be made.
  static Result<std::unique_ptr<ShimSpawner>> Create();
  // Stops the thread. Shims still running get their parent-death signal (a hard kill).
  ~ShimSpawner();
  ShimSpawner(const ShimSpawner&) = delete;
  ShimSpawner& operator=(const ShimSpawner&) = delete;

  // Spawns `launcher` with `argv` (argv[0] included) and exactly `env` as its environment, in
  // `cwd` when not empty. The caller owns the returned fds (O_CLOEXEC, in the caller's fd
  // table) and must reap `pid`. Errors (nothing left running, no fd left open): Unavailable
  // naming the failing call (pipe2, posix_spawn with the launcher path and the OS error,
  // pidfd_open, passing the fds).
  Result<ShimProcess> Spawn(const std::string& launcher, std::vector<std::string> argv,
                            std::vector<std::string> env, const std::string& cwd);

  struct State;  // shim_spawn.cc

 private:
  explicit ShimSpawner(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

int PidfdOpen(pid_t pid);                // -1 and errno on failure
int PidfdSignal(int pidfd, int signal);  // 0, or -1 and errno

}  // namespace herd::sidecar
