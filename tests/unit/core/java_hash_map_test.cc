#include "core/java_hash_map.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace walcast {
namespace {

// Values from Java: "hello".hashCode() and friends.
TEST(JavaHashMapTest, StringHashCodeOverUtf16Units) {
  EXPECT_EQ(JavaStringHash(""), 0);
  EXPECT_EQ(JavaStringHash("a"), 97);
  EXPECT_EQ(JavaStringHash("hello"), 99162322);
  EXPECT_EQ(JavaStringHash("Aa"), JavaStringHash("BB"));  // the textbook collision
  EXPECT_EQ(JavaStringHash("\xc3\xa9"), 0xE9);               // é: one UTF-16 unit
  EXPECT_EQ(JavaStringHash("\xf0\x9f\x98\x80"), 0xD83D * 31 + 0xDE00);  // a surrogate pair
  EXPECT_EQ(JavaStringHash("\xff"), 0xFF);  // not UTF-8: one unit per byte
}

TEST(JavaHashMapTest, IteratesByBucketThenInsertionOrder) {
  // Buckets 1, 2, 3 whatever the insertion order.
  EXPECT_EQ(JavaHashMapOrder({"c", "b", "a"}), (std::vector<size_t>{2, 1, 0}));
  // One bucket: insertion order.
  EXPECT_EQ(JavaHashMapOrder({"BB", "Aa"}), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(JavaHashMapOrder({"Aa", "BB"}), (std::vector<size_t>{0, 1}));
}

TEST(JavaHashMapTest, TheTableGrowsPastThreeQuarters) {
  EXPECT_EQ(JavaHashMapCapacity(16, 12), 16u);
  EXPECT_EQ(JavaHashMapCapacity(16, 13), 32u);
  EXPECT_EQ(JavaHashMapCapacity(1, 1), 2u);  // (int)(1 * 0.75f) is 0
  EXPECT_EQ(JavaTableSizeFor(0), 1u);
  EXPECT_EQ(JavaTableSizeFor(17), 32u);
  // "q" (113) and "a" (97) share bucket 1 of 16 but not of 32.
  EXPECT_EQ(JavaHashMapBucket(113, 16), JavaHashMapBucket(97, 16));
  EXPECT_NE(JavaHashMapBucket(113, 32), JavaHashMapBucket(97, 32));
  // The high half is folded into the low bits before masking.
  EXPECT_EQ(JavaHashMapBucket(0x10000, 16), 1u);
}

}  // namespace
}  // namespace walcast
