// Helpers for tests that run real processes on loopback (agents, Prometheus, fake-kube):
// free ports, spawning a child whose output goes to a log file and who dies with the test, and
// waiting for a condition with a deadline. Never a bare sleep.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace herd::testing {

// `n` distinct loopback ports, held for this object's lifetime by sockets bound with
// SO_REUSEADDR that never listen. A child that listens on one with SO_REUSEADDR (asio, civetweb
// and Go all set it) binds it; the kernel gives none of them to another bind of port 0 or to an
// outgoing connection, so a port stays this test's while its listener is down (a killed member
// restarted later). Throws std::runtime_error when none can be had.
class ReservedPorts {
 public:
  explicit ReservedPorts(int n);
  ~ReservedPorts();
  ReservedPorts(const ReservedPorts&) = delete;
  ReservedPorts& operator=(const ReservedPorts&) = delete;

  const std::vector<int>& ports() const { return ports_; }

 private:
  std::vector<int> fds_;
  std::vector<int> ports_;
};

// Starts `args` (args[0] a path) with stdin from /dev/null, stdout and stderr appended to
// `log_path`, an empty signal mask, and SIGKILL as its parent-death signal, so it dies with the
// test process even when the test crashes. Returns its pid.
pid_t SpawnWithLog(std::vector<std::string> args, const std::string& log_path);

// Removes `dir` and everything below it.
void RemoveTree(const std::string& dir);

// Polls `done` every `poll` until it holds (true) or `deadline` passes (false).
bool WaitFor(const std::function<bool()>& done,
             std::chrono::milliseconds deadline = std::chrono::seconds(10),
             std::chrono::milliseconds poll = std::chrono::milliseconds(2));

}  // namespace herd::testing
