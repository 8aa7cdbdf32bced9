// Distribution strategies: which member runs a workload.
//
// A Strategy maps (workload name, alive members, current load) to one member. Every member
// computes the same answer from the same inputs, so placement needs no coordination round
// (DESIGN.md, Placement). Horde's interface is twenty lines; so is this one.
//
//   uniform         rendezvous (highest random weight) hashing, bounded load: no member takes
//                   more than ceil((1+epsilon) * average); over the cap, the next-highest
//                   member is taken.
//   uniform_quorum  uniform, but a member that cannot see a quorum places and runs nothing.
//   random          a uniformly random alive member (seeded Random: replays in tests).
//
// Single-threaded; strategies are stateless apart from the Random they hold.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/random.h"
#include "common/status.h"

namespace herd::sidecar {

enum class StrategyKind { kUniform, kUniformQuorum, kRandom };
Result<StrategyKind> ParseStrategyKind(std::string_view s);
std::string_view StrategyKindName(StrategyKind k);

// Alive members (sorted, unique) and how many workloads each owns now.
struct Placement {
  std::vector<std::string> alive;
  const std::map<std::string, size_t, std::less<>>* load = nullptr;  // may be null: no bound
  size_t total = 0;  // workloads placed over `alive`, for the bounded-load cap
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual StrategyKind kind() const = 0;
  // The member that should run `workload`. kUnavailable ("no alive members") when none.
  virtual Result<std::string> Choose(std::string_view workload, const Placement& p) = 0;
  // True when the strategy gates on quorum (uniform_quorum).
  virtual bool needs_quorum() const { return false; }
  // True when Choose is a pure function of its inputs (uniform): the placement can be
  // recomputed and checked; false for random.
  virtual bool deterministic() const { return true; }
};

std::unique_ptr<Strategy> MakeStrategy(StrategyKind kind, Random& random, double epsilon = 0.25);

// Rendezvous weight of (workload, member): the same on every member and every run.
uint64_t RendezvousWeight(std::string_view workload, std::string_view member);

// Members ordered by rendezvous weight for `workload`, best first.
std::vector<std::string_view> RendezvousOrder(std::string_view workload,
                                              const std::vector<std::string>& members);

// RendezvousOrder(workload, members).front() without the allocation and the sort; "" for no
// members.
std::string_view RendezvousFirst(std::string_view workload,
                                 const std::vector<std::string>& members);

// Quorum by Horde's rule over `known` members (declared or seen, without shutting_down ones):
// with an even count, the member with the lowest name is left out of the count; quorum holds
// when more than half of the counted members are in `reachable`.
bool HasQuorum(const std::vector<std::string>& known, const std::vector<std::string>& reachable);

}  // namespace herd::sidecar
