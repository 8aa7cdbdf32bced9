// Helpers for the k8s integration tests: condition waits with a deadline (never sleeps that
// assert time), EndpointSlice builders and a client for the in-process fake API server.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "k8s/cpprest_kube_client.h"
#include "tests/testing/child_process.h"
#include "tests/testing/fake_kube_server.h"

namespace herd::k8s {

using herd::testing::WaitFor;  // tests/testing/child_process.h

inline constexpr const char* kSlices = "/apis/discovery.k8s.io/v1/namespaces/herd/endpointslices";

inline nlohmann::json SliceObject(const std::string& name,
                                  std::vector<std::tuple<std::string, std::string, bool>> eps,
                                  const std::string& service = "herd") {
  nlohmann::json endpoints = nlohmann::json::array();
  for (const auto& [member, ip, ready] : eps) {
    endpoints.push_back({{"addresses", {ip}},
                         {"conditions", {{"ready", ready}}},
                         {"targetRef", {{"kind", "Pod"}, {"name", member}}}});
  }
  return {{"kind", "EndpointSlice"},
          {"apiVersion", "discovery.k8s.io/v1"},
          {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/service-name", service}}}}},
          {"addressType", "IPv4"},
          {"ports", {{{"name", "peer"}, {"port", 7946}}}},
          {"endpoints", endpoints}};
}

inline std::unique_ptr<CppRestKubeClient> ClientFor(const testing::FakeKubeServer& server,
                                                    std::string token = "",
                                                    std::string token_file = "") {
  CppRestKubeClientOptions o;
  o.config.server = server.base_url();
  o.config.token = std::move(token);
  o.config.token_file = std::move(token_file);
  o.qps = 0;  // tests make many requests quickly
  auto client = CppRestKubeClient::Create(std::move(o));
  return client.ok() ? std::move(client).value() : nullptr;
}

}  // namespace herd::k8s
