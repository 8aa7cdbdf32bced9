#include "sidecar/cli_format.h"

#include <algorithm>
#include <charconv>

#include "sidecar/spec_parser.h"

namespace herd::sidecar {
namespace {

std::string_view FormatName(OutputFormat f) {
  switch (f) {
    case OutputFormat::kTable:
      return "table";
    case OutputFormat::kWide:
      return "wide";
    case OutputFormat::kYaml:
      return "yaml";
    case OutputFormat::kJson:
      return "json";
    case OutputFormat::kName:
      return "name";
  }
  return "";
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Reads exactly `n` digits at `*pos`.
bool Digits(std::string_view s, size_t* pos, size_t n, int* out) {
  if (*pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, std::string_view chars) {
  if (*pos >= s.size() || chars.find(s[*pos]) == std::string_view::npos) return false;
  ++*pos;
  return true;
}

}  // namespace

CliTable::CliTable(std::vector<std::string> headers) { rows_.push_back(std::move(headers)); }

void CliTable::AddRow(std::vector<std::string> cells) {
  cells.resize(rows_[0].size());
  for (std::string& c : cells) {
    if (c.empty()) c = "<none>";
  }
  rows_.push_back(std::move(cells));
}

void CliTable::Print(std::ostream& out) const {
  const size_t columns = rows_[0].size();
  std::vector<size_t> width(columns, 0);
  for (const auto& row : rows_) {
    for (size_t c = 0; c < columns; ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (const auto& row : rows_) {
    std::string line;
    for (size_t c = 0; c < columns; ++c) {
      line += row[c];
      if (c + 1 < columns) line.append(width[c] - row[c].size() + 3, ' ');
    }
    out << line << "\n";
  }
}

std::string FormatAge(int64_t elapsed_ms) {
  const int64_t seconds = elapsed_ms / 1000;
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return std::to_string(seconds) + "s";
  const int64_t minutes = seconds / 60;
  if (minutes < 10) {
    const int64_t s = seconds % 60;
    return std::to_string(minutes) + "m" + (s == 0 ? "" : std::to_string(s) + "s");
  }
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";
  const int64_t hours = minutes / 60;
  if (hours < 8) {
    const int64_t m = minutes % 60;
    return std::to_string(hours) + "h" + (m == 0 ? "" : std::to_string(m) + "m");
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    const int64_t h = hours % 24;
    return std::to_string(hours / 24) + "d" + (h == 0 ? "" : std::to_string(h) + "h");
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    const int64_t dy = (hours / 24) % 365;
    return std::to_string(hours / 24 / 365) + "y" + (dy == 0 ? "" : std::to_string(dy) + "d");
  }
  return std::to_string(hours / 24 / 365) + "y";
}

Result<int64_t> ParseRfc3339Millis(std::string_view s) {
  size_t p = 0;
  int year, month, day, hour, minute, second;
  const bool ok = Digits(s, &p, 4, &year) && Expect(s, &p, "-") && Digits(s, &p, 2, &month) &&
                  Expect(s, &p, "-") && Digits(s, &p, 2, &day) && Expect(s, &p, "Tt ") &&
                  Digits(s, &p, 2, &hour) && Expect(s, &p, ":") && Digits(s, &p, 2, &minute) &&
                  Expect(s, &p, ":") && Digits(s, &p, 2, &second);
  auto bad = [&] {
    return InvalidArgument("invalid RFC 3339 timestamp \"" + std::string(s) + "\"");
  };
  if (!ok || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
      second > 60) {
    return bad();
  }
  int64_t millis = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    int64_t scale = 100;
    const size_t start = p;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      millis += (s[p] - '0') * scale;
      scale /= 10;
      ++p;
    }
    if (p == start) return bad();
  }
  int64_t offset_minutes = 0;
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    const int sign = s[p++] == '-' ? -1 : 1;
    int oh, om;
    if (!Digits(s, &p, 2, &oh) || !Expect(s, &p, ":") || !Digits(s, &p, 2, &om)) return bad();
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return bad();
  }
  if (p != s.size()) return bad();
  const int64_t days =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return secs * 1000 + millis;
}

std::string CellText(const nlohmann::json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

const nlohmann::json& JsonAt(const nlohmann::json& value, std::initializer_list<const char*> keys) {
  static const nlohmann::json kNull;
  const nlohmann::json* at = &value;
  for (const char* key : keys) {
    if (!at->is_object()) return kNull;
    auto it = at->find(key);
    if (it == at->end()) return kNull;
    at = &*it;
  }
  return *at;
}

Result<OutputFormat> ParseOutputFormat(std::string_view text,
                                       std::initializer_list<OutputFormat> allowed) {
  std::string supported;
  for (OutputFormat f : allowed) {
    if (FormatName(f) == text) return f;
    if (!supported.empty()) supported += ", ";
    supported += FormatName(f);
  }
  return InvalidArgument(
      "unsupported output format \"" + std::string(text) + "\": supported formats are " + supported,
      "--output");
}

void PrintStructured(std::ostream& out, const nlohmann::json& value, OutputFormat format) {
  if (format == OutputFormat::kYaml) {
    out << JsonToYaml(value);
  } else {
    out << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
}

}  // namespace herd::sidecar
