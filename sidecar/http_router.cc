#include "sidecar/http_router.h"

#include <algorithm>
#include <cassert>

#include "common/log.h"

namespace herd::sidecar {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

// The raw path of a request: the target up to '?' or '#'. Routing splits the raw path so an
// encoded "%2F" inside a segment stays inside that segment.
std::string_view RawPath(const HttpRequest& request) {
  std::string_view t = request.target.empty() ? std::string_view(request.path) : request.target;
  return t.substr(0, t.find_first_of("?#"));
}

}  // namespace

void Router::Add(std::string method, std::string_view pattern, Handler handler) {
  Route route;
  route.method = std::move(method);
  route.pattern = std::string(pattern);
  route.handler = std::move(handler);
  bool valid = !pattern.empty() && pattern.front() == '/';
  for (std::string_view part : SplitPath(pattern)) {
    Segment seg;
    if (part.front() == '{' || part.back() == '}') {
      valid = valid && part.size() > 2 && part.front() == '{' && part.back() == '}';
      seg.capture = true;
      seg.text = std::string(part.substr(1, part.size() >= 2 ? part.size() - 2 : 0));
    } else {
      valid = valid && part.find_first_of("{}") == std::string_view::npos;
      seg.text = std::string(part);
    }
    route.segments.push_back(std::move(seg));
  }
  for (const Route& r : routes_) {
    if (r.method == route.method && r.pattern == route.pattern) valid = false;
  }
  assert(valid && "malformed or duplicate route");
  if (!valid) {
    LOG_ERROR("http_route_rejected", {{"method", route.method}, {"pattern", route.pattern}});
    return;
  }
  routes_.push_back(std::move(route));
}

bool Router::Matches(const Route& route, const std::vector<std::string_view>& parts,
                     std::vector<std::pair<std::string, std::string>>* params) {
  if (route.segments.size() != parts.size()) return false;
  params->clear();
  for (size_t i = 0; i < parts.size(); ++i) {
    const Segment& seg = route.segments[i];
    if (seg.capture) {
      params->emplace_back(seg.text, PercentDecode(parts[i]));
    } else if (seg.text != PercentDecode(parts[i])) {
      return false;
    }
  }
  return true;
}

bool Router::MoreSpecific(const Route& a, const Route& b) {
  for (size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    if (a.segments[i].capture != b.segments[i].capture) return !a.segments[i].capture;
  }
  return false;
}

void Router::Dispatch(HttpRequest&& request, Responder respond) const {
  std::vector<std::string_view> parts = SplitPath(RawPath(request));
  const Route* best = nullptr;
  std::vector<std::pair<std::string, std::string>> best_params;
  std::vector<std::string> allowed;
  std::vector<std::pair<std::string, std::string>> params;
  for (const Route& route : routes_) {
    if (!Matches(route, parts, &params)) continue;
    if (route.method != request.method) {
      if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) {
        allowed.push_back(route.method);
      }
      continue;
    }
    if (best == nullptr || MoreSpecific(route, *best)) {
      best = &route;
      best_params = std::move(params);
    }
  }
  if (best != nullptr) {
    request.route = best->pattern;
    request.params = std::move(best_params);
    best->handler(std::move(request), std::move(respond));
    return;
  }
  if (allowed.empty()) {
    respond(ErrorResponse(404, "NotFound", "no such path: " + request.path));
    return;
  }
  std::sort(allowed.begin(), allowed.end());
  std::string allow;
  for (const std::string& m : allowed) {
    if (!allow.empty()) allow += ", ";
    allow += m;
  }
  HttpResponse response = ErrorResponse(
      405, "MethodNotAllowed",
      request.method + " is not allowed on " + request.path + " (allowed: " + allow + ")");
  response.headers.Set("Allow", allow);
  respond(std::move(response));
}

std::string_view Router::RouteOf(const HttpRequest& request) const {
  std::vector<std::string_view> parts = SplitPath(RawPath(request));
  const Route* best = nullptr;
  std::vector<std::pair<std::string, std::string>> params;
  for (const Route& route : routes_) {
    if (route.method != request.method || !Matches(route, parts, &params)) continue;
    if (best == nullptr || MoreSpecific(route, *best)) best = &route;
  }
  return best == nullptr ? std::string_view() : std::string_view(best->pattern);
}

Handler Router::AsHandler() const {
  return [this](HttpRequest&& request, Responder respond) {
    Dispatch(std::move(request), std::move(respond));
  };
}

}  // namespace herd::sidecar
