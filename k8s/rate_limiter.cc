#include "k8s/rate_limiter.h"

#include <algorithm>

namespace herd::k8s {

using SteadyClock = std::chrono::steady_clock;

TokenBucket::TokenBucket(double qps, int burst)
    : qps_(qps),
      burst_(std::max(1, burst)),
      tokens_(std::max(1, burst)),
      last_(SteadyClock::now()) {}

void TokenBucket::RefillLocked(SteadyClock::time_point now) {
  std::chrono::duration<double> elapsed = now - last_;
  tokens_ = std::min(burst_, tokens_ + elapsed.count() * qps_);
  last_ = now;
}

bool TokenBucket::TryAcquire() {
  if (qps_ <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  RefillLocked(SteadyClock::now());
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

Status TokenBucket::Acquire(Cancellation* cancel) {
  if (qps_ <= 0) return Status::Ok();
  Cancellation::CallbackId id = 0;
  if (cancel != nullptr) {
    id = cancel->OnCancel([this] {
      std::lock_guard<std::mutex> lock(mu_);
      cv_.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mu_);
  Status result;
  while (true) {
    if (cancel != nullptr && cancel->cancelled()) {
      result = Status(StatusCode::kCancelled, "rate limiter wait cancelled");
      break;
    }
    RefillLocked(SteadyClock::now());
    if (tokens_ >= 1) {
      tokens_ -= 1;
      break;
    }
    auto wait = std::chrono::duration<double>((1 - tokens_) / qps_);
    cv_.wait_for(lock, std::chrono::duration_cast<std::chrono::microseconds>(wait) +
                           std::chrono::microseconds(1));
  }
  lock.unlock();
  if (cancel != nullptr && id != 0) cancel->Remove(id);
  return result;
}

}  // namespace herd::k8s
