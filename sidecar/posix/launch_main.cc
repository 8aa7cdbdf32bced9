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
// It is single-threaded and waits for signals with rt_sigtimedwait, so there are no handlers.
//
// Every workload start runs one shim, so its start-up cost is paid 10,000 times by a bulk
// apply and by a failover. It therefore talks to the kernel with raw system calls only, and on
// x86-64 it is built without libc (HERD_LAUNCH_NOLIBC: its own _start, no allocation, no
// stdio): glibc's start-up alone (CPU feature probing with cpuid, which traps in a VM) costs
// ~0.5 ms per process. Elsewhere (and under the sanitizers) the same code runs on libc's
// syscall().
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <cstddef>
#include <cstdint>

#include "sidecar/posix/launch_protocol.h"

#if !defined(HERD_LAUNCH_NOLIBC)
#include <unistd.h>
#endif

namespace {

using namespace herd::sidecar::launch;

// ---- the kernel interface: every call returns -errno on failure ----

#if defined(HERD_LAUNCH_NOLIBC)
long Sys(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0) {
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                   : "rcx", "r11", "memory");
  return ret;
}
#else
long Sys(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0) {
  long r = syscall(n, a, b, c, d, e);
  return r < 0 ? -errno : r;
}
#endif

template <typename T>
long P(T* p) {
  return reinterpret_cast<long>(p);
}

constexpr long kSigsetBytes = 8;  // the kernel's sigset: one bit per signal, 64 signals
using Mask = unsigned long;
constexpr Mask Bit(int sig) { return 1UL << (sig - 1); }

[[noreturn]] void Exit(int code) {
  for (;;) Sys(SYS_exit_group, code);
}
long Write(int fd, const char* s, size_t n) {
  size_t off = 0;
  while (off < n) {
    long w = Sys(SYS_write, fd, P(s + off), static_cast<long>(n - off));
    if (w == -EINTR) continue;
    if (w <= 0) return w;
    off += static_cast<size_t>(w);
  }
  return static_cast<long>(off);
}
long Read(int fd, char* buf, size_t n) {
  for (;;) {
    long r = Sys(SYS_read, fd, P(buf), static_cast<long>(n));
    if (r != -EINTR) return r;
  }
}
void Close(int fd) { Sys(SYS_close, fd); }
long Open(const char* path, int flags) { return Sys(SYS_openat, AT_FDCWD, P(path), flags, 0); }
long Fork() { return Sys(SYS_clone, SIGCHLD, 0, 0, 0, 0); }
long GetPid() { return Sys(SYS_getpid); }
long GetPpid() { return Sys(SYS_getppid); }
long Kill(long pid, int sig) { return Sys(SYS_kill, pid, sig); }
long SetMask(int how, Mask mask) { return Sys(SYS_rt_sigprocmask, how, P(&mask), 0, kSigsetBytes); }
long SetDisposition(int sig, long handler) {
  struct {
    long handler;
    unsigned long flags;
    long restorer;
    Mask mask;
  } action = {handler, 0, 0, 0};
  return Sys(SYS_rt_sigaction, sig, P(&action), 0, kSigsetBytes);
}
// Waits for a signal in `mask` (blocked), at most `timeout_ns` (negative: forever). Returns the
// signal, or -errno (-EAGAIN on timeout).
long WaitSignal(Mask mask, long timeout_ns) {
  char info[128];
  struct {
    long sec, nsec;
  } ts = {timeout_ns / 1'000'000'000L, timeout_ns % 1'000'000'000L};
  return Sys(SYS_rt_sigtimedwait, P(&mask), P(info), timeout_ns < 0 ? 0 : P(&ts), kSigsetBytes);
}
long Wait(long pid, int* status, int options) { return Sys(SYS_wait4, pid, P(status), options, 0); }
struct Limit {
  uint64_t cur, max;
};
long GetLimit(int resource, Limit* out) { return Sys(SYS_prlimit64, 0, resource, 0, P(out)); }
long SetLimit(int resource, Limit lim) { return Sys(SYS_prlimit64, 0, resource, P(&lim), 0); }

// ---- text without libc ----

bool Equal(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) ++a, ++b;
  return *a == *b;
}

// A message built in a fixed buffer (cut at its capacity, never overflowing).
class Text {
 public:
  Text& operator<<(const char* s) {
    while (*s != '\0' && n_ < sizeof buf_ - 1) buf_[n_++] = *s++;
    buf_[n_] = '\0';
    return *this;
  }
  Text& operator<<(long v) {
    char digits[24];
    int k = 0;
    unsigned long u = v < 0 ? 0UL - static_cast<unsigned long>(v) : static_cast<unsigned long>(v);
    do {
      digits[k++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u != 0);
    if (v < 0) *this << "-";
    while (k > 0 && n_ < sizeof buf_ - 1) buf_[n_++] = digits[--k];
    buf_[n_] = '\0';
    return *this;
  }
  const char* c_str() const { return buf_; }
  size_t size() const { return n_; }

 private:
  char buf_[1024] = {};
  size_t n_ = 0;
};

// strerror's words for what a start can run into.
const char* ErrorText(long err) {
  switch (err) {
    case EPERM:
      return "Operation not permitted";
    case ENOENT:
      return "No such file or directory";
    case EACCES:
      return "Permission denied";
    case ENOEXEC:
      return "Exec format error";
    case ENOMEM:
      return "Cannot allocate memory";
    case E2BIG:
      return "Argument list too long";
    case ENOTDIR:
      return "Not a directory";
    case EISDIR:
      return "Is a directory";
    case ELOOP:
      return "Too many levels of symbolic links";
    case ETXTBSY:
      return "Text file busy";
    case EINVAL:
      return "Invalid argument";
    case EAGAIN:
      return "Resource temporarily unavailable";
    case EMFILE:
      return "Too many open files";
    case ENAMETOOLONG:
      return "File name too long";
    default:
      return "system error";
  }
}

// ---- the shim ----

struct Args {
  long agent_pid = 0;
  long uid = -1, gid = -1, nofile = -1;  // -1: not given
  const char* runc = nullptr;
  const char* runc_root = nullptr;
  const char* container_id = nullptr;
  char** command = nullptr;  // command[0]: absolute path; command[1..]: argv
  char** envp = nullptr;
};

[[noreturn]] void Fail(const Text& message) {
  Write(kStatusFd, message.c_str(), message.size());
  Text line;
  line << "herd-launch: " << message.c_str() << "\n";
  Write(STDERR_FILENO, line.c_str(), line.size());
  Exit(kLaunchFailedExit);
}

// A non-negative decimal number, or -1.
long ParseNumber(const char* s) {
  if (s == nullptr || *s == '\0') return -1;
  long v = 0;
  for (; *s != '\0'; ++s) {
    if (*s < '0' || *s > '9' || v > (1L << 50)) return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

Args ParseArgs(int argc, char** argv, char** envp) {
  Args a;
  a.envp = envp;
  int i = 1;
  for (; i < argc; ++i) {
    const char* flag = argv[i];
    if (Equal(flag, "--")) {
      ++i;
      break;
    }
    if (i + 1 >= argc) Fail(Text() << "flag " << flag << " needs a value");
    const char* value = argv[++i];
    long* number = Equal(flag, kAgentPidFlag) ? &a.agent_pid
                   : Equal(flag, kUidFlag)    ? &a.uid
                   : Equal(flag, kGidFlag)    ? &a.gid
                   : Equal(flag, kNofileFlag) ? &a.nofile
                                              : nullptr;
    if (number != nullptr) {
      *number = ParseNumber(value);
      if (*number < 0) Fail(Text() << "flag " << flag << ": not a number: " << value);
    } else if (Equal(flag, kRuncFlag)) {
      a.runc = value;
    } else if (Equal(flag, kRuncRootFlag)) {
      a.runc_root = value;
    } else if (Equal(flag, kContainerIdFlag)) {
      a.container_id = value;
    } else {
      Fail(Text() << "unknown flag " << flag);
    }
  }
  if (a.agent_pid <= 0) Fail(Text() << "missing " << kAgentPidFlag);
  if (i + 1 >= argc) Fail(Text() << "missing command after --");  // need a path and argv[0]
  a.command = argv + i;
  return a;
}

// Runs `runc --root R delete -f ID`, output discarded, and waits for it. Used when the agent is
// gone too, so nothing may depend on the log pipe (hence /dev/null: runc dies of SIGPIPE on a
// closed stdout).
void RuncDelete(const Args& a) {
  if (a.runc == nullptr || a.container_id == nullptr) return;
  long pid = Fork();
  if (pid == 0) {
    long devnull = Open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      Sys(SYS_dup3, devnull, STDOUT_FILENO, 0);
      Sys(SYS_dup3, devnull, STDERR_FILENO, 0);
    }
    SetMask(SIG_SETMASK, 0);
    const char* argv[8] = {a.runc};
    int n = 1;
    if (a.runc_root != nullptr) {
      argv[n++] = "--root";
      argv[n++] = a.runc_root;
    }
    argv[n++] = "delete";
    argv[n++] = "-f";
    argv[n++] = a.container_id;
    argv[n] = nullptr;
    Sys(SYS_execve, P(a.runc), P(argv), P(a.envp));
    Exit(127);
  }
  while (pid > 0 && Wait(pid, nullptr, 0) == -EINTR) {
  }
}

bool ContainerStateExists(const Args& a) {
  if (a.runc_root == nullptr || a.container_id == nullptr) return false;
  Text path;
  path << a.runc_root << "/" << a.container_id;
  char st[256];  // struct stat, whatever its layout
  return Sys(SYS_newfstatat, AT_FDCWD, P(path.c_str()), P(st), 0) == 0;
}

// SIGKILLs every direct child (orphans re-parented to us, including ones that left the group
// with setsid), listed in /proc/self/task/<pid>/children.
void KillChildren(long self) {
  Text path;
  path << "/proc/self/task/" << self << "/children";
  long fd = Open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[4096];
  long pid = 0;
  bool digits = false;
  for (long n; (n = Read(static_cast<int>(fd), buf, sizeof buf)) > 0;) {
    for (long k = 0; k < n; ++k) {
      if (buf[k] >= '0' && buf[k] <= '9') {
        pid = pid * 10 + (buf[k] - '0');
        digits = true;
      } else if (digits) {
        Kill(pid, SIGKILL);
        pid = 0;
        digits = false;
      }
    }
  }
  if (digits) Kill(pid, SIGKILL);
  Close(static_cast<int>(fd));
}

// SIGKILLs the command's group and every child, then reaps until no child is left. Records the
// command's status if it is reaped here. Gives up after ~10 s (a process stuck in D state).
void KillAndReapAll(long command, int* command_status, bool* have_status) {
  const long self = GetPid();
  for (int round = 0; round < 200; ++round) {
    Kill(-command, SIGKILL);
    KillChildren(self);
    for (;;) {
      int status = 0;
      long r = Wait(-1, &status, WNOHANG);
      if (r > 0) {
        if (r == command && !*have_status) *command_status = status, *have_status = true;
        continue;
      }
      if (r == -EINTR) continue;
      if (r < 0) return;  // ECHILD: nothing left
      break;              // children remain; wait for the next SIGCHLD
    }
    WaitSignal(Bit(SIGCHLD), 50'000'000L);
  }
}

[[noreturn]] void ExitLike(int status) {
  if (WIFEXITED(status)) Exit(WEXITSTATUS(status));
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
  // The command already dumped core if it was going to; the shim must not.
  SetLimit(RLIMIT_CORE, Limit{0, 0});
  SetDisposition(sig, reinterpret_cast<long>(SIG_DFL));
  SetMask(SIG_UNBLOCK, Bit(sig));
  Kill(GetPid(), sig);
  Exit(128 + sig);  // a signal whose default action does not kill
}

[[noreturn]] void Die(int err_fd, const Text& what, long err) {
  Text line;
  line << what.c_str() << ": " << ErrorText(-err);
  Write(err_fd, line.c_str(), line.size());
  Exit(kLaunchFailedExit);
}

// Runs in the forked child: own group, default signals, drop privileges, PDEATHSIG, exec.
[[noreturn]] void ExecCommand(const Args& a, long shim, int err_fd) {
  Sys(SYS_setpgid, 0, 0);
  SetDisposition(SIGPIPE, reinterpret_cast<long>(SIG_DFL));
  SetMask(SIG_SETMASK, 0);
  long r = 0;
  if (a.gid >= 0) {
    if ((r = Sys(SYS_setgroups, 0, 0)) != 0) Die(err_fd, Text() << "setgroups", r);
    if ((r = Sys(SYS_setgid, a.gid)) != 0) Die(err_fd, Text() << "setgid " << a.gid, r);
  }
  if (a.uid >= 0 && (r = Sys(SYS_setuid, a.uid)) != 0) Die(err_fd, Text() << "setuid " << a.uid, r);
  if (a.nofile >= 0) {
    Limit lim{0, 0};
    GetLimit(RLIMIT_NOFILE, &lim);
    const uint64_t want = static_cast<uint64_t>(a.nofile);
    lim.cur = want < lim.max ? want : lim.max;
    SetLimit(RLIMIT_NOFILE, lim);
  }
  // After setuid: a credential change clears the parent-death signal.
  if ((r = Sys(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL)) != 0) {
    Die(err_fd, Text() << "prctl(PR_SET_PDEATHSIG)", r);
  }
  if (GetPpid() != shim) Exit(kLaunchFailedExit);
  r = Sys(SYS_execve, P(a.command[0]), P(a.command + 1), P(a.envp));
  Die(err_fd, Text() << "exec " << a.command[0], r);
}

[[noreturn]] void Main(int argc, char** argv, char** envp) {
  SetDisposition(SIGPIPE, reinterpret_cast<long>(SIG_IGN));  // the log pipe may close under us
  Mask handled = 0;
  for (int s : kShimSignals) handled |= Bit(s);
  SetMask(SIG_BLOCK, handled);
  Args args = ParseArgs(argc, argv, envp);

  // Die with the agent: the signal is blocked, so it waits for us in WaitSignal below.
  if (Sys(SYS_prctl, PR_SET_PDEATHSIG, kHardKillSignal) != 0) {
    Fail(Text() << "prctl(PR_SET_PDEATHSIG) failed");
  }
  if (GetPpid() != args.agent_pid) Fail(Text() << "the agent exited before the child started");
  Sys(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1);

  // Only stdin, stdout and stderr reach the command, whatever the agent leaked.
  Sys(SYS_fcntl, kStatusFd, F_SETFD, FD_CLOEXEC);
  if (Sys(SYS_close_range, kStatusFd + 1, ~0U, 0) != 0) {
    for (int fd = kStatusFd + 1; fd < 1024; ++fd) Close(fd);
  }

  if (ContainerStateExists(args)) RuncDelete(args);  // a stale container with our id

  int err_pipe[2];
  if (long r = Sys(SYS_pipe2, P(err_pipe), O_CLOEXEC); r != 0) {
    Fail(Text() << "pipe2: " << ErrorText(-r));
  }
  const long shim = GetPid();
  const long command = Fork();
  if (command < 0) Fail(Text() << "fork: " << ErrorText(-command));
  if (command == 0) {
    Close(err_pipe[0]);
    ExecCommand(args, shim, err_pipe[1]);
  }
  Sys(SYS_setpgid, command, command);  // also here: a signal may be forwarded before it runs
  Close(err_pipe[1]);
  Text exec_error;
  char buf[512];
  for (long n; (n = Read(err_pipe[0], buf, sizeof buf - 1)) > 0;) {
    buf[n] = '\0';
    exec_error << buf;
  }
  Close(err_pipe[0]);
  int command_status = 0;
  bool have_status = false;
  if (exec_error.size() > 0) {
    KillAndReapAll(command, &command_status, &have_status);
    Fail(exec_error);
  }
  Close(kStatusFd);  // the command runs: nothing more to report, and the agent saves an fd

  while (!have_status) {
    long sig = WaitSignal(handled, -1);
    if (sig < 0) continue;  // EINTR
    if (sig == SIGCHLD) {
      int status = 0;
      for (long r; (r = Wait(-1, &status, WNOHANG)) > 0;) {
        if (r == command) command_status = status, have_status = true;
      }
    } else if (sig == kHardKillSignal) {
      RuncDelete(args);
      KillAndReapAll(command, &command_status, &have_status);
      ExitLike(W_EXITCODE(0, SIGKILL));
    } else {
      Kill(-command, static_cast<int>(sig));
    }
  }
  // The command is gone: remove what it left behind, then exit as it did.
  if (ContainerStateExists(args)) RuncDelete(args);
  KillAndReapAll(command, &command_status, &have_status);
  ExitLike(command_status);
}

}  // namespace

#if defined(HERD_LAUNCH_NOLIBC)
// What the compiler may call for copies and zeroing, since there is no libc.
extern "C" void* memset(void* dst, int c, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  for (size_t i = 0; i < n; ++i) d[i] = static_cast<unsigned char>(c);
  return dst;
}
extern "C" void* memcpy(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  for (size_t i = 0; i < n; ++i) d[i] = s[i];
  return dst;
}

// The kernel's initial stack: argc, argv[], NULL, envp[], NULL.
extern "C" [[noreturn]] void LaunchStart(long* sp) {
  const int argc = static_cast<int>(sp[0]);
  char** argv = reinterpret_cast<char**>(sp + 1);
  Main(argc, argv, argv + argc + 1);
}
__asm__(
    ".text\n"
    ".global _start\n"
    "_start:\n"
    "  xor %rbp, %rbp\n"
    "  mov %rsp, %rdi\n"
    "  and $-16, %rsp\n"
    "  call LaunchStart\n"
    "  hlt\n");
#else
extern char** environ;
int main(int argc, char** argv) { Main(argc, argv, environ); }
#endif
