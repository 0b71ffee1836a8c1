#pragma once

#include <cstdio>
#include <string>

#include "core/sink.h"
#include "rapidjson/stringbuffer.h"

namespace walcast::sinks {

struct StdoutSinkOptions {
  std::string topic_prefix = "walcast";  // source.name
  std::string database;                  // source.db
  // Written for unchanged TOAST values, as Debezium's unavailable.value.placeholder.
  std::string unavailable_placeholder = "__debezium_unavailable_value";
};

// Writes one JSON object per change per line, shaped like Debezium's value
// envelope with schemas off: {"before","after","source","op","ts_ms"}. A
// transaction is acknowledged once its lines are written and the stream is
// flushed. Reader thread only. Borrows `out`, which must outlive the sink.
class StdoutSink : public Sink {
 public:
  StdoutSink(StdoutSinkOptions options, std::FILE* out);

  const std::string& name() const override { return name_; }
  Status OnBegin(const TransactionInfo& txn) override;
  Status OnChange(const TransactionInfo& txn, const ChangeEvent& event) override;
  Status OnCommit(const TransactionInfo& txn) override;
  void OnReset() override;
  Status Flush(std::chrono::milliseconds timeout) override;
  Status Close(std::chrono::milliseconds timeout) override;

  uint64_t events_written() const { return events_written_; }

 private:
  Status WriteBuffer();

  std::string name_ = "stdout";
  StdoutSinkOptions options_;
  std::FILE* out_;
  rapidjson::StringBuffer buffer_;
  uint64_t events_written_ = 0;
};

}  // namespace walcast::sinks
