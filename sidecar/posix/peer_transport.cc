#include "sidecar/posix/peer_transport.h"

#include <map>
#include <mutex>

#include "common/log.h"

namespace herd::sidecar {

struct HttpPeerTransport::Peer {
  std::string name;
  std::string address;
  std::unique_ptr<HttpClient> client;
  std::atomic<size_t> in_flight{0};
  std::atomic<bool> failing{false};
};

struct HttpPeerTransport::Shared {
  PeerTransportOptions options;
  std::map<std::string, std::shared_ptr<Peer>> peers;  // by name; touched by the sender only
  std::atomic<uint64_t> sent{0}, failed{0}, dropped{0}, bytes_sent{0};
};

HttpPeerTransport::HttpPeerTransport(PeerTransportOptions options)
    : shared_(std::make_shared<Shared>()) {
  shared_->options = std::move(options);
}

HttpPeerTransport::~HttpPeerTransport() = default;

std::shared_ptr<HttpPeerTransport::Peer> HttpPeerTransport::PeerAt(const std::string& name,
                                                                   const std::string& address) {
  auto& slot = shared_->peers[name];
  if (slot && slot->address == address) return slot;
  const PeerTransportOptions& o = shared_->options;
  HttpClientOptions co;
  const bool tls = !o.cert_file.empty();
  co.base_url = (tls ? "https://" : "http://") + address;
  if (tls) {
    co.ca_file = o.ca_file;
    co.cert_file = o.cert_file;
    co.key_file = o.key_file;
    co.server_name = o.server_name;
  }
  co.default_timeout = o.timeout;
  Result<std::unique_ptr<HttpClient>> client = HttpClient::Create(co);
  if (!client.ok()) {
    LOG_WARNING("peer_client_failed",
                {{"peer", name}, {"address", address}, {"error", client.status().ToString()}});
    return nullptr;
  }
  auto peer = std::make_shared<Peer>();
  peer->name = name;
  peer->address = address;
  peer->client = std::move(client).value();
  slot = peer;
  return peer;
}

void HttpPeerTransport::Send(const std::string& peer_name, const std::string& address,
                             std::string bytes) {
  std::shared_ptr<Peer> peer = PeerAt(peer_name, address);
  std::shared_ptr<Shared> shared = shared_;
  if (!peer || peer->in_flight.load() >= shared->options.max_in_flight) {
    shared->dropped++;
    return;
  }
  peer->in_flight++;
  shared->sent++;
  shared->bytes_sent += bytes.size();
  HttpHeaders headers{{"Content-Type", "application/octet-stream"}};
  peer->client->Send(
      "POST", kPeerMessagePath, std::move(bytes), std::move(headers), {},
      [shared, peer](Result<HttpResponse> r) {
        peer->in_flight--;
        const bool ok = r.ok() && r->status / 100 == 2;
        if (!ok) shared->failed++;
        if (!ok && !peer->failing.exchange(true)) {
          LOG_WARNING("peer_unreachable",
                      {{"peer", peer->name},
                       {"address", peer->address},
                       {"error", r.ok() ? "status " + std::to_string(r->status) + ": " + r->body
                                        : r.status().ToString()}});
        } else if (ok && peer->failing.exchange(false)) {
          LOG_INFO("peer_reachable", {{"peer", peer->name}, {"address", peer->address}});
        }
      });
}

void HttpPeerTransport::Fetch(const std::string& address, const std::string& path,
                              HttpClient::Callback done) {
  std::shared_ptr<Peer> peer = PeerAt("fetch:" + address, address);
  if (!peer) {
    done(Unavailable("no client for peer at " + address));
    return;
  }
  peer->client->Send("GET", path, {}, {}, {},
                     [peer, done = std::move(done)](auto r) { done(std::move(r)); });
}

PeerTransportStats HttpPeerTransport::stats() const {
  return {shared_->sent.load(), shared_->failed.load(), shared_->dropped.load(),
          shared_->bytes_sent.load()};
}

}  // namespace herd::sidecar
