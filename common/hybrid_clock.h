// HybridLogicalClock: timestamps for last-write-wins that wall-clock skew cannot reorder.
//
// A timestamp packs wall milliseconds (high 48 bits) and a logical counter (low 16 bits), as in
// Kulkarni et al., "Logical Physical Clocks". Now() never goes backwards and always exceeds
// every timestamp Observe()d, so a write made after reading another member's write orders
// after it even when this member's wall clock is minutes behind. Single-threaded.
#pragma once

#include <cstdint>

namespace herd {

class HybridLogicalClock {
 public:
  static constexpr int kLogicalBits = 16;

  // A timestamp for a local event, given the current wall time.
  uint64_t Now(int64_t wall_millis);
  // Folds in a timestamp seen from a peer.
  void Observe(uint64_t remote);
  uint64_t last() const { return last_; }

  static int64_t WallMillisOf(uint64_t ts) { return static_cast<int64_t>(ts >> kLogicalBits); }

 private:
  uint64_t last_ = 0;
};

}  // namespace herd
