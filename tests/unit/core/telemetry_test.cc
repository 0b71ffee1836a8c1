#include "core/telemetry.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "core/ack_tracker.h"

namespace walcast {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(LatencyHistogramTest, BucketsAreCumulativeAndEndWithTheCount) {
  LatencyHistogram h;
  h.Observe(microseconds(500));   // <= 1 ms
  h.Observe(milliseconds(3));     // <= 5 ms
  h.Observe(milliseconds(3));     // <= 5 ms
  h.Observe(std::chrono::minutes(5));  // above every bound: +Inf only
  const LatencyHistogram::Reading r = h.Read();
  ASSERT_EQ(r.cumulative.size(), LatencyHistogram::kBounds.size() + 1);
  EXPECT_EQ(r.cumulative[0], 1u);  // le 0.001
  EXPECT_EQ(r.cumulative[1], 1u);  // le 0.0025
  EXPECT_EQ(r.cumulative[2], 3u);  // le 0.005
  EXPECT_EQ(r.cumulative[LatencyHistogram::kBounds.size() - 1], 3u);  // le 60
  EXPECT_EQ(r.cumulative.back(), 4u);                                 // +Inf
  EXPECT_EQ(r.count, 4u);
  EXPECT_NEAR(r.sum_seconds, 0.0005 + 0.006 + 300, 1e-9);
}

TEST(LatencyHistogramTest, ABoundIsInclusive) {
  LatencyHistogram h;
  h.Observe(milliseconds(10));
  EXPECT_EQ(h.Read().cumulative[3], 1u);  // le 0.01
  EXPECT_EQ(h.Read().cumulative[2], 0u);  // le 0.005
}

TEST(EventCountersTest, CountsPerTableAndOperation) {
  EventCounters c;
  c.CountEvent(16384, "idrepo", "anonymous_profile", 'c');
  c.CountEvent(16384, "idrepo", "anonymous_profile", 'c');
  c.CountEvent(16384, "idrepo", "anonymous_profile", 'u');
  c.CountEvent(16390, "regprc", "anonymous_profile", 'd');
  c.CountEvent(0, "", "", 'm');
  c.CountTransaction();
  const auto events = c.events();
  EXPECT_EQ(events.at({"idrepo.anonymous_profile", 'c'}), 2u);
  EXPECT_EQ(events.at({"idrepo.anonymous_profile", 'u'}), 1u);
  EXPECT_EQ(events.at({"regprc.anonymous_profile", 'd'}), 1u);
  EXPECT_EQ(events.at({"", 'm'}), 1u);
  EXPECT_EQ(events.size(), 4u);
  EXPECT_EQ(c.total_events(), 5u);
  EXPECT_EQ(c.transactions(), 1u);
}

TEST(EventCountersTest, ARenamedTableKeepsCountingUnderItsOid) {
  EventCounters c;
  c.CountEvent(7, "s", "old_name", 'c');
  c.CountEvent(7, "s", "new_name", 'c');
  EXPECT_EQ(c.events().at({"s.old_name", 'c'}), 2u);
}

TEST(EventCountersTest, ReadsWhileCountingSeeConsistentTotals) {
  EventCounters c;
  std::thread writer([&] {
    for (int i = 0; i < 20000; ++i) c.CountEvent(1 + i % 3, "s", "t" + std::to_string(i % 3), 'c');
  });
  uint64_t last = 0;
  for (int i = 0; i < 200; ++i) {
    uint64_t sum = 0;
    for (const auto& [key, n] : c.events()) sum += n;
    EXPECT_GE(sum, last);
    last = sum;
  }
  writer.join();
  uint64_t sum = 0;
  for (const auto& [key, n] : c.events()) sum += n;
  EXPECT_EQ(sum, 20000u);
}

TEST(AckTrackerTelemetryTest, LatencyIsObservedWhenTheLastSinkAcks) {
  AckTracker tracker(Lsn(100));
  const int a = tracker.RegisterSink("a");
  const int b = tracker.RegisterSink("b");
  ASSERT_TRUE(tracker.Track(Lsn(200), 1'700'000'000'000'000));
  ASSERT_TRUE(tracker.Track(Lsn(300), 1'700'000'001'000'000));
  EXPECT_EQ(tracker.oldest_pending_commit_time_us(), 1'700'000'000'000'000);
  tracker.Ack(a, Lsn(200));
  EXPECT_EQ(tracker.ack_latency().Read().count, 0u);  // b has not acked
  std::this_thread::sleep_for(milliseconds(2));
  tracker.Ack(b, Lsn(200));
  const LatencyHistogram::Reading r = tracker.ack_latency().Read();
  EXPECT_EQ(r.count, 1u);
  EXPECT_GE(r.sum_seconds, 0.002);
  EXPECT_EQ(tracker.oldest_pending_commit_time_us(), 1'700'000'001'000'000);
  tracker.AckThrough(a, Lsn(300));
  tracker.AckThrough(b, Lsn(300));
  EXPECT_EQ(tracker.ack_latency().Read().count, 2u);
  EXPECT_EQ(tracker.oldest_pending_commit_time_us(), 0);
}

}  // namespace
}  // namespace walcast
