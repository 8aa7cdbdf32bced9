// Internal to HttpServer (http_server.cc): the state its listener and its connections share,
// and the entry point that runs one connection. Not for use outside sidecar/posix/http_*.
//
// HttpServerCore is owned jointly (shared_ptr) by the server and by every live connection, so
// the io_context outlives every socket, even a connection kept alive by a Responder that a
// handler still holds after the server object is gone.
//
// Threading: the counters are atomics; `mu` guards `stopped` and `sessions`. A connection runs
// on its own strand of `ioc`.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "sidecar/http.h"
#include "sidecar/posix/http_server.h"
#include "sidecar/posix/http_tls.h"

namespace herd::sidecar::http_internal {

// What the server needs from a live connection.
class Session {
 public:
  virtual ~Session() = default;
  // Closes the connection from any thread; pending operations end with an error.
  virtual void Close() = 0;
};

struct HttpServerCore {
  HttpServerCore(HttpServerOptions opts, Handler h)
      : options(std::move(opts)),
        handler(std::move(h)),
        acceptor(boost::asio::make_strand(ioc)),
        accept_retry(acceptor.get_executor()) {}

  // Runs `fn` on `executor` unless the server has stopped; then `fn` is dropped. This keeps a
  // late Responder from queueing work on an io_context nobody runs any more.
  template <typename Executor, typename Fn>
  void PostUnlessStopped(const Executor& executor, Fn&& fn);

  const HttpServerOptions options;
  const Handler handler;
  boost::asio::io_context ioc;              // first member: destroyed after every socket below
  boost::asio::ip::tcp::acceptor acceptor;  // on its own strand, like accept_retry
  boost::asio::steady_timer accept_retry;
  std::unique_ptr<TlsReloader> tls;  // null without TLS

  std::mutex mu;
  bool stopped = false;                                           // guarded by mu
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;  // guarded by mu

  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_rejected{0};
  std::atomic<uint64_t> tls_handshake_failures{0};
  std::atomic<uint64_t> requests_too_large{0};
  std::atomic<uint64_t> request_headers_too_large{0};
  std::atomic<uint64_t> request_timeouts{0};
  std::array<std::atomic<uint64_t>, 6> responses_by_class{};
  std::atomic<uint64_t> bytes_received{0};
  std::atomic<uint64_t> bytes_sent{0};
};

// Runs one accepted connection (TLS when `tls_context` is non-null) until it closes. Registers
// it in core->sessions; closes the socket at once when the server has stopped.
void StartSession(const std::shared_ptr<HttpServerCore>& core, boost::asio::ip::tcp::socket socket,
                  std::shared_ptr<boost::asio::ssl::context> tls_context);

template <typename Executor, typename Fn>
void HttpServerCore::PostUnlessStopped(const Executor& executor, Fn&& fn) {
  std::lock_guard<std::mutex> lock(mu);
  if (!stopped) boost::asio::post(executor, std::forward<Fn>(fn));
}

}  // namespace herd::sidecar::http_internal
