// herd: one binary. `herd agent` runs a member; every other subcommand is the CLI.
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "common/log.h"
#include "sidecar/agent_config.h"
#include "sidecar/cli.h"
#include "sidecar/posix/agent.h"
#include "sidecar/posix/log_sink.h"
#include "sidecar/workload_spec.h"

namespace herd::sidecar {
namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("cannot read config file " + path, "config");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string DefaultName() {
  char host[HOST_NAME_MAX + 1] = {};
  gethostname(host, sizeof host);
  std::string name(host);
  name = name.substr(0, name.find('.'));
  for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return IsDns1123Label(name) ? name : "herd";
}

std::string BinaryDir(const char* argv0) {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  std::string path = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string(argv0);
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

LogLevel ParseLevel(const std::string& s) {
  if (s == "debug") return LogLevel::kDebug;
  if (s == "warning") return LogLevel::kWarning;
  if (s == "error") return LogLevel::kError;
  return LogLevel::kInfo;
}

int RunAgent(const std::vector<std::string>& args, const char* argv0) {
  Result<AgentConfig> config = ParseAgentArgs(args, ReadFile);
  if (!config.ok() && config.status().code() == StatusCode::kCancelled) {
    std::cout << AgentUsage();
    return 0;
  }
  if (!config.ok()) {
    std::cerr << "herd agent: " << config.status().message() << "\n";
    return 2;
  }
  if (config->name.empty()) config->name = DefaultName();
  InstallTimestampedLogSink();
  SetMinLogLevel(ParseLevel(config->log_level));

  // Signals are taken synchronously by this thread; every thread started after this inherits
  // the mask (children get a clean one from the spawner). SIGUSR1 is our own "shutdown done".
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGTERM, SIGINT, SIGUSR1, SIGHUP}) sigaddset(&set, sig);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Result<std::unique_ptr<Agent>> agent = Agent::Create(*std::move(config), BinaryDir(argv0));
  if (!agent.ok()) {
    LOG_ERROR("agent_failed", {{"error", agent.status().ToString()}});
    std::cerr << "herd agent: " << agent.status().message() << "\n";
    return 1;
  }
  if (Status s = (*agent)->Start(); !s.ok()) {
    LOG_ERROR("agent_failed", {{"error", s.ToString()}});
    std::cerr << "herd agent: " << s.message() << "\n";
    return 1;
  }
  const pid_t self = getpid();
  bool shutting_down = false;
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) continue;  // TLS files are reloaded on change already
    if (sig == SIGUSR1) {
      LOG_INFO("agent_stopped", {{"reason", "shutdown complete"}});
      return 0;
    }
    if (shutting_down) {
      LOG_WARNING("agent_stopped", {{"reason", "second signal: killing children now"}});
      (*agent)->KillNow();
      agent->reset();
      return 143;
    }
    shutting_down = true;
    LOG_INFO("shutdown_started", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    (*agent)->BeginShutdown([self] { kill(self, SIGUSR1); });
  }
}

}  // namespace
}  // namespace herd::sidecar

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "agent") {
    return herd::sidecar::RunAgent({args.begin() + 1, args.end()}, argv[0]);
  }
  herd::sidecar::CliIo io{std::cin, std::cout, std::cerr,
                          [](const char* name) -> std::optional<std::string> {
                            const char* v = std::getenv(name);
                            if (v == nullptr) return std::nullopt;
                            return std::string(v);
                          }};
  return herd::sidecar::RunCli(args, io);
}
