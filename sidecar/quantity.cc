#include "sidecar/quantity.h"

#include <array>
#include <limits>

namespace herd::sidecar {
namespace {

constexpr int kMaxSignificantDigits = 19;  // fits a uint64_t, so shifts by 60 fit 128 bits
constexpr int64_t kExponentClamp = 1000;   // far beyond any int64 and any rounding to 1
constexpr unsigned __int128 kInt64Max = std::numeric_limits<int64_t>::max();

Status NotAQuantity() {
  return InvalidArgument("must be a quantity such as 64Mi, 1Gi, 500M or 1000");
}

Status TooLarge() { return InvalidArgument("is too large for a 64-bit integer"); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads the suffix into a binary shift (Ki = 10) or a decimal exponent (k = 3, m = -3).
bool ParseSuffix(std::string_view s, int* shift, int64_t* exponent) {
  static constexpr std::array<std::string_view, 6> kBinary = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  for (size_t i = 0; i < kBinary.size(); ++i) {
    if (s == kBinary[i]) {
      *shift = 10 * static_cast<int>(i + 1);
      return true;
    }
  }
  static constexpr std::array<std::pair<std::string_view, int>, 10> kDecimal = {{
      {"", 0},
      {"n", -9},
      {"u", -6},
      {"m", -3},
      {"k", 3},
      {"M", 6},
      {"G", 9},
      {"T", 12},
      {"P", 15},
      {"E", 18},
  }};
  for (const auto& [name, e] : kDecimal) {
    if (s == name) {
      *exponent = e;
      return true;
    }
  }
  if (s.size() < 2 || (s[0] != 'e' && s[0] != 'E')) return false;
  size_t i = 1;
  bool negative = false;
  if (s[i] == '+' || s[i] == '-') negative = s[i++] == '-';
  if (i == s.size()) return false;
  int64_t e = 0;
  for (; i < s.size(); ++i) {
    if (!IsDigit(s[i])) return false;
    e = std::min<int64_t>(e * 10 + (s[i] - '0'), kExponentClamp);
  }
  *exponent = negative ? -e : e;
  return true;
}

}  // namespace

Result<int64_t> ParseQuantity(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  // Digits before and after the point, as one string of digits and a count after the point.
  std::string digits;
  int64_t fraction_length = 0;
  bool seen_point = false;
  bool seen_digit = false;
  for (; i < text.size(); ++i) {
    if (IsDigit(text[i])) {
      seen_digit = true;
      digits += text[i];
      if (seen_point) ++fraction_length;
    } else if (text[i] == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!seen_digit) return NotAQuantity();
  int shift = 0;
  int64_t exponent = 0;
  if (!ParseSuffix(text.substr(i), &shift, &exponent)) return NotAQuantity();

  // value = digits * 10^(exponent - fraction_length) * 2^shift, rounded up.
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return int64_t{0};
  size_t last = digits.find_last_not_of('0');
  int64_t e10 = exponent - fraction_length + static_cast<int64_t>(digits.size() - 1 - last);
  std::string_view significant = std::string_view(digits).substr(first, last - first + 1);
  if (significant.size() > kMaxSignificantDigits) {
    return InvalidArgument("must have at most 19 significant digits");
  }
  // A negative quantity may reach -2^63; a positive one 2^63 - 1.
  const unsigned __int128 limit = negative ? kInt64Max + 1 : kInt64Max;
  unsigned __int128 v = 0;
  for (char c : significant) v = v * 10 + static_cast<unsigned>(c - '0');
  if (e10 >= 0) {
    for (int64_t k = 0; k < e10; ++k) {
      v *= 10;
      if (v > limit) return TooLarge();
    }
    if (v > (limit >> shift)) return TooLarge();
    v <<= shift;
  } else {
    v <<= shift;
    if (-e10 > 38) {
      v = 1;  // a positive value far below one unit rounds up to one
    } else {
      unsigned __int128 d = 1;
      for (int64_t k = 0; k < -e10; ++k) d *= 10;
      v = (v + d - 1) / d;
    }
    if (v > limit) return TooLarge();
  }
  if (!negative) return static_cast<int64_t>(v);
  return static_cast<int64_t>(-static_cast<uint64_t>(v));  // two's complement; -2^63 included
}

std::string FormatQuantity(int64_t v) {
  if (v == 0) return "0";
  const std::string sign = v < 0 ? "-" : "";
  // The magnitude as unsigned, so that -2^63 works too.
  const uint64_t m = v < 0 ? -static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  std::string best = sign + std::to_string(m);
  static constexpr std::array<std::string_view, 6> kBinary = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  for (int k = 6; k >= 1; --k) {
    if (m % (uint64_t{1} << (10 * k)) == 0) {
      std::string s = sign + std::to_string(m >> (10 * k)) + std::string(kBinary[k - 1]);
      if (s.size() < best.size()) best = s;
      break;
    }
  }
  static constexpr std::array<std::string_view, 6> kDecimal = {"k", "M", "G", "T", "P", "E"};
  uint64_t scale = 1;
  for (int k = 1; k <= 6; ++k) {
    scale *= 1000;
    if (m % scale != 0) break;
    std::string s = sign + std::to_string(m / scale) + std::string(kDecimal[k - 1]);
    if (s.size() < best.size()) best = s;
  }
  return best;
}

}  // namespace herd::sidecar
