// herd get workloads|members [NAME...] [-o table|wide|yaml|json|name] [-l k=v,...]
#include <set>
#include <string>
#include <vector>

#include "sidecar/cli_command.h"
#include "sidecar/cli_format.h"
#include "sidecar/spec_parser.h"

namespace herd::sidecar {
namespace {

constexpr char kGetUsage[] =
    R"(Show workloads or members.

Examples:
  herd get workloads
  herd get wl ingest-7 -o yaml
  herd get workloads -l team=data -o wide
  herd get members

Usage:
  herd get workloads|workload|wl [NAME...] [-o FORMAT] [-l SELECTOR] [global flags]
  herd get members|member [NAME...] [-o FORMAT] [global flags]

Flags:
  -o, --output FORMAT     table (default), wide, yaml, json or name
  -l, --selector k=v,...  only workloads with all these labels
)";

constexpr int kPageSize = 500;

struct Fetched {
  std::vector<nlohmann::json> items;
  bool failed = false;
};

// Every workload, page by page.
Fetched ListWorkloads(CliContext& ctx, CliClient& client, const std::string& selector) {
  Fetched out;
  std::string token;
  std::set<std::string> seen_tokens;
  do {
    std::string path = "/v1/workloads?limit=" + std::to_string(kPageSize);
    if (!selector.empty()) path += "&label=" + QueryEscape(selector);
    if (!token.empty()) path += "&continue=" + QueryEscape(token);
    Result<nlohmann::json> page = client.SendJson("GET", path);
    if (!page.ok()) {
      ctx.Fail(page.status());
      out.failed = true;
      return out;
    }
    for (const nlohmann::json& item : JsonAt(*page, {"items"})) out.items.push_back(item);
    token = CellText(JsonAt(*page, {"metadata", "continue"}));
    if (!token.empty() && !seen_tokens.insert(token).second) {
      ctx.Fail(Internal("the server repeated the continue token \"" + token + "\""));
      out.failed = true;
      return out;
    }
  } while (!token.empty());
  return out;
}

std::string AgeOf(const nlohmann::json& object, int64_t now_ms) {
  const nlohmann::json& created = JsonAt(object, {"metadata", "creationTimestamp"});
  if (!created.is_string()) return "<unknown>";
  Result<int64_t> at = ParseRfc3339Millis(created.get<std::string>());
  return at.ok() ? FormatAge(now_ms - *at) : "<unknown>";
}

void PrintWorkloads(CliContext& ctx, const std::vector<nlohmann::json>& items, bool single,
                    OutputFormat format) {
  if (format == OutputFormat::kYaml || format == OutputFormat::kJson) {
    if (single) return PrintStructured(ctx.out(), items.front(), format);
    nlohmann::json list = {{"apiVersion", kApiVersion}, {"kind", kWorkloadListKind}};
    list["items"] = items;
    return PrintStructured(ctx.out(), list, format);
  }
  if (format == OutputFormat::kName) {
    for (const nlohmann::json& w : items) {
      ctx.out() << "workload/" << CellText(JsonAt(w, {"metadata", "name"})) << "\n";
    }
    return;
  }
  if (items.empty()) {
    ctx.err() << "No resources found.\n";
    return;
  }
  const bool wide = format == OutputFormat::kWide;
  std::vector<std::string> headers = {"NAME", "PHASE", "OWNER", "RESTARTS", "AGE"};
  if (wide) headers.insert(headers.end(), {"PID", "GENERATION", "MESSAGE"});
  CliTable table(std::move(headers));
  const int64_t now = ctx.WallMillis();
  for (const nlohmann::json& w : items) {
    std::string restarts = CellText(JsonAt(w, {"status", "restarts"}));
    std::vector<std::string> row = {
        CellText(JsonAt(w, {"metadata", "name"})), CellText(JsonAt(w, {"status", "phase"})),
        CellText(JsonAt(w, {"status", "owner"})), restarts.empty() ? "0" : restarts, AgeOf(w, now)};
    if (wide) {
      std::string pid = CellText(JsonAt(w, {"status", "pid"}));
      if (pid.empty()) pid = CellText(JsonAt(w, {"status", "containerId"}));
      row.insert(row.end(), {pid, CellText(JsonAt(w, {"metadata", "generation"})),
                             CellText(JsonAt(w, {"status", "message"}))});
    }
    table.AddRow(std::move(row));
  }
  table.Print(ctx.out());
}

int GetWorkloads(CliContext& ctx, CliClient& client, const std::vector<std::string>& names,
                 const std::string& selector, OutputFormat format) {
  if (names.empty()) {
    Fetched all = ListWorkloads(ctx, client, selector);
    if (all.failed) return kExitError;
    PrintWorkloads(ctx, all.items, /*single=*/false, format);
    return kExitOk;
  }
  std::vector<nlohmann::json> found;
  int exit_code = kExitOk;
  for (const std::string& name : names) {
    Result<nlohmann::json> object = client.SendJson("GET", "/v1/workloads/" + QueryEscape(name));
    if (!object.ok()) {
      exit_code = ctx.Fail(object.status());
      if (!IsServerError(object.status())) return exit_code;
      continue;
    }
    found.push_back(std::move(object).value());
  }
  if (!found.empty()) PrintWorkloads(ctx, found, names.size() == 1, format);
  return exit_code;
}

int GetMembers(CliContext& ctx, CliClient& client, const std::vector<std::string>& names,
               OutputFormat format) {
  Result<nlohmann::json> list = client.SendJson("GET", "/v1/members");
  if (!list.ok()) return ctx.Fail(list.status());
  const std::string self = CellText(JsonAt(*list, {"self"}));
  std::vector<nlohmann::json> items;
  int exit_code = kExitOk;
  if (names.empty()) {
    for (const nlohmann::json& m : JsonAt(*list, {"items"})) items.push_back(m);
  }
  for (const std::string& name : names) {
    bool hit = false;
    for (const nlohmann::json& m : JsonAt(*list, {"items"})) {
      if (CellText(JsonAt(m, {"name"})) == name) items.push_back(m), hit = true;
    }
    if (!hit) {
      exit_code =
          ctx.Fail(NotFound("Error from server (NotFound): member \"" + name + "\" not found"));
    }
  }
  if (format == OutputFormat::kYaml || format == OutputFormat::kJson) {
    if (names.size() == 1 && items.size() == 1) {
      PrintStructured(ctx.out(), items.front(), format);
    } else if (!items.empty() || names.empty()) {
      nlohmann::json out = *list;
      out["items"] = items;
      PrintStructured(ctx.out(), out, format);
    }
    return exit_code;
  }
  if (format == OutputFormat::kName) {
    for (const nlohmann::json& m : items) ctx.out() << "member/" << CellText(m["name"]) << "\n";
    return exit_code;
  }
  if (items.empty()) {
    if (names.empty()) ctx.err() << "No resources found.\n";
    return exit_code;
  }
  const bool wide = format == OutputFormat::kWide;
  std::vector<std::string> headers = {"NAME", "STATUS", "ADDRESS", "INCARNATION"};
  if (wide) headers.insert(headers.end(), {"SELF", "DECLARED"});
  CliTable table(std::move(headers));
  for (const nlohmann::json& m : items) {
    const std::string name = CellText(JsonAt(m, {"name"}));
    std::vector<std::string> row = {name, CellText(JsonAt(m, {"status"})),
                                    CellText(JsonAt(m, {"address"})),
                                    CellText(JsonAt(m, {"incarnation"}))};
    if (wide) {
      row.insert(row.end(), {name == self ? "true" : "false", CellText(JsonAt(m, {"declared"}))});
    }
    table.AddRow(std::move(row));
  }
  table.Print(ctx.out());
  return exit_code;
}

int RunGet(CliContext& ctx, const ParsedArgs& args) {
  if (args.positionals.empty()) {
    return ctx.UsageError("specify what to get: workloads or members");
  }
  std::string type;
  std::vector<std::string> names;
  if (auto [t, n] = SplitTypeName(args.positionals[0]); !t.empty()) {
    // kubectl's TYPE/NAME form: every argument names its type.
    type = t;
    for (const std::string& arg : args.positionals) {
      auto [t2, n2] = SplitTypeName(arg);
      if (t2.empty() || n2.empty() || IsWorkloadType(t2) != IsWorkloadType(t)) {
        return ctx.UsageError("mix of TYPE/NAME and other arguments: \"" + arg + "\"");
      }
      names.push_back(n2);
    }
  } else {
    type = args.positionals[0];
    names.assign(args.positionals.begin() + 1, args.positionals.end());
  }
  const bool workloads = IsWorkloadType(type);
  if (!workloads && !IsMemberType(type)) {
    return ctx.UsageError("unknown resource type \"" + type + "\": use workloads or members");
  }
  Result<OutputFormat> format = ParseOutputFormat(
      args.Last("output", "table"), {OutputFormat::kTable, OutputFormat::kWide, OutputFormat::kYaml,
                                     OutputFormat::kJson, OutputFormat::kName});
  if (!format.ok()) return ctx.UsageError(format.status().message());
  const std::string selector = args.Last("selector");
  if (!selector.empty() && (!workloads || !names.empty())) {
    return ctx.UsageError("-l selects workloads from the list; it takes no NAME");
  }
  Result<CliClient*> client = ctx.Client();
  if (!client.ok()) return ctx.Fail(client.status());
  return workloads ? GetWorkloads(ctx, **client, names, selector, *format)
                   : GetMembers(ctx, **client, names, *format);
}

}  // namespace

CliCommand GetCommand() {
  return CliCommand{"get",
                    {},
                    "Show workloads or members",
                    kGetUsage,
                    {{"output", 'o', true}, {"selector", 'l', true}},
                    &RunGet};
}

}  // namespace herd::sidecar
