#include "sidecar/http.h"

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/log.h"

namespace herd::sidecar {
namespace {

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

std::optional<std::string_view> HttpHeaders::Get(std::string_view name) const {
  for (const Field& f : fields_) {
    if (EqualsIgnoreCase(f.first, name)) return std::string_view(f.second);
  }
  return std::nullopt;
}

void HttpHeaders::Add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void HttpHeaders::Set(std::string name, std::string value) {
  Remove(name);
  Add(std::move(name), std::move(value));
}

void HttpHeaders::Remove(std::string_view name) {
  std::erase_if(fields_, [&](const Field& f) { return EqualsIgnoreCase(f.first, name); });
}

std::string PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

void HttpRequest::SetTarget(std::string raw_target) {
  target = std::move(raw_target);
  std::string_view t = target;
  size_t q = t.find('?');
  std::string_view raw_path = t.substr(0, q);
  path = PercentDecode(raw_path);
  query.clear();
  if (q == std::string_view::npos) return;
  std::string_view rest = t.substr(q + 1);
  size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    query.emplace_back(PercentDecode(key, true), PercentDecode(value, true));
  }
}

std::optional<std::string_view> HttpRequest::Query(std::string_view key) const {
  for (const auto& [k, v] : query) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

std::string_view HttpRequest::Param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

HttpResponse JsonResponse(int status, std::string json) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(json);
  r.content_type = "application/json";
  return r;
}

HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message,
                           std::string_view field) {
  nlohmann::json error = {{"code", code}, {"message", message}};
  if (!field.empty()) error["field"] = field;
  // Invalid UTF-8 in a message (echoed user input) must not throw: replace it.
  return JsonResponse(status, nlohmann::json{{"error", std::move(error)}}.dump(
                                  -1, ' ', false, nlohmann::json::error_handler_t::replace));
}

namespace {

// The length of a leading "Word: " in `message` when Word is CamelCase ([A-Z][A-Za-z]*), else
// 0. The Supervisor tags its 503s this way ("NoQuorum: member m0 sees 1 of 3 members").
size_t CodePrefixLength(std::string_view message) {
  if (message.empty() || message[0] < 'A' || message[0] > 'Z') return 0;
  size_t i = 1;
  while (i < message.size() &&
         ((message[i] >= 'A' && message[i] <= 'Z') || (message[i] >= 'a' && message[i] <= 'z'))) {
    ++i;
  }
  return message.substr(i).starts_with(": ") ? i : 0;
}

// ErrorResponse(status, code, ...), except that a message tagged with the code itself
// ("Conflict: ...") loses the redundant tag.
HttpResponse TaggedError(int http_status, std::string_view code, const Status& status) {
  std::string_view message = status.message();
  const size_t n = CodePrefixLength(message);
  if (n > 0 && message.substr(0, n) == code) message.remove_prefix(n + 2);
  return ErrorResponse(http_status, code, message, status.field());
}

}  // namespace

HttpResponse StatusToErrorResponse(const Status& status) {
  if (status.code() == StatusCode::kUnavailable) {
    const std::string_view message = status.message();
    const size_t n = CodePrefixLength(message);
    if (n > 0) {
      return ErrorResponse(503, message.substr(0, n), message.substr(n + 2), status.field());
    }
  }
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return ErrorResponse(400, "Invalid", status.message(), status.field());
    case StatusCode::kNotFound:
      return ErrorResponse(404, "NotFound", status.message(), status.field());
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted:
    case StatusCode::kFailedPrecondition:
      return TaggedError(409, "Conflict", status);
    case StatusCode::kUnauthenticated:
      return ErrorResponse(401, "Unauthenticated", status.message(), status.field());
    case StatusCode::kPermissionDenied:
      return ErrorResponse(403, "Forbidden", status.message(), status.field());
    case StatusCode::kResourceExhausted:
      return ErrorResponse(413, "TooLarge", status.message(), status.field());
    case StatusCode::kUnavailable:
      return ErrorResponse(503, "Unavailable", status.message(), status.field());
    case StatusCode::kDeadlineExceeded:
      return ErrorResponse(504, "Timeout", status.message(), status.field());
    default:
      return ErrorResponse(500, "Internal", status.message(), status.field());
  }
}

std::string_view HttpReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

namespace {

// Shared by every copy of one Responder. Its destructor runs when the last copy is dropped.
class OnceState {
 public:
  explicit OnceState(std::function<void(HttpResponse)> deliver) : deliver_(std::move(deliver)) {}
  OnceState(const OnceState&) = delete;
  OnceState& operator=(const OnceState&) = delete;

  ~OnceState() {
    if (!called_.exchange(true)) {
      LOG_ERROR("http_responder_dropped");
      deliver_(ErrorResponse(500, "Internal", "the handler dropped the request without answering"));
    }
  }

  void Call(HttpResponse response) {
    if (called_.exchange(true)) {
      LOG_ERROR("http_responder_called_twice", {{"status", response.status}});
      return;
    }
    deliver_(std::move(response));
  }

 private:
  std::atomic<bool> called_{false};
  std::function<void(HttpResponse)> deliver_;
};

}  // namespace

Responder MakeOnceResponder(std::function<void(HttpResponse)> deliver) {
  auto state = std::make_shared<OnceState>(std::move(deliver));
  return [state](HttpResponse response) { state->Call(std::move(response)); };
}

}  // namespace herd::sidecar
