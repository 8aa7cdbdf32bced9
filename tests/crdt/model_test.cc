// The randomized model test. 3-5 replicas take random puts and removes on a small key space
// (so writes conflict) while their deltas, acks, heartbeats and hellos cross a simulated network
// that drops, duplicates, reorders and partitions; replicas collect garbage, forget peers
// (membership churn: collection stops waiting for them) and restart from their persisted state
// at random. Then the network heals and DeltaSync runs until quiet, and
// every replica must show the same map as
//   - a reference replica that joined every write's delta as it was made (causal order), and
//   - a sequential model of the operations: a write is dead when a later write observed it
//     (its dot was in the writer's context); the visible value of a key is the live,
//     non-tombstone write with the greatest (timestamp, replica, counter).
// Every replica also mirrors its map from the diff callbacks alone; the mirror must match.
//
// Seeds 1..1000 by default; HERD_SEED=N replays one seed, HERD_SEEDS=N runs N seeds.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/random.h"
#include "crdt/aw_lww_map.h"
#include "crdt/codec.h"
#include "crdt/delta_sync.h"
#include "tests/crdt/crdt_test_util.h"

namespace herd::crdt {
namespace {

using KV = std::map<std::string, std::string>;

struct Op {
  Dot dot;
  uint64_t timestamp;
  bool tombstone;
  std::string value;
  std::vector<Dot> observed;  // writes of the same key the writer had seen
};

// The sequential model: every operation with what it observed.
class Model {
 public:
  // Call just before `map` writes `key`.
  std::vector<Dot> Observed(const std::string& key, const AwLwwMap& map) const {
    std::vector<Dot> out;
    auto it = ops_.find(key);
    if (it == ops_.end()) return out;
    for (const Op& op : it->second) {
      if (map.context().Contains(op.dot)) out.push_back(op.dot);
    }
    return out;
  }
  void Record(const std::string& key, Op op) { ops_[key].push_back(std::move(op)); }

  KV Expected() const {
    KV out;
    for (const auto& [key, ops] : ops_) {
      std::set<Dot> dead;
      for (const Op& op : ops) dead.insert(op.observed.begin(), op.observed.end());
      const Op* best = nullptr;
      for (const Op& op : ops) {
        if (op.tombstone || dead.count(op.dot) > 0) continue;
        if (best == nullptr ||
            std::tie(op.timestamp, op.dot.replica, op.dot.counter) >
                std::tie(best->timestamp, best->dot.replica, best->dot.counter)) {
          best = &op;
        }
      }
      if (best != nullptr) out[key] = best->value;
    }
    return out;
  }

 private:
  std::map<std::string, std::vector<Op>> ops_;
};

struct Node {
  std::string name;
  ReplicaId id;
  std::unique_ptr<AwLwwMap> map;
  std::unique_ptr<DeltaSync> sync;
  KV mirror;  // rebuilt from diff callbacks only
};

struct Msg {
  enum Kind { kDelta, kAck, kSummary, kHello } kind;
  size_t from, to;
  uint64_t seq;
  std::string bytes;  // an encoded delta or context
};

class Sim {
 public:
  explicit Sim(uint64_t seed) : rng_(seed) {
    const size_t n = 3 + rng_.Uniform(3);
    for (size_t i = 0; i < n; ++i) {
      Node node;
      node.name = "n" + std::to_string(i);
      node.id = SplitMix64(seed * 16 + i);  // random ids: LWW ties break differently per seed
      node.map = std::make_unique<AwLwwMap>(node.id);
      nodes_.push_back(std::move(node));
    }
    for (size_t i = 0; i < n; ++i) StartSync(i);
  }

  // Random operations and faults.
  void Chaos(int steps) {
    for (int s = 0; s < steps && error_.empty(); ++s) {
      now_ += static_cast<int64_t>(rng_.Uniform(20));
      const uint64_t r = rng_.Uniform(100);
      if (r < 30) {
        Write(rng_.Uniform(nodes_.size()));
      } else if (r < 60) {
        DeliverRandom();
      } else if (r < 80) {
        const auto [a, b] = RandomPair();
        PollOne(a, b);
      } else if (r < 87) {
        const auto [a, b] = RandomPair();
        Send(Msg{Msg::kSummary, a, b, 0, EncodeContext(nodes_[a].map->context())});
      } else if (r < 91) {
        Node& node = nodes_[rng_.Uniform(nodes_.size())];
        node.map->CollectGarbage(node.sync->SeenByAll(*node.map));
      } else if (r < 94) {
        const auto [a, b] = RandomPair();
        const auto link = std::minmax(a, b);
        if (!cut_.erase(link)) cut_.insert(link);
      } else if (r < 95) {
        Restart(rng_.Uniform(nodes_.size()));
      } else if (r < 97) {
        // Membership drops a peer: collection stops waiting for it. Its next heartbeat or
        // hello tracks it again, behind whatever was collected meanwhile.
        const auto [a, b] = RandomPair();
        nodes_[a].sync->RemovePeer(nodes_[b].name);
      }
    }
  }

  // No more faults: heartbeats, polls and deliveries every 100 ms until no delta moves for a
  // few rounds.
  // Returns false when the network never went quiet.
  bool Heal() {
    cut_.clear();
    int quiet = 0;
    for (int round = 0; round < 500 && error_.empty(); ++round) {
      now_ += 100;
      bool sent = false;
      for (size_t a = 0; a < nodes_.size(); ++a) {
        for (size_t b = 0; b < nodes_.size(); ++b) {
          if (a == b) continue;
          Send(Msg{Msg::kSummary, a, b, 0, EncodeContext(nodes_[a].map->context())});
          sent |= PollOne(a, b);
        }
      }
      while (!net_.empty() && error_.empty()) {
        Msg m = std::move(net_.front());
        net_.erase(net_.begin());
        Deliver(m);
      }
      // Quiet: nothing sent and nothing awaiting an ack (a lost message waits for its
      // retransmission timeout, which may have backed off to seconds).
      for (const Node& node : nodes_) {
        for (const Node& peer : nodes_) sent |= node.sync->InFlight(peer.name) > 0;
      }
      quiet = sent ? 0 : quiet + 1;
      if (quiet == 3) return true;
    }
    return false;
  }

  void CollectEverywhere() {
    for (Node& node : nodes_) node.map->CollectGarbage(node.sync->SeenByAll(*node.map));
  }

  // Empty when every replica agrees with the reference, the model and its own mirror.
  std::string Check(bool expect_no_tombstones) const {
    if (!error_.empty()) return error_;
    const KV want = testing::Visible(reference_);
    if (want != model_.Expected()) return "reference replica disagrees with the model";
    for (const Node& node : nodes_) {
      const std::string inv = node.map->CheckInvariants();
      if (!inv.empty()) return node.name + ": " + inv;
      if (testing::Visible(*node.map) != want) return node.name + " differs from the model";
      if (node.mirror != want) return node.name + "'s diff mirror differs from the model";
      for (const Node& peer : nodes_) {
        if (&peer != &node && node.sync->InFlight(peer.name) != 0) {
          return node.name + " still has messages in flight to " + peer.name;
        }
      }
      if (expect_no_tombstones && node.map->tombstone_count() != 0) {
        return node.name + " kept " + std::to_string(node.map->tombstone_count()) +
               " tombstones after everyone saw them";
      }
    }
    return {};
  }

 private:
  std::pair<size_t, size_t> RandomPair() {
    const size_t a = rng_.Uniform(nodes_.size());
    size_t b = rng_.Uniform(nodes_.size() - 1);
    if (b >= a) ++b;
    return {a, b};
  }

  DiffCallback MirrorOf(size_t i) {
    return [this, i](const Diff& d) {
      KV& mirror = nodes_[i].mirror;
      const std::string key(d.key);
      auto it = mirror.find(key);
      const bool ok = d.kind == DiffKind::kAdded
                          ? it == mirror.end() && d.new_value && !d.old_value
                          : it != mirror.end() && d.old_value && *d.old_value == it->second &&
                                (d.kind == DiffKind::kRemoved) != d.new_value.has_value();
      if (!ok && error_.empty()) error_ = nodes_[i].name + ": inconsistent diff for " + key;
      if (d.new_value) {
        mirror[key] = std::string(*d.new_value);
      } else {
        mirror.erase(key);
      }
      if (nodes_[i].map->Get(key) != d.new_value && error_.empty()) {
        error_ = nodes_[i].name + ": diff for " + key + " disagrees with Get";
      }
    };
  }

  void StartSync(size_t i) {
    nodes_[i].sync = std::make_unique<DeltaSync>();
    for (size_t j = 0; j < nodes_.size(); ++j) {
      if (j == i) continue;
      nodes_[i].sync->ResetPeer(nodes_[j].name);
      Send(Msg{Msg::kHello, i, j, 0, EncodeContext(nodes_[i].map->context())});
    }
  }

  void Write(size_t i) {
    Node& node = nodes_[i];
    const std::string key = "k" + std::to_string(rng_.Uniform(5));
    const uint64_t ts = static_cast<uint64_t>(now_ / 50) + rng_.Uniform(3);
    std::vector<Dot> observed = model_.Observed(key, *node.map);
    const bool remove = rng_.OneIn(3);
    const std::string value = "v" + std::to_string(rng_.Uniform(4));
    Delta d = remove ? node.map->Remove(key, ts, MirrorOf(i))
                     : node.map->Put(key, value, ts, MirrorOf(i));
    if (d.empty()) return;  // removing an absent key
    model_.Record(key,
                  Op{d.entries[0].entry.dot, ts, remove, remove ? "" : value, std::move(observed)});
    reference_.Join(d);
  }

  // Returns true when a delta was sent.
  bool PollOne(size_t a, size_t b) {
    std::optional<Outgoing> out = nodes_[a].sync->Poll(nodes_[b].name, *nodes_[a].map, now_);
    if (!out) return false;
    Send(Msg{Msg::kDelta, a, b, out->seq, EncodeDelta(*out->delta)});
    return true;
  }

  // Simulates a crash and a restart from the data dir: same replica id, state reloaded
  // through the codec, fresh sync bookkeeping and hellos to everyone.
  void Restart(size_t i) {
    Node& node = nodes_[i];
    Result<Delta> persisted = DecodeDelta(EncodeDelta(node.map->State()));
    if (!persisted.ok()) {
      error_ = "persisted state does not decode: " + persisted.status().ToString();
      return;
    }
    node.map = std::make_unique<AwLwwMap>(node.id);
    node.mirror.clear();
    node.map->Join(*persisted, MirrorOf(i));
    StartSync(i);
  }

  void Send(Msg m) {
    if (cut_.count(std::minmax(m.from, m.to)) > 0) return;
    net_.push_back(std::move(m));
  }

  void DeliverRandom() {
    if (net_.empty()) return;
    const size_t idx = rng_.Uniform(net_.size());
    Msg m = net_[idx];
    if (!rng_.OneIn(8)) net_.erase(net_.begin() + static_cast<std::ptrdiff_t>(idx));
    if (cut_.count(std::minmax(m.from, m.to)) > 0 || rng_.OneIn(6)) return;  // dropped
    Deliver(m);
  }

  void Deliver(const Msg& m) {
    Node& to = nodes_[m.to];
    const std::string& from = nodes_[m.from].name;
    if (m.kind == Msg::kDelta) {
      Result<Delta> d = DecodeDelta(m.bytes);
      if (!d.ok()) {
        error_ = "delta does not decode: " + d.status().ToString();
        return;
      }
      to.map->Join(*d, MirrorOf(m.to));
      Send(Msg{Msg::kAck, m.to, m.from, m.seq, EncodeContext(to.map->context())});
      return;
    }
    Result<CausalContext> ctx = DecodeContext(m.bytes);
    if (!ctx.ok()) {
      error_ = "context does not decode: " + ctx.status().ToString();
      return;
    }
    switch (m.kind) {
      case Msg::kAck:
        to.sync->OnAck(from, m.seq, *ctx);
        break;
      case Msg::kSummary:
        to.sync->OnSummary(from, *ctx);
        break;
      case Msg::kHello:
        to.sync->ResetPeer(from);
        to.sync->OnSummary(from, *ctx);
        Send(Msg{Msg::kSummary, m.to, m.from, 0, EncodeContext(to.map->context())});
        break;
      case Msg::kDelta:
        break;
    }
  }

  Random rng_;
  std::vector<Node> nodes_;
  std::vector<Msg> net_;
  std::set<std::pair<size_t, size_t>> cut_;
  int64_t now_ = 0;
  AwLwwMap reference_{0};
  Model model_;
  std::string error_;
};

std::string RunSeed(uint64_t seed) {
  Sim sim(seed);
  sim.Chaos(300);
  if (!sim.Heal()) return "network never went quiet after the first chaos phase";
  if (std::string e = sim.Check(false); !e.empty()) return "after healing: " + e;
  sim.CollectEverywhere();
  if (std::string e = sim.Check(true); !e.empty()) return "after collecting: " + e;
  sim.Chaos(150);
  if (!sim.Heal()) return "network never went quiet after the second chaos phase";
  if (std::string e = sim.Check(false); !e.empty()) return "after the second healing: " + e;
  return {};
}

TEST(CrdtModelTest, RandomReplicasConvergeToTheModel) {
  uint64_t first = 1, count = 1000;
  if (const char* s = std::getenv("HERD_SEED")) {
    first = std::strtoull(s, nullptr, 10);
    count = 1;
  } else if (const char* n = std::getenv("HERD_SEEDS")) {
    count = std::strtoull(n, nullptr, 10);
  }
  for (uint64_t seed = first; seed < first + count; ++seed) {
    const std::string error = RunSeed(seed);
    ASSERT_EQ(error, "") << "seed=" << seed << " (replay: HERD_SEED=" << seed << ")";
  }
}

}  // namespace
}  // namespace herd::crdt
