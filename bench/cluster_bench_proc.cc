#include "bench/cluster_bench_proc.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string_view>

namespace herd::sidecar {
namespace {

// Reads up to `cap` bytes of `path` into `buf`; the count, or -1.
ssize_t ReadSmall(const char* path, char* buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t got = 0;
  while (got < cap) {
    ssize_t n = read(fd, buf + got, cap - got);
    if (n < 0) {
      close(fd);
      return -1;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  close(fd);
  return static_cast<ssize_t>(got);
}

// Calls fn(pid, cmdline) for every process (only those whose comm is `comm`, when given);
// cmdline holds NUL-separated argv. comm is cheap to read; cmdline reads the process's memory
// under its mm lock, which is slow while thousands of processes are being spawned.
template <typename Fn>
void ForEachCmdline(Fn fn, std::string_view comm = {}) {
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return;
  char path[300];  // "/proc/" + a d_name (up to 255) + "/cmdline"
  char buf[4096];
  while (dirent* e = readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    if (!comm.empty()) {
      std::snprintf(path, sizeof path, "/proc/%s/comm", e->d_name);
      ssize_t n = ReadSmall(path, buf, sizeof buf);
      if (n <= 0 || std::string_view(buf, static_cast<size_t>(n)) != std::string(comm) + "\n") {
        continue;
      }
    }
    std::snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
    ssize_t n = ReadSmall(path, buf, sizeof buf);
    if (n <= 0) continue;  // gone, or a kernel thread
    fn(static_cast<pid_t>(std::atol(e->d_name)), std::string_view(buf, static_cast<size_t>(n)));
  }
  closedir(proc);
}

// The value of "Key:   123 kB" in /proc/<pid>/status, in MiB.
std::optional<double> StatusKiB(pid_t pid, const char* key) {
  char path[64];
  char buf[8192];
  std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(pid));
  ssize_t n = ReadSmall(path, buf, sizeof buf - 1);
  if (n <= 0) return std::nullopt;
  buf[n] = '\0';
  const char* at = std::strstr(buf, key);
  if (at == nullptr) return std::nullopt;
  return std::strtod(at + std::strlen(key), nullptr) / 1024.0;
}

}  // namespace

std::unordered_map<std::string, int> ScanCopies(const std::string& sleeper_binary,
                                                const std::string& run) {
  std::unordered_map<std::string, int> copies;
  const std::string prefix = run + "-";
  // The kernel keeps the first 15 bytes of the executable's base name as comm.
  const std::string comm = sleeper_binary.substr(sleeper_binary.rfind('/') + 1).substr(0, 15);
  ForEachCmdline(
      [&](pid_t, std::string_view cmdline) {
        const size_t nul = cmdline.find('\0');
        if (nul == std::string_view::npos || cmdline.substr(0, nul) != sleeper_binary) return;
        std::string_view marker = cmdline.substr(nul + 1);
        marker = marker.substr(0, marker.find('\0'));
        if (marker.substr(0, prefix.size()) != prefix) return;
        copies[std::string(marker.substr(prefix.size()))]++;
      },
      comm);
  return copies;
}

double BootSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::optional<double> LatestSleeperStart(const std::string& sleeper_binary,
                                         const std::string& run) {
  const std::string prefix = run + "-";
  const std::string comm = sleeper_binary.substr(sleeper_binary.rfind('/') + 1).substr(0, 15);
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::optional<double> latest;
  ForEachCmdline(
      [&](pid_t pid, std::string_view cmdline) {
        const size_t nul = cmdline.find('\0');
        if (nul == std::string_view::npos || cmdline.substr(0, nul) != sleeper_binary) return;
        if (cmdline.substr(nul + 1, prefix.size()) != prefix) return;
        char path[64];
        char buf[1024];
        std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
        ssize_t n = ReadSmall(path, buf, sizeof buf - 1);
        if (n <= 0) return;
        buf[n] = '\0';
        // Field 22, starttime; fields 3.. follow the last ')' (comm may hold spaces).
        const char* p = std::strrchr(buf, ')');
        if (p == nullptr) return;
        for (int field = 2; field < 22 && p != nullptr; ++field) p = std::strchr(p + 1, ' ');
        if (p == nullptr) return;
        const double start = std::strtod(p + 1, nullptr) / ticks;
        if (!latest || start > *latest) latest = start;
      },
      comm);
  return latest;
}

int KillRun(const std::string& run) {
  const std::string prefix = run + "-";
  int killed = 0;
  ForEachCmdline([&](pid_t pid, std::string_view cmdline) {
    size_t start = 0;
    while (start < cmdline.size()) {
      size_t end = cmdline.find('\0', start);
      if (end == std::string_view::npos) end = cmdline.size();
      if (cmdline.substr(start, prefix.size()) == prefix) {
        if (kill(pid, SIGKILL) == 0) ++killed;
        return;
      }
      start = end + 1;
    }
  });
  return killed;
}

std::optional<double> RssMiB(pid_t pid) { return StatusKiB(pid, "VmRSS:"); }
std::optional<double> PeakRssMiB(pid_t pid) { return StatusKiB(pid, "VmHWM:"); }

std::optional<double> CpuSeconds(pid_t pid) {
  char path[64];
  char buf[1024];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  ssize_t n = ReadSmall(path, buf, sizeof buf - 1);
  if (n <= 0) return std::nullopt;
  buf[n] = '\0';
  // The command name may hold spaces and parentheses: fields count from the last ')'.
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return std::nullopt;
  // After ')': state is field 3; utime and stime are fields 14 and 15.
  unsigned long long utime = 0, stime = 0;
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) !=
      2) {
    return std::nullopt;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

MachineCpu ReadMachineCpu() {
  char buf[1024];
  ssize_t n = ReadSmall("/proc/stat", buf, sizeof buf - 1);
  if (n <= 0) return {};
  buf[n] = '\0';
  unsigned long long v[8] = {};
  if (std::sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                  &v[4], &v[5], &v[6], &v[7]) != 8) {
    return {};
  }
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  unsigned long long total = 0;
  for (unsigned long long x : v) total += x;
  const unsigned long long idle = v[3] + v[4];  // idle + iowait
  return {static_cast<double>(total - idle) / hz, static_cast<double>(total) / hz};
}

long ReadPidMax() {
  char buf[64];
  ssize_t n = ReadSmall("/proc/sys/kernel/pid_max", buf, sizeof buf - 1);
  if (n <= 0) return 0;
  buf[n] = '\0';
  return std::atol(buf);
}

bool WritePidMax(long value) {
  int fd = open("/proc/sys/kernel/pid_max", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const std::string text = std::to_string(value) + "\n";
  const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok && ReadPidMax() == value;
}

long ReadNrOpen() {
  char buf[64];
  ssize_t n = ReadSmall("/proc/sys/fs/nr_open", buf, sizeof buf - 1);
  if (n <= 0) return 1048576;
  buf[n] = '\0';
  return std::atol(buf);
}

double LoadAverage1() {
  char buf[128];
  ssize_t n = ReadSmall("/proc/loadavg", buf, sizeof buf - 1);
  if (n <= 0) return 0;
  buf[n] = '\0';
  return std::strtod(buf, nullptr);
}

}  // namespace herd::sidecar
