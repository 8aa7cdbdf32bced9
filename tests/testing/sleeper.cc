// herd-sleeper: the smallest workload for integration tests and benchmarks. It waits until a
// signal ends it; SIGTERM or SIGINT exits 0 (a clean stop). Its arguments are ignored: tests pass
// a marker ("<run>-<workload>") so they can count the real OS processes per workload.
//
// On x86-64 it is built without libc (HERD_SLEEPER_NOLIBC): three raw system calls. glibc's
// start-up alone (CPU feature probing with cpuid, which traps in a VM) costs ~0.5 ms per
// process here, and the benchmarks start 10,000 of these.
#include <signal.h>
#include <sys/syscall.h>

#if defined(HERD_SLEEPER_NOLIBC)

namespace {

long Syscall4(long n, long a, long b, long c, long d) {
  long ret;
  register long r10 __asm__("r10") = d;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
                   : "rcx", "r11", "memory");
  return ret;
}

}  // namespace

extern "C" [[noreturn]] void _start() {
  unsigned long mask = (1UL << (SIGTERM - 1)) | (1UL << (SIGINT - 1));
  Syscall4(SYS_rt_sigprocmask, SIG_BLOCK, reinterpret_cast<long>(&mask), 0, sizeof mask);
  char info[128];
  while (Syscall4(SYS_rt_sigtimedwait, reinterpret_cast<long>(&mask), reinterpret_cast<long>(info),
                  0, sizeof mask) < 0) {
  }
  Syscall4(SYS_exit_group, 0, 0, 0, 0);
  __builtin_unreachable();
}

#else

#include <signal.h>

int main() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
  return 0;
}

#endif
