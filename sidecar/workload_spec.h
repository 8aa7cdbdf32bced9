// WorkloadSpec: one named child spec, as SPEC.md section 2 declares it.
//
// The same document is a REST body, a file for `herd apply -f` and the `spec` of a Workload
// custom resource. Parsing and validation live in spec_parser.h; this header is the value
// type the supervisor core, the runtimes and the API share. Values only, any thread.
#pragma once

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

  std::string name;                           // metadata.name: DNS-1123 label, 1-63 chars
  std::map<std::string, std::string> labels;  // metadata.labels
  Runtime runtime = Runtime::kProcess;
  std::vector<std::string> command;           // argv; command[0] non-empty
  std::vector<EnvVar> env;
  std::string working_dir;
  std::string image;                          // container runtime: rootfs / bundle reference
  RestartPolicy restart = RestartPolicy::kPermanent;
  int32_t shutdown_timeout_seconds = kDefaultShutdownTimeoutSeconds;  // 0: SIGKILL at once
  int32_t max_restarts = kDefaultMaxRestarts;
  int32_t max_seconds = kDefaultMaxSeconds;
  Resources resources;

  friend bool operator==(const WorkloadSpec&, const WorkloadSpec&) = default;
};

// Checks every field against SPEC.md's rules; the error names the first bad field
// ("metadata.name", "spec.command", "spec.maxRestarts", ...).
Status Validate(const WorkloadSpec& spec);

// True for a DNS-1123 label: 1-63 chars of [a-z0-9-], starting and ending alphanumeric.
bool IsDns1123Label(std::string_view s);

}  // namespace herd::sidecar
