#include "sinks/stdout/stdout_sink.h"

#include <cerrno>
#include <chrono>
#include <cstring>

namespace walcast::sinks {
namespace {

debezium::EncoderOptions WithoutValueSchemas(debezium::EncoderOptions options) {
  options.value_schemas = false;
  return options;
}

}  // namespace

StdoutSink::StdoutSink(debezium::EncoderOptions options, std::FILE* out)
    : encoder_(WithoutValueSchemas(std::move(options))), out_(out) {}

Status StdoutSink::OnBegin(const TransactionInfo& /*txn*/) {
  order_ = debezium::TransactionOrder{};
  return Status::Ok();
}

Status StdoutSink::OnChange(const TransactionInfo& txn, const ChangeEvent& event) {
  records_.clear();
  WALCAST_RETURN_IF_ERROR(encoder_.Encode(txn, event, UnixMicrosNow(), &order_, &records_));
  for (const debezium::EncodedRecord& record : records_) {
    if (!record.value) continue;  // tombstone
    line_.assign(*record.value);
    line_.push_back('\n');
    if (std::fwrite(line_.data(), 1, line_.size(), out_) != line_.size()) {
      return Status::Fatal(std::string("stdout sink: write failed: ") + std::strerror(errno));
    }
    ++events_written_;
  }
  return Status::Ok();
}

Status StdoutSink::OnCommit(const TransactionInfo& txn) {
  encoder_.NoteCommit(txn);
  if (std::fflush(out_) != 0) {
    return Status::Fatal(std::string("stdout sink: flush failed: ") + std::strerror(errno));
  }
  acker().Ack(txn.end_lsn);
  transactions_written_.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

// Lines of an interrupted transaction are already written; the transaction
// is not acknowledged and comes again, as at-least-once delivery allows.
void StdoutSink::OnReset() {}

Status StdoutSink::Flush(std::chrono::milliseconds /*timeout*/) {
  if (std::fflush(out_) != 0) {
    return Status::Fatal(std::string("stdout sink: flush failed: ") + std::strerror(errno));
  }
  return Status::Ok();
}

Status StdoutSink::Close(std::chrono::milliseconds timeout) { return Flush(timeout); }

}  // namespace walcast::sinks
