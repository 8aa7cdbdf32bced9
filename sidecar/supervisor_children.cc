// Supervisor: reconciling the map with the children this member runs, and moving ownership.
#include <algorithm>
#include <cmath>

#include "common/log.h"
#include "sidecar/record_prefetcher.h"
#include "sidecar/spec_codec.h"
#include "sidecar/supervisor.h"

namespace herd::sidecar {
namespace {

std::string_view StopReasonName(int reason) {
  static constexpr std::string_view kNames[] = {
      "deleted", "moved", "replaced", "shutdown", "no_quorum", "removed", "process_redistribution"};
  return kNames[reason];
}

std::chrono::milliseconds ShutdownTimeout(const WorkloadSpec& spec) {
  return std::chrono::seconds(spec.shutdown_timeout_seconds);
}

}  // namespace

std::optional<WorkloadRecord> Supervisor::ReadWorkload(
    const std::string& name, SpecBytes spec_bytes,
    const std::optional<OwnerRecord>* owner_read) const {
  std::optional<std::string_view> v = map_.Get(RecordKey(kWorkloadPrefix, name));
  if (!v) return std::nullopt;
  Result<WorkloadRecord> rec = DecodeWorkload(*v, spec_bytes);
  if (!rec.ok()) {
    LOG_ERROR("workload_record_unreadable",
              {{"workload", name}, {"error", rec.status().message()}});
    return std::nullopt;
  }
  rec->owner.clear();
  rec->epoch = 0;
  if (owner_read != nullptr) {
    if (*owner_read) {
      rec->owner = (*owner_read)->owner;
      rec->epoch = (*owner_read)->epoch;
    }
  } else if (std::optional<OwnerRecord> owner = ReadOwner(name)) {
    rec->owner = std::move(owner->owner);
    rec->epoch = owner->epoch;
  }
  return std::move(rec).value();
}

std::optional<OwnerRecord> Supervisor::ReadOwner(const std::string& name) const {
  std::optional<std::string_view> v = map_.Get(RecordKey(kOwnerPrefix, name));
  if (!v) return std::nullopt;
  Result<OwnerRecord> o = DecodeOwner(*v);
  if (!o.ok()) return std::nullopt;
  return std::move(o).value();
}

void Supervisor::WriteDeclaration(const std::string& name, WorkloadRecord rec) {
  rec.owner.clear();
  rec.epoch = 0;
  Write(RecordKey(kWorkloadPrefix, name), EncodeWorkload(rec));
}

void Supervisor::WriteOwner(const std::string& name, const std::string& owner, uint64_t epoch) {
  Write(RecordKey(kOwnerPrefix, name), EncodeOwner(OwnerRecord{owner, epoch}));
}

std::optional<std::string_view> Supervisor::StatusBytes(const std::string& name) const {
  return map_.Get(RecordKey(kStatusPrefix, name));
}

std::optional<StatusView> Supervisor::ReadStatusView(const std::string& name,
                                                     StatusFields fields) const {
  std::optional<std::string_view> v = StatusBytes(name);
  if (!v) return std::nullopt;
  Result<StatusView> s = DecodeStatusView(*v, fields);
  if (!s.ok()) return std::nullopt;
  return *s;
}

std::optional<StatusRecord> Supervisor::ReadStatus(const std::string& name) const {
  std::optional<std::string_view> v = StatusBytes(name);
  if (!v) return std::nullopt;
  Result<StatusRecord> s = DecodeStatus(*v);
  if (!s.ok()) return std::nullopt;
  return std::move(s).value();
}

void Supervisor::IndexOwner(const std::string& name, const std::string* owner, bool unindexed) {
  if (owner != nullptr && !unindexed) {
    auto same = by_owner_.find(*owner);
    if (same != by_owner_.end() && same->second.contains(name)) return;  // unchanged
  }
  Reindex(name, unindexed ? by_owner_.end() : IndexedUnder(name), owner);
}

Supervisor::OwnerSets::iterator Supervisor::IndexedUnder(const std::string& name) {
  // One of the few owners indexed.
  for (auto it = by_owner_.begin(); it != by_owner_.end(); ++it) {
    if (it->second.contains(name)) return it;
  }
  return by_owner_.end();
}

void Supervisor::Reindex(const std::string& name, OwnerSets::iterator from,
                         const std::string* owner) {
  if (from != by_owner_.end()) {
    from->second.erase(name);
    --indexed_;
    if (from->second.empty()) by_owner_.erase(from);
  }
  orphaned_since_.erase(name);
  if (owner == nullptr || *owner != options_.name) failover_since_.erase(name);
  placement_dirty_ = true;
  if (owner != nullptr) {
    by_owner_[*owner].insert(name);
    ++indexed_;
  }
}

bool Supervisor::Finished(std::optional<std::string_view> status, const WorkloadRecord& rec) {
  if (!status) return false;
  Result<StatusView> s = DecodeStatusView(*status, StatusFields::kHead);
  return s.ok() && s->generation == rec.generation && IsFinal(s->phase);
}

bool Supervisor::MayRunHere(const std::string& name, const std::string& owner) const {
  if (owner != options_.name || !joined_ || shutting_down_) return false;
  if (!MayRun()) return false;  // removed, or without quorum: stop our copies
  return planned_moves_.count(name) == 0;
}

bool Supervisor::ShouldRun(const std::string& name, const WorkloadRecord& rec,
                           std::optional<std::string_view>* status) const {
  status->reset();
  if (!MayRunHere(name, rec.owner)) return false;
  *status = StatusBytes(name);
  return !Finished(*status, rec);
}

void Supervisor::ReconcileAll() {
  std::vector<std::string> names;
  for (const auto& [name, child] : children_) names.push_back(name);
  auto mine = by_owner_.find(options_.name);
  if (mine != by_owner_.end()) names.insert(names.end(), mine->second.begin(), mine->second.end());
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (const std::string& name : names) Reconcile(name);
}

void Supervisor::Reconcile(const std::string& name) { Reconcile(name, ReadPlacement(name)); }

void Supervisor::Reconcile(const std::string& name, const std::optional<WorkloadRecord>& rec) {
  auto it = children_.find(name);
  Child* child = it == children_.end() ? nullptr : it->second.get();
  if (!rec) {
    if (child != nullptr) {
      if (child->state == Child::State::kRunning) {
        StopChild(name, *child, StopReason::kDeleted);
      } else if (child->state != Child::State::kStopping) {
        CancelTimer(child->timer);
        children_.erase(it);
      }
    }
    // Deleted: drop what this member wrote about it (an owner record can outlive the
    // declaration when a move raced the delete).
    std::optional<StatusRecord> s = ReadStatus(name);
    if (s && s->owner == options_.name &&
        (child == nullptr || child->state != Child::State::kStopping)) {
      Write(RecordKey(kStatusPrefix, name), std::nullopt);
    }
    std::optional<OwnerRecord> o = ReadOwner(name);
    if (o && o->owner == options_.name) Write(RecordKey(kOwnerPrefix, name), std::nullopt);
    return;
  }
  std::optional<std::string_view> status_bytes;  // read once, for the Running case below
  const bool run = ShouldRun(name, *rec, &status_bytes);
  if (child == nullptr) {
    if (run) QueueStart(name);
    return;
  }
  switch (child->state) {
    case Child::State::kRunning:
      if (!run) {
        StopReason reason = StopReason::kMoved;
        if (rec->owner == options_.name) {
          if (shutting_down_)
            reason = StopReason::kShutdown;
          else if (!view_.IsDeclared(options_.name))
            reason = StopReason::kRemoved;
          else if (strategy_->needs_quorum() && !view_.HasQuorum())
            reason = StopReason::kNoQuorum;
          else
            reason = StopReason::kHandoff;
        }
        StopChild(name, *child, reason);
      } else if (child->generation != rec->generation) {
        StopChild(name, *child, StopReason::kReplaced);
      } else {
        child->epoch = rec->epoch;
        // A concurrent owner's status can win the status key's LWW over this owner's (two
        // applies that picked different owners: the loser stopped its copy, but its Running
        // status stayed, with its pid). The owner that runs the child restores its own.
        bool ours = false;
        if (status_bytes) {
          Result<StatusView> s = DecodeStatusView(*status_bytes, StatusFields::kHead);
          ours =
              s.ok() && s->owner == options_.name && s->epoch == rec->epoch && s->pid == child->pid;
        }
        if (!ours) {
          WriteStatus(name, *rec, Phase::kRunning, child, "");
        }
      }
      break;
    case Child::State::kStopping:
      break;  // AfterExit reconciles again
    case Child::State::kBackoff:
      if (!run || child->generation != rec->generation) {
        CancelTimer(child->timer);
        child->state = Child::State::kIdle;
        if (run) {
          QueueStart(name);
        } else {
          children_.erase(it);
        }
      }
      break;
    case Child::State::kIdle:
      if (run) {
        QueueStart(name);
      } else {
        children_.erase(it);
      }
      break;
  }
}

void Supervisor::QueueStart(const std::string& name) {
  start_queue_.insert(name);
  if (start_timer_ == 0) start_timer_ = After(Clock::Duration::zero(), [this] { StartQueued(); });
}

void Supervisor::StartQueued() {
  start_timer_ = 0;
  std::vector<std::string> batch;
  while (batch.size() < options_.start_batch && !start_queue_.empty()) {
    batch.push_back(std::move(start_queue_.extract(start_queue_.begin()).value()));
  }
  std::vector<const std::string*> names;
  for (const std::string& name : batch) names.push_back(&name);
  RecordPrefetcher prefetch(map_, names);
  for (size_t i = 0; i < batch.size(); ++i) {
    prefetch.Before(i);
    const std::string& name = batch[i];
    // The map may have moved on since the start was queued: decide again.
    auto it = children_.find(name);
    if (it != children_.end() && it->second->state != Child::State::kIdle) continue;
    std::optional<WorkloadRecord> rec = ReadWorkload(name);
    std::optional<std::string_view> status;
    if (!rec || !ShouldRun(name, *rec, &status)) {
      if (it != children_.end()) children_.erase(it);
      continue;
    }
    StartChild(name, *rec, status);
  }
  if (!start_queue_.empty() && start_timer_ == 0) {
    start_timer_ = After(Clock::Duration::zero(), [this] { StartQueued(); });
  }
}

void Supervisor::StartChild(const std::string& name, const WorkloadRecord& rec,
                            std::optional<std::string_view> status) {
  auto& slot = children_[name];
  if (!slot) {
    slot = std::make_unique<Child>();
    if (status) {
      Result<StatusView> s = DecodeStatusView(*status);
      if (s.ok() && s->generation == rec.generation) slot->tracker.set_restarts(s->restarts);
    }
  }
  Child& child = *slot;
  if (child.generation != rec.generation) child.tracker = RestartTracker();
  child.generation = rec.generation;
  child.epoch = rec.epoch;
  Result<WorkloadSpec> spec = DecodeSpec(rec.spec);
  if (!spec.ok()) {
    ++counters_.failed;
    WriteStatus(name, rec, Phase::kFailed, &child, "unreadable spec: " + spec.status().message());
    children_.erase(name);
    return;
  }
  const InstanceId instance = next_instance_++;
  instances_[instance] = name;
  child.instance = instance;
  child.state = Child::State::kRunning;
  StartRequest req{instance, name, rec.generation, options_.name, &*spec};
  Result<StartedChild> started = runner_.Start(req);
  if (!started.ok()) {
    instances_.erase(instance);
    child.instance = 0;
    ++counters_.start_failures;
    LOG_WARNING("child_start_failed", {{"workload", name}, {"error", started.status().message()}});
    // A start failure counts as an abnormal exit: backoff, then Failed at the intensity limit.
    AfterCrash(name, child, rec, *spec, ExitInfo{127, 0}, started.status().message());
    return;
  }
  child.pid = started->pid;
  child.container_id = started->container_id;
  child.started_ms = clock_.WallMillis();
  child.tracker.OnStarted(clock_.Now());
  ++counters_.starts;
  if (auto f = failover_since_.find(name); f != failover_since_.end()) {
    counters_.failover.Observe(clock_.Now() - f->second);
    failover_since_.erase(f);
  }
  LOG_DEBUG("child_started",
            {{"workload", name}, {"pid", child.pid}, {"generation", rec.generation}});
  WriteStatus(name, rec, Phase::kRunning, &child, "");
}

void Supervisor::StopChild(const std::string& name, Child& child, StopReason reason) {
  if (child.state != Child::State::kRunning) return;
  child.state = Child::State::kStopping;
  child.stop_reason = reason;
  child.stop_requested = clock_.Now();
  std::chrono::milliseconds timeout{0};
  std::optional<WorkloadRecord> rec = ReadWorkload(name);
  if (rec) {
    Result<WorkloadSpec> spec = DecodeSpec(rec->spec);
    if (spec.ok()) timeout = ShutdownTimeout(*spec);
    if (rec->owner == options_.name && reason != StopReason::kDeleted) {
      WriteStatus(name, *rec, Phase::kStopping, &child, "");
    }
  }
  LOG_DEBUG("child_stopping",
            {{"workload", name}, {"reason", StopReasonName(static_cast<int>(reason))}});
  runner_.Stop(child.instance, timeout);
}

void Supervisor::OnChildExit(uint64_t instance, const ChildExit& exit) {
  // Deferred to a timer: the runner may report an exit from inside Stop() or Start().
  After(Clock::Duration::zero(), [this, instance, exit] {
    auto it = instances_.find(instance);
    if (it == instances_.end()) return;
    std::string name = it->second;
    instances_.erase(it);
    auto c = children_.find(name);
    if (c == children_.end() || c->second->instance != instance) return;
    AfterExit(name, *c->second, exit);
  });
}

void Supervisor::AfterExit(const std::string& name, Child& child, const ChildExit& exit) {
  child.instance = 0;
  child.pid = 0;
  if (exit.signal != 0) {
    ++counters_.exits_signal;
  } else if (exit.exit_code == 0) {
    ++counters_.exits_clean;
  } else {
    ++counters_.exits_error;
  }
  ExitInfo info{exit.exit_code, exit.signal};
  last_exit_[name] = {info, clock_.WallMillis()};
  std::optional<WorkloadRecord> rec = ReadWorkload(name);
  if (child.state == Child::State::kStopping) {
    const StopReason reason = child.stop_reason;
    child.state = Child::State::kIdle;
    if (reason == StopReason::kHandoff || reason == StopReason::kShutdown) {
      std::string to;
      auto planned = planned_moves_.find(name);
      if (planned != planned_moves_.end()) {
        to = planned->second;
        planned_moves_.erase(planned);
      } else if (reason == StopReason::kShutdown) {
        Result<std::string> target = strategy_->Choose(name, PlacementFor(options_.name));
        if (target.ok()) to = *target;
      }
      if (rec && rec->owner == options_.name && !to.empty() && to != options_.name) {
        counters_.handoff.Observe(clock_.Now() - child.stop_requested);
        HandOff(name, *rec, to);
      }
    }
    if (!rec || rec->owner != options_.name || reason == StopReason::kShutdown) {
      children_.erase(name);
    }
    Reconcile(name);
    ContinueMoves();
    if (shutting_down_) MaybeFinishShutdown();
    return;
  }
  // An exit nobody asked for: the instance is gone whatever happens next.
  child.state = Child::State::kIdle;
  if (!rec || rec->owner != options_.name) {
    children_.erase(name);
    Reconcile(name);
    return;
  }
  Result<WorkloadSpec> spec = DecodeSpec(rec->spec);
  if (!spec.ok()) {
    children_.erase(name);
    return;
  }
  std::string how = exit.error.empty() ? "" : exit.error;
  AfterCrash(name, child, *rec, *spec, info, how);
}

void Supervisor::AfterCrash(const std::string& name, Child& child, const WorkloadRecord& rec,
                            const WorkloadSpec& spec, const ExitInfo& info,
                            const std::string& detail) {
  RestartDecision d = child.tracker.OnExit(spec, info, clock_.Now(), random_, options_.backoff);
  std::string message = detail.empty() ? d.reason : d.reason + ": " + detail;
  last_exit_[name] = {info, clock_.WallMillis()};
  switch (d.action) {
    case RestartDecision::Action::kRestart: {
      ++counters_.restarts;
      child.state = Child::State::kBackoff;
      WriteStatus(name, rec, Phase::kBackoff, &child, message);
      child.timer = After(d.delay, [this, name] {
        auto it = children_.find(name);
        if (it == children_.end() || it->second->state != Child::State::kBackoff) return;
        it->second->timer = 0;
        it->second->state = Child::State::kIdle;
        Reconcile(name);
      });
      break;
    }
    case RestartDecision::Action::kSucceeded:
    case RestartDecision::Action::kFailed: {
      bool ok = d.action == RestartDecision::Action::kSucceeded;
      if (!ok) ++counters_.failed;
      LOG_INFO(ok ? "workload_succeeded" : "workload_failed",
               {{"workload", name}, {"reason", message}});
      WriteStatus(name, rec, ok ? Phase::kSucceeded : Phase::kFailed, &child, message);
      children_.erase(name);  // `child` is gone from here on
      break;
    }
  }
}

void Supervisor::WriteStatus(const std::string& name, const WorkloadRecord& rec, Phase phase,
                             const Child* child, const std::string& message) {
  if (rec.owner != options_.name) return;
  StatusRecord s;
  s.owner = options_.name;
  s.epoch = rec.epoch;
  s.generation = rec.generation;
  s.phase = phase;
  if (child != nullptr) {
    if (phase == Phase::kRunning || phase == Phase::kStopping) {
      s.pid = child->pid;
      s.container_id = child->container_id;
    }
    s.restarts = child->tracker.restarts();
    s.started_at_ms = child->started_ms;
  }
  if (auto e = last_exit_.find(name); e != last_exit_.end()) {
    s.exit_code = e->second.first.exit_code;
    s.signal = e->second.first.signal;
    s.exit_at_ms = e->second.second;
  }
  s.message = message;
  RecordKey key(kStatusPrefix, name);
  std::string encoded = EncodeStatus(s);
  std::optional<std::string_view> current = map_.Get(key);
  if (current && *current == encoded) return;
  Write(key, encoded);
}

Placement Supervisor::PlacementFor(const std::string& excluded) const {
  Placement p;
  for (const std::string& m : view_.alive()) {
    if (m == excluded) continue;
    p.alive.push_back(m);
    auto it = by_owner_.find(m);
    p.total += it == by_owner_.end() ? 0 : it->second.size();
  }
  p.load = &load_view_;
  load_view_.clear();
  for (const std::string& m : p.alive) {
    auto it = by_owner_.find(m);
    load_view_[m] = it == by_owner_.end() ? 0 : it->second.size();
  }
  return p;
}

bool Supervisor::IsOrphanOwner(const std::string& owner) const {
  if (view_.IsAlive(owner)) return false;
  if (owner == options_.name) return false;  // this member never orphans its own work
  // A declared member that is still heard while shutting down hands its workloads over
  // itself; taking them now would run two copies.
  if (view_.IsDeclared(owner) && view_.IsReachable(owner)) {
    const MemberRecord* rec = view_.Record(owner);
    if (rec != nullptr && rec->status == MemberStatus::kShuttingDown) return false;
    if (rec == nullptr || rec->status != MemberStatus::kAlive) return false;  // still joining
  }
  return true;
}

void Supervisor::ScanOrphans() {
  orphan_scan_waiting_ = false;
  if (!joined_ || shutting_down_ || !view_.IsAlive(options_.name)) return;
  if (strategy_->needs_quorum() && !view_.HasQuorum()) return;
  if (clock_.Now() < settle_until_) return;
  const bool any = std::any_of(by_owner_.begin(), by_owner_.end(),
                               [&](const auto& o) { return IsOrphanOwner(o.first); });
  if (!CaughtUp()) {
    // Orphans wait until this member has every survivor's writes (their takeovers among them);
    // the message that brings the last of them scans again, not the next tick.
    orphan_scan_waiting_ = any;
    return;
  }
  if (!any) {
    if (!orphaned_since_.empty()) orphaned_since_.clear();
    return;
  }
  // Each orphan goes to the first alive member in its rendezvous order: a function of the name
  // and the alive set alone, so every survivor that sees the same members picks the same one,
  // whatever takeovers it has or has not seen yet. (A plan over current loads diverged between
  // survivors that had seen different takeovers: one orphan was taken twice, another by nobody.)
  // The load is evened out afterwards by redistribution and rebalance, which move without
  // overlap.
  const std::vector<std::string>& alive = view_.alive();
  if (alive.empty()) return;
  const Clock::TimePoint now = clock_.Now();
  std::map<std::string, size_t> taken;  // by former owner: one log line each, not one per workload
  // The index is walked in place: a takeover writes an owner record, and by_owner_ follows it
  // only when the event's changes drain.
  for (const auto& [owner, names] : by_owner_) {
    if (IsOrphanOwner(owner)) ScanOrphansOf(names, alive, now, &taken);
  }
  for (const auto& [from, count] : taken) {
    LOG_INFO("workloads_taken_over", {{"member", options_.name}, {"from", from}, {"count", count}});
  }
}

void Supervisor::ScanOrphansOf(const NameSet& orphans, const std::vector<std::string>& alive,
                               Clock::TimePoint now, std::map<std::string, size_t>* taken) {
  std::vector<const std::string*> mine;  // the rest are another survivor's
  for (const std::string& name : orphans) {
    if (RendezvousFirst(name, alive) == options_.name) mine.push_back(&name);
  }
  RecordPrefetcher prefetch(map_, mine);
  for (size_t i = 0; i < mine.size(); ++i) {
    prefetch.Before(i);
    const std::string& name = *mine[i];
    std::optional<WorkloadRecord> rec = ReadPlacement(name);
    if (!rec || IsFinished(name, *rec)) continue;  // finished stays finished (Horde #4)
    Clock::Duration delay{0};
    if (strategy_->needs_quorum()) {
      // The minority stops its copies when it loses quorum; wait out its shutdown timeout so
      // even a quorum failover never runs two copies (SPEC.md 6).
      std::optional<WorkloadRecord> full = ReadWorkload(name);
      Result<WorkloadSpec> spec = DecodeSpec(full ? full->spec : std::string());
      delay = options_.heartbeat_interval * 2 +
              (spec.ok() ? Clock::Duration(ShutdownTimeout(*spec)) : Clock::Duration::zero());
    }
    auto [since, inserted] = orphaned_since_.try_emplace(name);
    if (inserted) since->second = now;
    // by_owner_ is re-indexed when the event's changes drain, so a second scan in the same
    // event (OnTick's, after OnViewChanged's) still lists what this member just took over.
    if (now - since->second >= delay && rec->owner != options_.name) {
      ++(*taken)[rec->owner];
      TakeOver(name, *rec);
    }
  }
}

void Supervisor::TakeOver(const std::string& name, const WorkloadRecord& rec) {
  ++counters_.takeovers;
  // The failover clock starts at the old owner's last message; unknown when this member never
  // heard it (then no duration is observed).
  if (auto h = last_heard_.find(rec.owner); h != last_heard_.end()) {
    failover_since_[name] = h->second;
  }
  LOG_DEBUG("workload_takeover",
            {{"workload", name}, {"from", rec.owner}, {"epoch", rec.epoch + 1}});
  WriteOwner(name, options_.name, rec.epoch + 1);
}

void Supervisor::HandOff(const std::string& name, const WorkloadRecord& rec,
                         const std::string& to) {
  ++counters_.handoffs;
  LOG_DEBUG("workload_handoff", {{"workload", name}, {"to", to}, {"epoch", rec.epoch + 1}});
  WriteOwner(name, to, rec.epoch + 1);
}

std::map<std::string, std::string> Supervisor::TargetPlacement() const {
  // Bounded-load rendezvous over every workload in name order: a pure function of the map and
  // the alive set, so every member computes the same target for every workload.
  std::map<std::string, std::string> out;
  const std::vector<std::string>& alive = view_.alive();
  if (alive.empty()) return out;
  std::vector<std::string_view> names;
  names.reserve(indexed_);
  for (const auto& [owner, owned] : by_owner_)
    names.insert(names.end(), owned.begin(), owned.end());
  std::sort(names.begin(), names.end());
  const double avg = static_cast<double>(names.size()) / static_cast<double>(alive.size());
  const size_t cap = static_cast<size_t>(std::ceil((1.0 + options_.load_epsilon) * avg));
  std::map<std::string_view, size_t> load;
  for (std::string_view name : names) {
    for (std::string_view m : RendezvousOrder(name, alive)) {
      if (load[m] < std::max<size_t>(cap, 1)) {
        ++load[m];
        out[std::string(name)] = std::string(m);
        break;
      }
    }
  }
  return out;
}

void Supervisor::PlanMoves(bool forced) {
  if (!joined_ || shutting_down_ || !strategy_->deterministic()) return;
  auto mine = by_owner_.find(options_.name);
  if (mine == by_owner_.end()) return;
  std::map<std::string, std::string> target = TargetPlacement();
  size_t planned = 0;
  for (const std::string& name : mine->second) {
    auto t = target.find(name);
    if (t == target.end() || t->second == options_.name) continue;
    planned_moves_[name] = t->second;
    ++planned;
  }
  if (planned > 0) {
    LOG_INFO("redistribution_planned",
             {{"member", options_.name}, {"moves", planned}, {"forced", forced}});
  }
  ContinueMoves();
}

size_t Supervisor::MovesInFlight() {
  std::erase_if(moving_, [this](const std::string& name) {
    auto c = children_.find(name);
    return c == children_.end() || c->second->state != Child::State::kStopping;
  });
  return moving_.size();
}

void Supervisor::ContinueMoves() {
  // Bounded batches: at most move_batch instances are stopping for a move at once.
  MovesInFlight();
  auto it = planned_moves_.begin();
  while (it != planned_moves_.end() && moving_.size() < options_.move_batch) {
    const std::string name = it->first;
    const std::string to = it->second;
    std::optional<WorkloadRecord> rec = ReadPlacement(name);
    if (!rec || rec->owner != options_.name || !view_.IsAlive(to)) {
      it = planned_moves_.erase(it);
      continue;
    }
    auto c = children_.find(name);
    if (c != children_.end() && c->second->state == Child::State::kStopping) {
      ++it;  // already stopping for another reason; AfterExit finds the plan
      continue;
    }
    if (c != children_.end() && c->second->state == Child::State::kRunning) {
      moving_.insert(name);
      ++it;
      StopChild(name, *c->second, StopReason::kHandoff);
      it = planned_moves_.upper_bound(name);
      continue;
    }
    // Not running here (backoff, pending or finished): move the declaration at once.
    if (c != children_.end()) {
      CancelTimer(c->second->timer);
      children_.erase(c);
    }
    it = planned_moves_.erase(it);
    HandOff(name, *rec, to);
  }
}

void Supervisor::MaybeFinishShutdown() {
  if (!shutting_down_ || !shutdown_done_) return;
  for (const auto& [name, child] : children_) {
    if (child->state == Child::State::kStopping || child->state == Child::State::kRunning) return;
  }
  // Every child has exited and every handoff is written: send them, and give peers the
  // chance to acknowledge before this member goes away.
  Flush();
  bool acked = true;
  for (const std::string& peer : view_.alive()) {
    if (peer != options_.name && sync_.InFlight(peer) > 0) acked = false;
  }
  if (!acked && clock_.Now() - shutdown_started_ < options_.shutdown_drain) return;
  LOG_INFO("member_stopped", {{"member", options_.name}, {"handoffs_acked", acked}});
  auto done = std::move(shutdown_done_);
  shutdown_done_ = nullptr;
  done();
}

}  // namespace herd::sidecar
