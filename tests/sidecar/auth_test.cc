// REST auth, the pure parts (sidecar/auth.h, sidecar/auth_tokens.h): the role each route and
// method needs, bearer header parsing, the token file (good, bad lines, comments, reload, a bad
// reload keeping the old tokens), and the RequireAuth hook's answers, counts and log lines.
#include "sidecar/auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "common/log.h"
#include "sidecar/auth_tokens.h"

namespace herd::sidecar {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// --- the decision table ------------------------------------------------------------------

TEST(RequiredRoleTest, EveryRouteAndMethod) {
  // Every route of SPEC.md section 4 (and rest_api.h) with the method it is registered for.
  const std::vector<std::pair<std::string, std::string>> reads = {
      {"GET", "/v1/workloads"},     {"GET", "/v1/workloads?label=a=b&limit=5"},
      {"GET", "/v1/workloads/web"}, {"GET", "/v1/workloads/web/logs?tail=10"},
      {"GET", "/v1/children"},      {"GET", "/v1/children/count"},
      {"GET", "/v1/members"},       {"GET", "/v1/quorum?wait=10s"},
      {"GET", "/v1/status"},        {"HEAD", "/v1/workloads"},
      {"GET", "/nowhere"},          {"GET", "/"},
      {"GET", "/metrics"},  // not served on the API port: still not open
  };
  const std::vector<std::pair<std::string, std::string>> writes = {
      {"POST", "/v1/workloads"},          {"PUT", "/v1/workloads/web"},
      {"DELETE", "/v1/workloads/web"},    {"PUT", "/v1/members"},
      {"POST", "/v1/rebalance"},          {"PATCH", "/v1/workloads/web"},
      {"OPTIONS", "/v1/workloads"},       {"BREW", "/v1/workloads"},
      {"POST", "/v1/workloads/web/logs"}, {"POST", "/nowhere"},
  };
  for (const auto& [method, target] : reads) {
    std::string path = target.substr(0, target.find('?'));
    EXPECT_EQ(RequiredRole(AuthScope::kApi, method, path), Role::kRead) << method << " " << path;
  }
  for (const auto& [method, path] : writes) {
    EXPECT_EQ(RequiredRole(AuthScope::kApi, method, path), Role::kWrite) << method << " " << path;
  }
  for (const std::string open :
       {"/healthz", "/readyz", "/version", "/healthz/", "//readyz", "/%68ealthz", "/version%2F"}) {
    for (const std::string method : {"GET", "HEAD", "POST", "PUT", "DELETE"}) {
      const Role want = open == "/version%2F"
                            ? (method == "GET" || method == "HEAD" ? Role::kRead : Role::kWrite)
                            : Role::kNone;
      EXPECT_EQ(RequiredRole(AuthScope::kApi, method, open), want) << method << " " << open;
    }
  }
  // Only the exact probe paths are open, not what lies under or beside them.
  EXPECT_EQ(RequiredRole(AuthScope::kApi, "GET", "/healthz/x"), Role::kRead);
  EXPECT_EQ(RequiredRole(AuthScope::kApi, "GET", "/v1/healthz"), Role::kRead);
  EXPECT_EQ(RequiredRole(AuthScope::kApi, "POST", "/healthzz"), Role::kWrite);
  // The metrics port: everything needs read, probes included.
  EXPECT_EQ(RequiredRole(AuthScope::kMetrics, "GET", "/metrics"), Role::kRead);
  EXPECT_EQ(RequiredRole(AuthScope::kMetrics, "GET", "/healthz"), Role::kRead);
  EXPECT_EQ(RequiredRole(AuthScope::kMetrics, "POST", "/metrics"), Role::kRead);
}

TEST(BearerTokenTest, ParsesTheSchemeCaseInsensitively) {
  auto token = [](std::string value) { return BearerToken(HttpHeaders{{"Authorization", value}}); };
  EXPECT_EQ(token("Bearer abc"), "abc");
  EXPECT_EQ(token("bearer abc"), "abc");
  EXPECT_EQ(token("BEARER   abc  "), "abc");
  EXPECT_EQ(token("  Bearer\tabc"), "abc");
  EXPECT_EQ(token("Bearer"), std::nullopt);
  EXPECT_EQ(token("Bearer    "), std::nullopt);
  EXPECT_EQ(token("Bearerabc"), std::nullopt);
  EXPECT_EQ(token("Basic dXNlcjpwYXNz"), std::nullopt);
  EXPECT_EQ(token(""), std::nullopt);
  EXPECT_EQ(BearerToken(HttpHeaders{}), std::nullopt);
  EXPECT_EQ(BearerToken(HttpHeaders{{"authorization", "Bearer lower"}}), "lower");
}

TEST(ConstantTimeEqualsTest, ComparesBytes) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(GroupAuthorizerTest, WriteImpliesRead) {
  GroupAuthorizer authz;
  auto check = [&](std::vector<std::string> groups, Role role) {
    Status out = Internal("not called");
    authz.Authorize(Identity{"u", std::move(groups)}, role, [&](Status s) { out = s; });
    return out.code();
  };
  EXPECT_EQ(check({"read"}, Role::kRead), StatusCode::kOk);
  EXPECT_EQ(check({"read"}, Role::kWrite), StatusCode::kPermissionDenied);
  EXPECT_EQ(check({"write"}, Role::kRead), StatusCode::kOk);
  EXPECT_EQ(check({"write"}, Role::kWrite), StatusCode::kOk);
  EXPECT_EQ(check({"ops"}, Role::kRead), StatusCode::kPermissionDenied);
  EXPECT_EQ(check({}, Role::kNone), StatusCode::kOk);
}

// --- the token file ----------------------------------------------------------------------

std::string Parse(std::string_view text) {
  Result<TokenTable> t = TokenTable::Parse(text);
  return t.ok() ? "ok " + std::to_string(t->size()) : std::string(t.status().message());
}

TEST(TokenTableTest, ParsesLinesCommentsAndGroups) {
  Result<TokenTable> t = TokenTable::Parse(
      "# herd tokens\n"
      "\n"
      "  r-token , reader , read\n"
      "w-token,writer,write,\"ops,dev\",audit\r\n"
      "   # indented comment\n"
      "q-token,\"quoted, user\",read");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->size(), 3u);
  EXPECT_EQ(t->Find("r-token"), (Identity{"reader", {"read"}}));
  EXPECT_EQ(t->Find("w-token"), (Identity{"writer", {"write", "ops", "dev", "audit"}}));
  EXPECT_EQ(t->Find("q-token"), (Identity{"quoted, user", {"read"}}));
  EXPECT_EQ(t->Find("r-toke"), std::nullopt);
  EXPECT_EQ(t->Find("r-token "), std::nullopt);
  EXPECT_EQ(t->Find(""), std::nullopt);
}

TEST(TokenTableTest, BadLinesNameTheLineNeverTheToken) {
  const std::string secret = "s3cr3t-t0ken";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"# c\n" + secret + ",user\n", "line 2: expected token,user,role[,group...]"},
      {secret + "\n", "line 1: expected token,user,role[,group...]"},
      {",user,read\n", "line 1: the token is empty"},
      {secret + ",,read\n", "line 1: the user name is empty"},
      {secret + ",user,admin\n", "line 1: the role (third field) must be read or write"},
      {secret + ",user,\n", "line 1: the role (third field) must be read or write"},
      {"\"" + secret + " x\",user,read\n",
       "line 1: the token contains whitespace or control characters"},
      {secret + ",\"user,read\n", "line 1: unterminated quote"},
      {secret + ",\"user\"x,read\n", "line 1: text after a closing quote"},
      {secret + ",user,read,write\n", "line 1: \"write\" is a role: it goes in the third field"},
      {"a,u,read\n\n# c\n" + secret + ",u2,write\n" + secret + ",u3,read\n",
       "line 5: the same token is already on line 4"},
      {"", "no tokens"},
      {"# only comments\n\n", "no tokens"},
  };
  for (const auto& [text, want] : cases) {
    const std::string got = Parse(text);
    EXPECT_EQ(got, want) << text;
    EXPECT_EQ(got.find(secret), std::string::npos) << got;
  }
  EXPECT_EQ(TokenTable::Parse(",u,read").status().code(), StatusCode::kInvalidArgument);
}

// An in-memory token file whose content and stamp the test changes.
class FakeTokenFile : public TokenFileSource {
 public:
  struct State {
    std::string text;
    FileStamp stamp;
    bool missing = false;
    int stats = 0;
    int reads = 0;
  };
  explicit FakeTokenFile(State* state) : state_(state) {}
  std::string path() const override { return "/etc/herd/tokens"; }
  Result<FileStamp> Stat() override {
    ++state_->stats;
    if (state_->missing) return InvalidArgument("/etc/herd/tokens: cannot stat: gone");
    return state_->stamp;
  }
  Result<std::string> Read() override {
    ++state_->reads;
    return state_->text;
  }

 private:
  State* state_;
};

class StaticTokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_.text = "old,alice,write\n";
    file_.stamp = {1, 16, 7};
    auto tokens =
        StaticTokens::Create(std::make_unique<FakeTokenFile>(&file_), [this] { return now_; });
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    tokens_ = std::move(tokens).value();
  }

  // The user `token` authenticates as, or the error code's name.
  std::string Who(const std::string& token) {
    std::string out = "not called";
    tokens_->Authenticate(token, [&](Result<Identity> r) {
      out = r.ok() ? r->name : std::string(StatusCodeName(r.status().code()));
    });
    return out;
  }

  void Change(std::string text) {
    file_.text = std::move(text);
    file_.stamp.mtime_ns += 1;
    file_.stamp.size = file_.text.size();
  }

  FakeTokenFile::State file_;
  Clock::TimePoint now_{};
  std::unique_ptr<StaticTokens> tokens_;
};

TEST_F(StaticTokensTest, CreateFailsOnABadFileNamingPathAndLine) {
  FakeTokenFile::State bad{"ok,u,read\nsecret,u2\n", {}, false, 0, 0};
  auto tokens = StaticTokens::Create(std::make_unique<FakeTokenFile>(&bad),
                                     [] { return Clock::TimePoint{}; });
  ASSERT_FALSE(tokens.ok());
  EXPECT_EQ(tokens.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tokens.status().field(), "auth-token-file");
  EXPECT_EQ(tokens.status().message(),
            "/etc/herd/tokens: line 2: expected token,user,role[,group...]");
}

TEST_F(StaticTokensTest, ReloadsAChangedFileAtMostOnceASecond) {
  EXPECT_EQ(Who("old"), "alice");
  EXPECT_EQ(Who("new"), "UNAUTHENTICATED");
  Change("new,bob,read\n");
  now_ += std::chrono::milliseconds(999);
  EXPECT_EQ(Who("new"), "UNAUTHENTICATED") << "checked again before a second has passed";
  EXPECT_EQ(file_.stats, 1) << "only Create's stat so far";
  now_ += std::chrono::milliseconds(1);
  EXPECT_EQ(Who("new"), "bob");
  EXPECT_EQ(Who("old"), "UNAUTHENTICATED");
  EXPECT_EQ(tokens_->reloads(), 1u);
  // An unchanged stamp is not read again.
  const int reads = file_.reads;
  now_ += std::chrono::seconds(5);
  EXPECT_EQ(Who("new"), "bob");
  EXPECT_EQ(file_.reads, reads);
  // A new inode with the same time and size (a rename over the file) is a change.
  file_.text = "neu,carl,read\n";
  file_.stamp.inode = 8;
  now_ += std::chrono::seconds(1);
  EXPECT_EQ(Who("neu"), "carl");
}

TEST_F(StaticTokensTest, ABadNewFileKeepsTheOldTokensAndLogsOneLine) {
  ScopedLogCapture logs;
  Change("fine,bob,read\nsecret-in-bad-line,bob\n");
  now_ += std::chrono::seconds(1);
  EXPECT_EQ(Who("old"), "alice");
  EXPECT_EQ(Who("fine"), "UNAUTHENTICATED");
  const int reads = file_.reads;
  for (int i = 0; i < 3; ++i) {
    now_ += std::chrono::seconds(1);
    EXPECT_EQ(Who("old"), "alice");
  }
  EXPECT_EQ(file_.reads, reads) << "the same bad version is not read again";
  std::vector<std::string> lines;
  for (const std::string& l : logs.lines()) {
    if (l.find("auth_token_file") != std::string::npos) lines.push_back(l);
  }
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("level=warn event=auth_token_file_invalid"));
  EXPECT_THAT(lines[0], HasSubstr("line 2: expected token,user,role"));
  EXPECT_THAT(lines[0], HasSubstr("tokens_kept=1"));
  EXPECT_EQ(lines[0].find("secret-in-bad-line"), std::string::npos);

  // A vanished file keeps the tokens too; the fixed file is then picked up.
  file_.missing = true;
  now_ += std::chrono::seconds(1);
  EXPECT_EQ(Who("old"), "alice");
  file_.missing = false;
  Change("fine,bob,read\n");
  now_ += std::chrono::seconds(1);
  EXPECT_EQ(Who("fine"), "bob");
  EXPECT_EQ(Who("old"), "UNAUTHENTICATED");
  EXPECT_TRUE(logs.Contains("event=auth_token_file_reloaded"));
}

// --- the hook ----------------------------------------------------------------------------

// An Authenticator that can also be told to be unavailable.
class MapAuthenticator : public Authenticator {
 public:
  std::map<std::string, Identity> tokens;
  bool unavailable = false;
  std::vector<std::string> seen;
  void Authenticate(const std::string& token, Done done) override {
    seen.push_back(token);
    if (unavailable) return done(Unavailable("API server down"));
    auto it = tokens.find(token);
    if (it == tokens.end()) return done(Unauthenticated("invalid bearer token"));
    done(it->second);
  }
};

class RequireAuthTest : public ::testing::Test {
 protected:
  RequireAuthTest() {
    authn_.tokens["r-secret"] = Identity{"reader", {"read"}};
    authn_.tokens["w-secret"] = Identity{"writer", {"write"}};
    authn_.tokens["n-secret"] = Identity{"nobody", {"ops"}};
    RequireAuthOptions o;
    o.authenticator = &authn_;
    o.authorizer = &authz_;
    o.on_refused = [this](AuthFailure f) { refused_[std::string(AuthFailureName(f))]++; };
    handler_ = RequireAuth(
        [this](HttpRequest&& req, Responder respond) {
          reached_.push_back(req);
          respond(HttpResponse{200, {}, "inner", "text/plain"});
        },
        o);
  }

  HttpResponse Call(std::string method, std::string target, std::string token = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.SetTarget(std::move(target));
    r.remote_address = "10.1.2.3:4567";
    if (!token.empty()) r.headers.Set("Authorization", "Bearer " + token);
    HttpResponse out{0, {}, "not answered", ""};
    handler_(std::move(r), [&](HttpResponse resp) { out = std::move(resp); });
    return out;
  }

  static std::string Code(const HttpResponse& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    return j.is_discarded() ? "" : j["error"].value("code", "");
  }

  MapAuthenticator authn_;
  GroupAuthorizer authz_;
  Handler handler_;
  std::vector<HttpRequest> reached_;
  std::map<std::string, int> refused_;
};

TEST_F(RequireAuthTest, MissingOrUnknownTokenIs401WithAChallenge) {
  for (const std::string token : {"", "wrong-secret"}) {
    HttpResponse r = Call("GET", "/v1/workloads", token);
    EXPECT_EQ(r.status, 401) << token;
    EXPECT_EQ(Code(r), "Unauthenticated");
    EXPECT_EQ(r.headers.Get("WWW-Authenticate"), "Bearer realm=\"herd\"");
  }
  HttpRequest basic;
  basic.method = "POST";
  basic.SetTarget("/v1/workloads");
  basic.headers.Set("Authorization", "Basic dzpzZWNyZXQ=");
  int status = 0;
  handler_(std::move(basic), [&](HttpResponse r) { status = r.status; });
  EXPECT_EQ(status, 401);
  EXPECT_TRUE(reached_.empty());
  EXPECT_EQ(refused_["unauthenticated"], 3);
  EXPECT_EQ(refused_["forbidden"], 0);
}

TEST_F(RequireAuthTest, RolesDecideBetween403And200) {
  EXPECT_EQ(Call("GET", "/v1/workloads", "r-secret").status, 200);
  HttpResponse r = Call("POST", "/v1/workloads", "r-secret");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Code(r), "Forbidden");
  EXPECT_THAT(r.body, HasSubstr("user \\\"reader\\\" may not write"));
  EXPECT_FALSE(r.headers.Has("WWW-Authenticate"));
  EXPECT_EQ(Call("DELETE", "/v1/workloads/a", "w-secret").status, 200);
  EXPECT_EQ(Call("GET", "/v1/members", "w-secret").status, 200);
  EXPECT_EQ(Call("GET", "/v1/members", "n-secret").status, 403);
  EXPECT_EQ(reached_.size(), 3u);
  EXPECT_EQ(refused_["forbidden"], 2);
  // The inner handler never sees the token.
  for (const HttpRequest& req : reached_) EXPECT_FALSE(req.headers.Has("Authorization"));
}

TEST_F(RequireAuthTest, ProbesAreOpenAndDoNotAuthenticate) {
  for (const std::string path : {"/healthz", "/readyz", "/version"}) {
    EXPECT_EQ(Call("GET", path).status, 200) << path;
    EXPECT_EQ(Call("GET", path, "wrong").status, 200) << path;
  }
  EXPECT_TRUE(authn_.seen.empty());
  EXPECT_TRUE(refused_.empty());
  EXPECT_FALSE(reached_.back().headers.Has("Authorization"));
}

TEST_F(RequireAuthTest, AnUnavailableAuthenticatorIs503AndNotCounted) {
  authn_.unavailable = true;
  HttpResponse r = Call("GET", "/v1/workloads", "r-secret");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(Code(r), "Unavailable");
  EXPECT_THAT(r.body, HasSubstr("API server down"));
  EXPECT_TRUE(refused_.empty());
  EXPECT_TRUE(reached_.empty());
}

TEST_F(RequireAuthTest, RefusalsAreLoggedWithAddressAndUserNeverTheToken) {
  ScopedLogCapture logs;
  Call("POST", "/v1/workloads", "wrong-secret");
  Call("PUT", "/v1/members", "r-secret");
  Call("GET", "/v1/workloads", "w-secret");  // allowed: not logged
  std::vector<std::string> lines = logs.lines();
  ASSERT_EQ(lines.size(), 2u) << ::testing::PrintToString(lines);
  EXPECT_THAT(lines[0], HasSubstr("level=info event=api_request_refused reason=unauthenticated "
                                  "remote=10.1.2.3:4567 user=- method=POST path=/v1/workloads"));
  EXPECT_THAT(lines[1], HasSubstr("level=info event=api_request_refused reason=forbidden "
                                  "remote=10.1.2.3:4567 user=reader method=PUT path=/v1/members"));
  for (const std::string& l : lines) {
    EXPECT_EQ(l.find("secret"), std::string::npos) << l;
  }
}

// A hook whose authenticator answers later, from another "thread" (a queue the test drains).
TEST(RequireAuthAsyncTest, AnswersWhenTheReviewComesBack) {
  struct Later : Authenticator {
    std::vector<std::function<void()>> queue;
    void Authenticate(const std::string& token, Done done) override {
      queue.push_back([token, done] {
        if (token == "good") return done(Identity{"u", {"write"}});
        done(Unauthenticated("invalid bearer token"));
      });
    }
  } authn;
  GroupAuthorizer authz;
  RequireAuthOptions o;
  o.authenticator = &authn;
  o.authorizer = &authz;
  Handler h = RequireAuth(
      [](HttpRequest&& req, Responder respond) {
        respond(HttpResponse{201, {}, req.body, "text/plain"});
      },
      o);
  std::vector<int> codes;
  for (const std::string token : {"good", "bad"}) {
    HttpRequest r;
    r.method = "POST";
    r.SetTarget("/v1/workloads");
    r.body = "the body";
    r.headers.Set("Authorization", "Bearer " + token);
    h(std::move(r), [&](HttpResponse resp) {
      codes.push_back(resp.status);
      if (resp.status == 201) {
        EXPECT_EQ(resp.body, "the body");
      }
    });
  }
  EXPECT_TRUE(codes.empty());
  for (auto& fn : authn.queue) fn();
  EXPECT_THAT(codes, ElementsAre(201, 401));
}

}  // namespace
}  // namespace herd::sidecar
