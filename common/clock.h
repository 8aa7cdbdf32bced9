// Clock: where herd code gets the time and schedules timers.
//
// Nothing outside sidecar/posix/ reads a real clock. Production code holds a Clock& injected at
// the composition root (sidecar/app.cc): the real one runs timers on the agent's event loop
// thread; SimulatedClock runs them inside Advance(), on the caller's thread, in deadline order,
// so tests and the simulator control time exactly and never sleep.
//
// Threading: a Clock is used from one thread, the event loop's (or the test's).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <utility>

namespace herd {

class Clock {
 public:
  using Duration = std::chrono::nanoseconds;
  using TimePoint = std::chrono::steady_clock::time_point;
  using TimerId = uint64_t;

  virtual ~Clock() = default;

  // Monotonic time: for deadlines, timeouts and durations.
  virtual TimePoint Now() const = 0;
  // Wall time in milliseconds since the Unix epoch: for timestamps users see and for the
  // hybrid logical clock. May jump; never use it for deadlines.
  virtual int64_t WallMillis() const = 0;
  // Runs `fn` once, `delay` from now, on the clock's thread. Returns an id for Cancel.
  virtual TimerId Schedule(Duration delay, std::function<void()> fn) = 0;
  // Cancels a timer that has not fired. Returns false when it already fired or never existed.
  virtual bool Cancel(TimerId id) = 0;
};

// A Clock whose time moves only when the test says so. Timers fire in deadline order (ties in
// the order they were scheduled); while a timer runs, Now() is its deadline. A timer scheduled
// by a running timer fires in the same Advance() call when it falls due within it.
class SimulatedClock : public Clock {
 public:
  static constexpr int64_t kDefaultWallStartMillis = 1'767'225'600'000;  // 2026-01-01T00:00Z

  explicit SimulatedClock(int64_t wall_start_millis = kDefaultWallStartMillis)
      : wall_start_millis_(wall_start_millis) {}

  TimePoint Now() const override { return now_; }
  int64_t WallMillis() const override;
  TimerId Schedule(Duration delay, std::function<void()> fn) override;
  bool Cancel(TimerId id) override;

  // Moves time forward by `d`, firing every timer that falls due on the way.
  void Advance(Duration d);
  // Moves time to the earliest pending deadline and fires the timers due then. Returns false
  // (and does nothing) when no timer is pending.
  bool AdvanceToNextTimer();
  // The earliest pending deadline, if any.
  std::optional<TimePoint> NextDeadline() const;
  size_t pending_timers() const { return timers_.size(); }
  // Offsets the wall clock (not the monotonic one) by `skew`, as a skewed host would be.
  void SetWallSkew(Duration skew) { wall_skew_ = skew; }
  Duration Elapsed() const { return now_ - TimePoint{}; }

 private:
  // Fires every timer with a deadline at or before `until`, then sets now_ to `until`.
  void RunUntil(TimePoint until);

  struct Key {
    TimePoint deadline;
    TimerId id;
    bool operator<(const Key& o) const {
      return deadline != o.deadline ? deadline < o.deadline : id < o.id;
    }
  };
  TimePoint now_{};
  int64_t wall_start_millis_;
  Duration wall_skew_{0};
  TimerId next_id_ = 1;
  std::map<Key, std::function<void()>> timers_;
  std::map<TimerId, TimePoint> deadlines_;
};

}  // namespace herd
