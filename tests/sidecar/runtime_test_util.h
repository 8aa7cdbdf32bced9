// Helpers for the runtime's integration tests: temporary directories, waiting for a condition
// with a deadline (never a bare sleep), collecting exits from the runner thread, and scanning
// /proc for processes by a marker in their argv.
#pragma once

#include <dirent.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sidecar/process_runner.h"
#include "tests/testing/child_process.h"

namespace herd::sidecar::testing {

inline constexpr std::chrono::seconds kDeadline{10};

// A fresh directory under /tmp, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/herd-runtime-test.XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    nftw(
        path_.c_str(),
        [](const char* p, const struct stat*, int, struct FTW*) { return remove(p); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

using herd::testing::WaitFor;  // tests/testing/child_process.h

// Collects exits reported on the runner thread.
class ExitCollector {
 public:
  ProcessRunner::ExitCallback Callback() {
    return [this](InstanceId id, const ChildExit& exit) {
      std::lock_guard<std::mutex> lock(mu_);
      exits_[id] = exit;
      ++count_;
      cv_.notify_all();
    };
  }
  // The exit of `id`, waiting up to `deadline` for it.
  std::optional<ChildExit> Wait(InstanceId id, std::chrono::milliseconds deadline = kDeadline) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, deadline, [&] { return exits_.count(id) > 0; })) return std::nullopt;
    return exits_[id];
  }
  bool Has(InstanceId id) {
    std::lock_guard<std::mutex> lock(mu_);
    return exits_.count(id) > 0;
  }
  int count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<InstanceId, ChildExit> exits_;
  int count_ = 0;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Pids of live processes whose argv contains `marker` (zombies have an empty cmdline).
inline std::vector<int> ProcessesWithMarker(const std::string& marker) {
  std::vector<int> pids;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return pids;
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    long pid = strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == getpid()) continue;
    std::string cmdline = ReadFile("/proc/" + std::string(e->d_name) + "/cmdline");
    if (cmdline.find(marker) != std::string::npos) pids.push_back(static_cast<int>(pid));
  }
  closedir(dir);
  return pids;
}

// Pids of live `sleep` processes (argv[0] is "sleep", after exec) whose argv contains `marker`.
inline std::vector<int> SleepersWithMarker(const std::string& marker) {
  std::vector<int> out;
  for (int pid : ProcessesWithMarker(marker)) {
    std::string cmdline = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
    if (cmdline.rfind(std::string("sleep\0", 6), 0) == 0) out.push_back(pid);
  }
  return out;
}

// Pids of zombie processes whose parent is `parent`.
inline std::vector<int> ZombieChildrenOf(int parent) {
  std::vector<int> pids;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return pids;
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    long pid = strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    std::string stat = ReadFile("/proc/" + std::string(e->d_name) + "/stat");
    size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(stat.substr(paren + 2));
    char state = 0;
    int ppid = 0;
    rest >> state >> ppid;
    if (state == 'Z' && ppid == parent) pids.push_back(static_cast<int>(pid));
  }
  closedir(dir);
  return pids;
}

// A marker unique to this test process and call, usable as a `sleep` argument: "1000.<digits>".
inline std::string SleepMarker() {
  static int counter = 0;
  return "1000." + std::to_string(getpid()) + std::to_string(100 + ++counter);
}

}  // namespace herd::sidecar::testing
