// CppRestKubeClient. Every cpprestsdk call that can throw sits inside a try block here; nothing
// escapes as an exception.
#include "k8s/cpprest_kube_client.h"

#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>
#include <cpprest/uri_builder.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <system_error>
#include <vector>

#include "k8s/rate_limiter.h"

namespace herd::k8s {
namespace {

namespace ssl = boost::asio::ssl;
namespace fs = std::filesystem;
using web::http::client::http_client;
using web::http::client::http_client_config;

Status ConfigureTls(const KubeConfig& c, ssl::context& ctx) {
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (!c.ca_file.empty() || !c.ca_pem.empty()) {
    // Trust the cluster's CA alone, not the system store.
    SSL_CTX_set_cert_store(ctx.native_handle(), X509_STORE_new());
  }
  if (!c.ca_file.empty()) {
    ctx.load_verify_file(c.ca_file, ec);
    if (ec) return InvalidArgument("cannot load CA " + c.ca_file + ": " + ec.message(), "ca_file");
  }
  if (!c.ca_pem.empty()) {
    ctx.add_certificate_authority(boost::asio::buffer(c.ca_pem), ec);
    if (ec) return InvalidArgument("cannot load CA data: " + ec.message(), "ca_pem");
  }
  if (!c.client_cert_pem.empty()) {
    ctx.use_certificate_chain(boost::asio::buffer(c.client_cert_pem), ec);
    if (ec)
      return InvalidArgument("cannot load client certificate: " + ec.message(), "client_cert_pem");
    ctx.use_private_key(boost::asio::buffer(c.client_key_pem), ssl::context::pem, ec);
    if (ec) return InvalidArgument("cannot load client key: " + ec.message(), "client_key_pem");
  }
  return Status::Ok();
}

Status TransportError(const std::string& what, const std::exception& e, bool cancelled) {
  if (cancelled) return Status(StatusCode::kCancelled, what + ": cancelled");
  if (auto* h = dynamic_cast<const web::http::http_exception*>(&e)) {
    if (h->error_code() == std::errc::timed_out) {
      return DeadlineExceeded(what + ": no data within the timeout");
    }
  }
  return Unavailable(what + ": " + e.what());
}

}  // namespace

struct CppRestKubeClient::Impl {
  CppRestKubeClientOptions options;
  TokenBucket bucket;
  bool https = false;
  std::unique_ptr<http_client> client;

  std::mutex token_mu;  // guards the cached token file
  std::string cached_token;
  fs::file_time_type token_mtime{};
  uintmax_t token_size = 0;

  explicit Impl(CppRestKubeClientOptions o)
      : options(std::move(o)), bucket(options.qps, options.burst) {}

  http_client_config Config(std::chrono::milliseconds timeout) const {
    http_client_config config;
    config.set_timeout(timeout);
    if (https) {
      KubeConfig c = options.config;
      config.set_validate_certificates(!c.insecure_skip_tls_verify);
      config.set_ssl_context_callback([c](ssl::context& ctx) { (void)ConfigureTls(c, ctx); });
    }
    return config;
  }

  // The bearer token to send: the static one, or the token file's content (re-read when the
  // file changes). Errors: kUnauthenticated when the file cannot be read.
  Result<std::string> Token() {
    const KubeConfig& c = options.config;
    if (c.token_file.empty()) return c.token;
    std::lock_guard<std::mutex> lock(token_mu);
    std::error_code ec;
    auto mtime = fs::last_write_time(c.token_file, ec);
    uintmax_t size = ec ? 0 : fs::file_size(c.token_file, ec);
    if (ec) return Unauthenticated("cannot stat token file " + c.token_file + ": " + ec.message());
    if (cached_token.empty() || mtime != token_mtime || size != token_size) {
      std::ifstream in(c.token_file);
      if (!in) return Unauthenticated("cannot read token file " + c.token_file);
      std::stringstream ss;
      ss << in.rdbuf();
      std::string t = ss.str();
      while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
      cached_token = t;
      token_mtime = mtime;
      token_size = size;
    }
    return cached_token;
  }

  Result<web::http::http_request> Request(const std::string& method, const std::string& uri) {
    ASSIGN_OR_RETURN(std::string token, Token());
    try {
      web::http::http_request request{method};
      request.set_request_uri(web::uri(uri));
      request.headers().add("Accept", "application/json");
      if (!token.empty()) request.headers().add("Authorization", "Bearer " + token);
      return request;
    } catch (const std::exception& e) {
      return InvalidArgument(method + " " + uri + ": invalid path: " + e.what(), "path");
    }
  }

  // Sends a request whose whole answer is one JSON document.
  // `method` `path` with `body` as JSON of `content_type`; the answer as SendJson gives it.
  Result<nlohmann::json> SendBody(const std::string& method, const std::string& path,
                                  const nlohmann::json& body, const char* content_type) {
    const std::string what = method + " " + path;
    ASSIGN_OR_RETURN(web::http::http_request request, Request(method, path));
    try {
      // Bytes, not set_body(std::string): cpprestsdk reinterprets a string buffer's type there.
      std::string text = body.dump();
      request.set_body(std::vector<unsigned char>(text.begin(), text.end()));
      request.headers().set_content_type(content_type);
    } catch (const std::exception& e) {
      return Internal(what + ": " + e.what());
    }
    return SendJson(std::move(request), what);
  }

  Result<nlohmann::json> SendJson(web::http::http_request request, const std::string& what) {
    RETURN_IF_ERROR(bucket.Acquire());
    try {
      web::http::http_response response = client->request(request).get();
      std::string body = response.extract_utf8string(true).get();
      int code = response.status_code();
      if (code < 200 || code >= 300) return KubeStatusFromHttp(code, body, what);
      nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded()) return DataLoss(what + ": the answer is not JSON");
      return j;
    } catch (const std::exception& e) {
      return TransportError(what, e, false);
    }
  }
};

CppRestKubeClient::CppRestKubeClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CppRestKubeClient::~CppRestKubeClient() = default;

Result<std::unique_ptr<CppRestKubeClient>> CppRestKubeClient::Create(
    CppRestKubeClientOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  const KubeConfig& c = impl->options.config;
  std::string scheme;
  try {
    web::uri uri(c.server);
    scheme = uri.scheme();
    if ((scheme != "http" && scheme != "https") || uri.host().empty()) {
      return InvalidArgument("server \"" + c.server + "\" must be http(s)://host[:port]", "server");
    }
  } catch (const std::exception& e) {
    return InvalidArgument("server \"" + c.server + "\" is invalid: " + e.what(), "server");
  }
  impl->https = scheme == "https";
  if (impl->https) {
    ssl::context probe(ssl::context::tls_client);
    RETURN_IF_ERROR(ConfigureTls(c, probe));
  }
  if (!c.token_file.empty()) {
    Result<std::string> token = impl->Token();
    if (!token.ok()) return InvalidArgument(token.status().message(), "token_file");
  }
  if (impl->options.request_timeout.count() <= 0) {
    return InvalidArgument("request_timeout must be positive", "request_timeout");
  }
  try {
    impl->client =
        std::make_unique<http_client>(c.server, impl->Config(impl->options.request_timeout));
  } catch (const std::exception& e) {
    return InvalidArgument("cannot use server " + c.server + ": " + e.what(), "server");
  }
  return std::unique_ptr<CppRestKubeClient>(new CppRestKubeClient(std::move(impl)));
}

Result<ListResult> CppRestKubeClient::List(const std::string& path, const ListOptions& options) {
  std::string what = "LIST " + path;
  std::string uri;
  try {
    web::uri_builder b(path);
    if (!options.label_selector.empty()) b.append_query("labelSelector", options.label_selector);
    if (options.limit > 0) b.append_query("limit", options.limit);
    if (!options.continue_token.empty()) b.append_query("continue", options.continue_token);
    uri = b.to_string();
  } catch (const std::exception& e) {
    return InvalidArgument(what + ": invalid path: " + e.what(), "path");
  }
  ASSIGN_OR_RETURN(web::http::http_request request, impl_->Request("GET", uri));
  ASSIGN_OR_RETURN(nlohmann::json j, impl_->SendJson(std::move(request), what));
  ListResult out;
  if (!j.is_object() || !j.contains("items") || !(j["items"].is_array() || j["items"].is_null())) {
    return DataLoss(what + ": the answer is not a list (no items)");
  }
  if (j["items"].is_array()) out.items = std::move(j["items"]);
  if (j.contains("metadata") && j["metadata"].is_object()) {
    const nlohmann::json& meta = j["metadata"];
    if (meta.contains("resourceVersion") && meta["resourceVersion"].is_string()) {
      out.resource_version = meta["resourceVersion"].get<std::string>();
    }
    if (meta.contains("continue") && meta["continue"].is_string()) {
      out.continue_token = meta["continue"].get<std::string>();
    }
  }
  if (out.resource_version.empty()) return DataLoss(what + ": the list has no resourceVersion");
  return out;
}

Status CppRestKubeClient::Watch(const std::string& path, const WatchOptions& options,
                                const EventFn& on_event, Cancellation& cancel) {
  std::string what = "WATCH " + path;
  std::string uri;
  try {
    web::uri_builder b(path);
    b.append_query("watch", "1");
    if (!options.resource_version.empty()) {
      b.append_query("resourceVersion", options.resource_version);
    }
    if (options.allow_bookmarks) b.append_query("allowWatchBookmarks", "true");
    b.append_query("timeoutSeconds", options.timeout_seconds);
    if (!options.label_selector.empty()) b.append_query("labelSelector", options.label_selector);
    uri = b.to_string();
  } catch (const std::exception& e) {
    return InvalidArgument(what + ": invalid path: " + e.what(), "path");
  }
  RETURN_IF_ERROR(impl_->bucket.Acquire(&cancel));
  ASSIGN_OR_RETURN(web::http::http_request request, impl_->Request("GET", uri));

  pplx::cancellation_token_source cts;
  Cancellation::CallbackId id = cancel.OnCancel([cts] { cts.cancel(); });
  Status result;
  try {
    // A client of its own: its read timeout is the stream's idle timeout.
    http_client client(impl_->options.config.server, impl_->Config(options.idle_timeout));
    web::http::http_response response = client.request(request, cts.get_token()).get();
    int code = response.status_code();
    if (code != 200) {
      std::string body = response.extract_utf8string(true).get();
      result = KubeStatusFromHttp(code, body, what);
    } else {
      concurrency::streams::istream body = response.body();
      while (true) {
        // A fresh buffer per line, of the stream's own byte type (a std::string buffer would be
        // a streambuf<char> reinterpreted as streambuf<uint8_t>).
        concurrency::streams::container_buffer<std::vector<uint8_t>> buffer;
        size_t n = body.read_line(buffer).get();
        if (n == 0 && body.is_eof()) break;  // the server ended the stream cleanly
        if (cancel.cancelled()) {
          result = Status(StatusCode::kCancelled, what + ": cancelled");
          break;
        }
        const std::vector<uint8_t>& bytes = buffer.collection();
        if (bytes.empty()) continue;
        std::string_view line(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        Result<WatchEvent> event = ParseWatchLine(line);
        if (!event.ok()) {
          result = event.status().WithContext(what);
          break;
        }
        on_event(std::move(event).value());
      }
    }
  } catch (const std::exception& e) {
    result = TransportError(what, e, cancel.cancelled());
  }
  if (id != 0) cancel.Remove(id);
  return result;
}

Result<nlohmann::json> CppRestKubeClient::Patch(const std::string& path,
                                                const nlohmann::json& patch) {
  return impl_->SendBody("PATCH", path, patch, "application/merge-patch+json");
}

Result<nlohmann::json> CppRestKubeClient::Create(const std::string& path,
                                                 const nlohmann::json& object) {
  return impl_->SendBody("POST", path, object, "application/json");
}

Result<std::unique_ptr<CppRestKubeClient>> CreateKubeClient(const std::string& kubeconfig_path,
                                                            KubeConfig* config_out) {
  Result<KubeConfig> config =
      kubeconfig_path.empty() ? InClusterConfig() : LoadKubeconfig(kubeconfig_path);
  if (!config.ok()) return config.status();
  if (config_out != nullptr) *config_out = *config;
  CppRestKubeClientOptions options;
  options.config = std::move(config).value();
  return CppRestKubeClient::Create(std::move(options));
}

}  // namespace herd::k8s
