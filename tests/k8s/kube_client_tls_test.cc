// Integration tests of CppRestKubeClient's TLS: the API server is verified against the cluster
// CA alone (file or inline PEM), and a client certificate from a kubeconfig is presented. The
// server is the agent's HttpServer with test certificates made at run time.
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "k8s/cpprest_kube_client.h"
#include "k8s/rate_limiter.h"
#include "sidecar/posix/http_server.h"
#include "tests/sidecar/http_test_certs.h"

namespace herd::k8s {
namespace {

using sidecar::HttpRequest;
using sidecar::HttpServer;
using sidecar::HttpServerOptions;
using sidecar::Responder;
using sidecar::testing::TestPki;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class KubeClientTlsTest : public ::testing::Test {
 protected:
  void StartServer(bool require_client_cert) {
    HttpServerOptions o;
    o.tls.cert_file = leaf_.cert_file;
    o.tls.key_file = leaf_.key_file;
    if (require_client_cert) o.tls.ca_file = ca_.cert_file();
    server_ = std::make_unique<HttpServer>(o, [this](HttpRequest&& r, Responder respond) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        auth_ = std::string(r.headers.Get("Authorization").value_or(""));
        peer_cn_ = r.peer_common_name;
      }
      respond(sidecar::JsonResponse(
          200, R"({"kind":"EndpointSliceList","metadata":{"resourceVersion":"7"},"items":[]})"));
    });
    ASSERT_TRUE(server_->Start().ok());
  }
  CppRestKubeClientOptions Options() {
    CppRestKubeClientOptions o;
    o.config.server = "https://127.0.0.1:" + std::to_string(server_->port());
    o.qps = 0;
    return o;
  }

  TestPki pki_;
  sidecar::testing::TestCa ca_ = pki_.MakeCa("cluster", "cluster-ca");
  sidecar::testing::CertFiles leaf_ = pki_.Issue(ca_, "apiserver", "kube-apiserver");
  std::unique_ptr<HttpServer> server_;
  std::mutex mu_;
  std::string auth_, peer_cn_;
};

TEST_F(KubeClientTlsTest, VerifiesTheServerWithTheClusterCa) {
  StartServer(false);
  CppRestKubeClientOptions o = Options();
  o.config.ca_file = ca_.cert_file();
  o.config.token = "tok";
  auto client = CppRestKubeClient::Create(o);
  ASSERT_TRUE(client.ok()) << client.status();
  Result<ListResult> list = (*client)->List("/apis/discovery.k8s.io/v1/endpointslices", {});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->resource_version, "7");
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(auth_, "Bearer tok");
}

TEST_F(KubeClientTlsTest, InlineCaDataWorksAndAnotherCaIsRefused) {
  StartServer(false);
  CppRestKubeClientOptions o = Options();
  o.config.ca_pem = ReadAll(ca_.cert_file());
  auto client = CppRestKubeClient::Create(o);
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_TRUE((*client)->List("/api/v1/namespaces/a/pods", {}).ok());

  sidecar::testing::TestCa other = pki_.MakeCa("other", "other-ca");
  o.config.ca_pem.clear();
  o.config.ca_file = other.cert_file();
  auto wrong = CppRestKubeClient::Create(o);
  ASSERT_TRUE(wrong.ok()) << wrong.status();
  EXPECT_EQ((*wrong)->List("/api/v1/namespaces/a/pods", {}).status().code(),
            StatusCode::kUnavailable);
}

TEST_F(KubeClientTlsTest, PresentsAClientCertificate) {
  StartServer(true);
  sidecar::testing::CertFiles me = pki_.Issue(ca_, "agent", "herd-agent");
  CppRestKubeClientOptions o = Options();
  o.config.ca_file = ca_.cert_file();
  o.config.client_cert_pem = ReadAll(me.cert_file);
  o.config.client_key_pem = ReadAll(me.key_file);
  auto client = CppRestKubeClient::Create(o);
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE((*client)->List("/api/v1/namespaces/a/pods", {}).ok());
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(peer_cn_, "herd-agent");
}

TEST(TokenBucket, BurstThenLimited) {
  TokenBucket bucket(/*qps=*/0.001, /*burst=*/3);
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_FALSE(bucket.TryAcquire());
  Cancellation cancel;
  cancel.Cancel();
  EXPECT_EQ(bucket.Acquire(&cancel).code(), StatusCode::kCancelled);
  TokenBucket unlimited(0, 1);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(unlimited.TryAcquire());
}

}  // namespace
}  // namespace herd::k8s
