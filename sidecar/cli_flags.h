// Command-line flags for the `herd` CLI (sidecar/cli.h), in kubectl's forms:
//
//   --name value   --name=value   -n value   -nvalue   -b (a boolean flag)   --flag=true
//
// Flags and positional arguments may be mixed in any order; "--" ends the flags, and "-" alone
// is a positional argument (stdin for `-f -`). Pure functions; any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace herd::sidecar {

struct FlagSpec {
  std::string name;     // long name without dashes: "filename"
  char short_name = 0;  // 'f', or 0 when the flag has no short form
  bool takes_value = true;
};

struct ParsedArgs {
  std::vector<std::string> positionals;
  // Values by long name, in order of appearance; a boolean flag given stores "true"/"false".
  std::map<std::string, std::vector<std::string>> values;

  bool Has(std::string_view name) const { return values.count(std::string(name)) > 0; }
  // The last value of `name`, or `fallback` when the flag was not given.
  std::string Last(std::string_view name, std::string fallback = {}) const;
  // Every value of `name` (for flags that may repeat, like -f).
  std::vector<std::string> All(std::string_view name) const;
  // A boolean flag: true when given (and not given as =false).
  bool Bool(std::string_view name) const { return Last(name, "false") == "true"; }
};

// Parses `args` against `specs`. Errors (kInvalidArgument): an unknown flag ("unknown flag:
// --foo"), a missing value ("flag needs an argument: --server"), a bad boolean value.
Result<ParsedArgs> ParseFlags(const std::vector<std::string>& args,
                              const std::vector<FlagSpec>& specs);

// The flags every command accepts: server, timeout, ca, cert, key, token, help (-h).
const std::vector<FlagSpec>& GlobalFlagSpecs();

}  // namespace herd::sidecar
