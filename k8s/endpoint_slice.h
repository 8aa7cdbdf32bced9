// EndpointSlice decoding: turns a discovery.k8s.io/v1 EndpointSlice object into the endpoints
// herd cares about (name, "address:port", ready).
//
// The decoder reads bytes that come from outside (the API server), so it checks everything it
// uses and is bounded: at most kMaxSliceBytes of JSON, kMaxEndpoints endpoints, names and
// addresses of at most 253 characters. A slice that breaks a rule is rejected whole with
// kInvalidArgument naming the field ("endpoints[2].addresses"); nothing is half-decoded.
//
// Rules (DESIGN.md "Membership"): an endpoint is ready when conditions.ready is true or absent;
// its name is targetRef.name, else hostname; its address is addresses[0] (IPv6 in brackets)
// plus ":" plus the port named `port_name` ("peer"), else the slice's first port.
//
// Pure functions; call them from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace herd::k8s {

inline constexpr size_t kMaxSliceBytes = 1 << 20;
inline constexpr size_t kMaxEndpoints = 1000;  // the API server's own limit per slice

struct SliceEndpoint {
  std::string name;     // targetRef.name or hostname
  std::string address;  // "10.0.0.7:7946", "[fd00::7]:7946"
  bool ready = true;
  friend bool operator==(const SliceEndpoint&, const SliceEndpoint&) = default;
};

struct EndpointSliceInfo {
  std::string name;        // metadata.name
  std::string namespace_;  // metadata.namespace ("" when absent)
  std::vector<SliceEndpoint> endpoints;
};

// Decodes a parsed EndpointSlice object. Errors: kInvalidArgument with the field at fault.
Result<EndpointSliceInfo> DecodeEndpointSlice(const nlohmann::json& object,
                                              std::string_view port_name = "peer");

// Parses and decodes JSON bytes. Errors: kInvalidArgument (field "" for bytes that are not
// JSON or larger than kMaxSliceBytes), then as DecodeEndpointSlice.
Result<EndpointSliceInfo> DecodeEndpointSliceJson(std::string_view bytes,
                                                  std::string_view port_name = "peer");

}  // namespace herd::k8s
