// RawConn: a minimal blocking HTTP/1.1 keep-alive client for benchmarks, plain or TLS. It
// speaks just enough HTTP to read Content-Length responses, so a load loop measures the server
// and the kernel, not a client library (cpprestsdk adds thread-pool hops to every request).
//
// One thread per connection.
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <string_view>

namespace herd::bench {

class RawConn {
 public:
  // Connects to 127.0.0.1:port (with a TLS handshake when `tls` is given).
  RawConn(int port, SSL_CTX* tls = nullptr);
  ~RawConn();
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;

  bool ok() const { return ok_; }
  // Sends `request` (a whole HTTP/1.1 request) and reads one response; its status, or -1 on
  // any error (the connection is then unusable).
  int RoundTrip(const std::string& request);

 private:
  bool WriteAll(const std::string& data);
  bool ReadMore();

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  bool ok_ = false;
  std::string buf_;
};

// "METHOD path HTTP/1.1" with Host, Content-Length and (when given) Content-Type.
std::string FormatRequest(std::string_view method, std::string_view path, std::string_view body,
                          std::string_view content_type = {});

}  // namespace herd::bench
