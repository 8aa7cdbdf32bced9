// The contract between PosixProcessRunner and herd-launch, the shim it spawns per child.
//
//   herd-launch --agent-pid PID [--uid UID] [--gid GID] [--nofile N]
//               [--runc PATH --runc-root DIR --container-id ID] -- /abs/command argv0 args...
//
// The runner spawns herd-launch in a new process group with stdin /dev/null, stdout and stderr
// on the workload's log pipe, fd kStatusFd on a status pipe, and the child's environment as
// its own. herd-launch stays as a small parent of the real command (see launch_main.cc):
//
//   signal to the shim                effect
//   SIGTERM SIGINT SIGHUP SIGQUIT     forwarded to the command's process group
//   SIGUSR1 SIGUSR2
//   HardKillSignal()                  SIGKILL to the group (containers: `runc delete -f`),
//                                     reap everything, then die by SIGKILL itself
//   (parent death)                    the same as HardKillSignal(): it is the shim's PDEATHSIG
//
// The shim exits as its command did: the same exit code, or the same signal re-raised on
// itself. When it fails before the command runs (bad uid, exec failed, agent already gone) it
// writes one line to kStatusFd and to stderr and exits with kLaunchFailedExit; once the command
// has exec'd, it closes kStatusFd (the agent then holds two fds per child: pidfd and output).
// --nofile gives the command back the agent's original RLIMIT_NOFILE soft limit (the agent
// raises its own to hold two fds per child).
//
// Header only; included by the runner and by launch_main.cc. Any thread.
#pragma once

#include <signal.h>

namespace herd::sidecar::launch {

inline constexpr int kStatusFd = 3;
inline constexpr int kLaunchFailedExit = 127;

// A real-time signal nobody sends by accident: glibc's SIGRTMIN + 1 (glibc keeps the kernel's
// 32 and 33 for itself). A constant, since herd-launch runs without libc; the runtime test
// checks it against SIGRTMIN.
inline constexpr int kHardKillSignal = 35;
inline int HardKillSignal() { return kHardKillSignal; }

// The signals the shim handles itself (the forwarded ones, SIGCHLD and the hard kill): blocked
// in the shim from its spawn on and waited for; unblocked for the command.
inline constexpr int kShimSignals[] = {SIGTERM, SIGINT,  SIGHUP,  SIGQUIT,
                                       SIGUSR1, SIGUSR2, SIGCHLD, kHardKillSignal};

// kShimSignals as a sigset_t (for the runner's posix_spawn attributes; not in the shim).
inline sigset_t ShimSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : kShimSignals) sigaddset(&set, s);
  return set;
}

inline constexpr const char* kAgentPidFlag = "--agent-pid";
inline constexpr const char* kUidFlag = "--uid";
inline constexpr const char* kGidFlag = "--gid";
inline constexpr const char* kNofileFlag = "--nofile";  // the command's RLIMIT_NOFILE soft limit
inline constexpr const char* kRuncFlag = "--runc";
inline constexpr const char* kRuncRootFlag = "--runc-root";
inline constexpr const char* kContainerIdFlag = "--container-id";

}  // namespace herd::sidecar::launch
