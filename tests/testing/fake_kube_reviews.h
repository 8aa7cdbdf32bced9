// FakeKubeReviews: the fake API server's TokenReview and SubjectAccessReview (issue 9), for
// testing `herd agent --auth-tokenreview` (sidecar/auth_kube.h).
//
//   POST /apis/authentication.k8s.io/v1/tokenreviews        {spec: {token}}
//     -> 201, status.authenticated and status.user {username, groups} for a known token
//   POST /apis/authorization.k8s.io/v1/subjectaccessreviews {spec: {user, groups,
//                                                             resourceAttributes: {verb, ...}}}
//     -> 201, status.allowed when the user, or one of its groups ("group:NAME"), is allowed the
//        verb (or "*"); otherwise status.allowed false with a reason
//
// Tests script it through the fake server's control endpoints (no token needed):
//   POST /fake/reviews/token?token=T&user=U&groups=a,b   a token and who holds it
//   POST /fake/reviews/allow?subject=U|group:G&verb=V   a rule
//   POST /fake/reviews/clear                            forget tokens, rules and counts
//   GET  /fake/reviews                                  {tokenReviews, accessReviews, last}:
//        the counts and the last SubjectAccessReview's spec
//
// Test code. Threading: every method from any thread at once.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sidecar/http.h"

namespace herd::testing {

class FakeKubeReviews {
 public:
  using Answer = std::pair<int, nlohmann::json>;  // HTTP status, body

  void AddToken(std::string token, std::string user, std::vector<std::string> groups);
  void Allow(std::string subject, std::string verb);
  void Clear();

  // The answer to `method` `path` with `body` when it is a review, else nullopt.
  std::optional<Answer> Handle(std::string_view method, std::string_view path,
                               std::string_view body);
  // The answer to a /fake/reviews... control request, else nullopt.
  std::optional<Answer> Control(const sidecar::HttpRequest& request);

 private:
  Answer TokenReview(const nlohmann::json& review);
  Answer AccessReview(const nlohmann::json& review);

  struct Holder {
    std::string user;
    std::vector<std::string> groups;
  };
  std::mutex mu_;
  std::map<std::string, Holder> tokens_;
  std::map<std::string, std::set<std::string>> rules_;  // subject -> verbs
  uint64_t token_reviews_ = 0;
  uint64_t access_reviews_ = 0;
  nlohmann::json last_access_ = nlohmann::json::object();
};

}  // namespace herd::testing
