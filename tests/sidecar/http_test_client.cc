#include "tests/sidecar/http_test_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <thread>

#include "sidecar/posix/http_tls.h"

namespace herd::sidecar::testing {
namespace {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
}  // namespace

struct TestConnection::Impl {
  net::io_context io;
  tcp::socket socket{io};
  std::unique_ptr<net::ssl::stream<tcp::socket&>> tls;
  beast::flat_buffer buffer;

  template <typename F>
  void WithStream(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(socket);
    }
  }

  // Runs the io_context until `*done` or the deadline; on timeout closes the socket (which ends
  // the pending operation) and returns false.
  bool RunUntil(const bool* done, std::chrono::milliseconds deadline) {
    io.restart();
    auto end = std::chrono::steady_clock::now() + deadline;
    while (!*done) {
      auto now = std::chrono::steady_clock::now();
      if (now >= end) break;
      io.run_one_for(end - now);
      if (io.stopped()) io.restart();
    }
    if (*done) return true;
    boost::system::error_code ignored;
    socket.close(ignored);
    io.restart();
    io.run_for(std::chrono::seconds(1));  // let the aborted operation finish
    return false;
  }
};

TestConnection::TestConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TestConnection::~TestConnection() = default;

Result<std::unique_ptr<TestConnection>> TestConnection::Connect(int port, net::ssl::context* tls) {
  auto impl = std::make_unique<Impl>();
  bool done = false;
  boost::system::error_code result;
  impl->socket.async_connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)),
      [&](boost::system::error_code ec) {
        result = ec;
        done = true;
      });
  if (!impl->RunUntil(&done, kDeadline)) return DeadlineExceeded("connect timed out");
  if (result) return Unavailable("connect: " + result.message());
  if (tls != nullptr) {
    impl->tls = std::make_unique<net::ssl::stream<tcp::socket&>>(impl->socket, *tls);
    done = false;
    impl->tls->async_handshake(net::ssl::stream_base::client, [&](boost::system::error_code ec) {
      result = ec;
      done = true;
    });
    if (!impl->RunUntil(&done, kDeadline)) return DeadlineExceeded("TLS handshake timed out");
    if (result) return Unavailable("TLS handshake: " + result.message());
  }
  return std::unique_ptr<TestConnection>(new TestConnection(std::move(impl)));
}

Status TestConnection::Write(std::string_view bytes) {
  bool done = false;
  boost::system::error_code result;
  impl_->WithStream([&](auto& stream) {
    net::async_write(stream, net::buffer(bytes.data(), bytes.size()),
                     [&](boost::system::error_code ec, size_t) {
                       result = ec;
                       done = true;
                     });
  });
  if (!impl_->RunUntil(&done, kDeadline)) return DeadlineExceeded("write timed out");
  if (result) return Unavailable("write: " + result.message());
  return Status::Ok();
}

Result<RawResponse> TestConnection::ReadResponse() {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  bool done = false;
  boost::system::error_code result;
  impl_->WithStream([&](auto& stream) {
    http::async_read(stream, impl_->buffer, parser, [&](boost::system::error_code ec, size_t) {
      result = ec;
      done = true;
    });
  });
  if (!impl_->RunUntil(&done, kDeadline)) return DeadlineExceeded("read timed out");
  if (result) return Unavailable("read: " + result.message());
  RawResponse out;
  const auto& msg = parser.get();
  out.status = static_cast<int>(msg.result_int());
  for (const auto& field : msg) {
    out.headers.Add(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = msg.body();
  out.keep_alive = msg.keep_alive();
  return out;
}

Result<std::string> TestConnection::ReadUntil(std::string_view delimiter) {
  auto end = std::chrono::steady_clock::now() + kDeadline;
  for (;;) {
    std::string data = beast::buffers_to_string(impl_->buffer.data());
    size_t at = data.find(delimiter);
    if (at != std::string::npos) {
      impl_->buffer.consume(at + delimiter.size());
      return data.substr(0, at + delimiter.size());
    }
    bool done = false;
    boost::system::error_code result;
    impl_->WithStream([&](auto& stream) {
      stream.async_read_some(impl_->buffer.prepare(4096),
                             [&](boost::system::error_code ec, size_t n) {
                               result = ec;
                               impl_->buffer.commit(n);
                               done = true;
                             });
    });
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !impl_->RunUntil(&done, left)) {
      return DeadlineExceeded("read timed out");
    }
    if (result) return Unavailable("read: " + result.message());
  }
}

Result<RawResponse> TestConnection::Get(std::string_view target) {
  RETURN_IF_ERROR(Write("GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n\r\n"));
  return ReadResponse();
}

bool TestConnection::WaitClosed(std::chrono::milliseconds deadline) {
  if (impl_->buffer.size() > 0) impl_->buffer.consume(impl_->buffer.size());
  bool closed = false;
  std::array<char, 4096> scratch;
  std::function<void()> read_more;
  read_more = [&] {
    impl_->WithStream([&](auto& stream) {
      stream.async_read_some(net::buffer(scratch), [&](boost::system::error_code ec, size_t) {
        if (ec) {
          closed = true;
        } else {
          read_more();
        }
      });
    });
  };
  read_more();
  return impl_->RunUntil(&closed, deadline);
}

std::string TestConnection::PeerCommonName() {
  if (!impl_->tls) return "";
  return sidecar::PeerCommonName(impl_->tls->native_handle());
}

std::unique_ptr<net::ssl::context> MakeClientTlsContext(const std::string& ca_file,
                                                        const std::string& cert_file,
                                                        const std::string& key_file) {
  auto ctx = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
  if (ca_file.empty()) {
    ctx->set_verify_mode(net::ssl::verify_none);
  } else {
    ctx->load_verify_file(ca_file);
    ctx->set_verify_mode(net::ssl::verify_peer);
  }
  if (!cert_file.empty()) {
    ctx->use_certificate_chain_file(cert_file);
    ctx->use_private_key_file(key_file, net::ssl::context::pem);
  }
  return ctx;
}

}  // namespace herd::sidecar::testing
