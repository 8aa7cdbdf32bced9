// Random: a small, fast, seeded generator (xoshiro256**, seeded through splitmix64).
//
// Every random choice in herd comes from an injected Random so that a seed replays a run: the
// simulator and randomized tests print their seed on failure. Production seeds it from the OS
// in sidecar/posix/. Not thread-safe; one per thread or per state machine.
#pragma once

#include <cstdint>

namespace herd {

class Random {
 public:
  explicit Random(uint64_t seed);

  uint64_t seed() const { return seed_; }
  uint64_t Next();
  // Uniform in [0, n); n must be > 0.
  uint64_t Uniform(uint64_t n);
  // Uniform in [lo, hi]; lo <= hi.
  int64_t Range(int64_t lo, int64_t hi);
  // Uniform in [0, 1).
  double UniformDouble();
  // True with probability 1/n.
  bool OneIn(uint64_t n) { return Uniform(n) == 0; }
  // True with probability p in [0, 1].
  bool Bernoulli(double p) { return UniformDouble() < p; }

 private:
  uint64_t seed_;
  uint64_t s_[4];
};

// splitmix64: a good 64-bit mixer, also used to derive stable hashes from seeds.
uint64_t SplitMix64(uint64_t x);

}  // namespace herd
