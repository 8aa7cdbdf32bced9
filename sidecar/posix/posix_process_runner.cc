#include "sidecar/posix/posix_process_runner.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/log.h"
#include "sidecar/posix/launch_protocol.h"
#include "sidecar/posix/shim_spawn.h"

namespace herd::sidecar {
namespace {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

Status OsError(const std::string& what, int err = errno) {
  return Unavailable(what + ": " + strerror(err));
}

void CloseFd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

// Raises this process's RLIMIT_NOFILE soft limit to the hard one (two fds per child), once.
// Returns the soft limit children should get back, or nullopt when nothing was changed.
std::optional<uint64_t> RaiseFdLimitOnce() {
  static const std::optional<uint64_t> original = [] {
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) {
      return std::optional<uint64_t>();
    }
    uint64_t soft = lim.rlim_cur;
    lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) return std::optional<uint64_t>();
    return std::optional<uint64_t>(soft);
  }();
  return original;
}

// What Start prepares on the caller's thread for the runner thread to spawn.
struct SpawnPlan {
  InstanceId instance = 0;
  std::string workload;
  std::vector<std::string> argv;  // the shim's
  std::vector<std::string> env;   // the shim's, which it passes on to a process command
  std::string cwd;                // processes: the shim's and the command's working dir
  std::string container_id;
  std::string bundle_dir;
};

enum class FdKind { kPid, kOutput, kStatus };

}  // namespace

struct PosixProcessRunner::Impl {
  struct Child {
    InstanceId id = 0;
    std::string workload;
    pid_t pid = -1;
    int pidfd = -1;
    int out_fd = -1;
    int status_fd = -1;
    RotatingLog* log = nullptr;
    std::string status_text;  // the shim's failure message, if any
    std::optional<TimePoint> hard_kill_at;
    std::optional<TimePoint> sigkill_at;
    bool term_sent = false;
    bool hard_killed = false;
    std::string bundle_dir;
  };
  struct LogRef {
    std::unique_ptr<RotatingLog> log;
    int users = 0;
  };
  struct FdRef {
    InstanceId id;
    FdKind kind;
  };

  PosixRunnerOptions options;
  pid_t agent_pid = getpid();
  std::optional<uint64_t> child_nofile;  // the agent's original fd soft limit, when raised
  std::unique_ptr<ShimSpawner> spawner;  // outlives the runner thread (see ~PosixProcessRunner)

  // Shared with callers, under mu.
  mutable std::mutex mu;
  std::deque<std::function<void()>> tasks;
  bool loop_done = false;
  std::set<InstanceId> reserved;  // started or starting, exit not reported
  ExitCallback callback;
  std::atomic<size_t> running{0};
  mutable std::mutex logs_mu;  // log writes and rotations vs ReadLog

  // Runner thread only.
  int epfd = -1;
  int wake_fd = -1;
  std::map<InstanceId, Child> children;
  std::unordered_map<int, FdRef> fds;
  std::map<std::string, LogRef> logs;
  std::set<std::pair<TimePoint, InstanceId>> deadlines;
  bool quitting = false;
  std::thread thread;

  ~Impl() {
    CloseFd(&epfd);
    CloseFd(&wake_fd);
  }

  // Queues `fn` for the runner thread. False once the thread has finished.
  bool Post(std::function<void()> fn) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (loop_done) return false;
      tasks.push_back(std::move(fn));
    }
    uint64_t one = 1;
    (void)!write(wake_fd, &one, sizeof one);
    return true;
  }

  void Run();
  void RunTasks();
  void FireDeadlines();
  int NextTimeoutMs() const;
  void OnReadable(int fd);
  void ReadOutput(Child& c, bool drain);
  void ReadStatus(Child& c);
  void Reap(Child& c);
  Result<SpawnPlan> Plan(const StartRequest& req) const;
  Result<StartedChild> Spawn(SpawnPlan& plan);
  void StopChild(InstanceId id, std::chrono::milliseconds timeout);
  void HardKill(Child& c);
  void Watch(int fd, InstanceId id, FdKind kind);
  void Unwatch(int* fd);
  void ReleaseLog(const std::string& workload);
};

void PosixProcessRunner::Impl::Run() {
  std::vector<epoll_event> events(64);
  while (!(quitting && children.empty())) {
    int n = epoll_wait(epfd, events.data(), static_cast<int>(events.size()), NextTimeoutMs());
    if (n < 0 && errno != EINTR) {
      LOG_ERROR("runner_epoll_failed", {{"error", strerror(errno)}});
      break;
    }
    for (int i = 0; i < n; ++i) OnReadable(events[i].data.fd);
    RunTasks();
    FireDeadlines();
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    loop_done = true;
  }
  RunTasks();  // Start tasks see `quitting` and fail; nobody waits forever
}

void PosixProcessRunner::Impl::RunTasks() {
  uint64_t count;
  (void)!read(wake_fd, &count, sizeof count);
  std::deque<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mu);
    batch.swap(tasks);
  }
  for (auto& fn : batch) fn();
}

int PosixProcessRunner::Impl::NextTimeoutMs() const {
  if (deadlines.empty()) return -1;
  auto wait = deadlines.begin()->first - SteadyClock::now();
  if (wait <= SteadyClock::duration::zero()) return 0;
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wait).count());
}

void PosixProcessRunner::Impl::FireDeadlines() {
  TimePoint now = SteadyClock::now();
  while (!deadlines.empty() && deadlines.begin()->first <= now) {
    auto [at, id] = *deadlines.begin();
    deadlines.erase(deadlines.begin());
    auto it = children.find(id);
    if (it == children.end()) continue;
    Child& c = it->second;
    if (c.sigkill_at == at) {
      // The shim did not finish its hard kill in time: kill it directly. Its command still
      // dies (PDEATHSIG SIGKILL); grandchildren may not.
      LOG_WARNING("child_shim_unresponsive", {{"workload", c.workload}, {"pid", c.pid}});
      PidfdSignal(c.pidfd, SIGKILL);
      c.sigkill_at.reset();
    } else if (c.hard_kill_at == at) {
      c.hard_kill_at.reset();
      HardKill(c);
    }
  }
}

void PosixProcessRunner::Impl::OnReadable(int fd) {
  if (fd == wake_fd) return;  // RunTasks drains it
  auto ref = fds.find(fd);
  if (ref == fds.end()) return;
  auto it = children.find(ref->second.id);
  if (it == children.end()) return;
  switch (ref->second.kind) {
    case FdKind::kOutput:
      ReadOutput(it->second, /*drain=*/false);
      break;
    case FdKind::kStatus:
      ReadStatus(it->second);
      break;
    case FdKind::kPid:
      Reap(it->second);
      break;
  }
}

void PosixProcessRunner::Impl::ReadOutput(Child& c, bool drain) {
  char buf[64 << 10];
  for (int round = 0; c.out_fd >= 0 && (drain || round < 16); ++round) {
    ssize_t n = read(c.out_fd, buf, sizeof buf);
    if (n > 0) {
      std::lock_guard<std::mutex> lock(logs_mu);
      Status s = c.log->Append(std::string_view(buf, static_cast<size_t>(n)));
      if (!s.ok()) LOG_WARNING("child_log_write_failed", {{"error", s.ToString()}});
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    Unwatch(&c.out_fd);  // EOF (or an error): every writer is gone
  }
}

void PosixProcessRunner::Impl::ReadStatus(Child& c) {
  char buf[512];
  while (c.status_fd >= 0) {
    ssize_t n = read(c.status_fd, buf, sizeof buf);
    if (n > 0) {
      if (c.status_text.size() < 4096) c.status_text.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    Unwatch(&c.status_fd);
  }
}

void PosixProcessRunner::Impl::Reap(Child& c) {
  int status = 0;
  pid_t r;
  do {
    r = waitpid(c.pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return;  // not exited yet (a stale event)
  ChildExit exit;
  if (r < 0) {
    exit.error = std::string("exit status lost: ") + strerror(errno);
  } else if (WIFEXITED(status)) {
    exit.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    exit.signal = WTERMSIG(status);
  }
  // Everything the child wrote is in the pipe by now: the shim reaped its whole tree.
  ReadOutput(c, /*drain=*/true);
  Unwatch(&c.out_fd);
  ReadStatus(c);
  Unwatch(&c.status_fd);
  Unwatch(&c.pidfd);
  if (!c.status_text.empty()) exit.error = c.status_text;
  {
    std::lock_guard<std::mutex> lock(logs_mu);
    (void)c.log->EndOfStream();
  }
  ReleaseLog(c.workload);
  if (!c.bundle_dir.empty()) RemoveBundle(c.bundle_dir);
  LOG_INFO("child_exited", {{"workload", c.workload},
                            {"instance", c.id},
                            {"pid", c.pid},
                            {"code", exit.exit_code},
                            {"signal", exit.signal}});
  InstanceId id = c.id;
  children.erase(id);
  running.fetch_sub(1);
  ExitCallback cb;
  {
    std::lock_guard<std::mutex> lock(mu);
    reserved.erase(id);
    cb = callback;
  }
  if (cb && !quitting) cb(id, exit);
}

void PosixProcessRunner::Impl::Watch(int fd, InstanceId id, FdKind kind) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
  fds[fd] = FdRef{id, kind};
}

void PosixProcessRunner::Impl::Unwatch(int* fd) {
  if (*fd < 0) return;
  epoll_ctl(epfd, EPOLL_CTL_DEL, *fd, nullptr);
  fds.erase(*fd);
  CloseFd(fd);
}

void PosixProcessRunner::Impl::ReleaseLog(const std::string& workload) {
  auto it = logs.find(workload);
  if (it == logs.end() || --it->second.users > 0) return;
  std::lock_guard<std::mutex> lock(logs_mu);
  logs.erase(it);
}

Result<StartedChild> PosixProcessRunner::Impl::Spawn(SpawnPlan& plan) {
  if (quitting) return Unavailable("the process runner is shutting down");
  LogRef& ref = logs[plan.workload];
  if (ref.log == nullptr) {
    Result<std::unique_ptr<RotatingLog>> log =
        RotatingLog::Open(options.logs_dir, plan.workload, options.log);
    if (!log.ok()) {
      logs.erase(plan.workload);
      return log.status();
    }
    ref.log = std::move(log).value();
  }
  ++ref.users;
  Result<ShimProcess> shim =
      spawner->Spawn(options.launcher_path, std::move(plan.argv), std::move(plan.env), plan.cwd);
  if (!shim.ok()) {
    ReleaseLog(plan.workload);
    return shim.status().WithContext("workload " + plan.workload);
  }
  pid_t pid = shim->pid;
  Child& c = children[plan.instance];
  c.id = plan.instance;
  c.workload = plan.workload;
  c.pid = pid;
  c.pidfd = shim->pidfd;
  c.out_fd = shim->out_fd;
  c.status_fd = shim->status_fd;
  c.log = ref.log.get();
  c.bundle_dir = plan.bundle_dir;
  Watch(c.pidfd, c.id, FdKind::kPid);
  Watch(c.out_fd, c.id, FdKind::kOutput);
  Watch(c.status_fd, c.id, FdKind::kStatus);
  running.fetch_add(1);
  LOG_INFO("child_started", {{"workload", c.workload}, {"instance", c.id}, {"pid", pid}});
  return StartedChild{.pid = pid, .container_id = plan.container_id};
}

void PosixProcessRunner::Impl::StopChild(InstanceId id, std::chrono::milliseconds timeout) {
  auto it = children.find(id);
  if (it == children.end()) return;
  Child& c = it->second;
  if (c.hard_killed) return;
  if (timeout <= std::chrono::milliseconds(0)) {
    HardKill(c);
    return;
  }
  if (!c.term_sent) {
    PidfdSignal(c.pidfd, SIGTERM);
    c.term_sent = true;
  }
  TimePoint at = SteadyClock::now() + timeout;
  if (!c.hard_kill_at.has_value() || at < *c.hard_kill_at) {
    c.hard_kill_at = at;
    deadlines.emplace(at, id);
  }
}

void PosixProcessRunner::Impl::HardKill(Child& c) {
  if (c.hard_killed) return;
  c.hard_killed = true;
  c.hard_kill_at.reset();
  PidfdSignal(c.pidfd, launch::HardKillSignal());
  c.sigkill_at = SteadyClock::now() + options.kill_grace;
  deadlines.emplace(*c.sigkill_at, c.id);
}

// Everything Start needs to spawn `req`, checked (child_setup.h, runc_runtime.h). Writes a
// container's bundle; nothing else changes.
Result<SpawnPlan> PosixProcessRunner::Impl::Plan(const StartRequest& req) const {
  const PosixRunnerOptions& o = options;
  const WorkloadSpec& spec = *req.spec;
  std::vector<std::string> env = BuildChildEnv(req, o.default_path);
  SpawnPlan plan;
  plan.instance = req.instance;
  plan.workload = req.workload;
  plan.argv = {o.launcher_path, launch::kAgentPidFlag, std::to_string(agent_pid)};
  if (child_nofile.has_value()) {
    plan.argv.insert(plan.argv.end(), {launch::kNofileFlag, std::to_string(*child_nofile)});
  }
  std::optional<uint32_t> gid = o.run_as_gid.has_value() ? o.run_as_gid : o.run_as_uid;
  if (spec.runtime == Runtime::kContainer) {
    Result<ContainerLaunch> launch =
        PrepareContainer(o.container, req, env, o.run_as_uid.value_or(0), gid.value_or(0));
    if (!launch.ok()) return launch.status();
    plan.argv.insert(plan.argv.end(),
                     {launch::kRuncFlag, launch->runc, launch::kRuncRootFlag, launch->runc_root,
                      launch::kContainerIdFlag, launch->container_id, "--", launch->runc});
    plan.argv.insert(plan.argv.end(), launch->argv.begin(), launch->argv.end());
    plan.env = {"PATH=" + o.default_path};
    plan.container_id = launch->container_id;
    plan.bundle_dir = launch->bundle_dir;
  } else {
    Status dir = CheckWorkingDir(spec.working_dir);
    Result<std::string> path =
        dir.ok() ? ResolveCommand(spec.command[0], EnvValue(env, "PATH"), spec.working_dir)
                 : Result<std::string>(dir);
    if (!path.ok()) return path.status();
    if (o.run_as_uid.has_value()) {
      plan.argv.insert(plan.argv.end(), {launch::kUidFlag, std::to_string(*o.run_as_uid)});
    }
    if (gid.has_value()) {
      plan.argv.insert(plan.argv.end(), {launch::kGidFlag, std::to_string(*gid)});
    }
    plan.argv.push_back("--");
    plan.argv.push_back(*path);
    plan.argv.insert(plan.argv.end(), spec.command.begin(), spec.command.end());
    plan.env = std::move(env);
    plan.cwd = spec.working_dir;
  }
  return plan;
}

// ---- PosixProcessRunner ----

Result<std::unique_ptr<PosixProcessRunner>> PosixProcessRunner::Create(PosixRunnerOptions options) {
  if (options.launcher_path.empty()) {
    return InvalidArgument("the herd-launch path is required", "launcher_path");
  }
  if (options.logs_dir.empty()) return InvalidArgument("a logs dir is required", "logs_dir");
  if (access(options.launcher_path.c_str(), X_OK) != 0) {
    return FailedPrecondition("herd-launch is not executable at " + options.launcher_path + ": " +
                              strerror(errno));
  }
  RETURN_IF_ERROR(MakeDirs(options.logs_dir));
  int self = PidfdOpen(getpid());
  if (self < 0) {
    return FailedPrecondition(std::string("pidfd_open is not supported (Linux >= 5.3): ") +
                              strerror(errno));
  }
  close(self);
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->child_nofile = RaiseFdLimitOnce();
  ASSIGN_OR_RETURN(impl->spawner, ShimSpawner::Create());
  impl->epfd = epoll_create1(EPOLL_CLOEXEC);
  impl->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl->epfd < 0 || impl->wake_fd < 0) return OsError("epoll/eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = impl->wake_fd;
  epoll_ctl(impl->epfd, EPOLL_CTL_ADD, impl->wake_fd, &ev);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<PosixProcessRunner>(new PosixProcessRunner(std::move(impl)));
}

PosixProcessRunner::PosixProcessRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PosixProcessRunner::~PosixProcessRunner() {
  Impl* impl = impl_.get();
  impl->Post([impl] {
    impl->quitting = true;
    for (auto& [id, c] : impl->children) impl->HardKill(c);
  });
  impl->thread.join();
}

void PosixProcessRunner::SetExitCallback(ExitCallback cb) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->callback = std::move(cb);
}

Result<StartedChild> PosixProcessRunner::Start(const StartRequest& req) {
  if (req.spec == nullptr || req.spec->command.empty() || req.spec->command[0].empty()) {
    return InvalidArgument("workload " + req.workload + ": the command is empty", "spec.command");
  }
  RETURN_IF_ERROR(ValidateLogName(req.workload));
  const PosixRunnerOptions& o = impl_->options;
  if (!o.run_as_uid.has_value() && geteuid() == 0 && !o.allow_root) {
    return FailedPrecondition("refusing to run workload " + req.workload +
                              " as root: configure run_as_uid or allow_root");
  }
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (!impl_->reserved.insert(req.instance).second) {
      return AlreadyExists("instance " + std::to_string(req.instance) + " is already running");
    }
  }
  auto unreserve = [this, &req] {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->reserved.erase(req.instance);
  };

  Result<SpawnPlan> planned = impl_->Plan(req);
  if (!planned.ok()) {
    unreserve();
    return planned.status();
  }
  SpawnPlan& plan = *planned;

  // The runner thread owns the children's bookkeeping: spawn there (it hands the spawn itself to
  // the spawner's thread).
  Impl* impl = impl_.get();
  Result<StartedChild> result = Unavailable("the process runner has stopped");
  if (std::this_thread::get_id() == impl->thread.get_id()) {
    result = impl->Spawn(plan);  // from the ExitCallback
  } else {
    std::promise<Result<StartedChild>> promise;
    std::future<Result<StartedChild>> future = promise.get_future();
    if (impl->Post([impl, &plan, &promise] { promise.set_value(impl->Spawn(plan)); })) {
      result = future.get();
    }
  }
  if (!result.ok()) {
    if (!plan.bundle_dir.empty()) RemoveBundle(plan.bundle_dir);
    unreserve();
  }
  return result;
}

void PosixProcessRunner::Stop(InstanceId instance, std::chrono::milliseconds timeout) {
  Impl* impl = impl_.get();
  impl->Post([impl, instance, timeout] { impl->StopChild(instance, timeout); });
}

void PosixProcessRunner::KillAll() {
  Impl* impl = impl_.get();
  impl->Post([impl] {
    for (auto& [id, c] : impl->children) impl->HardKill(c);
  });
}

size_t PosixProcessRunner::running() const { return impl_->running.load(); }

Result<std::string> PosixProcessRunner::ReadLog(std::string_view workload,
                                                size_t tail_lines) const {
  RETURN_IF_ERROR(ValidateLogName(workload));
  std::lock_guard<std::mutex> lock(impl_->logs_mu);
  return ReadLogTail(impl_->options.logs_dir, workload, impl_->options.log.keep, tail_lines);
}

}  // namespace herd::sidecar
