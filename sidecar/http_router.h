// Router: maps (method, path) to a Handler, for the REST API and the peer port.
//
// Patterns are absolute paths whose segments are literals or `{name}` captures of exactly one
// segment: "/v1/workloads/{name}/logs". Matching splits the raw request path on '/', ignores
// empty segments (so a trailing slash does not matter) and percent-decodes captured values.
// When several patterns match a path, the one with literals further left wins
// ("/v1/children/count" beats "/v1/children/{id}").
//
// Dispatch answers 404 NotFound when no pattern matches the path, and 405 MethodNotAllowed with
// an Allow header listing the methods that do match it otherwise. On a match it sets
// request.route (the pattern, a bounded metrics label) and request.params, then calls the
// handler on the caller's thread.
//
// Threading: Add routes before serving; after that Dispatch is const and may run on any number
// of threads at once. The Router must outlive the Handler returned by AsHandler().
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sidecar/http.h"

namespace herd::sidecar {

class Router {
 public:
  // Registers `handler` for `method` ("GET") and `pattern`. A malformed pattern (not starting
  // with '/', an empty or unbalanced `{}`) or a duplicate (method, pattern) is a programming
  // error: it asserts in debug builds and is ignored with an error log otherwise.
  void Add(std::string method, std::string_view pattern, Handler handler);

  // Routes `request` by its method and target, as described above.
  void Dispatch(HttpRequest&& request, Responder respond) const;

  // A Handler that calls Dispatch on this router.
  Handler AsHandler() const;

  // The pattern Dispatch would route `request` to (what it sets as request.route), or "" when
  // no route matches its path and method (Dispatch answers 404 or 405). For metrics, which
  // label requests by route before dispatching them. The view lives as long as the Router.
  std::string_view RouteOf(const HttpRequest& request) const;

 private:
  struct Segment {
    std::string text;  // the literal, or the capture's name
    bool capture = false;
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
  };

  // Whether `route` matches `parts`; fills `params` on success.
  static bool Matches(const Route& route, const std::vector<std::string_view>& parts,
                      std::vector<std::pair<std::string, std::string>>* params);
  // True when `a` should win over `b` for the same path (literals further left).
  static bool MoreSpecific(const Route& a, const Route& b);

  std::vector<Route> routes_;
};

}  // namespace herd::sidecar
