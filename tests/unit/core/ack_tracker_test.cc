#include "core/ack_tracker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <numeric>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace walcast {

// Lets GoogleTest print an Lsn as "X/X" in failure messages (found by ADL).
static void PrintTo(const Lsn& lsn, std::ostream* os) { *os << lsn.ToString(); }

namespace {

constexpr Lsn kStart(1000);

TEST(AckTrackerTest, StartsAtStartLsn) {
  const AckTracker tracker(kStart);
  EXPECT_EQ(tracker.watermark(), kStart);
  EXPECT_EQ(tracker.last_tracked(), kStart);
  EXPECT_EQ(tracker.pending(), 0u);
  EXPECT_TRUE(tracker.sink_names().empty());
}

TEST(AckTrackerTest, RegisterSinkReturnsSequentialIds) {
  AckTracker tracker(kStart);
  EXPECT_EQ(tracker.RegisterSink("kafka"), 0);
  EXPECT_EQ(tracker.RegisterSink("elasticsearch"), 1);
  EXPECT_EQ(tracker.RegisterSink("metrics"), 2);
  EXPECT_EQ(tracker.sink_names(), (std::vector<std::string>{"kafka", "elasticsearch", "metrics"}));
}

TEST(AckTrackerTest, SingleSinkAckMovesWatermark) {
  AckTracker tracker(kStart);
  const int sink = tracker.RegisterSink("kafka");
  ASSERT_TRUE(tracker.Track(Lsn(1100)));
  EXPECT_EQ(tracker.pending(), 1u);
  EXPECT_EQ(tracker.watermark(), kStart);
  EXPECT_EQ(tracker.last_tracked(), Lsn(1100));

  tracker.Ack(sink, Lsn(1100));
  EXPECT_EQ(tracker.watermark(), Lsn(1100));
  EXPECT_EQ(tracker.pending(), 0u);
}

TEST(AckTrackerTest, WatermarkWaitsForSlowestSink) {
  AckTracker tracker(kStart);
  const int kafka = tracker.RegisterSink("kafka");
  const int es = tracker.RegisterSink("elasticsearch");
  const int metrics = tracker.RegisterSink("metrics");
  for (const uint64_t l : {1100, 1200, 1300}) ASSERT_TRUE(tracker.Track(Lsn(l)));

  // Two fast sinks finish everything; the slow one has acked nothing.
  for (const uint64_t l : {1100, 1200, 1300}) {
    tracker.Ack(kafka, Lsn(l));
    tracker.Ack(es, Lsn(l));
  }
  EXPECT_EQ(tracker.watermark(), kStart);
  EXPECT_EQ(tracker.pending(), 3u);

  tracker.Ack(metrics, Lsn(1100));
  EXPECT_EQ(tracker.watermark(), Lsn(1100));
  tracker.Ack(metrics, Lsn(1200));
  EXPECT_EQ(tracker.watermark(), Lsn(1200));
  EXPECT_EQ(tracker.pending(), 1u);
  tracker.Ack(metrics, Lsn(1300));
  EXPECT_EQ(tracker.watermark(), Lsn(1300));
  EXPECT_EQ(tracker.pending(), 0u);
}

TEST(AckTrackerTest, OutOfOrderAcksMoveOnlyOverContiguousPrefix) {
  AckTracker tracker(kStart);
  const int a = tracker.RegisterSink("a");
  const int b = tracker.RegisterSink("b");
  const Lsn tx1(1100), tx2(1200), tx3(1300), tx4(1400), tx5(1500);
  for (const Lsn l : {tx1, tx2, tx3, tx4, tx5}) ASSERT_TRUE(tracker.Track(l));

  // tx3 fully acked first: nothing before it is, so the watermark stays.
  tracker.Ack(a, tx3);
  tracker.Ack(b, tx3);
  EXPECT_EQ(tracker.watermark(), kStart);
  EXPECT_EQ(tracker.pending(), 5u);

  // tx1 acked by one sink only: still not complete.
  tracker.Ack(b, tx1);
  EXPECT_EQ(tracker.watermark(), kStart);

  // tx5 acked by both, tx2 by one.
  tracker.Ack(b, tx5);
  tracker.Ack(a, tx5);
  tracker.Ack(a, tx2);
  EXPECT_EQ(tracker.watermark(), kStart);

  // Completing tx1 moves to tx1 only: tx2 still lacks sink b.
  tracker.Ack(a, tx1);
  EXPECT_EQ(tracker.watermark(), tx1);
  EXPECT_EQ(tracker.pending(), 4u);

  // Completing tx2 jumps over the already complete tx3, stopping before tx4.
  tracker.Ack(b, tx2);
  EXPECT_EQ(tracker.watermark(), tx3);
  EXPECT_EQ(tracker.pending(), 2u);

  // tx4 closes the gap; tx5 was already complete.
  tracker.Ack(b, tx4);
  EXPECT_EQ(tracker.watermark(), tx3);
  tracker.Ack(a, tx4);
  EXPECT_EQ(tracker.watermark(), tx5);
  EXPECT_EQ(tracker.pending(), 0u);
}

TEST(AckTrackerTest, DuplicateAcksFromOneSinkDoNotCountForAnother) {
  AckTracker tracker(kStart);
  const int a = tracker.RegisterSink("a");
  const int b = tracker.RegisterSink("b");
  ASSERT_TRUE(tracker.Track(Lsn(1100)));
  tracker.Ack(a, Lsn(1100));
  tracker.Ack(a, Lsn(1100));
  tracker.AckThrough(a, Lsn(1100));
  EXPECT_EQ(tracker.watermark(), kStart);
  tracker.Ack(b, Lsn(1100));
  EXPECT_EQ(tracker.watermark(), Lsn(1100));
}

TEST(AckTrackerTest, AckThroughAcksEveryEarlierTransaction) {
  AckTracker tracker(kStart);
  const int a = tracker.RegisterSink("a");
  const int b = tracker.RegisterSink("b");
  for (const uint64_t l : {1100, 1200, 1300, 1400}) ASSERT_TRUE(tracker.Track(Lsn(l)));

  tracker.AckThrough(a, Lsn(1400));
  EXPECT_EQ(tracker.watermark(), kStart);

  // An LSN between two transactions covers those at or below it.
  tracker.AckThrough(b, Lsn(1250));
  EXPECT_EQ(tracker.watermark(), Lsn(1200));
  EXPECT_EQ(tracker.pending(), 2u);

  // Exactly on a transaction's end LSN includes it.
  tracker.AckThrough(b, Lsn(1300));
  EXPECT_EQ(tracker.watermark(), Lsn(1300));

  // Mixing with a single ack.
  tracker.Ack(b, Lsn(1400));
  EXPECT_EQ(tracker.watermark(), Lsn(1400));
  EXPECT_EQ(tracker.pending(), 0u);
}

TEST(AckTrackerTest, AckThroughBelowEverythingChangesNothing) {
  AckTracker tracker(kStart);
  const int a = tracker.RegisterSink("a");
  ASSERT_TRUE(tracker.Track(Lsn(1100)));
  tracker.AckThrough(a, Lsn(1099));
  tracker.AckThrough(a, Lsn(5));
  EXPECT_EQ(tracker.watermark(), kStart);
  EXPECT_EQ(tracker.pending(), 1u);
}

TEST(AckTrackerTest, AckThroughDoesNotCoverLaterTrackedTransactions) {
  AckTracker tracker(kStart);
  const int a = tracker.RegisterSink("a");
  ASSERT_TRUE(tracker.Track(Lsn(1100)));
  tracker.AckThrough(a, Lsn(5000));
  EXPECT_EQ(tracker.watermark(), Lsn(1100));

  // A transaction tracked after the AckThrough needs its own ack, even
  // though its LSN is below the earlier AckThrough bound.
  ASSERT_TRUE(tracker.Track(Lsn(1200)));
  EXPECT_EQ(tracker.watermark(), Lsn(1100));
  EXPECT_EQ(tracker.pending(), 1u);
  tracker.Ack(a, Lsn(1200));
  EXPECT_EQ(tracker.watermark(), Lsn(1200));
}

TEST(AckTrackerTest, AckForUnknownLsnIsIgnored) {
  AckTracker tracker(kStart);
  const int a = tracker.RegisterSink("a");
  for (const uint64_t l : {1100, 1200}) ASSERT_TRUE(tracker.Track(Lsn(l)));

  tracker.Ack(a, Lsn(1150));  // between two tracked transactions
  tracker.Ack(a, Lsn(500));   // below the start
  tracker.Ack(a, kStart);     // the start itself was never tracked
  tracker.Ack(a, Lsn(9000));  // beyond everything tracked
  EXPECT_EQ(tracker.watermark(), kStart);
  EXPECT_EQ(tracker.pending(), 2u);
  EXPECT_EQ(tracker.last_tracked(), Lsn(1200));

  tracker.Ack(a, Lsn(1100));
  EXPECT_EQ(tracker.watermark(), Lsn(1100));
}

TEST(AckTrackerTest, AckBeforeTrackIsNotRemembered) {
  AckTracker tracker(kStart);
  const int a = tracker.RegisterSink("a");
  tracker.Ack(a, Lsn(1100));
  ASSERT_TRUE(tracker.Track(Lsn(1100)));
  EXPECT_EQ(tracker.watermark(), kStart);
  EXPECT_EQ(tracker.pending(), 1u);
}

TEST(AckTrackerTest, AckAfterWatermarkPassedIsIgnored) {
  AckTracker tracker(kStart);
  const int a = tracker.RegisterSink("a");
  const int b = tracker.RegisterSink("b");
  for (const uint64_t l : {1100, 1200}) ASSERT_TRUE(tracker.Track(Lsn(l)));
  tracker.Ack(a, Lsn(1100));
  tracker.Ack(b, Lsn(1100));
  ASSERT_EQ(tracker.watermark(), Lsn(1100));

  // Late duplicates of a completed transaction change nothing.
  tracker.Ack(a, Lsn(1100));
  tracker.AckThrough(b, Lsn(1100));
  EXPECT_EQ(tracker.watermark(), Lsn(1100));
  EXPECT_EQ(tracker.pending(), 1u);
}

TEST(AckTrackerTest, TrackRejectsNonIncreasingLsns) {
  AckTracker tracker(kStart);
  tracker.RegisterSink("a");
  EXPECT_FALSE(tracker.Track(kStart));    // equal to the start
  EXPECT_FALSE(tracker.Track(Lsn(999)));  // below the start
  EXPECT_TRUE(tracker.Track(Lsn(1100)));
  EXPECT_FALSE(tracker.Track(Lsn(1100)));  // replay of the same end LSN
  EXPECT_FALSE(tracker.Track(Lsn(1050)));  // going backwards
  EXPECT_TRUE(tracker.Track(Lsn(1101)));
  EXPECT_EQ(tracker.pending(), 2u);
  EXPECT_EQ(tracker.last_tracked(), Lsn(1101));
  EXPECT_EQ(tracker.watermark(), kStart);
}

TEST(AckTrackerTest, TrackRejectsLsnsAfterTheyCompleted) {
  AckTracker tracker(kStart);
  const int a = tracker.RegisterSink("a");
  ASSERT_TRUE(tracker.Track(Lsn(1100)));
  tracker.Ack(a, Lsn(1100));
  ASSERT_EQ(tracker.pending(), 0u);
  EXPECT_FALSE(tracker.Track(Lsn(1100)));
  EXPECT_FALSE(tracker.Track(Lsn(1001)));
  EXPECT_EQ(tracker.pending(), 0u);
}

TEST(AckTrackerTest, AdvanceIdleOnlyWhenNothingPending) {
  AckTracker tracker(kStart);
  const int a = tracker.RegisterSink("a");
  ASSERT_TRUE(tracker.Track(Lsn(1100)));
  EXPECT_FALSE(tracker.AdvanceIdle(Lsn(5000)));
  EXPECT_EQ(tracker.watermark(), kStart);

  tracker.Ack(a, Lsn(1100));
  ASSERT_EQ(tracker.pending(), 0u);
  EXPECT_TRUE(tracker.AdvanceIdle(Lsn(5000)));
  EXPECT_EQ(tracker.watermark(), Lsn(5000));
  EXPECT_EQ(tracker.last_tracked(), Lsn(5000));

  // Anything at or below the idle position is already confirmed.
  EXPECT_FALSE(tracker.Track(Lsn(4000)));
  EXPECT_FALSE(tracker.Track(Lsn(5000)));
  EXPECT_TRUE(tracker.Track(Lsn(5100)));
  EXPECT_FALSE(tracker.AdvanceIdle(Lsn(6000)));
  tracker.Ack(a, Lsn(5100));
  EXPECT_EQ(tracker.watermark(), Lsn(5100));
}

TEST(AckTrackerTest, AdvanceIdleOnlyMovesForward) {
  AckTracker tracker(kStart);
  tracker.RegisterSink("a");
  EXPECT_FALSE(tracker.AdvanceIdle(Lsn(500)));
  EXPECT_FALSE(tracker.AdvanceIdle(kStart));
  EXPECT_EQ(tracker.watermark(), kStart);

  EXPECT_TRUE(tracker.AdvanceIdle(Lsn(2000)));
  EXPECT_FALSE(tracker.AdvanceIdle(Lsn(1500)));
  EXPECT_FALSE(tracker.AdvanceIdle(Lsn(2000)));
  EXPECT_EQ(tracker.watermark(), Lsn(2000));
  EXPECT_TRUE(tracker.AdvanceIdle(Lsn(2001)));
  EXPECT_EQ(tracker.watermark(), Lsn(2001));
}

TEST(AckTrackerTest, WithZeroSinksWatermarkFollowsTrack) {
  AckTracker tracker(kStart);
  ASSERT_TRUE(tracker.Track(Lsn(1100)));
  EXPECT_EQ(tracker.watermark(), Lsn(1100));
  EXPECT_EQ(tracker.pending(), 0u);
  ASSERT_TRUE(tracker.Track(Lsn(1200)));
  EXPECT_EQ(tracker.watermark(), Lsn(1200));
  EXPECT_FALSE(tracker.Track(Lsn(1150)));
  EXPECT_EQ(tracker.watermark(), Lsn(1200));
  EXPECT_TRUE(tracker.AdvanceIdle(Lsn(1300)));
  EXPECT_EQ(tracker.watermark(), Lsn(1300));
}

TEST(AckTrackerTest, WatermarkNeverBelowStart) {
  AckTracker tracker(kStart);
  const int a = tracker.RegisterSink("a");
  EXPECT_FALSE(tracker.Track(Lsn(10)));
  tracker.Ack(a, Lsn(10));
  tracker.AckThrough(a, Lsn(10));
  EXPECT_FALSE(tracker.AdvanceIdle(Lsn(10)));
  EXPECT_EQ(tracker.watermark(), kStart);

  // Also for a tracker with no sinks.
  AckTracker no_sinks(kStart);
  EXPECT_FALSE(no_sinks.Track(Lsn(10)));
  EXPECT_EQ(no_sinks.watermark(), kStart);
}

TEST(AckTrackerTest, SixtyFourSinksAllMustAck) {
  AckTracker tracker(kStart);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(tracker.RegisterSink("s" + std::to_string(i)), i);
  ASSERT_TRUE(tracker.Track(Lsn(1100)));
  for (int i = 0; i < 63; ++i) tracker.Ack(i, Lsn(1100));
  EXPECT_EQ(tracker.watermark(), kStart);
  tracker.Ack(63, Lsn(1100));
  EXPECT_EQ(tracker.watermark(), Lsn(1100));
}

TEST(AckTrackerTest, RegisterSinkAfterCompletedTransactionsIsAllowed) {
  AckTracker tracker(kStart);
  ASSERT_TRUE(tracker.Track(Lsn(1100)));  // no sinks: completes at once
  const int a = tracker.RegisterSink("a");
  ASSERT_TRUE(tracker.Track(Lsn(1200)));
  EXPECT_EQ(tracker.watermark(), Lsn(1100));
  tracker.Ack(a, Lsn(1200));
  EXPECT_EQ(tracker.watermark(), Lsn(1200));
}

TEST(AckTrackerDeathTest, RegisterSinkWithTransactionsPendingIsABug) {
  AckTracker tracker(kStart);
  tracker.RegisterSink("a");
  ASSERT_TRUE(tracker.Track(Lsn(1100)));
  EXPECT_DEATH(tracker.RegisterSink("late"), "");
}

TEST(AckTrackerDeathTest, SixtyFifthSinkIsABug) {
  AckTracker tracker(kStart);
  for (int i = 0; i < 64; ++i) tracker.RegisterSink("s" + std::to_string(i));
  EXPECT_DEATH(tracker.RegisterSink("s64"), "");
}

// ---------------------------------------------------------------------------
// Concurrency. Transaction i ends at LsnOf(i). Before a sink acks a
// transaction it sets its record; an observer then checks that every
// transaction at or below any watermark it reads has a record from every
// sink, and that the watermark never goes backwards.

constexpr uint64_t kStep = 16;

Lsn LsnOf(size_t i) { return Lsn(kStart.value() + (i + 1) * kStep); }

// Number of transactions at or below `w`.
size_t CountThrough(Lsn w) { return static_cast<size_t>((w.value() - kStart.value()) / kStep); }

class AckRecords {
 public:
  AckRecords(int sinks, size_t txns) : txns_(txns) {
    for (int s = 0; s < sinks; ++s) {
      records_.push_back(std::make_unique<std::atomic<bool>[]>(txns));
    }
  }

  void Set(int sink, size_t i) { records_[sink][i].store(true, std::memory_order_release); }

  bool AckedByAll(size_t i) const {
    return std::all_of(records_.begin(), records_.end(),
                       [i](const auto& r) { return r[i].load(std::memory_order_acquire); });
  }

  size_t txns() const { return txns_; }

 private:
  size_t txns_;
  std::vector<std::unique_ptr<std::atomic<bool>[]>> records_;
};

// Reads the watermark until `done`, checking both invariants. Counts
// violations instead of asserting in the loop, so a bug reports once.
struct ObserverResult {
  size_t reads = 0;
  size_t went_backwards = 0;
  size_t passed_unacked = 0;
  size_t out_of_range = 0;
};

void Observe(const AckTracker& tracker, const AckRecords& records, const std::atomic<bool>& done,
             ObserverResult* result) {
  Lsn previous = kStart;
  size_t verified = 0;  // transactions [0, verified) were checked
  auto check = [&](Lsn w) {
    ++result->reads;
    if (w < previous) ++result->went_backwards;
    previous = std::max(previous, w);
    if (w < kStart || (w.value() - kStart.value()) % kStep != 0) {
      ++result->out_of_range;
      return;
    }
    const size_t through = std::min(CountThrough(w), records.txns());
    for (; verified < through; ++verified) {
      if (!records.AckedByAll(verified)) ++result->passed_unacked;
    }
  };
  while (!done.load(std::memory_order_acquire)) check(tracker.watermark());
  check(tracker.watermark());
}

TEST(AckTrackerTest, ConcurrentAcksFromManyThreadsKeepInvariants) {
  constexpr size_t kTxns = 10000;
  constexpr int kSinks = 3;
  constexpr int kThreadsPerSink = 2;

  AckTracker tracker(kStart);
  for (int s = 0; s < kSinks; ++s) tracker.RegisterSink("sink" + std::to_string(s));
  for (size_t i = 0; i < kTxns; ++i) ASSERT_TRUE(tracker.Track(LsnOf(i)));

  AckRecords records(kSinks, kTxns);
  std::atomic<bool> done{false};
  ObserverResult observed;
  std::thread observer(Observe, std::cref(tracker), std::cref(records), std::cref(done), &observed);

  std::vector<std::thread> ackers;
  for (int s = 0; s < kSinks; ++s) {
    // Each sink acks every transaction in its own random order, split
    // between two threads.
    std::vector<size_t> order(kTxns);
    std::iota(order.begin(), order.end(), size_t{0});
    std::shuffle(order.begin(), order.end(), std::mt19937(1234 + s));
    for (int t = 0; t < kThreadsPerSink; ++t) {
      ackers.emplace_back([&tracker, &records, order, s, t] {
        for (size_t k = static_cast<size_t>(t); k < order.size(); k += kThreadsPerSink) {
          records.Set(s, order[k]);
          tracker.Ack(s, LsnOf(order[k]));
        }
      });
    }
  }
  for (auto& t : ackers) t.join();
  done.store(true, std::memory_order_release);
  observer.join();

  EXPECT_EQ(tracker.watermark(), LsnOf(kTxns - 1));
  EXPECT_EQ(tracker.pending(), 0u);
  EXPECT_GT(observed.reads, 0u);
  EXPECT_EQ(observed.went_backwards, 0u);
  EXPECT_EQ(observed.passed_unacked, 0u);
  EXPECT_EQ(observed.out_of_range, 0u);
}

TEST(AckTrackerTest, ConcurrentTrackAndAckKeepInvariants) {
  constexpr size_t kTxns = 10000;
  constexpr int kSinks = 3;

  AckTracker tracker(kStart);
  for (int s = 0; s < kSinks; ++s) tracker.RegisterSink("sink" + std::to_string(s));

  AckRecords records(kSinks, kTxns);
  std::atomic<size_t> tracked{0};
  std::atomic<bool> track_failed{false};
  std::atomic<bool> done{false};
  ObserverResult observed;
  std::thread observer(Observe, std::cref(tracker), std::cref(records), std::cref(done), &observed);

  // The reader thread tracks in order, as Pipeline::OnCommit does.
  std::thread reader([&] {
    for (size_t i = 0; i < kTxns; ++i) {
      if (!tracker.Track(LsnOf(i))) {
        track_failed.store(true);
        return;
      }
      tracked.store(i + 1, std::memory_order_release);
    }
  });

  // Each sink acks whatever has been tracked so far, shuffled within each
  // batch it picks up. The last sink acknowledges cumulatively with
  // AckThrough, like a sink with in-order delivery.
  std::vector<std::thread> sinks;
  for (int s = 0; s < kSinks; ++s) {
    sinks.emplace_back([&tracker, &records, &tracked, &track_failed, s] {
      std::mt19937 rng(99 + s);
      size_t next = 0;
      std::vector<size_t> batch;
      while (next < kTxns && !track_failed.load()) {
        const size_t available = tracked.load(std::memory_order_acquire);
        if (available == next) {
          std::this_thread::yield();
          continue;
        }
        if (s == kSinks - 1) {
          for (size_t i = next; i < available; ++i) records.Set(s, i);
          tracker.AckThrough(s, LsnOf(available - 1));
        } else {
          batch.resize(available - next);
          std::iota(batch.begin(), batch.end(), next);
          std::shuffle(batch.begin(), batch.end(), rng);
          for (const size_t i : batch) {
            records.Set(s, i);
            tracker.Ack(s, LsnOf(i));
          }
        }
        next = available;
      }
    });
  }
  reader.join();
  for (auto& t : sinks) t.join();
  done.store(true, std::memory_order_release);
  observer.join();

  ASSERT_FALSE(track_failed.load());
  ASSERT_EQ(tracked.load(), kTxns);
  EXPECT_EQ(tracker.watermark(), LsnOf(kTxns - 1));
  EXPECT_EQ(tracker.pending(), 0u);
  EXPECT_EQ(observed.went_backwards, 0u);
  EXPECT_EQ(observed.passed_unacked, 0u);
  EXPECT_EQ(observed.out_of_range, 0u);
}

// ---------------------------------------------------------------------------
// Property test: random operations against a plain reference model.

class ModelTracker {
 public:
  ModelTracker(Lsn start, int sinks) : start_(start), last_tracked_(start), acked_(sinks) {}

  bool Track(Lsn l) {
    if (l <= last_tracked_) return false;
    tracked_.push_back(l);
    last_tracked_ = l;
    return true;
  }

  void Ack(int sink, Lsn l) {
    if (std::binary_search(tracked_.begin(), tracked_.end(), l)) acked_[sink].insert(l);
  }

  void AckThrough(int sink, Lsn l) {
    for (const Lsn t : tracked_) {
      if (t <= l) acked_[sink].insert(t);
    }
  }

  bool AdvanceIdle(Lsn l) {
    if (pending() != 0 || l <= watermark()) return false;
    idle_ = std::max(idle_, l);
    last_tracked_ = std::max(last_tracked_, l);
    return true;
  }

  // Highest of: the start, the idle position, and the last transaction of
  // the longest prefix every sink has acknowledged.
  Lsn watermark() const {
    Lsn w = std::max(start_, idle_);
    const size_t done = CompletePrefix();
    if (done > 0) w = std::max(w, tracked_[done - 1]);
    return w;
  }

  size_t pending() const { return tracked_.size() - CompletePrefix(); }
  Lsn last_tracked() const { return last_tracked_; }
  const std::vector<Lsn>& tracked() const { return tracked_; }

 private:
  size_t CompletePrefix() const {
    size_t n = 0;
    while (n < tracked_.size() &&
           std::all_of(acked_.begin(), acked_.end(),
                       [&](const std::set<Lsn>& s) { return s.count(tracked_[n]) > 0; })) {
      ++n;
    }
    return n;
  }

  Lsn start_;
  Lsn idle_;
  Lsn last_tracked_;
  std::vector<Lsn> tracked_;
  std::vector<std::set<Lsn>> acked_;
};

TEST(AckTrackerTest, MatchesReferenceModelUnderRandomOperations) {
  constexpr int kSeeds = 300;
  constexpr int kOpsPerSeed = 300;
  for (int seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    std::mt19937 rng(seed);
    auto uniform = [&rng](int64_t lo, int64_t hi) {
      return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
    };
    auto near = [&](Lsn base, int64_t lo, int64_t hi) {
      return Lsn(static_cast<uint64_t>(
          std::max<int64_t>(0, static_cast<int64_t>(base.value()) + uniform(lo, hi))));
    };

    const Lsn start(static_cast<uint64_t>(uniform(0, 20)));
    const int sinks = static_cast<int>(uniform(0, 4));
    AckTracker tracker(start);
    ModelTracker model(start, sinks);
    for (int s = 0; s < sinks; ++s) ASSERT_EQ(tracker.RegisterSink("s" + std::to_string(s)), s);

    for (int op = 0; op < kOpsPerSeed; ++op) {
      const int64_t kind = uniform(0, 99);
      if (kind < 30) {
        // Mostly increasing, sometimes a replay or a step backwards.
        const Lsn l = near(model.last_tracked(), -2, 4);
        ASSERT_EQ(tracker.Track(l), model.Track(l)) << "op=" << op << " Track " << l.value();
      } else if (kind < 75 && sinks > 0) {
        const int s = static_cast<int>(uniform(0, sinks - 1));
        Lsn l;
        const auto& tracked = model.tracked();
        if (!tracked.empty() && uniform(0, 3) != 0) {
          // A recent transaction, so acks land on pending ones.
          const size_t back = static_cast<size_t>(
              uniform(0, std::min<int64_t>(8, static_cast<int64_t>(tracked.size()) - 1)));
          l = tracked[tracked.size() - 1 - back];
        } else {
          l = near(model.last_tracked(), -10, 3);  // often unknown
        }
        tracker.Ack(s, l);
        model.Ack(s, l);
      } else if (kind < 88 && sinks > 0) {
        const int s = static_cast<int>(uniform(0, sinks - 1));
        const Lsn l = near(model.watermark(), -2, 10);
        tracker.AckThrough(s, l);
        model.AckThrough(s, l);
      } else {
        const Lsn l = near(model.watermark(), -3, 6);
        ASSERT_EQ(tracker.AdvanceIdle(l), model.AdvanceIdle(l))
            << "op=" << op << " AdvanceIdle " << l.value();
      }
      ASSERT_EQ(tracker.watermark(), model.watermark()) << "op=" << op;
      ASSERT_EQ(tracker.pending(), model.pending()) << "op=" << op;
      ASSERT_EQ(tracker.last_tracked(), model.last_tracked()) << "op=" << op;
      ASSERT_GE(tracker.watermark(), start) << "op=" << op;
    }
  }
}

}  // namespace
}  // namespace walcast
