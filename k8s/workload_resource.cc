#include "k8s/workload_resource.h"

#include <algorithm>
#include <charconv>

#include "sidecar/object_json.h"
#include "sidecar/spec_parser.h"

namespace herd::k8s {
namespace {

using nlohmann::json;

constexpr std::string_view kApiPrefix = "/apis/herd.dev/v1alpha1/namespaces/";

Status BadObject(const std::string& what) {
  return Status(StatusCode::kDataLoss, "Workload resource: " + what);
}

// A string field of metadata: absent is "", another type is an error.
Result<std::string> MetaString(const json& meta, const char* key) {
  auto it = meta.find(key);
  if (it == meta.end() || it->is_null()) return std::string();
  if (!it->is_string()) return BadObject(std::string("metadata.") + key + " is not a string");
  return it->get<std::string>();
}

json Condition(std::string_view type, bool status, const std::string& reason,
               const std::string& message) {
  json c = {{"type", type}, {"status", status ? "True" : "False"}, {"reason", reason}};
  if (!message.empty()) c["message"] = message;
  return c;
}

}  // namespace

std::string WorkloadsPath(const std::string& ns) {
  return std::string(kApiPrefix) + ns + "/workloads";
}

std::string WorkloadPath(const std::string& ns, const std::string& name) {
  return WorkloadsPath(ns) + "/" + name;
}

std::string WorkloadStatusPath(const std::string& ns, const std::string& name) {
  return WorkloadPath(ns, name) + "/status";
}

bool WorkloadResource::has_finalizer() const {
  return std::find(finalizers.begin(), finalizers.end(), kWorkloadFinalizer) != finalizers.end();
}

Result<WorkloadResource> DecodeWorkloadResource(const json& object) {
  if (!object.is_object()) return BadObject("not an object");
  auto meta_it = object.find("metadata");
  if (meta_it == object.end() || !meta_it->is_object()) return BadObject("no metadata");
  const json& meta = *meta_it;
  WorkloadResource r;
  ASSIGN_OR_RETURN(r.name, MetaString(meta, "name"));
  ASSIGN_OR_RETURN(r.ns, MetaString(meta, "namespace"));
  if (r.name.empty()) return BadObject("no metadata.name");
  if (r.ns.empty()) return BadObject("no metadata.namespace (" + r.name + ")");
  ASSIGN_OR_RETURN(r.uid, MetaString(meta, "uid"));
  ASSIGN_OR_RETURN(r.resource_version, MetaString(meta, "resourceVersion"));
  ASSIGN_OR_RETURN(std::string deletion, MetaString(meta, "deletionTimestamp"));
  r.deleting = !deletion.empty();
  if (auto g = meta.find("generation"); g != meta.end() && !g->is_null()) {
    if (!g->is_number_integer()) return BadObject("metadata.generation is not an integer");
    r.generation = g->get<int64_t>();
  }
  if (auto f = meta.find("finalizers"); f != meta.end() && !f->is_null()) {
    if (!f->is_array()) return BadObject("metadata.finalizers is not a list");
    for (const json& item : *f) {
      if (!item.is_string()) return BadObject("metadata.finalizers holds a non-string");
      r.finalizers.push_back(item.get<std::string>());
    }
  }
  if (auto s = object.find("status"); s != object.end() && s->is_object()) r.status = *s;

  Result<sidecar::WorkloadDocument> doc = sidecar::ParseWorkloadObject(object);
  if (!doc.ok()) {
    r.spec_error = doc.status();
    return r;
  }
  sidecar::WorkloadSpec spec = std::move(doc->spec);
  spec.labels[std::string(kResourceLabel)] = r.ns;
  spec.labels[std::string(kResourceGenerationLabel)] = std::to_string(r.generation);
  if (Status valid = sidecar::Validate(spec); !valid.ok()) {
    r.spec_error = valid;  // e.g. herd's labels pushed the count over the limit
    return r;
  }
  r.spec = std::move(spec);
  return r;
}

bool ManagedBy(const sidecar::WorkloadSpec& spec, const std::string& ns) {
  auto it = spec.labels.find(std::string(kResourceLabel));
  return it != spec.labels.end() && it->second == ns;
}

json FinalizerPatch(const WorkloadResource& resource, bool present) {
  std::vector<std::string> finalizers;
  for (const std::string& f : resource.finalizers) {
    if (f != kWorkloadFinalizer) finalizers.push_back(f);
  }
  if (present) finalizers.emplace_back(kWorkloadFinalizer);
  return {
      {"metadata", {{"resourceVersion", resource.resource_version}, {"finalizers", finalizers}}}};
}

json ResourceStatus(const sidecar::WorkloadView& view) {
  json status = sidecar::WorkloadStatusObject(view);
  const bool current = !view.status || view.status->generation == view.record.generation;
  auto label = view.spec.labels.find(std::string(kResourceGenerationLabel));
  int64_t generation = 0;
  if (label != view.spec.labels.end()) {
    const std::string& v = label->second;
    std::from_chars(v.data(), v.data() + v.size(), generation);
  }
  if (current && generation > 0) {
    status["observedGeneration"] = generation;
    for (json& c : status["conditions"]) c["observedGeneration"] = generation;
  } else {
    status.erase("observedGeneration");
  }
  return status;
}

json RejectedStatus(int64_t generation, const std::string& reason, const std::string& message) {
  return {
      {"phase", "Failed"},
      {"message", message},
      {"observedGeneration", generation},
      {"conditions",
       {Condition("Ready", false, reason, message), Condition("Degraded", true, reason, message)}}};
}

json CreateMergePatch(const json& from, const json& to) {
  if (!from.is_object() || !to.is_object()) return to;
  json patch = json::object();
  for (auto it = from.begin(); it != from.end(); ++it) {
    if (!to.contains(it.key())) patch[it.key()] = nullptr;
  }
  for (auto it = to.begin(); it != to.end(); ++it) {
    auto old = from.find(it.key());
    if (old == from.end()) {
      patch[it.key()] = it.value();
    } else if (*old != it.value()) {
      patch[it.key()] =
          (old->is_object() && it->is_object()) ? CreateMergePatch(*old, *it) : it.value();
    }
  }
  return patch;
}

}  // namespace herd::k8s
