#include "common/hybrid_clock.h"

namespace herd {

uint64_t HybridLogicalClock::Now(int64_t wall_millis) {
  uint64_t physical = wall_millis > 0 ? static_cast<uint64_t>(wall_millis) << kLogicalBits : 0;
  last_ = physical > last_ ? physical : last_ + 1;
  return last_;
}

void HybridLogicalClock::Observe(uint64_t remote) {
  if (remote > last_) last_ = remote;
}

}  // namespace herd
