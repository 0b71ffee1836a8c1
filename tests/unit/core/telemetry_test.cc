#include "core/telemetry.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/ack_tracker.h"
#include "core/pipeline.h"
#include "core/sink.h"

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

TEST(ProblemRingTest, NewestFirstBoundedAndRepeatsCounted) {
  ProblemRing ring;
  ring.Add(1, "kafka", "retry", "brokers failing");
  ring.Add(2, "kafka", "retry", "brokers failing");
  ring.Add(3, "elasticsearch", "dead_letter", "1 document(s) refused (mapper_parsing_exception)");
  std::vector<Problem> read = ring.Read();
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].sink, "elasticsearch");
  EXPECT_EQ(read[1].repeats, 2u);
  EXPECT_EQ(read[1].unix_ms, 2);  // the repeat's time
  for (int i = 0; i < 50; ++i)
    ring.Add(10 + i, "pipeline", "error", "attempt " + std::to_string(i));
  read = ring.Read();
  ASSERT_EQ(read.size(), ProblemRing::kCapacity);
  EXPECT_EQ(read.front().reason, "attempt 49");
  EXPECT_EQ(read.back().reason, "attempt " + std::to_string(50 - ProblemRing::kCapacity));
}

// A sink's problems reach the ring its pipeline was given, under its name.
TEST(ProblemRingTest, SinksReportThroughThePipeline) {
  class FailingSink : public Sink {
   public:
    const std::string& name() const override { return name_; }
    Status OnBegin(const TransactionInfo&) override { return Status::Ok(); }
    Status OnChange(const TransactionInfo&, const ChangeEvent&) override {
      ReportProblem("dead_letter", "table public.t at 0/10");
      return Status::Ok();
    }
    Status OnCommit(const TransactionInfo&) override { return Status::Ok(); }
    Status Flush(std::chrono::milliseconds) override { return Status::Ok(); }
    Status Close(std::chrono::milliseconds) override { return Status::Ok(); }

   private:
    std::string name_ = "failing";
  };
  AckTracker tracker(Lsn(1));
  ProblemRing ring;
  Pipeline pipeline(&tracker, &ring);
  pipeline.AddSink(std::make_unique<FailingSink>());
  TransactionInfo txn;
  ASSERT_TRUE(pipeline.OnBegin(txn).ok());
  ASSERT_TRUE(pipeline.OnChange(txn, ChangeEvent{}).ok());
  const std::vector<Problem> read = ring.Read();
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].sink, "failing");
  EXPECT_EQ(read[0].kind, "dead_letter");
  EXPECT_GT(read[0].unix_ms, 1'600'000'000'000);
}

}  // namespace
}  // namespace walcast
