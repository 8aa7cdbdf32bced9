// Small statistics for the benchmarks' JSON: nearest-rank percentiles and rounding.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace herd::bench {

// The q-quantile (0..1) of `values` by nearest rank; 0 for an empty vector.
inline double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(q * static_cast<double>(values.size()));
  const size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return values[std::min(index, values.size() - 1)];
}

// `v` rounded to 1/unit (unit 1000: three decimals).
inline double Round(double v, double unit = 1000) { return std::round(v * unit) / unit; }

}  // namespace herd::bench
