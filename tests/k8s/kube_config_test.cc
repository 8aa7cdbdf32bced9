// Unit tests of the kubeconfig and in-cluster readers, on files in a temporary directory.
#include "k8s/kube_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace herd::k8s {
namespace {

namespace fs = std::filesystem;

class KubeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/herd-kubeconfig-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    fs::create_directories(fs::path(dir_ + "/" + name).parent_path());
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }
  std::string dir_;
};

constexpr const char* kConfig = R"(apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: other
  context: {cluster: nope, user: nope}
- name: dev
  context: {cluster: kind, user: admin, namespace: herd}
clusters:
- name: kind
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: aGVsbG8gQ0E=
users:
- name: admin
  user:
    token: abc
    client-certificate: certs/client.crt
    client-key-data: a2V5
)";

TEST_F(KubeConfigTest, ReadsCurrentContext) {
  Write("certs/client.crt", "CERT");
  Result<KubeConfig> c = LoadKubeconfig(Write("config", kConfig));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server, "https://127.0.0.1:6443");
  EXPECT_EQ(c->ca_pem, "hello CA");
  EXPECT_EQ(c->token, "abc");
  EXPECT_EQ(c->client_cert_pem, "CERT");  // relative to the kubeconfig's directory
  EXPECT_EQ(c->client_key_pem, "key");
  EXPECT_EQ(c->namespace_, "herd");
}

TEST_F(KubeConfigTest, ErrorsNameTheField) {
  EXPECT_EQ(LoadKubeconfig(Write("z", kConfig)).status().field(),
            "users[admin].client-certificate");  // certs/client.crt does not exist yet
  Write("certs/client.crt", "CERT");
  EXPECT_EQ(LoadKubeconfig(dir_ + "/missing").status().code(), StatusCode::kNotFound);
  std::string no_ctx = kConfig;
  no_ctx.replace(no_ctx.find("current-context: dev"), 20, "current-context: zzz");
  EXPECT_EQ(LoadKubeconfig(Write("a", no_ctx)).status().field(), "contexts[zzz]");
  std::string no_server = kConfig;
  no_server.replace(no_server.find("server: https"), 13, "serverx: http");
  EXPECT_EQ(LoadKubeconfig(Write("b", no_server)).status().field(), "clusters[kind].server");
  std::string bad64 = kConfig;
  bad64.replace(bad64.find("a2V5"), 4, "a%b$");
  EXPECT_EQ(LoadKubeconfig(Write("c", bad64)).status().field(), "users[admin].client-key-data");
  Result<KubeConfig> junk = LoadKubeconfig(Write("d", "a: [b"));
  EXPECT_EQ(junk.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadKubeconfig(Write("e", "kind: Config\n")).status().field(), "current-context");
}

TEST_F(KubeConfigTest, InClusterFromEnvironmentAndServiceAccount) {
  unsetenv("KUBERNETES_SERVICE_HOST");
  EXPECT_EQ(InClusterConfig(dir_).status().code(), StatusCode::kFailedPrecondition);
  setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  EXPECT_EQ(InClusterConfig(dir_).status().code(), StatusCode::kNotFound);
  std::string sa = "var/run/secrets/kubernetes.io/serviceaccount/";
  Write(sa + "token", "tok\n");
  Write(sa + "ca.crt", "CA");
  Write(sa + "namespace", "herd\n");
  Result<KubeConfig> c = InClusterConfig(dir_);
  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->token_file, dir_ + "/" + sa + "token");
  EXPECT_EQ(c->ca_file, dir_ + "/" + sa + "ca.crt");
  EXPECT_EQ(c->namespace_, "herd");
}

TEST(DecodeBase64, DecodesAndRejects) {
  EXPECT_EQ(DecodeBase64("aGVsbG8=").value(), "hello");
  EXPECT_EQ(DecodeBase64("aGVs\nbG8").value(), "hello");
  EXPECT_EQ(DecodeBase64("a$").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeBase64("aG=V").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace herd::k8s
