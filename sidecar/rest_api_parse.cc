#include "sidecar/rest_api_parse.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <set>

#include "common/duration.h"
#include "sidecar/field_error.h"
#include "sidecar/workload_spec.h"

namespace herd::sidecar {
namespace {

// A plain decimal integer without sign or spaces; false on anything else or overflow.
bool ParseDecimal(std::string_view text, uint64_t* out) {
  if (text.empty() || text.size() > 19) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool IsHostnameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.';
}

bool IsIpv6Char(char c) {
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == ':' ||
         c == '.';
}

std::string_view JsonTypeName(const nlohmann::json& j) { return j.type_name(); }

}  // namespace

Result<std::map<std::string, std::string>> ParseLabelSelector(const QueryParams& query) {
  std::map<std::string, std::string> selector;
  for (const auto& [key, value] : query) {
    if (key != "label") continue;
    std::string_view rest = value;
    while (true) {
      const size_t comma = rest.find(',');
      const std::string_view term = rest.substr(0, comma);
      const size_t eq = term.find('=');
      if (eq == std::string_view::npos) {
        return FieldInvalid("label", QuoteValue(term), "expected key=value");
      }
      const std::string k(term.substr(0, eq));
      const std::string v(term.substr(eq + 1));
      if (!IsLabelKey(k)) {
        return FieldInvalid("label", QuoteValue(k), "not a valid label key");
      }
      if (!IsLabelValue(v)) {
        return FieldInvalid("label", QuoteValue(v), "not a valid label value");
      }
      auto [it, inserted] = selector.emplace(k, v);
      if (!inserted && it->second != v) {
        return FieldInvalid("label", QuoteValue(term),
                            "key " + QuoteValue(k) + " is already selected with another value");
      }
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }
  return selector;
}

Result<size_t> ParseLimit(std::optional<std::string_view> text, size_t max_limit) {
  if (!text) return max_limit;
  uint64_t n = 0;
  if (!ParseDecimal(*text, &n) || n == 0) {
    return FieldInvalid("limit", QuoteValue(*text), "must be a positive integer");
  }
  if (n > max_limit) {
    return FieldInvalid("limit", QuoteValue(*text), "must be at most " + std::to_string(max_limit));
  }
  return static_cast<size_t>(n);
}

Result<std::string> ParseContinue(std::optional<std::string_view> text) {
  if (!text || text->empty()) return std::string();
  if (!IsDns1123Label(*text)) {
    return FieldInvalid("continue", QuoteValue(*text), "not a continue token from a previous page");
  }
  return std::string(*text);
}

Result<size_t> ParseTail(std::optional<std::string_view> text) {
  if (!text) return size_t{0};
  uint64_t n = 0;
  if (!ParseDecimal(*text, &n)) {
    return FieldInvalid("tail", QuoteValue(*text), "must be a non-negative integer");
  }
  return static_cast<size_t>(n);
}

Result<std::optional<std::chrono::milliseconds>> ParseWait(std::optional<std::string_view> text,
                                                           std::chrono::milliseconds max) {
  if (!text) return std::optional<std::chrono::milliseconds>();
  Result<std::chrono::milliseconds> d = ParseDuration(*text);
  if (!d.ok()) return InvalidArgument("wait: " + d.status().message(), "wait");
  if (*d > max) {
    return FieldInvalid("wait", QuoteValue(*text), "must be at most " + FormatDuration(max));
  }
  return std::optional<std::chrono::milliseconds>(*d);
}

Status CheckPeerAddress(std::string_view address, const std::string& field) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) {
    return FieldInvalid(field, QuoteValue(address), "expected host:port");
  }
  const std::string_view host = address.substr(0, colon);
  const std::string_view port = address.substr(colon + 1);
  bool host_ok = !host.empty() && host.size() <= 255;
  if (host_ok && host.front() == '[') {
    host_ok = host.size() > 2 && host.back() == ']';
    for (char c : host.substr(1, host.size() >= 2 ? host.size() - 2 : 0)) {
      host_ok = host_ok && IsIpv6Char(c);
    }
  } else {
    for (char c : host) host_ok = host_ok && IsHostnameChar(c);
    host_ok = host_ok && host.front() != '-' && host.front() != '.';
  }
  if (!host_ok) {
    return FieldInvalid(field, QuoteValue(address),
                        "the host must be a DNS name, an IPv4 address or a [bracketed] IPv6 "
                        "address");
  }
  uint64_t n = 0;
  if (!ParseDecimal(port, &n) || n < 1 || n > 65535) {
    return FieldInvalid(field, QuoteValue(address), "the port must be 1..65535");
  }
  return Status::Ok();
}

Result<std::map<std::string, std::string>> ParseMembersBody(std::string_view body) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(std::string("body: malformed JSON: ") + e.what(), "body");
  }
  if (!doc.is_object()) return FieldWrongType("body", "object", JsonTypeName(doc));
  auto items = doc.find("items");
  if (items == doc.end() || items->is_null()) {
    return FieldRequired("items", "at least one member");
  }
  if (!items->is_array()) return FieldWrongType("items", "list", JsonTypeName(*items));
  if (items->empty()) return FieldRequired("items", "at least one member");
  if (items->size() > kMaxMembers) return FieldTooMany("items", items->size(), kMaxMembers);
  static const std::set<std::string, std::less<>> kIgnored = {"status", "incarnation", "declared"};
  std::map<std::string, std::string> members;
  for (size_t i = 0; i < items->size(); ++i) {
    const nlohmann::json& item = (*items)[i];
    const std::string path = FieldIndex("items", i);
    if (!item.is_object()) return FieldWrongType(path, "object", JsonTypeName(item));
    for (const auto& [key, value] : item.items()) {
      if (key != "name" && key != "address" && kIgnored.count(key) == 0) {
        return FieldUnknown(path, key);
      }
    }
    std::string fields[2];
    const char* const kKeys[2] = {"name", "address"};
    for (int k = 0; k < 2; ++k) {
      const std::string field = FieldPath(path, kKeys[k]);
      auto it = item.find(kKeys[k]);
      if (it == item.end() || it->is_null()) return FieldRequired(field);
      if (!it->is_string()) return FieldWrongType(field, "string", JsonTypeName(*it));
      fields[k] = it->get<std::string>();
    }
    const std::string& name = fields[0];
    if (!IsDns1123Label(name)) {
      return FieldInvalid(FieldPath(path, "name"), QuoteValue(name),
                          "must be a DNS-1123 label: 1-63 characters of a-z, 0-9 and '-', "
                          "starting and ending with a letter or digit");
    }
    RETURN_IF_ERROR(CheckPeerAddress(fields[1], FieldPath(path, "address")));
    if (!members.emplace(name, fields[1]).second) {
      return FieldDuplicate(FieldPath(path, "name"), name);
    }
  }
  return members;
}

}  // namespace herd::sidecar
