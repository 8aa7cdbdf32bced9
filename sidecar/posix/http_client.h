// HttpClient: an HTTP(S) client for one base URL, on cpprestsdk's http_client. The CLI uses the
// blocking SendSync; the peer transport uses the asynchronous Send.
//
// Connections are kept alive and reused (cpprestsdk pools them per client; back-to-back
// requests may open a second connection while the first is being returned to the pool). For
// https the server's certificate is verified against ca_file alone (the system store when no
// ca_file is given) and its name or IP against the URL's host; with cert_file/key_file the client
// presents a certificate (mutual TLS). Files are read when a connection is opened, so rotated
// client certificates are picked up by new connections.
//
// Every outcome is a Result, never an exception: a response of any status (a 404 is still an
// answer) is a value; no answer within the timeout is kDeadlineExceeded; a connection that
// cannot be made or breaks (refused, reset, TLS verification failed) is kUnavailable with the
// method and URL in the message.
//
// Threading: Send and SendSync may be called from any thread at once. Callbacks run on
// cpprestsdk's thread pool; they must not block it, and SendSync must never be called from it
// (or from a Send callback): it would wait on the pool it occupies. Requests in flight when the
// client is destroyed still complete and call their callbacks.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "sidecar/http.h"

namespace herd::sidecar {

struct HttpClientOptions {
  std::string base_url;   // "http://127.0.0.1:7070" or "https://member-2.herd:7946"
  std::string ca_file;    // PEM bundle to verify the server against (https)
  std::string cert_file;  // PEM client certificate chain (mTLS), with key_file
  std::string key_file;
  // https: verify the server's certificate against this name (sent as Host and SNI too)
  // instead of the URL's host. Peers dial each other by pod IP, and one certificate names them
  // all (the cluster's peer name); empty: the URL's host.
  std::string server_name;
  std::chrono::milliseconds default_timeout = std::chrono::seconds(10);
};

class HttpClient {
 public:
  using Callback = std::function<void(Result<HttpResponse>)>;

  // Errors: kInvalidArgument naming the field ("base_url", "ca_file", "cert_file", "key_file")
  // when the URL is not http(s)://host[:port][/prefix], or a file cannot be loaded, or TLS files
  // are given for a plain http URL.
  static Result<std::unique_ptr<HttpClient>> Create(HttpClientOptions options);
  ~HttpClient();

  // Sends `method` `path` (appended to the base URL's path; may carry a query) with `body` and
  // `headers`. Without a Content-Type header a non-empty body is sent as
  // application/octet-stream. A zero `timeout` means options.default_timeout; it bounds the
  // whole exchange, connection and TLS handshake included. `done` is called exactly once.
  void Send(std::string_view method, std::string_view path, std::string body, HttpHeaders headers,
            std::chrono::milliseconds timeout, Callback done);

  // Send, waiting for the result.
  Result<HttpResponse> SendSync(std::string_view method, std::string_view path,
                                std::string body = {}, HttpHeaders headers = {},
                                std::chrono::milliseconds timeout = {});

  const std::string& base_url() const;

 private:
  struct Impl;
  explicit HttpClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace herd::sidecar
