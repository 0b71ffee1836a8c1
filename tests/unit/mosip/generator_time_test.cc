// The texts of generated instants (mosip/generator_time.h), before and after
// 1970 and past year 9999.

#include "mosip/generator_time.h"

#include <gtest/gtest.h>

namespace walcast::mosip {
namespace {

constexpr int64_t kPi = 1741943564120391;  // 2025-03-14T09:12:44.120391Z

TEST(GeneratorTimeTest, TextsOfAnInstant) {
  EXPECT_EQ(DateText(kPi), "2025-03-14");
  EXPECT_EQ(IsoMillisText(kPi, /*zone=*/true), "2025-03-14T09:12:44.120Z");
  EXPECT_EQ(IsoMillisText(kPi, /*zone=*/false), "2025-03-14T09:12:44.120");
  EXPECT_EQ(IsoSecondsText(kPi), "2025-03-14T09:12:44Z");
  EXPECT_EQ(TimestampText(kPi), "2025-03-14 09:12:44.120391");
  EXPECT_EQ(TimestampText(0), "1970-01-01 00:00:00.000000");
}

TEST(GeneratorTimeTest, InstantsBefore1970RoundTowardThePast) {
  const UtcTime t = UtcTimeOf(-1);
  EXPECT_EQ(t.year, 1969);
  EXPECT_EQ(t.month, 12);
  EXPECT_EQ(t.day, 31);
  EXPECT_EQ(t.hour, 23);
  EXPECT_EQ(t.minute, 59);
  EXPECT_EQ(t.second, 59);
  EXPECT_EQ(t.micros, 999999);
  EXPECT_EQ(TimestampText(-2203934399999995), "1900-02-28 12:00:00.000005");
}

TEST(GeneratorTimeTest, YearsPast9999) {
  // --start-date 9999-12-31 with --days up to 36500 goes past year 9999.
  const int64_t last_second_of_9999 = 253402300799000000;
  EXPECT_EQ(IsoSecondsText(last_second_of_9999), "9999-12-31T23:59:59Z");
  EXPECT_EQ(IsoSecondsText(last_second_of_9999 + kMicrosPerSecond), "10000-01-01T00:00:00Z");
  EXPECT_EQ(DateText(last_second_of_9999 + 366 * kMicrosPerDay), "10000-12-31");  // a leap year
  EXPECT_EQ(DateText(last_second_of_9999 + 367 * kMicrosPerDay), "10001-01-01");
}

}  // namespace
}  // namespace walcast::mosip
