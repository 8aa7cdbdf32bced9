#include "sidecar/posix/log_sink.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "common/log.h"

namespace herd::sidecar {

void InstallTimestampedLogSink() {
  SetLogSink([](LogLevel, const std::string& line) {
    const auto now = std::chrono::system_clock::now();
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char ts[40];
    const size_t len = std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(ts + len, sizeof ts - len, ".%03dZ", static_cast<int>(ms % 1000));
    std::string out = "ts=" + std::string(ts) + " " + line + "\n";
    (void)!write(STDERR_FILENO, out.data(), out.size());
  });
}

}  // namespace herd::sidecar
