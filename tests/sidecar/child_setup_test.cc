// The child's environment, command resolution and working-dir checks.
#include "sidecar/posix/child_setup.h"

#include <sys/stat.h>

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/sidecar/runtime_test_util.h"

namespace herd::sidecar {
namespace {

using ::herd::sidecar::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ChildEnvTest, CleanEnvironmentWithSpecEnvAndHerdVariables) {
  WorkloadSpec spec;
  spec.env = {{"A", "1"}, {"PATH", "/opt/bin"}, {"A", "2"}, {"HERD_WORKLOAD", "spoof"}};
  StartRequest req{
      .instance = 9, .workload = "ingest", .generation = 4, .member = "m1", .spec = &spec};
  std::vector<std::string> env = BuildChildEnv(req, "/bin");
  EXPECT_THAT(env, ElementsAre("PATH=/opt/bin", "A=2", "HERD_WORKLOAD=ingest", "HERD_MEMBER=m1",
                               "HERD_GENERATION=4"));
  EXPECT_EQ(EnvValue(env, "PATH"), "/opt/bin");
  EXPECT_EQ(EnvValue(env, "MISSING"), "");
}

TEST(ResolveCommandTest, SearchesPathInOrder) {
  auto sh = ResolveCommand("sh", "/nonexistent:/usr/bin:/bin", "");
  ASSERT_TRUE(sh.ok()) << sh.status();
  EXPECT_TRUE(*sh == "/usr/bin/sh" || *sh == "/bin/sh") << *sh;
}

TEST(ResolveCommandTest, NotFoundNamesTheCommandAndPath) {
  auto r = ResolveCommand("herd-nope", "/usr/bin:/bin", "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().field(), "spec.command[0]");
  EXPECT_EQ(r.status().message(), "command \"herd-nope\" not found in PATH /usr/bin:/bin");
}

TEST(ResolveCommandTest, PathsAreRelativeToTheWorkingDir) {
  TempDir dir;
  std::string script = dir.path() + "/run.sh";
  std::ofstream(script) << "#!/bin/sh\n";
  chmod(script.c_str(), 0644);
  auto not_exec = ResolveCommand("./run.sh", "/bin", dir.path());
  EXPECT_EQ(not_exec.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(not_exec.status().message(), HasSubstr("not executable"));
  chmod(script.c_str(), 0755);
  auto ok = ResolveCommand("./run.sh", "/bin", dir.path());
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, dir.path() + "/./run.sh");
  auto dir_as_command = ResolveCommand(dir.path(), "/bin", "");
  EXPECT_THAT(dir_as_command.status().message(), HasSubstr("not a regular file"));
}

TEST(CheckWorkingDirTest, AcceptsDirectoriesOnly) {
  TempDir dir;
  EXPECT_TRUE(CheckWorkingDir("").ok());
  EXPECT_TRUE(CheckWorkingDir(dir.path()).ok());
  Status missing = CheckWorkingDir(dir.path() + "/nope");
  EXPECT_EQ(missing.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(missing.field(), "spec.workingDir");
  std::ofstream(dir.path() + "/file") << "x";
  EXPECT_THAT(CheckWorkingDir(dir.path() + "/file").message(), HasSubstr("not a directory"));
}

TEST(MakeDirsTest, CreatesParents) {
  TempDir dir;
  EXPECT_TRUE(MakeDirs(dir.path() + "/a/b/c").ok());
  struct stat st;
  EXPECT_EQ(stat((dir.path() + "/a/b/c").c_str(), &st), 0);
  EXPECT_TRUE(MakeDirs(dir.path() + "/a/b/c").ok());
}

}  // namespace
}  // namespace herd::sidecar
