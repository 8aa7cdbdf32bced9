#include "common/log.h"

#include <gtest/gtest.h>

namespace herd {
namespace {

TEST(LogTest, FormatsKeyValuePairsAndQuotesWhereNeeded) {
  EXPECT_EQ(FormatLogLine(LogLevel::kInfo, "child_started",
                          {{"workload", "ingest-7"}, {"pid", 42}, {"ok", true}}),
            "level=info event=child_started workload=ingest-7 pid=42 ok=true");
  EXPECT_EQ(FormatLogLine(LogLevel::kWarning, "bad", {{"msg", "a \"b\"=c"}}),
            "level=warn event=bad msg=\"a \\\"b\\\"=c\"");
  EXPECT_EQ(FormatLogLine(LogLevel::kError, "e", {{"empty", ""}}),
            "level=error event=e empty=\"\"");
}

TEST(LogTest, CaptureSeesLinesAtOrAboveTheMinimumLevel) {
  ScopedLogCapture capture;
  LOG_INFO("hello", {{"k", "v"}});
  LOG_DEBUG("hidden");
  EXPECT_TRUE(capture.Contains("event=hello k=v"));
  EXPECT_FALSE(capture.Contains("hidden"));
  EXPECT_EQ(capture.lines().size(), 1u);
}

}  // namespace
}  // namespace herd
