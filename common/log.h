// Structured logging: one line per event, key=value, quiet at steady state.
//
//   LOG_INFO("child_started", {{"workload", name}, {"pid", pid}});
//   -> level=info event=child_started workload=ingest-7 pid=4242
//
// The process-wide sink is set once at start-up by the composition root (sidecar/app.cc adds a
// timestamp, since only sidecar/posix/ reads the real clock); tests may capture lines with
// ScopedLogCapture. Values containing spaces, quotes or '=' are quoted. Never log secrets.
// Thread-safe: lines from different threads never interleave.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace herd {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// One key=value pair. Integers, booleans and strings convert implicitly.
struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
  LogField(std::string_view k, T v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, double v);
  std::string_view key;
  std::string value;
};

// Formats "level=info event=name k=v ..." (no trailing newline).
std::string FormatLogLine(LogLevel level, std::string_view event,
                          std::initializer_list<LogField> fields);

using LogSink = std::function<void(LogLevel, const std::string& line)>;

// Replaces the process-wide sink (default: stderr, no timestamp). Returns the previous one.
LogSink SetLogSink(LogSink sink);
void SetMinLogLevel(LogLevel level);
LogLevel MinLogLevel();

void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});

// Captures log lines for the lifetime of the object (tests).
class ScopedLogCapture {
 public:
  ScopedLogCapture();
  ~ScopedLogCapture();
  std::vector<std::string> lines() const;
  bool Contains(std::string_view needle) const;

 private:
  struct State;
  State* state_;
  LogSink previous_;
};

}  // namespace herd

// The fields are built only when the level is enabled: a filtered-out line costs a load.
#define HERD_LOG_AT(level, event, ...)                                        \
  do {                                                                        \
    if (static_cast<int>(level) >= static_cast<int>(::herd::MinLogLevel())) { \
      ::herd::Log(level, event, ##__VA_ARGS__);                               \
    }                                                                         \
  } while (false)
#define LOG_DEBUG(event, ...) HERD_LOG_AT(::herd::LogLevel::kDebug, event, ##__VA_ARGS__)
#define LOG_INFO(event, ...) HERD_LOG_AT(::herd::LogLevel::kInfo, event, ##__VA_ARGS__)
#define LOG_WARNING(event, ...) HERD_LOG_AT(::herd::LogLevel::kWarning, event, ##__VA_ARGS__)
#define LOG_ERROR(event, ...) HERD_LOG_AT(::herd::LogLevel::kError, event, ##__VA_ARGS__)
