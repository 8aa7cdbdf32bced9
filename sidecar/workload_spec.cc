#include "sidecar/workload_spec.h"

#include <algorithm>
#include <set>

#include "sidecar/field_error.h"
#include "sidecar/utf8.h"

namespace herd::sidecar {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

constexpr size_t kMaxLabelNameLength = 63;
constexpr size_t kMaxLabelPrefixLength = 253;

// A DNS-1123 subdomain: dot-separated DNS-1123 labels, at most 253 chars in all.
bool IsDns1123Subdomain(std::string_view s) {
  if (s.empty() || s.size() > kMaxLabelPrefixLength) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (part.empty() || !IsLowerAlnum(part.front()) || !IsLowerAlnum(part.back())) return false;
    for (char c : part) {
      if (!IsLowerAlnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// 1-63 chars of [A-Za-z0-9._-], starting and ending alphanumeric.
bool IsLabelName(std::string_view s) {
  if (s.empty() || s.size() > kMaxLabelNameLength) return false;
  if (!IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAlnum(c) || c == '.' || c == '_' || c == '-'; });
}

// Checks a free-form string (argv entry, env value, path): valid UTF-8, no NUL, not too long.
// What CheckText accepts: no NUL byte, valid UTF-8, at most `max` bytes.
bool IsText(std::string_view s, size_t max) {
  return s.size() <= max && s.find('\0') == std::string_view::npos && IsValidUtf8(s);
}

void CheckText(std::string_view field_path, std::string_view s, size_t max,
               std::vector<Status>* errors) {
  if (s.find('\0') != std::string_view::npos) {
    errors->push_back(
        FieldInvalid(std::string(field_path), QuoteValue(s), "must not contain a NUL byte"));
  } else if (!IsValidUtf8(s)) {
    errors->push_back(FieldInvalid(std::string(field_path), QuoteValue(s), "must be valid UTF-8"));
  } else if (s.size() > max) {
    errors->push_back(FieldTooLong(std::string(field_path),
                                   "must be no more than " + std::to_string(max) + " bytes"));
  }
}

void CheckRange(std::string_view field_path, int64_t v, int64_t lo, int64_t hi,
                std::vector<Status>* errors) {
  if (v < lo || v > hi) {
    errors->push_back(FieldInvalid(
        std::string(field_path), v,
        "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", inclusive"));
  }
}

void CheckMetadata(const WorkloadSpec& spec, std::vector<Status>* errors) {
  if (spec.name.empty()) {
    errors->push_back(FieldRequired("metadata.name"));
  } else if (spec.name.size() > WorkloadSpec::kMaxNameLength) {
    errors->push_back(
        FieldInvalid("metadata.name", QuoteValue(spec.name), "must be no more than 63 characters"));
  } else if (!IsDns1123Label(spec.name)) {
    errors->push_back(FieldInvalid(
        "metadata.name", QuoteValue(spec.name),
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
        "and must start and end with an alphanumeric character (e.g. 'my-name', or "
        "'123-abc')"));
  }
  if (spec.labels.size() > WorkloadSpec::kMaxLabels) {
    errors->push_back(
        FieldTooMany("metadata.labels", spec.labels.size(), WorkloadSpec::kMaxLabels));
  }
  for (const auto& [key, value] : spec.labels) {
    if (!IsLabelKey(key)) {
      errors->push_back(FieldInvalid(
          "metadata.labels", QuoteValue(key),
          "a label key must be a name of at most 63 characters of [A-Za-z0-9._-], starting and "
          "ending alphanumeric, with an optional DNS subdomain prefix and '/' (e.g. "
          "'example.com/my-name')"));
    }
    if (!IsLabelValue(value)) {
      errors->push_back(FieldInvalid(
          "metadata.labels", QuoteValue(value),
          "a label value must be empty or at most 63 characters of [A-Za-z0-9._-], starting "
          "and ending alphanumeric"));
    }
  }
}

void CheckProcess(const WorkloadSpec& spec, std::vector<Status>* errors) {
  if (spec.runtime != Runtime::kProcess && spec.runtime != Runtime::kContainer) {
    errors->push_back(FieldUnsupported(
        "spec.runtime", std::to_string(static_cast<int>(spec.runtime)), {"process", "container"}));
  }
  if (spec.command.empty() && spec.runtime == Runtime::kProcess) {
    errors->push_back(FieldRequired("spec.command", "a process workload needs a command"));
  }
  size_t argv_bytes = 0;
  // Field paths ("spec.command[3]") are spelled out only for an error: a spec is validated on
  // every start.
  for (size_t i = 0; i < spec.command.size(); ++i) {
    if (i == 0 && spec.command[0].empty()) {
      errors->push_back(
          FieldRequired(FieldIndex("spec.command", 0), "must name the program to run"));
    }
    if (!IsText(spec.command[i], WorkloadSpec::kMaxArgvEnvBytes)) {
      CheckText(FieldIndex("spec.command", i), spec.command[i], WorkloadSpec::kMaxArgvEnvBytes,
                errors);
    }
    argv_bytes += spec.command[i].size() + 1;
  }
  size_t env_bytes = 0;
  std::set<std::string_view> env_names;
  for (size_t i = 0; i < spec.env.size(); ++i) {
    const std::string path = FieldIndex("spec.env", i);
    const EnvVar& var = spec.env[i];
    if (var.name.empty()) {
      errors->push_back(FieldRequired(path + ".name"));
    } else if (!IsEnvName(var.name)) {
      errors->push_back(FieldInvalid(
          path + ".name", QuoteValue(var.name),
          "a valid environment variable name must consist of alphabetic characters, digits or "
          "'_', and must not start with a digit"));
    } else if (!env_names.insert(var.name).second) {
      errors->push_back(FieldDuplicate(path + ".name", var.name));
    }
    CheckText(path + ".value", var.value, WorkloadSpec::kMaxArgvEnvBytes, errors);
    env_bytes += var.name.size() + var.value.size() + 2;
  }
  if (argv_bytes > WorkloadSpec::kMaxArgvEnvBytes) {
    errors->push_back(FieldTooLong(
        "spec.command", "the command takes " + std::to_string(argv_bytes) + " bytes, at most " +
                            std::to_string(WorkloadSpec::kMaxArgvEnvBytes)));
  } else if (argv_bytes + env_bytes > WorkloadSpec::kMaxArgvEnvBytes) {
    errors->push_back(FieldTooLong(
        "spec.env", "command and env take " + std::to_string(argv_bytes + env_bytes) +
                        " bytes, at most " + std::to_string(WorkloadSpec::kMaxArgvEnvBytes)));
  }
  if (!spec.working_dir.empty()) {
    size_t before = errors->size();
    CheckText("spec.workingDir", spec.working_dir, WorkloadSpec::kMaxPathLength, errors);
    if (errors->size() == before && spec.working_dir.front() != '/') {
      errors->push_back(FieldInvalid("spec.workingDir", QuoteValue(spec.working_dir),
                                     "must be an absolute path"));
    }
  }
  if (spec.image.empty() && spec.runtime == Runtime::kContainer) {
    errors->push_back(FieldRequired("spec.image", "a container workload needs an image"));
  }
  CheckText("spec.image", spec.image, WorkloadSpec::kMaxPathLength, errors);
}

void CheckPolicy(const WorkloadSpec& spec, std::vector<Status>* errors) {
  if (spec.restart != RestartPolicy::kPermanent && spec.restart != RestartPolicy::kTransient &&
      spec.restart != RestartPolicy::kTemporary) {
    errors->push_back(FieldUnsupported("spec.restart",
                                       std::to_string(static_cast<int>(spec.restart)),
                                       {"permanent", "transient", "temporary"}));
  }
  CheckRange("spec.shutdownTimeoutSeconds", spec.shutdown_timeout_seconds, 0,
             WorkloadSpec::kMaxShutdownTimeoutSeconds, errors);
  CheckRange("spec.maxRestarts", spec.max_restarts, 0, WorkloadSpec::kMaxMaxRestarts, errors);
  CheckRange("spec.maxSeconds", spec.max_seconds, WorkloadSpec::kMinMaxSeconds,
             WorkloadSpec::kMaxMaxSeconds, errors);
  if (spec.resources.memory_bytes < 0) {
    errors->push_back(FieldInvalid("spec.resources.memory", spec.resources.memory_bytes,
                                   "must be greater than or equal to 0"));
  }
  CheckRange("spec.resources.pids", spec.resources.pids, 0, WorkloadSpec::kMaxPids, errors);
}

}  // namespace

std::string_view RuntimeName(Runtime r) {
  switch (r) {
    case Runtime::kProcess:
      return "process";
    case Runtime::kContainer:
      return "container";
  }
  return "unknown";
}

std::string_view RestartPolicyName(RestartPolicy r) {
  switch (r) {
    case RestartPolicy::kPermanent:
      return "permanent";
    case RestartPolicy::kTransient:
      return "transient";
    case RestartPolicy::kTemporary:
      return "temporary";
  }
  return "unknown";
}

bool IsDns1123Label(std::string_view s) {
  if (s.empty() || s.size() > WorkloadSpec::kMaxNameLength) return false;
  if (!IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return IsLowerAlnum(c) || c == '-'; });
}

bool IsLabelKey(std::string_view s) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return IsLabelName(s);
  return IsDns1123Subdomain(s.substr(0, slash)) && IsLabelName(s.substr(slash + 1));
}

bool IsLabelValue(std::string_view s) { return s.empty() || IsLabelName(s); }

bool IsEnvName(std::string_view s) {
  if (s.empty() || (s.front() >= '0' && s.front() <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return IsAlnum(c) || c == '_'; });
}

std::vector<Status> ValidateAll(const WorkloadSpec& spec) {
  std::vector<Status> errors;
  CheckMetadata(spec, &errors);
  CheckProcess(spec, &errors);
  CheckPolicy(spec, &errors);
  return errors;
}

Status Validate(const WorkloadSpec& spec) {
  std::vector<Status> errors = ValidateAll(spec);
  return errors.empty() ? Status::Ok() : errors.front();
}

}  // namespace herd::sidecar
