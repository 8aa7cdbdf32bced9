// herd logs, status, version, rebalance and members set: one request each.
#include <string>
#include <vector>

#include "sidecar/cli_command.h"
#include "sidecar/cli_format.h"
#include "sidecar/version.h"

namespace herd::sidecar {
namespace {

constexpr char kLogsUsage[] = R"(Print the output (stdout and stderr) of a workload's child.

Examples:
  herd logs ingest-7
  herd logs ingest-7 --tail 20

Usage:
  herd logs NAME [--tail N] [global flags]

Flags:
  --tail N   only the last N lines (default: everything the agent kept)
)";

constexpr char kStatusUsage[] = R"(Show the state of the member the CLI talks to.

Usage:
  herd status [-o json|yaml] [global flags]
)";

constexpr char kVersionUsage[] = R"(Print the client's and the server's versions.

Usage:
  herd version [--client] [-o json|yaml] [global flags]

Flags:
  --client   the client's version only; do not ask the server
)";

constexpr char kRebalanceUsage[] =
    R"(Move workloads to where the strategy places them now, in bounded batches.

Usage:
  herd rebalance [global flags]
)";

constexpr char kMembersUsage[] = R"(Replace the cluster's static member list.

Examples:
  herd members set a=10.0.0.1:7946,b=10.0.0.2:7946,c=10.0.0.3:7946

Usage:
  herd members set NAME=HOST:PORT[,NAME=HOST:PORT...]... [global flags]
)";

int RunLogs(CliContext& ctx, const ParsedArgs& args) {
  if (args.positionals.size() != 1) {
    return ctx.UsageError("specify exactly one workload NAME");
  }
  auto [type, name] = SplitTypeName(args.positionals[0]);
  if ((!type.empty() && !IsWorkloadType(type)) || name.empty()) {
    return ctx.UsageError("expected NAME or workload/NAME, got \"" + args.positionals[0] + "\"");
  }
  std::string path = "/v1/workloads/" + QueryEscape(name) + "/logs";
  if (args.Has("tail")) {
    const std::string tail = args.Last("tail");
    const bool digits = !tail.empty() && tail.size() <= 9 &&
                        tail.find_first_not_of("0123456789") == std::string::npos;
    if (!digits && tail != "-1") {
      return ctx.UsageError("--tail must be a number of lines, got \"" + tail + "\"");
    }
    if (digits) path += "?tail=" + tail;
  }
  Result<CliClient*> client = ctx.Client();
  if (!client.ok()) return ctx.Fail(client.status());
  Result<HttpResponse> r = (*client)->Send("GET", path);
  if (!r.ok()) return ctx.Fail(r.status());
  ctx.out() << r->body;
  return kExitOk;
}

std::string Bool(const nlohmann::json& v) {
  return v.is_boolean() && v.get<bool>() ? "true" : "false";
}

int RunStatus(CliContext& ctx, const ParsedArgs& args) {
  if (!args.positionals.empty()) return ctx.UsageError("status takes no arguments");
  Result<OutputFormat> format =
      ParseOutputFormat(args.Last("output", "table"),
                        {OutputFormat::kTable, OutputFormat::kJson, OutputFormat::kYaml});
  if (!format.ok()) return ctx.UsageError(format.status().message());
  Result<CliClient*> client = ctx.Client();
  if (!client.ok()) return ctx.Fail(client.status());
  Result<nlohmann::json> s = (*client)->SendJson("GET", "/v1/status");
  if (!s.ok()) return ctx.Fail(s.status());
  if (*format != OutputFormat::kTable) {
    PrintStructured(ctx.out(), *s, *format);
    return kExitOk;
  }
  std::string ready = Bool(JsonAt(*s, {"ready"}));
  if (Bool(JsonAt(*s, {"shuttingDown"})) == "true") {
    ready += " (shutting down)";
  } else if (ready == "false" && Bool(JsonAt(*s, {"joined"})) == "false") {
    ready += " (not joined)";
  }
  std::string members;
  int64_t total = 0;
  const nlohmann::json& by_status = JsonAt(*s, {"members"});
  if (by_status.is_object()) {
    for (const auto& [status, count] : by_status.items()) {
      if (!count.is_number_integer() || count.get<int64_t>() == 0) continue;
      total += count.get<int64_t>();
      members += (members.empty() ? "" : ", ") + count.dump() + " " + status;
    }
  }
  const nlohmann::json& w = JsonAt(*s, {"workloads"});
  CliTable table({"Member:", CellText(JsonAt(*s, {"member"}))});
  table.AddRow({"Version:", CellText(JsonAt(*s, {"version"}))});
  table.AddRow({"Ready:", ready});
  table.AddRow({"Quorum:", Bool(JsonAt(*s, {"quorum"}))});
  table.AddRow({"Strategy:", CellText(JsonAt(*s, {"strategy"}))});
  table.AddRow({"Members:", std::to_string(total) + (members.empty() ? "" : " (" + members + ")")});
  table.AddRow({"Workloads:", CellText(JsonAt(w, {"declared"})) + " declared, " +
                                  CellText(JsonAt(w, {"running"})) + " running, " +
                                  CellText(JsonAt(w, {"local"})) + " on this member"});
  table.Print(ctx.out());
  return kExitOk;
}

int RunVersion(CliContext& ctx, const ParsedArgs& args) {
  if (!args.positionals.empty()) return ctx.UsageError("version takes no arguments");
  Result<OutputFormat> format =
      ParseOutputFormat(args.Last("output", "table"),
                        {OutputFormat::kTable, OutputFormat::kJson, OutputFormat::kYaml});
  if (!format.ok()) return ctx.UsageError(format.status().message());
  nlohmann::json out = {{"clientVersion", HerdVersion()}};
  Status server_error;
  if (!args.Bool("client")) {
    Result<CliClient*> client = ctx.Client();
    Result<nlohmann::json> v = client.ok() ? (*client)->SendJson("GET", "/version")
                                           : Result<nlohmann::json>(client.status());
    if (v.ok()) {
      out["serverVersion"] = CellText(JsonAt(*v, {"version"}));
    } else {
      server_error = v.status();
    }
  }
  if (*format != OutputFormat::kTable) {
    PrintStructured(ctx.out(), out, *format);
  } else {
    ctx.out() << "Client Version: " << HerdVersion() << "\n";
    if (out.contains("serverVersion")) {
      ctx.out() << "Server Version: " << out["serverVersion"].get<std::string>() << "\n";
    }
  }
  return server_error.ok() ? kExitOk : ctx.Fail(server_error);
}

int RunRebalance(CliContext& ctx, const ParsedArgs& args) {
  if (!args.positionals.empty()) {
    return ctx.UsageError("rebalance takes no arguments");
  }
  Result<CliClient*> client = ctx.Client();
  if (!client.ok()) return ctx.Fail(client.status());
  Result<HttpResponse> r = (*client)->Send("POST", "/v1/rebalance");
  if (!r.ok()) return ctx.Fail(r.status());
  ctx.out() << "rebalance started\n";
  return kExitOk;
}

int RunMembers(CliContext& ctx, const ParsedArgs& args) {
  const std::vector<std::string>& pos = args.positionals;
  if (pos.empty() || pos[0] != "set") {
    return ctx.UsageError(pos.empty() ? "specify a subcommand: set"
                                      : "unknown subcommand \"" + pos[0] + "\"");
  }
  nlohmann::json items = nlohmann::json::array();
  std::string shown;
  for (size_t i = 1; i < pos.size(); ++i) {
    std::string_view rest = pos[i];
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      std::string_view entry = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      const size_t eq = entry.find('=');
      if (eq == std::string_view::npos || eq == 0 || eq + 1 == entry.size()) {
        return ctx.UsageError("expected NAME=HOST:PORT, got \"" + std::string(entry) + "\"");
      }
      items.push_back({{"name", entry.substr(0, eq)}, {"address", entry.substr(eq + 1)}});
      shown += (shown.empty() ? "" : ", ") + std::string(entry);
    }
  }
  if (items.empty()) return ctx.UsageError("specify NAME=HOST:PORT,...");
  Result<CliClient*> client = ctx.Client();
  if (!client.ok()) return ctx.Fail(client.status());
  Result<HttpResponse> r = (*client)->Send(
      "PUT", "/v1/members", nlohmann::json{{"items", items}}.dump(), "application/json");
  if (!r.ok()) return ctx.Fail(r.status());
  ctx.out() << "members set: " << shown << "\n";
  return kExitOk;
}

}  // namespace

CliCommand LogsCommand() {
  return CliCommand{"logs",  {}, "Print a workload's output", kLogsUsage, {{"tail", 0, true}},
                    &RunLogs};
}

CliCommand StatusCommand() {
  return CliCommand{"status",  {}, "Show the member's state", kStatusUsage, {{"output", 'o', true}},
                    &RunStatus};
}

CliCommand VersionCommand() {
  return CliCommand{"version",
                    {},
                    "Print the client and server versions",
                    kVersionUsage,
                    {{"client", 0, false}, {"output", 'o', true}},
                    &RunVersion};
}

CliCommand RebalanceCommand() {
  return CliCommand{"rebalance",     {}, "Move workloads to where the strategy puts them now",
                    kRebalanceUsage, {}, &RunRebalance};
}

CliCommand MembersCommand() {
  return CliCommand{"members", {}, "Set the static member list", kMembersUsage, {}, &RunMembers};
}

}  // namespace herd::sidecar
