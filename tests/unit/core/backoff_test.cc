#include "core/backoff.h"

#include <gtest/gtest.h>

#include <vector>

namespace walcast {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, CeilingDoublesUpToTheCap) {
  Backoff backoff({.initial = milliseconds(100), .max = milliseconds(1000)}, [] { return 0.0; });
  std::vector<int64_t> ceilings;
  for (int i = 0; i < 7; ++i) {
    ceilings.push_back(backoff.Ceiling().count());
    (void)backoff.Next();
  }
  EXPECT_EQ(ceilings, (std::vector<int64_t>{100, 200, 400, 800, 1000, 1000, 1000}));
  EXPECT_EQ(backoff.attempts(), 7);
}

TEST(BackoffTest, FullJitterSpansZeroToTheCeiling) {
  double unit = 0.0;
  Backoff backoff({.initial = milliseconds(100), .max = milliseconds(1000)},
                  [&unit] { return unit; });
  EXPECT_EQ(backoff.Next(), milliseconds(0));  // lowest draw: no wait at all
  unit = 0.5;
  EXPECT_EQ(backoff.Next(), milliseconds(100));  // half of 200
  unit = 0.999999;
  EXPECT_EQ(backoff.Next(), milliseconds(400));  // highest draw: the ceiling
  unit = 1.0;                                    // out of contract; still bounded
  EXPECT_EQ(backoff.Next(), milliseconds(800));
}

TEST(BackoffTest, ResetStartsOverFromInitial) {
  Backoff backoff({.initial = milliseconds(50), .max = milliseconds(400)}, [] { return 0.999999; });
  EXPECT_EQ(backoff.Next(), milliseconds(50));
  EXPECT_EQ(backoff.Next(), milliseconds(100));
  backoff.Reset();
  EXPECT_EQ(backoff.attempts(), 0);
  EXPECT_EQ(backoff.Next(), milliseconds(50));
}

TEST(BackoffTest, ManyAttemptsNeverOverflowTheCap) {
  Backoff backoff({.initial = milliseconds(1), .max = milliseconds(30000)},
                  [] { return 0.999999; });
  for (int i = 0; i < 200; ++i) (void)backoff.Next();
  EXPECT_EQ(backoff.Ceiling(), milliseconds(30000));
  EXPECT_EQ(backoff.Next(), milliseconds(30000));
}

TEST(BackoffTest, RealRandomnessStaysWithinBounds) {
  Backoff backoff({.initial = milliseconds(10), .max = milliseconds(80)});
  for (int i = 0; i < 1000; ++i) {
    const milliseconds ceiling = backoff.Ceiling();
    const milliseconds wait = backoff.Next();
    ASSERT_GE(wait.count(), 0);
    ASSERT_LE(wait, ceiling);
  }
}

TEST(BackoffTest, DegenerateOptionsAreClamped) {
  Backoff backoff({.initial = milliseconds(0), .max = milliseconds(0)}, [] { return 0.999999; });
  EXPECT_EQ(backoff.Ceiling(), milliseconds(1));
  EXPECT_EQ(backoff.Next(), milliseconds(1));
}

}  // namespace
}  // namespace walcast
