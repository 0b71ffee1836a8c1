#include "sinks/elasticsearch/bulk_job_order.h"

#include <gtest/gtest.h>

namespace walcast::sinks::elasticsearch {
namespace {

// A request of index actions on index "i": {id, version} each (version < 0:
// unversioned).
BulkRequest Request(const std::vector<std::pair<std::string, int64_t>>& actions) {
  BulkRequestBuilder builder({}, VersionType::kExternalGte);
  for (const auto& [id, version] : actions) {
    EXPECT_TRUE(
        builder.Index("i", id, "{}", version < 0 ? std::nullopt : std::optional<int64_t>(version))
            .ok());
  }
  return builder.Take();
}

BulkJobShape Shape(const std::vector<std::pair<std::string, int64_t>>& actions,
                   bool barrier = false) {
  return ShapeOf(Request(actions), barrier);
}

TEST(BulkJobOrderTest, HigherVersionsOverlapEarlierOnes) {
  const BulkJobShape earlier = Shape({{"a", 10}, {"b", 20}});
  EXPECT_FALSE(MustFollow(Shape({{"a", 21}, {"b", 30}}), earlier));
}

TEST(BulkJobOrderTest, SameDocumentAtTheSharedVersionWaits) {
  // A transaction cut into two requests: its changes of one row must land
  // in order (external_gte lets the later one win only if sent later).
  const BulkJobShape earlier = Shape({{"a", 10}, {"b", 20}});
  EXPECT_TRUE(MustFollow(Shape({{"b", 20}, {"c", 30}}), earlier));
  EXPECT_FALSE(MustFollow(Shape({{"c", 20}, {"b", 30}}), earlier));
}

TEST(BulkJobOrderTest, SnapshotRowsOfOneVersionOverlap) {
  EXPECT_FALSE(MustFollow(Shape({{"c", 9}, {"d", 9}}), Shape({{"a", 9}, {"b", 9}})));
  EXPECT_TRUE(MustFollow(Shape({{"c", 9}, {"a", 9}}), Shape({{"a", 9}, {"b", 9}})));
}

TEST(BulkJobOrderTest, LowerVersionThanOneInFlightWaits) {
  // A replay after a rewind: it must not race the writes it repeats.
  EXPECT_TRUE(MustFollow(Shape({{"x", 5}}), Shape({{"a", 10}})));
  EXPECT_TRUE(MustFollow(Shape({{"x", 15}, {"y", 30}}), Shape({{"a", 10}, {"b", 20}})));
}

TEST(BulkJobOrderTest, UnversionedWritesOfOneDocumentWait) {
  EXPECT_TRUE(MustFollow(Shape({{"a", -1}}), Shape({{"a", -1}})));
  EXPECT_FALSE(MustFollow(Shape({{"b", -1}}), Shape({{"a", -1}})));
  EXPECT_FALSE(MustFollow(Shape({{"a", -1}}), Shape({{"a", 10}})));
}

TEST(BulkJobOrderTest, BarriersAndPartialUpdatesRunAlone) {
  const BulkJobShape plain = Shape({{"a", 10}});
  EXPECT_TRUE(MustFollow(Shape({{"z", 99}}, /*barrier=*/true), plain));
  EXPECT_TRUE(MustFollow(plain, Shape({}, /*barrier=*/true)));
  BulkRequestBuilder builder({}, VersionType::kExternalGte);
  ASSERT_TRUE(builder.Update("i", "q", R"({"v":1})", 50).ok());
  const BulkJobShape update = ShapeOf(builder.Take(), false);
  EXPECT_TRUE(update.barrier);
  EXPECT_TRUE(MustFollow(update, plain));
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
