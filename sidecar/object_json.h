// The JSON objects the REST API answers with (SPEC.md section 4): a workload with its status,
// a member, a child (which_children's row), and RFC 3339 timestamps.
//
// A workload object is WorkloadToJson(spec) (apiVersion, kind, metadata.{name, labels}, spec)
// plus metadata.generation, metadata.creationTimestamp and a Kubernetes-style `status`:
//
//   {phase, owner, pid?, containerId?, restarts, lastExit?: {code?, signal?, at}, startedAt?,
//    message?, observedGeneration, conditions: [Ready, Degraded]}
//
// Rules: without a StatusRecord the phase is Pending and the owner is the record's. The owner
// is always the assigned one (the owner record); a status written by a former owner (another
// member, an older epoch) is shown but is not Ready (reason "Moving"). A status that observed
// an older generation than the declaration's keeps its own observedGeneration and is not Ready
// (reason "Updating"). Ready is True only for phase Running at the current generation on the
// assigned owner; Degraded is True for Backoff and Failed, with the phase as its reason.
//
// Pure functions of their arguments; any thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "sidecar/membership_view.h"
#include "sidecar/supervisor.h"

namespace herd::sidecar {

// "2026-11-26T09:00:00Z": UTC, second precision (milliseconds are cut, not rounded). Times
// before the epoch are formatted too (proleptic Gregorian calendar).
std::string FormatRfc3339(int64_t ms);

// The workload object described above.
nlohmann::json WorkloadObject(const WorkloadView& view);

// Just the `status` block of WorkloadObject.
nlohmann::json WorkloadStatusObject(const WorkloadView& view);

// {name, address, status, incarnation, declared}; status as MemberStatusName ("alive").
nlohmann::json MemberObject(const MemberInfo& member);

// which_children's row: {name, owner, phase, pid?, containerId?, restarts}, from the same
// rules as the status block.
nlohmann::json ChildObject(const WorkloadView& view);

}  // namespace herd::sidecar
