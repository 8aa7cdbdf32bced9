// DurationHistogram: a fixed-bucket histogram of durations as plain data, for the supervisor
// core, which must stay free of prometheus-cpp (it runs in the simulator). The metrics layer
// (sidecar/metrics.h) turns it into a Prometheus histogram on each scrape.
//
// The bucket bounds are the same for every histogram of the agent: seconds, roughly
// exponential (1-2.5-5 steps) from 0.5 ms to 60 s, plus the implicit +Inf bucket. Observe is an
// increment and a short scan: no allocation, cheap enough for the core's hot paths.
//
// A plain value: copy it to take a snapshot. Not thread-safe; the owner serializes calls.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace herd::sidecar {

class DurationHistogram {
 public:
  // Upper bounds (inclusive, "le") in seconds, ascending.
  static constexpr std::array<double, 16> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

  // Records one duration. Negative durations (a clock that went backwards) count as 0.
  void Observe(double seconds) {
    if (!(seconds > 0)) seconds = 0;
    size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i]) ++i;
    ++counts_[i];
    ++count_;
    sum_ += seconds;
  }
  template <typename Rep, typename Period>
  void Observe(std::chrono::duration<Rep, Period> d) {
    Observe(std::chrono::duration<double>(d).count());
  }

  // Observations per bucket, not cumulative: counts()[i] is (kBounds[i-1], kBounds[i]]; the
  // last element counts those above the largest bound.
  const std::array<uint64_t, kBounds.size() + 1>& counts() const { return counts_; }
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::array<uint64_t, kBounds.size() + 1> counts_{};
  uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace herd::sidecar
