// OrderedEventBatches: a transaction's events encoded in batches on several
// threads and consumed in their order, in bounded memory.

#include "core/ordered_event_batches.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace walcast {
namespace {

using namespace std::chrono_literals;

// What the test's work made of a batch: the events' LSNs, and the worker.
struct Seen {
  std::vector<uint64_t> lsns;
  size_t worker = 0;
};
using Batches = OrderedEventBatches<Seen>;

ChangeEvent Row(uint64_t lsn, size_t value_bytes = 4) {
  ChangeEvent e;
  e.op = Op::kRead;
  e.lsn = Lsn(lsn);
  e.after = Tuple{Datum::Text(std::string(value_bytes, 'x'))};
  return e;
}

TransactionInfo Snapshot() {
  TransactionInfo txn;
  txn.snapshot = true;
  txn.commit_lsn = Lsn(0x100);
  return txn;
}

TEST(OrderedEventBatchesTest, ConsumesEveryEventInOrderWhateverWorkerEncodedIt) {
  // Even batches take longer than odd ones, so later batches often finish
  // first; the consumer still sees the events in the order they came.
  std::vector<uint64_t> consumed;
  std::vector<size_t> sizes;
  Batches batches(
      3, Batches::Limits{7, size_t{1} << 20, 4},
      [&](size_t worker, Batches::Batch& batch) {
        if (batch.events.front().lsn.value() / 7 % 2 == 0) {
          for (int i = 0; i < 2000; ++i) std::this_thread::yield();
        }
        for (const ChangeEvent& e : batch.events) batch.encoded.lsns.push_back(e.lsn.value());
        batch.encoded.worker = worker;
      },
      [&](Batches::Batch& batch) {
        EXPECT_TRUE(batch.txn.snapshot);
        sizes.push_back(batch.events.size());
        consumed.insert(consumed.end(), batch.encoded.lsns.begin(), batch.encoded.lsns.end());
        return Status::Ok();
      });
  constexpr uint64_t kRows = 1000;
  for (uint64_t i = 0; i < kRows; ++i) ASSERT_TRUE(batches.Add(Snapshot(), Row(i)).ok());
  ASSERT_TRUE(batches.Drain().ok());
  ASSERT_EQ(consumed.size(), kRows);
  for (uint64_t i = 0; i < kRows; ++i) ASSERT_EQ(consumed[i], i);
  // Batches of 7 events, the last one what was left.
  ASSERT_EQ(sizes.size(), (kRows + 6) / 7);
  for (size_t i = 0; i + 1 < sizes.size(); ++i) EXPECT_EQ(sizes[i], 7u);
  EXPECT_EQ(sizes.back(), kRows % 7);
}

TEST(OrderedEventBatchesTest, ValueBytesCutBatchesBeforeTheEventCount) {
  std::vector<size_t> sizes;
  Batches batches(
      2, Batches::Limits{100, 2500, 4}, [](size_t, Batches::Batch&) {},
      [&](Batches::Batch& batch) {
        sizes.push_back(batch.events.size());
        return Status::Ok();
      });
  // 1000-byte rows: the third one reaches 2500 bytes and closes the batch;
  // a row wider than the limit makes a batch of its own.
  for (uint64_t i = 0; i < 6; ++i) ASSERT_TRUE(batches.Add(Snapshot(), Row(i, 1000)).ok());
  ASSERT_TRUE(batches.Add(Snapshot(), Row(6, 5000)).ok());
  ASSERT_TRUE(batches.Add(Snapshot(), Row(7, 10)).ok());
  ASSERT_TRUE(batches.Drain().ok());
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 3, 1, 1}));
}

TEST(OrderedEventBatchesTest, AFullQueueIsConsumedBeforeAddReturns) {
  // One worker, room for 2 batches of 1 event, encoding held back: the Add
  // that fills the queue waits for the oldest batch and consumes it, so no
  // more than 2 batches are ever in flight.
  std::atomic<bool> release{false};
  std::atomic<int> started{0};
  std::atomic<int> consumed{0};
  Batches batches(
      1, Batches::Limits{1, size_t{1} << 20, 2},
      [&](size_t, Batches::Batch&) {
        started.fetch_add(1);
        while (!release.load()) std::this_thread::yield();
      },
      [&](Batches::Batch& batch) {
        EXPECT_EQ(batch.events.front().lsn.value(), static_cast<uint64_t>(consumed.load()));
        consumed.fetch_add(1);
        return Status::Ok();
      });
  ASSERT_TRUE(batches.Add(Snapshot(), Row(0)).ok());                              // in flight: 1
  std::thread adder([&] { EXPECT_TRUE(batches.Add(Snapshot(), Row(1)).ok()); });  // full
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (started.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_EQ(started.load(), 1);
  EXPECT_EQ(consumed.load(), 0);  // nothing is encoded yet
  release.store(true);
  adder.join();
  // Batch 0 was consumed by the Add that filled the queue.
  EXPECT_GE(consumed.load(), 1);
  ASSERT_TRUE(batches.Drain().ok());
  EXPECT_EQ(consumed.load(), 2);
}

TEST(OrderedEventBatchesTest, ConsumeErrorIsReturnedAndLaterBatchesWait) {
  int calls = 0;
  Batches batches(
      2, Batches::Limits{2, size_t{1} << 20, 8}, [](size_t, Batches::Batch&) {},
      [&](Batches::Batch&) { return ++calls == 2 ? Status::Fatal("write failed") : Status::Ok(); });
  for (uint64_t i = 0; i < 8; ++i) {
    Status s = batches.Add(Snapshot(), Row(i));
    if (!s.ok()) {
      EXPECT_EQ(s.code(), Status::Code::kFatal);
      break;
    }
  }
  if (calls < 2) {
    const Status s = batches.Drain();
    EXPECT_EQ(s.code(), Status::Code::kFatal);
  }
  EXPECT_EQ(calls, 2);  // stopped at the failed batch
}

TEST(OrderedEventBatchesTest, DropForgetsTheInterruptedTransaction) {
  std::atomic<bool> release{false};
  std::vector<uint64_t> consumed;
  Batches batches(
      2, Batches::Limits{2, size_t{1} << 20, 8},
      [&](size_t, Batches::Batch& batch) {
        while (!release.load()) std::this_thread::yield();
        for (const ChangeEvent& e : batch.events) batch.encoded.lsns.push_back(e.lsn.value());
      },
      [&](Batches::Batch& batch) {
        consumed.insert(consumed.end(), batch.encoded.lsns.begin(), batch.encoded.lsns.end());
        return Status::Ok();
      });
  // Two batches in flight (held back) and one row being gathered.
  for (uint64_t i = 0; i < 5; ++i) ASSERT_TRUE(batches.Add(Snapshot(), Row(i)).ok());
  release.store(true);
  batches.Drop();
  EXPECT_TRUE(consumed.empty());
  // The next transaction starts clean.
  for (uint64_t i = 10; i < 13; ++i) ASSERT_TRUE(batches.Add(Snapshot(), Row(i)).ok());
  ASSERT_TRUE(batches.Drain().ok());
  EXPECT_EQ(consumed, (std::vector<uint64_t>{10, 11, 12}));
}

}  // namespace
}  // namespace walcast
