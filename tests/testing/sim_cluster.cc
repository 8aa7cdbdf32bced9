#include "tests/testing/sim_cluster.h"

#include <cstdio>
#include <cstdlib>

#include "common/log.h"

namespace herd::testing {

SimCluster::SimCluster(const SimClusterOptions& options)
    : options_(options), random_(options.seed), network_(clock_, random_) {
  for (int i = 0; i < options.members; ++i) {
    Member m;
    m.name = "m" + std::to_string(i);
    m.store = std::make_unique<sidecar::FakeStore>();
    for (int j = 0; j < options.members; ++j) m.declared.push_back(j);
    members_.push_back(std::move(m));
  }
  for (Member& m : members_) {
    m.meter.read = &options_.work_clock;
    m.clock = std::make_unique<MemberClock>(&clock_, &m.meter, &m.frozen_until);
  }
  // HERD_SIM_TRACE=1: every log line, stamped with simulated time.
  if (std::getenv("HERD_SIM_TRACE") != nullptr) {
    traced_ = true;
    SetMinLogLevel(LogLevel::kDebug);
    SetLogSink([this](LogLevel, const std::string& line) {
      std::fprintf(stderr, "[%9.3fs] %s\n", std::chrono::duration<double>(clock_.Elapsed()).count(),
                   line.c_str());
    });
  }
}

SimCluster::~SimCluster() {
  if (traced_) {
    SetLogSink(nullptr);
    SetMinLogLevel(LogLevel::kInfo);
  }
  for (Member& m : members_) {
    if (m.runner) m.runner->SetExitCallback([](sidecar::InstanceId, const sidecar::ChildExit&) {});
    m.supervisor.reset();
  }
}

void SimCluster::Start(int i) {
  Member& m = members_[i];
  if (m.supervisor) return;
  m.stopping = false;
  m.incarnation = random_.Next() | 1;
  m.random = std::make_unique<Random>(random_.Next());
  graveyard_.push_back(std::make_unique<sidecar::FakeProcessRunner>(m.clock.get()));
  m.runner = graveyard_.back().get();
  m.runner->KeepHistory(options_.runner_history);
  sidecar::SupervisorOptions o;
  o.name = m.name;
  o.address = m.name + ":7946";
  o.incarnation = m.incarnation;
  o.strategy = options_.strategy;
  o.active_redistribution = options_.active_redistribution;
  o.heartbeat_deadline = options_.heartbeat_deadline;
  o.heartbeat_interval = options_.heartbeat_deadline / 4;
  m.supervisor = std::make_unique<sidecar::Supervisor>(o, *m.clock, *m.random, *m.runner, *m.store,
                                                       network_.Endpoint(m.name));
  sidecar::Supervisor* sup = m.supervisor.get();
  m.runner->SetExitCallback(
      [sup](sidecar::InstanceId id, const sidecar::ChildExit& e) { sup->OnChildExit(id, e); });
  sup->SetDeclaredMembers(DeclaredBy(i));
  network_.SetReceiver(m.name, [this, i, sup, meter = &m.meter](std::string_view bytes) {
    if (IsFrozen(i)) {
      WhenAwake(i,
                [bytes = std::string(bytes)](sidecar::Supervisor* s) { s->OnPeerMessage(bytes); });
      return;
    }
    meter->Run([&] { sup->OnPeerMessage(bytes); });
  });
  Status s = sup->Start();
  if (!s.ok()) {
    LOG_ERROR("sim_start_failed", {{"member", m.name}, {"error", s.ToString()}});
    Down(i);
  }
}

std::map<std::string, std::string> SimCluster::DeclaredBy(int i) const {
  std::map<std::string, std::string> declared;
  for (int j : members_[i].declared) declared[members_[j].name] = members_[j].name + ":7946";
  return declared;
}

void SimCluster::Declare(int i, const std::vector<int>& members) {
  members_[i].declared = members;
  if (members_[i].supervisor) {
    WhenAwake(i, [this, i](sidecar::Supervisor* s) { s->SetDeclaredMembers(DeclaredBy(i)); });
  }
}

void SimCluster::WhenAwake(int i, std::function<void(sidecar::Supervisor*)> fn) {
  Member& m = members_[i];
  if (!IsFrozen(i)) {
    if (m.supervisor) AsMember(i, [&] { fn(m.supervisor.get()); });
    return;
  }
  // A timer of the member's clock: it fires once the member thaws, as its own events do.
  m.clock->Schedule(Clock::Duration::zero(), [this, i, incarnation = m.incarnation, fn] {
    if (members_[i].supervisor && members_[i].incarnation == incarnation) {
      fn(members_[i].supervisor.get());
    }
  });
}

void SimCluster::Freeze(int i, Clock::Duration d) {
  if (members_[i].supervisor) members_[i].frozen_until = clock_.Now() + d;
}

void SimCluster::Down(int i) {
  Member& m = members_[i];
  m.frozen_until = {};  // a killed process is not stopped any more
  network_.SetReceiver(m.name, nullptr);
  if (m.runner) {
    m.runner->SetExitCallback([](sidecar::InstanceId, const sidecar::ChildExit&) {});
    m.runner->KillAll();  // children die with their agent
  }
  m.supervisor.reset();
  m.stopping = false;
}

void SimCluster::Kill(int i, bool machine_crash) {
  Member& m = members_[i];
  if (!m.supervisor) return;
  Down(i);
  if (machine_crash) {
    m.store->Crash();
  } else {
    m.store->Restart();
  }
}

void SimCluster::KillAndWipe(int i) {
  Kill(i);
  members_[i].store = std::make_unique<sidecar::FakeStore>();
}

void SimCluster::Shutdown(int i) {
  Member& m = members_[i];
  if (!m.supervisor || m.stopping) return;
  m.stopping = true;
  sidecar::Supervisor* sup = m.supervisor.get();
  sup->BeginShutdown([this, i, sup] {
    // Finish outside the supervisor's own call stack.
    clock_.Schedule(Clock::Duration::zero(), [this, i, sup] {
      if (members_[i].supervisor.get() != sup) return;
      Down(i);
      members_[i].store->Restart();
    });
  });
}

std::map<std::string, int> SimCluster::RunningCounts() const {
  std::map<std::string, int> counts;
  for (const Member& m : members_) {
    if (!m.runner || !m.supervisor) continue;
    for (const auto& [id, name] : m.runner->RunningInstances()) ++counts[name];
  }
  return counts;
}

size_t SimCluster::TotalRunning() const {
  size_t n = 0;
  for (const Member& m : members_) {
    if (m.runner && m.supervisor) n += m.runner->running();
  }
  return n;
}

std::vector<std::string> SimCluster::RunningOn(int i) const {
  std::vector<std::string> out;
  const Member& m = members_[i];
  if (!m.runner || !m.supervisor) return out;
  for (const auto& [id, name] : m.runner->RunningInstances()) out.push_back(name);
  return out;
}

}  // namespace herd::testing
