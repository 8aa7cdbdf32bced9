// AgentConfig: everything `herd agent` is told at start, from flags or a `--config herd.yaml`
// (SPEC.md section 4). Every flag is also a key of the config file, spelled the same without
// the dashes (`api-address: 0.0.0.0:7070`); flags given on the command line win over the file.
//
// Parsing validates everything up front and names what is wrong ("--heartbeat-deadline: invalid
// duration \"1x\"...", "herd.yaml: members: ..."), so a misconfigured agent exits at once with
// a clear message instead of failing later. Pure functions: the caller reads the file.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sidecar/strategy.h"

namespace herd::sidecar {

struct AgentConfig {
  std::string name;  // default: the host name (filled by the caller)
  std::string api_address = "0.0.0.0:7070";
  std::string peer_address = "0.0.0.0:7946";
  std::string advertise_address;                 // what peers dial; default: from members or peer
  std::string metrics_address = "0.0.0.0:9464";  // empty: no /metrics
  std::string data_dir;                          // default: ./herd-data/<name>
  std::string logs_dir;                          // default: <data_dir>/logs
  bool members_auto = false;                     // --members auto (Kubernetes EndpointSlices)
  std::map<std::string, std::string> members;    // static: name -> host:port
  StrategyKind strategy = StrategyKind::kUniform;
  bool active_redistribution = false;
  std::chrono::milliseconds heartbeat_interval{0};  // 0: a third of heartbeat_deadline
  std::chrono::milliseconds heartbeat_deadline{1000};
  std::string namespace_;  // Kubernetes
  std::string service;     // Kubernetes headless Service
  std::string kubeconfig;
  bool workload_resources = true;         // with --members auto: run the Workload operator
  std::string tls_cert, tls_key, tls_ca;  // peer TLS (mTLS with tls_ca)
  std::string tls_server_name;  // the name peer certificates carry (default: the dialled host)
  std::string api_tls_cert, api_tls_key;  // REST API over https
  std::string auth_token_file;            // REST bearer tokens (sidecar/auth_tokens.h); empty: none
  bool auth_tokenreview = false;  // REST auth by Kubernetes TokenReview + SubjectAccessReview
  bool metrics_auth = false;      // /metrics needs a token with the read role too
  std::string launcher;           // default: herd-launch next to the herd binary
  std::string images_dir;         // container rootfs images: <images-dir>/<image>/rootfs
  std::string runc = "runc";
  std::optional<uint32_t> run_as_uid;
  bool allow_root = false;
  std::string log_level = "info";
  size_t max_body_bytes = 8 << 20;
  int api_threads = 2;
  int64_t wall_clock_offset_ms = 0;  // test-only: skews this member's wall clock
};

// Parses `args` (after "agent"). `read_file` reads the --config file (errors name the path).
// Errors: kInvalidArgument naming the flag or config key; `--help` gives kCancelled (the caller
// prints AgentUsage()).
Result<AgentConfig> ParseAgentArgs(
    const std::vector<std::string>& args,
    const std::function<Result<std::string>(const std::string&)>& read_file);

// Parses "a=host:port,b=host:port". Errors name the bad entry.
Result<std::map<std::string, std::string>> ParseMemberList(std::string_view text);

// Checks "host:port" (host may be empty for all interfaces, port 0..65535).
Status CheckHostPort(std::string_view text, std::string_view what);

std::string AgentUsage();

}  // namespace herd::sidecar
