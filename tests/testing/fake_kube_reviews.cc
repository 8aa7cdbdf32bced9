#include "tests/testing/fake_kube_reviews.h"

namespace herd::testing {
namespace {

using nlohmann::json;

constexpr std::string_view kTokenReviews = "/apis/authentication.k8s.io/v1/tokenreviews";
constexpr std::string_view kAccessReviews = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

json Failure(int code, const std::string& reason, const std::string& message) {
  return {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
          {"reason", reason}, {"message", message}, {"code", code}};
}

std::vector<std::string> SplitCommas(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    if (comma > start) out.emplace_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace

void FakeKubeReviews::AddToken(std::string token, std::string user,
                               std::vector<std::string> groups) {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_[std::move(token)] = Holder{std::move(user), std::move(groups)};
}

void FakeKubeReviews::Allow(std::string subject, std::string verb) {
  std::lock_guard<std::mutex> lock(mu_);
  rules_[std::move(subject)].insert(std::move(verb));
}

void FakeKubeReviews::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_.clear();
  rules_.clear();
  token_reviews_ = 0;
  access_reviews_ = 0;
  last_access_ = json::object();
}

std::optional<FakeKubeReviews::Answer> FakeKubeReviews::Handle(std::string_view method,
                                                               std::string_view path,
                                                               std::string_view body) {
  if (path != kTokenReviews && path != kAccessReviews) return std::nullopt;
  if (method != "POST") return Answer{405, Failure(405, "MethodNotAllowed", "POST a review")};
  json review = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!review.is_object() || !review.contains("spec") || !review["spec"].is_object()) {
    return Answer{400, Failure(400, "BadRequest", "a review needs a spec")};
  }
  return path == kTokenReviews ? TokenReview(review) : AccessReview(review);
}

FakeKubeReviews::Answer FakeKubeReviews::TokenReview(const json& review) {
  std::lock_guard<std::mutex> lock(mu_);
  ++token_reviews_;
  json out = review;
  const std::string token = review["spec"].value("token", "");
  auto it = tokens_.find(token);
  if (token.empty() || it == tokens_.end()) {
    out["status"] = {{"authenticated", false}, {"error", "invalid bearer token"}};
  } else {
    out["status"] = {{"authenticated", true},
                     {"user", {{"username", it->second.user}, {"groups", it->second.groups}}}};
  }
  return {201, out};
}

FakeKubeReviews::Answer FakeKubeReviews::AccessReview(const json& review) {
  std::lock_guard<std::mutex> lock(mu_);
  ++access_reviews_;
  const json& spec = review["spec"];
  last_access_ = spec;
  std::vector<std::string> subjects = {spec.value("user", "")};
  if (spec.contains("groups") && spec["groups"].is_array()) {
    for (const json& g : spec["groups"]) {
      if (g.is_string()) subjects.push_back("group:" + g.get<std::string>());
    }
  }
  std::string verb;
  if (spec.contains("resourceAttributes") && spec["resourceAttributes"].is_object()) {
    verb = spec["resourceAttributes"].value("verb", "");
  }
  bool allowed = false;
  for (const std::string& s : subjects) {
    auto it = rules_.find(s);
    if (it != rules_.end() && (it->second.count(verb) || it->second.count("*"))) allowed = true;
  }
  json out = review;
  out["status"] = {{"allowed", allowed}};
  if (!allowed) out["status"]["reason"] = "no rule allows " + verb;
  return {201, out};
}

std::optional<FakeKubeReviews::Answer> FakeKubeReviews::Control(
    const sidecar::HttpRequest& request) {
  const std::string& p = request.path;
  if (p.rfind("/fake/reviews", 0) != 0) return std::nullopt;
  auto query = [&](std::string_view key) { return std::string(request.Query(key).value_or("")); };
  if (p == "/fake/reviews") {
    std::lock_guard<std::mutex> lock(mu_);
    return Answer{200,
                  {{"tokenReviews", token_reviews_},
                   {"accessReviews", access_reviews_},
                   {"last", last_access_}}};
  }
  if (p == "/fake/reviews/token") {
    AddToken(query("token"), query("user"), SplitCommas(query("groups")));
  } else if (p == "/fake/reviews/allow") {
    Allow(query("subject"), query("verb"));
  } else if (p == "/fake/reviews/clear") {
    Clear();
  } else {
    return Answer{404, Failure(404, "NotFound", "unknown control " + p)};
  }
  return Answer{200, json::object()};
}

}  // namespace herd::testing
