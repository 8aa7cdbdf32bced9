// Fuzzes the Workload resource decoder (bytes from the API server) and CreateMergePatch: no
// input may crash; a decoded resource has a name and namespace, and a spec it accepts is valid
// and carries herd's labels; applying CreateMergePatch(a, b) to a gives b (b without nulls,
// which a merge patch cannot express).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "k8s/workload_resource.h"

namespace {

bool HasNull(const nlohmann::json& j) {
  if (j.is_null()) return true;
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (HasNull(v)) return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  nlohmann::json object = nlohmann::json::parse(bytes, nullptr, false);
  if (object.is_discarded()) return 0;
  herd::Result<herd::k8s::WorkloadResource> r = herd::k8s::DecodeWorkloadResource(object);
  if (!r.ok()) {
    if (r.status().code() != herd::StatusCode::kDataLoss) std::abort();
  } else {
    if (r->name.empty() || r->ns.empty()) std::abort();
    if (r->spec.has_value() == !r->spec_error.ok()) std::abort();  // exactly one of them
    if (r->spec) {
      if (!herd::sidecar::Validate(*r->spec).ok()) std::abort();
      if (!herd::k8s::ManagedBy(*r->spec, r->ns)) std::abort();
    }
    (void)herd::k8s::FinalizerPatch(*r, true);
  }
  if (object.is_object() && object.contains("a") && object.contains("b") &&
      object["a"].is_object() && object["b"].is_object() && !HasNull(object["b"])) {
    nlohmann::json patched = object["a"];
    patched.merge_patch(herd::k8s::CreateMergePatch(object["a"], object["b"]));
    if (patched != object["b"]) std::abort();
  }
  return 0;
}
