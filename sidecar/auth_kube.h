// KubeReviewAuth: REST authentication and authorization by the Kubernetes API server
// (`herd agent --auth-tokenreview`), as kube-rbac-proxy does it.
//
//   Authenticate: POST /apis/authentication.k8s.io/v1/tokenreviews {spec: {token}}; an
//     authenticated review gives the Identity (status.user.username and groups).
//   Authorize:    POST /apis/authorization.k8s.io/v1/subjectaccessreviews for the user and
//     groups, on resource `workloads` of group `herd.dev` in the agent's namespace, verb `get`
//     for the read role and `create` for the write role; allowed or not is status.allowed.
//
// Answers are cached so that a busy client costs the API server nothing: allowed answers for
// positive_ttl (60 s), refusals for negative_ttl (10 s); errors (the API server unreachable)
// are not cached. Each cache holds at most max_entries; when full, the entry closest to expiry
// goes first. Tokens are cached by their SHA-256 digest, never as themselves.
//
// KubeClient calls block, so they run through `run_blocking` (a worker thread in the agent);
// a cached answer is given at once on the calling thread. Errors: kUnauthenticated for a token
// the API server does not know, kPermissionDenied for a refused review, kUnavailable when the
// API server cannot be asked (the message names the call, never the token).
//
// Threading: Authenticate and Authorize from any thread at once. The client and the executor
// must outlive this object, and so must every callback still queued on the executor.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>

#include "k8s/kube_client.h"
#include "sidecar/auth.h"
#include "sidecar/auth_cache.h"
#include "sidecar/auth_tokens.h"

namespace herd::sidecar {

inline constexpr std::string_view kTokenReviewPath = "/apis/authentication.k8s.io/v1/tokenreviews";
inline constexpr std::string_view kSubjectAccessReviewPath =
    "/apis/authorization.k8s.io/v1/subjectaccessreviews";

struct KubeReviewOptions {
  std::string namespace_;  // where the workloads resource is authorized
  std::string group = "herd.dev";
  std::string resource = "workloads";
  std::chrono::seconds positive_ttl{60};
  std::chrono::seconds negative_ttl{10};
  size_t max_entries = 10000;  // per cache
};

class KubeReviewAuth : public Authenticator, public Authorizer {
 public:
  // Runs a blocking call on another thread; false when it cannot (too busy, stopping), and
  // then the call is answered kUnavailable at once.
  using RunBlocking = std::function<bool(std::function<void()>)>;

  KubeReviewAuth(KubeReviewOptions options, k8s::KubeClient& client, RunBlocking run_blocking,
                 AuthNow now);

  void Authenticate(const std::string& token, Authenticator::Done done) override;
  void Authorize(const Identity& who, Role role, Authorizer::Done done) override;

  // The verb a role maps to: get (read) or create (write).
  static std::string_view Verb(Role role);

  // The review bodies, and the answers read back from the API server's replies. Exposed for
  // tests. Parse errors: kUnavailable naming the review ("the TokenReview answer has no
  // status").
  static nlohmann::json TokenReview(const std::string& token);
  nlohmann::json SubjectAccessReview(const Identity& who, Role role) const;
  static Result<Identity> ReadTokenReview(const nlohmann::json& answer);
  static Status ReadSubjectAccessReview(const nlohmann::json& answer, const Identity& who,
                                        Role role);

 private:
  const KubeReviewOptions options_;
  k8s::KubeClient& client_;
  const RunBlocking run_blocking_;
  const AuthNow now_;
  TtlCache<Result<Identity>> tokens_;  // by Sha256(token)
  TtlCache<Status> access_;            // by user, groups and verb
};

}  // namespace herd::sidecar
