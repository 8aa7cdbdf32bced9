#include "k8s/workload_controller.h"

#include <algorithm>
#include <utility>

#include "common/log.h"
#include "sidecar/strategy.h"

namespace herd::k8s {

using nlohmann::json;

WorkloadController::WorkloadController(WorkloadControllerOptions options,
                                       sidecar::Supervisor& supervisor, Clock& clock, PatchFn patch)
    : options_(std::move(options)),
      supervisor_(supervisor),
      clock_(clock),
      patch_(std::move(patch)) {}

WorkloadController::~WorkloadController() {
  if (timer_ != 0) clock_.Cancel(timer_);
  if (soon_timer_ != 0) clock_.Cancel(soon_timer_);
}

void WorkloadController::ReconcileSoon(const std::string& name) {
  soon_.insert(name);
  if (soon_timer_ != 0) return;
  soon_timer_ = clock_.Schedule(Clock::Duration::zero(), [this] {
    soon_timer_ = 0;
    std::set<std::string> names;
    names.swap(soon_);
    for (const std::string& n : names) Reconcile(n);
  });
}

void WorkloadController::Start() {
  next_resync_ = clock_.Now() + options_.resync;
  timer_ = clock_.Schedule(options_.tick, [this] { OnTick(); });
}

void WorkloadController::OnTick() {
  timer_ = clock_.Schedule(options_.tick, [this] { OnTick(); });
  std::vector<std::string> alive;
  for (const sidecar::MemberInfo& m : supervisor_.Members()) {
    if (m.status == sidecar::MemberStatus::kAlive) alive.push_back(m.name);
  }
  std::sort(alive.begin(), alive.end());
  const bool resync = clock_.Now() >= next_resync_;
  if (alive != alive_ || resync) {
    // The writer of any resource may have changed: look at every one again.
    alive_ = std::move(alive);
    for (const auto& [name, res] : resources_) dirty_.insert(name);
  }
  if (resync) {
    next_resync_ = clock_.Now() + options_.resync;
    GarbageCollect();
  }
  std::set<std::string> work;
  work.swap(dirty_);
  for (const std::string& name : work) Reconcile(name);
}

void WorkloadController::OnBatch(const StoreBatch& batch) {
  for (const StoreEvent& e : batch.events) {
    if (e.kind == StoreEvent::Kind::kDeleted) {
      const json* name = e.object.contains("metadata") ? &e.object["metadata"] : nullptr;
      if (name == nullptr || !name->contains("name") || !(*name)["name"].is_string()) continue;
      const std::string n = (*name)["name"].get<std::string>();
      resources_.erase(n);
      gone_.insert(n);
      Reconcile(n);
      continue;
    }
    Result<WorkloadResource> res = DecodeWorkloadResource(e.object);
    if (!res.ok()) {
      ++stats_.decode_errors;
      LOG_WARNING("workload_resource_unreadable",
                  {{"key", e.key}, {"error", res.status().message()}});
      continue;
    }
    if (res->ns != options_.ns) continue;
    const std::string name = res->name;
    gone_.erase(name);
    resources_[name] = std::move(res).value();
    Reconcile(name);
  }
  if (batch.from_list) {
    synced_ = true;
    GarbageCollect();
  }
}

void WorkloadController::OnWorkloadChanged(const std::string& name) {
  if (resources_.count(name) > 0 || gone_.count(name) > 0) Reconcile(name);
}

void WorkloadController::GarbageCollect() {
  if (!synced_) return;
  sidecar::ListPage page = supervisor_.List({{std::string(kResourceLabel), options_.ns}}, 0, "");
  for (const sidecar::WorkloadView& v : page.items) {
    if (resources_.count(v.name) > 0) continue;
    gone_.insert(v.name);
    Reconcile(v.name);
  }
}

bool WorkloadController::IsAlive(const std::string& member) const {
  return std::binary_search(alive_.begin(), alive_.end(), member);
}

bool WorkloadController::IsWriter(const std::string& name) const {
  return !alive_.empty() && sidecar::RendezvousFirst(name, alive_) == supervisor_.name();
}

void WorkloadController::Reconcile(const std::string& name) {
  if (in_flight_.count(name) > 0 || applying_.count(name) > 0 || !supervisor_.ready()) {
    dirty_.insert(name);
    return;
  }
  if (alive_.empty()) {
    dirty_.insert(name);  // the first tick fills alive_
    return;
  }
  Result<sidecar::WorkloadView> view = supervisor_.Get(name);
  if (view.ok()) last_owner_[name] = view->record.owner;
  auto it = resources_.find(name);
  if (it == resources_.end()) {
    if (!view.ok()) {
      gone_.erase(name);
      last_owner_.erase(name);
    } else if (gone_.count(name) > 0 && ManagedBy(view->spec, options_.ns) && IsWriter(name)) {
      applying_.insert(name);
      ++stats_.deletes;
      LOG_INFO("workload_resource_gone", {{"workload", name}});
      supervisor_.Delete(name, [this, name](Result<bool> r) {
        applying_.erase(name);
        if (!r.ok()) dirty_.insert(name);
      });
    }
    return;
  }
  const WorkloadResource& res = it->second;
  if (res.deleting) return ReconcileDeleting(name, res, view);
  if (!res.spec) {
    if (IsWriter(name)) {
      SyncStatus(name, res,
                 RejectedStatus(res.generation, "InvalidSpec", res.spec_error.message()));
    }
    return;
  }
  if (view.ok() && !ManagedBy(view->spec, options_.ns)) {
    if (IsWriter(name)) {
      SyncStatus(name, res,
                 RejectedStatus(res.generation, "NameConflict",
                                "workload " + name +
                                    " was declared over the REST API: delete it there or rename "
                                    "this resource"));
    }
    return;
  }
  // The finalizer goes on before the spec goes into the map, so a deletion always stops the
  // workload before the resource disappears.
  if (!res.has_finalizer()) {
    if (IsWriter(name)) {
      Send(name, WorkloadPath(res.ns, name), FinalizerPatch(res, true),
           [this](const Result<json>& r) {
             if (r.ok()) ++stats_.finalizer_patches;
           });
    }
    return;
  }
  if (IsWriter(name) && (!view.ok() || !(view->spec == *res.spec))) {
    applying_.insert(name);
    ++stats_.applies;
    std::vector<sidecar::ApplyRequest> requests(1);
    requests[0].spec = *res.spec;
    supervisor_.Apply(std::move(requests),
                      [this, name](Result<std::vector<sidecar::ApplyOutcome>> r) {
                        applying_.erase(name);
                        if (!r.ok()) {
                          LOG_DEBUG("workload_resource_apply_failed",
                                    {{"workload", name}, {"error", r.status().message()}});
                          dirty_.insert(name);  // retry on the next tick
                          return;
                        }
                        // Durable now: write the status at once, not on the next tick.
                        ReconcileSoon(name);
                      });
    return;
  }
  if (view.ok() && view->record.owner == supervisor_.name()) {
    SyncStatus(name, res, ResourceStatus(*view));
  }
}

void WorkloadController::ReconcileDeleting(const std::string& name, const WorkloadResource& res,
                                           const Result<sidecar::WorkloadView>& view) {
  if (!res.has_finalizer()) return;  // not held by herd
  const bool writer = IsWriter(name);
  if (view.ok()) {
    if (!ManagedBy(view->spec, options_.ns)) {
      // A REST workload of the same name: not this resource's to stop.
      if (writer) {
        Send(name, WorkloadPath(res.ns, name), FinalizerPatch(res, false),
             [this](const Result<json>& r) {
               if (r.ok()) ++stats_.finalizer_patches;
             });
      }
      return;
    }
    if (writer) {
      applying_.insert(name);
      ++stats_.deletes;
      supervisor_.Delete(name, [this, name](Result<bool>) {
        applying_.erase(name);
        dirty_.insert(name);
      });
    } else {
      dirty_.insert(name);
    }
    return;
  }
  // Gone from the map: the finalizer comes off once no instance runs. The member that owned it
  // knows when its own instance has exited; a dead or unknown owner runs nothing.
  std::string owner;
  if (auto o = last_owner_.find(name); o != last_owner_.end()) {
    owner = o->second;
  } else if (res.status.is_object() && res.status.contains("owner") &&
             res.status["owner"].is_string()) {
    owner = res.status["owner"].get<std::string>();
  }
  bool remove = false;
  if (owner == supervisor_.name()) {
    const std::vector<std::string> local = supervisor_.LocalInstances();
    remove = std::find(local.begin(), local.end(), name) == local.end();
  } else if (owner.empty() || !IsAlive(owner)) {
    remove = writer;
  }
  if (!remove) {
    dirty_.insert(name);  // look again on the next tick
    return;
  }
  Send(name, WorkloadPath(res.ns, name), FinalizerPatch(res, false),
       [this, name](const Result<json>& r) {
         if (!r.ok()) return;
         ++stats_.finalizer_patches;
         last_owner_.erase(name);
         LOG_INFO("workload_resource_finalized", {{"workload", name}});
       });
}

void WorkloadController::SyncStatus(const std::string& name, const WorkloadResource& res,
                                    const json& status) {
  const json base = res.status.is_object() ? res.status : json::object();
  json diff = CreateMergePatch(base, status);
  if (diff.empty()) return;
  Send(name, WorkloadStatusPath(res.ns, name), json{{"status", std::move(diff)}},
       [this](const Result<json>& r) {
         if (r.ok()) ++stats_.status_patches;
       });
}

void WorkloadController::Send(const std::string& name, std::string path, json patch,
                              std::function<void(const Result<json>&)> after) {
  in_flight_.insert(name);
  patch_(std::move(path), std::move(patch), [this, name, after = std::move(after)](Result<json> r) {
    in_flight_.erase(name);
    after(r);
    if (!r.ok()) {
      ++stats_.patch_errors;
      const StatusCode code = r.status().code();
      if (code != StatusCode::kNotFound && code != StatusCode::kFailedPrecondition) {
        LOG_WARNING("workload_resource_patch_failed",
                    {{"workload", name}, {"error", r.status().message()}});
      }
      // A conflict or an outage: the next tick tries again with what the watch brought.
      if (code != StatusCode::kNotFound) dirty_.insert(name);
      return;
    }
    // The stored object is the newest this member knows (the watch may lag behind it).
    auto it = resources_.find(name);
    if (it != resources_.end()) {
      Result<WorkloadResource> fresh = DecodeWorkloadResource(*r);
      if (fresh.ok()) it->second = std::move(fresh).value();
    }
    Reconcile(name);
  });
}

}  // namespace herd::k8s
