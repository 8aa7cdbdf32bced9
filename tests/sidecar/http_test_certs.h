// Test PKI for the HTTP tests and the bench: certificate authorities and leaf certificates made
// with the OpenSSL C API at run time (EC P-256, valid from an hour ago for a day) and written as
// PEM into a temporary directory that is removed with the object. No private key is ever
// checked in.
//
// Not thread-safe; use from the test's thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace herd::sidecar::testing {

struct CertFiles {
  std::string cert_file;
  std::string key_file;
};

class TestCa {
 public:
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;
  TestCa(TestCa&&) noexcept;
  TestCa& operator=(TestCa&&) noexcept;

  // The CA's own certificate (PEM file), to trust it.
  const std::string& cert_file() const { return files_.cert_file; }

 private:
  friend class TestPki;
  TestCa() = default;
  struct Keys;
  std::unique_ptr<Keys> keys_;
  CertFiles files_;
};

class TestPki {
 public:
  TestPki();   // creates the temporary directory; aborts the test binary if it cannot
  ~TestPki();  // removes it
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::string& dir() const { return dir_; }

  // A self-signed CA with common name `cn`, written to <dir>/<name>-ca.{crt,key}.
  TestCa MakeCa(const std::string& name, const std::string& cn);

  // A leaf certificate signed by `ca` with common name `cn`, usable for both server and client
  // auth, with subjectAltNames IP:127.0.0.1 and DNS:localhost. Written to <dir>/<name>.{crt,key}
  // (atomically: written aside, then renamed over the old files).
  CertFiles Issue(const TestCa& ca, const std::string& name, const std::string& cn);

  // Writes `content` to <dir>/<name> (atomically) and returns the path.
  std::string WriteFile(const std::string& name, const std::string& content);

 private:
  std::string dir_;
  long serial_ = 1;  // NOLINT: OpenSSL's ASN1_INTEGER_set takes long
};

}  // namespace herd::sidecar::testing
