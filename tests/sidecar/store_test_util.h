// Helpers for the store tests: a temporary directory under /tmp that is removed afterwards,
// raw file access for corrupting what FileStore wrote, and a Status matcher.
#pragma once

#include <gmock/gmock.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "common/status.h"

namespace herd::sidecar::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/herd_store_test.XXXXXX";
    char* p = ::mkdtemp(tmpl);
    if (p != nullptr) path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string ReadRaw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void WriteRaw(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline uint64_t FileSize(const std::string& path) {
  return static_cast<uint64_t>(std::filesystem::file_size(path));
}

MATCHER_P(StatusIs, code, "status code is " + std::string(StatusCodeName(code))) {
  if (arg.code() == code) return true;
  *result_listener << "got " << arg.ToString();
  return false;
}

MATCHER_P2(StatusIs, code, substring,
           "status code is " + std::string(StatusCodeName(code)) + " with a message containing \"" +
               std::string(substring) + "\"") {
  if (arg.code() == code && arg.message().find(substring) != std::string::npos) return true;
  *result_listener << "got " << arg.ToString();
  return false;
}

}  // namespace herd::sidecar::testing
