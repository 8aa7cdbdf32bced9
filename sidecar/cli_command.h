// The pieces every `herd` CLI command shares (sidecar/cli.h is the public entry): the context
// a command runs in (streams, clock, the lazily created client) and the command table.
//
// A command is a function of the parsed flags that returns the exit code: 0 done, 1 an error
// it printed, 2 a usage error. One thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sidecar/cli.h"
#include "sidecar/cli_client.h"
#include "sidecar/cli_flags.h"

namespace herd::sidecar {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

class CliContext {
 public:
  CliContext(CliIo& io, CliGlobalOptions options) : io_(io), options_(std::move(options)) {}

  std::istream& in() { return io_.in; }
  std::ostream& out() { return io_.out; }
  std::ostream& err() { return io_.err; }
  int64_t WallMillis() const;

  // The client for --server, created on first use. Errors: CliClient::Create's.
  Result<CliClient*> Client();

  // Prints `status` (PrintError) and returns kExitError.
  int Fail(const Status& status);
  // Prints "error: MESSAGE", then the command's usage (SetUsage), on the error stream;
  // returns kExitUsage.
  int UsageError(std::string_view message);
  void SetUsage(std::string usage) { usage_ = std::move(usage); }

 private:
  CliIo& io_;
  CliGlobalOptions options_;
  std::unique_ptr<CliClient> client_;
  std::string usage_;
};

struct CliCommand {
  std::string name;  // "apply"; the table lookup also tries `aliases`
  std::vector<std::string> aliases;
  std::string summary;          // one line for `herd --help`
  std::string usage;            // the full text for `herd NAME --help`
  std::vector<FlagSpec> flags;  // the command's own flags (the global ones are added)
  int (*run)(CliContext& ctx, const ParsedArgs& args) = nullptr;
};

// The commands, one per file: cli_apply.cc, cli_get.cc, cli_delete.cc, cli_misc.cc.
CliCommand ApplyCommand();
CliCommand GetCommand();
CliCommand DeleteCommand();
CliCommand LogsCommand();
CliCommand StatusCommand();
CliCommand VersionCommand();
CliCommand RebalanceCommand();
CliCommand MembersCommand();

// "workload/x" -> ("workload", "x"); "x" -> ("", "x").
std::pair<std::string, std::string> SplitTypeName(std::string_view arg);

// Whether `word` names the workload resource: workloads, workload, wl.
bool IsWorkloadType(std::string_view word);
// Whether `word` names the member resource: members, member.
bool IsMemberType(std::string_view word);

}  // namespace herd::sidecar
