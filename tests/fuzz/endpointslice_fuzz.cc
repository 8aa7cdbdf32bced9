// Fuzzes the EndpointSlice decoder (bytes from the API server) and the membership computation
// built on it: no input may crash, hang or produce a member without a name and address.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "k8s/endpoint_membership.h"
#include "k8s/endpoint_slice.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  herd::Result<herd::k8s::EndpointSliceInfo> info = herd::k8s::DecodeEndpointSliceJson(bytes);
  if (!info.ok()) {
    if (info.status().code() != herd::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  for (const auto& e : info->endpoints) {
    if (e.name.empty() || e.address.empty() || e.address.find(':') == std::string::npos) {
      std::abort();
    }
  }
  herd::k8s::EndpointMembership membership(nullptr);
  nlohmann::json object = nlohmann::json::parse(bytes, nullptr, false);
  membership.Apply({true, {{herd::k8s::StoreEvent::Kind::kAdded, "ns/s", object, nullptr}}});
  if (membership.decode_errors() != 0) std::abort();  // it decoded above
  return 0;
}
