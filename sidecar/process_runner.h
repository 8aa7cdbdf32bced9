// ProcessRunner: the seam between the supervisor and the children it runs.
//
// One running child is an Instance, named by an id the caller chooses (unique per agent for the
// agent's lifetime; never reused). The runner starts an instance from a WorkloadSpec, signals it
// to stop, kills everything at once, and reports every exit exactly once through the
// ExitCallback. It knows nothing about ownership, restarts or the CRDT: that is the supervisor's.
//
// Implementations: PosixProcessRunner (sidecar/posix/; real processes and runc containers) and
// FakeProcessRunner (sidecar/fake_process_runner.h; unit tests and the simulator). No OS calls
// here.
//
// Threading: Start, Stop, KillAll, running and ReadLog may be called from any thread (the agent
// calls them from its event loop). The ExitCallback runs on a thread the runner chooses: the
// posix runner calls it from its own runner thread, so the agent posts it into its event loop;
// the fake calls it from Exit()/Stop() or from its Clock's timers. An exit may be reported before
// Start has returned to its caller, never before Start has been called for that instance.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "sidecar/workload_spec.h"

namespace herd::sidecar {

using InstanceId = uint64_t;

struct StartRequest {
  InstanceId instance = 0;             // caller's id, unique per agent
  std::string workload;                // workload name: log file name, env HERD_WORKLOAD
  uint64_t generation = 0;             // env HERD_GENERATION
  std::string member;                  // env HERD_MEMBER
  const WorkloadSpec* spec = nullptr;  // must be non-null; read during Start only
};

struct StartedChild {
  int pid = 0;               // the pid the runner signals (posix: the herd-launch shim)
  std::string container_id;  // runtime: container only
};

// How an instance ended. Exactly one of: exit_code >= 0 (it exited), or signal > 0 (a signal
// killed it; exit_code stays -1). `error` is set when the runner itself failed to run the
// command after Start succeeded (e.g. exec failed as the configured uid); the code is then 127.
struct ChildExit {
  int exit_code = -1;
  int signal = 0;
  std::string error;

  bool clean() const { return exit_code == 0 && signal == 0; }
  friend bool operator==(const ChildExit&, const ChildExit&) = default;
};

class ProcessRunner {
 public:
  using ExitCallback = std::function<void(InstanceId instance, const ChildExit& exit)>;

  virtual ~ProcessRunner() = default;

  // Sets where exits are reported. Call once, before the first Start.
  virtual void SetExitCallback(ExitCallback cb) = 0;

  // Starts the instance. Errors concern that one workload and name the cause; nothing is left
  // running and no exit is reported after an error:
  //   InvalidArgument     (field "spec.command")  no spec or an empty command
  //   AlreadyExists                               the instance id is already running
  //   FailedPrecondition  (field names the input) command not found ("spec.command[0]"),
  //                       working dir missing ("spec.workingDir"), runc or the image missing
  //                       ("spec.runtime" / "spec.image"), refusing to run as root
  //   Internal / Unavailable                      the OS refused (spawn, pipes, files)
  virtual Result<StartedChild> Start(const StartRequest& req) = 0;

  // Asks the instance to stop: SIGTERM to its whole process group (containers: to runc, which
  // forwards it to the container), then SIGKILL of the group after `timeout` (0: SIGKILL at
  // once). The exit arrives through the ExitCallback with the real code or signal. A second Stop
  // may only shorten the deadline. Unknown or already exited instances are ignored.
  virtual void Stop(InstanceId instance, std::chrono::milliseconds timeout) = 0;

  // Kills every instance at once (SIGKILL to each group), e.g. on the agent's second SIGTERM.
  // Exits are reported as usual.
  virtual void KillAll() = 0;

  // Instances started and whose exit has not been reported yet.
  virtual size_t running() const = 0;

  // The last `tail_lines` lines (0: all that is kept) of a workload's stdout/stderr, oldest
  // first. NotFound when the workload never wrote a log here; InvalidArgument for a name that
  // cannot be a workload name.
  virtual Result<std::string> ReadLog(std::string_view workload, size_t tail_lines) const = 0;
};

}  // namespace herd::sidecar
