// Readers of herd's telemetry files for tests: the metric contract (telemetry/metrics.txt), the
// Grafana dashboard's panel queries and the alert rules' expressions.
//
// Free functions, no state; any thread.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace herd::testing {

struct ContractMetric {
  std::string name;
  std::string type;  // counter | gauge | histogram
};

// Errors: kNotFound when the file cannot be read; kInvalidArgument naming the line when a line
// is not "name type labels".
Result<std::vector<ContractMetric>> ReadMetricContract(const std::string& path);

struct NamedExpr {
  std::string where;  // "panel 'Sync latency' B" or "rule HerdSyncLagging"
  std::string expr;
};

// Every target expr of every panel, with Grafana's variables replaced so that Prometheus can
// run it: $namespace and $pod by ".*" (the "All" value), $__rate_interval by `rate_interval`.
// Errors: kNotFound (unreadable), kInvalidArgument (not JSON, or a target without an expr).
Result<std::vector<NamedExpr>> ReadDashboardExprs(const std::string& path,
                                                  const std::string& rate_interval);

// The expr of every rule of every group. Errors: kNotFound, kInvalidArgument (not YAML, no
// groups, a rule without expr).
Result<std::vector<NamedExpr>> ReadRuleExprs(const std::string& path);

}  // namespace herd::testing
