#include "tests/sidecar/http_test_certs.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace herd::sidecar::testing {
namespace {

[[noreturn]] void Die(const std::string& what) {
  std::cerr << "test PKI: " << what << std::endl;
  std::abort();
}

EVP_PKEY* NewKey() {
  EVP_PKEY* key = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr);
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx) <= 0 ||
      EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, NID_X9_62_prime256v1) <= 0 ||
      EVP_PKEY_keygen(ctx, &key) <= 0) {
    Die("EC key generation failed");
  }
  EVP_PKEY_CTX_free(ctx);
  return key;
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr || X509_add_ext(cert, ext, -1) != 1) Die("adding an extension failed");
  X509_EXTENSION_free(ext);
}

X509* NewCert(EVP_PKEY* key, const std::string& cn, long serial) {  // NOLINT: OpenSSL's long
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("herd-test"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

void WritePem(const std::string& path, X509* cert, EVP_PKEY* key) {
  std::string tmp = path + ".tmp";
  FILE* f = fopen(tmp.c_str(), "w");
  if (f == nullptr) Die("cannot write " + tmp);
  bool ok = cert != nullptr
                ? PEM_write_X509(f, cert) == 1
                : PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  fclose(f);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) Die("cannot write " + path);
}

}  // namespace

struct TestCa::Keys {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  ~Keys() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

TestCa::~TestCa() = default;
TestCa::TestCa(TestCa&&) noexcept = default;
TestCa& TestCa::operator=(TestCa&&) noexcept = default;

TestPki::TestPki() {
  const char* base = getenv("TMPDIR");
  std::string templ =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/herd-http-test-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) Die("mkdtemp failed for " + templ);
  dir_ = templ;
}

TestPki::~TestPki() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

TestCa TestPki::MakeCa(const std::string& name, const std::string& cn) {
  TestCa ca;
  ca.keys_ = std::make_unique<TestCa::Keys>();
  ca.keys_->key = NewKey();
  X509* cert = NewCert(ca.keys_->key, cn, serial_++);
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  AddExtension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExtension(cert, cert, NID_subject_key_identifier, "hash");
  if (X509_sign(cert, ca.keys_->key, EVP_sha256()) == 0) Die("signing the CA failed");
  ca.keys_->cert = cert;
  ca.files_.cert_file = dir_ + "/" + name + "-ca.crt";
  ca.files_.key_file = dir_ + "/" + name + "-ca.key";
  WritePem(ca.files_.cert_file, cert, nullptr);
  WritePem(ca.files_.key_file, nullptr, ca.keys_->key);
  return ca;
}

CertFiles TestPki::Issue(const TestCa& ca, const std::string& name, const std::string& cn) {
  EVP_PKEY* key = NewKey();
  X509* cert = NewCert(key, cn, serial_++);
  X509_set_issuer_name(cert, X509_get_subject_name(ca.keys_->cert));
  AddExtension(cert, ca.keys_->cert, NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(cert, ca.keys_->cert, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  AddExtension(cert, ca.keys_->cert, NID_ext_key_usage, "serverAuth,clientAuth");
  AddExtension(cert, ca.keys_->cert, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  AddExtension(cert, ca.keys_->cert, NID_authority_key_identifier, "keyid");
  if (X509_sign(cert, ca.keys_->key, EVP_sha256()) == 0) Die("signing a leaf failed");
  CertFiles files{dir_ + "/" + name + ".crt", dir_ + "/" + name + ".key"};
  // Key first: a server that reloads between the two renames sees a mismatch and keeps the old
  // pair, then picks up the new one when the certificate lands.
  WritePem(files.key_file, nullptr, key);
  WritePem(files.cert_file, cert, nullptr);
  X509_free(cert);
  EVP_PKEY_free(key);
  return files;
}

std::string TestPki::WriteFile(const std::string& name, const std::string& content) {
  std::string path = dir_ + "/" + name;
  {
    std::ofstream out(path + ".tmp", std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) Die("cannot write " + path);
  }
  if (rename((path + ".tmp").c_str(), path.c_str()) != 0) Die("cannot rename to " + path);
  return path;
}

}  // namespace herd::sidecar::testing
