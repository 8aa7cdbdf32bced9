// Durations as people write them in flags, config files and query strings: "250ms", "10s",
// "2m", "1h", "1m30s" (Go's time.ParseDuration subset, non-negative, integer parts), and back.
// Pure functions; any thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"

namespace herd {

// Parses `text`: one or more <integer><unit> parts, unit one of ms, s, m, h; "0" alone is
// zero. Errors: kInvalidArgument naming the input ("invalid duration \"10x\": unknown unit
// \"x\"; use ms, s, m or h"), also for overflow beyond 10 years.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

// The shortest form that ParseDuration reads back exactly: "1m30s", "250ms", "0s".
std::string FormatDuration(std::chrono::milliseconds d);

}  // namespace herd
