// Supervisor: the API (apply, delete, read, list, count, members, quorum, rebalance, shutdown).
#include <algorithm>

#include "common/log.h"
#include "sidecar/spec_codec.h"
#include "sidecar/supervisor.h"

namespace herd::sidecar {

std::string_view ApplyKindName(ApplyKind k) {
  switch (k) {
    case ApplyKind::kCreated:
      return "created";
    case ApplyKind::kConfigured:
      return "configured";
    case ApplyKind::kUnchanged:
      return "unchanged";
  }
  return "unchanged";
}

Status Supervisor::CheckStore() const {
  if (store_error_.ok()) return Status::Ok();
  return Unavailable("StoreUnavailable: member " + options_.name +
                     " cannot persist writes: " + store_error_.message());
}

Status Supervisor::CheckWritable() const {
  if (shutting_down_) {
    return Unavailable("ShuttingDown: member " + options_.name + " is shutting down");
  }
  if (!joined_) {
    return Unavailable("NotReady: member " + options_.name + " has not joined the cluster yet");
  }
  RETURN_IF_ERROR(CheckStore());
  if (strategy_->needs_quorum() && !view_.HasQuorum()) {
    return Unavailable("NoQuorum: member " + options_.name + " sees " +
                       std::to_string(view_.alive().size()) + " of " +
                       std::to_string(view_.Known().size()) + " members");
  }
  return Status::Ok();
}

void Supervisor::Apply(std::vector<ApplyRequest> requests, Reply<std::vector<ApplyOutcome>> reply) {
  if (Status s = CheckWritable(); !s.ok()) return reply(s);
  // All or nothing: check every precondition before writing anything.
  struct Planned {
    std::string name;
    std::optional<WorkloadRecord> next;  // nullopt: unchanged
    ApplyOutcome outcome;
  };
  std::vector<Planned> plan;
  Placement placement = PlacementFor("");
  std::map<std::string, size_t, std::less<>> load = *placement.load;
  placement.load = &load;
  for (ApplyRequest& req : requests) {
    const std::string& name = req.spec.name;
    std::optional<WorkloadRecord> current = ReadWorkload(name);
    if (req.expected_generation && (!current || current->generation != *req.expected_generation)) {
      return reply(Status(StatusCode::kAborted,
                          "Conflict: workload " + name + " is at generation " +
                              (current ? std::to_string(current->generation) : "none") +
                              ", the request expects " + std::to_string(*req.expected_generation),
                          "metadata.generation"));
    }
    WorkloadRecord next;
    next.spec = EncodeSpec(req.spec);
    next.fingerprint = RuntimeFingerprint(req.spec);
    Planned p{name, std::nullopt, {name, ApplyKind::kCreated, "", 1}};
    if (!current) {
      Result<std::string> owner = strategy_->Choose(name, placement);
      if (!owner.ok()) {
        return reply(Unavailable("OwnerUnavailable: no alive member can run " + name + ": " +
                                 owner.status().message()));
      }
      ++load[*owner];
      ++placement.total;
      next.owner = *owner;
      next.generation = 1;
      next.epoch = 1;
      next.created_ms = clock_.WallMillis();
      p.next = next;
    } else {
      next.owner = current->owner;
      next.epoch = current->epoch;
      next.created_ms = current->created_ms;
      next.generation = current->generation;
      std::optional<StatusRecord> status = ReadStatus(name);
      bool failed =
          status && status->generation == current->generation && status->phase == Phase::kFailed;
      if (next.fingerprint != current->fingerprint || failed) {
        next.generation = current->generation + 1;  // replace the instance (or clear Failed)
      }
      if (next.spec == current->spec && next.generation == current->generation) {
        p.outcome.kind = ApplyKind::kUnchanged;
      } else {
        p.outcome.kind = ApplyKind::kConfigured;
        p.next = next;
      }
    }
    p.outcome.owner = next.owner;
    p.outcome.generation = next.generation;
    plan.push_back(std::move(p));
  }
  std::vector<ApplyOutcome> outcomes;
  for (Planned& p : plan) {
    if (p.next) {
      WriteDeclaration(p.name, *p.next);
      if (p.outcome.kind == ApplyKind::kCreated) {
        WriteOwner(p.name, p.next->owner, p.next->epoch);
      }
    }
    outcomes.push_back(std::move(p.outcome));
  }
  ++counters_.applies;
  DrainChanges();
  AfterDurable([this, reply = std::move(reply), outcomes = std::move(outcomes)]() mutable {
    if (!last_sync_status_.ok()) return reply(last_sync_status_);
    reply(std::move(outcomes));
  });
}

void Supervisor::Delete(const std::string& name, Reply<bool> reply) {
  if (shutting_down_) {
    return reply(Unavailable("ShuttingDown: member " + options_.name + " is shutting down"));
  }
  if (Status s = CheckStore(); !s.ok()) return reply(s);
  if (!ReadWorkload(name)) return reply(NotFound("workload " + name + " not found"));
  for (std::string_view prefix : {kWorkloadPrefix, kOwnerPrefix, kStatusPrefix}) {
    std::string key = std::string(prefix) + name;
    if (map_.Contains(key)) Write(key, std::nullopt);
  }
  DrainChanges();
  AfterDurable([this, reply = std::move(reply)] {
    if (!last_sync_status_.ok()) return reply(last_sync_status_);
    reply(true);
  });
}

Result<WorkloadView> Supervisor::Get(const std::string& name) const {
  std::optional<WorkloadRecord> rec = ReadWorkload(name);
  if (!rec) return NotFound("workload " + name + " not found");
  Result<WorkloadSpec> spec = DecodeSpec(rec->spec);
  if (!spec.ok()) return Internal("workload " + name + ": " + spec.status().message());
  return WorkloadView{name, std::move(*rec), std::move(spec).value(), ReadStatus(name)};
}

ListPage Supervisor::List(const std::map<std::string, std::string>& selector, size_t limit,
                          const std::string& continue_token) const {
  ListPage page;
  std::string after =
      continue_token.empty() ? std::string() : std::string(kWorkloadPrefix) + continue_token;
  map_.ScanFrom(kWorkloadPrefix, after, [&](std::string_view key, std::string_view value) {
    std::string name(key.substr(kWorkloadPrefix.size()));
    if (limit > 0 && page.items.size() == limit) {
      page.continue_token = page.items.back().name;
      return false;
    }
    std::optional<WorkloadRecord> rec = ReadWorkload(name);
    if (!rec) return true;
    Result<WorkloadSpec> spec = DecodeSpec(rec->spec);
    if (!spec.ok()) return true;
    for (const auto& [k, v] : selector) {
      auto it = spec->labels.find(k);
      if (it == spec->labels.end() || it->second != v) return true;
    }
    page.items.push_back({name, std::move(*rec), std::move(spec).value(), ReadStatus(name)});
    return true;
  });
  return page;
}

ChildCounts Supervisor::Count() const {
  ChildCounts c;
  c.declared = indexed_;
  c.running = status_phases_[static_cast<size_t>(Phase::kRunning)];
  for (const auto& [name, child] : children_) {
    if (child->state == Child::State::kRunning) ++c.local;
  }
  return c;
}

std::vector<std::string> Supervisor::LocalInstances() const {
  std::vector<std::string> out;
  for (const auto& [name, child] : children_) {
    if (child->state == Child::State::kRunning || child->state == Child::State::kStopping) {
      out.push_back(name);
    }
  }
  return out;
}

void Supervisor::SetMembers(const std::map<std::string, std::string>& members, Reply<bool> reply) {
  if (!options_.static_membership) {
    return reply(
        FailedPrecondition("membership is automatic (Kubernetes); set_members is only "
                           "for static membership"));
  }
  if (members.empty()) return reply(InvalidArgument("the member list is empty", "items"));
  std::vector<std::pair<std::string, std::string>> list(members.begin(), members.end());
  std::string encoded = EncodeMemberList(list);
  if (map_.Get(kMembersKey) != std::optional<std::string_view>(encoded)) {
    Write(std::string(kMembersKey), encoded);
  }
  // A member removed from the list has its entries dropped from the map (SPEC.md 3.5).
  std::vector<std::string> gone;
  map_.ForEachPrefix(kMemberPrefix, [&](std::string_view key, std::string_view) {
    std::string name(key.substr(kMemberPrefix.size()));
    if (members.count(name) == 0) gone.push_back(std::move(name));
  });
  for (const std::string& name : gone) Write(std::string(kMemberPrefix) + name, std::nullopt);
  DrainChanges();
  AfterDurable([this, reply = std::move(reply)] {
    if (!last_sync_status_.ok()) return reply(last_sync_status_);
    reply(true);
  });
}

void Supervisor::WaitForQuorum(Clock::Duration timeout, Reply<bool> reply) {
  if (view_.HasQuorum()) return reply(true);
  quorum_waiters_.emplace_back(clock_.Now() + timeout, std::move(reply));
}

void Supervisor::Rebalance(Reply<bool> reply) {
  if (Status s = CheckWritable(); !s.ok()) return reply(s);
  if (!strategy_->deterministic()) {
    return reply(FailedPrecondition("the random strategy has no placement to rebalance to"));
  }
  Write(std::string(kRebalanceKey), std::to_string(NextHlc()));
  DrainChanges();
  AfterDurable([reply = std::move(reply)] { reply(true); });
}

void Supervisor::BeginShutdown(std::function<void()> done) {
  if (shutting_down_) return;
  shutting_down_ = true;
  shutdown_started_ = clock_.Now();
  shutdown_done_ = std::move(done);
  view_.SetSelfShuttingDown(true);
  LOG_INFO("member_shutting_down", {{"member", options_.name}, {"children", children_.size()}});
  WriteSelfRecord(MemberStatus::kShuttingDown);
  view_.Refresh();
  // Stop every child; AfterExit hands each over as it exits, so a move never overlaps.
  std::vector<std::string> names;
  for (const auto& [name, child] : children_) names.push_back(name);
  for (const std::string& name : names) {
    auto it = children_.find(name);
    if (it == children_.end()) continue;
    Child& child = *it->second;
    if (child.state == Child::State::kRunning) {
      StopChild(name, child, StopReason::kShutdown);
    } else if (child.state != Child::State::kStopping) {
      CancelTimer(child.timer);
      children_.erase(it);
    }
  }
  // What this member owns but does not run (backoff, pending, finished) moves at once.
  auto mine = by_owner_.find(options_.name);
  if (mine != by_owner_.end()) {
    std::vector<std::string> owned(mine->second.begin(), mine->second.end());
    for (const std::string& name : owned) {
      if (children_.count(name) > 0) continue;
      std::optional<WorkloadRecord> rec = ReadWorkload(name);
      if (!rec) continue;
      Result<std::string> to = strategy_->Choose(name, PlacementFor(options_.name));
      if (to.ok()) HandOff(name, *rec, *to);
    }
  }
  DrainChanges();
  Flush();
  MaybeFinishShutdown();
}

}  // namespace herd::sidecar
