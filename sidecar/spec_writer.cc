// WorkloadToJson and JsonToYaml (declared in spec_parser.h): the writing half of the spec
// round trip.
#include <string>

#include "sidecar/quantity.h"
#include "sidecar/spec_parser.h"
#include "sidecar/utf8.h"

namespace herd::sidecar {
namespace {

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Words a YAML reader (1.1 or 1.2) may take for null or a boolean.
bool IsReservedWord(std::string_view s) {
  static constexpr std::string_view kWords[] = {"null", "true", "false", "yes", "no",
                                                "on",   "off",  "y",     "n"};
  if (s.size() > 5) return false;
  std::string lower;
  for (char c : s) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  for (std::string_view w : kWords) {
    if (lower == w) return true;
  }
  return false;
}

// True when `s` can be written as a plain block scalar and read back as the same string. Kept
// conservative: anything that might be a number, a bool, null, an indicator or a comment is
// quoted.
bool IsSafePlain(std::string_view s) {
  if (s.empty() || IsReservedWord(s)) return false;
  const char first = s.front();
  // "-c" and "--shard" are safe; "-1", "- x" and "---" are not.
  const size_t dashes = s.starts_with("--") ? 2 : (first == '-' ? 1 : 0);
  const bool dash_word =
      dashes > 0 && s.size() > dashes &&
      ((s[dashes] >= 'a' && s[dashes] <= 'z') || (s[dashes] >= 'A' && s[dashes] <= 'Z'));
  if (!(first >= 'a' && first <= 'z') && !(first >= 'A' && first <= 'Z') && first != '/' &&
      first != '_' && !dash_word) {
    return false;  // digits, '.', '+', '-' may start numbers; the rest are indicators
  }
  if (s.back() == ' ' || s.back() == ':') return false;
  static constexpr std::string_view kAllowed = "-_./=+@%^()<>;$~:#!?*& ";
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (!IsAsciiAlnum(c) && kAllowed.find(c) == std::string_view::npos) return false;
    if (c == ':' && i + 1 < s.size() && s[i + 1] == ' ') return false;  // "key: value"
    if (c == '#' && s[i - 1] == ' ') return false;                      // " #comment"
  }
  return true;
}

void AppendDoubleQuoted(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  *out += '"';
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t start = pos;
    const int32_t cp = DecodeUtf8(s, &pos);
    switch (cp) {
      case '"':
        *out += "\\\"";
        continue;
      case '\\':
        *out += "\\\\";
        continue;
      case '\n':
        *out += "\\n";
        continue;
      case '\t':
        *out += "\\t";
        continue;
      case '\r':
        *out += "\\r";
        continue;
      default:
        break;
    }
    // YAML prints only these; everything else is escaped (an invalid byte as its Latin-1
    // code point, the best a text format can do).
    // Line separators (U+0085, U+2028, U+2029) and the byte order mark are escaped too.
    const bool printable = (cp >= 0x20 && cp <= 0x7E) ||
                           (cp >= 0xA0 && cp <= 0xD7FF && cp != 0x2028 && cp != 0x2029) ||
                           (cp >= 0xE000 && cp <= 0xFFFD && cp != 0xFEFF) || cp >= 0x10000;
    if (printable) {
      out->append(s.substr(start, pos - start));
      continue;
    }
    const uint32_t v = cp < 0 ? static_cast<unsigned char>(s[start]) : static_cast<uint32_t>(cp);
    *out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) *out += kHex[(v >> shift) & 0xF];
  }
  *out += '"';
}

void AppendString(std::string_view s, std::string* out) {
  if (IsSafePlain(s)) {
    out->append(s);
  } else {
    AppendDoubleQuoted(s, out);
  }
}

bool IsEmptyCollection(const nlohmann::json& v) {
  return (v.is_object() || v.is_array()) && v.empty();
}

void AppendScalar(const nlohmann::json& v, std::string* out) {
  if (v.is_string()) {
    AppendString(v.get_ref<const std::string&>(), out);
  } else if (v.is_object()) {
    *out += "{}";
  } else if (v.is_array()) {
    *out += "[]";
  } else if (v.is_binary() || v.is_discarded()) {
    *out += "null";
  } else {
    *out += v.dump();  // numbers, booleans and null read back the same in YAML
  }
}

// Writes a non-empty map or list at `indent`. When `inline_first`, the cursor already stands
// at column `indent` (after "- "), so the first line gets no indentation of its own.
void AppendBlock(const nlohmann::json& v, size_t indent, bool inline_first, std::string* out) {
  bool first = true;
  auto line_start = [&] {
    if (!(first && inline_first)) out->append(indent, ' ');
    first = false;
  };
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      line_start();
      AppendString(it.key(), out);
      *out += ':';
      const nlohmann::json& child = it.value();
      if (child.is_object() && !child.empty()) {
        *out += '\n';
        AppendBlock(child, indent + 2, false, out);
      } else if (child.is_array() && !child.empty()) {
        *out += '\n';
        AppendBlock(child, indent, false, out);  // Kubernetes' style: "key:\n- item"
      } else {
        *out += ' ';
        AppendScalar(child, out);
        *out += '\n';
      }
    }
    return;
  }
  for (const nlohmann::json& item : v) {
    line_start();
    *out += "- ";
    if ((item.is_object() || item.is_array()) && !item.empty()) {
      AppendBlock(item, indent + 2, true, out);
    } else {
      AppendScalar(item, out);
      *out += '\n';
    }
  }
}

}  // namespace

nlohmann::json WorkloadToJson(const WorkloadSpec& spec) {
  nlohmann::json metadata = {{"name", spec.name}};
  if (!spec.labels.empty()) metadata["labels"] = spec.labels;

  nlohmann::json s = nlohmann::json::object();
  s["runtime"] = std::string(RuntimeName(spec.runtime));
  s["command"] = spec.command;
  if (!spec.env.empty()) {
    nlohmann::json env = nlohmann::json::array();
    for (const EnvVar& var : spec.env) env.push_back({{"name", var.name}, {"value", var.value}});
    s["env"] = std::move(env);
  }
  if (!spec.working_dir.empty()) s["workingDir"] = spec.working_dir;
  if (!spec.image.empty()) s["image"] = spec.image;
  s["restart"] = std::string(RestartPolicyName(spec.restart));
  s["shutdownTimeoutSeconds"] = spec.shutdown_timeout_seconds;
  s["maxRestarts"] = spec.max_restarts;
  s["maxSeconds"] = spec.max_seconds;
  nlohmann::json resources = nlohmann::json::object();
  if (spec.resources.memory_bytes != 0) {
    resources["memory"] = FormatQuantity(spec.resources.memory_bytes);
  }
  if (spec.resources.pids != 0) resources["pids"] = spec.resources.pids;
  if (!resources.empty()) s["resources"] = std::move(resources);

  return {{"apiVersion", std::string(kApiVersion)},
          {"kind", std::string(kWorkloadKind)},
          {"metadata", std::move(metadata)},
          {"spec", std::move(s)}};
}

std::string JsonToYaml(const nlohmann::json& value) {
  std::string out;
  if ((value.is_object() || value.is_array()) && !IsEmptyCollection(value)) {
    AppendBlock(value, 0, false, &out);
  } else {
    AppendScalar(value, &out);
    out += '\n';
  }
  return out;
}

}  // namespace herd::sidecar
