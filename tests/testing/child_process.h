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

// `n` distinct free loopback ports (bound together, then released for the children).
// Throws std::runtime_error when none can be had.
std::vector<int> FreePorts(int n);

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
