// herd-launch: the shim parent between the agent and one child (protocol: launch_protocol.h).
//
// Why a shim and not exec-in-place: PR_SET_PDEATHSIG cannot be set through posix_spawn, and if
// the agent's direct child merely set it and exec'd the command, only that one process would
// die with the agent: a shell's background children would survive and run twice after a
// failover. The shim instead
//   - has PDEATHSIG = HardKillSignal() and checks that its parent is still the agent,
//   - forks the command into its own process group (with PDEATHSIG SIGKILL, after dropping to
//     the configured uid/gid) and is its subreaper, so orphaned grandchildren come back to it,
//   - forwards the usual stop signals to that group,
//   - on HardKillSignal() (the agent's SIGKILL request, or the agent's death) kills the group,
//     every orphan and, for containers, the container (`runc delete -f`), then dies by SIGKILL,
//   - when the command exits, kills what it left behind in its group (a supervised workload is
//     its whole group, as systemd's KillMode=control-group), reaps everything and exits with
//     the command's code, or re-raises the command's signal so the agent sees the same signal.
// It is single-threaded and waits for signals with sigwaitinfo, so there are no handlers.
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "sidecar/posix/launch_protocol.h"

extern char** environ;

namespace {

using namespace herd::sidecar::launch;

struct Args {
  pid_t agent_pid = 0;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::optional<rlim_t> nofile;
  const char* runc = nullptr;
  const char* runc_root = nullptr;
  const char* container_id = nullptr;
  char** command = nullptr;  // command[0]: absolute path; command[1..]: argv
};

void WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

[[noreturn]] void Fail(const std::string& message) {
  WriteAll(kStatusFd, message);
  WriteAll(STDERR_FILENO, "herd-launch: " + message + "\n");
  _exit(kLaunchFailedExit);
}

std::optional<long> ParseNumber(const char* s) {
  if (s == nullptr || *s == '\0') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < 0) return std::nullopt;
  return v;
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  int i = 1;
  for (; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--") {
      ++i;
      break;
    }
    if (i + 1 >= argc) Fail("flag " + flag + " needs a value");
    const char* value = argv[++i];
    if (flag == kAgentPidFlag || flag == kUidFlag || flag == kGidFlag || flag == kNofileFlag) {
      std::optional<long> n = ParseNumber(value);
      if (!n) Fail("flag " + flag + ": not a number: " + value);
      if (flag == kAgentPidFlag) a.agent_pid = static_cast<pid_t>(*n);
      if (flag == kUidFlag) a.uid = static_cast<uid_t>(*n);
      if (flag == kGidFlag) a.gid = static_cast<gid_t>(*n);
      if (flag == kNofileFlag) a.nofile = static_cast<rlim_t>(*n);
    } else if (flag == kRuncFlag) {
      a.runc = value;
    } else if (flag == kRuncRootFlag) {
      a.runc_root = value;
    } else if (flag == kContainerIdFlag) {
      a.container_id = value;
    } else {
      Fail("unknown flag " + flag);
    }
  }
  if (a.agent_pid <= 0) Fail(std::string("missing ") + kAgentPidFlag);
  if (i + 1 >= argc) Fail("missing command after --");  // need a path and argv[0]
  a.command = argv + i;
  return a;
}

// Runs `runc --root R delete -f ID`, output discarded, and waits for it. Used when the agent is
// gone too, so nothing may depend on the log pipe (hence /dev/null: runc dies of SIGPIPE on a
// closed stdout).
void RuncDelete(const Args& a) {
  if (a.runc == nullptr || a.container_id == nullptr) return;
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, STDOUT_FILENO);
      dup2(devnull, STDERR_FILENO);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<const char*> argv = {a.runc};
    if (a.runc_root != nullptr) {
      argv.push_back("--root");
      argv.push_back(a.runc_root);
    }
    for (const char* s : {"delete", "-f", a.container_id}) argv.push_back(s);
    argv.push_back(nullptr);
    execve(a.runc, const_cast<char* const*>(argv.data()), environ);
    _exit(127);
  }
  if (pid > 0) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

bool ContainerStateExists(const Args& a) {
  if (a.runc_root == nullptr || a.container_id == nullptr) return false;
  struct stat st;
  return stat((std::string(a.runc_root) + "/" + a.container_id).c_str(), &st) == 0;
}

// SIGKILLs the command's group and every direct child (orphans re-parented to us, including
// ones that left the group with setsid), then reaps until no child is left. Records the
// command's status if it is reaped here. Gives up after ~10 s (a process stuck in D state).
void KillAndReapAll(pid_t command_pgid, pid_t command, std::optional<int>* command_status) {
  const std::string children_file = "/proc/self/task/" + std::to_string(getpid()) + "/children";
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  for (int round = 0; round < 200; ++round) {
    kill(-command_pgid, SIGKILL);
    std::ifstream in(children_file);
    for (long pid; in >> pid;) kill(static_cast<pid_t>(pid), SIGKILL);
    for (;;) {
      int status = 0;
      pid_t r = waitpid(-1, &status, WNOHANG);
      if (r > 0) {
        if (r == command && !command_status->has_value()) *command_status = status;
        continue;
      }
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return;  // ECHILD: nothing left
      break;              // children remain; wait for the next SIGCHLD
    }
    struct timespec wait = {0, 50'000'000L};
    sigtimedwait(&chld, nullptr, &wait);
  }
}

[[noreturn]] void ExitLike(int status) {
  if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
  // The command already dumped core if it was going to; the shim must not.
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  signal(sig, SIG_DFL);
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, sig);
  sigprocmask(SIG_UNBLOCK, &only, nullptr);
  raise(sig);
  _exit(128 + sig);  // a signal whose default action does not kill
}

[[noreturn]] void Die(int err_fd, const std::string& what) {
  WriteAll(err_fd, what + ": " + strerror(errno));
  _exit(kLaunchFailedExit);
}

// Runs in the forked child: own group, default signals, drop privileges, PDEATHSIG, exec.
[[noreturn]] void ExecCommand(const Args& a, pid_t shim, int err_fd) {
  setpgid(0, 0);
  signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (a.gid.has_value()) {
    if (setgroups(0, nullptr) != 0) Die(err_fd, "setgroups");
    if (setgid(*a.gid) != 0) Die(err_fd, "setgid " + std::to_string(*a.gid));
  }
  if (a.uid.has_value() && setuid(*a.uid) != 0) Die(err_fd, "setuid " + std::to_string(*a.uid));
  if (a.nofile.has_value()) {
    struct rlimit lim;
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = std::min(*a.nofile, lim.rlim_max);
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  // After setuid: a credential change clears the parent-death signal.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) Die(err_fd, "prctl(PR_SET_PDEATHSIG)");
  if (getppid() != shim) _exit(kLaunchFailedExit);
  execve(a.command[0], a.command + 1, environ);
  Die(err_fd, std::string("exec ") + a.command[0]);
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);  // the log pipe may close under us when the agent dies
  sigset_t handled = ShimSignals();
  sigprocmask(SIG_BLOCK, &handled, nullptr);
  Args args = ParseArgs(argc, argv);

  // Die with the agent: the signal is blocked, so it waits for us in sigwaitinfo below.
  if (prctl(PR_SET_PDEATHSIG, HardKillSignal()) != 0) Fail("prctl(PR_SET_PDEATHSIG) failed");
  if (getppid() != args.agent_pid) Fail("the agent exited before the child started");
  prctl(PR_SET_CHILD_SUBREAPER, 1);

  // Only stdin, stdout and stderr reach the command, whatever the agent leaked.
  fcntl(kStatusFd, F_SETFD, FD_CLOEXEC);
  if (syscall(SYS_close_range, kStatusFd + 1, ~0U, 0) != 0) {
    for (int fd = kStatusFd + 1; fd < 1024; ++fd) close(fd);
  }

  if (ContainerStateExists(args)) RuncDelete(args);  // a stale container with our id

  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) Fail(std::string("pipe2: ") + strerror(errno));
  pid_t shim = getpid();
  pid_t command = fork();
  if (command < 0) Fail(std::string("fork: ") + strerror(errno));
  if (command == 0) {
    close(err_pipe[0]);
    ExecCommand(args, shim, err_pipe[1]);
  }
  setpgid(command, command);  // also here: a signal may be forwarded before the child runs
  close(err_pipe[1]);
  std::string exec_error;
  char buf[512];
  for (ssize_t n; (n = read(err_pipe[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    exec_error.append(buf, static_cast<size_t>(n));
  }
  close(err_pipe[0]);
  std::optional<int> command_status;
  if (!exec_error.empty()) {
    KillAndReapAll(command, command, &command_status);
    Fail(exec_error);
  }
  close(kStatusFd);  // the command runs: nothing more to report, and the agent saves an fd

  while (!command_status.has_value()) {
    siginfo_t info;
    int sig = sigwaitinfo(&handled, &info);
    if (sig < 0) continue;  // EINTR
    if (sig == SIGCHLD) {
      int status = 0;
      for (pid_t r; (r = waitpid(-1, &status, WNOHANG)) > 0;) {
        if (r == command) command_status = status;
      }
    } else if (sig == HardKillSignal()) {
      RuncDelete(args);
      KillAndReapAll(command, command, &command_status);
      ExitLike(W_EXITCODE(0, SIGKILL));
    } else {
      kill(-command, sig);
    }
  }
  // The command is gone: remove what it left behind, then exit as it did.
  if (ContainerStateExists(args)) RuncDelete(args);
  KillAndReapAll(command, command, &command_status);
  ExitLike(*command_status);
}
