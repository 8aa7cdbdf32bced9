// CliClient: the `herd` CLI's requests to one agent, and how their failures read.
//
// It wraps HttpClient (sidecar/posix/http_client.h) with the global flags (server URL, timeout,
// TLS files, bearer token) and turns every outcome that is not a 2xx answer into a Status whose
// message is the line the CLI prints, kubectl-style:
//
//   Error from server (NotFound): workload "x" not found          a JSON error answer
//   cannot reach http://127.0.0.1:7070: ...; is the agent running? ...   no connection
//
// PrintError writes such a Status to the error stream ("error: " in front, except for the
// "Error from server" lines). One thread at a time.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>

#include "common/status.h"
#include "sidecar/http.h"

namespace herd::sidecar {

class HttpClient;

inline constexpr std::string_view kDefaultServer = "http://127.0.0.1:7070";

struct CliGlobalOptions {
  std::string server = std::string(kDefaultServer);
  std::chrono::milliseconds timeout = std::chrono::seconds(30);
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string token;  // empty: no Authorization header
};

class CliClient {
 public:
  // Errors: kInvalidArgument naming the flag ("--server: ...", "--ca: ...") when the URL is
  // not http(s)://host[:port] or a TLS file cannot be loaded.
  static Result<std::unique_ptr<CliClient>> Create(const CliGlobalOptions& options);
  ~CliClient();

  // Sends a request; `path` carries the query, already escaped. OK only for a 2xx answer.
  // Errors: the server's error answer as "Error from server (CODE): MESSAGE" with the code
  // mapped from the HTTP status (404 -> kNotFound, 409 -> kAborted, 400 -> kInvalidArgument,
  // else kUnknown...); kUnavailable "cannot reach ..."; kDeadlineExceeded "no answer from ...".
  Result<HttpResponse> Send(std::string_view method, std::string_view path, std::string body = {},
                            std::string content_type = {});

  // Send, then the body read as JSON. Errors: as Send; kInternal when the body is not JSON.
  Result<nlohmann::json> SendJson(std::string_view method, std::string_view path,
                                  std::string body = {}, std::string content_type = {});

  const std::string& server() const { return options_.server; }

 private:
  CliClient(CliGlobalOptions options, std::unique_ptr<HttpClient> http);

  CliGlobalOptions options_;
  std::unique_ptr<HttpClient> http_;
};

// The Status a non-2xx answer turns into (see Send). Public for tests.
Status ServerError(const HttpResponse& response);

// True when `status` came from the server's answer rather than from this side.
bool IsServerError(const Status& status);

// Writes `status` to `err` as one line: "Error from server ..." as is, else "error: MESSAGE".
void PrintError(std::ostream& err, const Status& status);

// Escapes `s` for a query string value: unreserved characters stay, the rest become %XX.
std::string QueryEscape(std::string_view s);

}  // namespace herd::sidecar
