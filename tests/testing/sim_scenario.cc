#include "tests/testing/sim_scenario.h"

#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "common/log.h"
#include "sidecar/records.h"
#include "tests/testing/sim_cluster.h"

namespace herd::testing {
namespace {

using sidecar::WorkloadSpec;
using std::chrono::milliseconds;
using std::chrono::seconds;

class Scenario {
 public:
  explicit Scenario(const ScenarioOptions& o)
      : o_(o),
        cluster_(SimClusterOptions{.members = o.members,
                                   .strategy = o.strategy,
                                   .active_redistribution = o.active_redistribution,
                                   .seed = o.seed,
                                   .runner_history = false,
                                   .work_clock = nullptr}),
        rnd_(o.seed * 0x9E3779B97F4A7C15ULL + 7) {}

  ScenarioResult Run();

 private:
  void Trace(const std::string& what) {
    if (o_.trace) {
      std::fprintf(stderr, "[%9.3fs] scenario %s\n",
                   std::chrono::duration<double>(cluster_.clock().Elapsed()).count(), what.c_str());
    }
  }
  int RandomUp() {
    std::vector<int> up;
    for (int i = 0; i < cluster_.size(); ++i) {
      if (cluster_.IsUp(i) && !cluster_.IsStopping(i) && !cluster_.IsFrozen(i) &&
          cluster_.member(i)->ready()) {
        up.push_back(i);
      }
    }
    if (up.empty()) return -1;
    return up[rnd_.Uniform(up.size())];
  }
  WorkloadSpec MakeSpec(const std::string& name, int variant) {
    WorkloadSpec s;
    s.name = name;
    s.command = {"/bin/worker", "--variant", std::to_string(variant)};
    s.shutdown_timeout_seconds = static_cast<int>(rnd_.Uniform(3));
    s.max_restarts = 1000;
    s.max_seconds = 1;
    if (rnd_.OneIn(6)) s.restart = sidecar::RestartPolicy::kTransient;
    return s;
  }
  // Member i's declaration of `name` (workload/<name>), and whether it is the one the last
  // acknowledged apply left (or no apply was acknowledged since the last clean delete).
  std::optional<std::string_view> Declaration(int i, const std::string& name);
  bool HasSeenLastApply(int i, const std::string& name);
  void Apply(const std::string& name, int variant);
  void Delete(const std::string& name);
  void RandomFault();
  // The membership source drops member i's endpoint (listed: false) or lists it again; each
  // member's watch sees the change at its own time, within 1.5 s.
  void ListEndpoint(int i, bool listed);
  void CheckQuorumMinorities(ScenarioResult& r);
  std::string CheckInvariants(ScenarioResult* counts);

  ScenarioOptions o_;
  SimCluster cluster_;
  Random rnd_;
  std::set<std::string> declared_;  // acknowledged applies minus acknowledged deletes
  std::set<std::string> deleted_;
  // A delete or apply whose answer never came, or a delete that may lose to an apply it did
  // not see (add-wins: a delete removes only the writes its member had seen).
  std::set<std::string> in_doubt_;
  // The declaration the last acknowledged apply left on its member (workload/<name>): a member
  // whose map holds it has seen that apply, and every apply before it that its member had seen.
  std::map<std::string, std::string> applied_record_;
  // Names whose writes may be concurrent: an apply made on a member that had not seen the last
  // acknowledged one, or an apply that was refused (it may have been written all the same: a
  // member that failed to persist it still holds it and sends it on). A later delete may not
  // have seen every one of them, and the ones it has not seen stand (add-wins).
  std::set<std::string> contested_;
  int applies_ = 0;
  int faults_ = 0;
  bool partitioned_ = false;
  std::set<int> unlisted_;  // members whose endpoint is gone
};

void Scenario::ListEndpoint(int i, bool listed) {
  if (listed) {
    unlisted_.erase(i);
  } else {
    unlisted_.insert(i);
  }
  for (int j = 0; j < cluster_.size(); ++j) {
    cluster_.clock().Schedule(milliseconds(rnd_.Uniform(1500)), [this, j] {
      std::vector<int> members;
      for (int k = 0; k < cluster_.size(); ++k) {
        if (unlisted_.count(k) == 0) members.push_back(k);
      }
      cluster_.Declare(j, members);
    });
  }
}

std::optional<std::string_view> Scenario::Declaration(int i, const std::string& name) {
  return cluster_.member(i)->map().Get(sidecar::RecordKey(sidecar::kWorkloadPrefix, name));
}

bool Scenario::HasSeenLastApply(int i, const std::string& name) {
  auto applied = applied_record_.find(name);
  return applied == applied_record_.end() || Declaration(i, name) == applied->second;
}

void Scenario::Apply(const std::string& name, int variant) {
  int i = RandomUp();
  if (i < 0) return;
  Trace("apply " + name + " via " + cluster_.name(i));
  in_doubt_.insert(name);
  if (!HasSeenLastApply(i, name)) contested_.insert(name);
  std::vector<sidecar::ApplyRequest> reqs;
  reqs.push_back({MakeSpec(name, variant), std::nullopt});
  cluster_.member(i)->Apply(std::move(reqs), [this, name, i](auto result) {
    if (result.ok()) {
      applied_record_[name] = std::string(Declaration(i, name).value_or(""));
      declared_.insert(name);
      deleted_.erase(name);
      in_doubt_.erase(name);
      ++applies_;
    } else {
      Trace("apply " + name + " refused: " + result.status().ToString());
      contested_.insert(name);
    }
  });
}

void Scenario::Delete(const std::string& name) {
  int i = RandomUp();
  if (i < 0) return;
  Trace("delete " + name + " via " + cluster_.name(i));
  in_doubt_.insert(name);
  // A delete whose member has not seen the last acknowledged apply (a partition, or the
  // apply's delta still on its way), or of a contested name, may leave an apply standing.
  const bool concurrent = contested_.count(name) > 0 || !HasSeenLastApply(i, name);
  cluster_.member(i)->Delete(name, [this, name, concurrent](auto result) {
    if (result.ok()) {
      declared_.erase(name);
      deleted_.insert(name);
      if (concurrent) {
        Trace("delete " + name + " may lose to an apply its member had not seen");
      } else {
        in_doubt_.erase(name);
        applied_record_.erase(name);
      }
    }
  });
}

void Scenario::RandomFault() {
  ++faults_;
  const int n = cluster_.size();
  int i = static_cast<int>(rnd_.Uniform(n));
  switch (rnd_.Uniform(13)) {
    case 0:
      if (cluster_.IsUp(i)) {
        const bool machine_crash = rnd_.OneIn(4);
        Trace("kill -9 " + cluster_.name(i) + (machine_crash ? " (machine crash)" : ""));
        cluster_.Kill(i, machine_crash);
      }
      break;
    case 1:
      if (!cluster_.IsUp(i)) {
        Trace("start " + cluster_.name(i));
        cluster_.Start(i);
      }
      break;
    case 2:
      if (cluster_.IsUp(i) && !cluster_.IsStopping(i) && !cluster_.IsFrozen(i)) {
        Trace("SIGTERM " + cluster_.name(i));
        cluster_.Shutdown(i);
      }
      break;
    case 3: {
      if (partitioned_ || n < 2) break;
      std::set<std::string> side;
      for (int k = 0; k < n; ++k) {
        if (rnd_.OneIn(2)) side.insert(cluster_.name(k));
      }
      std::string desc;
      for (const auto& s : side) desc += s + " ";
      Trace("partition {" + desc + "} | rest");
      cluster_.network().Partition(side);
      partitioned_ = true;
      break;
    }
    case 4:
      if (partitioned_) {
        Trace("heal");
        cluster_.network().HealAll();
        partitioned_ = false;
      }
      break;
    case 5: {
      if (!cluster_.IsUp(i)) break;
      auto running = cluster_.runner(i)->RunningInstances();
      if (running.empty()) break;
      auto it = running.begin();
      std::advance(it, rnd_.Uniform(running.size()));
      int code = rnd_.OneIn(3) ? 0 : 1;
      Trace("child " + it->second + " on " + cluster_.name(i) + " exits " + std::to_string(code));
      cluster_.runner(i)->Exit(it->first, sidecar::ChildExit{code, 0, ""});
      break;
    }
    case 6: {
      LinkFaults f;
      f.drop = rnd_.OneIn(2) ? 0.0 : 0.3 * rnd_.UniformDouble();
      f.duplicate = 0.1 * rnd_.UniformDouble();
      f.max_delay = milliseconds(1 + rnd_.Uniform(30));
      Trace("links drop=" + std::to_string(f.drop) + " dup=" + std::to_string(f.duplicate));
      cluster_.network().SetFaults(f);
      break;
    }
    case 7:
      if (!declared_.empty()) {
        auto it = declared_.begin();
        std::advance(it, rnd_.Uniform(declared_.size()));
        if (rnd_.OneIn(2)) {
          Delete(*it);
        } else {
          Apply(*it, static_cast<int>(rnd_.Uniform(1000)));  // a changed spec: replaced
        }
      }
      break;
    case 8:
      Apply("late-" + std::to_string(faults_), 0);
      break;
    case 9: {
      const bool listed = unlisted_.count(i) > 0;
      // Never all of them at once: a source that lists nobody is a broken one.
      if (!listed && unlisted_.size() + 1 >= static_cast<size_t>(n)) break;
      Trace(std::string(listed ? "endpoint back " : "endpoint gone ") + cluster_.name(i));
      ListEndpoint(i, listed);
      break;
    }
    case 10: {
      // The disk fills up for a while: its next appends, syncs or compactions fail.
      using Fail = void (sidecar::FakeStore::*)(int, Status);
      static constexpr std::pair<const char*, Fail> kKinds[] = {
          {"appends", &sidecar::FakeStore::FailNextAppends},
          {"syncs", &sidecar::FakeStore::FailNextSyncs},
          {"compactions", &sidecar::FakeStore::FailNextCompacts}};
      const int k = 1 + static_cast<int>(rnd_.Uniform(20));
      const auto& [what, fail] = kKinds[rnd_.Uniform(3)];
      Trace("disk full on " + cluster_.name(i) + ": " + std::to_string(k) + " " + what + " fail");
      (cluster_.store(i)->*fail)(k,
                                 Status(StatusCode::kResourceExhausted, "no space left on device"));
      break;
    }
    case 11: {
      // Its data directory is lost, once every other member that is up holds what it holds
      // (then no acknowledged write had its only copy there).
      if (!cluster_.IsUp(i)) break;
      const crdt::CausalContext& held = cluster_.member(i)->map().context();
      int others = 0;
      bool replicated = true;
      for (int k = 0; k < n && replicated; ++k) {
        if (k == i || !cluster_.IsUp(k)) continue;
        ++others;
        replicated = cluster_.member(k)->map().context().Includes(held);
      }
      if (others == 0 || !replicated) break;
      Trace("kill -9 " + cluster_.name(i) + " and wipe its data directory");
      cluster_.KillAndWipe(i);
      break;
    }
    case 12: {
      // The agent stops (SIGSTOP, a starved CPU) for up to 3 s while its children run on.
      if (!cluster_.IsUp(i) || cluster_.IsFrozen(i)) break;
      const Clock::Duration pause = milliseconds(100 + rnd_.Uniform(2900));
      Trace("freeze " + cluster_.name(i) + " for " +
            std::to_string(std::chrono::duration_cast<milliseconds>(pause).count()) + " ms");
      cluster_.Freeze(i, pause);
      break;
    }
  }
}

void Scenario::CheckQuorumMinorities(ScenarioResult& r) {
  if (o_.strategy != sidecar::StrategyKind::kUniformQuorum) return;
  for (int i = 0; i < cluster_.size(); ++i) {
    if (!cluster_.IsUp(i) || cluster_.IsStopping(i)) continue;
    sidecar::Supervisor* m = cluster_.member(i);
    if (!m->HasQuorum() && !cluster_.RunningOn(i).empty()) {
      ++r.quorum_violations;
      if (r.failure.empty()) {
        r.failure = cluster_.name(i) + " has no quorum but runs " + cluster_.RunningOn(i)[0];
      }
    }
  }
}

std::string Scenario::CheckInvariants(ScenarioResult* counts) {
  std::vector<int> up;
  for (int i = 0; i < cluster_.size(); ++i) {
    if (cluster_.IsUp(i)) up.push_back(i);
  }
  if (up.empty()) return "no member is up";
  for (int i : up) {
    if (!cluster_.member(i)->ready()) return cluster_.name(i) + " is not ready";
  }
  // Every live member holds the same map.
  const crdt::AwLwwMap& first = cluster_.member(up[0])->map();
  for (size_t k = 1; k < up.size(); ++k) {
    const crdt::AwLwwMap& other = cluster_.member(up[k])->map();
    if (!(other.context() == first.context()) || other.size() != first.size()) {
      auto dump = [](const crdt::AwLwwMap& m) {
        std::string out;
        for (const auto& [r, n] : m.context().version_vector()) {
          out += std::to_string(r % 1000) + ":" + std::to_string(n) + " ";
        }
        out += "cloud " + std::to_string(m.context().cloud_size());
        return out;
      };
      if (o_.trace) {
        std::fprintf(stderr, "ctx %s: %s\nctx %s: %s\n", cluster_.name(up[0]).c_str(),
                     dump(first).c_str(), cluster_.name(up[k]).c_str(), dump(other).c_str());
      }
      // A key one holds and the other lacks, to start the search from.
      std::string only;
      auto find_only = [&only](const crdt::AwLwwMap& a, const crdt::AwLwwMap& b) {
        a.ForEachPrefix("", [&](std::string_view key, std::string_view) {
          if (only.empty() && !b.Contains(key)) only = std::string(key);
        });
      };
      find_only(first, other);
      if (only.empty()) find_only(other, first);
      return "maps differ between " + cluster_.name(up[0]) + " and " + cluster_.name(up[k]) + " (" +
             std::to_string(first.size()) + " vs " + std::to_string(other.size()) +
             " keys, contexts " + (other.context() == first.context() ? "equal" : "differ") +
             (only.empty() ? "" : ", first key in one only: " + only) + ")";
    }
    std::string mismatch;
    first.ForEachPrefix("", [&](std::string_view key, std::string_view value) {
      if (mismatch.empty() && other.Get(key) != std::optional<std::string_view>(value)) {
        mismatch = std::string(key);
      }
    });
    if (!mismatch.empty()) return "maps differ at " + mismatch;
  }
  sidecar::Supervisor* ref = cluster_.member(up[0]);
  std::map<std::string, int> running = cluster_.RunningCounts();
  std::map<std::string, std::string> placement;
  if (o_.active_redistribution) placement = ref->TargetPlacement();
  int lost = 0, dup = 0;
  std::string why;
  for (const std::string& name : declared_) {
    if (in_doubt_.count(name)) continue;
    Result<sidecar::WorkloadView> w = ref->Get(name);
    if (!w.ok()) {
      ++lost;
      if (why.empty()) why = "declared workload " + name + " is missing from the map";
      continue;
    }
    bool finished = w->status && w->status->generation == w->record.generation &&
                    sidecar::IsFinal(w->status->phase);
    int n = running.count(name) ? running[name] : 0;
    if (finished) {
      if (n > 0 && why.empty()) why = "finished workload " + name + " runs";
      continue;
    }
    if (n == 0) {
      ++lost;
      if (why.empty()) why = "workload " + name + " runs nowhere (owner " + w->record.owner + ")";
    } else if (n > 1) {
      ++dup;
      if (why.empty()) why = "workload " + name + " runs " + std::to_string(n) + " times";
    }
    int owner = -1;
    for (int i : up) {
      if (cluster_.name(i) == w->record.owner) owner = i;
    }
    if (owner < 0) {
      if (why.empty()) why = "workload " + name + " is owned by " + w->record.owner + ", not up";
      continue;
    }
    std::vector<std::string> on = cluster_.RunningOn(owner);
    if (n == 1 && std::find(on.begin(), on.end(), name) == on.end() && why.empty()) {
      why = "workload " + name + " runs elsewhere than its owner " + w->record.owner;
    }
    if (o_.active_redistribution && placement.count(name) && placement[name] != w->record.owner &&
        why.empty()) {
      why = "workload " + name + " is on " + w->record.owner + ", the strategy picks " +
            placement[name];
    }
  }
  for (const std::string& name : deleted_) {
    if (in_doubt_.count(name) == 0 && running.count(name) && why.empty()) {
      why = "deleted workload " + name + " still runs";
    }
  }
  for (const auto& [name, n] : running) {
    if (declared_.count(name) == 0 && deleted_.count(name) == 0 && in_doubt_.count(name) == 0 &&
        why.empty()) {
      why = "unknown workload " + name + " runs";
    }
  }
  if (counts) {
    counts->lost = lost;
    counts->duplicates = dup;
  }
  return why;
}

ScenarioResult Scenario::Run() {
  ScenarioResult r;
  const int n = cluster_.size();
  // Most members start at once; with faults, one may join late.
  int late = (o_.faults && n > 2 && rnd_.OneIn(2)) ? n - 1 : -1;
  // As a new pod, half the time: it counts itself in, and the others list it only once its
  // endpoint is ready, a while after it has joined.
  const bool listed_late = late >= 0 && rnd_.OneIn(2);
  if (listed_late) {
    unlisted_.insert(late);
    std::vector<int> others;
    for (int i = 0; i < n; ++i) {
      if (i != late) others.push_back(i);
    }
    for (int i : others) cluster_.Declare(i, others);
  }
  for (int i = 0; i < n; ++i) {
    if (i != late) cluster_.Start(i);
  }
  cluster_.RunFor(seconds(3));
  for (int w = 0; w < o_.workloads; ++w) {
    Apply("w-" + std::to_string(w), 0);
    cluster_.RunFor(milliseconds(rnd_.Uniform(40)));
  }
  if (late >= 0) {
    Trace("late join " + cluster_.name(late) + (listed_late ? ", listed once ready" : ""));
    cluster_.Start(late);
    if (listed_late) {
      cluster_.RunFor(milliseconds(500 + rnd_.Uniform(2000)));
      ListEndpoint(late, true);
    }
  }
  if (o_.faults) {
    const Clock::Duration end = cluster_.clock().Elapsed() + seconds(20);
    while (cluster_.clock().Elapsed() < end) {
      RandomFault();
      Clock::Duration gap = milliseconds(200 + rnd_.Uniform(1800));
      cluster_.RunFor(gap);
      if (partitioned_) {
        // After a partition has lasted past the takeover deadline, minorities run nothing.
        cluster_.RunFor(seconds(4));
        CheckQuorumMinorities(r);
      }
    }
  }
  // The faults stop: heal, clean links, bring every member back.
  Trace("faults stop");
  cluster_.network().HealAll();
  cluster_.network().SetFaults(LinkFaults{});
  partitioned_ = false;
  while (!unlisted_.empty()) ListEndpoint(*unlisted_.begin(), true);
  cluster_.RunFor(seconds(2));
  for (int i = 0; i < n; ++i) {
    if (!cluster_.IsUp(i)) cluster_.Start(i);
  }
  const Clock::Duration settle_start = cluster_.clock().Elapsed();
  const Clock::Duration deadline = settle_start + seconds(30);
  std::string why;
  while (true) {
    why = CheckInvariants(nullptr);
    if (why.empty() || cluster_.clock().Elapsed() >= deadline) break;
    cluster_.RunFor(milliseconds(100));
  }
  r.settle_ms =
      std::chrono::duration_cast<milliseconds>(cluster_.clock().Elapsed() - settle_start).count();
  if (why.empty()) {
    // Stable, not a lucky instant: the invariants still hold a while later.
    cluster_.RunFor(seconds(3));
    why = CheckInvariants(nullptr);
  }
  if (why.empty()) {
    // Every machine crashes at once (what was not fsynced is lost) and comes back: what the
    // cluster acknowledged was on some disk, so it settles into the same invariants.
    Trace("whole cluster crash");
    for (int i = 0; i < n; ++i) cluster_.Kill(i, /*machine_crash=*/true);
    for (int i = 0; i < n; ++i) cluster_.Start(i);
    const Clock::Duration restart_deadline = cluster_.clock().Elapsed() + seconds(30);
    while (true) {
      why = CheckInvariants(nullptr);
      if (why.empty() || cluster_.clock().Elapsed() >= restart_deadline) break;
      cluster_.RunFor(milliseconds(100));
    }
    if (!why.empty()) why = "after a whole cluster crash: " + why;
  }
  CheckInvariants(&r);
  if (!why.empty() && r.failure.empty()) r.failure = why;
  r.ok = r.failure.empty();
  r.applies = applies_;
  r.faults = faults_;
  return r;
}

}  // namespace

ScenarioResult RunScenario(const ScenarioOptions& options) {
  // Quiet unless tracing: the verdict says it all, and formatting costs time.
  std::unique_ptr<ScopedLogCapture> quiet;
  if (options.trace) {
    SetMinLogLevel(LogLevel::kDebug);
  } else {
    SetMinLogLevel(LogLevel::kError);
    quiet = std::make_unique<ScopedLogCapture>();
  }
  ScenarioResult r = Scenario(options).Run();
  SetMinLogLevel(LogLevel::kInfo);
  return r;
}

}  // namespace herd::testing
