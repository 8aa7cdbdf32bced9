// herd delete workload NAME... | workload/NAME... | -f FILE: terminates workloads.
#include <string>
#include <vector>

#include "sidecar/cli_command.h"
#include "sidecar/cli_sources.h"

namespace herd::sidecar {
namespace {

constexpr char kDeleteUsage[] =
    R"(Delete workloads: each is removed from the cluster and its owner stops it.

Examples:
  herd delete workload ingest-7 ingest-8
  herd delete workload/ingest-7
  herd delete -f ingest.yaml

Usage:
  herd delete workload|workloads|wl NAME... [global flags]
  herd delete workload/NAME... [global flags]
  herd delete -f FILE|DIR|- [-R] [global flags]

Flags:
  -f, --filename FILE   delete the workloads named in these files (repeatable; - for stdin)
  -R, --recursive       descend into the subdirectories of a directory given with -f
)";

int RunDelete(CliContext& ctx, const ParsedArgs& args) {
  std::vector<std::string> names;
  const std::vector<std::string> paths = args.All("filename");
  const std::vector<std::string>& pos = args.positionals;
  if (!paths.empty()) {
    if (!pos.empty()) {
      return ctx.UsageError("give names or -f FILE, not both");
    }
    LoadedSources loaded = LoadSpecSources(paths, args.Bool("recursive"), ctx.in());
    if (!loaded.errors.empty()) {
      for (const Status& e : loaded.errors) PrintError(ctx.err(), e);
      return kExitError;
    }
    for (const PreparedSource& s : loaded.sources) {
      for (const WorkloadDocument& d : s.documents) names.push_back(d.spec.name);
    }
  } else if (pos.empty()) {
    return ctx.UsageError("specify workload NAME..., workload/NAME... or -f FILE");
  } else if (auto [type, name] = SplitTypeName(pos[0]); !type.empty()) {
    for (const std::string& arg : pos) {
      auto [t, n] = SplitTypeName(arg);
      if (!IsWorkloadType(t) || n.empty()) {
        return ctx.UsageError("expected workload/NAME, got \"" + arg + "\"");
      }
      names.push_back(n);
    }
  } else if (!IsWorkloadType(pos[0])) {
    return ctx.UsageError("unknown resource type \"" + pos[0] + "\": use workload");
  } else if (pos.size() == 1) {
    return ctx.UsageError("specify the NAME of the workload to delete");
  } else {
    names.assign(pos.begin() + 1, pos.end());
  }

  Result<CliClient*> client = ctx.Client();
  if (!client.ok()) return ctx.Fail(client.status());
  int exit_code = kExitOk;
  for (const std::string& name : names) {
    Result<HttpResponse> r = (*client)->Send("DELETE", "/v1/workloads/" + QueryEscape(name));
    if (!r.ok()) {
      exit_code = ctx.Fail(r.status());
      if (!IsServerError(r.status())) return exit_code;  // no server: the rest would fail too
      continue;
    }
    ctx.out() << "workload/" << name << " deleted\n";
  }
  return exit_code;
}

}  // namespace

CliCommand DeleteCommand() {
  return CliCommand{"delete",
                    {},
                    "Delete workloads by name or by file",
                    kDeleteUsage,
                    {{"filename", 'f', true}, {"recursive", 'R', false}},
                    &RunDelete};
}

}  // namespace herd::sidecar
