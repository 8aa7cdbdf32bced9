// Kubeconfig and in-cluster configuration. yaml-cpp throws; every call into it sits in the try
// block of LoadKubeconfig.
#include "k8s/kube_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace herd::k8s {
namespace {

namespace fs = std::filesystem;

Result<std::string> ReadFile(const std::string& path, const std::string& field) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path + (field.empty() ? "" : " (" + field + ")"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// The entry of list `list` ("clusters") whose name is `name`, as its inner map (`key`).
YAML::Node Find(const YAML::Node& root, const char* list, const char* key,
                const std::string& name) {
  const YAML::Node entries = root[list];
  if (!entries || !entries.IsSequence()) return YAML::Node();
  for (const YAML::Node& e : entries) {
    if (e["name"] && e["name"].as<std::string>() == name && e[key]) return e[key];
  }
  return YAML::Node();
}

std::string Str(const YAML::Node& node, const char* key) {
  if (!node || !node[key] || !node[key].IsScalar()) return "";
  return node[key].as<std::string>();
}

}  // namespace

Result<std::string> DecodeBase64(const std::string& text) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    int v = val(c);
    if (v < 0 || padding) return InvalidArgument("invalid base64");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

Result<KubeConfig> InClusterConfig(const std::string& root) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr || *host == 0 || *port == 0) {
    return FailedPrecondition(
        "not running in a Pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset");
  }
  std::string dir = root + "/var/run/secrets/kubernetes.io/serviceaccount";
  KubeConfig config;
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6 service address
  config.server = "https://" + h + ":" + port;
  config.token_file = dir + "/token";
  if (!fs::exists(config.token_file)) return NotFound("no service account token at " + dir);
  if (fs::exists(dir + "/ca.crt")) config.ca_file = dir + "/ca.crt";
  Result<std::string> ns = ReadFile(dir + "/namespace", "");
  if (ns.ok()) config.namespace_ = Trim(*ns);
  return config;
}

Result<KubeConfig> LoadKubeconfig(const std::string& path) {
  Result<std::string> text = ReadFile(path, "kubeconfig");
  if (!text.ok()) return text.status();
  fs::path base = fs::path(path).parent_path();
  auto resolve = [&](const std::string& p) {
    return p.empty() || fs::path(p).is_absolute() ? p : (base / p).string();
  };
  try {
    YAML::Node root = YAML::Load(*text);
    std::string context_name = Str(root, "current-context");
    if (context_name.empty()) return InvalidArgument("no current-context", "current-context");
    YAML::Node context = Find(root, "contexts", "context", context_name);
    if (!context || !context.IsMap()) {
      return InvalidArgument("context " + context_name + " not found",
                             "contexts[" + context_name + "]");
    }
    std::string cluster_name = Str(context, "cluster");
    std::string user_name = Str(context, "user");
    KubeConfig config;
    config.namespace_ = Str(context, "namespace");
    YAML::Node cluster = Find(root, "clusters", "cluster", cluster_name);
    std::string cfield = "clusters[" + cluster_name + "]";
    if (!cluster || !cluster.IsMap())
      return InvalidArgument("cluster " + cluster_name + " not found", cfield);
    config.server = Str(cluster, "server");
    if (config.server.empty()) return InvalidArgument("cluster has no server", cfield + ".server");
    config.ca_file = resolve(Str(cluster, "certificate-authority"));
    if (std::string data = Str(cluster, "certificate-authority-data"); !data.empty()) {
      Result<std::string> pem = DecodeBase64(data);
      if (!pem.ok()) {
        return InvalidArgument("invalid base64", cfield + ".certificate-authority-data");
      }
      config.ca_pem = *pem;
    }
    config.insecure_skip_tls_verify = Str(cluster, "insecure-skip-tls-verify") == "true";
    if (!user_name.empty()) {
      YAML::Node user = Find(root, "users", "user", user_name);
      std::string ufield = "users[" + user_name + "]";
      if (!user || !user.IsMap())
        return InvalidArgument("user " + user_name + " not found", ufield);
      config.token = Str(user, "token");
      config.token_file = resolve(Str(user, "tokenFile"));
      for (auto [data_key, file_key, out] :
           {std::tuple{"client-certificate-data", "client-certificate", &config.client_cert_pem},
            std::tuple{"client-key-data", "client-key", &config.client_key_pem}}) {
        if (std::string data = Str(user, data_key); !data.empty()) {
          Result<std::string> pem = DecodeBase64(data);
          if (!pem.ok()) return InvalidArgument("invalid base64", ufield + "." + data_key);
          *out = *pem;
        } else if (std::string file = resolve(Str(user, file_key)); !file.empty()) {
          Result<std::string> pem = ReadFile(file, ufield + "." + file_key);
          if (!pem.ok()) return InvalidArgument(pem.status().message(), ufield + "." + file_key);
          *out = *pem;
        }
      }
      if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
        return InvalidArgument("a client certificate needs both certificate and key", ufield);
      }
    }
    return config;
  } catch (const YAML::Exception& e) {
    return InvalidArgument("kubeconfig " + path + " is not valid YAML: " + e.what());
  }
}

}  // namespace herd::k8s
