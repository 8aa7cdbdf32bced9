#include "sidecar/agent_config.h"

#include <gtest/gtest.h>

namespace herd::sidecar {
namespace {

using std::chrono::milliseconds;

Result<std::string> NoFile(const std::string& path) {
  return InvalidArgument("cannot read config file " + path, "config");
}

Result<AgentConfig> Parse(std::vector<std::string> args,
                          std::function<Result<std::string>(const std::string&)> read = NoFile) {
  return ParseAgentArgs(args, read);
}

TEST(AgentConfigTest, DefaultsMatchTheSpec) {
  Result<AgentConfig> c = Parse({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->api_address, "0.0.0.0:7070");
  EXPECT_EQ(c->peer_address, "0.0.0.0:7946");
  EXPECT_EQ(c->metrics_address, "0.0.0.0:9464");
  EXPECT_EQ(c->strategy, StrategyKind::kUniform);
  EXPECT_FALSE(c->active_redistribution);
  EXPECT_EQ(c->heartbeat_deadline, milliseconds(1000));
  EXPECT_EQ(c->heartbeat_interval, milliseconds(333));  // a third of the deadline
  EXPECT_TRUE(c->members.empty());
}

TEST(AgentConfigTest, FlagsInBothSpellings) {
  Result<AgentConfig> c =
      Parse({"--name", "a", "--members=a=127.0.0.1:1,b=127.0.0.1:2", "--strategy", "uniform_quorum",
             "--redistribution=active", "--heartbeat-deadline", "3s", "--allow-root",
             "--wall-clock-offset", "-5m"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "a");
  EXPECT_EQ(c->members.size(), 2u);
  EXPECT_EQ(c->members.at("b"), "127.0.0.1:2");
  EXPECT_EQ(c->strategy, StrategyKind::kUniformQuorum);
  EXPECT_TRUE(c->active_redistribution);
  EXPECT_EQ(c->heartbeat_deadline, milliseconds(3000));
  EXPECT_EQ(c->heartbeat_interval, milliseconds(1000));
  EXPECT_TRUE(c->allow_root);
  EXPECT_EQ(c->wall_clock_offset_ms, -300'000);
}

TEST(AgentConfigTest, MembersAuto) {
  Result<AgentConfig> c = Parse({"--members", "auto"});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->members_auto);
}

TEST(AgentConfigTest, ErrorsNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string field;
    std::string needle;
  } cases[] = {
      {{"--nope"}, "nope", "unknown flag --nope"},
      {{"--name"}, "name", "needs a value"},
      {{"--name", "Bad_Name"}, "name", "DNS-1123"},
      {{"--strategy", "ring"}, "strategy", "ring"},
      {{"--redistribution", "eager"}, "redistribution", "eager"},
      {{"--strategy", "random", "--redistribution", "active"}, "redistribution", "not random"},
      {{"--heartbeat-deadline", "1x"}, "heartbeat-deadline", "unknown unit"},
      {{"--heartbeat-deadline", "100ms", "--heartbeat-interval", "100ms"},
       "heartbeat-deadline",
       "longer than"},
      {{"--api-address", "7070"}, "api-address", "host:port"},
      {{"--peer-address", ":99999"}, "peer-address", "port"},
      {{"--members", "a=1.2.3.4:1,a=1.2.3.4:2"}, "members", "listed twice"},
      {{"--members", "a"}, "members", "name=host:port"},
      {{"--tls-cert", "c.pem"}, "tls-cert", "go together"},
      {{"--api-threads", "0"}, "api-threads", "1..64"},
      {{"positional"}, "", "unexpected argument"},
  };
  for (const Case& k : cases) {
    Result<AgentConfig> c = Parse(k.args);
    ASSERT_FALSE(c.ok()) << k.args[0];
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << k.args[0];
    EXPECT_EQ(c.status().field(), k.field) << c.status().ToString();
    EXPECT_NE(c.status().message().find(k.needle), std::string::npos) << c.status().ToString();
  }
}

TEST(AgentConfigTest, ConfigFileWithFlagsWinning) {
  auto read = [](const std::string& path) -> Result<std::string> {
    EXPECT_EQ(path, "herd.yaml");
    return std::string(
        "name: m1\nstrategy: random\nheartbeat-deadline: 2s\n"
        "members: {m1: '127.0.0.1:7946', m2: '127.0.0.1:7947'}\n");
  };
  Result<AgentConfig> c = Parse({"--strategy", "uniform", "--config", "herd.yaml"}, read);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "m1");
  EXPECT_EQ(c->strategy, StrategyKind::kUniform);  // the flag wins
  EXPECT_EQ(c->heartbeat_deadline, milliseconds(2000));
  EXPECT_EQ(c->members.at("m2"), "127.0.0.1:7947");
}

TEST(AgentConfigTest, ConfigFileErrors) {
  auto file = [](std::string text) {
    return [text](const std::string&) -> Result<std::string> { return text; };
  };
  Result<AgentConfig> c = Parse({"--config", "h.yaml"}, file("colour: blue\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("h.yaml: unknown setting \"colour\""), std::string::npos);
  c = Parse({"--config", "h.yaml"}, file("strategy: [a, b]\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("expected a single value"), std::string::npos);
  c = Parse({"--config", "h.yaml"}, file("a: [\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("invalid YAML"), std::string::npos);
  c = Parse({"--config", "h.yaml"}, file("heartbeat-deadline: soon\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().field(), "heartbeat-deadline");
  EXPECT_NE(c.status().message().find("h.yaml: heartbeat-deadline: invalid duration"),
            std::string::npos)
      << c.status().message();
  c = Parse({"--config", "missing.yaml"});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().field(), "config");
}

TEST(AgentConfigTest, HelpAndUsage) {
  EXPECT_EQ(Parse({"--help"}).status().code(), StatusCode::kCancelled);
  const std::string usage = AgentUsage();
  for (const char* flag : {"--members", "--data-dir", "--strategy", "--config", "--tls-ca"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace herd::sidecar
