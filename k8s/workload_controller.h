// WorkloadController: the operator for Workload custom resources (issue 6), level-based.
//
// Every member watches the Workload resources of its namespace (a Watcher feeds OnBatch) and
// reconciles each one against the map:
//   - a resource without herd's finalizer gets it; then its spec is applied into the map when
//     the map lacks it or holds an older resource generation;
//   - a resource being deleted has its workload deleted from the map; the finalizer is removed
//     once the workload no longer runs: by the member that owned it, after its own instance has
//     exited, or (when that member is gone) by the writer;
//   - a workload the map holds for a resource that no longer exists is deleted (after a LIST,
//     so a resource deleted while the agent was away is caught too).
// Those writes are made by one member per resource, the writer: the first alive member in
// rendezvous order of the resource's name, so members do not fight over it. The workload's
// owner (the member running it) writes the resource's status, from the map's status record,
// with merge patches, one in flight per resource, the latest state winning.
//
// REST-declared workloads are independent: the operator only touches workloads carrying the
// herd.dev/resource label of its namespace (k8s/workload_resource.h); a resource whose name is
// taken by a REST workload is reported Failed with reason NameConflict. The writer sees the REST
// workload once it has replicated to it: a REST apply and a resource of the same name made at
// the same moment are two applies of one name, and the later write wins.
//
// Threading: the supervisor's thread only (the agent's event loop). API writes go through the
// Patch function, which must run `done` on this thread later (never inside the call).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "k8s/watcher.h"
#include "k8s/workload_resource.h"
#include "sidecar/supervisor.h"

namespace herd::k8s {

struct WorkloadControllerOptions {
  std::string ns;                                         // --namespace
  Clock::Duration tick = std::chrono::milliseconds(200);  // retries, finalizers
  Clock::Duration resync = std::chrono::seconds(30);      // reconcile every resource
};

struct WorkloadControllerStats {
  uint64_t applies = 0;            // specs written into the map
  uint64_t deletes = 0;            // workloads deleted from the map
  uint64_t status_patches = 0;     // status patches sent
  uint64_t finalizer_patches = 0;  // finalizers added or removed
  uint64_t patch_errors = 0;       // failed patches (retried)
  uint64_t decode_errors = 0;      // objects that are not Workload resources
};

class WorkloadController {
 public:
  using Done = std::function<void(Result<nlohmann::json>)>;
  using PatchFn = std::function<void(std::string path, nlohmann::json patch, Done done)>;

  WorkloadController(WorkloadControllerOptions options, sidecar::Supervisor& supervisor,
                     Clock& clock, PatchFn patch);
  ~WorkloadController();  // cancels its timer
  WorkloadController(const WorkloadController&) = delete;
  WorkloadController& operator=(const WorkloadController&) = delete;

  // Starts the periodic tick. Call once, after the supervisor started.
  void Start();
  // A Watcher batch (posted from the watcher's thread).
  void OnBatch(const StoreBatch& batch);
  // The supervisor's workload observer (Supervisor::SetWorkloadObserver).
  void OnWorkloadChanged(const std::string& name);

  bool synced() const { return synced_; }
  const WorkloadControllerStats& stats() const { return stats_; }

 private:
  void OnTick();
  // Reconciles `name` on a zero-delay timer: after a supervisor reply, outside of it.
  void ReconcileSoon(const std::string& name);
  void Reconcile(const std::string& name);
  void ReconcileDeleting(const std::string& name, const WorkloadResource& res,
                         const Result<sidecar::WorkloadView>& view);
  // Patches the resource's status to `status` (a merge patch against the stored status).
  void SyncStatus(const std::string& name, const WorkloadResource& res,
                  const nlohmann::json& status);
  void GarbageCollect();
  bool IsWriter(const std::string& name) const;
  bool IsAlive(const std::string& member) const;
  // Sends one patch for `name`; while it is in flight the name is not reconciled again (a
  // request meanwhile marks it dirty, and it is reconciled when the answer comes).
  void Send(const std::string& name, std::string path, nlohmann::json patch,
            std::function<void(const Result<nlohmann::json>&)> after);

  WorkloadControllerOptions options_;
  sidecar::Supervisor& supervisor_;
  Clock& clock_;
  PatchFn patch_;
  Clock::TimerId timer_ = 0;
  Clock::TimerId soon_timer_ = 0;
  std::set<std::string> soon_;
  Clock::TimePoint next_resync_{};
  bool synced_ = false;
  std::vector<std::string> alive_;  // alive members, sorted (refreshed each tick)

  std::map<std::string, WorkloadResource> resources_;  // by name
  std::map<std::string, std::string> last_owner_;      // owner while the workload existed
  std::set<std::string> in_flight_;                    // a patch is outstanding
  std::set<std::string> dirty_;                        // reconcile again when possible
  std::set<std::string> applying_;                     // an Apply or Delete is outstanding
  // Resources seen deleted (a DELETED event, or absent from a LIST): their managed workloads
  // are deleted from the map. Only these: a workload whose resource this member has not seen
  // yet may be one another member just applied.
  std::set<std::string> gone_;
  WorkloadControllerStats stats_;
};

}  // namespace herd::k8s
