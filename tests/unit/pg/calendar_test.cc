#include "pg/calendar.h"

#include <gtest/gtest.h>

namespace walcast::pg {
namespace {

// Reference day counts of dates far apart (PostgreSQL agrees:
//   SELECT date '...' - date '1970-01-01').
TEST(CalendarTest, DaysMatchPostgres) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1) - DaysFromCivil(2000, 2, 28), 2);  // 2000 is leap
  EXPECT_EQ(DaysFromCivil(1900, 3, 1) - DaysFromCivil(1900, 2, 28), 1);  // 1900 is not
  EXPECT_EQ(DaysFromCivil(2024, 3, 1), 19783);
  EXPECT_EQ(DaysFromCivil(1582, 10, 15), -141427);
  EXPECT_EQ(DaysFromCivil(0, 1, 1), -719528);          // 0001-01-01 BC
  EXPECT_EQ(DaysFromCivil(-4713, 11, 24), -2440588);    // 4714-11-24 BC, Julian day 0
  EXPECT_EQ(DaysFromCivil(5874897, 12, 31), 2145042905);  // PostgreSQL's last date
  EXPECT_EQ(DaysFromCivil(294276, 12, 31), 106762939);    // timestamp's last day
}

TEST(CalendarTest, DaysPastTheMonthRollOver) {
  EXPECT_EQ(DaysFromCivil(2025, 2, 30), DaysFromCivil(2025, 3, 2));
  EXPECT_EQ(DaysFromCivil(2024, 2, 30), DaysFromCivil(2024, 3, 1));
}

TEST(CalendarTest, RoundTripsEveryDayAcrossCenturiesAndEras) {
  for (int64_t d = DaysFromCivil(-801, 1, 1); d < DaysFromCivil(2401, 1, 1); ++d) {
    const CivilDate date = CivilFromDays(d);
    ASSERT_GE(date.month, 1u);
    ASSERT_LE(date.month, 12u);
    ASSERT_GE(date.day, 1u);
    ASSERT_LE(date.day, 31u);
    ASSERT_EQ(DaysFromCivil(date), d) << date.year << "-" << date.month << "-" << date.day;
  }
  EXPECT_EQ(CivilFromDays(2145042905), (CivilDate{5874897, 12, 31}));
  EXPECT_EQ(CivilFromDays(-2440588), (CivilDate{-4713, 11, 24}));
}

TEST(CalendarTest, MicrosBeforeTheEpochFloorToTheirDay) {
  const CivilTime t = CivilFromMicros(-1);
  EXPECT_EQ(t.date, (CivilDate{1969, 12, 31}));
  EXPECT_EQ(t.micros_of_day, kMicrosPerDay - 1);
  EXPECT_EQ(CivilFromMicros(kMicrosPerDay).date, (CivilDate{1970, 1, 2}));
  EXPECT_EQ(FloorDiv(-7, 2), -4);
  EXPECT_EQ(FloorDiv(7, 2), 3);
}

}  // namespace
}  // namespace walcast::pg
