#include "common/clock.h"

namespace herd {

int64_t SimulatedClock::WallMillis() const {
  return wall_start_millis_ +
         std::chrono::duration_cast<std::chrono::milliseconds>(Elapsed() + wall_skew_).count();
}

Clock::TimerId SimulatedClock::Schedule(Duration delay, std::function<void()> fn) {
  if (delay < Duration::zero()) delay = Duration::zero();
  TimerId id = next_id_++;
  TimePoint deadline = now_ + delay;
  timers_.emplace(Key{deadline, id}, std::move(fn));
  deadlines_.emplace(id, deadline);
  return id;
}

bool SimulatedClock::Cancel(TimerId id) {
  auto it = deadlines_.find(id);
  if (it == deadlines_.end()) return false;
  timers_.erase(Key{it->second, id});
  deadlines_.erase(it);
  return true;
}

void SimulatedClock::Advance(Duration d) { RunUntil(now_ + d); }

bool SimulatedClock::AdvanceToNextTimer() {
  if (timers_.empty()) return false;
  RunUntil(timers_.begin()->first.deadline);
  return true;
}

std::optional<Clock::TimePoint> SimulatedClock::NextDeadline() const {
  if (timers_.empty()) return std::nullopt;
  return timers_.begin()->first.deadline;
}

void SimulatedClock::RunUntil(TimePoint until) {
  while (!timers_.empty() && timers_.begin()->first.deadline <= until) {
    auto node = timers_.extract(timers_.begin());
    deadlines_.erase(node.key().id);
    now_ = node.key().deadline;
    node.mapped()();
  }
  if (until > now_) now_ = until;
}

}  // namespace herd
