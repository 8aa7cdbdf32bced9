// HttpPeerTransport: the real Transport (sidecar/peer_message.h). Peer messages travel as
// `POST /peer/v1/messages` (body: EncodePeerMessage bytes) to the peer's address, over https
// with a client certificate when the cluster uses mutual TLS.
//
// Sending is fire and forget, as the Transport contract says: DeltaSync retransmits what is
// not acknowledged, so a message that fails is only counted (and logged when a peer starts
// failing and when it recovers, not per message). Each peer has at most max_in_flight
// requests outstanding; more are dropped (counted), which bounds memory when a peer hangs.
// One HttpClient per peer address keeps its connections alive.
//
// The receiving side is PeerRoutes(): the routes of the peer port's server.
//
// Threading: Send and Fetch from any one thread at a time (the event loop); callbacks and
// counters are thread-safe. Destroying the transport while requests fly is safe: their
// callbacks hold the shared state.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "sidecar/http.h"
#include "sidecar/peer_message.h"
#include "sidecar/posix/http_client.h"

namespace herd::sidecar {

struct PeerTransportOptions {
  std::string ca_file;  // with cert/key: https and mutual TLS
  std::string cert_file;
  std::string key_file;
  std::string server_name;  // the name peer certificates are verified against (HttpClientOptions)
  std::chrono::milliseconds timeout{2000};
  size_t max_in_flight = 64;  // per peer
};

struct PeerTransportStats {
  uint64_t sent = 0, failed = 0, dropped = 0, bytes_sent = 0;
};

inline constexpr std::string_view kPeerMessagePath = "/peer/v1/messages";
inline constexpr std::string_view kPeerLogsPath = "/peer/v1/logs/";

class HttpPeerTransport final : public Transport {
 public:
  explicit HttpPeerTransport(PeerTransportOptions options);
  ~HttpPeerTransport() override;

  void Send(const std::string& peer, const std::string& address, std::string bytes) override;
  // GET `path` from the peer at `address` (log forwarding). `done` runs on a client thread.
  void Fetch(const std::string& address, const std::string& path, HttpClient::Callback done);

  PeerTransportStats stats() const;

 private:
  struct Shared;
  struct Peer;
  std::shared_ptr<Peer> PeerAt(const std::string& peer, const std::string& address);
  std::shared_ptr<Shared> shared_;
};

}  // namespace herd::sidecar
