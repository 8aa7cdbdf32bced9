// The auth flags of `herd agent` (sidecar/agent_config.h): --auth-token-file,
// --auth-tokenreview, --metrics-auth, as flags and as config keys, their validation, and the
// help text.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sidecar/agent_config.h"

namespace herd::sidecar {
namespace {

using ::testing::HasSubstr;

Result<AgentConfig> Parse(std::vector<std::string> args, std::string config_text = {}) {
  return ParseAgentArgs(
      args, [config_text](const std::string&) -> Result<std::string> { return config_text; });
}

TEST(AuthConfigTest, OffByDefault) {
  Result<AgentConfig> c = Parse({});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->auth_token_file, "");
  EXPECT_FALSE(c->auth_tokenreview);
  EXPECT_FALSE(c->metrics_auth);
}

TEST(AuthConfigTest, FlagsAndConfigKeys) {
  Result<AgentConfig> c = Parse({"--auth-token-file", "/etc/herd/tokens", "--metrics-auth"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->auth_token_file, "/etc/herd/tokens");
  EXPECT_TRUE(c->metrics_auth);

  c = Parse({"--auth-tokenreview", "--metrics-auth=false"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->auth_tokenreview);
  EXPECT_FALSE(c->metrics_auth);

  c = Parse({"--config", "herd.yaml"}, "auth-tokenreview: true\nmetrics-auth: true\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->auth_tokenreview);
  EXPECT_TRUE(c->metrics_auth);
  c = Parse({"--config", "herd.yaml", "--auth-tokenreview=false"},
            "auth-token-file: /run/tokens\nauth-tokenreview: true\n");
  ASSERT_TRUE(c.ok()) << c.status() << " (the flag wins over the file)";
  EXPECT_EQ(c->auth_token_file, "/run/tokens");
  EXPECT_FALSE(c->auth_tokenreview);
}

TEST(AuthConfigTest, InvalidCombinationsNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string field, message;
  } cases[] = {
      {{"--auth-token-file", "t", "--auth-tokenreview"},
       "auth-token-file",
       "--auth-token-file and --auth-tokenreview exclude each other"},
      {{"--metrics-auth"},
       "metrics-auth",
       "--metrics-auth needs --auth-token-file or --auth-tokenreview"},
      {{"--auth-tokenreview", "--metrics-auth", "--metrics-address="},
       "metrics-auth",
       "--metrics-auth needs --metrics-address (/metrics is off)"},
      {{"--auth-tokenreview=maybe"},
       "auth-tokenreview",
       "--auth-tokenreview: \"maybe\" is not true or false"},
  };
  for (const Case& c : cases) {
    Result<AgentConfig> r = Parse(c.args);
    ASSERT_FALSE(r.ok()) << c.message;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().field(), c.field);
    EXPECT_EQ(r.status().message(), c.message);
  }
}

TEST(AuthConfigTest, HelpListsTheFlags) {
  const std::string usage = AgentUsage();
  EXPECT_THAT(usage, HasSubstr("  --auth-token-file "));
  EXPECT_THAT(usage, HasSubstr("  --auth-tokenreview "));
  EXPECT_THAT(usage, HasSubstr("  --metrics-auth "));
}

}  // namespace
}  // namespace herd::sidecar
