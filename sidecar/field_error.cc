#include "sidecar/field_error.h"

namespace herd::sidecar {
namespace {

constexpr size_t kMaxShownBytes = 64;

Status Make(std::string field, std::string_view body) {
  std::string message = field;
  message += ": ";
  message += body;
  return InvalidArgument(std::move(message), std::move(field));
}

}  // namespace

std::string QuoteValue(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  size_t shown = 0;
  for (; shown < s.size() && shown < kMaxShownBytes; ++shown) {
    unsigned char c = static_cast<unsigned char>(s[shown]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        // Bytes >= 0x80 pass through: UTF-8 is printable, and a bad sequence is reported by
        // the rule that rejects it, not hidden here.
        if (c < 0x20 || c == 0x7F) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  if (shown < s.size()) out += "...";
  return out;
}

Status FieldRequired(std::string field, std::string_view detail) {
  std::string body = "Required value";
  if (!detail.empty()) {
    body += ": ";
    body += detail;
  }
  return Make(std::move(field), body);
}

Status FieldInvalid(std::string field, std::string_view shown, std::string_view detail) {
  std::string body = "Invalid value: ";
  body += shown;
  body += ": ";
  body += detail;
  return Make(std::move(field), body);
}

Status FieldInvalid(std::string field, int64_t n, std::string_view detail) {
  return FieldInvalid(std::move(field), std::to_string(n), detail);
}

Status FieldUnsupported(std::string field, std::string_view value,
                        std::initializer_list<std::string_view> supported) {
  std::string body = "Unsupported value: " + QuoteValue(value) + ": supported values: ";
  bool first = true;
  for (std::string_view s : supported) {
    if (!first) body += ", ";
    first = false;
    body += QuoteValue(s);
  }
  return Make(std::move(field), body);
}

Status FieldDuplicate(std::string field, std::string_view value) {
  return Make(std::move(field), "Duplicate value: " + QuoteValue(value));
}

Status FieldForbidden(std::string field, std::string_view detail) {
  return Make(std::move(field), "Forbidden: " + std::string(detail));
}

Status FieldTooLong(std::string field, std::string_view detail) {
  return Make(std::move(field), "Too long: " + std::string(detail));
}

Status FieldTooMany(std::string field, size_t n, size_t max) {
  return Make(std::move(field), "Too many: " + std::to_string(n) + ": must have at most " +
                                    std::to_string(max) + " items");
}

Status FieldWrongType(std::string field, std::string_view expected, std::string_view got) {
  std::string body = "Invalid type: expected ";
  body += expected;
  body += ", got ";
  body += got;
  return Make(std::move(field), body);
}

// A key from the input as it appears in a field path: itself when short and printable,
// otherwise quoted and cut short so a hostile key cannot bloat the path.
std::string PathKey(std::string_view key) {
  bool plain = !key.empty() && key.size() <= kMaxShownBytes;
  for (char c : key) plain = plain && c > 0x20 && c < 0x7F;
  return plain ? std::string(key) : QuoteValue(key);
}

Status FieldUnknown(std::string_view parent, std::string_view key) {
  return Make(FieldPath(parent, PathKey(key)), "unknown field " + QuoteValue(key));
}

Status FieldDuplicateKey(std::string_view parent, std::string_view key) {
  return Make(FieldPath(parent, PathKey(key)), "duplicate field " + QuoteValue(key));
}

std::string FieldPath(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

std::string FieldIndex(std::string_view parent, size_t index) {
  std::string out(parent);
  out += '[';
  out += std::to_string(index);
  out += ']';
  return out;
}

}  // namespace herd::sidecar
