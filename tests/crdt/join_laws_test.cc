// Join is a lattice join: idempotent, commutative and associative, on random states and deltas
// produced by replicas that write concurrently and exchange partial knowledge.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "common/random.h"
#include "crdt/aw_lww_map.h"
#include "tests/crdt/crdt_test_util.h"

namespace herd::crdt {
namespace {

// A pool of deltas and states from three replicas taking random writes and random, partial,
// out-of-order exchanges.
std::vector<Delta> RandomPool(Random& rng) {
  std::vector<AwLwwMap> reps;
  for (ReplicaId r = 1; r <= 3; ++r) reps.emplace_back(r);
  std::vector<Delta> pool;
  const char* keys[] = {"a", "b", "c", "d"};
  for (int step = 0; step < 60; ++step) {
    AwLwwMap& m = reps[rng.Uniform(3)];
    const std::string key = keys[rng.Uniform(4)];
    Delta d = rng.OneIn(3) ? m.Remove(key, rng.Uniform(6))
                           : m.Put(key, "v" + std::to_string(rng.Uniform(3)), rng.Uniform(6));
    if (!d.empty()) pool.push_back(std::move(d));
    AwLwwMap& other = reps[rng.Uniform(3)];
    switch (rng.Uniform(5)) {
      case 0:
        other.Join(m.DeltaSince(other.context()));
        break;
      case 1:
        if (!pool.empty()) other.Join(pool[rng.Uniform(pool.size())]);
        break;
      case 2:
        pool.push_back(m.State());
        break;
      case 3:
        pool.push_back(m.DeltaSince(other.context()));
        break;
      default:
        break;
    }
  }
  return pool;
}

// The state a fresh replica reaches by joining `parts` in order.
std::pair<std::vector<KeyedEntry>, CausalContext> JoinAll(std::vector<const Delta*> parts) {
  AwLwwMap m(100);
  for (const Delta* d : parts) m.Join(*d);
  EXPECT_EQ(m.CheckInvariants(), "");
  Delta s = m.State();
  return {std::move(s.entries), std::move(s.context)};
}

Delta AsDelta(const std::pair<std::vector<KeyedEntry>, CausalContext>& s) {
  Delta d;
  d.entries = s.first;
  d.context = s.second;
  return d;
}

TEST(JoinLawsTest, IdempotentCommutativeAssociativeOnRandomStates) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    Random rng(seed);
    const std::vector<Delta> pool = RandomPool(rng);
    ASSERT_GE(pool.size(), 3u);
    for (int round = 0; round < 10; ++round) {
      const Delta& x = pool[rng.Uniform(pool.size())];
      const Delta& y = pool[rng.Uniform(pool.size())];
      const Delta& z = pool[rng.Uniform(pool.size())];
      SCOPED_TRACE("seed=" + std::to_string(seed) + " round=" + std::to_string(round));
      ASSERT_EQ(JoinAll({&x, &x}), JoinAll({&x})) << "idempotence";
      ASSERT_EQ(JoinAll({&x, &y}), JoinAll({&y, &x})) << "commutativity";
      const Delta xy = AsDelta(JoinAll({&x, &y}));
      const Delta yz = AsDelta(JoinAll({&y, &z}));
      ASSERT_EQ(JoinAll({&xy, &z}), JoinAll({&x, &yz})) << "associativity";
      ASSERT_EQ(JoinAll({&x, &y, &z}), JoinAll({&z, &x, &y})) << "order of three";
    }
  }
}

TEST(JoinLawsTest, ReplicasThatSawTheSameDeltasAgree) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    Random rng(seed);
    std::vector<Delta> pool = RandomPool(rng);
    AwLwwMap forward(7), backward(8);
    for (const Delta& d : pool) forward.Join(d);
    for (auto it = pool.rbegin(); it != pool.rend(); ++it) backward.Join(*it);
    ASSERT_EQ(testing::Visible(forward), testing::Visible(backward)) << "seed=" << seed;
    ASSERT_EQ(forward.context(), backward.context()) << "seed=" << seed;
    ASSERT_EQ(forward.CheckInvariants(), "") << "seed=" << seed;
  }
}

}  // namespace
}  // namespace herd::crdt
