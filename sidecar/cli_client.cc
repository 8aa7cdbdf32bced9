#include "sidecar/cli_client.h"

#include <utility>

#include "common/duration.h"
#include "sidecar/posix/http_client.h"

namespace herd::sidecar {
namespace {

constexpr std::string_view kServerErrorPrefix = "Error from server";
constexpr size_t kMaxShownBody = 200;

StatusCode CodeForHttpStatus(int status) {
  switch (status) {
    case 400:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 409:
      return StatusCode::kAborted;
    case 413:
      return StatusCode::kResourceExhausted;
    case 503:
      return StatusCode::kUnavailable;
    case 504:
      return StatusCode::kDeadlineExceeded;
    default:
      return StatusCode::kUnknown;
  }
}

// HttpClient's messages start with "METHOD URL: "; the CLI names the server itself.
std::string_view StripRequestPrefix(std::string_view message, std::string_view method) {
  if (!message.starts_with(method) || message.size() <= method.size() ||
      message[method.size()] != ' ') {
    return message;
  }
  const size_t colon = message.find(": ", method.size());
  return colon == std::string_view::npos ? message : message.substr(colon + 2);
}

}  // namespace

Result<std::unique_ptr<CliClient>> CliClient::Create(const CliGlobalOptions& options) {
  HttpClientOptions http;
  http.base_url = options.server;
  http.ca_file = options.ca_file;
  http.cert_file = options.cert_file;
  http.key_file = options.key_file;
  http.default_timeout = options.timeout;
  Result<std::unique_ptr<HttpClient>> client = HttpClient::Create(http);
  if (!client.ok()) {
    const std::string& field = client.status().field();
    std::string flag = field == "base_url"    ? "--server"
                       : field == "ca_file"   ? "--ca"
                       : field == "cert_file" ? "--cert"
                       : field == "key_file"  ? "--key"
                                              : field;
    return InvalidArgument(
        flag.empty() ? client.status().message() : flag + ": " + client.status().message(), flag);
  }
  return std::unique_ptr<CliClient>(new CliClient(options, std::move(client).value()));
}

CliClient::CliClient(CliGlobalOptions options, std::unique_ptr<HttpClient> http)
    : options_(std::move(options)), http_(std::move(http)) {}

CliClient::~CliClient() = default;

Result<HttpResponse> CliClient::Send(std::string_view method, std::string_view path,
                                     std::string body, std::string content_type) {
  HttpHeaders headers;
  if (!content_type.empty()) headers.Set("Content-Type", std::move(content_type));
  if (!options_.token.empty()) headers.Set("Authorization", "Bearer " + options_.token);
  headers.Set("Accept", "application/json");
  Result<HttpResponse> response =
      http_->SendSync(method, path, std::move(body), std::move(headers), options_.timeout);
  if (!response.ok()) {
    const Status& s = response.status();
    std::string detail(StripRequestPrefix(s.message(), method));
    if (s.code() == StatusCode::kDeadlineExceeded) {
      return DeadlineExceeded("no answer from " + options_.server + " within " +
                              FormatDuration(options_.timeout) + " (raise --timeout)");
    }
    return Unavailable("cannot reach " + options_.server + ": " + detail +
                       "; is the agent running? Point the CLI at it with --server URL or "
                       "HERD_SERVER");
  }
  if (response->status < 200 || response->status > 299) return ServerError(*response);
  return response;
}

Result<nlohmann::json> CliClient::SendJson(std::string_view method, std::string_view path,
                                           std::string body, std::string content_type) {
  ASSIGN_OR_RETURN(HttpResponse response,
                   Send(method, path, std::move(body), std::move(content_type)));
  nlohmann::json json = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return Internal("the server's answer to " + std::string(method) + " " + std::string(path) +
                    " is not JSON");
  }
  return json;
}

Status ServerError(const HttpResponse& response) {
  const StatusCode code = CodeForHttpStatus(response.status);
  nlohmann::json json = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object() && json.contains("error") && json["error"].is_object()) {
    const nlohmann::json& e = json["error"];
    std::string word = e.value("code", "");
    std::string message = e.value("message", "");
    std::string field = e.value("field", "");
    if (word.empty()) word = std::to_string(response.status);
    return Status(code, std::string(kServerErrorPrefix) + " (" + word + "): " + message, field);
  }
  std::string word = std::to_string(response.status);
  std::string_view reason = HttpReasonPhrase(response.status);
  if (!reason.empty()) word += " " + std::string(reason);
  std::string body = response.body.substr(0, kMaxShownBody);
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  if (response.body.size() > kMaxShownBody) body += "...";
  return Status(code, std::string(kServerErrorPrefix) + " (" + word + "): " + body);
}

bool IsServerError(const Status& status) {
  return status.message().starts_with(kServerErrorPrefix);
}

void PrintError(std::ostream& err, const Status& status) {
  if (IsServerError(status)) {
    err << status.message() << "\n";
  } else {
    err << "error: " << status.message() << "\n";
  }
}

std::string QueryEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace herd::sidecar
