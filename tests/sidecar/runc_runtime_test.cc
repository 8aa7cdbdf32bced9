// The container runtime: the generated OCI config, the checks before a start, and real runc
// containers (output, Stop, memory and pids limits) when runc, root and cgroups are available.
#include "sidecar/posix/runc_runtime.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sidecar/posix/posix_process_runner.h"
#include "tests/sidecar/runtime_test_util.h"

namespace herd::sidecar {
namespace {

using ::herd::sidecar::testing::ExitCollector;
using ::herd::sidecar::testing::TempDir;
using ::herd::sidecar::testing::WaitFor;
using ::testing::HasSubstr;
using json = nlohmann::json;
using std::chrono::milliseconds;

bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

TEST(OciConfigTest, CarriesTheSpec) {
  OciProcess p;
  p.args = {"sh", "-c", "echo hi"};
  p.env = {"PATH=/bin", "HERD_WORKLOAD=web"};
  p.cwd = "/srv";
  p.uid = 65534;
  p.gid = 65533;
  p.rootfs = "/images/busybox/rootfs";
  p.hostname = "web";
  p.cgroups_path = "/herd/web-1";
  p.memory_bytes = 16 << 20;
  p.pids = 32;
  json c = json::parse(MakeOciConfig(p));
  EXPECT_EQ(c["process"]["args"], json({"sh", "-c", "echo hi"}));
  EXPECT_EQ(c["process"]["env"], json({"PATH=/bin", "HERD_WORKLOAD=web"}));
  EXPECT_EQ(c["process"]["cwd"], "/srv");
  EXPECT_EQ(c["process"]["user"], json({{"uid", 65534}, {"gid", 65533}}));
  EXPECT_EQ(c["process"]["terminal"], false);
  EXPECT_EQ(c["root"], json({{"path", "/images/busybox/rootfs"}, {"readonly", true}}));
  EXPECT_EQ(c["hostname"], "web");
  EXPECT_EQ(c["linux"]["cgroupsPath"], "/herd/web-1");
  EXPECT_EQ(c["linux"]["resources"]["memory"]["limit"], 16 << 20);
  EXPECT_EQ(c["linux"]["resources"]["pids"]["limit"], 32);
  std::vector<std::string> namespaces;
  for (const json& ns : c["linux"]["namespaces"]) namespaces.push_back(ns["type"]);
  EXPECT_THAT(namespaces, ::testing::UnorderedElementsAre("pid", "ipc", "uts", "mount"));
}

TEST(OciConfigTest, NoLimitsWhenNoneAreSet) {
  json c = json::parse(MakeOciConfig(OciProcess{}));
  EXPECT_FALSE(c["linux"]["resources"].contains("memory"));
  EXPECT_FALSE(c["linux"]["resources"].contains("pids"));
}

class PrepareContainerTest : public ::testing::Test {
 protected:
  Result<ContainerLaunch> Prepare(const WorkloadSpec& spec) {
    StartRequest req{
        .instance = 5, .workload = "web", .generation = 1, .member = "m", .spec = &spec};
    return PrepareContainer(options_, req, {"PATH=/bin"}, 0, 0);
  }
  void SetUp() override {
    options_.state_dir = dir_.path() + "/state";
    options_.images_dir = dir_.path() + "/images";
    spec_.runtime = Runtime::kContainer;
    spec_.command = {"true"};
    spec_.image = "busybox";
  }
  TempDir dir_;
  ContainerOptions options_;
  WorkloadSpec spec_;
};

TEST_F(PrepareContainerTest, RejectsBadImagesAndWorkingDirs) {
  spec_.image = "";
  EXPECT_EQ(Prepare(spec_).status().field(), "spec.image");
  spec_.image = "../etc";
  EXPECT_EQ(Prepare(spec_).status().code(), StatusCode::kInvalidArgument);
  spec_.image = "busybox";
  spec_.working_dir = "relative";
  auto r = Prepare(spec_);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "spec.workingDir");
  EXPECT_FALSE(IsDir(options_.state_dir));  // nothing written
}

TEST_F(PrepareContainerTest, MissingRuncIsAFailedPrecondition) {
  options_.runc_path = "/nonexistent/runc";
  auto r = Prepare(spec_);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().field(), "spec.runtime");
  EXPECT_THAT(r.status().message(), HasSubstr("needs runc: command /nonexistent/runc"));
}

TEST_F(PrepareContainerTest, MissingImageNamesTheRootfs) {
  options_.runc_path = "/bin/true";  // any executable passes the runc check
  if (geteuid() != 0) GTEST_SKIP() << "containers need root";
  auto r = Prepare(spec_);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().field(), "spec.image");
  EXPECT_THAT(r.status().message(), HasSubstr(options_.images_dir + "/busybox/rootfs"));
  EXPECT_FALSE(IsDir(options_.state_dir + "/bundles/5"));
}

TEST_F(PrepareContainerTest, WritesTheBundle) {
  options_.runc_path = "/bin/true";
  if (geteuid() != 0) GTEST_SKIP() << "containers need root";
  ASSERT_EQ(system(("mkdir -p " + options_.images_dir + "/busybox/rootfs").c_str()), 0);
  auto r = Prepare(spec_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->container_id, "web-5");
  EXPECT_EQ(r->bundle_dir, options_.state_dir + "/bundles/5");
  EXPECT_EQ(r->argv, (std::vector<std::string>{"/bin/true", "--root", options_.state_dir + "/runc",
                                               "run", "--bundle", r->bundle_dir, "web-5"}));
  json c = json::parse(testing::ReadFile(r->bundle_dir + "/config.json"));
  EXPECT_EQ(c["root"]["path"], options_.images_dir + "/busybox/rootfs");
  RemoveBundle(r->bundle_dir);
  EXPECT_FALSE(IsDir(r->bundle_dir));
}

// ---- Real containers ----

// Why real containers cannot run here, or "" when they can.
std::string ContainerSkipReason() {
  if (geteuid() != 0) return "not root";
  if (system("command -v runc >/dev/null 2>&1") != 0) return "runc not installed";
  for (const char* controller : {"memory", "pids"}) {
    std::string probe =
        "/sys/fs/cgroup/" + std::string(controller) + "/herd-probe-" + std::to_string(getpid());
    std::string unified = "/sys/fs/cgroup/herd-probe-" + std::to_string(getpid());
    if (mkdir(probe.c_str(), 0755) == 0) {
      rmdir(probe.c_str());
    } else if (mkdir(unified.c_str(), 0755) == 0) {
      rmdir(unified.c_str());
    } else {
      return std::string("cgroup ") + controller + " not writable";
    }
  }
  return "";
}

class ContainerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    skip_ = new std::string(ContainerSkipReason());
    if (!skip_->empty()) return;
    std::string images = std::string(HERD_BINARY_DIR) + "/test-images";
    // Test processes run in parallel: the script's lock and --if-missing keep the first rootfs.
    std::string cmd = std::string(HERD_SOURCE_DIR) + "/scripts/make-rootfs.sh --if-missing " +
                      images + " >/dev/null";
    if (system(cmd.c_str()) != 0) *skip_ = "scripts/make-rootfs.sh failed";
  }
  // runc deletes each container's cgroup, not the parent made for this test process.
  static void TearDownTestSuite() {
    if (skip_->empty()) {
      std::string cmd = "rmdir /sys/fs/cgroup/*/" + CgroupParent() + " /sys/fs/cgroup/" +
                        CgroupParent() + " 2>/dev/null";
      (void)!system(cmd.c_str());
    }
    delete skip_;
  }
  static std::string CgroupParent() { return "herd-test-" + std::to_string(getpid()); }

  void SetUp() override {
    if (!skip_->empty()) GTEST_SKIP() << *skip_;
    PosixRunnerOptions o;
    o.launcher_path = HERD_LAUNCH_PATH;
    o.logs_dir = dir_.path() + "/logs";
    o.allow_root = true;
    o.container.state_dir = dir_.path() + "/state";
    o.container.images_dir = std::string(HERD_BINARY_DIR) + "/test-images";
    o.container.cgroup_parent = CgroupParent();
    state_dir_ = o.container.state_dir;
    auto r = PosixProcessRunner::Create(o);
    ASSERT_TRUE(r.ok()) << r.status();
    runner_ = std::move(r).value();
    runner_->SetExitCallback(exits_.Callback());
  }

  Result<StartedChild> Start(InstanceId id, const std::string& script, int64_t memory = 0,
                             int64_t pids = 0) {
    spec_.runtime = Runtime::kContainer;
    spec_.image = "busybox";
    spec_.command = {"sh", "-c", script};
    spec_.resources = {.memory_bytes = memory, .pids = pids};
    StartRequest req{
        .instance = id, .workload = "box", .generation = 3, .member = "m", .spec = &spec_};
    return runner_->Start(req);
  }

  std::string Log() {
    auto r = runner_->ReadLog("box", 0);
    return r.ok() ? *r : "";
  }

  static std::string* skip_;
  TempDir dir_;
  std::string state_dir_;
  WorkloadSpec spec_;
  ExitCollector exits_;
  std::unique_ptr<PosixProcessRunner> runner_;
};

std::string* ContainerTest::skip_ = nullptr;

TEST_F(ContainerTest, RunsAndCapturesOutput) {
  auto started = Start(1, "echo hello from $HERD_WORKLOAD gen $HERD_GENERATION; hostname");
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->container_id, "box-1");
  auto exit = exits_.Wait(1);
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->clean()) << exit->exit_code << " " << exit->signal << "\n" << Log();
  EXPECT_EQ(Log(), "hello from box gen 3\nbox\n");
  EXPECT_FALSE(IsDir(state_dir_ + "/bundles/1"));   // bundle removed
  EXPECT_FALSE(IsDir(state_dir_ + "/runc/box-1"));  // runc state deleted
}

TEST_F(ContainerTest, StopKillsTheContainer) {
  // sleep is the container's init: pid 1 ignores an untrapped SIGTERM, so Stop must SIGKILL.
  ASSERT_TRUE(Start(1, "echo ready; exec sleep 1000").ok());
  ASSERT_TRUE(WaitFor([&] { return Log().find("ready") != std::string::npos; }));
  runner_->Stop(1, milliseconds(300));
  auto exit = exits_.Wait(1);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->signal, SIGKILL);
  EXPECT_FALSE(IsDir(state_dir_ + "/runc/box-1"));
}

TEST_F(ContainerTest, GracefulStopReachesTheContainer) {
  ASSERT_TRUE(Start(1,
                    "trap 'echo bye; exit 0' TERM; echo ready; "
                    "while :; do sleep 1; done")
                  .ok());
  ASSERT_TRUE(WaitFor([&] { return Log().find("ready") != std::string::npos; }));
  runner_->Stop(1, milliseconds(20000));
  auto exit = exits_.Wait(1);
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->clean()) << exit->exit_code << " " << exit->signal;
  EXPECT_THAT(Log(), HasSubstr("bye"));
}

TEST_F(ContainerTest, MemoryLimitIsEnforced) {
  // tail buffers its whole input: 64 MiB against a 16 MiB limit. The OOM killer usually picks
  // tail (the shell then reports 137) but may pick the shell, the container's init.
  ASSERT_TRUE(
      Start(1, "head -c 67108864 /dev/zero | tail > /dev/null; echo tail=$?", 16 << 20).ok());
  auto exit = exits_.Wait(1);
  ASSERT_TRUE(exit.has_value());
  bool tail_killed = Log().find("tail=137") != std::string::npos;
  bool init_killed = exit->exit_code == 128 + SIGKILL || exit->signal == SIGKILL;
  EXPECT_TRUE(tail_killed || init_killed)
      << "code " << exit->exit_code << " signal " << exit->signal << " log: " << Log();
  EXPECT_THAT(Log(), ::testing::Not(HasSubstr("tail=0")));
}

TEST_F(ContainerTest, PidsLimitIsEnforced) {
  ASSERT_TRUE(Start(1, "for i in $(seq 1 20); do sleep 10 & done; echo all-started", 0, 8).ok());
  auto exit = exits_.Wait(1);
  ASSERT_TRUE(exit.has_value());
  EXPECT_NE(exit->exit_code, 0);
  EXPECT_THAT(Log(), HasSubstr("can't fork"));
  EXPECT_THAT(Log(), ::testing::Not(HasSubstr("all-started")));
}

TEST(ContainerRunnerTest, MissingRuncFailsTheStartOnly) {
  TempDir dir;
  PosixRunnerOptions o;
  o.launcher_path = HERD_LAUNCH_PATH;
  o.logs_dir = dir.path() + "/logs";
  o.allow_root = true;
  o.container.runc_path = "/nonexistent/runc";
  o.container.state_dir = dir.path() + "/state";
  o.container.images_dir = dir.path() + "/images";
  auto runner = PosixProcessRunner::Create(o);
  ASSERT_TRUE(runner.ok()) << runner.status();
  WorkloadSpec spec;
  spec.runtime = Runtime::kContainer;
  spec.image = "busybox";
  spec.command = {"true"};
  StartRequest req{.instance = 1, .workload = "box", .generation = 1, .member = "m", .spec = &spec};
  auto started = (*runner)->Start(req);
  EXPECT_EQ(started.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(started.status().field(), "spec.runtime");
  EXPECT_EQ((*runner)->running(), 0u);
  // Processes still run.
  spec.runtime = Runtime::kProcess;
  req.instance = 2;
  EXPECT_TRUE((*runner)->Start(req).ok());
}

}  // namespace
}  // namespace herd::sidecar
