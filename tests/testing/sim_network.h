// SimNetwork: a seeded, simulated network between members, driven by a SimulatedClock.
//
// Each member gets an Endpoint (a Transport). A message from a to b is dropped when the link
// is cut (a partition) or by chance (drop rate), may be duplicated, and is delivered after a
// random delay, so messages reorder. Delivery calls the receiver registered for b at delivery
// time; a member that is down (no receiver) loses the message, as a dead host would.
// Single-threaded, like the clock.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/random.h"
#include "sidecar/peer_message.h"

namespace herd::testing {

struct LinkFaults {
  double drop = 0;       // probability a message is lost
  double duplicate = 0;  // probability a message is delivered twice
  Clock::Duration min_delay = std::chrono::microseconds(200);
  Clock::Duration max_delay = std::chrono::milliseconds(2);
};

class SimNetwork {
 public:
  using Receiver = std::function<void(std::string_view bytes)>;

  SimNetwork(SimulatedClock& clock, Random& random) : clock_(clock), random_(random) {}

  // The Transport a member sends on.
  sidecar::Transport& Endpoint(const std::string& member);
  // Where messages to `member` go; nullptr: the member is down.
  void SetReceiver(const std::string& member, Receiver receiver);

  void SetFaults(const LinkFaults& faults) { faults_ = faults; }
  // Cuts every link between a member of `side` and a member outside it (both directions).
  void Partition(const std::set<std::string>& side);
  // Cuts one direction of one link.
  void Cut(const std::string& from, const std::string& to) { cut_.insert({from, to}); }
  void HealAll() { cut_.clear(); }
  bool IsCut(const std::string& from, const std::string& to) const {
    return cut_.count({from, to}) > 0;
  }

  uint64_t sent() const { return sent_; }
  uint64_t delivered() const { return delivered_; }
  uint64_t bytes() const { return bytes_; }

 private:
  class Link;
  void Send(const std::string& from, const std::string& to, std::string bytes);
  void Deliver(const std::string& to, const std::shared_ptr<std::string>& bytes);

  SimulatedClock& clock_;
  Random& random_;
  LinkFaults faults_;
  std::set<std::pair<std::string, std::string>> cut_;
  std::map<std::string, Receiver> receivers_;
  std::map<std::string, std::unique_ptr<sidecar::Transport>> endpoints_;
  std::set<std::string> members_;
  uint64_t sent_ = 0, delivered_ = 0, bytes_ = 0;
};

}  // namespace herd::testing
