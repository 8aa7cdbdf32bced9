// RestartTracker: what happens when a child exits, per SPEC.md section 2.
//
//   permanent  always restarted
//   transient  restarted only after an abnormal exit (non-zero code or a signal)
//   temporary  never restarted
//
// Restarts back off exponentially (base * 2^n, with jitter in [0.5, 1], capped), and more than
// maxRestarts restarts within maxSeconds ends the crash loop: the workload is Failed, alone
// (Horde takes its whole supervisor down instead, Horde issues #215 and #219). A run that lasts
// longer than maxSeconds resets the backoff. Single-threaded; one tracker per local workload.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "sidecar/workload_spec.h"

namespace herd::sidecar {

struct ExitInfo {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  bool abnormal() const { return signal != 0 || exit_code != 0; }
};

struct RestartDecision {
  enum class Action { kRestart, kSucceeded, kFailed } action;
  Clock::Duration delay{0};
  std::string reason;  // for status.message and logs
};

struct BackoffOptions {
  Clock::Duration base = std::chrono::milliseconds(100);
  Clock::Duration cap = std::chrono::seconds(30);
};

class RestartTracker {
 public:
  void OnStarted(Clock::TimePoint now) { last_start_ = now; }
  RestartDecision OnExit(const WorkloadSpec& spec, const ExitInfo& exit, Clock::TimePoint now,
                         Random& random, const BackoffOptions& options);
  uint32_t restarts() const { return restarts_; }
  void set_restarts(uint32_t n) { restarts_ = n; }

 private:
  uint32_t restarts_ = 0;  // total, shown in status
  uint32_t streak_ = 0;    // consecutive quick failures, drives the backoff
  // Restart times within maxSeconds, oldest first: at most maxRestarts, and nothing allocated
  // for a child that never restarts.
  std::vector<Clock::TimePoint> recent_;
  Clock::TimePoint last_start_{};
};

}  // namespace herd::sidecar
