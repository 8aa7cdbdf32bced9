#include "sidecar/cli_flags.h"

#include <optional>

namespace herd::sidecar {
namespace {

const FlagSpec* FindLong(const std::vector<FlagSpec>& specs, std::string_view name) {
  for (const FlagSpec& s : specs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const FlagSpec* FindShort(const std::vector<FlagSpec>& specs, char c) {
  for (const FlagSpec& s : specs) {
    if (s.short_name != 0 && s.short_name == c) return &s;
  }
  return nullptr;
}

}  // namespace

std::string ParsedArgs::Last(std::string_view name, std::string fallback) const {
  auto it = values.find(std::string(name));
  if (it == values.end() || it->second.empty()) return fallback;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::All(std::string_view name) const {
  auto it = values.find(std::string(name));
  return it == values.end() ? std::vector<std::string>{} : it->second;
}

Result<ParsedArgs> ParseFlags(const std::vector<std::string>& args,
                              const std::vector<FlagSpec>& specs) {
  ParsedArgs out;
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-') {
      out.positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    const FlagSpec* spec = nullptr;
    std::string shown;  // the flag as the user wrote it, for errors
    std::optional<std::string> inline_value;
    if (arg.starts_with("--")) {
      std::string_view body = std::string_view(arg).substr(2);
      const size_t eq = body.find('=');
      std::string_view name = body.substr(0, eq);
      if (eq != std::string_view::npos) inline_value = std::string(body.substr(eq + 1));
      spec = FindLong(specs, name);
      shown = "--" + std::string(name);
    } else {
      spec = FindShort(specs, arg[1]);
      shown = arg.substr(0, 2);
      if (arg.size() > 2) {
        // -oyaml, -o=yaml; a boolean short flag takes nothing after it.
        inline_value = arg.substr(arg[2] == '=' ? 3 : 2);
        if (spec != nullptr && !spec->takes_value) spec = nullptr, shown = arg;
      }
    }
    if (spec == nullptr) return InvalidArgument("unknown flag: " + shown, shown);
    std::string value;
    if (!spec->takes_value) {
      value = inline_value.value_or("true");
      if (value != "true" && value != "false") {
        return InvalidArgument(
            "invalid value \"" + value + "\" for " + shown + ": use true or false", shown);
      }
    } else if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return InvalidArgument("flag needs an argument: " + shown, shown);
    }
    out.values[spec->name].push_back(std::move(value));
  }
  return out;
}

const std::vector<FlagSpec>& GlobalFlagSpecs() {
  static const std::vector<FlagSpec> kSpecs = {
      {"server", 's', true}, {"timeout", 0, true}, {"ca", 0, true},      {"cert", 0, true},
      {"key", 0, true},      {"token", 0, true},   {"help", 'h', false},
  };
  return kSpecs;
}

}  // namespace herd::sidecar
