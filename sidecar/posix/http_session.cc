// One HTTP/1.1 connection of HttpServer: read a request within the limits, hand it to the
// handler, write the answer when the Responder fires, repeat while keep-alive holds.
#include "sidecar/posix/http_session.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <type_traits>

#include "common/log.h"

namespace herd::sidecar::http_internal {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

constexpr size_t kIdleReadBytes = 4096;
// After an error response that ends a connection we keep reading (and discarding) for a little
// while, so the client can read the answer before the close turns into a reset.
constexpr std::chrono::milliseconds kMaxLinger{1000};

bool IsQuietDisconnect(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::operation_aborted || ec == net::error::broken_pipe ||
         ec == net::ssl::error::stream_truncated;
}

bool IsHttpParseError(const beast::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_method).category();
}

bool SafeHeaderToken(std::string_view s) { return s.find_first_of("\r\n") == s.npos; }

template <bool kTls>
class Connection final : public Session, public std::enable_shared_from_this<Connection<kTls>> {
 public:
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

  Connection(std::shared_ptr<HttpServerCore> core, tcp::socket socket,
             std::shared_ptr<net::ssl::context> tls_context)
      : core_(std::move(core)), tls_context_(std::move(tls_context)), stream_(MakeStream(socket)) {
    core_->connections_open.fetch_add(1);
  }

  ~Connection() override {
    {
      std::lock_guard<std::mutex> lock(core_->mu);
      core_->sessions.erase(this);
    }
    core_->connections_open.fetch_sub(1);
  }

  void Run() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->Begin(); });
  }

  void Close() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->CloseNow(); });
  }

 private:
  Stream MakeStream(tcp::socket& socket) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *tls_context_);
    } else {
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }
  const HttpServerOptions& options() const { return core_->options; }

  void Begin() {
    beast::error_code ec;
    tcp::endpoint remote = Tcp().socket().remote_endpoint(ec);
    if (!ec) {
      remote_ = remote.address().is_v6() ? "[" + remote.address().to_string() + "]"
                                         : remote.address().to_string();
      remote_ += ":" + std::to_string(remote.port());
    }
    Tcp().expires_after(options().read_timeout);
    if constexpr (kTls) {
      stream_.async_handshake(
          net::ssl::stream_base::server,
          [self = this->shared_from_this()](beast::error_code e) { self->OnHandshake(e); });
    } else {
      ReadHeader();
    }
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) {
      core_->tls_handshake_failures.fetch_add(1);
      LOG_DEBUG("http_tls_handshake_failed",
                {{"server", options().name}, {"remote", remote_}, {"error", ec.message()}});
      CloseNow();
      return;
    }
    if constexpr (kTls) peer_common_name_ = PeerCommonName(stream_.native_handle());
    ReadHeader();
  }

  // Between requests: wait up to idle_timeout for the first byte of the next one, unless a
  // pipelined request is already buffered.
  void ReadNextRequest() {
    if (closed_) return;
    if (buffer_.size() > 0) {
      ReadHeader();
      return;
    }
    Tcp().expires_after(options().idle_timeout);
    stream_.async_read_some(buffer_.prepare(kIdleReadBytes),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->OnIdleRead(ec, n);
                            });
  }

  void OnIdleRead(beast::error_code ec, size_t n) {
    if (ec) {
      CloseNow();  // idle timeout or the client went away: both are normal ends
      return;
    }
    buffer_.commit(n);
    core_->bytes_received.fetch_add(n);
    ReadHeader();
  }

  // The whole request (headers and body) must arrive within read_timeout from here.
  void ReadHeader() {
    if (closed_) return;
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(
        std::min<size_t>(options().max_header_bytes, std::numeric_limits<uint32_t>::max())));
    parser_->body_limit(options().max_body_bytes);
    Tcp().expires_after(options().read_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->OnHeader(ec, n);
                            });
  }

  void OnHeader(beast::error_code ec, size_t n) {
    core_->bytes_received.fetch_add(n);
    if (ec) {
      OnReadError(ec);
      return;
    }
    if (parser_->is_done()) {
      Dispatch();
      return;
    }
    const auto& header = parser_->get();
    if (header.version() >= 11 && beast::iequals(header[http::field::expect], "100-continue")) {
      continue_ = {};
      continue_.version(11);
      continue_.result(http::status::continue_);
      http::async_write(stream_, continue_,
                        [self = this->shared_from_this()](beast::error_code e, size_t sent) {
                          self->core_->bytes_sent.fetch_add(sent);
                          if (e) return self->CloseNow();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                       self->core_->bytes_received.fetch_add(n);
                       if (ec) return self->OnReadError(ec);
                       self->Dispatch();
                     });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      core_->requests_too_large.fetch_add(1);
      Reject(ErrorResponse(
          413, "TooLarge",
          "request body exceeds " + std::to_string(options().max_body_bytes) + " bytes"));
    } else if (ec == http::error::header_limit) {
      core_->request_headers_too_large.fetch_add(1);
      Reject(ErrorResponse(
          431, "TooLarge",
          "request headers exceed " + std::to_string(options().max_header_bytes) + " bytes"));
    } else if (ec == beast::error::timeout) {
      core_->request_timeouts.fetch_add(1);
      LOG_DEBUG("http_request_timeout", {{"server", options().name}, {"remote", remote_}});
      CloseNow();
    } else if (IsQuietDisconnect(ec) || !IsHttpParseError(ec)) {
      CloseNow();
    } else {
      Reject(ErrorResponse(400, "Invalid", "malformed HTTP request: " + ec.message()));
    }
  }

  void Dispatch() {
    Tcp().expires_never();  // the handler may take its time; the client waits for it
    http::request<http::string_body> msg = parser_->release();
    parser_.reset();
    keep_alive_ = msg.keep_alive();
    head_request_ = msg.method() == http::verb::head;
    version_ = msg.version();
    HttpRequest request;
    request.method = std::string(msg.method_string());
    request.SetTarget(std::string(msg.target()));
    request.version = msg.version();
    for (const auto& field : msg) {
      request.headers.Add(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(msg.body());
    request.remote_address = remote_;
    request.peer_common_name = peer_common_name_;

    auto self = this->shared_from_this();
    Responder respond = MakeOnceResponder([self](HttpResponse response) {
      self->core_->PostUnlessStopped(
          self->stream_.get_executor(),
          [self, response = std::move(response)]() mutable { self->Write(std::move(response)); });
    });
    try {
      core_->handler(std::move(request), std::move(respond));
    } catch (const std::exception& e) {
      // The Responder the handler dropped while unwinding answers 500.
      LOG_ERROR("http_handler_threw", {{"server", options().name}, {"error", e.what()}});
    } catch (...) {
      LOG_ERROR("http_handler_threw", {{"server", options().name}});
    }
  }

  void Write(HttpResponse response) { Send(std::move(response), /*linger=*/false); }

  // Answers an error that ends the connection.
  void Reject(HttpResponse response) {
    keep_alive_ = false;
    head_request_ = false;
    version_ = 11;
    Send(std::move(response), /*linger=*/true);
  }

  void Send(HttpResponse response, bool linger) {
    if (closed_) return;
    int status = response.status;
    if (status < 100 || status > 999) {
      LOG_ERROR("http_bad_status", {{"server", options().name}, {"status", status}});
      status = 500;
    }
    response_ = {};
    response_.version(version_ >= 11 ? 11 : 10);
    response_.result(static_cast<unsigned>(status));
    bool keep_alive = keep_alive_;
    for (const auto& [name, value] : response.headers) {
      if (!SafeHeaderToken(name) || !SafeHeaderToken(value)) continue;
      if (beast::iequals(name, "Connection")) {
        if (beast::iequals(value, "close")) keep_alive = false;
        continue;
      }
      if (beast::iequals(name, "Content-Length") || beast::iequals(name, "Transfer-Encoding")) {
        continue;
      }
      response_.insert(name, value);
    }
    if (!response.content_type.empty() && SafeHeaderToken(response.content_type)) {
      response_.set(http::field::content_type, response.content_type);
    }
    response_.body() = std::move(response.body);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    if (head_request_) response_.body().clear();  // Content-Length stays that of the body
    core_->responses_by_class[std::min(status / 100, 5)].fetch_add(1);
    Tcp().expires_after(options().read_timeout);
    http::async_write(stream_, response_,
                      [self = this->shared_from_this(), linger](beast::error_code ec, size_t n) {
                        self->OnWrite(ec, n, linger);
                      });
  }

  void OnWrite(beast::error_code ec, size_t n, bool linger) {
    core_->bytes_sent.fetch_add(n);
    if (ec) return CloseNow();
    if (linger) return LingerThenClose();
    if (!response_.keep_alive()) return CloseGracefully();
    ReadNextRequest();
  }

  // Sends our FIN, then discards what the client still sends (bounded in time) before closing.
  void LingerThenClose() {
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Tcp().expires_after(std::min<std::chrono::milliseconds>(options().read_timeout, kMaxLinger));
    Drain();
  }

  void Drain() {
    Tcp().async_read_some(net::buffer(drain_),
                          [self = this->shared_from_this()](beast::error_code ec, size_t) {
                            if (ec) return self->CloseNow();
                            self->Drain();
                          });
  }

  void CloseGracefully() {
    if constexpr (kTls) {
      Tcp().expires_after(std::min<std::chrono::milliseconds>(options().read_timeout, kMaxLinger));
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->CloseNow(); });
    } else {
      beast::error_code ignored;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
      CloseNow();
    }
  }

  void CloseNow() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Tcp().close();
  }

  // Declared first: the io_context in core_ must outlive the sockets in stream_.
  std::shared_ptr<HttpServerCore> core_;
  std::shared_ptr<net::ssl::context> tls_context_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  http::response<http::empty_body> continue_;
  std::array<char, 4096> drain_;
  std::string remote_;
  std::string peer_common_name_;
  bool keep_alive_ = true;
  bool head_request_ = false;
  unsigned version_ = 11;
  bool closed_ = false;
};

template <bool kTls>
void Launch(const std::shared_ptr<HttpServerCore>& core, tcp::socket socket,
            std::shared_ptr<net::ssl::context> tls_context) {
  auto connection =
      std::make_shared<Connection<kTls>>(core, std::move(socket), std::move(tls_context));
  {
    std::lock_guard<std::mutex> lock(core->mu);
    if (core->stopped) return;  // the connection closes as it is destroyed
    core->sessions[connection.get()] = connection;
  }
  connection->Run();
}

}  // namespace

void StartSession(const std::shared_ptr<HttpServerCore>& core, tcp::socket socket,
                  std::shared_ptr<net::ssl::context> tls_context) {
  if (tls_context) {
    Launch<true>(core, std::move(socket), std::move(tls_context));
  } else {
    Launch<false>(core, std::move(socket), nullptr);
  }
}

}  // namespace herd::sidecar::http_internal
