// PosixProcessRunner with real children: exits, signals, env, logs, stop, process groups,
// zombies, fds, privileges. Integration tests: they spawn processes and wait with deadlines.
#include "sidecar/posix/posix_process_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/sidecar/runtime_test_util.h"

namespace herd::sidecar {
namespace {

using ::herd::sidecar::testing::ExitCollector;
using ::herd::sidecar::testing::ProcessesWithMarker;
using ::herd::sidecar::testing::ReadFile;
using ::herd::sidecar::testing::SleepersWithMarker;
using ::herd::sidecar::testing::SleepMarker;
using ::herd::sidecar::testing::TempDir;
using ::herd::sidecar::testing::WaitFor;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

WorkloadSpec Shell(const std::string& script) {
  WorkloadSpec spec;
  spec.command = {"sh", "-c", script};
  return spec;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class PosixRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override { Make(Options()); }

  PosixRunnerOptions Options() {
    PosixRunnerOptions o;
    o.launcher_path = HERD_LAUNCH_PATH;
    o.logs_dir = dir_.path() + "/logs";
    o.allow_root = true;
    o.kill_grace = milliseconds(3000);
    return o;
  }

  void Make(PosixRunnerOptions o) {
    runner_.reset();
    auto r = PosixProcessRunner::Create(std::move(o));
    ASSERT_TRUE(r.ok()) << r.status();
    runner_ = std::move(r).value();
    runner_->SetExitCallback(exits_.Callback());
  }

  Result<StartedChild> Start(InstanceId id, const WorkloadSpec& spec,
                             const std::string& workload = "w") {
    StartRequest req{
        .instance = id, .workload = workload, .generation = 7, .member = "member-a", .spec = &spec};
    return runner_->Start(req);
  }

  // Runs `spec` to completion and returns its exit.
  ChildExit RunToExit(InstanceId id, const WorkloadSpec& spec, const std::string& workload = "w") {
    auto started = Start(id, spec, workload);
    EXPECT_TRUE(started.ok()) << started.status();
    std::optional<ChildExit> exit = exits_.Wait(id);
    EXPECT_TRUE(exit.has_value()) << "no exit for instance " << id;
    return exit.value_or(ChildExit{});
  }

  std::string Log(const std::string& workload = "w", size_t tail = 0) {
    auto log = runner_->ReadLog(workload, tail);
    return log.ok() ? *log : "";
  }

  // Waits until the workload's log contains `text`.
  bool WaitForLog(const std::string& text, const std::string& workload = "w") {
    return WaitFor([&] { return Log(workload).find(text) != std::string::npos; });
  }

  TempDir dir_;
  ExitCollector exits_;
  std::unique_ptr<PosixProcessRunner> runner_;
};

TEST_F(PosixRunnerTest, ReportsExitCode) {
  ChildExit exit = RunToExit(1, Shell("exit 3"));
  EXPECT_EQ(exit, (ChildExit{.exit_code = 3, .signal = 0, .error = ""}));
  EXPECT_EQ(runner_->running(), 0u);
}

TEST_F(PosixRunnerTest, ReportsKillingSignal) {
  ChildExit exit = RunToExit(1, Shell("kill -USR1 $$"));
  EXPECT_EQ(exit, (ChildExit{.exit_code = -1, .signal = SIGUSR1, .error = ""}));
}

TEST_F(PosixRunnerTest, SetsCleanEnvironmentAndWorkingDir) {
  setenv("HERD_TEST_AGENT_ONLY", "leak", 1);
  WorkloadSpec spec =
      Shell("echo \"$HERD_WORKLOAD|$HERD_MEMBER|$HERD_GENERATION|$FOO|$(pwd)\"; env");
  spec.env = {{"FOO", "bar"}, {"HERD_MEMBER", "spoofed"}};
  spec.working_dir = dir_.path();
  ChildExit exit = RunToExit(1, spec, "env-check");
  unsetenv("HERD_TEST_AGENT_ONLY");
  ASSERT_TRUE(exit.clean()) << exit.exit_code << " " << exit.error;
  std::string log = Log("env-check");
  EXPECT_THAT(log, HasSubstr("env-check|member-a|7|bar|" + dir_.path() + "\n"));
  EXPECT_THAT(log, HasSubstr("PATH=" + std::string(kDefaultChildPath)));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("HERD_TEST_AGENT_ONLY")));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("HOME=")));
}

TEST_F(PosixRunnerTest, CommandNotFoundIsAClearErrorAndNothingRuns) {
  WorkloadSpec spec;
  spec.command = {"herd-no-such-command"};
  auto started = Start(1, spec);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(started.status().field(), "spec.command[0]");
  EXPECT_THAT(started.status().message(), HasSubstr("\"herd-no-such-command\" not found in PATH"));
  EXPECT_EQ(runner_->running(), 0u);
  // The id is free again and no exit is ever reported for it.
  ChildExit exit = RunToExit(1, Shell("exit 0"));
  EXPECT_TRUE(exit.clean());
  EXPECT_EQ(exits_.count(), 1);
}

TEST_F(PosixRunnerTest, MissingWorkingDirIsAClearError) {
  WorkloadSpec spec = Shell("true");
  spec.working_dir = dir_.path() + "/missing";
  auto started = Start(1, spec);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(started.status().field(), "spec.workingDir");
  EXPECT_EQ(runner_->running(), 0u);
}

TEST_F(PosixRunnerTest, RejectsEmptyCommandAndDuplicateInstance) {
  WorkloadSpec empty;
  auto started = Start(1, empty);
  EXPECT_EQ(started.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(started.status().field(), "spec.command");

  WorkloadSpec sleeper;
  sleeper.command = {"sleep", "1000"};
  ASSERT_TRUE(Start(2, sleeper).ok());
  auto again = Start(2, sleeper);
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(runner_->running(), 1u);
  runner_->Stop(2, milliseconds(0));
  ASSERT_TRUE(exits_.Wait(2).has_value());
}

TEST_F(PosixRunnerTest, CapturesOutputAndReadsTheTail) {
  ChildExit exit =
      RunToExit(1, Shell("for i in $(seq 1 100); do echo line $i; done; echo err >&2"));
  ASSERT_TRUE(exit.clean());
  EXPECT_EQ(Log("w", 3), "line 99\nline 100\nerr\n");
  EXPECT_EQ(Lines(Log("w", 0)).size(), 101u);
  auto missing = runner_->ReadLog("never-ran", 10);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto bad = runner_->ReadLog("../etc/passwd", 10);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PosixRunnerTest, RotatesLogsAtTheCap) {
  PosixRunnerOptions o = Options();
  o.log.max_bytes = 1000;
  o.log.keep = 2;
  Make(o);
  // 500 lines of 9 bytes: 4500 bytes. .log.2, .log.1 and .log keep the last ~333 lines.
  ChildExit exit = RunToExit(1, Shell("for i in $(seq 101 600); do echo line-$i; done"));
  ASSERT_TRUE(exit.clean());
  std::string base = o.logs_dir + "/w.log";
  for (const std::string& path : {base, base + ".1", base + ".2"}) {
    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st), 0) << path;
    EXPECT_LE(st.st_size, 1000) << path;
    EXPECT_EQ(ReadFile(path).back(), '\n') << path;
  }
  struct stat st;
  EXPECT_NE(stat((base + ".3").c_str(), &st), 0);
  EXPECT_EQ(Log("w", 2), "line-599\nline-600\n");
  std::vector<std::string> kept = Lines(Log("w", 0));
  ASSERT_GT(kept.size(), 222u);  // more than two full files ...
  ASSERT_LE(kept.size(), 333u);  // ... and no more than three
  for (size_t i = 0; i < kept.size(); ++i) {
    ASSERT_EQ(kept[i], "line-" + std::to_string(600 - kept.size() + 1 + i)) << i;
  }
}

TEST_F(PosixRunnerTest, SigtermHonouredWithinTimeout) {
  ASSERT_TRUE(Start(1, Shell("trap 'echo bye; exit 0' TERM; echo ready; "
                             "while :; do sleep 0.05; done"))
                  .ok());
  ASSERT_TRUE(WaitForLog("ready"));
  runner_->Stop(1, milliseconds(20000));
  auto exit = exits_.Wait(1);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(*exit, (ChildExit{.exit_code = 0, .signal = 0, .error = ""}));
  EXPECT_THAT(Log(), HasSubstr("bye\n"));
}

TEST_F(PosixRunnerTest, SigtermIgnoredMeansSigkillAfterTimeout) {
  ASSERT_TRUE(Start(1, Shell("trap '' TERM; echo ready; while :; do sleep 0.05; done")).ok());
  ASSERT_TRUE(WaitForLog("ready"));
  runner_->Stop(1, milliseconds(200));
  auto exit = exits_.Wait(1);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(*exit, (ChildExit{.exit_code = -1, .signal = SIGKILL, .error = ""}));
}

TEST_F(PosixRunnerTest, StopReportsTheRealSignal) {
  WorkloadSpec spec;
  spec.command = {"sleep", "1000"};
  ASSERT_TRUE(Start(1, spec).ok());
  ASSERT_TRUE(Start(2, spec).ok());
  runner_->Stop(1, milliseconds(20000));  // sleep dies of SIGTERM
  runner_->Stop(2, milliseconds(0));      // SIGKILL at once
  EXPECT_EQ(exits_.Wait(1)->signal, SIGTERM);
  EXPECT_EQ(exits_.Wait(2)->signal, SIGKILL);
  EXPECT_EQ(runner_->running(), 0u);
}

TEST_F(PosixRunnerTest, StopKillsTheWholeProcessGroup) {
  std::string marker = SleepMarker();
  ASSERT_TRUE(Start(1, Shell("sleep " + marker + " & echo ready; wait")).ok());
  ASSERT_TRUE(WaitFor([&] { return SleepersWithMarker(marker).size() == 1; }));
  runner_->Stop(1, milliseconds(20000));
  ASSERT_TRUE(exits_.Wait(1).has_value());
  EXPECT_THAT(ProcessesWithMarker(marker), IsEmpty());
}

TEST_F(PosixRunnerTest, ExitKillsWhatTheCommandLeftBehind) {
  std::string marker = SleepMarker();
  ChildExit exit = RunToExit(1, Shell("sleep " + marker + " & echo started"));
  EXPECT_TRUE(exit.clean());
  EXPECT_THAT(ProcessesWithMarker(marker), IsEmpty());
}

TEST_F(PosixRunnerTest, KillsGrandchildrenThatLeftTheGroup) {
  std::string marker = SleepMarker();
  ASSERT_TRUE(Start(1, Shell("setsid sleep " + marker + " & wait")).ok());
  // Once it is `sleep`, setsid has left the group.
  ASSERT_TRUE(WaitFor([&] { return SleepersWithMarker(marker).size() == 1; }));
  runner_->Stop(1, milliseconds(20000));
  ASSERT_TRUE(exits_.Wait(1).has_value());
  EXPECT_THAT(ProcessesWithMarker(marker), IsEmpty());
}

TEST_F(PosixRunnerTest, LeavesNoZombies) {
  for (InstanceId id = 1; id <= 5; ++id) ASSERT_TRUE(Start(id, Shell("sleep 0.01 & exit 1")).ok());
  for (InstanceId id = 1; id <= 5; ++id) ASSERT_TRUE(exits_.Wait(id).has_value());
  EXPECT_THAT(testing::ZombieChildrenOf(getpid()), IsEmpty());
}

TEST_F(PosixRunnerTest, ChildGetsOnlyStdio) {
  int leaked = open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaked, 0);
  WorkloadSpec spec;
  spec.command = {"ls", "-1", "/proc/self/fd"};
  ChildExit exit = RunToExit(1, spec);
  close(leaked);
  ASSERT_TRUE(exit.clean());
  // 0, 1, 2, and 3: the directory ls itself is reading.
  EXPECT_EQ(Lines(Log()), (std::vector<std::string>{"0", "1", "2", "3"}));
  spec.command = {"readlink", "/proc/self/fd/0"};
  ASSERT_TRUE(RunToExit(2, spec, "stdin").clean());
  EXPECT_EQ(Log("stdin"), "/dev/null\n");
}

TEST_F(PosixRunnerTest, RunsAsTheConfiguredUser) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to switch users";
  PosixRunnerOptions o = Options();
  o.allow_root = false;
  o.run_as_uid = 65534;
  o.run_as_gid = 65534;
  Make(o);
  ChildExit exit = RunToExit(1, Shell("echo $(id -u):$(id -g):$(id -G)"));
  ASSERT_TRUE(exit.clean()) << exit.error;
  EXPECT_EQ(Log(), "65534:65534:65534\n");
}

TEST_F(PosixRunnerTest, ReportsExecFailureAsTheConfiguredUser) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to switch users";
  PosixRunnerOptions o = Options();
  o.run_as_uid = 65534;
  Make(o);
  // dir_ is 0700 root: root finds the script, nobody cannot exec it.
  std::string script = dir_.path() + "/job.sh";
  {
    std::ofstream out(script);
    out << "#!/bin/sh\necho hi\n";
  }
  chmod(script.c_str(), 0755);
  WorkloadSpec spec;
  spec.command = {script};
  ChildExit exit = RunToExit(1, spec);
  EXPECT_EQ(exit.exit_code, 127);
  EXPECT_THAT(exit.error, HasSubstr("exec " + script + ": Permission denied"));
  EXPECT_THAT(Log(), HasSubstr("herd-launch: exec " + script));
}

TEST_F(PosixRunnerTest, RefusesToRunChildrenAsRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "the refusal applies to a root agent";
  PosixRunnerOptions o = Options();
  o.allow_root = false;
  Make(o);
  auto started = Start(1, Shell("true"));
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(started.status().message(), HasSubstr("as root: configure run_as_uid or allow_root"));
  EXPECT_EQ(runner_->running(), 0u);
}

TEST_F(PosixRunnerTest, KillAllKillsEveryChild) {
  WorkloadSpec spec;
  spec.command = {"sleep", "1000"};
  for (InstanceId id = 1; id <= 3; ++id)
    ASSERT_TRUE(Start(id, spec, "k" + std::to_string(id)).ok());
  EXPECT_EQ(runner_->running(), 3u);
  runner_->KillAll();
  for (InstanceId id = 1; id <= 3; ++id) EXPECT_EQ(exits_.Wait(id)->signal, SIGKILL);
  EXPECT_EQ(runner_->running(), 0u);
}

TEST_F(PosixRunnerTest, ExitCallbackMayStartTheNextInstance) {
  WorkloadSpec spec = Shell("exit 0");
  std::mutex mu;
  std::optional<Result<StartedChild>> restarted;
  runner_->SetExitCallback([&](InstanceId id, const ChildExit& exit) {
    exits_.Callback()(id, exit);
    if (id != 1) return;
    StartRequest req{.instance = 2, .workload = "w", .generation = 1, .member = "m", .spec = &spec};
    auto r = runner_->Start(req);
    std::lock_guard<std::mutex> lock(mu);
    restarted = r;
  });
  ASSERT_TRUE(Start(1, spec).ok());
  ASSERT_TRUE(exits_.Wait(2).has_value());
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_TRUE(restarted.has_value());
  EXPECT_TRUE(restarted->ok()) << restarted->status();
}

TEST_F(PosixRunnerTest, DestructorKillsChildren) {
  std::string marker = SleepMarker();
  ASSERT_TRUE(Start(1, Shell("sleep " + marker + " & wait")).ok());
  ASSERT_TRUE(WaitFor([&] { return SleepersWithMarker(marker).size() == 1; }));
  runner_.reset();
  EXPECT_THAT(ProcessesWithMarker(marker), IsEmpty());
  EXPECT_FALSE(exits_.Has(1));  // no callbacks from a runner being destroyed
}

// The agent is SIGKILLed: its children (and theirs) must not outlive it. A forked helper plays
// the agent; the test process is not its children's parent, so only PDEATHSIG can kill them.
TEST_F(PosixRunnerTest, ChildrenDieWithTheirAgent) {
  runner_.reset();  // no runner thread in the process we fork
  std::string marker = SleepMarker();
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t agent = fork();
  ASSERT_GE(agent, 0);
  if (agent == 0) {
    close(ready[0]);
    auto runner = PosixProcessRunner::Create(Options());
    if (!runner.ok()) _exit(2);
    WorkloadSpec spec = Shell("sleep " + marker + " & sleep " + marker + "; wait");
    StartRequest req{.instance = 1, .workload = "w", .generation = 1, .member = "m", .spec = &spec};
    if (!(*runner)->Start(req).ok()) _exit(3);
    (void)!write(ready[1], "r", 1);
    for (;;) pause();
  }
  close(ready[1]);
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  close(ready[0]);
  ASSERT_TRUE(WaitFor([&] { return SleepersWithMarker(marker).size() == 2; }));
  kill(agent, SIGKILL);
  waitpid(agent, nullptr, 0);
  EXPECT_TRUE(WaitFor([&] { return ProcessesWithMarker(marker).empty(); }))
      << "orphans left: " << ProcessesWithMarker(marker).size();
}

}  // namespace
}  // namespace herd::sidecar
