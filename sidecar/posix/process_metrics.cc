#include "sidecar/posix/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace herd::sidecar {
namespace {

std::optional<std::string> ReadFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<double> BootTimeSeconds() {
  std::optional<std::string> stat = ReadFile("/proc/stat");
  if (!stat) return std::nullopt;
  const size_t at = stat->find("\nbtime ");
  if (at == std::string::npos) return std::nullopt;
  return std::strtod(stat->c_str() + at + 7, nullptr);
}

std::optional<double> OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  double n = 0;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n - 1;  // the directory stream's own descriptor
}

prometheus::MetricFamily Family(const char* name, const char* help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(m);
  return f;
}

}  // namespace

Result<ProcessStats> ParseProcStat(std::string_view stat, double ticks_per_second,
                                   double page_bytes, std::optional<double> boot_time_seconds) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields are counted
  // from the last ')'. Field 3 (state) is the first after it.
  const size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return InvalidArgument("/proc stat: no \"(comm)\"");
  std::vector<std::string_view> fields;
  size_t i = close + 1;
  while (i < stat.size()) {
    while (i < stat.size() && stat[i] == ' ') ++i;
    size_t j = i;
    while (j < stat.size() && stat[j] != ' ' && stat[j] != '\n') ++j;
    if (j > i) fields.push_back(stat.substr(i, j - i));
    i = j + 1;
  }
  // fields[0] is field 3 of proc(5); field n is fields[n - 3].
  auto field = [&](int n) -> std::optional<double> {
    const size_t k = static_cast<size_t>(n - 3);
    if (k >= fields.size()) return std::nullopt;
    double v = 0;
    auto [end, ec] = std::from_chars(fields[k].data(), fields[k].data() + fields[k].size(), v);
    if (ec != std::errc() || end != fields[k].data() + fields[k].size()) return std::nullopt;
    return v;
  };
  std::optional<double> utime = field(14), stime = field(15), start = field(22), vsize = field(23),
                        rss = field(24);
  if (!utime || !stime || !start || !vsize || !rss || ticks_per_second <= 0) {
    return InvalidArgument("/proc stat: fields 14, 15, 22, 23 or 24 missing or not numbers");
  }
  ProcessStats s;
  s.cpu_seconds = (*utime + *stime) / ticks_per_second;
  s.virtual_bytes = *vsize;
  s.resident_bytes = *rss * page_bytes;
  if (boot_time_seconds) s.start_time_seconds = *boot_time_seconds + *start / ticks_per_second;
  return s;
}

ProcessStats ReadProcessStats() {
  ProcessStats s;
  if (std::optional<std::string> stat = ReadFile("/proc/self/stat")) {
    Result<ProcessStats> parsed =
        ParseProcStat(*stat, static_cast<double>(sysconf(_SC_CLK_TCK)),
                      static_cast<double>(sysconf(_SC_PAGESIZE)), BootTimeSeconds());
    if (parsed.ok()) s = *parsed;
  }
  s.open_fds = OpenFds();
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    s.max_fds = static_cast<double>(limit.rlim_cur);
  }
  return s;
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  using prometheus::MetricType;
  const ProcessStats s = ReadProcessStats();
  std::vector<prometheus::MetricFamily> out;
  auto add = [&](const std::optional<double>& v, const char* name, const char* help,
                 MetricType type) {
    if (v) out.push_back(Family(name, help, type, *v));
  };
  add(s.cpu_seconds, "process_cpu_seconds_total", "Total user and system CPU time in seconds",
      MetricType::Counter);
  add(s.resident_bytes, "process_resident_memory_bytes", "Resident memory size in bytes",
      MetricType::Gauge);
  add(s.virtual_bytes, "process_virtual_memory_bytes", "Virtual memory size in bytes",
      MetricType::Gauge);
  add(s.open_fds, "process_open_fds", "Number of open file descriptors", MetricType::Gauge);
  add(s.max_fds, "process_max_fds", "Maximum number of open file descriptors", MetricType::Gauge);
  add(s.start_time_seconds, "process_start_time_seconds",
      "Start time of the process since the Unix epoch in seconds", MetricType::Gauge);
  return out;
}

}  // namespace herd::sidecar
