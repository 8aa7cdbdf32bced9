// What cluster_bench reads from /proc: per-workload copies of a run's sleepers, an agent's RSS and
// CPU time, pid_max, and the last-resort sweep of a run's leftover processes.
//
// ScanCopies does what AgentCluster::CountCopies does (same argv rule: argv[0] is the sleeper
// binary, argv[1] "<run>-<workload>") with raw open/read into one buffer instead of an ifstream
// per process: at 20,000 processes a scan is what bounds the resolution of the failover time,
// and it runs on the same two cores as the agents.
//
// Plain functions over the live system; any thread. Nothing here throws.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <unordered_map>

namespace herd::sidecar {

// Live copies of every sleeper of run `run` by workload name (the sleeper itself, not its shim).
std::unordered_map<std::string, int> ScanCopies(const std::string& sleeper_binary,
                                                const std::string& run);

// Seconds since boot (CLOCK_BOOTTIME), the clock of /proc/<pid>/stat's start times.
double BootSeconds();

// When the newest sleeper of run `run` started, in seconds since boot (10 ms resolution: the
// kernel's clock ticks); nullopt when none runs.
std::optional<double> LatestSleeperStart(const std::string& sleeper_binary, const std::string& run);

// SIGKILLs every process whose argv holds an argument starting with "<run>-" (sleepers and their
// herd-launch shims); returns how many were signalled.
int KillRun(const std::string& run);

// VmRSS / VmHWM of `pid` in MiB, or nullopt when the process is gone.
std::optional<double> RssMiB(pid_t pid);
std::optional<double> PeakRssMiB(pid_t pid);

// utime + stime of every thread of `pid`, in seconds, or nullopt when the process is gone.
std::optional<double> CpuSeconds(pid_t pid);

// Busy and total jiffies of the whole machine (/proc/stat's first line), for the share of the
// machine a phase used.
struct MachineCpu {
  double busy_s = 0;
  double total_s = 0;
};
MachineCpu ReadMachineCpu();

// /proc/sys/kernel/pid_max; 0 when unreadable.
long ReadPidMax();
// Writes /proc/sys/kernel/pid_max; false when that is refused (not root, read-only /proc/sys).
bool WritePidMax(long value);

// /proc/sys/fs/nr_open, the most RLIMIT_NOFILE may be raised to; 1048576 when unreadable.
long ReadNrOpen();

// The first field of /proc/loadavg (other helpers share the machine; it says how busy it was).
double LoadAverage1();

}  // namespace herd::sidecar
