// Output helpers for the `herd` CLI: kubectl-style tables and ages, RFC 3339 timestamps, and
// the -o formats shared by `get` and `status`. Pure functions and a value type; any thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace herd::sidecar {

// A table printed like kubectl's: a header row, columns left-aligned and separated by three
// spaces, the last column not padded. Empty cells print as "<none>".
class CliTable {
 public:
  explicit CliTable(std::vector<std::string> headers);
  // A row with one cell per header (missing cells are empty, extra cells are dropped).
  void AddRow(std::vector<std::string> cells);
  size_t rows() const { return rows_.size() - 1; }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;  // rows_[0] is the header
};

// kubectl's age (apimachinery HumanDuration): "45s", "119s", "3m12s", "12m", "5h", "5h30m",
// "3d", "3d4h", "400d", "2y30d". Slightly negative ages (clock skew up to 2 s) print "0s";
// more negative ones "<invalid>".
std::string FormatAge(int64_t elapsed_ms);

// Milliseconds since the Unix epoch for an RFC 3339 timestamp ("2026-11-26T09:00:00Z",
// fractional seconds and a +hh:mm / -hh:mm offset allowed). Errors: kInvalidArgument.
Result<int64_t> ParseRfc3339Millis(std::string_view text);

// A JSON scalar as a table cell: strings as they are, numbers and booleans as written, null
// or missing as "".
std::string CellText(const nlohmann::json& value);

// `value` at the JSON pointer-like path of keys ("status", "owner"), or null when any step is
// missing or not an object.
const nlohmann::json& JsonAt(const nlohmann::json& value, std::initializer_list<const char*> keys);

enum class OutputFormat { kTable, kWide, kYaml, kJson, kName };

// Parses -o. `allowed` limits what a command accepts. Errors: kInvalidArgument naming the
// value and what is supported.
Result<OutputFormat> ParseOutputFormat(std::string_view text,
                                       std::initializer_list<OutputFormat> allowed);

// Prints `value` as -o yaml (JsonToYaml) or -o json (two-space indent), ending in a newline.
void PrintStructured(std::ostream& out, const nlohmann::json& value, OutputFormat format);

}  // namespace herd::sidecar
