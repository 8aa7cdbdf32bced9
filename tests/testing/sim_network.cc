#include "tests/testing/sim_network.h"

namespace herd::testing {

class SimNetwork::Link : public sidecar::Transport {
 public:
  Link(SimNetwork& net, std::string from) : net_(net), from_(std::move(from)) {}
  void Send(const std::string& peer, const std::string&, std::string bytes) override {
    net_.Send(from_, peer, std::move(bytes));
  }

 private:
  SimNetwork& net_;
  std::string from_;
};

sidecar::Transport& SimNetwork::Endpoint(const std::string& member) {
  members_.insert(member);
  auto& ep = endpoints_[member];
  if (!ep) ep = std::make_unique<Link>(*this, member);
  return *ep;
}

void SimNetwork::SetReceiver(const std::string& member, Receiver receiver) {
  members_.insert(member);
  if (receiver) {
    receivers_[member] = std::move(receiver);
  } else {
    receivers_.erase(member);
  }
}

void SimNetwork::Partition(const std::set<std::string>& side) {
  for (const std::string& a : members_) {
    for (const std::string& b : members_) {
      if ((side.count(a) > 0) != (side.count(b) > 0)) cut_.insert({a, b});
    }
  }
}

void SimNetwork::Send(const std::string& from, const std::string& to, std::string bytes) {
  ++sent_;
  bytes_ += bytes.size();
  if (IsCut(from, to) || random_.Bernoulli(faults_.drop)) return;
  auto shared = std::make_shared<std::string>(std::move(bytes));
  int copies = random_.Bernoulli(faults_.duplicate) ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    auto span = faults_.max_delay - faults_.min_delay;
    Clock::Duration delay = faults_.min_delay;
    if (span.count() > 0) delay += Clock::Duration(random_.Uniform(span.count()));
    clock_.Schedule(delay, [this, to, from, shared] {
      if (IsCut(from, to)) return;  // a partition that started while in flight
      Deliver(to, shared);
    });
  }
}

void SimNetwork::Deliver(const std::string& to, const std::shared_ptr<std::string>& bytes) {
  auto it = receivers_.find(to);
  if (it == receivers_.end()) return;
  ++delivered_;
  Receiver receiver = it->second;  // the receiver may replace itself
  receiver(*bytes);
}

}  // namespace herd::testing
