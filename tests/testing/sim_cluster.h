// SimCluster: many Supervisors on one SimulatedClock and one SimNetwork, from one seed.
//
// Each member has a FakeStore that survives its restarts (its data dir), and per incarnation
// a FakeProcessRunner (its children) and a Supervisor. Killing a member kills its children
// with it (SPEC.md 6, "Children die with their agent"). The cluster counts running instances
// across every live runner, which is what the invariants are checked against.
// Single-threaded.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "sidecar/fake_process_runner.h"
#include "sidecar/fake_store.h"
#include "sidecar/supervisor.h"
#include "tests/testing/sim_network.h"

namespace herd::testing {

// A member's work time: each event it handles is timed by `read` (a clock of work done,
// SimClusterOptions::work_clock) and summed in `busy`. Without a clock nothing is timed.
struct WorkMeter {
  const std::function<Clock::Duration()>* read = nullptr;
  Clock::Duration busy{0};

  template <typename F>
  void Run(F&& fn) {
    if (read == nullptr || !*read) {
      fn();
      return;
    }
    const Clock::Duration start = (*read)();
    fn();
    busy += (*read)() - start;
  }
};

// One member's view of the cluster's clock: the same time and timers, with the work each of
// its timers does charged to the member's meter. While the member is frozen (its process
// stopped, SimCluster::Freeze), a timer that falls due waits, and fires when it thaws.
class MemberClock : public Clock {
 public:
  MemberClock(SimulatedClock* clock, WorkMeter* meter, const TimePoint* frozen_until)
      : clock_(clock), meter_(meter), frozen_until_(frozen_until) {}
  TimePoint Now() const override { return clock_->Now(); }
  int64_t WallMillis() const override { return clock_->WallMillis(); }
  TimerId Schedule(Duration delay, std::function<void()> fn) override {
    const TimerId id = ++last_id_;
    Arm(id, delay, std::make_shared<std::function<void()>>(std::move(fn)));
    return id;
  }
  bool Cancel(TimerId id) override {
    auto it = armed_.find(id);
    if (it == armed_.end()) return false;
    clock_->Cancel(it->second);
    armed_.erase(it);
    return true;
  }

 private:
  // Arms timer `id` on the shared clock (again, when it fell due while frozen).
  void Arm(TimerId id, Duration delay, std::shared_ptr<std::function<void()>> fn) {
    armed_[id] = clock_->Schedule(delay, [this, id, fn] {
      if (clock_->Now() < *frozen_until_) return Arm(id, *frozen_until_ - clock_->Now(), fn);
      armed_.erase(id);
      meter_->Run(*fn);
    });
  }

  SimulatedClock* clock_;
  WorkMeter* meter_;
  const TimePoint* frozen_until_;
  TimerId last_id_ = 0;
  std::unordered_map<TimerId, TimerId> armed_;  // this clock's ids -> the shared clock's
};

struct SimClusterOptions {
  int members = 3;
  sidecar::StrategyKind strategy = sidecar::StrategyKind::kUniform;
  bool active_redistribution = false;
  uint64_t seed = 1;
  Clock::Duration heartbeat_deadline = std::chrono::seconds(1);
  // Each member's FakeProcessRunner records its starts, stops and exits (for tests to read);
  // runs that never read them (scenarios, benchmarks) turn this off.
  bool runner_history = true;
  // A clock of work done, read before and after each event a member handles to charge the
  // member for it (busy). The bench passes a real one; a test may pass one it steps itself.
  // Unset, busy() stays zero and the simulation reads no real time.
  std::function<Clock::Duration()> work_clock;
};

class SimCluster {
 public:
  explicit SimCluster(const SimClusterOptions& options);
  ~SimCluster();

  SimulatedClock& clock() { return clock_; }
  SimNetwork& network() { return network_; }
  Random& random() { return random_; }
  int size() const { return static_cast<int>(members_.size()); }
  const std::string& name(int i) const { return members_[i].name; }

  void Start(int i);
  // kill -9: the agent and its children die; the store keeps what the OS had (machine_crash:
  // what was not fsynced is lost too).
  void Kill(int i, bool machine_crash = false);
  // kill -9, and its data directory is gone (a pod rescheduled with an empty volume): it comes
  // back, at its next Start, with nothing on disk.
  void KillAndWipe(int i);
  // SIGTERM: graceful handoff; the member goes down once it reports done.
  void Shutdown(int i);
  // SIGSTOP, then SIGCONT after `d` (a pause, a starved CPU): the agent handles nothing
  // meanwhile, its timers, peer messages and children's exits wait, while its children run on.
  void Freeze(int i, Clock::Duration d);
  bool IsFrozen(int i) const { return clock_.Now() < members_[i].frozen_until; }
  // What member i's membership source lists from now on (the members it would see in the
  // EndpointSlices of a Kubernetes watch, each member through its own watch), kept across its
  // restarts. By default every member lists every member.
  void Declare(int i, const std::vector<int>& members);
  bool IsUp(int i) const { return members_[i].supervisor != nullptr; }
  bool IsStopping(int i) const { return members_[i].stopping; }
  sidecar::Supervisor* member(int i) { return members_[i].supervisor.get(); }
  sidecar::FakeProcessRunner* runner(int i) { return members_[i].runner; }
  sidecar::FakeStore* store(int i) { return members_[i].store.get(); }

  void RunFor(Clock::Duration d) { clock_.Advance(d); }

  // The work_clock time member i has spent handling its events (peer messages, its timers and
  // its children's exits, and calls made through AsMember): with a real clock, what it would
  // have spent on a CPU of its own, as each member has in a real cluster. Simulated time does
  // not depend on it.
  Clock::Duration busy(int i) const { return members_[i].meter.busy; }
  // Calls `fn` (a call into member i, say an API request) as member i's work.
  template <typename F>
  void AsMember(int i, F&& fn) {
    members_[i].meter.Run(std::forward<F>(fn));
  }

  // Running instances per workload over every live member.
  std::map<std::string, int> RunningCounts() const;
  // Running instances over every live member (cheap: no names).
  size_t TotalRunning() const;
  // Names running on member i.
  std::vector<std::string> RunningOn(int i) const;

 private:
  struct Member {
    std::string name;
    std::unique_ptr<sidecar::FakeStore> store;
    sidecar::FakeProcessRunner* runner = nullptr;  // owned by graveyard_
    std::unique_ptr<Random> random;
    std::unique_ptr<sidecar::Supervisor> supervisor;
    uint64_t incarnation = 0;
    std::vector<int> declared;  // what its membership source lists (Declare)
    Clock::TimePoint frozen_until{};
    bool stopping = false;
    WorkMeter meter;
    std::unique_ptr<MemberClock> clock;  // charges its timers to `meter`
  };
  void Down(int i);
  std::map<std::string, std::string> DeclaredBy(int i) const;
  // Runs `fn` (a call into member i's current incarnation) now, or when it thaws; dropped if
  // that incarnation is gone by then.
  void WhenAwake(int i, std::function<void(sidecar::Supervisor*)> fn);

  SimClusterOptions options_;
  bool traced_ = false;
  SimulatedClock clock_;
  Random random_;
  SimNetwork network_;
  std::vector<Member> members_;
  // Runners are never destroyed while the clock may still fire their timers.
  std::vector<std::unique_ptr<sidecar::FakeProcessRunner>> graveyard_;
};

}  // namespace herd::testing
