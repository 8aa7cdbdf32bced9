#include "sidecar/quantity.h"

#include <gtest/gtest.h>

#include <limits>

#include "common/random.h"

namespace herd::sidecar {
namespace {

TEST(QuantityTest, ParsesKubernetesQuantities) {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"0", 0},
      {"1000", 1000},
      {"+5", 5},
      {"64Mi", 64LL << 20},
      {"1Gi", 1LL << 30},
      {"1.5Gi", 1610612736},
      {"500M", 500000000},
      {"1k", 1000},
      {"1Ki", 1024},
      {"2Ti", 2LL << 40},
      {"1Pi", 1LL << 50},
      {"7Ei", 7LL << 60},
      {"1E", 1000000000000000000},
      {"1e3", 1000},
      {"1E3", 1000},
      {"12e-1", 2},  // 1.2 rounds up
      {"0.5", 1},
      {"100m", 1},
      {"1000m", 1},
      {"1001m", 2},
      {"5n", 1},
      {"0.000Gi", 0},
      {".5Ki", 512},
      {"1.", 1},
      {"000123", 123},
      {"1000000000000000000000m", 1000000000000000000},
      {"9223372036854775807", std::numeric_limits<int64_t>::max()},
      {"-1Gi", -(1LL << 30)},
      {"-8Ei", std::numeric_limits<int64_t>::min()},
      {"1e-100", 1},
      {"0e999999999999", 0},
  };
  for (const auto& [text, want] : cases) {
    Result<int64_t> got = ParseQuantity(text);
    ASSERT_TRUE(got.ok()) << text << ": " << got.status();
    EXPECT_EQ(*got, want) << text;
  }
}

TEST(QuantityTest, RejectsWhatIsNotAQuantity) {
  const std::string not_a_quantity = "must be a quantity such as 64Mi, 1Gi, 500M or 1000";
  const std::string too_large = "is too large for a 64-bit integer";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", not_a_quantity},
      {"Mi", not_a_quantity},
      {"64Mx", not_a_quantity},
      {"64 Mi", not_a_quantity},
      {"64mi", not_a_quantity},
      {"1.2.3", not_a_quantity},
      {".", not_a_quantity},
      {"-", not_a_quantity},
      {"1e", not_a_quantity},
      {"1e+", not_a_quantity},
      {"0x10", not_a_quantity},
      {"1Gi ", not_a_quantity},
      {"9223372036854775808", too_large},
      {"8Ei", too_large},
      {"1e99", too_large},
      {"12345678901234567891Ki", "must have at most 19 significant digits"},
      {"-9223372036854775809", too_large},
  };
  for (const auto& [text, want] : cases) {
    Result<int64_t> got = ParseQuantity(text);
    ASSERT_FALSE(got.ok()) << text;
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(got.status().message(), want) << text;
  }
}

TEST(QuantityTest, FormatsTheShortestExactForm) {
  EXPECT_EQ(FormatQuantity(0), "0");
  EXPECT_EQ(FormatQuantity(64LL << 20), "64Mi");
  EXPECT_EQ(FormatQuantity(1LL << 30), "1Gi");
  EXPECT_EQ(FormatQuantity(1536LL << 20), "1536Mi");
  EXPECT_EQ(FormatQuantity(500000000), "500M");
  EXPECT_EQ(FormatQuantity(1000), "1k");
  EXPECT_EQ(FormatQuantity(1024), "1Ki");
  EXPECT_EQ(FormatQuantity(1023), "1023");
  EXPECT_EQ(FormatQuantity(-2048), "-2Ki");
  EXPECT_EQ(FormatQuantity(std::numeric_limits<int64_t>::min()), "-8Ei");
}

TEST(QuantityTest, FormatParsesBack) {
  Random rng(20240601);
  std::vector<int64_t> values = {1,
                                 999,
                                 1000,
                                 1024,
                                 std::numeric_limits<int64_t>::max(),
                                 std::numeric_limits<int64_t>::min(),
                                 1LL << 62,
                                 -1};
  for (int i = 0; i < 10000; ++i) {
    int shift = static_cast<int>(rng.Uniform(50));
    values.push_back(static_cast<int64_t>(rng.Uniform(1 << 12)) << shift);
    values.push_back(static_cast<int64_t>(rng.Next() >> rng.Uniform(64)));
  }
  for (int64_t v : values) {
    Result<int64_t> back = ParseQuantity(FormatQuantity(v));
    ASSERT_TRUE(back.ok()) << "seed " << rng.seed() << " value " << v << ": " << back.status();
    ASSERT_EQ(*back, v) << "seed " << rng.seed() << " " << FormatQuantity(v);
  }
}

}  // namespace
}  // namespace herd::sidecar
