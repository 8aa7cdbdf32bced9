// The listener side of HttpServer: address parsing, binding, the accept loop with the connection
// limit and certificate reload, the thread pool, and Stop. Connections live in http_session.cc.
#include "sidecar/posix/http_server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/strand.hpp>
#include <charconv>
#include <optional>
#include <thread>
#include <vector>

#include "common/log.h"
#include "sidecar/posix/http_session.h"

namespace herd::sidecar {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using http_internal::HttpServerCore;

Result<tcp::endpoint> ParseListenAddress(const std::string& address) {
  const std::string field = "listen_address";
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return InvalidArgument("listen address \"" + address + "\" must be host:port", field);
  }
  std::string host = address.substr(0, colon);
  std::string port_text = address.substr(colon + 1);
  int port = -1;
  auto [end, err] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (err != std::errc() || end != port_text.data() + port_text.size() || port < 0 ||
      port > 65535) {
    return InvalidArgument("listen address \"" + address + "\" has no valid port (0-65535)", field);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  net::ip::address ip = net::ip::make_address(host, ec);
  if (ec) {
    return InvalidArgument("listen address \"" + address + "\": host must be an IP address", field);
  }
  return tcp::endpoint(ip, static_cast<uint16_t>(port));
}

void DoAccept(const std::shared_ptr<HttpServerCore>& core);

void RetryAcceptLater(const std::shared_ptr<HttpServerCore>& core) {
  // Out of file descriptors or a transient error: back off briefly instead of spinning.
  core->accept_retry.expires_after(std::chrono::milliseconds(50));
  core->accept_retry.async_wait([core](boost::system::error_code ec) {
    if (!ec) DoAccept(core);
  });
}

void OnAccept(const std::shared_ptr<HttpServerCore>& core, tcp::socket socket) {
  core->connections_accepted.fetch_add(1);
  if (core->connections_open.load() >= core->options.max_connections) {
    core->connections_rejected.fetch_add(1);
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  std::shared_ptr<net::ssl::context> tls_context;
  if (core->tls) tls_context = core->tls->Current();
  http_internal::StartSession(core, std::move(socket), std::move(tls_context));
}

void DoAccept(const std::shared_ptr<HttpServerCore>& core) {
  core->acceptor.async_accept(net::make_strand(core->ioc), [core](boost::system::error_code ec,
                                                                  tcp::socket socket) {
    if (ec == net::error::operation_aborted || !core->acceptor.is_open()) return;
    if (ec) {
      LOG_WARNING("http_accept_failed", {{"server", core->options.name}, {"error", ec.message()}});
      RetryAcceptLater(core);
      return;
    }
    OnAccept(core, std::move(socket));
    DoAccept(core);
  });
}

Status ValidateOptions(const HttpServerOptions& o) {
  if (o.threads < 1 || o.threads > 64) {
    return InvalidArgument("threads must be in 1..64, got " + std::to_string(o.threads), "threads");
  }
  if (o.max_body_bytes == 0) return InvalidArgument("must be positive", "max_body_bytes");
  if (o.max_header_bytes < 256) return InvalidArgument("must be at least 256", "max_header_bytes");
  if (o.max_connections == 0) return InvalidArgument("must be positive", "max_connections");
  if (o.idle_timeout.count() <= 0) return InvalidArgument("must be positive", "idle_timeout");
  if (o.read_timeout.count() <= 0) return InvalidArgument("must be positive", "read_timeout");
  if (!o.tls.enabled() && !o.tls.ca_file.empty()) {
    return InvalidArgument("a client CA needs a server certificate and key", "tls.ca_file");
  }
  return Status::Ok();
}

}  // namespace

struct HttpServer::Impl {
  std::shared_ptr<HttpServerCore> core;
  // Keeps run() going until Stop has queued every close, even when no socket operation is
  // pending (a connection waiting on its handler has none).
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  bool started = false;
  bool stopped = false;
  tcp::endpoint bound;
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler) : impl_(new Impl) {
  impl_->core = std::make_shared<HttpServerCore>(std::move(options), std::move(handler));
}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  if (impl_->started) return FailedPrecondition("the HTTP server was already started");
  HttpServerCore& core = *impl_->core;
  const HttpServerOptions& o = core.options;
  RETURN_IF_ERROR(ValidateOptions(o));
  ASSIGN_OR_RETURN(tcp::endpoint endpoint, ParseListenAddress(o.listen_address));
  if (o.tls.enabled()) {
    Result<std::unique_ptr<TlsReloader>> tls = TlsReloader::Create(o.tls);
    if (!tls.ok()) {
      return Status(tls.status().code(), tls.status().message(), "tls." + tls.status().field());
    }
    core.tls = std::move(tls).value();
  }

  boost::system::error_code ec;
  core.acceptor.open(endpoint.protocol(), ec);
  if (!ec) core.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) core.acceptor.bind(endpoint, ec);
  if (!ec) core.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    core.acceptor.close(ignored);
    return Unavailable("cannot listen on " + o.listen_address + ": " + ec.message());
  }
  impl_->bound = core.acceptor.local_endpoint(ec);
  impl_->started = true;

  impl_->work.emplace(core.ioc.get_executor());
  DoAccept(impl_->core);
  for (int i = 0; i < o.threads; ++i) {
    impl_->threads.emplace_back([core = impl_->core] {
      for (;;) {
        try {
          core->ioc.run();
          return;
        } catch (const std::exception& e) {
          LOG_ERROR("http_server_thread_error",
                    {{"server", core->options.name}, {"error", e.what()}});
        }
      }
    });
  }
  LOG_INFO("http_server_listening", {{"server", o.name},
                                     {"address", address()},
                                     {"tls", o.tls.enabled()},
                                     {"mtls", !o.tls.ca_file.empty()}});
  return Status::Ok();
}

void HttpServer::Stop() {
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  const std::shared_ptr<HttpServerCore>& core = impl_->core;
  std::vector<std::weak_ptr<http_internal::Session>> sessions;
  {
    std::lock_guard<std::mutex> lock(core->mu);
    core->stopped = true;
    for (auto& [ptr, weak] : core->sessions) sessions.push_back(weak);
  }
  net::post(core->acceptor.get_executor(), [core] {
    boost::system::error_code ignored;
    core->acceptor.close(ignored);
    core->accept_retry.cancel();
  });
  for (auto& weak : sessions) {
    if (auto session = weak.lock()) session->Close();
  }
  impl_->work.reset();
  // With the listener and every socket closed, each thread's run() returns once the handlers
  // still queued have finished.
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
  LOG_INFO("http_server_stopped", {{"server", core->options.name}});
}

int HttpServer::port() const { return impl_->started ? impl_->bound.port() : 0; }

std::string HttpServer::address() const {
  if (!impl_->started) return "";
  const auto& ip = impl_->bound.address();
  std::string host = ip.is_v6() ? "[" + ip.to_string() + "]" : ip.to_string();
  return host + ":" + std::to_string(impl_->bound.port());
}

HttpServerStats HttpServer::Stats() const {
  const HttpServerCore& c = *impl_->core;
  HttpServerStats s;
  s.connections_open = c.connections_open.load();
  s.connections_accepted = c.connections_accepted.load();
  s.connections_rejected = c.connections_rejected.load();
  s.tls_handshake_failures = c.tls_handshake_failures.load();
  if (c.tls) {
    s.tls_reloads = c.tls->reloads();
    s.tls_reload_failures = c.tls->reload_failures();
  }
  s.requests_too_large = c.requests_too_large.load();
  s.request_headers_too_large = c.request_headers_too_large.load();
  s.request_timeouts = c.request_timeouts.load();
  for (size_t i = 0; i < s.responses_by_class.size(); ++i) {
    s.responses_by_class[i] = c.responses_by_class[i].load();
  }
  s.bytes_received = c.bytes_received.load();
  s.bytes_sent = c.bytes_sent.load();
  return s;
}

}  // namespace herd::sidecar
