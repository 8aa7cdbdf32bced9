// HttpServer: the agent's HTTP/1.1 server (REST API port and peer port), on Boost.Beast.
//
// One server listens on one address, optionally with TLS or mutual TLS, and hands every request
// to one asynchronous Handler (sidecar/http.h; usually Router::AsHandler()). Requests on a
// connection are answered in order, one at a time; keep-alive is the default, and
// "Connection: close" and HTTP/1.0 are honoured.
//
// Hard limits protect the agent from slow or hostile clients, each counted in Stats():
//   - body larger than max_body_bytes: 413 TooLarge, decided from Content-Length before the body
//     is read (chunked bodies are cut when they cross the limit), then the connection closes;
//   - header block larger than max_header_bytes: 431, then close;
//   - more than max_connections open: new connections are closed at once;
//   - a request not fully received within read_timeout of its first byte (or of the accept, or
//     of the TLS handshake's start): the connection closes (slowloris);
//   - a keep-alive connection idle for idle_timeout: closed.
// A malformed request gets 400 Invalid and a close. "Expect: 100-continue" is answered after the
// headers pass the limits.
//
// TLS: with tls.cert_file/key_file the server speaks only TLS; with tls.ca_file too, clients
// must present a certificate signed by that CA (mTLS), and its common name reaches the handler
// as HttpRequest::peer_common_name. The files are re-read when they change (see http_tls.h); a
// connection keeps the context it was accepted with.
//
// Threading: Start, Stop and the destructor must be called from one owner thread that is not a
// server thread. Stats() may be called from any thread. The Handler runs on a server thread (on
// several at once when threads > 1, one request per connection at a time) and must not block it
// for long; the Responder it gets may be called from any thread. Responders
// called after Stop() are ignored.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "sidecar/http.h"
#include "sidecar/posix/http_tls.h"

namespace herd::sidecar {

struct HttpServerOptions {
  // "host:port". Port 0 picks a free port (see HttpServer::port()). An empty host (":7070")
  // means all IPv4 interfaces; IPv6 literals go in brackets ("[::1]:7070").
  std::string listen_address = "127.0.0.1:0";
  int threads = 1;
  size_t max_body_bytes = 4 << 20;
  size_t max_header_bytes = 16 << 10;
  size_t max_connections = 1024;
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  std::chrono::milliseconds read_timeout = std::chrono::seconds(10);  // also bounds each write
  TlsFiles tls;
  std::string name = "http";  // for log lines: "api", "peer"
};

// A snapshot of the server's counters, for the metrics layer. Counters only grow, except
// connections_open.
struct HttpServerStats {
  uint64_t connections_open = 0;
  uint64_t connections_accepted = 0;
  uint64_t connections_rejected = 0;  // closed at once: over max_connections
  uint64_t tls_handshake_failures = 0;
  uint64_t tls_reloads = 0;
  uint64_t tls_reload_failures = 0;
  uint64_t requests_too_large = 0;               // 413
  uint64_t request_headers_too_large = 0;        // 431
  uint64_t request_timeouts = 0;                 // closed by read_timeout mid-request
  std::array<uint64_t, 6> responses_by_class{};  // [n] counts nxx responses, n in 1..5
  uint64_t bytes_received = 0;
  uint64_t bytes_sent = 0;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, Handler handler);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads. Errors: kInvalidArgument naming the option at fault
  // ("listen_address", "threads", "tls.cert_file", ...), kUnavailable when the address cannot be
  // bound (in use, not local), kFailedPrecondition when already started.
  Status Start();

  // Closes the listener and every connection, and joins the threads. Idempotent. A server is
  // not restarted after Stop.
  void Stop();

  // The bound port (useful with port 0); 0 before Start.
  int port() const;
  // "host:port" actually bound, "" before Start.
  std::string address() const;

  HttpServerStats Stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace herd::sidecar
