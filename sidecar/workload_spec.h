// WorkloadSpec: one named child spec, as SPEC.md section 2 declares it.
//
// The same document is a REST body, a file for `herd apply -f` and the `spec` of a Workload
// custom resource. Parsing and validation live in spec_parser.h; this header is the value
// type the supervisor core, the runtimes and the API share. Values only, any thread.
//
// Validation errors are kInvalidArgument in Kubernetes' field-error style: the message starts
// with the field path ("spec.env[2].name: Duplicate value: \"A\"") and Status::field() holds
// the path alone (sidecar/field_error.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace herd::sidecar {

enum class Runtime { kProcess, kContainer };
enum class RestartPolicy { kPermanent, kTransient, kTemporary };

std::string_view RuntimeName(Runtime r);              // "process" | "container"
std::string_view RestartPolicyName(RestartPolicy r);  // "permanent" | "transient" | "temporary"

struct EnvVar {
  std::string name;
  std::string value;
  friend bool operator==(const EnvVar&, const EnvVar&) = default;
};

struct Resources {
  int64_t memory_bytes = 0;  // 0: no limit. Parsed from Kubernetes quantities ("64Mi").
  int64_t pids = 0;          // 0: no limit.
  friend bool operator==(const Resources&, const Resources&) = default;
};

struct WorkloadSpec {
  static constexpr int kDefaultShutdownTimeoutSeconds = 5;
  static constexpr int kDefaultMaxRestarts = 3;
  static constexpr int kDefaultMaxSeconds = 5;

  // Limits that Validate enforces (SPEC.md section 2, issue 9's input limits).
  static constexpr size_t kMaxNameLength = 63;
  static constexpr int kMaxShutdownTimeoutSeconds = 3600;  // minimum 0
  static constexpr int kMaxMaxRestarts = 10000;            // minimum 0
  static constexpr int kMinMaxSeconds = 1;
  static constexpr int kMaxMaxSeconds = 86400;
  static constexpr int64_t kMaxPids = 4194304;  // Linux's PID_MAX_LIMIT
  static constexpr size_t kMaxLabels = 64;
  static constexpr size_t kMaxPathLength = 4096;  // workingDir and image
  // argv and environment together, each string counted with its NUL (and env's '='), as
  // execve sees them.
  static constexpr size_t kMaxArgvEnvBytes = 128 * 1024;

  std::string name;                           // metadata.name: DNS-1123 label, 1-63 chars
  std::map<std::string, std::string> labels;  // metadata.labels
  Runtime runtime = Runtime::kProcess;
  std::vector<std::string> command;  // argv; command[0] non-empty
  std::vector<EnvVar> env;
  std::string working_dir;
  std::string image;  // container runtime: rootfs / bundle reference
  RestartPolicy restart = RestartPolicy::kPermanent;
  int32_t shutdown_timeout_seconds = kDefaultShutdownTimeoutSeconds;  // 0: SIGKILL at once
  int32_t max_restarts = kDefaultMaxRestarts;
  int32_t max_seconds = kDefaultMaxSeconds;
  Resources resources;

  friend bool operator==(const WorkloadSpec&, const WorkloadSpec&) = default;
};

// Checks every field against SPEC.md's rules; the error names the first bad field
// ("metadata.name", "spec.command", "spec.maxRestarts", ...). OK for a valid spec.
//
// The rules: name a DNS-1123 label; labels Kubernetes-style (at most kMaxLabels); a process
// workload has a non-empty command, a container workload an image; a given command[0] is
// non-empty; env names match [A-Za-z_][A-Za-z0-9_]* without duplicates; every string is valid
// UTF-8 without NUL bytes; workingDir absolute when set; shutdownTimeoutSeconds 0..3600,
// maxRestarts 0..10000, maxSeconds 1..86400; resources >= 0 (pids <= kMaxPids); argv plus env
// within kMaxArgvEnvBytes.
Status Validate(const WorkloadSpec& spec);

// Every rule violation in `spec`, in field order; empty for a valid spec. Validate returns the
// first of these.
std::vector<Status> ValidateAll(const WorkloadSpec& spec);

// True for a DNS-1123 label: 1-63 chars of [a-z0-9-], starting and ending alphanumeric.
bool IsDns1123Label(std::string_view s);

// Kubernetes label rules, kept reasonable: a key is an optional DNS-1123 subdomain prefix (at
// most 253 chars) and '/', then a name of 1-63 chars of [A-Za-z0-9._-] starting and ending
// alphanumeric; a value is empty or such a name.
bool IsLabelKey(std::string_view s);
bool IsLabelValue(std::string_view s);

// [A-Za-z_][A-Za-z0-9_]*
bool IsEnvName(std::string_view s);

}  // namespace herd::sidecar
