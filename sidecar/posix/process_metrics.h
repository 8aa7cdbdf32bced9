// ProcessCollector: the standard process_* metrics of the Prometheus client libraries, read
// from /proc/self on each scrape:
//   process_cpu_seconds_total        user + system CPU time
//   process_resident_memory_bytes    resident set size
//   process_virtual_memory_bytes     virtual memory size
//   process_open_fds                 entries of /proc/self/fd
//   process_max_fds                  RLIMIT_NOFILE (soft)
//   process_start_time_seconds       start time, seconds since the Unix epoch
// A value that cannot be read (no /proc: not Linux, a restricted sandbox) is left out of the
// scrape rather than exported as a wrong number; ReadProcessStats says which were read.
//
// Threading: Collect from any thread, also concurrently (it keeps no state).
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace herd::sidecar {

struct ProcessStats {
  std::optional<double> cpu_seconds;
  std::optional<double> resident_bytes;
  std::optional<double> virtual_bytes;
  std::optional<double> open_fds;
  std::optional<double> max_fds;
  std::optional<double> start_time_seconds;
};

// Reads this process's stats now.
ProcessStats ReadProcessStats();

// Parses the contents of /proc/<pid>/stat. `ticks_per_second` is sysconf(_SC_CLK_TCK),
// `page_bytes` sysconf(_SC_PAGESIZE), `boot_time_seconds` the btime line of /proc/stat (or
// nullopt: no start time). Errors: kInvalidArgument naming what is malformed.
Result<ProcessStats> ParseProcStat(std::string_view stat, double ticks_per_second,
                                   double page_bytes, std::optional<double> boot_time_seconds);

class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace herd::sidecar
