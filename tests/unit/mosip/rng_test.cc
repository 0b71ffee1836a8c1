// The generator's own distributions (mosip/rng.h): in range, never drawing a
// zero weight, and fixed by the seed.

#include "mosip/rng.h"

#include <gtest/gtest.h>

#include <array>
#include <set>

namespace walcast::mosip {
namespace {

TEST(RngTest, DrawsStayInRange) {
  Rng rng(3);
  std::set<uint64_t> below;
  std::set<int> between;
  for (int i = 0; i < 2000; ++i) {
    below.insert(rng.Below(7));
    between.insert(rng.Between(-2, 2));
    const double u = rng.Unit();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
  EXPECT_EQ(below, (std::set<uint64_t>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(between, (std::set<int>{-2, -1, 0, 1, 2}));
}

TEST(RngTest, WeightedNeverDrawsAZeroWeight) {
  Rng rng(5);
  std::array<int, 4> hits{};
  for (int i = 0; i < 4000; ++i) ++hits[rng.Weighted(std::array{0.0, 3.0, 0.0, 1.0})];
  EXPECT_EQ(hits[0], 0);
  EXPECT_EQ(hits[2], 0);
  EXPECT_GT(hits[1], 2 * hits[3]);
}

TEST(RngTest, TheSeedFixesTheSequence) {
  // std::mt19937_64's 10000th output for the default seed, fixed by the C++
  // standard ([rand.predef]).
  Rng standard(5489);
  uint64_t x = 0;
  for (int i = 0; i < 10000; ++i) x = standard.Next();
  EXPECT_EQ(x, 9981545732273789042ULL);
  Rng a(42), b(42);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a.Below(1000), b.Below(1000));
}

}  // namespace
}  // namespace walcast::mosip
