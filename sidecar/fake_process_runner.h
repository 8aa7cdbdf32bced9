// FakeProcessRunner: a ProcessRunner that runs nothing, for unit tests and the simulator.
//
// It records every Start and Stop (unless told not to), hands out fake pids, lets a test end an
// instance with Exit(instance, ChildExit), can be told to fail the next Start, and honours Stop by
// reporting an exit: at once, or after a stop delay measured on the Clock it was given (the
// simulator passes its SimulatedClock). A child that needs longer than the Stop timeout to exit is
// "killed" at the timeout and reported with SIGKILL, as the real runner would.
//
// Delivery: with a Clock, every exit (Exit, Stop, KillAll) is delivered from a Clock timer, so
// the callback never re-enters the caller; a zero delay fires on the next Advance(). Without a
// Clock, exits are delivered synchronously from the call that causes them.
//
// Threading: single-threaded, like the SimulatedClock: use it from one thread only.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "sidecar/process_runner.h"
#include "sidecar/workload_spec.h"

namespace herd::sidecar {

class FakeProcessRunner : public ProcessRunner {
 public:
  static constexpr int kSigTerm = 15;
  static constexpr int kSigKill = 9;

  struct StartRecord {
    InstanceId instance = 0;
    std::string workload;
    uint64_t generation = 0;
    std::string member;
    WorkloadSpec spec;  // a copy: the request's pointer is only valid during Start
    int pid = 0;
  };
  struct StopRecord {
    InstanceId instance = 0;
    std::chrono::milliseconds timeout{0};
  };

  // `clock` may be null (synchronous delivery); it must outlive the fake.
  explicit FakeProcessRunner(Clock* clock = nullptr) : clock_(clock) {}
  // Cancels the exits still scheduled on the clock; they are never delivered.
  ~FakeProcessRunner() override;

  // ProcessRunner.
  void SetExitCallback(ExitCallback cb) override { callback_ = std::move(cb); }
  Result<StartedChild> Start(const StartRequest& req) override;
  void Stop(InstanceId instance, std::chrono::milliseconds timeout) override;
  void KillAll() override;
  size_t running() const override { return running_.size(); }
  Result<std::string> ReadLog(std::string_view workload, size_t tail_lines) const override;

  // Test controls.
  // Ends a running instance with `exit` (delivered as described above). Returns false when the
  // instance is not running (never started, or its exit is already on its way).
  bool Exit(InstanceId instance, const ChildExit& exit);
  // The next Start fails with `status` (non-OK) and records nothing.
  void FailNextStart(Status status) { fail_next_ = std::move(status); }
  // How long a child takes to exit after SIGTERM (default 0). Longer than the Stop timeout
  // means it is SIGKILLed at the timeout.
  void SetStopDelay(std::chrono::milliseconds delay) { stop_delay_ = delay; }
  // The exit reported when a child honours SIGTERM (default: killed by SIGTERM).
  void SetTermExit(ChildExit exit) { term_exit_ = std::move(exit); }
  // Sets the log text ReadLog returns for `workload`.
  void SetLog(const std::string& workload, std::string text) { logs_[workload] = std::move(text); }
  // Whether starts(), stops() and exits() record (default on). The simulator, which never
  // reads them, turns them off: a start record copies the whole spec, and a long run would
  // keep one for every start it ever made.
  void KeepHistory(bool keep) { keep_history_ = keep; }

  // Inspection.
  bool IsRunning(InstanceId instance) const { return running_.count(instance) > 0; }
  const std::vector<StartRecord>& starts() const { return starts_; }
  const std::vector<StopRecord>& stops() const { return stops_; }
  // Running instances (exit not yet delivered) by id, with their workload name.
  std::map<InstanceId, std::string> RunningInstances() const;
  // Exits delivered so far, in delivery order.
  const std::vector<std::pair<InstanceId, ChildExit>>& exits() const { return exits_; }

 private:
  struct Child {
    std::string workload;
    int pid = 0;
    bool exiting = false;  // an exit is scheduled; further Exit/Stop calls are ignored
    std::optional<Clock::TimerId> timer;
  };

  // Schedules (or, without a clock, performs) the delivery of `exit` after `delay`.
  void Finish(InstanceId instance, ChildExit exit, std::chrono::milliseconds delay);
  void Deliver(InstanceId instance, const ChildExit& exit);

  Clock* clock_;
  ExitCallback callback_;
  std::optional<Status> fail_next_;
  std::chrono::milliseconds stop_delay_{0};
  ChildExit term_exit_{.exit_code = -1, .signal = kSigTerm, .error = {}};
  int next_pid_ = 1000;
  std::map<InstanceId, Child> running_;
  std::map<std::string, std::string> logs_;
  bool keep_history_ = true;
  std::vector<StartRecord> starts_;
  std::vector<StopRecord> stops_;
  std::vector<std::pair<InstanceId, ChildExit>> exits_;
};

}  // namespace herd::sidecar
