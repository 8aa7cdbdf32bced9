#include "sidecar/strategy.h"

#include <algorithm>
#include <cmath>

namespace herd::sidecar {
namespace {

class UniformStrategy : public Strategy {
 public:
  UniformStrategy(double epsilon, bool quorum) : epsilon_(epsilon), quorum_(quorum) {}
  StrategyKind kind() const override {
    return quorum_ ? StrategyKind::kUniformQuorum : StrategyKind::kUniform;
  }
  bool needs_quorum() const override { return quorum_; }

  Result<std::string> Choose(std::string_view workload, const Placement& p) override {
    if (p.alive.empty()) return Unavailable("no alive members");
    std::vector<std::string_view> order = RendezvousOrder(workload, p.alive);
    if (p.load == nullptr) return std::string(order.front());
    // Bounded load: cap = ceil((1+eps) * (total+1) / n). Someone is always under the cap,
    // because n * cap >= total + 1.
    double avg = static_cast<double>(p.total + 1) / static_cast<double>(p.alive.size());
    size_t cap = static_cast<size_t>(std::ceil((1.0 + epsilon_) * avg));
    for (std::string_view m : order) {
      auto it = p.load->find(m);
      size_t n = it == p.load->end() ? 0 : it->second;
      if (n < cap) return std::string(m);
    }
    return std::string(order.front());
  }

 private:
  double epsilon_;
  bool quorum_;
};

class RandomStrategy : public Strategy {
 public:
  explicit RandomStrategy(Random& random) : random_(random) {}
  StrategyKind kind() const override { return StrategyKind::kRandom; }
  bool deterministic() const override { return false; }
  Result<std::string> Choose(std::string_view, const Placement& p) override {
    if (p.alive.empty()) return Unavailable("no alive members");
    return p.alive[random_.Uniform(p.alive.size())];
  }

 private:
  Random& random_;
};

}  // namespace

Result<StrategyKind> ParseStrategyKind(std::string_view s) {
  if (s == "uniform") return StrategyKind::kUniform;
  if (s == "uniform_quorum") return StrategyKind::kUniformQuorum;
  if (s == "random") return StrategyKind::kRandom;
  return InvalidArgument("unknown strategy \"" + std::string(s) +
                             "\": supported values: uniform, uniform_quorum, random",
                         "strategy");
}

std::string_view StrategyKindName(StrategyKind k) {
  switch (k) {
    case StrategyKind::kUniform:
      return "uniform";
    case StrategyKind::kUniformQuorum:
      return "uniform_quorum";
    case StrategyKind::kRandom:
      return "random";
  }
  return "uniform";
}

std::unique_ptr<Strategy> MakeStrategy(StrategyKind kind, Random& random, double epsilon) {
  switch (kind) {
    case StrategyKind::kUniform:
      return std::make_unique<UniformStrategy>(epsilon, false);
    case StrategyKind::kUniformQuorum:
      return std::make_unique<UniformStrategy>(epsilon, true);
    case StrategyKind::kRandom:
      return std::make_unique<RandomStrategy>(random);
  }
  return nullptr;
}

uint64_t RendezvousWeight(std::string_view workload, std::string_view member) {
  // FNV-1a of each part, mixed: stable across builds, hosts and runs.
  auto fnv = [](std::string_view s) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
    return h;
  };
  return SplitMix64(fnv(workload) ^ SplitMix64(fnv(member)));
}

std::string_view RendezvousFirst(std::string_view workload,
                                 const std::vector<std::string>& members) {
  std::string_view best;
  uint64_t best_weight = 0;
  for (const std::string& m : members) {
    const uint64_t w = RendezvousWeight(workload, m);
    if (best.empty() || w > best_weight || (w == best_weight && m < best)) {
      best = m;
      best_weight = w;
    }
  }
  return best;
}

std::vector<std::string_view> RendezvousOrder(std::string_view workload,
                                              const std::vector<std::string>& members) {
  std::vector<std::pair<uint64_t, std::string_view>> scored;
  scored.reserve(members.size());
  for (const std::string& m : members) scored.emplace_back(RendezvousWeight(workload, m), m);
  std::sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) {
    return x.first != y.first ? x.first > y.first : x.second < y.second;
  });
  std::vector<std::string_view> out;
  out.reserve(scored.size());
  for (auto& s : scored) out.push_back(s.second);
  return out;
}

bool HasQuorum(const std::vector<std::string>& known, const std::vector<std::string>& reachable) {
  std::vector<std::string> counted = known;
  std::sort(counted.begin(), counted.end());
  counted.erase(std::unique(counted.begin(), counted.end()), counted.end());
  if (counted.empty()) return false;
  if (counted.size() % 2 == 0) counted.erase(counted.begin());  // Horde: drop the lowest name
  size_t up = 0;
  for (const std::string& m : counted) {
    if (std::find(reachable.begin(), reachable.end(), m) != reachable.end()) ++up;
  }
  return up * 2 > counted.size();
}

}  // namespace herd::sidecar
