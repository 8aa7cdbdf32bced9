// Backoff: exponential retry delays with jitter, as kube-rs's watcher and client-go's reflector
// use after a failed LIST or WATCH.
//
// The n-th consecutive failure waits a delay drawn uniformly from [d/2, d], where
// d = min(max, initial * 2^(n-1)); Reset() after progress starts again from `initial`. The
// jitter keeps many agents that lost the API server at once from retrying in lockstep. Pure:
// the randomness comes from the injected Random, nothing reads a clock.
//
// Threading: not thread-safe; owned by one watcher thread.
#pragma once

#include <chrono>

#include "common/random.h"

namespace herd::k8s {

class Backoff {
 public:
  // `initial` > 0 and `max` >= `initial`.
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, Random& random)
      : initial_(initial), max_(max), random_(random) {}

  // The delay before the next retry; each call counts one more consecutive failure.
  std::chrono::milliseconds Next();
  // Forgets the failures (call after a success).
  void Reset() { failures_ = 0; }
  int failures() const { return failures_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  Random& random_;
  int failures_ = 0;
};

}  // namespace herd::k8s
