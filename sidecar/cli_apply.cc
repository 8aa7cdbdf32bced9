// herd apply -f FILE|DIR|- [-f ...] [-R]: validates every file locally, then applies them.
#include <string>

#include "sidecar/cli_command.h"
#include "sidecar/cli_format.h"
#include "sidecar/cli_sources.h"

namespace herd::sidecar {
namespace {

constexpr char kApplyUsage[] =
    R"(Apply workloads from files: create them, or update them where they changed.

Every file is validated first; if any workload in any file is invalid, nothing is applied.
A directory applies its *.yaml, *.yml and *.json files in name order.

Examples:
  herd apply -f ingest.yaml
  herd apply -f workloads/ -R
  cat ingest.yaml | herd apply -f -

Usage:
  herd apply -f FILE|DIR|- [-f ...] [-R] [global flags]

Flags:
  -f, --filename FILE   a file, a directory, or - for stdin (repeatable)
  -R, --recursive       descend into the subdirectories of a directory given with -f
)";

int RunApply(CliContext& ctx, const ParsedArgs& args) {
  if (!args.positionals.empty()) {
    return ctx.UsageError("unexpected argument \"" + args.positionals[0] + "\"");
  }
  const std::vector<std::string> paths = args.All("filename");
  if (paths.empty()) return ctx.UsageError("must specify -f FILE");

  LoadedSources loaded = LoadSpecSources(paths, args.Bool("recursive"), ctx.in());
  if (!loaded.errors.empty()) {
    for (const Status& e : loaded.errors) PrintError(ctx.err(), e);
    return kExitError;
  }
  Result<CliClient*> client = ctx.Client();
  if (!client.ok()) return ctx.Fail(client.status());

  int exit_code = kExitOk;
  for (const PreparedSource& source : loaded.sources) {
    for (const SpecBody& body : source.bodies) {
      Result<nlohmann::json> answer =
          (*client)->SendJson("POST", "/v1/workloads", body.text, body.content_type);
      if (!answer.ok()) {
        const Status& s = answer.status();
        if (!IsServerError(s)) return ctx.Fail(s);  // the server is gone: stop here
        // kubectl's form: Error from server (Invalid): error when applying "x.yaml": ...
        std::string line = s.message();
        const size_t at = line.find("): ");
        if (at != std::string::npos) {
          line.insert(at + 3, "error when applying \"" + source.name + "\": ");
        }
        ctx.Fail(Status(s.code(), line));
        exit_code = kExitError;
        break;  // the rest of this file depends on what failed; go on with the next file
      }
      for (const nlohmann::json& item : JsonAt(*answer, {"items"})) {
        ctx.out() << "workload/" << CellText(JsonAt(item, {"name"})) << " "
                  << CellText(JsonAt(item, {"result"})) << "\n";
      }
    }
  }
  return exit_code;
}

}  // namespace

CliCommand ApplyCommand() {
  return CliCommand{"apply",
                    {},
                    "Apply workloads from files or stdin",
                    kApplyUsage,
                    {{"filename", 'f', true}, {"recursive", 'R', false}},
                    &RunApply};
}

}  // namespace herd::sidecar
