#include "k8s/backoff.h"

#include <algorithm>

namespace herd::k8s {

std::chrono::milliseconds Backoff::Next() {
  int64_t d = initial_.count();
  // Doubling stops at max; failures_ is bounded so the loop stays short.
  for (int i = 0; i < failures_ && d < max_.count(); ++i) d *= 2;
  d = std::min<int64_t>(d, max_.count());
  if (failures_ < 64) ++failures_;
  int64_t half = d / 2;
  return std::chrono::milliseconds(random_.Range(half, d));
}

}  // namespace herd::k8s
