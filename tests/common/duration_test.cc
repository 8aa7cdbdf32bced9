#include "common/duration.h"

#include <gtest/gtest.h>

namespace herd {
namespace {

using std::chrono::milliseconds;

TEST(DurationTest, ParsesUnitsAndSums) {
  EXPECT_EQ(*ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(*ParseDuration("10s"), milliseconds(10'000));
  EXPECT_EQ(*ParseDuration("2m"), milliseconds(120'000));
  EXPECT_EQ(*ParseDuration("1h"), milliseconds(3'600'000));
  EXPECT_EQ(*ParseDuration("1m30s"), milliseconds(90'000));
  EXPECT_EQ(*ParseDuration("0"), milliseconds(0));
  EXPECT_EQ(*ParseDuration("0s"), milliseconds(0));
}

TEST(DurationTest, RejectsWithTheInputNamed) {
  for (const char* bad : {"", "10", "10x", "s", "-1s", "1.5s", "1s ", "99999999999h"}) {
    Result<milliseconds> r = ParseDuration(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find(std::string("\"") + bad + "\""), std::string::npos)
        << r.status().message();
  }
}

TEST(DurationTest, FormatRoundTrips) {
  for (int64_t ms : {0, 1, 999, 1000, 61'001, 3'600'000, 3'723'004}) {
    const std::string text = FormatDuration(milliseconds(ms));
    EXPECT_EQ(*ParseDuration(text), milliseconds(ms)) << text;
  }
  EXPECT_EQ(FormatDuration(milliseconds(90'000)), "1m30s");
}

}  // namespace
}  // namespace herd
