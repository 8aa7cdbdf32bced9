// Shared by the auth integration tests (auth_agent_test.cc, auth_review_test.cc): a plain HTTP
// client for an agent's API or metrics port or the fake API server, and one authenticated call.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "sidecar/posix/http_client.h"

namespace herd::testing {

// A client for `url` with a generous timeout; null (and a test failure) when it cannot be made.
inline std::unique_ptr<sidecar::HttpClient> AuthTestClient(const std::string& url) {
  sidecar::HttpClientOptions o;
  o.base_url = url;
  o.default_timeout = std::chrono::seconds(30);
  auto c = sidecar::HttpClient::Create(o);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? std::move(c).value() : nullptr;
}

// `method` `path` through `client`, with the bearer `token` (none when empty) and a YAML `body`;
// a failed call fails the test and answers status 0.
inline sidecar::HttpResponse AuthTestSend(sidecar::HttpClient& client, const std::string& method,
                                          const std::string& path, const std::string& token = {},
                                          std::string body = {}) {
  sidecar::HttpHeaders h;
  if (!token.empty()) h.Set("Authorization", "Bearer " + token);
  if (!body.empty()) h.Set("Content-Type", "application/yaml");
  Result<sidecar::HttpResponse> r = client.SendSync(method, path, std::move(body), std::move(h));
  EXPECT_TRUE(r.ok()) << method << " " << path << ": " << r.status();
  return r.ok() ? std::move(r).value() : sidecar::HttpResponse{0, {}, {}, {}};
}

}  // namespace herd::testing
