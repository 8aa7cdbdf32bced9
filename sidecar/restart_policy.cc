#include "sidecar/restart_policy.h"

#include <algorithm>

namespace herd::sidecar {

RestartDecision RestartTracker::OnExit(const WorkloadSpec& spec, const ExitInfo& exit,
                                       Clock::TimePoint now, Random& random,
                                       const BackoffOptions& options) {
  using Action = RestartDecision::Action;
  std::string how = exit.signal != 0 ? "killed by signal " + std::to_string(exit.signal)
                                     : "exited with code " + std::to_string(exit.exit_code);
  switch (spec.restart) {
    case RestartPolicy::kTemporary:
      return {exit.abnormal() ? Action::kFailed : Action::kSucceeded, {}, how + " (temporary)"};
    case RestartPolicy::kTransient:
      if (!exit.abnormal()) return {Action::kSucceeded, {}, how};
      break;
    case RestartPolicy::kPermanent:
      break;
  }
  const Clock::Duration window = std::chrono::seconds(spec.max_seconds);
  if (now - last_start_ > window) streak_ = 0;
  recent_.erase(recent_.begin(),
                std::find_if(recent_.begin(), recent_.end(),
                             [&](Clock::TimePoint t) { return now - t <= window; }));
  if (recent_.size() >= static_cast<size_t>(spec.max_restarts)) {
    return {Action::kFailed,
            {},
            how + "; more than " + std::to_string(spec.max_restarts) + " restarts in " +
                std::to_string(spec.max_seconds) + "s"};
  }
  recent_.push_back(now);
  ++restarts_;
  Clock::Duration delay = options.base * (1LL << std::min<uint32_t>(streak_, 20));
  delay = std::min(delay, options.cap);
  // Jitter in [0.5, 1]: members restarting together spread out.
  delay = std::chrono::duration_cast<Clock::Duration>(delay * (0.5 + 0.5 * random.UniformDouble()));
  ++streak_;
  return {Action::kRestart, delay, how};
}

}  // namespace herd::sidecar
