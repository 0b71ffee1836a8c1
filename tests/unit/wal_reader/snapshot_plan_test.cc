#include "wal_reader/snapshot_plan.h"

#include <gtest/gtest.h>

#include <vector>

namespace walcast::wal_reader {
namespace {

constexpr int64_t kMinPages = 2048;

TEST(SplitTableTest, SmallTableIsReadWhole) {
  EXPECT_TRUE(SplitTable(kMinPages - 1, 4, kMinPages).empty());
}

TEST(SplitTableTest, OneThreadReadsEveryTableWhole) {
  EXPECT_TRUE(SplitTable(1000000, 1, kMinPages).empty());
}

TEST(SplitTableTest, EmptyTableIsReadWholeWhateverTheThreshold) {
  EXPECT_TRUE(SplitTable(0, 4, 0).empty());
}

TEST(SplitTableTest, BigTableIsCutIntoFourRangesPerThread) {
  const std::vector<PageRange> ranges = SplitTable(8000, 2, kMinPages);
  ASSERT_EQ(ranges.size(), 8u);
  for (size_t i = 0; i + 1 < ranges.size(); ++i) {
    EXPECT_EQ(ranges[i], (PageRange{static_cast<int64_t>(i) * 1000,
                                    static_cast<int64_t>(i + 1) * 1000}));
  }
  // Open-ended: pages added since the size was read cost nothing to scan.
  EXPECT_EQ(ranges.back(), (PageRange{7000, std::nullopt}));
}

TEST(SplitTableTest, RangesCoverEveryPageWhenTheCountDoesNotDivide) {
  const std::vector<PageRange> ranges = SplitTable(kMinPages + 1, 2, kMinPages);
  ASSERT_EQ(ranges.size(), 8u);  // step 257 = ceil(2049 / 8)
  EXPECT_EQ(ranges.front().from_page, 0);
  for (size_t i = 0; i + 1 < ranges.size(); ++i) {
    EXPECT_EQ(ranges[i].to_page, ranges[i + 1].from_page);
  }
  EXPECT_EQ(ranges.back(), (PageRange{1799, std::nullopt}));
}

TEST(SplitTableTest, ThresholdIsInclusive) {
  EXPECT_EQ(SplitTable(kMinPages, 3, kMinPages).size(), 12u);
}

TEST(CtidConditionTest, BoundedAndOpenRanges) {
  EXPECT_EQ(CtidCondition({0, 257}), " WHERE ctid >= '(0,0)'::tid AND ctid < '(257,0)'::tid");
  EXPECT_EQ(CtidCondition({1799, std::nullopt}), " WHERE ctid >= '(1799,0)'::tid");
}

TEST(MarkRowTest, FirstAndLastOfTheSnapshotAndOfEachTable) {
  // Two tables of three rows.
  EXPECT_EQ(MarkRow(true, false, 1, true), SnapshotMark::kFirst);
  EXPECT_EQ(MarkRow(true, false, 2, true), SnapshotMark::kTrue);
  EXPECT_EQ(MarkRow(true, false, 3, false), SnapshotMark::kLastInCollection);
  EXPECT_EQ(MarkRow(false, true, 1, true), SnapshotMark::kFirstInCollection);
  EXPECT_EQ(MarkRow(false, true, 2, true), SnapshotMark::kTrue);
  EXPECT_EQ(MarkRow(false, true, 3, false), SnapshotMark::kLast);
}

TEST(MarkRowTest, SingleRowTablesAreFirstUnlessTheyEndTheSnapshot) {
  // The only row of the first table is "first"...
  EXPECT_EQ(MarkRow(true, false, 1, false), SnapshotMark::kFirst);
  // ...unless it is also the last row of the last table (a one-row
  // snapshot), as Debezium decides.
  EXPECT_EQ(MarkRow(true, true, 1, false), SnapshotMark::kLast);
  // A one-row table in the middle ends its collection.
  EXPECT_EQ(MarkRow(false, false, 1, false), SnapshotMark::kLastInCollection);
}

}  // namespace
}  // namespace walcast::wal_reader
