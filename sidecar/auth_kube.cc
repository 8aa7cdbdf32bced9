#include "sidecar/auth_kube.h"

#include <memory>
#include <utility>

namespace herd::sidecar {
namespace {

using nlohmann::json;

// The API server could not give an answer: never the caller's fault, never cached.
Status CannotAsk(std::string_view review, const Status& s) {
  std::string why(s.message());
  if (s.code() == StatusCode::kUnauthenticated || s.code() == StatusCode::kPermissionDenied) {
    why = "the API server refused herd's own credentials: " + why;
  }
  return Unavailable(std::string(review) + " failed: " + why);
}

const json* StatusOf(const json& answer) {
  if (!answer.is_object()) return nullptr;
  auto it = answer.find("status");
  if (it == answer.end() || !it->is_object()) return nullptr;
  return &*it;
}

std::string AccessKey(const Identity& who, std::string_view verb) {
  std::string key = who.name;
  for (const std::string& g : who.groups) key.append(1, '\0').append(g);
  key.append(1, '\0').append(1, '\0').append(verb);
  return key;
}

}  // namespace

KubeReviewAuth::KubeReviewAuth(KubeReviewOptions options, k8s::KubeClient& client,
                               RunBlocking run_blocking, AuthNow now)
    : options_(std::move(options)),
      client_(client),
      run_blocking_(std::move(run_blocking)),
      now_(std::move(now)),
      tokens_(options_.max_entries),
      access_(options_.max_entries) {}

std::string_view KubeReviewAuth::Verb(Role role) { return role == Role::kWrite ? "create" : "get"; }

json KubeReviewAuth::TokenReview(const std::string& token) {
  return {{"apiVersion", "authentication.k8s.io/v1"},
          {"kind", "TokenReview"},
          {"spec", {{"token", token}}}};
}

json KubeReviewAuth::SubjectAccessReview(const Identity& who, Role role) const {
  return {{"apiVersion", "authorization.k8s.io/v1"},
          {"kind", "SubjectAccessReview"},
          {"spec",
           {{"user", who.name},
            {"groups", who.groups},
            {"resourceAttributes",
             {{"namespace", options_.namespace_},
              {"verb", Verb(role)},
              {"group", options_.group},
              {"resource", options_.resource}}}}}};
}

Result<Identity> KubeReviewAuth::ReadTokenReview(const json& answer) {
  const json* status = StatusOf(answer);
  if (status == nullptr) return Unavailable("the TokenReview answer has no status");
  if (!status->value("authenticated", false)) return Unauthenticated("invalid bearer token");
  Identity who;
  auto user = status->find("user");
  if (user != status->end() && user->is_object()) {
    if (auto n = user->find("username"); n != user->end() && n->is_string()) {
      who.name = n->get<std::string>();
    }
    if (auto g = user->find("groups"); g != user->end() && g->is_array()) {
      for (const json& group : *g) {
        if (group.is_string()) who.groups.push_back(group.get<std::string>());
      }
    }
  }
  if (who.name.empty()) return Unauthenticated("the token's user has no name");
  return who;
}

Status KubeReviewAuth::ReadSubjectAccessReview(const json& answer, const Identity& who, Role role) {
  const json* status = StatusOf(answer);
  if (status == nullptr) return Unavailable("the SubjectAccessReview answer has no status");
  if (status->value("allowed", false) && !status->value("denied", false)) return Status::Ok();
  std::string message = "user \"" + who.name + "\" may not " + std::string(RoleName(role));
  if (auto r = status->find("reason"); r != status->end() && r->is_string() && !r->empty()) {
    message += ": " + r->get<std::string>();
  }
  return PermissionDenied(message);
}

void KubeReviewAuth::Authenticate(const std::string& token, Authenticator::Done done) {
  std::string key = Sha256(token);
  if (std::optional<Result<Identity>> hit = tokens_.Get(key, now_())) return done(*hit);
  auto shared_done = std::make_shared<Authenticator::Done>(std::move(done));
  const bool queued = run_blocking_([this, token, key = std::move(key), shared_done] {
    const Authenticator::Done& done = *shared_done;
    Result<json> answer = client_.Create(std::string(kTokenReviewPath), TokenReview(token));
    if (!answer.ok()) return done(CannotAsk("TokenReview", answer.status()));
    Result<Identity> who = ReadTokenReview(*answer);
    const Clock::TimePoint now = now_();
    if (who.ok()) {
      tokens_.Put(key, who, now + options_.positive_ttl, now);
    } else if (who.status().code() == StatusCode::kUnauthenticated) {
      tokens_.Put(key, who, now + options_.negative_ttl, now);
    }
    done(std::move(who));
  });
  if (!queued) (*shared_done)(Unavailable("TokenReview: too many reviews pending"));
}

void KubeReviewAuth::Authorize(const Identity& who, Role role, Authorizer::Done done) {
  std::string key = AccessKey(who, Verb(role));
  if (std::optional<Status> hit = access_.Get(key, now_())) return done(*hit);
  auto shared_done = std::make_shared<Authorizer::Done>(std::move(done));
  const bool queued = run_blocking_([this, who, role, key = std::move(key), shared_done] {
    const Authorizer::Done& done = *shared_done;
    Result<json> answer =
        client_.Create(std::string(kSubjectAccessReviewPath), SubjectAccessReview(who, role));
    if (!answer.ok()) return done(CannotAsk("SubjectAccessReview", answer.status()));
    Status allowed = ReadSubjectAccessReview(*answer, who, role);
    const Clock::TimePoint now = now_();
    if (allowed.ok()) {
      access_.Put(key, allowed, now + options_.positive_ttl, now);
    } else if (allowed.code() == StatusCode::kPermissionDenied) {
      access_.Put(key, allowed, now + options_.negative_ttl, now);
    }
    done(std::move(allowed));
  });
  if (!queued) (*shared_done)(Unavailable("SubjectAccessReview: too many reviews pending"));
}

}  // namespace herd::sidecar
