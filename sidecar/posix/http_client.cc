// HttpClient on cpprestsdk. Every cpprestsdk call that can throw sits inside a try block here;
// nothing escapes as an exception.
#include "sidecar/posix/http_client.h"

#include <cpprest/http_client.h>
#include <openssl/ssl.h>
#include <pplx/threadpool.h>

#include <atomic>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <future>

#include "common/log.h"

namespace herd::sidecar {
namespace {

namespace ssl = boost::asio::ssl;
using web::http::client::http_client;
using web::http::client::http_client_config;

struct TlsClientFiles {
  std::string ca_file, cert_file, key_file;
};

// Loads the client's TLS files into `ctx`. Used once by Create (to reject bad files up front)
// and then for every new connection.
Status ConfigureTls(const TlsClientFiles& files, ssl::context& ctx) {
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (!files.ca_file.empty()) {
    // Trust the given CA alone: drop the system store cpprestsdk has already added.
    SSL_CTX_set_cert_store(ctx.native_handle(), X509_STORE_new());
    ctx.load_verify_file(files.ca_file, ec);
    if (ec) {
      return InvalidArgument("cannot load CA bundle " + files.ca_file + ": " + ec.message(),
                             "ca_file");
    }
  }
  if (!files.cert_file.empty()) {
    ctx.use_certificate_chain_file(files.cert_file, ec);
    if (ec) {
      return InvalidArgument("cannot load certificate " + files.cert_file + ": " + ec.message(),
                             "cert_file");
    }
    ctx.use_private_key_file(files.key_file, ssl::context::pem, ec);
    if (ec) {
      return InvalidArgument("cannot load private key " + files.key_file + ": " + ec.message(),
                             "key_file");
    }
    if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
      return InvalidArgument(
          "private key " + files.key_file + " does not match certificate " + files.cert_file,
          "key_file");
    }
  }
  return Status::Ok();
}

// One request in flight: its deadline timer, cancellation and the callback to call once.
struct Pending {
  explicit Pending(HttpClient::Callback cb)
      : done(std::move(cb)), timer(crossplat::threadpool::shared_instance().service()) {}

  void Finish(Result<HttpResponse> result) {
    if (finished.exchange(true)) return;
    timer.cancel();
    HttpClient::Callback callback = std::move(done);
    callback(std::move(result));
  }

  HttpClient::Callback done;
  std::string what;  // "GET https://host:port/path", for error messages
  std::chrono::milliseconds timeout{0};
  std::atomic<bool> finished{false};
  std::atomic<bool> timed_out{false};
  pplx::cancellation_token_source cancel;
  boost::asio::steady_timer timer;
  HttpResponse response;
};

Status TransportError(const Pending& p, const std::string& detail, int error_value) {
  if (p.timed_out.load() || error_value == ETIMEDOUT) {
    return DeadlineExceeded(p.what + ": no response within " + std::to_string(p.timeout.count()) +
                            "ms");
  }
  return Unavailable(p.what + ": " + detail);
}

}  // namespace

struct HttpClient::Impl {
  HttpClientOptions options;
  std::string base;  // base_url without a trailing '/'
  std::unique_ptr<http_client> client;
};

Result<std::unique_ptr<HttpClient>> HttpClient::Create(HttpClientOptions options) {
  auto impl = std::make_shared<Impl>();
  std::string scheme;
  try {
    web::uri uri(options.base_url);
    scheme = uri.scheme();
    if ((scheme != "http" && scheme != "https") || uri.host().empty()) {
      return InvalidArgument("base URL \"" + options.base_url + "\" must be http(s)://host[:port]",
                             "base_url");
    }
  } catch (const std::exception& e) {
    return InvalidArgument("base URL \"" + options.base_url + "\" is invalid: " + e.what(),
                           "base_url");
  }
  if (options.cert_file.empty() != options.key_file.empty()) {
    return InvalidArgument("a client certificate needs both cert_file and key_file",
                           options.cert_file.empty() ? "cert_file" : "key_file");
  }
  TlsClientFiles files{options.ca_file, options.cert_file, options.key_file};
  bool tls_files = !files.ca_file.empty() || !files.cert_file.empty();
  if (scheme == "http" && tls_files) {
    return InvalidArgument("TLS files given for plain http URL " + options.base_url,
                           files.ca_file.empty() ? "cert_file" : "ca_file");
  }
  if (options.default_timeout.count() <= 0) {
    return InvalidArgument("default_timeout must be positive", "default_timeout");
  }

  http_client_config config;
  // cpprestsdk's own timeout restarts on every bit of progress; Send enforces the real deadline.
  config.set_timeout(std::chrono::seconds(3600));
  if (scheme == "https") {
    ssl::context probe(ssl::context::tls_client);
    RETURN_IF_ERROR(ConfigureTls(files, probe));
    config.set_validate_certificates(true);
    config.set_ssl_context_callback([files](ssl::context& ctx) {
      Status s = ConfigureTls(files, ctx);
      if (!s.ok()) LOG_WARNING("http_client_tls_files", {{"error", s.ToString()}});
    });
  }
  impl->options = std::move(options);
  impl->base = impl->options.base_url;
  while (!impl->base.empty() && impl->base.back() == '/') impl->base.pop_back();
  try {
    impl->client = std::make_unique<http_client>(impl->options.base_url, config);
  } catch (const std::exception& e) {
    return InvalidArgument("cannot use base URL " + impl->options.base_url + ": " + e.what(),
                           "base_url");
  }
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

HttpClient::~HttpClient() = default;

const std::string& HttpClient::base_url() const { return impl_->options.base_url; }

void HttpClient::Send(std::string_view method, std::string_view path, std::string body,
                      HttpHeaders headers, std::chrono::milliseconds timeout, Callback done) {
  auto p = std::make_shared<Pending>(std::move(done));
  p->what = std::string(method) + " " + impl_->base + std::string(path);
  p->timeout = timeout.count() > 0 ? timeout : impl_->options.default_timeout;
  try {
    web::http::http_request request{std::string(method)};
    request.set_request_uri(web::uri(std::string(path)));
    std::string content_type = "application/octet-stream";
    // cpprestsdk verifies the certificate against the Host header when there is one.
    if (!impl_->options.server_name.empty())
      request.headers().add("Host", impl_->options.server_name);
    for (const auto& [name, value] : headers) {
      if (EqualsIgnoreCase(name, "Content-Type")) {
        content_type = value;
      } else {
        request.headers().add(name, value);
      }
    }
    if (!body.empty()) request.set_body(std::move(body), content_type);

    p->timer.expires_after(p->timeout);
    p->timer.async_wait([p](boost::system::error_code ec) {
      if (ec) return;
      p->timed_out = true;
      p->cancel.cancel();
    });
    impl_->client->request(request, p->cancel.get_token())
        .then([p](web::http::http_response response) {
          p->response.status = response.status_code();
          for (const auto& [name, value] : response.headers()) {
            if (EqualsIgnoreCase(name, "Content-Type")) p->response.content_type = value;
            p->response.headers.Add(name, value);
          }
          return response.extract_vector();
        })
        .then([p](pplx::task<std::vector<unsigned char>> body_task) {
          try {
            std::vector<unsigned char> bytes = body_task.get();
            p->response.body.assign(bytes.begin(), bytes.end());
            p->Finish(std::move(p->response));
          } catch (const web::http::http_exception& e) {
            p->Finish(TransportError(*p, e.what(), e.error_code().value()));
          } catch (const pplx::task_canceled&) {
            p->Finish(p->timed_out ? TransportError(*p, "", 0)
                                   : Status(StatusCode::kCancelled, p->what + ": cancelled"));
          } catch (const std::exception& e) {
            p->Finish(TransportError(*p, e.what(), 0));
          }
        });
  } catch (const web::uri_exception& e) {
    p->Finish(InvalidArgument(p->what + ": invalid path: " + e.what(), "path"));
  } catch (const std::exception& e) {
    p->Finish(Unavailable(p->what + ": " + e.what()));
  }
}

Result<HttpResponse> HttpClient::SendSync(std::string_view method, std::string_view path,
                                          std::string body, HttpHeaders headers,
                                          std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<Result<HttpResponse>>>();
  std::future<Result<HttpResponse>> future = promise->get_future();
  Send(method, path, std::move(body), std::move(headers), timeout,
       [promise](Result<HttpResponse> r) { promise->set_value(std::move(r)); });
  return future.get();
}

}  // namespace herd::sidecar
