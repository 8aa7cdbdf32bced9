// REST authentication and authorization (issue 9, "Security"): who is calling, and may they.
//
// Every request to the REST port carries "Authorization: Bearer <token>". An Authenticator
// turns the token into an Identity (a user name and groups); an Authorizer decides whether that
// identity holds the Role the request needs. Two roles: `read` (GET and HEAD) and `write`
// (every other method); write implies read. /healthz, /readyz and /version are always open, so
// probes need no credentials. /metrics, on its own port, needs `read` when --metrics-auth is on.
//
// Implementations: StaticTokens (sidecar/auth_tokens.h, a Kubernetes-style token file) is both
// an Authenticator and, through GroupAuthorizer below, the source of roles; KubeReviewAuth
// (sidecar/auth_kube.h) asks the API server (TokenReview, then SubjectAccessReview).
//
// RequireAuth wraps a Handler (usually Router::AsHandler()) so that every request passes auth
// first: a missing or unknown token answers 401 Unauthenticated with
// `WWW-Authenticate: Bearer realm="herd"`, an identity without the role 403 Forbidden, and an
// authenticator that cannot answer (the API server is down) 503 Unavailable. Each refusal is
// logged at info level (remote address, user when known, method, path; never the token) and
// reported to `on_refused` for the metrics. Allowed requests reach the inner handler with the
// Authorization header removed, so no handler can log or forward the token.
//
// Threading: Authenticate and Authorize may be called from any thread at once and call `done`
// exactly once, at once on the calling thread or later on another (a network review). The
// wrapped Handler runs the inner one on whichever thread answered. Nothing here touches a
// socket, a file or a clock.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sidecar/http.h"

namespace herd::sidecar {

enum class Role { kNone, kRead, kWrite };  // kNone: the request is open to anyone
std::string_view RoleName(Role role);      // "none", "read", "write"

struct Identity {
  std::string name;
  std::vector<std::string> groups;
  friend bool operator==(const Identity&, const Identity&) = default;
};

class Authenticator {
 public:
  using Done = std::function<void(Result<Identity>)>;
  virtual ~Authenticator() = default;
  // Who `token` belongs to. Errors: kUnauthenticated for a token nobody holds (the message
  // never contains the token), kUnavailable when the answer cannot be had right now.
  virtual void Authenticate(const std::string& token, Done done) = 0;
};

class Authorizer {
 public:
  using Done = std::function<void(Status)>;
  virtual ~Authorizer() = default;
  // OK when `who` holds `role` (never called with kNone). Errors: kPermissionDenied when it
  // does not, with a message for the caller ("user \"bob\" may not write[: why]");
  // kUnavailable when the answer cannot be had right now.
  virtual void Authorize(const Identity& who, Role role, Done done) = 0;
};

// Roles carried as groups: an identity holds `write` when its groups contain "write", and
// `read` when they contain "read" or "write". StaticTokens puts a token's role there.
class GroupAuthorizer : public Authorizer {
 public:
  void Authorize(const Identity& who, Role role, Done done) override;
};

// Which port a request arrived on: the REST API, or the /metrics port (--metrics-auth).
enum class AuthScope { kApi, kMetrics };

// The role a request needs. kApi: kNone for /healthz, /readyz and /version (any method: the
// router answers 405 for the wrong one), kRead for GET and HEAD of anything else, kWrite for
// every other method. kMetrics: kRead for everything. `raw_path` is the request target's path
// (no query); segments are split and percent-decoded as the Router does, so "/healthz/" and
// "/%68ealthz" are open exactly when the Router would route them to /healthz.
Role RequiredRole(AuthScope scope, std::string_view method, std::string_view raw_path);

// The token of an "Authorization: Bearer <token>" header (scheme case-insensitive, surrounding
// spaces ignored), or nullopt when the header is missing, of another scheme, or empty.
std::optional<std::string> BearerToken(const HttpHeaders& headers);

enum class AuthFailure { kUnauthenticated, kForbidden };
std::string_view AuthFailureName(AuthFailure f);  // "unauthenticated", "forbidden"

struct RequireAuthOptions {
  AuthScope scope = AuthScope::kApi;
  Authenticator* authenticator = nullptr;       // required; must outlive the handler
  Authorizer* authorizer = nullptr;             // required; must outlive the handler
  std::function<void(AuthFailure)> on_refused;  // optional: counts refusals
};

// `inner` behind authentication and authorization, as the file comment describes.
Handler RequireAuth(Handler inner, RequireAuthOptions options);

// Compares two byte strings in time that depends only on their lengths, not on where they
// differ. For secrets of a fixed length (digests).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace herd::sidecar
