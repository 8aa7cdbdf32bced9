#include "sidecar/rest_api_parse.h"

#include <gtest/gtest.h>

namespace herd::sidecar {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

QueryParams Query(const std::string& raw) {
  HttpRequest req;
  req.SetTarget("/x?" + raw);
  return req.query;
}

TEST(ParseLabelSelectorTest, RepeatedAndCommaSeparated) {
  auto s = ParseLabelSelector(Query("label=a=b,c=d&limit=3&label=e=&label=x.io/k=v"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(
      *s, (std::map<std::string, std::string>{{"a", "b"}, {"c", "d"}, {"e", ""}, {"x.io/k", "v"}}));
  EXPECT_TRUE(ParseLabelSelector(Query("limit=3"))->empty());
  // The same pair twice is harmless; two values for one key are not.
  EXPECT_TRUE(ParseLabelSelector(Query("label=a=b&label=a=b")).ok());
  Status dup = ParseLabelSelector(Query("label=a=b&label=a=c")).status();
  EXPECT_EQ(dup.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(dup.field(), "label");
  EXPECT_EQ(dup.message(),
            "label: Invalid value: \"a=c\": key \"a\" is already selected with another value");
  EXPECT_EQ(ParseLabelSelector(Query("label=a")).status().message(),
            "label: Invalid value: \"a\": expected key=value");
  EXPECT_EQ(ParseLabelSelector(Query("label=-a=b")).status().field(), "label");
  EXPECT_EQ(ParseLabelSelector(Query("label=a=b%20c")).status().field(), "label");
}

TEST(ParseLimitTest, PositiveAndBounded) {
  EXPECT_EQ(*ParseLimit(std::nullopt, 500), 500u);
  EXPECT_EQ(*ParseLimit("1", 500), 1u);
  EXPECT_EQ(*ParseLimit("500", 500), 500u);
  for (const char* bad : {"0", "501", "-1", "+1", " 1", "1.0", "", "99999999999999999999"}) {
    Status s = ParseLimit(std::string_view(bad), 500).status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.field(), "limit") << bad;
  }
  EXPECT_EQ(ParseLimit("501", 500).status().message(),
            "limit: Invalid value: \"501\": must be at most 500");
}

TEST(ParseTailAndContinueTest, Values) {
  EXPECT_EQ(*ParseTail(std::nullopt), 0u);
  EXPECT_EQ(*ParseTail("0"), 0u);
  EXPECT_EQ(*ParseTail("25"), 25u);
  EXPECT_EQ(ParseTail("x").status().field(), "tail");
  EXPECT_EQ(*ParseContinue(std::nullopt), "");
  EXPECT_EQ(*ParseContinue(""), "");
  EXPECT_EQ(*ParseContinue("w-7"), "w-7");
  EXPECT_EQ(ParseContinue("W_7").status().field(), "continue");
}

TEST(ParseWaitTest, DurationWithinTheMaximum) {
  EXPECT_FALSE(ParseWait(std::nullopt, seconds(300))->has_value());
  EXPECT_EQ(**ParseWait("10s", seconds(300)), seconds(10));
  EXPECT_EQ(**ParseWait("1m30s", seconds(300)), seconds(90));
  EXPECT_EQ(**ParseWait("5m", seconds(300)), seconds(300));
  Status over = ParseWait("5m1s", seconds(300)).status();
  EXPECT_EQ(over.field(), "wait");
  EXPECT_EQ(over.message(), "wait: Invalid value: \"5m1s\": must be at most 5m");
  Status bad = ParseWait("soon", seconds(300)).status();
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.field(), "wait");
}

TEST(CheckPeerAddressTest, HostAndPort) {
  for (const char* ok : {"m0:7946", "10.0.0.1:1", "herd-0.herd.default.svc:65535", "[::1]:80",
                         "[fe80::1%eth0]:80"}) {
    Status s = CheckPeerAddress(ok, "a");
    if (std::string_view(ok).find('%') != std::string_view::npos) {
      EXPECT_FALSE(s.ok()) << ok;  // zone ids are not accepted
    } else {
      EXPECT_TRUE(s.ok()) << ok << ": " << s;
    }
  }
  for (const char* bad : {"m0", "m0:", ":80", "m0:0", "m0:65536", "m0:8o", "m 0:80", "[::1:80",
                          "[]:80", "-m0:80", "m0/x:80", "::1:80"}) {
    Status s = CheckPeerAddress(bad, "items[0].address");
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.field(), "items[0].address") << bad;
  }
}

TEST(ParseMembersBodyTest, ValidListAndExactErrors) {
  auto m = ParseMembersBody(
      R"({"kind":"MemberList","items":[{"name":"b","address":"b:1","status":"alive"},)"
      R"({"name":"a","address":"a:2","incarnation":3,"declared":true}]})");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(*m, (std::map<std::string, std::string>{{"a", "a:2"}, {"b", "b:1"}}));

  EXPECT_EQ(ParseMembersBody(R"({"items":[]})").status().message(),
            "items: Required value: at least one member");
  EXPECT_EQ(ParseMembersBody(R"({"items":[{"name":"a","address":"a:1"},)"
                             R"({"name":"a","address":"b:1"}]})")
                .status()
                .message(),
            "items[1].name: Duplicate value: \"a\"");
  EXPECT_EQ(ParseMembersBody(R"({"items":[{"name":"a"}]})").status().message(),
            "items[0].address: Required value");
  EXPECT_EQ(ParseMembersBody(R"({"items":[{"name":1,"address":"a:1"}]})").status().field(),
            "items[0].name");
  Status malformed = ParseMembersBody("{\"items\": [").status();
  EXPECT_EQ(malformed.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(malformed.field(), "body");
  EXPECT_EQ(malformed.message().rfind("body: malformed JSON: ", 0), 0u) << malformed;
  // Invalid UTF-8 is a parse error, not an exception.
  EXPECT_EQ(ParseMembersBody("{\"items\":[{\"name\":\"\xff\"}]}").status().field(), "body");
  std::string many = R"({"items":[)";
  for (size_t i = 0; i <= kMaxMembers; ++i) {
    many +=
        (i ? "," : "") + std::string(R"({"name":"m)") + std::to_string(i) + R"(","address":"h:1"})";
  }
  many += "]}";
  EXPECT_EQ(ParseMembersBody(many).status().field(), "items");
}

}  // namespace
}  // namespace herd::sidecar
