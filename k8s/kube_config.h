// KubeConfig: where the API server is and how to authenticate to it, from inside a Pod
// (in-cluster) or from a kubeconfig file (--kubeconfig, running outside a cluster).
//
// In-cluster (client-go rest.InClusterConfig): https://$KUBERNETES_SERVICE_HOST:
// $KUBERNETES_SERVICE_PORT, the service account token file (re-read by the client when it
// rotates), its ca.crt and namespace under /var/run/secrets/kubernetes.io/serviceaccount/.
//
// Kubeconfig (a minimal reader, yaml-cpp): current-context -> its cluster's server,
// certificate-authority(-data), insecure-skip-tls-verify; its user's token, tokenFile or
// client-certificate(-data)/client-key(-data); the context's namespace. Relative file paths are
// taken from the kubeconfig's directory. Exec plugins and auth providers are not supported.
//
// These functions read files and the environment ("posix side"); call them at start-up.
#pragma once

#include <string>

#include "common/status.h"

namespace herd::k8s {

struct KubeConfig {
  std::string server;   // "https://10.96.0.1:443"
  std::string ca_file;  // PEM bundle to verify the server with, or
  std::string ca_pem;   // the bundle itself (certificate-authority-data)
  bool insecure_skip_tls_verify = false;
  std::string token;            // a static bearer token, or
  std::string token_file;       // a file holding it, re-read when it changes
  std::string client_cert_pem;  // client certificate authentication (kind's kubeconfig)
  std::string client_key_pem;
  std::string namespace_;  // the default namespace ("" when unknown)
};

// Errors: kFailedPrecondition when KUBERNETES_SERVICE_HOST/PORT are unset (not in a Pod),
// kNotFound when the token file is missing. `root` prefixes the service account directory
// (tests).
Result<KubeConfig> InClusterConfig(const std::string& root = "");

// Errors: kNotFound for a missing file; kInvalidArgument naming the field at fault
// ("current-context", "clusters[kind].server", "users[kind].client-key-data") for a file that
// does not say what is needed, or that is not YAML.
Result<KubeConfig> LoadKubeconfig(const std::string& path);

// Decodes standard base64 (whitespace ignored). Errors: kInvalidArgument.
Result<std::string> DecodeBase64(const std::string& text);

}  // namespace herd::k8s
