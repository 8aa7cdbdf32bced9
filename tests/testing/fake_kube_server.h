// FakeKubeServer: a small, real HTTP/1.1 Kubernetes API server for tests (issue 6).
//
// It serves FakeKubeStore (tests/testing/fake_kube_store.h) over loopback as the real API server
// does for the requests herd makes:
//   GET    <collection>?labelSelector=&limit=&continue=        LIST (paged, consistent snapshot)
//   GET    <collection>?watch=1&resourceVersion=&allowWatchBookmarks=&timeoutSeconds=
//          a chunked stream, one JSON event per line: ADDED/MODIFIED/DELETED/BOOKMARK, and an
//          ERROR event {"kind":"Status","code":410,"reason":"Expired"} for a version older than
//          the history; objects that start or stop matching the selector arrive as ADDED or
//          DELETED. Without resourceVersion (or "0") the stream starts with the current objects.
//   GET/PUT/PATCH (application/merge-patch+json)/DELETE <object>[/status], POST <collection>
// Errors answer with a Kubernetes Status object: 400, 401 (bearer token mismatch), 404,
// 409 (AlreadyExists, Conflict on a stale resourceVersion), 410 (Expired continue token), 415.
//
// Scriptable faults for tests: DropStreams() cuts every open watch now (no clean end);
// FailNextRequests(n) answers the next n requests with 500; SetDelay() delays every answer;
// SetStallStreams() keeps streams open but silent (to trip a client's idle timeout);
// Compact() forgets the history (watches and continue tokens from before get 410);
// SendBookmarks() sends a BOOKMARK on every stream that asked for them.
//
// Test code: it uses threads (one per connection), real sockets and real time. The server is
// not TLS; the real client's TLS is covered with the agent's HTTP tests' certificates.
// Threading: Start/Stop/destructor from the owner thread; everything else from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "tests/testing/fake_kube_store.h"

namespace herd::testing {

struct FakeKubeServerOptions {
  std::string listen_address = "127.0.0.1:0";
  std::string token;  // the bearer token clients must send; empty: no check
  // Send a BOOKMARK on every stream that asked for them this often; 0: only on SendBookmarks().
  std::chrono::milliseconds bookmark_interval{0};
  size_t history_limit = 100000;
};

struct FakeKubeStats {
  uint64_t requests = 0;
  uint64_t lists = 0;
  uint64_t watches = 0;
  uint64_t open_streams = 0;
  uint64_t unauthorized = 0;
  uint64_t injected_failures = 0;
  uint64_t gone = 0;  // 410 answers and ERROR events
};

class FakeKubeServer {
 public:
  explicit FakeKubeServer(FakeKubeServerOptions options = {});
  ~FakeKubeServer();  // Stop()s
  FakeKubeServer(const FakeKubeServer&) = delete;
  FakeKubeServer& operator=(const FakeKubeServer&) = delete;

  // Binds and serves. Errors: kInvalidArgument for a bad listen_address, kUnavailable when it
  // cannot be bound, kFailedPrecondition when already started.
  Status Start();
  void Stop();  // idempotent; cuts every connection and joins the threads

  int port() const;
  std::string base_url() const;  // "http://127.0.0.1:<port>"
  FakeKubeStore& store();

  void DropStreams();
  void FailNextRequests(int n, int http_status = 500);
  void SetDelay(std::chrono::milliseconds delay);
  void SetStallStreams(bool stall);
  void Compact();
  void SendBookmarks();
  void SetToken(std::string token);

  FakeKubeStats Stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace herd::testing
