// HTTP values shared by the agent's server, its client and the REST layer: requests, responses,
// headers, the JSON error shape of SPEC.md, and the asynchronous handler contract.
//
// Nothing here touches a socket, Beast or cpprestsdk: the REST handlers and their unit tests use
// these types alone, and sidecar/posix/http_server.h carries them over the wire.
//
// Handlers are asynchronous. The server calls a Handler on one of its threads with the request
// and a Responder; the handler may answer at once or hand the Responder to another thread (the
// agent's event loop) and answer later, without blocking a server thread. A Responder made by
// MakeOnceResponder may be called from any thread; the first call wins, later calls are logged
// and ignored, and when every copy is dropped uncalled it answers 500 by itself, so a lost
// request never leaks a connection.
//
// All types are plain values: copy and move them freely; a single object is not thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace herd::sidecar {

// Header fields in arrival order. Names compare case-insensitively (RFC 9110); values are kept
// as received. A name may repeat (Add); Set replaces every field of that name.
class HttpHeaders {
 public:
  using Field = std::pair<std::string, std::string>;

  HttpHeaders() = default;
  HttpHeaders(std::initializer_list<Field> fields) : fields_(fields) {}

  // The first value of `name`, or nullopt when absent. The view lives as long as the field.
  std::optional<std::string_view> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  void Add(std::string name, std::string value);
  void Set(std::string name, std::string value);
  void Remove(std::string_view name);

  bool empty() const { return fields_.empty(); }
  size_t size() const { return fields_.size(); }
  std::vector<Field>::const_iterator begin() const { return fields_.begin(); }
  std::vector<Field>::const_iterator end() const { return fields_.end(); }

 private:
  std::vector<Field> fields_;
};

// Case-insensitive ASCII comparison, as header names and tokens need.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Percent-decodes `in` ("%2F" -> "/"); with `plus_is_space`, '+' becomes ' ' (query strings).
// Malformed escapes are kept as they are rather than rejected.
std::string PercentDecode(std::string_view in, bool plus_is_space = false);

using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET", as received (methods are case-sensitive)
  std::string target;  // raw request target: "/v1/workloads?label=a%3Db"
  std::string path;    // decoded path of target: "/v1/workloads"
  QueryParams query;   // decoded query pairs in order; a key without '=' has an empty value
  HttpHeaders headers;
  std::string body;
  int version = 11;              // 10 for HTTP/1.0, 11 for HTTP/1.1
  std::string remote_address;    // "127.0.0.1:50123"
  std::string peer_common_name;  // CN of the verified client certificate (mTLS), else empty
  // Set by Router: the matched pattern ("/v1/workloads/{name}") and its captured, decoded
  // parameters. The pattern is a bounded label for metrics; never label by `path`.
  std::string route;
  std::vector<std::pair<std::string, std::string>> params;

  // Sets target, path and query from a raw request target.
  void SetTarget(std::string raw_target);
  // The first value of query key `key`, or nullopt.
  std::optional<std::string_view> Query(std::string_view key) const;
  // The path parameter `name` captured by the router, or "" when there is none.
  std::string_view Param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  HttpHeaders headers;  // extra headers; Content-Length and Connection belong to the server
  std::string body;
  std::string content_type;  // empty: no Content-Type header
};

// {status, body, "application/json"}.
HttpResponse JsonResponse(int status, std::string json);
// SPEC.md's error body: {"error":{"code":..,"message":..,"field":..}}; "field" is present only
// when non-empty. `code` is a short word: Invalid, NotFound, Conflict, TooLarge, NoQuorum...
HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message,
                           std::string_view field = {});
// Maps a non-OK Status to the error response that fits it (kInvalidArgument -> 400 Invalid
// with the field, kNotFound -> 404, kAlreadyExists/kAborted/kFailedPrecondition -> 409
// Conflict, kUnauthenticated -> 401, kPermissionDenied -> 403, kResourceExhausted -> 413
// TooLarge, kUnavailable -> 503, kDeadlineExceeded -> 504, anything else -> 500 Internal).
// A kUnavailable message tagged with a CamelCase word and ": " ("NoQuorum: ...",
// "ShuttingDown: ...", "NotReady: ...", "OwnerUnavailable: ...") answers 503 with that word as
// the code and the rest as the message; an untagged one keeps code "Unavailable". A 409 whose
// message is tagged "Conflict: " loses the redundant tag.
HttpResponse StatusToErrorResponse(const Status& status);
// The canonical reason phrase of `status` ("Not Found"), or "" when unknown.
std::string_view HttpReasonPhrase(int status);

using Responder = std::function<void(HttpResponse)>;
using Handler = std::function<void(HttpRequest&&, Responder)>;

// Wraps `deliver` so that it runs at most once: the first call to the returned Responder (or
// any copy of it) delivers; later calls are ignored with an error log line. If every copy is
// destroyed without a call, `deliver` receives ErrorResponse(500, "Internal", ...) from the
// thread that dropped the last copy. Thread-safe.
Responder MakeOnceResponder(std::function<void(HttpResponse)> deliver);

}  // namespace herd::sidecar
