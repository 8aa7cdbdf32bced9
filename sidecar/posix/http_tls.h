// Server-side TLS for the agent's HTTP ports: building an OpenSSL context from PEM files, and
// reloading it when the files change (certificate rotation without a restart).
//
// TlsFiles names a certificate chain and its key, and optionally a CA bundle. With a CA, client
// certificates are required and verified against it (mutual TLS); without one, clients are not
// asked for a certificate.
//
// TlsReloader owns the current context. Current() is called on the accept path: at most once a
// second it compares the files' identity (inode, size, mtime with nanoseconds) with what it last
// loaded and, when any changed, builds a new context and swaps it in. A context that fails to
// build (a half-written file, a key that does not match) is logged and counted, and the previous
// one stays in use. Connections hold a shared_ptr to the context they started with, so a swap
// never disturbs them. Thread-safe.
//
// This is sidecar/posix/: it reads files and the real clock.
#pragma once

#include <atomic>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"

namespace herd::sidecar {

struct TlsFiles {
  std::string cert_file;  // PEM certificate chain, leaf first
  std::string key_file;   // PEM private key of the leaf
  std::string ca_file;    // optional PEM CA bundle: when set, client certificates are required

  bool enabled() const { return !cert_file.empty() || !key_file.empty(); }
};

// Builds a TLS 1.2+ server context. Errors: kInvalidArgument naming the field ("cert_file",
// "key_file", "ca_file") when a file cannot be read or parsed or the key does not match the
// certificate.
Result<std::shared_ptr<boost::asio::ssl::context>> MakeServerTlsContext(const TlsFiles& files);

// The common name of the peer's verified certificate on `ssl` (an SSL*), or "" when the peer
// sent none.
std::string PeerCommonName(void* ssl);

class TlsReloader {
 public:
  // Loads the initial context; errors as MakeServerTlsContext.
  static Result<std::unique_ptr<TlsReloader>> Create(TlsFiles files);

  // The context for a new connection, reloaded first if the files changed (checked at most once
  // a second).
  std::shared_ptr<boost::asio::ssl::context> Current();

  uint64_t reloads() const { return reloads_.load(); }
  uint64_t reload_failures() const { return reload_failures_.load(); }

 private:
  explicit TlsReloader(TlsFiles files) : files_(std::move(files)) {}
  std::string Fingerprint() const;  // identity of the three files, "" parts for missing files

  const TlsFiles files_;
  std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> current_;
  std::string fingerprint_;  // of the files current_ (or the last failed attempt) came from
  std::chrono::steady_clock::time_point last_check_;
  std::atomic<uint64_t> reloads_{0};
  std::atomic<uint64_t> reload_failures_{0};
};

}  // namespace herd::sidecar
