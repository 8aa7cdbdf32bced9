// herd-sleeper: the smallest workload for integration tests and benchmarks. It waits until a
// signal ends it; SIGTERM exits 0 (a clean stop). Its arguments are ignored: tests pass a
// marker ("herdtest-<run>-<workload>") so they can count the real OS processes per workload.
#include <signal.h>
#include <unistd.h>

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
