#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <atomic>

#include "core/sink.h"
#include "debezium/encoder.h"

namespace walcast::sinks {

// Writes one JSON object per change per line: the value Debezium would put
// in Kafka, with value schemas off (the encoder's value_schemas is forced
// to false; tombstones are not written). A transaction is acknowledged once
// its lines are written and the stream is flushed. Reader thread only.
// Borrows `out`, which must outlive the sink.
class StdoutSink : public Sink {
 public:
  StdoutSink(debezium::EncoderOptions options, std::FILE* out);

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
  std::string name_ = "stdout";
  debezium::DebeziumEncoder encoder_;
  std::FILE* out_;
  std::vector<debezium::EncodedRecord> records_;
  debezium::TransactionOrder order_;
  std::string line_;
  uint64_t events_written_ = 0;
  std::atomic<uint64_t> transactions_written_{0};
};

}  // namespace walcast::sinks
