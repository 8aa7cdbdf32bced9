#include "k8s/endpoint_slice.h"

#include <utility>

namespace herd::k8s {
namespace {

using nlohmann::json;

constexpr size_t kMaxName = 253;

// Names end up as member names and in log lines: printable ASCII without separators that the
// static member syntax ("a=host:port,b=...") or a key=value log line would trip on.
bool ValidName(const std::string& s) {
  if (s.empty() || s.size() > kMaxName) return false;
  for (unsigned char c : s) {
    if (c <= ' ' || c >= 0x7f || c == '=' || c == ',' || c == '/' || c == '"') return false;
  }
  return true;
}

// IPv4, IPv6 or a DNS name: letters, digits, '.', '-', ':' (and '%' for an IPv6 zone).
bool ValidAddress(const std::string& s) {
  if (s.empty() || s.size() > kMaxName) return false;
  for (unsigned char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '.' || c == '-' || c == ':' || c == '%';
    if (!ok) return false;
  }
  return true;
}

const json* Member(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<int> PickPort(const json& slice, std::string_view port_name) {
  const json* ports = Member(slice, "ports");
  if (ports == nullptr) return InvalidArgument("EndpointSlice has no ports", "ports");
  if (!ports->is_array()) return InvalidArgument("ports must be an array", "ports");
  if (ports->empty()) return InvalidArgument("EndpointSlice has no ports", "ports");
  if (ports->size() > 100) return InvalidArgument("too many ports (max 100)", "ports");
  size_t chosen = 0;
  for (size_t i = 0; i < ports->size(); ++i) {
    const json& p = (*ports)[i];
    std::string field = "ports[" + std::to_string(i) + "]";
    if (!p.is_object()) return InvalidArgument(field + " must be an object", field);
    const json* name = Member(p, "name");
    if (name != nullptr && !name->is_string()) {
      return InvalidArgument(field + ".name must be a string", field + ".name");
    }
    if (name != nullptr && name->get_ref<const std::string&>() == port_name) {
      chosen = i;
      break;
    }
  }
  std::string field = "ports[" + std::to_string(chosen) + "].port";
  const json* port = Member((*ports)[chosen], "port");
  if (port == nullptr || !port->is_number_integer()) {
    return InvalidArgument(field + " must be an integer", field);
  }
  int64_t value = port->get<int64_t>();
  if (value < 1 || value > 65535) {
    return InvalidArgument(field + " must be in 1..65535, got " + std::to_string(value), field);
  }
  return static_cast<int>(value);
}

Result<SliceEndpoint> DecodeEndpoint(const json& e, size_t index, bool ipv6, int port) {
  std::string field = "endpoints[" + std::to_string(index) + "]";
  if (!e.is_object()) return InvalidArgument(field + " must be an object", field);
  SliceEndpoint out;

  const json* addresses = Member(e, "addresses");
  if (addresses == nullptr || !addresses->is_array() || addresses->empty()) {
    return InvalidArgument(field + ".addresses must be a non-empty array", field + ".addresses");
  }
  const json& first = (*addresses)[0];
  if (!first.is_string() || !ValidAddress(first.get_ref<const std::string&>())) {
    return InvalidArgument(field + ".addresses[0] must be an IP address or DNS name",
                           field + ".addresses[0]");
  }
  const std::string& ip = first.get_ref<const std::string&>();
  bool bracket = ipv6 || ip.find(':') != std::string::npos;
  out.address = (bracket ? "[" + ip + "]" : ip) + ":" + std::to_string(port);

  if (const json* conditions = Member(e, "conditions")) {
    if (!conditions->is_object()) {
      return InvalidArgument(field + ".conditions must be an object", field + ".conditions");
    }
    if (const json* ready = Member(*conditions, "ready")) {
      if (!ready->is_boolean()) {
        return InvalidArgument(field + ".conditions.ready must be a boolean",
                               field + ".conditions.ready");
      }
      out.ready = ready->get<bool>();
    }
  }

  const json* target = Member(e, "targetRef");
  if (target != nullptr && !target->is_object()) {
    return InvalidArgument(field + ".targetRef must be an object", field + ".targetRef");
  }
  const json* name = target != nullptr ? Member(*target, "name") : nullptr;
  std::string name_field = field + ".targetRef.name";
  if (name == nullptr) {
    name = Member(e, "hostname");
    name_field = field + ".hostname";
  }
  if (name == nullptr) {
    return InvalidArgument(field + " has neither targetRef.name nor hostname", field);
  }
  if (!name->is_string() || !ValidName(name->get_ref<const std::string&>())) {
    return InvalidArgument(name_field + " must be a name of 1..253 printable characters",
                           name_field);
  }
  out.name = name->get<std::string>();
  return out;
}

}  // namespace

Result<EndpointSliceInfo> DecodeEndpointSlice(const json& slice, std::string_view port_name) {
  if (!slice.is_object()) return InvalidArgument("EndpointSlice must be a JSON object");
  if (const json* kind = Member(slice, "kind")) {
    if (!kind->is_string() || kind->get_ref<const std::string&>() != "EndpointSlice") {
      return InvalidArgument("kind must be EndpointSlice", "kind");
    }
  }
  EndpointSliceInfo info;
  const json* meta = Member(slice, "metadata");
  if (meta == nullptr || !meta->is_object()) {
    return InvalidArgument("metadata must be an object", "metadata");
  }
  const json* name = Member(*meta, "name");
  if (name == nullptr || !name->is_string() || !ValidName(name->get_ref<const std::string&>())) {
    return InvalidArgument("metadata.name must be a name of 1..253 printable characters",
                           "metadata.name");
  }
  info.name = name->get<std::string>();
  if (const json* ns = Member(*meta, "namespace")) {
    if (!ns->is_string()) {
      return InvalidArgument("metadata.namespace must be a string", "metadata.namespace");
    }
    info.namespace_ = ns->get<std::string>();
  }

  bool ipv6 = false;
  if (const json* type = Member(slice, "addressType")) {
    if (!type->is_string()) return InvalidArgument("addressType must be a string", "addressType");
    const std::string& t = type->get_ref<const std::string&>();
    if (t != "IPv4" && t != "IPv6" && t != "FQDN") {
      return InvalidArgument("addressType must be IPv4, IPv6 or FQDN", "addressType");
    }
    ipv6 = t == "IPv6";
  }

  const json* endpoints = Member(slice, "endpoints");
  if (endpoints == nullptr) return info;  // a slice with no endpoints yet
  if (!endpoints->is_array()) return InvalidArgument("endpoints must be an array", "endpoints");
  if (endpoints->size() > kMaxEndpoints) {
    return InvalidArgument("too many endpoints (max " + std::to_string(kMaxEndpoints) + ")",
                           "endpoints");
  }
  if (endpoints->empty()) return info;
  ASSIGN_OR_RETURN(int port, PickPort(slice, port_name));
  for (size_t i = 0; i < endpoints->size(); ++i) {
    ASSIGN_OR_RETURN(SliceEndpoint e, DecodeEndpoint((*endpoints)[i], i, ipv6, port));
    info.endpoints.push_back(std::move(e));
  }
  return info;
}

Result<EndpointSliceInfo> DecodeEndpointSliceJson(std::string_view bytes,
                                                  std::string_view port_name) {
  if (bytes.size() > kMaxSliceBytes) {
    return InvalidArgument("EndpointSlice JSON larger than " + std::to_string(kMaxSliceBytes) +
                           " bytes");
  }
  // nlohmann's parser is iterative (no recursion on deep nesting) and, without exceptions,
  // reports malformed input as a discarded value.
  json j = json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("EndpointSlice is not valid JSON");
  return DecodeEndpointSlice(j, port_name);
}

}  // namespace herd::k8s
