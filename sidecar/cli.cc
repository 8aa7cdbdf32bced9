#include "sidecar/cli.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "common/duration.h"
#include "sidecar/cli_command.h"
#include "sidecar/posix/cli_system.h"

namespace herd::sidecar {
namespace {

constexpr char kGlobalFlagsHelp[] = R"(
Global flags (before or after the command):
  -s, --server URL     the agent's API (default $HERD_SERVER, else http://127.0.0.1:7070)
      --timeout 30s    give up on a request after this long
      --ca FILE        CA bundle that signs the server's certificate (https)
      --cert FILE      client certificate for mutual TLS, with --key
      --key FILE       client private key
      --token TOKEN    bearer token (default $HERD_TOKEN)
  -h, --help           help for a command
)";

const std::vector<CliCommand>& Commands() {
  static const std::vector<CliCommand> kCommands = {
      ApplyCommand(),  GetCommand(),       DeleteCommand(),  LogsCommand(),
      StatusCommand(), RebalanceCommand(), MembersCommand(), VersionCommand(),
  };
  return kCommands;
}

const CliCommand* FindCommand(std::string_view name) {
  for (const CliCommand& c : Commands()) {
    if (c.name == name) return &c;
    if (std::find(c.aliases.begin(), c.aliases.end(), name) != c.aliases.end()) return &c;
  }
  return nullptr;
}

std::string TopUsage() {
  std::string out =
      "herd: the command-line client of the herd distributed supervisor.\n\n"
      "Usage:\n  herd COMMAND [flags]\n  herd agent [flags]   run a member (see herd agent "
      "--help)\n\nCommands:\n";
  for (const CliCommand& c : Commands()) {
    out += "  " + c.name + std::string(12 - std::min<size_t>(c.name.size(), 11), ' ') + c.summary +
           "\n";
  }
  out += kGlobalFlagsHelp;
  out += "\nRun 'herd COMMAND --help' for a command's flags and examples.\n";
  return out;
}

// Whether the global flag `arg` (written before the command) consumes the next argument.
bool GlobalTakesNext(std::string_view arg) {
  if (arg.find('=') != std::string_view::npos) return false;
  for (const FlagSpec& f : GlobalFlagSpecs()) {
    if (!f.takes_value) continue;
    if (arg == "--" + f.name || (f.short_name != 0 && arg == std::string{'-', f.short_name})) {
      return true;
    }
  }
  return false;
}

// The global options from the flags and the environment. Errors name the flag.
Result<CliGlobalOptions> GlobalOptions(const ParsedArgs& args, CliIo& io) {
  CliGlobalOptions o;
  std::optional<std::string> env_server = io.getenv("HERD_SERVER");
  if (args.Has("server")) {
    o.server = args.Last("server");
  } else if (env_server && !env_server->empty()) {
    o.server = *env_server;
  }
  while (o.server.size() > 1 && o.server.back() == '/') o.server.pop_back();
  if (args.Has("timeout")) {
    Result<std::chrono::milliseconds> t = ParseDuration(args.Last("timeout"));
    if (!t.ok()) return InvalidArgument("--timeout: " + t.status().message(), "--timeout");
    if (t->count() <= 0) return InvalidArgument("--timeout must be positive", "--timeout");
    o.timeout = *t;
  }
  o.ca_file = args.Last("ca");
  o.cert_file = args.Last("cert");
  o.key_file = args.Last("key");
  std::optional<std::string> env_token = io.getenv("HERD_TOKEN");
  o.token = args.Has("token") ? args.Last("token") : env_token.value_or("");
  return o;
}

}  // namespace

int64_t CliContext::WallMillis() const {
  return io_.wall_millis ? io_.wall_millis() : RealWallMillis();
}

Result<CliClient*> CliContext::Client() {
  if (client_ == nullptr) {
    ASSIGN_OR_RETURN(client_, CliClient::Create(options_));
  }
  return client_.get();
}

int CliContext::Fail(const Status& status) {
  PrintError(io_.err, status);
  return kExitError;
}

int CliContext::UsageError(std::string_view message) {
  io_.err << "error: " << message << "\n\n" << usage_;
  return kExitUsage;
}

std::pair<std::string, std::string> SplitTypeName(std::string_view arg) {
  const size_t slash = arg.find('/');
  if (slash == std::string_view::npos) return {"", std::string(arg)};
  return {std::string(arg.substr(0, slash)), std::string(arg.substr(slash + 1))};
}

bool IsWorkloadType(std::string_view word) {
  return word == "workloads" || word == "workload" || word == "wl";
}

bool IsMemberType(std::string_view word) { return word == "members" || word == "member"; }

int RunCli(const std::vector<std::string>& args, CliIo& io) {
  // The command is the first argument that is neither a global flag nor its value.
  size_t at = 0;
  bool help = false;
  while (at < args.size() && args[at].size() > 1 && args[at][0] == '-') {
    const std::string& a = args[at];
    if (a == "-h" || a == "--help") {
      help = true;
      ++at;
    } else if (GlobalTakesNext(a)) {
      at += 2;
    } else {
      // --server=URL and friends are checked below with the command's flags; anything else
      // before the command is unknown.
      const std::string name = a.substr(0, a.find('='));
      bool global = false;
      for (const FlagSpec& f : GlobalFlagSpecs()) global |= name == "--" + f.name;
      if (!global) {
        io.err << "error: unknown flag: " << name << "\n\n" << TopUsage();
        return kExitUsage;
      }
      ++at;
    }
  }
  if (at >= args.size() || args[at] == "help") {
    const bool asked = help || at < args.size();
    const CliCommand* topic = at + 1 < args.size() ? FindCommand(args[at + 1]) : nullptr;
    (asked ? io.out : io.err) << (topic != nullptr ? topic->usage + kGlobalFlagsHelp : TopUsage());
    return asked ? kExitOk : kExitUsage;
  }
  const CliCommand* command = FindCommand(args[at]);
  if (command == nullptr) {
    io.err << "error: unknown command \"" << args[at] << "\" for \"herd\"\n\n" << TopUsage();
    return kExitUsage;
  }
  std::vector<std::string> rest(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(at));
  rest.insert(rest.end(), args.begin() + static_cast<std::ptrdiff_t>(at) + 1, args.end());
  std::vector<FlagSpec> specs = GlobalFlagSpecs();
  specs.insert(specs.end(), command->flags.begin(), command->flags.end());
  const std::string usage = command->usage + kGlobalFlagsHelp;

  Result<ParsedArgs> parsed = ParseFlags(rest, specs);
  if (!parsed.ok()) {
    io.err << "error: " << parsed.status().message() << "\n\n" << usage;
    return kExitUsage;
  }
  if (help || parsed->Bool("help")) {
    io.out << usage;
    return kExitOk;
  }
  Result<CliGlobalOptions> options = GlobalOptions(*parsed, io);
  if (!options.ok()) {
    io.err << "error: " << options.status().message() << "\n\n" << usage;
    return kExitUsage;
  }
  CliContext ctx(io, std::move(options).value());
  ctx.SetUsage(usage);
  return command->run(ctx, *parsed);
}

}  // namespace herd::sidecar
