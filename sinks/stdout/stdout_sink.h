#pragma once

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/ordered_event_batches.h"
#include "core/sink.h"
#include "debezium/encoder.h"

namespace walcast::sinks {

// Writes one JSON object per change per line: the value Debezium would put
// in Kafka, with value schemas off (the encoder's value_schemas is forced
// to false; tombstones are not written). A transaction is acknowledged once
// its lines are written and the stream is flushed. Reader thread only.
// Borrows `out`, which must outlive the sink.
//
// With snapshot_threads > 1 (snapshot.max.threads), the rows of a snapshot
// transaction are encoded on that many threads of the sink's own, each
// with its own encoder, in batches (OrderedEventBatches), and written in
// the order they came; a snapshot's lines are the same as with one thread.
// Memory: at most kMaxBatchesInFlight batches of kBatchEvents rows or
// kBatchBytes of values (whichever comes first; a single wider row makes
// its own batch), and their lines.
// Streamed transactions are encoded on the reader thread.
class StdoutSink : public Sink {
 public:
  static constexpr size_t kBatchEvents = 128;
  static constexpr size_t kBatchBytes = size_t{256} * 1024;
  static constexpr size_t kMaxBatchesInFlight = 16;

  StdoutSink(debezium::EncoderOptions options, std::FILE* out, int snapshot_threads = 1);

  const std::string& name() const override { return name_; }
  Status OnBegin(const TransactionInfo& txn) override;
  Status OnChange(const TransactionInfo& txn, const ChangeEvent& event) override;
  Status OnCommit(const TransactionInfo& txn) override;
  void OnReset() override;
  Status Flush(std::chrono::milliseconds timeout) override;
  Status Close(std::chrono::milliseconds timeout) override;

  uint64_t events_written() const { return events_written_; }
  // Transactions written and acknowledged (from any thread).
  SinkCounters counters() const override {
    SinkCounters c;
    c.reported = SinkCounters::kAcked;  // written synchronously: nothing in flight or queued
    c.acked = transactions_written_.load(std::memory_order_relaxed);
    return c;
  }

 private:
  // What a worker thread made of a batch of snapshot rows.
  struct Lines {
    std::string text;
    uint64_t count = 0;
    Status status;
  };
  using Batches = OrderedEventBatches<Lines>;
  void EncodeBatch(size_t worker, Batches::Batch& batch);
  // Writes an encoded batch (reader thread, in order).
  Status WriteBatch(Batches::Batch& batch);
  Status Write(const std::string& data);

  std::string name_ = "stdout";
  debezium::DebeziumEncoder encoder_;
  std::FILE* out_;
  std::vector<debezium::EncodedRecord> records_;
  debezium::TransactionOrder order_;
  std::string line_;
  uint64_t events_written_ = 0;
  std::atomic<uint64_t> transactions_written_{0};
  // Snapshot encoding threads (snapshot_threads > 1): one encoder each.
  std::vector<std::unique_ptr<debezium::DebeziumEncoder>> worker_encoders_;
  std::unique_ptr<Batches> batches_;
};

}  // namespace walcast::sinks
