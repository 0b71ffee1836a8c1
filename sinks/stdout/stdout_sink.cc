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

// Appends one line per record that has a value (tombstones are not
// written); counts them in *lines.
void AppendLines(const std::vector<debezium::EncodedRecord>& records, std::string* out,
                 uint64_t* lines) {
  for (const debezium::EncodedRecord& record : records) {
    if (!record.value) continue;  // tombstone
    out->append(*record.value);
    out->push_back('\n');
    ++*lines;
  }
}

}  // namespace

StdoutSink::StdoutSink(debezium::EncoderOptions options, std::FILE* out, int snapshot_threads)
    : encoder_(WithoutValueSchemas(options)), out_(out) {
  if (snapshot_threads <= 1) return;
  for (int t = 0; t < snapshot_threads; ++t)
    worker_encoders_.push_back(encoder_.ForAnotherThread());
  batches_ = std::make_unique<Batches>(
      worker_encoders_.size(), Batches::Limits{kBatchEvents, kBatchBytes, kMaxBatchesInFlight},
      [this](size_t worker, Batches::Batch& batch) { EncodeBatch(worker, batch); },
      [this](Batches::Batch& batch) { return WriteBatch(batch); });
}

Status StdoutSink::OnBegin(const TransactionInfo& /*txn*/) {
  order_ = debezium::TransactionOrder{};
  return Status::Ok();
}

Status StdoutSink::OnChange(const TransactionInfo& txn, const ChangeEvent& event) {
  if (batches_ && txn.snapshot) return batches_->Add(txn, event);
  records_.clear();
  WALCAST_RETURN_IF_ERROR(encoder_.Encode(txn, event, UnixMicrosNow(), &order_, &records_));
  line_.clear();
  AppendLines(records_, &line_, &events_written_);
  return Write(line_);
}

// Runs on worker thread `worker`, which alone uses worker_encoders_[worker].
// A snapshot transaction has no transaction block, so no TransactionOrder.
void StdoutSink::EncodeBatch(size_t worker, Batches::Batch& batch) {
  debezium::DebeziumEncoder& encoder = *worker_encoders_[worker];
  std::vector<debezium::EncodedRecord> records;
  for (const ChangeEvent& event : batch.events) {
    records.clear();
    batch.encoded.status = encoder.Encode(batch.txn, event, UnixMicrosNow(), nullptr, &records);
    if (!batch.encoded.status.ok()) return;
    AppendLines(records, &batch.encoded.text, &batch.encoded.count);
  }
}

Status StdoutSink::WriteBatch(Batches::Batch& batch) {
  WALCAST_RETURN_IF_ERROR(batch.encoded.status);
  events_written_ += batch.encoded.count;
  return Write(batch.encoded.text);
}

Status StdoutSink::Write(const std::string& data) {
  if (std::fwrite(data.data(), 1, data.size(), out_) != data.size()) {
    return Status::Fatal(std::string("stdout sink: write failed: ") + std::strerror(errno));
  }
  return Status::Ok();
}

Status StdoutSink::OnCommit(const TransactionInfo& txn) {
  if (batches_) {
    WALCAST_RETURN_IF_ERROR(batches_->Drain());
    for (auto& encoder : worker_encoders_) encoder->NoteCommit(txn);
  }
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
// Its rows still being encoded are dropped.
void StdoutSink::OnReset() {
  if (batches_) batches_->Drop();
}

Status StdoutSink::Flush(std::chrono::milliseconds /*timeout*/) {
  if (std::fflush(out_) != 0) {
    return Status::Fatal(std::string("stdout sink: flush failed: ") + std::strerror(errno));
  }
  return Status::Ok();
}

Status StdoutSink::Close(std::chrono::milliseconds timeout) { return Flush(timeout); }

}  // namespace walcast::sinks
