#include "common/duration.h"

#include <cstdint>

namespace herd {
namespace {

constexpr int64_t kMaxMs = int64_t{10} * 366 * 24 * 3600 * 1000;

Status Bad(std::string_view text, std::string_view why) {
  return InvalidArgument("invalid duration \"" + std::string(text) + "\": " + std::string(why));
}

}  // namespace

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  if (text.empty()) return Bad(text, "empty");
  if (text == "0") return std::chrono::milliseconds(0);
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9')
      return Bad(text, "expected a number at \"" + std::string(text.substr(i)) + "\"");
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + (text[i++] - '0');
      if (n > kMaxMs) return Bad(text, "too large");
    }
    const size_t unit_start = i;
    while (i < text.size() && (text[i] < '0' || text[i] > '9')) ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    int64_t scale = 0;
    if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60'000;
    } else if (unit == "h") {
      scale = 3'600'000;
    } else if (unit.empty()) {
      return Bad(text, "missing unit; use ms, s, m or h");
    } else {
      return Bad(text, "unknown unit \"" + std::string(unit) + "\"; use ms, s, m or h");
    }
    if (n > kMaxMs / scale) return Bad(text, "too large");
    total += n * scale;
    if (total > kMaxMs) return Bad(text, "too large");
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms <= 0) return "0s";
  std::string out;
  const int64_t h = ms / 3'600'000;
  ms %= 3'600'000;
  const int64_t m = ms / 60'000;
  ms %= 60'000;
  const int64_t s = ms / 1000;
  ms %= 1000;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (s) out += std::to_string(s) + "s";
  if (ms) out += std::to_string(ms) + "ms";
  return out;
}

}  // namespace herd
