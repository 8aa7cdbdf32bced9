// AgentCluster: real `herd agent` processes on loopback for integration tests and benchmarks.
//
// Member i is named herd-i, listens on free loopback ports picked at start (API, peer and
// metrics), keeps its data in <dir>/herd-i/data and its log in <dir>/herd-i/agent.log. The
// cluster can start, kill (any signal), wait for and restart members, call their REST APIs,
// scrape their /metrics, and count the real OS processes of each workload: workloads made by
// SleeperYaml run build/herd-sleeper with a marker "<run>-<name>" in argv, so CountCopies()
// finds every copy on the machine, whoever runs it.
//
// The destructor SIGKILLs every agent still running (their children die with them), kills any
// sleeper of this run that survived, and removes the directory unless HERD_KEEP_TEST_DIRS is
// set. Waits poll with a deadline; nothing sleeps blindly.
//
// Threading: one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "sidecar/http.h"
#include "sidecar/posix/http_client.h"
#include "tests/testing/child_process.h"

namespace herd::testing {

struct AgentClusterOptions {
  int members = 3;
  std::string herd_binary;               // build/herd
  std::string sleeper_binary;            // build/herd-sleeper
  std::vector<std::string> extra_flags;  // for every agent, e.g. {"--strategy", "uniform_quorum"}
  std::map<int, std::vector<std::string>> member_flags;  // for one member, after extra_flags
  std::string heartbeat_deadline = "1s";
};

#ifdef HERD_BINARY_DIR
// Options for `members` agents of this build's herd and herd-sleeper (HERD_BINARY_DIR: the build
// dir, defined by each test target that runs real agents).
inline AgentClusterOptions BuiltAgents(int members) {
  AgentClusterOptions o;
  o.members = members;
  o.herd_binary = HERD_BINARY_DIR "/herd";
  o.sleeper_binary = HERD_BINARY_DIR "/herd-sleeper";
  return o;
}
#endif

class AgentCluster {
 public:
  explicit AgentCluster(AgentClusterOptions options);
  ~AgentCluster();
  AgentCluster(const AgentCluster&) = delete;
  AgentCluster& operator=(const AgentCluster&) = delete;

  int size() const { return static_cast<int>(members_.size()); }
  std::string name(int i) const { return "herd-" + std::to_string(i); }
  const std::string& dir() const { return dir_; }
  std::string data_dir(int i) const;
  std::string log_path(int i) const;
  int api_port(int i) const { return members_[i].api_port; }
  int peer_port(int i) const { return members_[i].peer_port; }
  // Where member i serves /metrics (--metrics-address 127.0.0.1:<port>).
  int metrics_port(int i) const { return members_[i].metrics_port; }
  std::string api_url(int i) const { return "http://127.0.0.1:" + std::to_string(api_port(i)); }
  pid_t pid(int i) const { return members_[i].pid; }
  bool running(int i) const { return members_[i].pid > 0; }

  // The options later Start() calls use (e.g. flags naming files under dir()).
  AgentClusterOptions& options() { return options_; }

  // Spawns member i (again). Its earlier log is appended to.
  void Start(int i);
  void StartAll();
  // Sends `sig` to member i's agent.
  void Signal(int i, int sig);
  // Waits for member i to exit; its wait status, or nullopt after `deadline`.
  std::optional<int> WaitExit(int i, std::chrono::milliseconds deadline);
  // kill -9 and reap.
  void Kill(int i);
  // Polls GET /readyz until 200.
  bool WaitReady(int i, std::chrono::milliseconds deadline = std::chrono::seconds(20));
  bool WaitAllReady(std::chrono::milliseconds deadline = std::chrono::seconds(20));

  // GET /metrics of member i: the Prometheus text exposition.
  Result<std::string> Scrape(int i);

  // One REST call to member i.
  Result<sidecar::HttpResponse> Call(int i, const std::string& method, const std::string& path,
                                     std::string body = {}, const std::string& content_type = {});

  // A multi-document YAML of `count` sleeper workloads named <prefix>-<k> (k from `first`).
  std::string SleeperYaml(const std::string& prefix, int count, int first = 0,
                          int shutdown_timeout_seconds = 5) const;
  // Live copies of every sleeper workload of this run, by workload name (the sleeper process
  // itself, not its herd-launch shim).
  std::map<std::string, int> CountCopies() const;
  // The names SleeperYaml(prefix, count) declares.
  static std::set<std::string> Names(const std::string& prefix, int count);
  // Every one of `names` runs exactly once, and nothing else of this run runs.
  bool RunsExactlyOnce(const std::set<std::string>& names) const;
  // The same copies with their pids.
  std::vector<std::pair<pid_t, std::string>> Copies() const;
  // Polls until `done` holds; false after `deadline`.
  static bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds deadline);

  const std::string& run_marker() const { return run_; }

 private:
  struct Member {
    int api_port = 0;
    int peer_port = 0;
    int metrics_port = 0;
    pid_t pid = 0;
  };
  std::string MemberList() const;

  AgentClusterOptions options_;
  std::string dir_;
  std::string run_;
  ReservedPorts reserved_;  // every member's three ports, held while the cluster lives
  std::vector<Member> members_;
  std::map<int, std::unique_ptr<sidecar::HttpClient>> clients_;
  std::map<int, std::unique_ptr<sidecar::HttpClient>> metrics_clients_;
};

}  // namespace herd::testing
