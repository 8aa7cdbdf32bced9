// TLS and mutual TLS between HttpClient / raw TLS connections and HttpServer, with certificates
// generated per test, and certificate reload on file change.
#include <gtest/gtest.h>

#include <atomic>

#include "sidecar/posix/http_client.h"
#include "sidecar/posix/http_server.h"
#include "tests/sidecar/http_test_certs.h"
#include "tests/sidecar/http_test_client.h"

namespace herd::sidecar {
namespace {

using testing::CertFiles;
using testing::TestCa;
using testing::TestConnection;
using testing::TestPki;
using testing::WaitFor;
using namespace std::chrono_literals;

class HttpTlsTest : public ::testing::Test {
 protected:
  HttpTlsTest()
      : cluster_ca_(pki_.MakeCa("cluster", "herd cluster CA")),
        rogue_ca_(pki_.MakeCa("rogue", "rogue CA")),
        server_cert_(pki_.Issue(cluster_ca_, "server", "agent-0")),
        member_cert_(pki_.Issue(cluster_ca_, "member-b", "member-b")),
        rogue_cert_(pki_.Issue(rogue_ca_, "rogue-client", "member-b")) {}

  // Starts a TLS server; with `mtls` it requires client certificates from the cluster CA. The
  // handler answers "cn=<peer common name>".
  void StartServer(bool mtls) {
    HttpServerOptions options;
    options.tls.cert_file = server_cert_.cert_file;
    options.tls.key_file = server_cert_.key_file;
    if (mtls) options.tls.ca_file = cluster_ca_.cert_file();
    server_ = std::make_unique<HttpServer>(options, [this](HttpRequest&& req, Responder respond) {
      calls_.fetch_add(1);
      HttpResponse r;
      r.body = "cn=" + req.peer_common_name;
      respond(std::move(r));
    });
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s;
  }

  Result<HttpResponse> Get(const std::string& ca_file, const CertFiles& client = {},
                           const std::string& server_name = "") {
    HttpClientOptions o;
    o.base_url = "https://127.0.0.1:" + std::to_string(server_->port());
    o.ca_file = ca_file;
    o.cert_file = client.cert_file;
    o.key_file = client.key_file;
    o.server_name = server_name;
    auto c = HttpClient::Create(o);
    if (!c.ok()) return c.status();
    return (*c)->SendSync("GET", "/whoami", "", {}, 5s);
  }

  TestPki pki_;
  TestCa cluster_ca_;
  TestCa rogue_ca_;
  CertFiles server_cert_;
  CertFiles member_cert_;
  CertFiles rogue_cert_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<int> calls_{0};
};

TEST_F(HttpTlsTest, HttpsRoundTripWithoutClientCertificate) {
  StartServer(/*mtls=*/false);
  auto r = Get(cluster_ca_.cert_file());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "cn=");
}

TEST_F(HttpTlsTest, ClientRefusesServerFromAnotherCa) {
  StartServer(/*mtls=*/false);
  auto r = Get(rogue_ca_.cert_file());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(HttpTlsTest, PlainHttpToTlsPortFailsWithoutReachingTheHandler) {
  StartServer(/*mtls=*/false);
  auto conn = TestConnection::Connect(server_->port());
  ASSERT_TRUE(conn.ok()) << conn.status();
  ASSERT_TRUE((*conn)->Write("GET / HTTP/1.1\r\nHost: t\r\n\r\n").ok());
  EXPECT_TRUE((*conn)->WaitClosed());
  EXPECT_EQ(server_->Stats().tls_handshake_failures, 1u);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(HttpTlsTest, MutualTlsRefusesClientWithoutCertificate) {
  StartServer(/*mtls=*/true);
  auto r = Get(cluster_ca_.cert_file());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  EXPECT_TRUE(WaitFor([&] { return server_->Stats().tls_handshake_failures >= 1; }));
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(HttpTlsTest, MutualTlsRefusesCertificateFromAnotherCa) {
  StartServer(/*mtls=*/true);
  auto r = Get(cluster_ca_.cert_file(), rogue_cert_);  // same CN, wrong issuer
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  EXPECT_TRUE(WaitFor([&] { return server_->Stats().tls_handshake_failures >= 1; }));
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(HttpTlsTest, MutualTlsAcceptsClusterMemberAndShowsItsName) {
  StartServer(/*mtls=*/true);
  auto r = Get(cluster_ca_.cert_file(), member_cert_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "cn=member-b");
  EXPECT_EQ(server_->Stats().tls_handshake_failures, 0u);
}

// Peers dial pod IPs but verify the shared peer name: the certificate must carry that name,
// whatever address was dialled (the test certificate names DNS:localhost and IP:127.0.0.1).
TEST_F(HttpTlsTest, ServerNameIsWhatTheCertificateIsVerifiedAgainst) {
  StartServer(/*mtls=*/true);
  auto named = Get(cluster_ca_.cert_file(), member_cert_, "localhost");
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_EQ(named->body, "cn=member-b");
  auto other = Get(cluster_ca_.cert_file(), member_cert_, "herd-peers");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kUnavailable) << other.status();
  EXPECT_EQ(calls_.load(), 1);
}

TEST_F(HttpTlsTest, MutualTlsKeepAliveReusesTheSession) {
  StartServer(/*mtls=*/true);
  HttpClientOptions o;
  o.base_url = "https://127.0.0.1:" + std::to_string(server_->port());
  o.ca_file = cluster_ca_.cert_file();
  o.cert_file = member_cert_.cert_file;
  o.key_file = member_cert_.key_file;
  auto client = HttpClient::Create(o);
  ASSERT_TRUE(client.ok()) << client.status();
  constexpr uint64_t kRequests = 20;
  for (uint64_t i = 0; i < kRequests; ++i) {
    auto r = (*client)->SendSync("GET", "/whoami");
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->body, "cn=member-b");
  }
  // See HttpClientTest.KeepAliveReusesConnections: one to three connections, never one each.
  EXPECT_LE(server_->Stats().connections_accepted, kRequests / 4);
}

TEST_F(HttpTlsTest, NewConnectionsSeeReloadedCertificate) {
  StartServer(/*mtls=*/false);
  auto inspect = testing::MakeClientTlsContext("");  // checks nothing; we read the CN ourselves
  auto old_conn = TestConnection::Connect(server_->port(), inspect.get());
  ASSERT_TRUE(old_conn.ok()) << old_conn.status();
  EXPECT_EQ((*old_conn)->PeerCommonName(), "agent-0");

  pki_.Issue(cluster_ca_, "server", "agent-0-rotated");  // replaces the files in place
  auto new_cn = [&] {
    auto c = TestConnection::Connect(server_->port(), inspect.get());
    return c.ok() && (*c)->PeerCommonName() == "agent-0-rotated";
  };
  EXPECT_TRUE(WaitFor(new_cn));
  EXPECT_EQ(server_->Stats().tls_reloads, 1u);

  // The connection made before the rotation keeps working on its old session.
  auto r = (*old_conn)->Get("/whoami");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);

  // A broken certificate file is refused; the last good one stays in use.
  pki_.WriteFile("server.crt", "-----BEGIN CERTIFICATE-----\ngarbage\n");
  EXPECT_TRUE(WaitFor([&] {
    (void)TestConnection::Connect(server_->port(), inspect.get());  // reload is checked on accept
    return server_->Stats().tls_reload_failures == 1;
  }));
  auto after = TestConnection::Connect(server_->port(), inspect.get());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ((*after)->PeerCommonName(), "agent-0-rotated");
}

TEST_F(HttpTlsTest, ServerRefusesMismatchedKeyAtStart) {
  HttpServerOptions options;
  options.tls.cert_file = server_cert_.cert_file;
  options.tls.key_file = member_cert_.key_file;
  HttpServer server(options, [](HttpRequest&&, Responder) {});
  Status s = server.Start();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(s.field(), "tls.key_file") << s;
}

}  // namespace
}  // namespace herd::sidecar
