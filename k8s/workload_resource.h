// Workload custom resources (herd.dev/v1alpha1, namespaced): decoding what the API server
// sends, and building what the operator writes back (finalizers, status). Pure functions; any
// thread. The controller that uses them is k8s/workload_controller.h.
//
// A resource named N in namespace S becomes the workload N in the map, its spec taken from the
// resource's spec and its labels from the resource's labels plus two of herd's own:
//   herd.dev/resource             = S  (the workload is managed by a resource; REST-declared
//                                       workloads never carry it and the operator never
//                                       touches them)
//   herd.dev/resource-generation  = the resource's metadata.generation the spec came from
//                                       (the status reports it as observedGeneration)
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "sidecar/supervisor.h"
#include "sidecar/workload_spec.h"

namespace herd::k8s {

inline constexpr std::string_view kWorkloadFinalizer = "herd.dev/stop-workload";
inline constexpr std::string_view kResourceLabel = "herd.dev/resource";
inline constexpr std::string_view kResourceGenerationLabel = "herd.dev/resource-generation";

// API paths: the collection of a namespace, one object, its status subresource.
std::string WorkloadsPath(const std::string& ns);
std::string WorkloadPath(const std::string& ns, const std::string& name);
std::string WorkloadStatusPath(const std::string& ns, const std::string& name);

struct WorkloadResource {
  std::string ns, name, uid, resource_version;
  int64_t generation = 0;
  bool deleting = false;  // metadata.deletionTimestamp is set
  std::vector<std::string> finalizers;
  // The spec as herd reads it (ParseWorkloadObject), with herd's labels added; or why not.
  std::optional<sidecar::WorkloadSpec> spec;
  Status spec_error;
  nlohmann::json status;  // the resource's status block as stored (null when absent)

  bool has_finalizer() const;
};

// Decodes a Workload object from a LIST or WATCH. A spec that herd rejects is not an error
// here: it lands in spec_error (the operator reports it in the resource's status). Errors:
// kDataLoss when the object lacks metadata.name or metadata.namespace, or a metadata field has
// the wrong type.
Result<WorkloadResource> DecodeWorkloadResource(const nlohmann::json& object);

// True when the workload was declared by a resource of namespace `ns`.
bool ManagedBy(const sidecar::WorkloadSpec& spec, const std::string& ns);

// The merge patch that adds (present) or removes herd's finalizer, guarded by the resource's
// resourceVersion (a stale one fails with 409 Conflict).
nlohmann::json FinalizerPatch(const WorkloadResource& resource, bool present);

// The status block the owner writes: WorkloadStatusObject (sidecar/object_json.h) with
// observedGeneration in the resource's generations (omitted while the running instance is
// from an older spec).
nlohmann::json ResourceStatus(const sidecar::WorkloadView& view);

// The status block for a resource herd cannot run: phase Failed, Ready False and Degraded True
// with `reason` (InvalidSpec, NameConflict) and `message`.
nlohmann::json RejectedStatus(int64_t generation, const std::string& reason,
                              const std::string& message);

// RFC 7386: the merge patch that turns `from` into `to` (null for removed keys; arrays and
// scalars replaced whole). Empty object when they are equal.
nlohmann::json CreateMergePatch(const nlohmann::json& from, const nlohmann::json& to);

}  // namespace herd::k8s
