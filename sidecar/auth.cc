#include "sidecar/auth.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "common/log.h"

namespace herd::sidecar {
namespace {

constexpr std::string_view kChallenge = "Bearer realm=\"herd\"";

// The decoded, non-empty segments of a raw path, as Router splits and decodes them.
std::vector<std::string> Segments(std::string_view raw_path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= raw_path.size()) {
    size_t slash = raw_path.find('/', start);
    if (slash == std::string_view::npos) slash = raw_path.size();
    if (slash > start) out.push_back(PercentDecode(raw_path.substr(start, slash - start)));
    start = slash + 1;
  }
  return out;
}

bool HasGroup(const Identity& who, std::string_view group) {
  return std::find(who.groups.begin(), who.groups.end(), group) != who.groups.end();
}

std::string_view RawPath(const HttpRequest& request) {
  std::string_view t = request.target.empty() ? std::string_view(request.path) : request.target;
  return t.substr(0, t.find_first_of("?#"));
}

// What every request of one wrapped handler shares.
struct AuthState {
  Handler inner;
  RequireAuthOptions options;
};

// One request waiting for its authentication and authorization answers.
struct Pending {
  HttpRequest request;
  Responder respond;
  std::shared_ptr<const AuthState> state;
  Role role = Role::kRead;
};

void Refuse(const Pending& p, AuthFailure failure, std::string_view why,
            std::string_view user = {}) {
  LOG_INFO("api_request_refused", {{"reason", AuthFailureName(failure)},
                                   {"remote", p.request.remote_address},
                                   {"user", user.empty() ? std::string_view("-") : user},
                                   {"method", p.request.method},
                                   {"path", p.request.path},
                                   {"why", why}});
  if (p.state->options.on_refused) p.state->options.on_refused(failure);
  if (failure == AuthFailure::kUnauthenticated) {
    HttpResponse r = ErrorResponse(401, "Unauthenticated", std::string(why));
    r.headers.Set("WWW-Authenticate", std::string(kChallenge));
    p.respond(std::move(r));
    return;
  }
  p.respond(ErrorResponse(403, "Forbidden", std::string(why)));
}

// The authenticator or authorizer could not answer: not the caller's fault, so not a 401/403.
void Unavailable(const Pending& p, const Status& status) {
  LOG_WARNING("api_auth_unavailable", {{"remote", p.request.remote_address},
                                       {"method", p.request.method},
                                       {"path", p.request.path},
                                       {"error", status.message()}});
  p.respond(
      ErrorResponse(503, "Unavailable",
                    "cannot check the request's credentials: " + std::string(status.message())));
}

void Authorized(std::shared_ptr<Pending> p, const Identity& who) {
  p->state->options.authorizer->Authorize(who, p->role, [p, user = who.name](Status s) {
    if (s.ok()) return p->state->inner(std::move(p->request), std::move(p->respond));
    if (s.code() == StatusCode::kPermissionDenied) {
      return Refuse(*p, AuthFailure::kForbidden, s.message(), user);
    }
    Unavailable(*p, s);
  });
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kNone:
      return "none";
    case Role::kRead:
      return "read";
    case Role::kWrite:
      return "write";
  }
  return "?";
}

std::string_view AuthFailureName(AuthFailure f) {
  return f == AuthFailure::kUnauthenticated ? "unauthenticated" : "forbidden";
}

void GroupAuthorizer::Authorize(const Identity& who, Role role, Done done) {
  const bool allowed = role == Role::kNone || HasGroup(who, "write") ||
                       (role == Role::kRead && HasGroup(who, "read"));
  if (allowed) return done(Status::Ok());
  done(PermissionDenied("user \"" + who.name + "\" may not " + std::string(RoleName(role))));
}

Role RequiredRole(AuthScope scope, std::string_view method, std::string_view raw_path) {
  if (scope == AuthScope::kMetrics) return Role::kRead;
  const std::vector<std::string> parts = Segments(raw_path);
  if (parts.size() == 1 &&
      (parts[0] == "healthz" || parts[0] == "readyz" || parts[0] == "version")) {
    return Role::kNone;
  }
  return method == "GET" || method == "HEAD" ? Role::kRead : Role::kWrite;
}

std::optional<std::string> BearerToken(const HttpHeaders& headers) {
  std::optional<std::string_view> value = headers.Get("Authorization");
  if (!value) return std::nullopt;
  std::string_view v = *value;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  constexpr std::string_view kScheme = "bearer";
  if (v.size() <= kScheme.size() || !EqualsIgnoreCase(v.substr(0, kScheme.size()), kScheme) ||
      (v[kScheme.size()] != ' ' && v[kScheme.size()] != '\t')) {
    return std::nullopt;
  }
  v.remove_prefix(kScheme.size());
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  return std::string(v);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  volatile unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = diff | static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

Handler RequireAuth(Handler inner, RequireAuthOptions options) {
  auto state = std::make_shared<const AuthState>(AuthState{std::move(inner), std::move(options)});
  return [state](HttpRequest&& request, Responder respond) {
    const Role role = RequiredRole(state->options.scope, request.method, RawPath(request));
    if (role == Role::kNone) {
      request.headers.Remove("Authorization");
      return state->inner(std::move(request), std::move(respond));
    }
    auto p = std::make_shared<Pending>();
    p->role = role;
    p->state = state;
    p->respond = std::move(respond);
    std::optional<std::string> token = BearerToken(request.headers);
    request.headers.Remove("Authorization");
    p->request = std::move(request);
    if (!token) {
      return Refuse(*p, AuthFailure::kUnauthenticated, "a bearer token is required");
    }
    state->options.authenticator->Authenticate(*token, [p](Result<Identity> who) {
      if (who.ok()) return Authorized(p, *who);
      if (who.status().code() == StatusCode::kUnauthenticated) {
        return Refuse(*p, AuthFailure::kUnauthenticated, "invalid bearer token");
      }
      Unavailable(*p, who.status());
    });
  };
}

}  // namespace herd::sidecar
