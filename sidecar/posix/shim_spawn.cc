#include "sidecar/posix/shim_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "sidecar/posix/launch_protocol.h"

namespace herd::sidecar {
namespace {

Status OsError(const std::string& what, int err) {
  return Unavailable(what + ": " + strerror(err));
}

void CloseFd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

// Moves `fd` to a number >= 10 (still O_CLOEXEC), so that dup2 onto 0..3 in the shim never has
// source == target (which would leave O_CLOEXEC set and close it at exec).
int HighFd(int fd) {
  if (fd < 0 || fd >= 10) return fd;
  int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
  close(fd);
  return high;
}

struct Pipe {
  int r = -1;
  int w = -1;
  void Close() {
    CloseFd(&r);
    CloseFd(&w);
  }
};

Result<Pipe> MakePipe() {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return OsError("pipe2", errno);
  Pipe pipe{HighFd(p[0]), HighFd(p[1])};
  if (pipe.r < 0 || pipe.w < 0) {
    Status s = OsError("fcntl(F_DUPFD_CLOEXEC)", errno);
    pipe.Close();
    return s;
  }
  fcntl(pipe.r, F_SETFL, O_NONBLOCK);  // the read end only: the child's end stays blocking
  return pipe;
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (std::string& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

int PidfdOpen(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

int PidfdSignal(int pidfd, int signal) {
  return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0));
}

namespace {

// Runs on the spawn thread: fds here live in its private table.
Result<ShimProcess> SpawnHere(const std::string& launcher, std::vector<std::string>& argv,
                              std::vector<std::string>& env, const std::string& cwd) {
  Result<Pipe> out = MakePipe();
  if (!out.ok()) return out.status();
  Result<Pipe> st = MakePipe();
  if (!st.ok()) {
    out->Close();
    return st.status();
  }

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out->w, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, out->w, STDERR_FILENO);
  posix_spawn_file_actions_adddup2(&fa, st->w, launch::kStatusFd);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t mask = launch::ShimSignals();
  posix_spawnattr_setsigmask(&attr, &mask);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attr, &all);
  std::vector<char*> argv_c = CStrings(argv);
  std::vector<char*> env_c = CStrings(env);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, launcher.c_str(), &fa, &attr, argv_c.data(), env_c.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  CloseFd(&out->w);
  CloseFd(&st->w);
  if (rc != 0) {
    out->Close();
    st->Close();
    return OsError("cannot spawn " + launcher, rc);
  }
  int pidfd = PidfdOpen(pid);
  if (pidfd < 0) {
    Status s = OsError("pidfd_open", errno);
    kill(pid, SIGKILL);
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    out->Close();
    st->Close();
    return s;
  }
  return ShimProcess{.pid = pid, .pidfd = pidfd, .out_fd = out->r, .status_fd = st->r};
}

Status SendFds(int sock, const int (&fds)[3]) {
  char byte = 'f';
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof fds)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof fds);
  memcpy(CMSG_DATA(cmsg), fds, sizeof fds);
  while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
    if (errno != EINTR) return OsError("sendmsg(SCM_RIGHTS)", errno);
  }
  return Status::Ok();
}

Status ReceiveFds(int sock, int (&fds)[3]) {
  char byte;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof fds)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  while (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0) {
    if (errno != EINTR) return OsError("recvmsg(SCM_RIGHTS)", errno);
  }
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  if (cmsg == nullptr || cmsg->cmsg_type != SCM_RIGHTS || cmsg->cmsg_len != CMSG_LEN(sizeof fds)) {
    return Internal("recvmsg(SCM_RIGHTS): no fds received");
  }
  memcpy(fds, CMSG_DATA(cmsg), sizeof fds);
  return Status::Ok();
}

// Keeps only fds 0-2 and `keep` in this thread's (unshared) table.
void CloseAllBut(int keep) {
  auto close_range = [](unsigned first, unsigned last) {
    if (first > last) return;
    if (syscall(SYS_close_range, first, last, 0) == 0) return;
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = first; fd <= last && fd < max; ++fd) close(static_cast<int>(fd));
  };
  close_range(3, static_cast<unsigned>(keep) - 1);
  close_range(static_cast<unsigned>(keep) + 1, ~0U);
}

}  // namespace

struct ShimSpawner::State {
  int caller_sock = -1;  // in the process's fd table
  int thread_sock = -1;  // in the spawn thread's table (same number: made before the unshare)
  std::mutex call_mu;    // one Spawn at a time, so fds and results pair up
  std::mutex mu;
  std::condition_variable cv;
  std::function<Result<pid_t>()> job;  // set by Spawn, run and cleared by the thread
  std::optional<Result<pid_t>> result;
  bool quit = false;
  std::thread thread;

  void Run(std::promise<Status>* ready) {
    if (unshare(CLONE_FILES) != 0) {
      ready->set_value(OsError("unshare(CLONE_FILES)", errno));
      return;
    }
    CloseAllBut(thread_sock);
    ready->set_value(Status::Ok());
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      cv.wait(lock, [&] { return quit || job != nullptr; });
      if (quit) return;
      std::function<Result<pid_t>()> fn = std::move(job);
      job = nullptr;
      lock.unlock();
      Result<pid_t> r = fn();
      lock.lock();
      result = std::move(r);
      cv.notify_all();
    }
  }
};

Result<std::unique_ptr<ShimSpawner>> ShimSpawner::Create() {
  auto state = std::make_unique<State>();
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return OsError("socketpair", errno);
  }
  state->caller_sock = sv[0];
  state->thread_sock = sv[1];
  std::promise<Status> ready;
  State* raw = state.get();
  raw->thread = std::thread([raw, &ready] { raw->Run(&ready); });
  Status started = ready.get_future().get();
  if (!started.ok()) {
    raw->thread.join();
    close(sv[0]);
    close(sv[1]);
    return started;
  }
  close(sv[1]);  // the process's copy; the thread keeps its own
  return std::unique_ptr<ShimSpawner>(new ShimSpawner(std::move(state)));
}

ShimSpawner::ShimSpawner(std::unique_ptr<State> state) : state_(std::move(state)) {}

ShimSpawner::~ShimSpawner() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->quit = true;
  }
  state_->cv.notify_all();
  state_->thread.join();
  close(state_->caller_sock);
}

Result<ShimProcess> ShimSpawner::Spawn(const std::string& launcher, std::vector<std::string> argv,
                                       std::vector<std::string> env, const std::string& cwd) {
  std::lock_guard<std::mutex> call(state_->call_mu);
  State* st = state_.get();
  auto job = [st, &launcher, &argv, &env, &cwd]() -> Result<pid_t> {
    Result<ShimProcess> shim = SpawnHere(launcher, argv, env, cwd);
    if (!shim.ok()) return shim.status();
    int fds[3] = {shim->pidfd, shim->out_fd, shim->status_fd};
    Status sent = SendFds(st->thread_sock, fds);
    for (int fd : fds) close(fd);
    if (!sent.ok()) {
      kill(shim->pid, SIGKILL);
      while (waitpid(shim->pid, nullptr, 0) < 0 && errno == EINTR) {
      }
      return sent;
    }
    return shim->pid;
  };
  Result<pid_t> pid = Internal("unreachable");
  {
    std::unique_lock<std::mutex> lock(st->mu);
    st->job = job;
    st->result.reset();
    st->cv.notify_all();
    st->cv.wait(lock, [&] { return st->result.has_value(); });
    pid = std::move(*st->result);
  }
  if (!pid.ok()) return pid.status();
  int fds[3];
  Status received = ReceiveFds(st->caller_sock, fds);
  if (!received.ok()) {
    kill(*pid, SIGKILL);  // cannot happen short of fd exhaustion; leave nothing running
    while (waitpid(*pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return received;
  }
  return ShimProcess{.pid = *pid, .pidfd = fds[0], .out_fd = fds[1], .status_fd = fds[2]};
}

}  // namespace herd::sidecar
