#include "privacy/iso_date.h"

#include <gtest/gtest.h>

namespace walcast::privacy {
namespace {

TEST(IsoDateTest, KeepsUtcTimestamps) {
  std::optional<IsoDate> d = NormalizeDate("1993-07-20T09:44:18.674Z");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(*d, (IsoDate{"1993-07-20T09:44:18.674Z", 1993, 7, 20}));
}

TEST(IsoDateTest, ConvertsOffsetsToUtc) {
  EXPECT_EQ(NormalizeDate("2015-01-01 01:30:00+02:00")->text, "2014-12-31T23:30:00Z");
  EXPECT_EQ(NormalizeDate("2015-01-01 01:30:00+02:00")->year, 2014);
  EXPECT_EQ(NormalizeDate("2020-02-28T23:00-0130")->text, "2020-02-29T00:30:00Z");
  EXPECT_EQ(NormalizeDate("2020-02-28T23:00:00")->text, "2020-02-28T23:00:00Z");
}

TEST(IsoDateTest, DateOnly) {
  EXPECT_EQ(*NormalizeDate("1960-03-01"), (IsoDate{"1960-03-01", 1960, 3, 1}));
}

TEST(IsoDateTest, RejectsImpossibleOrOtherText) {
  for (const char* bad : {"2021-02-29", "1993-13-01", "1993-07-20T25:00", "20/07/1993", "",
                          "1993-07-20T09:44:18.Z", "1993-07-20Tjunk"}) {
    EXPECT_FALSE(NormalizeDate(bad).has_value()) << bad;
  }
}

TEST(IsoDateTest, EpochMillis) {
  EXPECT_EQ(DateFromEpochMillis(0), (IsoDate{"1970-01-01T00:00:00.000Z", 1970, 1, 1}));
  EXPECT_EQ(DateFromEpochMillis(-1).text, "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace walcast::privacy
