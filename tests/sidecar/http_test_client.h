// A raw HTTP/1.1 test connection to a loopback server, plain or TLS, for tests that need to send
// exact bytes (slow or oversized requests, pipelining) and observe exactly what the server does
// (the response, the close). Every operation gives up after a deadline (default 10 s) instead of
// hanging, and reports that as kDeadlineExceeded. Built on Boost.Asio/Beast.
//
// One thread at a time.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "sidecar/http.h"
#include "tests/testing/child_process.h"

namespace herd::sidecar::testing {

struct RawResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
  bool keep_alive = false;
};

class TestConnection {
 public:
  static constexpr std::chrono::milliseconds kDeadline{10000};

  // Connects to 127.0.0.1:port; with `tls`, also completes a TLS handshake with that context.
  static Result<std::unique_ptr<TestConnection>> Connect(int port,
                                                         boost::asio::ssl::context* tls = nullptr);
  ~TestConnection();

  Status Write(std::string_view bytes);
  // Reads and parses one response.
  Result<RawResponse> ReadResponse();
  // Reads raw bytes until `delimiter` has been seen; returns everything up to and including it.
  Result<std::string> ReadUntil(std::string_view delimiter);
  // Writes a GET for `target` (keep-alive) and reads the response.
  Result<RawResponse> Get(std::string_view target);
  // True when the server closes the connection (EOF or reset) before `deadline`; bytes that
  // arrive before the close are discarded.
  bool WaitClosed(std::chrono::milliseconds deadline = kDeadline);
  // The common name of the server's certificate (TLS), else "".
  std::string PeerCommonName();

 private:
  struct Impl;
  explicit TestConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

using herd::testing::WaitFor;  // tests/testing/child_process.h

// A client TLS context trusting `ca_file` (and, when given, presenting cert/key). With an empty
// `ca_file` it verifies nothing (for tests that inspect the server's certificate themselves).
std::unique_ptr<boost::asio::ssl::context> MakeClientTlsContext(const std::string& ca_file,
                                                                const std::string& cert_file = {},
                                                                const std::string& key_file = {});

}  // namespace herd::sidecar::testing
