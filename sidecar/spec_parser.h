// Workload documents from YAML or JSON text, and back (SPEC.md sections 2, 4 and 6).
//
// ParseWorkloadDocuments is the one reader behind `herd apply -f`, the REST API's bodies and the
// operator: it takes a YAML stream (documents separated by ---), a JSON object, a JSON array of
// objects, or a list object ({"kind": "WorkloadList", "items": [...]}), and returns every
// workload it holds, or nothing at all (apply is all or nothing per request).
//
// Errors read like kubectl's. Each bad workload is named by its position among the workloads
// of the input, counted from 1 (list items count one by one; empty documents are skipped), and
// by its name when it has one; Status::field() is the first bad field:
//
//   document 1 (ingest-7): spec.restart: Unsupported value: "always": supported values: ...;
//   document 3: spec.maxRestarts: Invalid type: expected integer, got string "x"
//
// WorkloadToJson and JsonToYaml write the same shape back, so that `herd get -o yaml | herd
// apply -f -` round-trips. Pure functions; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sidecar/spec_tree.h"
#include "sidecar/workload_spec.h"

namespace herd::sidecar {

inline constexpr std::string_view kApiVersion = "herd.dev/v1alpha1";
inline constexpr std::string_view kWorkloadKind = "Workload";
inline constexpr std::string_view kWorkloadListKind = "WorkloadList";

// Input limits. The HTTP layer bounds bodies first (413); these hold for every caller.
inline constexpr size_t kMaxSpecInputBytes = 8 * 1024 * 1024;
inline constexpr size_t kMaxDocuments = 1000;    // workloads per request
inline constexpr size_t kMaxSpecNodes = 100000;  // YAML/JSON nodes per request, aliases expanded
inline constexpr int kMaxSpecDepth = 32;         // nested maps and lists
inline constexpr size_t kMaxListedErrors = 50;   // errors spelled out in one message

struct WorkloadDocument {
  WorkloadSpec spec;
  // metadata.generation, when given: a precondition. The apply succeeds only if the stored
  // workload is at this generation (409 Conflict otherwise, SPEC.md section 6).
  std::optional<int64_t> generation;
  friend bool operator==(const WorkloadDocument&, const WorkloadDocument&) = default;
};

// Parses and validates every workload in `text`. Checks: apiVersion "herd.dev/v1alpha1" and
// kind "Workload" (each may be omitted); metadata.name; no unknown field anywhere (named by its
// full path); the right type for every field (a map or a list where a string is expected is an
// error; a plain `yes` stays the string "yes"); integers integral and in range; memory a
// Kubernetes quantity; then Validate (workload_spec.h); names unique within the request.
// Accepted and ignored, so that objects copied from `herd get -o yaml` or `kubectl get -o yaml`
// apply: metadata.{namespace, uid, resourceVersion, creationTimestamp, annotations, ...} and
// the status block.
//
// Errors: kInvalidArgument listing every bad workload (see above), or naming the syntax error,
// the nesting beyond kMaxSpecDepth, or "no workload documents"; kResourceExhausted for input
// beyond kMaxSpecInputBytes, kMaxDocuments or kMaxSpecNodes.
Result<std::vector<WorkloadDocument>> ParseWorkloadDocuments(std::string_view text);

// True for a list document: a map whose kind is WorkloadList (or List), holding `items`.
bool IsWorkloadListNode(const SpecNode& node);

// One Workload object already decoded as JSON (a custom resource from the API server). Same
// checks and errors; the message is not prefixed with a document number.
Result<WorkloadDocument> ParseWorkloadObject(const nlohmann::json& object);

// The Kubernetes-shaped object {apiVersion, kind, metadata: {name, labels}, spec: {...}} with
// defaults filled in; memory as a quantity string ("64Mi"). Empty labels, env, workingDir and
// image, and zero resources, are left out. `spec` should be valid (strings valid UTF-8).
nlohmann::json WorkloadToJson(const WorkloadSpec& spec);

// YAML for `herd get -o yaml`: block style, two-space indent, Kubernetes' layout of lists
// under keys; a string is quoted whenever it could read back as anything but that string.
// Any JSON value; one document, ending in a newline.
std::string JsonToYaml(const nlohmann::json& value);

}  // namespace herd::sidecar
