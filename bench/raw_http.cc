#include "bench/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace herd::bench {

RawConn::RawConn(int port, SSL_CTX* tls) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ok_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  if (ok_ && tls != nullptr) {
    ssl_ = SSL_new(tls);
    SSL_set_fd(ssl_, fd_);
    ok_ = SSL_connect(ssl_) == 1;
  }
}

RawConn::~RawConn() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  close(fd_);
}

int RawConn::RoundTrip(const std::string& request) {
  if (!WriteAll(request)) return -1;
  size_t header_end;
  while ((header_end = buf_.find("\r\n\r\n")) == std::string::npos) {
    if (!ReadMore()) return -1;
  }
  int status = std::atoi(buf_.c_str() + 9);
  size_t length = 0;
  size_t cl = buf_.find("Content-Length: ");
  if (cl == std::string::npos) cl = buf_.find("content-length: ");
  if (cl != std::string::npos && cl < header_end) length = std::stoul(buf_.substr(cl + 16));
  size_t total = header_end + 4 + length;
  while (buf_.size() < total) {
    if (!ReadMore()) return -1;
  }
  buf_.erase(0, total);
  return status;
}

bool RawConn::WriteAll(const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ssl_ != nullptr
                    ? SSL_write(ssl_, data.data() + off, static_cast<int>(data.size() - off))
                    : send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

bool RawConn::ReadMore() {
  char tmp[16384];
  ssize_t n = ssl_ != nullptr ? SSL_read(ssl_, tmp, sizeof(tmp)) : recv(fd_, tmp, sizeof(tmp), 0);
  if (n <= 0) return false;
  buf_.append(tmp, static_cast<size_t>(n));
  return true;
}

std::string FormatRequest(std::string_view method, std::string_view path, std::string_view body,
                          std::string_view content_type) {
  std::string out;
  out.reserve(body.size() + 160);
  out.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  if (!content_type.empty()) out.append("Content-Type: ").append(content_type).append("\r\n");
  out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
  out.append(body);
  return out;
}

}  // namespace herd::bench
