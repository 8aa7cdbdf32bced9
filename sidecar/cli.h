// The `herd` command-line client: every subcommand of the `herd` binary except `agent`
// (SPEC.md section 4). It talks to one agent's REST API over HTTP(S) and prints what it gets
// the way kubectl does: results on `out`, errors on `err`, exit code 0 on success, 1 on any
// error (local validation, transport, or an error answer from the server), 2 on a usage error
// (unknown command or flag, missing argument).
//
//   herd apply -f FILE|DIR|- [-f ...] [-R]
//   herd get workloads|members [NAME...] [-o table|wide|yaml|json|name] [-l k=v,...]
//   herd delete workload NAME... | workload/NAME... | -f FILE
//   herd logs NAME [--tail N]
//   herd status [-o json|yaml]
//   herd version [--client]
//   herd rebalance
//   herd members set NAME=HOST:PORT,...
//
// Global flags, accepted before or after the command: --server URL (else $HERD_SERVER, else
// http://127.0.0.1:7070), --timeout 30s, --ca/--cert/--key FILE (https, mutual TLS), --token T
// (else $HERD_TOKEN; sent as "Authorization: Bearer T"), -h/--help.
//
// Threading: RunCli blocks the calling thread until the command is done; it may run on several
// threads at once with different CliIo values.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace herd::sidecar {

// What the CLI reads from and writes to. main() passes the process's streams and getenv; tests
// pass string streams, a fake environment and a fixed clock.
struct CliIo {
  std::istream& in;  // `apply -f -` reads it
  std::ostream& out;
  std::ostream& err;
  // The environment: HERD_SERVER, HERD_TOKEN. Must be set.
  std::function<std::optional<std::string>(const char*)> getenv;
  // Wall time in milliseconds since the Unix epoch, for the AGE column. Empty: the real clock.
  std::function<int64_t()> wall_millis = {};
};

// Runs the command in `args` (argv without argv[0]) and returns the process exit code.
int RunCli(const std::vector<std::string>& args, CliIo& io);

}  // namespace herd::sidecar
