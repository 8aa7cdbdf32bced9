#include "sidecar/agent_config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <functional>

#include "common/duration.h"
#include "sidecar/rest_api_parse.h"
#include "sidecar/workload_spec.h"

namespace herd::sidecar {
namespace {

using Setter = std::function<Status(AgentConfig&, const std::string&)>;

struct Flag {
  std::string_view name;
  std::string_view help;
  Setter set;
  bool boolean = false;
};

Status SetString(std::string AgentConfig::*field, AgentConfig& c, const std::string& v) {
  c.*field = v;
  return Status::Ok();
}

Setter String(std::string AgentConfig::*field) {
  return [field](AgentConfig& c, const std::string& v) { return SetString(field, c, v); };
}

Setter Address(std::string AgentConfig::*field) {
  return [field](AgentConfig& c, const std::string& v) {
    RETURN_IF_ERROR(CheckHostPort(v, "address"));
    c.*field = v;
    return Status::Ok();
  };
}

Setter Duration(std::chrono::milliseconds AgentConfig::*field) {
  return [field](AgentConfig& c, const std::string& v) -> Status {
    ASSIGN_OR_RETURN(std::chrono::milliseconds d, ParseDuration(v));
    if (d.count() <= 0) return InvalidArgument("must be positive");
    c.*field = d;
    return Status::Ok();
  };
}

Result<int64_t> ParseInt(const std::string& v, int64_t lo, int64_t hi) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n < lo || n > hi) {
    return InvalidArgument("\"" + v + "\" is not an integer in " + std::to_string(lo) + ".." +
                           std::to_string(hi));
  }
  return n;
}

Result<bool> ParseBool(const std::string& v) {
  if (v == "true" || v.empty()) return true;
  if (v == "false") return false;
  return InvalidArgument("\"" + v + "\" is not true or false");
}

const std::vector<Flag>& Flags() {
  static const std::vector<Flag> flags = {
      {"name", "member name (default: the host name)", String(&AgentConfig::name)},
      {"api-address", "REST API listen address (default 0.0.0.0:7070)",
       Address(&AgentConfig::api_address)},
      {"peer-address", "peer listen address (default 0.0.0.0:7946)",
       Address(&AgentConfig::peer_address)},
      {"advertise-address", "host:port peers dial (default: from --members)",
       Address(&AgentConfig::advertise_address)},
      {"metrics-address", "Prometheus /metrics listen address (default 0.0.0.0:9464; empty: off)",
       [](AgentConfig& c, const std::string& v) -> Status {
         if (!v.empty()) RETURN_IF_ERROR(CheckHostPort(v, "address"));
         c.metrics_address = v;
         return Status::Ok();
       }},
      {"data-dir", "where the map is kept (default ./herd-data/<name>)",
       String(&AgentConfig::data_dir)},
      {"logs-dir", "children's logs (default <data-dir>/logs)", String(&AgentConfig::logs_dir)},
      {"members", "auto | name=host:port,... (default: this member alone)",
       [](AgentConfig& c, const std::string& v) -> Status {
         if (v == "auto") {
           c.members_auto = true;
           c.members.clear();
           return Status::Ok();
         }
         ASSIGN_OR_RETURN(c.members, ParseMemberList(v));
         c.members_auto = false;
         return Status::Ok();
       }},
      {"strategy", "uniform | uniform_quorum | random",
       [](AgentConfig& c, const std::string& v) -> Status {
         ASSIGN_OR_RETURN(c.strategy, ParseStrategyKind(v));
         return Status::Ok();
       }},
      {"redistribution", "passive | active",
       [](AgentConfig& c, const std::string& v) -> Status {
         if (v != "passive" && v != "active") {
           return InvalidArgument("Unsupported value: \"" + v + "\": use passive or active");
         }
         c.active_redistribution = v == "active";
         return Status::Ok();
       }},
      {"heartbeat-interval", "peer heartbeat period (default: a third of --heartbeat-deadline)",
       Duration(&AgentConfig::heartbeat_interval)},
      {"heartbeat-deadline", "a silent member is dead after this (default 1s)",
       Duration(&AgentConfig::heartbeat_deadline)},
      {"namespace", "Kubernetes namespace (--members auto)", String(&AgentConfig::namespace_)},
      {"service", "headless Service whose EndpointSlices are the members",
       String(&AgentConfig::service)},
      {"kubeconfig", "kubeconfig file when outside a cluster", String(&AgentConfig::kubeconfig)},
      {"workload-resources", "run Workload custom resources (--members auto; default true)",
       [](AgentConfig& c, const std::string& v) -> Status {
         ASSIGN_OR_RETURN(c.workload_resources, ParseBool(v));
         return Status::Ok();
       },
       true},
      {"tls-cert", "peer TLS certificate (PEM)", String(&AgentConfig::tls_cert)},
      {"tls-key", "peer TLS key (PEM)", String(&AgentConfig::tls_key)},
      {"tls-ca", "cluster CA: peers must present a certificate it signed",
       String(&AgentConfig::tls_ca)},
      {"tls-server-name", "verify peers' certificates against this name, not their address",
       String(&AgentConfig::tls_server_name)},
      {"api-tls-cert", "REST API certificate (PEM): serve https",
       String(&AgentConfig::api_tls_cert)},
      {"api-tls-key", "REST API key (PEM)", String(&AgentConfig::api_tls_key)},
      {"auth-token-file", "REST bearer tokens: token,user,read|write lines (re-read on change)",
       String(&AgentConfig::auth_token_file)},
      {"auth-tokenreview", "REST auth by Kubernetes TokenReview and SubjectAccessReview",
       [](AgentConfig& c, const std::string& v) -> Status {
         ASSIGN_OR_RETURN(c.auth_tokenreview, ParseBool(v));
         return Status::Ok();
       },
       true},
      {"metrics-auth", "/metrics needs a bearer token with the read role (with an auth flag)",
       [](AgentConfig& c, const std::string& v) -> Status {
         ASSIGN_OR_RETURN(c.metrics_auth, ParseBool(v));
         return Status::Ok();
       },
       true},
      {"launcher", "herd-launch shim (default: next to herd)", String(&AgentConfig::launcher)},
      {"images-dir", "container images: <dir>/<image>/rootfs", String(&AgentConfig::images_dir)},
      {"runc", "runc binary for container workloads (default: runc in PATH)",
       String(&AgentConfig::runc)},
      {"run-as-uid", "uid for children when the agent runs as root",
       [](AgentConfig& c, const std::string& v) -> Status {
         ASSIGN_OR_RETURN(int64_t n, ParseInt(v, 0, UINT32_MAX - 1));
         c.run_as_uid = static_cast<uint32_t>(n);
         return Status::Ok();
       }},
      {"allow-root", "run children as root when the agent is root",
       [](AgentConfig& c, const std::string& v) -> Status {
         ASSIGN_OR_RETURN(c.allow_root, ParseBool(v));
         return Status::Ok();
       },
       true},
      {"log-level", "debug | info | warning | error",
       [](AgentConfig& c, const std::string& v) -> Status {
         if (v != "debug" && v != "info" && v != "warning" && v != "error") {
           return InvalidArgument("Unsupported value: \"" + v +
                                  "\": use debug, info, warning or error");
         }
         c.log_level = v;
         return Status::Ok();
       }},
      {"max-body-bytes", "largest REST request body (default 8388608)",
       [](AgentConfig& c, const std::string& v) -> Status {
         ASSIGN_OR_RETURN(int64_t n, ParseInt(v, 1024, int64_t{1} << 30));
         c.max_body_bytes = static_cast<size_t>(n);
         return Status::Ok();
       }},
      {"api-threads", "REST API server threads (default 2)",
       [](AgentConfig& c, const std::string& v) -> Status {
         ASSIGN_OR_RETURN(int64_t n, ParseInt(v, 1, 64));
         c.api_threads = static_cast<int>(n);
         return Status::Ok();
       }},
      {"wall-clock-offset", "test only: skew this member's wall clock, e.g. 5m or -5m",
       [](AgentConfig& c, const std::string& v) -> Status {
         const bool negative = !v.empty() && v[0] == '-';
         ASSIGN_OR_RETURN(std::chrono::milliseconds d, ParseDuration(negative ? v.substr(1) : v));
         c.wall_clock_offset_ms = negative ? -d.count() : d.count();
         return Status::Ok();
       }},
  };
  return flags;
}

const Flag* FindFlag(std::string_view name) {
  for (const Flag& f : Flags()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Status Apply(AgentConfig& c, const Flag& flag, const std::string& value, std::string_view where) {
  Status s = flag.set(c, value);
  if (s.ok()) return s;
  return InvalidArgument(std::string(where) + ": " + std::string(s.message()),
                         std::string(flag.name));
}

// Reads the config file's top-level map into the config. Members may be a string or a map.
Status ApplyConfigFile(AgentConfig& c, const std::string& path, const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(path + ": invalid YAML: " + e.what());
  }
  if (root.IsNull()) return Status::Ok();
  if (!root.IsMap()) return InvalidArgument(path + ": expected a map of settings");
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>("");
    const Flag* flag = FindFlag(key);
    if (flag == nullptr || key == "config") {
      return InvalidArgument(path + ": unknown setting \"" + key + "\"", key);
    }
    std::string value;
    if (key == "members" && kv.second.IsMap()) {
      for (const auto& m : kv.second) {
        if (!value.empty()) value += ",";
        value += m.first.as<std::string>("") + "=" + m.second.as<std::string>("");
      }
    } else if (kv.second.IsScalar()) {
      value = kv.second.Scalar();
    } else {
      return InvalidArgument(path + ": " + key + ": expected a single value", key);
    }
    RETURN_IF_ERROR(Apply(c, *flag, value, path + ": " + key));
  }
  return Status::Ok();
}

}  // namespace

Status CheckHostPort(std::string_view text, std::string_view what) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return InvalidArgument(std::string(what) + " \"" + std::string(text) + "\" is not host:port");
  }
  std::string_view host = text.substr(0, colon);
  if (host.size() > 253 || host.find_first_of(" /,=") != std::string_view::npos) {
    return InvalidArgument(std::string(what) + " \"" + std::string(text) + "\" has a bad host");
  }
  Result<int64_t> port = ParseInt(std::string(text.substr(colon + 1)), 0, 65535);
  if (!port.ok()) {
    return InvalidArgument(std::string(what) + " \"" + std::string(text) + "\": port " +
                           std::string(port.status().message()));
  }
  return Status::Ok();
}

Result<std::map<std::string, std::string>> ParseMemberList(std::string_view text) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view entry = text.substr(start, end - start);
    start = end + 1;
    if (entry.empty()) continue;
    const size_t eq = entry.find('=');
    const std::string e(entry);
    if (eq == std::string_view::npos) {
      return InvalidArgument("member \"" + e + "\" is not name=host:port");
    }
    const std::string name(entry.substr(0, eq));
    if (!IsDns1123Label(name)) {
      return InvalidArgument("member \"" + e + "\": name must be a DNS-1123 label");
    }
    RETURN_IF_ERROR(CheckPeerAddress(entry.substr(eq + 1), "member " + name + " address"));
    if (!out.emplace(name, std::string(entry.substr(eq + 1))).second) {
      return InvalidArgument("member \"" + name + "\" is listed twice");
    }
  }
  if (out.empty()) return InvalidArgument("no members listed");
  return out;
}

Result<AgentConfig> ParseAgentArgs(
    const std::vector<std::string>& args,
    const std::function<Result<std::string>(const std::string&)>& read_file) {
  // The config file first, whatever its position, so that flags override it.
  AgentConfig c;
  std::vector<std::pair<const Flag*, std::string>> given;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "-h" || arg == "--help") return Status(StatusCode::kCancelled, "help");
    if (arg.rfind("--", 0) != 0) return InvalidArgument("unexpected argument \"" + arg + "\"");
    std::string name = arg.substr(2), value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      has_value = true;
    }
    const Flag* flag = name == "config" ? nullptr : FindFlag(name);
    if (name != "config" && flag == nullptr) {
      return InvalidArgument("unknown flag --" + name + " (see herd agent --help)", name);
    }
    if (!has_value && !(flag && flag->boolean)) {
      if (i + 1 >= args.size()) return InvalidArgument("--" + name + " needs a value", name);
      value = args[++i];
    }
    if (name == "config") {
      ASSIGN_OR_RETURN(std::string text, read_file(value));
      RETURN_IF_ERROR(ApplyConfigFile(c, value, text));
      continue;
    }
    given.emplace_back(flag, value);
  }
  for (const auto& [flag, value] : given) {
    RETURN_IF_ERROR(Apply(c, *flag, value, "--" + std::string(flag->name)));
  }
  if (!c.name.empty() && !IsDns1123Label(c.name)) {
    return InvalidArgument("--name: \"" + c.name + "\" must be a DNS-1123 label", "name");
  }
  // Three heartbeats per deadline: with the other peers' reports of what they hear (indirect
  // evidence), a live member is not declared dead for a lossy link, and idle traffic stays low.
  if (c.heartbeat_interval.count() == 0) c.heartbeat_interval = c.heartbeat_deadline / 3;
  if (c.heartbeat_deadline <= c.heartbeat_interval) {
    return InvalidArgument("--heartbeat-deadline must be longer than --heartbeat-interval",
                           "heartbeat-deadline");
  }
  // Active redistribution moves a workload to where the strategy puts it now: random puts each
  // one once, differently on every member, so there is nowhere to move it to.
  if (c.active_redistribution && c.strategy == StrategyKind::kRandom) {
    return InvalidArgument(
        "--redistribution active needs a strategy that places every workload the same way on "
        "every member (uniform or uniform_quorum), not random",
        "redistribution");
  }
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return InvalidArgument("--tls-cert and --tls-key go together", "tls-cert");
  }
  if (!c.tls_ca.empty() && c.tls_cert.empty()) {
    return InvalidArgument("--tls-ca needs --tls-cert and --tls-key", "tls-ca");
  }
  if (c.api_tls_cert.empty() != c.api_tls_key.empty()) {
    return InvalidArgument("--api-tls-cert and --api-tls-key go together", "api-tls-cert");
  }
  if (!c.auth_token_file.empty() && c.auth_tokenreview) {
    return InvalidArgument("--auth-token-file and --auth-tokenreview exclude each other",
                           "auth-token-file");
  }
  if (c.metrics_auth && c.auth_token_file.empty() && !c.auth_tokenreview) {
    return InvalidArgument("--metrics-auth needs --auth-token-file or --auth-tokenreview",
                           "metrics-auth");
  }
  if (c.metrics_auth && c.metrics_address.empty()) {
    return InvalidArgument("--metrics-auth needs --metrics-address (/metrics is off)",
                           "metrics-auth");
  }
  return c;
}

std::string AgentUsage() {
  std::string out =
      "Usage: herd agent [flags]\n\nRuns one member of a herd cluster. Every flag is also a key "
      "of --config FILE (YAML).\n\nFlags:\n  --config FILE  read settings from a YAML file "
      "(flags win)\n";
  for (const Flag& f : Flags()) {
    std::string left = "  --" + std::string(f.name);
    if (left.size() < 24) left.resize(24, ' ');
    out += left + " " + std::string(f.help) + "\n";
  }
  return out;
}

}  // namespace herd::sidecar
