#include "sidecar/posix/http_tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <boost/asio/ssl.hpp>

#include "common/log.h"

namespace herd::sidecar {
namespace ssl = boost::asio::ssl;

namespace {

std::string OpenSslError() {
  unsigned long e = ERR_get_error();  // NOLINT: OpenSSL's type
  if (e == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  ERR_clear_error();
  return buf;
}

std::string FileIdentity(const std::string& path) {
  if (path.empty()) return "-";
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return "missing";
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
         std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

}  // namespace

Result<std::shared_ptr<ssl::context>> MakeServerTlsContext(const TlsFiles& files) {
  if (files.cert_file.empty()) return InvalidArgument("a TLS key needs a certificate", "cert_file");
  if (files.key_file.empty()) return InvalidArgument("a TLS certificate needs a key", "key_file");
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(native, files.cert_file.c_str()) != 1) {
    return InvalidArgument("cannot load certificate " + files.cert_file + ": " + OpenSslError(),
                           "cert_file");
  }
  if (SSL_CTX_use_PrivateKey_file(native, files.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return InvalidArgument("cannot load private key " + files.key_file + ": " + OpenSslError(),
                           "key_file");
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return InvalidArgument("private key " + files.key_file + " does not match certificate " +
                               files.cert_file + ": " + OpenSslError(),
                           "key_file");
  }
  if (!files.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(native, files.ca_file.c_str(), nullptr) != 1) {
      return InvalidArgument("cannot load CA bundle " + files.ca_file + ": " + OpenSslError(),
                             "ca_file");
    }
    // Tell clients which CAs we accept, so one holding several certificates picks the right one.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(native, names);
    }
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  ERR_clear_error();
  return ctx;
}

std::string PeerCommonName(void* ssl_handle) {
  SSL* s = static_cast<SSL*>(ssl_handle);
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  X509* cert = SSL_get1_peer_certificate(s);
#else
  X509* cert = SSL_get_peer_certificate(s);
#endif
  if (cert == nullptr) return "";
  std::string cn;
  X509_NAME* subject = X509_get_subject_name(cert);
  int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (idx >= 0) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx));
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len > 0) cn.assign(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
    OPENSSL_free(utf8);
  }
  X509_free(cert);
  return cn;
}

Result<std::unique_ptr<TlsReloader>> TlsReloader::Create(TlsFiles files) {
  std::unique_ptr<TlsReloader> r(new TlsReloader(std::move(files)));
  r->fingerprint_ = r->Fingerprint();
  ASSIGN_OR_RETURN(r->current_, MakeServerTlsContext(r->files_));
  r->last_check_ = std::chrono::steady_clock::now();
  return r;
}

std::string TlsReloader::Fingerprint() const {
  return FileIdentity(files_.cert_file) + "|" + FileIdentity(files_.key_file) + "|" +
         FileIdentity(files_.ca_file);
}

std::shared_ptr<ssl::context> TlsReloader::Current() {
  std::lock_guard<std::mutex> lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (now - last_check_ < std::chrono::seconds(1)) return current_;
  last_check_ = now;
  std::string fingerprint = Fingerprint();
  if (fingerprint == fingerprint_) return current_;
  // Remember the attempt either way: a broken file is retried only once it changes again.
  fingerprint_ = fingerprint;
  Result<std::shared_ptr<ssl::context>> next = MakeServerTlsContext(files_);
  if (!next.ok()) {
    reload_failures_.fetch_add(1);
    LOG_WARNING("tls_reload_failed", {{"error", next.status().ToString()}});
    return current_;
  }
  reloads_.fetch_add(1);
  LOG_INFO("tls_reloaded", {{"cert", files_.cert_file}});
  current_ = std::move(next).value();
  return current_;
}

}  // namespace herd::sidecar
