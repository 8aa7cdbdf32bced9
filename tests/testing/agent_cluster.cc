#include "tests/testing/agent_cluster.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/testing/child_process.h"

namespace herd::testing {
namespace {

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

AgentCluster::AgentCluster(AgentClusterOptions options)
    : options_(std::move(options)), reserved_(3 * options_.members) {
  char tmpl[] = "/tmp/herd-cluster-test.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  static int counter = 0;
  run_ = "ht" + std::to_string(getpid()) + "x" + std::to_string(++counter);
  const std::vector<int>& ports = reserved_.ports();
  members_.resize(options_.members);
  for (int i = 0; i < options_.members; ++i) {
    members_[i].api_port = ports[3 * i];
    members_[i].peer_port = ports[3 * i + 1];
    members_[i].metrics_port = ports[3 * i + 2];
  }
}

AgentCluster::~AgentCluster() {
  for (int i = 0; i < size(); ++i) {
    if (running(i)) Kill(i);
  }
  clients_.clear();
  metrics_clients_.clear();
  // Children die with their agent (parent-death signal); sweep anything of this run anyway.
  WaitFor([&] { return CountCopies().empty(); }, std::chrono::seconds(5));
  for (const auto& [pid, name] : Copies()) {
    std::fprintf(stderr, "agent_cluster: killing a leftover copy of %s (pid %d)\n", name.c_str(),
                 static_cast<int>(pid));
    kill(pid, SIGKILL);
  }
  if (std::getenv("HERD_KEEP_TEST_DIRS") == nullptr) {
    RemoveTree(dir_);
  }
}

std::string AgentCluster::data_dir(int i) const { return dir_ + "/" + name(i) + "/data"; }
std::string AgentCluster::log_path(int i) const { return dir_ + "/" + name(i) + "/agent.log"; }

std::string AgentCluster::MemberList() const {
  std::string list;
  for (int i = 0; i < size(); ++i) {
    if (!list.empty()) list += ",";
    list += name(i) + "=127.0.0.1:" + std::to_string(members_[i].peer_port);
  }
  return list;
}

void AgentCluster::Start(int i) {
  if (running(i)) return;
  const std::string mdir = dir_ + "/" + name(i);
  mkdir(mdir.c_str(), 0755);
  std::vector<std::string> args = {options_.herd_binary,
                                   "agent",
                                   "--name",
                                   name(i),
                                   "--members",
                                   MemberList(),
                                   "--api-address",
                                   "127.0.0.1:" + std::to_string(members_[i].api_port),
                                   "--peer-address",
                                   "127.0.0.1:" + std::to_string(members_[i].peer_port),
                                   "--metrics-address",
                                   "127.0.0.1:" + std::to_string(members_[i].metrics_port),
                                   "--data-dir",
                                   data_dir(i),
                                   "--heartbeat-deadline",
                                   options_.heartbeat_deadline};
  if (geteuid() == 0) args.push_back("--allow-root");  // tests run as root in CI
  args.insert(args.end(), options_.extra_flags.begin(), options_.extra_flags.end());
  if (auto it = options_.member_flags.find(i); it != options_.member_flags.end()) {
    args.insert(args.end(), it->second.begin(), it->second.end());
  }
  members_[i].pid = SpawnWithLog(std::move(args), log_path(i));
}

void AgentCluster::StartAll() {
  for (int i = 0; i < size(); ++i) Start(i);
}

void AgentCluster::Signal(int i, int sig) {
  if (running(i)) kill(members_[i].pid, sig);
}

std::optional<int> AgentCluster::WaitExit(int i, std::chrono::milliseconds deadline) {
  if (!running(i)) return std::nullopt;
  int status = 0;
  const bool done = WaitFor(
      [&] { return waitpid(members_[i].pid, &status, WNOHANG) == members_[i].pid; }, deadline);
  if (!done) return std::nullopt;
  members_[i].pid = 0;
  clients_.erase(i);
  return status;
}

void AgentCluster::Kill(int i) {
  if (!running(i)) return;
  kill(members_[i].pid, SIGKILL);
  int status = 0;
  waitpid(members_[i].pid, &status, 0);
  members_[i].pid = 0;
  clients_.erase(i);
}

bool AgentCluster::WaitReady(int i, std::chrono::milliseconds deadline) {
  std::string last;
  const bool ready = WaitFor(
      [&] {
        Result<sidecar::HttpResponse> r = Call(i, "GET", "/readyz");
        if (r.ok() && r->status == 200) return true;
        last = r.ok() ? std::to_string(r->status) + " " + r->body : r.status().ToString();
        return false;
      },
      deadline);
  if (!ready) {
    // Say why: the agent's last answer, whether it is still alive, and how its log ends.
    const bool was_running = running(i);
    const std::optional<int> status = WaitExit(i, std::chrono::milliseconds(0));  // reaps it
    const std::string process = status        ? "exited with wait status " + std::to_string(*status)
                                : was_running ? "still running"
                                              : "not started";
    std::string log = ReadWhole(log_path(i));
    size_t from = log.size();  // back to the start of the last 40 lines
    for (int lines = 0; lines <= 40 && from != 0; ++lines) {
      const size_t newline = log.rfind('\n', from - 1);
      from = newline == std::string::npos ? 0 : newline;
    }
    std::fprintf(stderr,
                 "agent_cluster: %s not ready after %lld ms (%s); last /readyz: %s\n"
                 "--- the end of %s ---\n%s\n---\n",
                 name(i).c_str(), static_cast<long long>(deadline.count()), process.c_str(),
                 last.c_str(), log_path(i).c_str(), log.substr(from).c_str());
  }
  return ready;
}

bool AgentCluster::WaitAllReady(std::chrono::milliseconds deadline) {
  for (int i = 0; i < size(); ++i) {
    if (running(i) && !WaitReady(i, deadline)) return false;
  }
  return true;
}

Result<sidecar::HttpResponse> AgentCluster::Call(int i, const std::string& method,
                                                 const std::string& path, std::string body,
                                                 const std::string& content_type) {
  auto& client = clients_[i];
  if (!client) {
    sidecar::HttpClientOptions o;
    o.base_url = api_url(i);
    o.default_timeout = std::chrono::seconds(30);
    ASSIGN_OR_RETURN(client, sidecar::HttpClient::Create(o));
  }
  sidecar::HttpHeaders headers;
  if (!content_type.empty()) headers.Set("Content-Type", content_type);
  return client->SendSync(method, path, std::move(body), std::move(headers));
}

Result<std::string> AgentCluster::Scrape(int i) {
  auto& client = metrics_clients_[i];
  if (!client) {
    sidecar::HttpClientOptions o;
    o.base_url = "http://127.0.0.1:" + std::to_string(metrics_port(i));
    o.default_timeout = std::chrono::seconds(30);
    ASSIGN_OR_RETURN(client, sidecar::HttpClient::Create(o));
  }
  ASSIGN_OR_RETURN(sidecar::HttpResponse r, client->SendSync("GET", "/metrics", {}, {}));
  if (r.status != 200) {
    return Status(StatusCode::kUnavailable,
                  "GET /metrics of " + name(i) + ": status " + std::to_string(r.status));
  }
  return std::move(r.body);
}

std::string AgentCluster::SleeperYaml(const std::string& prefix, int count, int first,
                                      int shutdown_timeout_seconds) const {
  std::string out;
  out.reserve(static_cast<size_t>(count) * 200);
  for (int k = first; k < first + count; ++k) {
    const std::string name = prefix + "-" + std::to_string(k);
    out += "apiVersion: herd.dev/v1alpha1\nkind: Workload\nmetadata: {name: " + name +
           "}\nspec:\n  command: [\"" + options_.sleeper_binary + "\", \"" + run_ + "-" + name +
           "\"]\n  shutdownTimeoutSeconds: " + std::to_string(shutdown_timeout_seconds) + "\n---\n";
  }
  return out;
}

std::map<std::string, int> AgentCluster::CountCopies() const {
  std::map<std::string, int> copies;
  for (const auto& [pid, name] : Copies()) copies[name]++;
  return copies;
}

std::set<std::string> AgentCluster::Names(const std::string& prefix, int count) {
  std::set<std::string> out;
  for (int k = 0; k < count; ++k) out.insert(prefix + "-" + std::to_string(k));
  return out;
}

bool AgentCluster::RunsExactlyOnce(const std::set<std::string>& names) const {
  const std::map<std::string, int> copies = CountCopies();
  if (copies.size() != names.size()) return false;
  for (const auto& [name, n] : copies) {
    if (n != 1 || !names.count(name)) return false;
  }
  return true;
}

std::vector<std::pair<pid_t, std::string>> AgentCluster::Copies() const {
  std::vector<std::pair<pid_t, std::string>> out;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return out;
  const std::string prefix = run_ + "-";
  while (dirent* e = readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const std::string cmdline = ReadWhole("/proc/" + std::string(e->d_name) + "/cmdline");
    // argv[0] is the sleeper itself (the shim's argv[0] is herd-launch), argv[1] the marker.
    const size_t nul = cmdline.find('\0');
    if (nul == std::string::npos || cmdline.compare(0, nul, options_.sleeper_binary) != 0) {
      continue;
    }
    const std::string marker = cmdline.substr(nul + 1, cmdline.find('\0', nul + 1) - nul - 1);
    if (marker.rfind(prefix, 0) == 0) {
      out.emplace_back(static_cast<pid_t>(std::atoi(e->d_name)), marker.substr(prefix.size()));
    }
  }
  closedir(proc);
  return out;
}

bool AgentCluster::WaitFor(const std::function<bool()>& done, std::chrono::milliseconds deadline) {
  return testing::WaitFor(done, deadline, std::chrono::milliseconds(10));  // /proc scans cost
}

}  // namespace herd::testing
