// TokenBucket: client-go's client-side QPS/burst limit (flowcontrol.NewTokenBucketRateLimiter).
//
// `burst` requests go through at once; after that one more every 1/qps seconds. Acquire blocks
// the calling thread until a token is free or the Cancellation fires. qps <= 0 disables the limit.
//
// "Posix side" code like CppRestKubeClient: it reads the steady clock and waits in real time.
// Threading: thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "common/status.h"
#include "k8s/kube_client.h"

namespace herd::k8s {

class TokenBucket {
 public:
  TokenBucket(double qps, int burst);

  // Takes a token, waiting for one. Errors: kCancelled when `cancel` fires first.
  Status Acquire(Cancellation* cancel = nullptr);
  // Takes a token if one is free now.
  bool TryAcquire();

 private:
  void RefillLocked(std::chrono::steady_clock::time_point now);

  const double qps_;
  const double burst_;
  std::mutex mu_;
  std::condition_variable cv_;
  double tokens_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace herd::k8s
