#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace herd {
namespace {

std::mutex& SinkMutex() {
  static std::mutex m;
  return m;
}
LogSink& Sink() {
  static LogSink sink;
  return sink;
}
std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};

std::string_view LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void AppendValue(std::string& out, std::string_view v) {
  bool quote = v.empty() || v.find_first_of(" \t\n\"=\\") != std::string_view::npos;
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

LogField::LogField(std::string_view k, double v) : key(k) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  value = buf;
}

std::string FormatLogLine(LogLevel level, std::string_view event,
                          std::initializer_list<LogField> fields) {
  std::string out = "level=";
  out += LevelName(level);
  out += " event=";
  AppendValue(out, event);
  for (const LogField& f : fields) {
    out += ' ';
    out += f.key;
    out += '=';
    AppendValue(out, f.value);
  }
  return out;
}

LogSink SetLogSink(LogSink sink) {
  std::lock_guard<std::mutex> lock(SinkMutex());
  LogSink previous = std::move(Sink());
  Sink() = std::move(sink);
  return previous;
}

void SetMinLogLevel(LogLevel level) { g_min_level = static_cast<int>(level); }
LogLevel MinLogLevel() { return static_cast<LogLevel>(g_min_level.load()); }

void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  if (static_cast<int>(level) < g_min_level.load(std::memory_order_relaxed)) return;
  std::string line = FormatLogLine(level, event, fields);
  std::lock_guard<std::mutex> lock(SinkMutex());
  if (Sink()) {
    Sink()(level, line);
  } else {
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

struct ScopedLogCapture::State {
  mutable std::mutex mu;
  std::vector<std::string> lines;
};

ScopedLogCapture::ScopedLogCapture() : state_(new State) {
  State* s = state_;
  previous_ = SetLogSink([s](LogLevel, const std::string& line) {
    std::lock_guard<std::mutex> lock(s->mu);
    s->lines.push_back(line);
  });
}

ScopedLogCapture::~ScopedLogCapture() {
  SetLogSink(std::move(previous_));
  delete state_;
}

std::vector<std::string> ScopedLogCapture::lines() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->lines;
}

bool ScopedLogCapture::Contains(std::string_view needle) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  for (const auto& l : state_->lines) {
    if (l.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace herd
