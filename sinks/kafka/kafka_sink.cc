// KafkaSink: the Sink interface, called on the reader thread. The other
// parts of the sink: kafka_sink_producer.cc (the producer's lifecycle),
// kafka_sink_produce.cc (records into librdkafka, backpressure, dead
// letters), kafka_sink_delivery.cc (delivery reports) and
// kafka_sink_exactly_once.cc (Kafka transactions and the checkpoint).

#include "sinks/kafka/kafka_sink.h"

#include <librdkafka/rdkafka.h>

#include "core/log.h"
#include "sinks/kafka/dead_letter.h"

namespace walcast::sinks::kafka {

using debezium::EncodedRecord;
using debezium::TransactionOrder;

KafkaSink::KafkaSink(KafkaSinkOptions options)
    : options_(std::move(options)), encoder_(options_.encoder) {
  if (options_.snapshot_threads <= 1) return;
  for (int t = 0; t < options_.snapshot_threads; ++t) {
    worker_encoders_.push_back(encoder_.ForAnotherThread());
  }
  batches_ = std::make_unique<Batches>(
      worker_encoders_.size(), Batches::Limits{kBatchEvents, kBatchBytes, kMaxBatchesInFlight},
      [this](size_t worker, Batches::Batch& batch) { EncodeBatch(worker, batch); },
      [this](Batches::Batch& batch) { return ProduceBatch(batch); });
}

Result<std::unique_ptr<KafkaSink>> KafkaSink::Create(KafkaSinkOptions options) {
  std::unique_ptr<KafkaSink> sink(new KafkaSink(std::move(options)));
  WALCAST_RETURN_IF_ERROR(sink->AttachProducer());
  if (sink->exactly_once()) WALCAST_RETURN_IF_ERROR(sink->StartTransactions());
  return sink;
}

KafkaSink::~KafkaSink() { (void)Close(std::chrono::milliseconds(0)); }

Status KafkaSink::OnBegin(const TransactionInfo& txn) {
  WALCAST_RETURN_IF_ERROR(BeginReaderCall());
  current_ = NewInFlight();
  order_ = TransactionOrder{};
  if (exactly_once()) {
    current_commit_lsn_ = txn.commit_lsn;
    record_index_ = 0;
    current_records_ = 0;
    // Already in Kafka when the checkpoint covers its end. The end LSN is
    // known at begin only for the snapshot; for the others the commit LSN
    // is below the checkpoint exactly when the end is at or below it, as the
    // next transaction's commit record starts at or after this one's end.
    skipping_ = committed_lsn_.valid() && (txn.end_lsn.valid() ? txn.end_lsn <= committed_lsn_
                                                               : txn.commit_lsn < committed_lsn_);
    if (skipping_) {
      if (skipped_ == 0) {
        log::Info("kafka exactly-once: skipping transactions the checkpoint shows in Kafka",
                  {{"lsn", txn.commit_lsn.ToString()}, {"checkpoint", committed_lsn_.ToString()}});
      }
      return Status::Ok();
    }
  }
  if (WritesTransactionMarkers(txn)) {
    WALCAST_RETURN_IF_ERROR(Produce(encoder_.TransactionBegin(txn), current_, txn.commit_lsn));
  }
  return Status::Ok();
}

Status KafkaSink::OnChange(const TransactionInfo& txn, const ChangeEvent& event) {
  WALCAST_RETURN_IF_ERROR(BeginReaderCall());
  if (!current_) return Status::Internal("kafka sink: change outside a transaction");
  if (skipping_) return Status::Ok();
  if (batches_ && txn.snapshot) return batches_->Add(txn, event);
  records_.clear();
  const Status encoded = encoder_.Encode(txn, event, UnixMicrosNow(), &order_, &records_);
  return ProduceChange(txn, event, encoded, records_);
}

Status KafkaSink::ProduceChange(const TransactionInfo& txn, const ChangeEvent& event,
                                const Status& encoded, std::span<EncodedRecord> records) {
  if (!encoded.ok()) {
    if (!DeadLettersEnabled()) return encoded;
    // A value that cannot be converted: dead-letter the raw event position
    // and the reason; the rest of the transaction goes on.
    return ProduceDeadLetter(UnencodableEventDeadLetter(event, encoded.message()), TableOf(event),
                             encoded.message(), current_, event.lsn);
  }
  for (EncodedRecord& record : records) {
    WALCAST_RETURN_IF_ERROR(Produce(std::move(record), current_, event.lsn));
  }
  // The snapshot is one transaction of any size: commit it in pieces, without
  // a checkpoint. A crash before it completes takes it again from scratch
  // anyway (docs/design.md, "Initial snapshot").
  if (exactly_once() && txn.snapshot && CommitDue(std::chrono::steady_clock::now())) {
    WALCAST_RETURN_IF_ERROR(CommitKafkaTransaction());
  }
  return Status::Ok();
}

// Runs on worker thread `worker`, which alone uses worker_encoders_[worker].
// A snapshot transaction has no transaction block, so no TransactionOrder.
void KafkaSink::EncodeBatch(size_t worker, Batches::Batch& batch) {
  debezium::DebeziumEncoder& encoder = *worker_encoders_[worker];
  EncodedRows& out = batch.encoded;
  out.ends.reserve(batch.events.size());
  for (size_t i = 0; i < batch.events.size(); ++i) {
    const size_t start = out.records.size();
    Status s = encoder.Encode(batch.txn, batch.events[i], UnixMicrosNow(), nullptr, &out.records);
    if (!s.ok()) {
      out.records.resize(start);  // what the failed row left half done
      out.failures.emplace_back(i, std::move(s));
    }
    out.ends.push_back(out.records.size());
  }
}

Status KafkaSink::ProduceBatch(Batches::Batch& batch) {
  EncodedRows& rows = batch.encoded;
  auto failure = rows.failures.begin();
  size_t start = 0;
  for (size_t i = 0; i < batch.events.size(); ++i) {
    const bool failed = failure != rows.failures.end() && failure->first == i;
    const Status& encoded = failed ? failure->second : Status::Ok();
    WALCAST_RETURN_IF_ERROR(
        ProduceChange(batch.txn, batch.events[i], encoded,
                      std::span<EncodedRecord>(rows.records).subspan(start, rows.ends[i] - start)));
    if (failed) ++failure;
    start = rows.ends[i];
  }
  return Status::Ok();
}

Status KafkaSink::OnCommit(const TransactionInfo& txn) {
  WALCAST_RETURN_IF_ERROR(BeginReaderCall());
  if (batches_) {
    // The snapshot's last rows, still being encoded, go out before it commits.
    WALCAST_RETURN_IF_ERROR(batches_->Drain());
    for (auto& encoder : worker_encoders_) encoder->NoteCommit(txn);
  }
  if (!current_) current_ = NewInFlight();
  if (skipping_) {
    skipping_ = false;
    current_.reset();
    encoder_.NoteCommit(txn);
    ++skipped_;
    acker().Ack(txn.end_lsn);
    return Status::Ok();
  }
  // Every BEGIN gets its END, with event_count 0 when no change of the
  // transaction became a record, as Debezium writes it.
  if (WritesTransactionMarkers(txn)) {
    WALCAST_RETURN_IF_ERROR(Produce(encoder_.TransactionEnd(txn, order_), current_, txn.end_lsn));
  }
  encoder_.NoteCommit(txn);
  std::shared_ptr<InFlight> in_flight = std::move(current_);
  current_.reset();
  if (exactly_once()) {
    if (current_records_ == 0) {
      // Nothing of it went to Kafka (e.g. only skipped operations).
      acker().Ack(txn.end_lsn);
    } else {
      batch_.push_back(txn.end_lsn);
    }
    if (CommitDue(std::chrono::steady_clock::now())) return CommitKafkaTransaction();
    return Status::Ok();
  }
  bool ack = false;
  {
    std::lock_guard lock(mu_);
    in_flight->end_lsn = txn.end_lsn;
    in_flight->committed = true;
    ++unsettled_;
    ack = in_flight->outstanding == 0;
  }
  if (ack) Settle(in_flight);
  return Status::Ok();
}

void KafkaSink::OnReset() {
  if (batches_) batches_->Drop();  // rows of the interrupted transaction
  if (!current_) return;
  if (exactly_once() && current_records_ > 0) {
    // Part of a transaction that will come again whole is in the open Kafka
    // transaction, which cannot drop it: abort it, with the batch before it,
    // and replay from the watermark (the reader resumes after the last
    // tracked transaction, so the next call asks for the rewind).
    (void)AbortKafkaTransaction();  // if it fails, OnRewind tries again
    reset_aborted_ = true;
    std::lock_guard lock(mu_);
    if (failure_.ok()) {
      failure_ = Status::Replay(
          "kafka: the stream broke inside a transaction; its Kafka transaction was aborted");
    }
  }
  skipping_ = false;
  std::lock_guard lock(mu_);
  current_->abandoned = true;
  current_.reset();
}

Status KafkaSink::OnTick(std::chrono::steady_clock::time_point now) {
  // A failed delivery surfaces here too when no new event arrives.
  WALCAST_RETURN_IF_ERROR(BeginReaderCall());
  // Between transactions, a batch that has waited long enough is committed.
  if (exactly_once() && !current_ && CommitDue(now)) {
    WALCAST_RETURN_IF_ERROR(CommitKafkaTransaction());
  }
  if (options_.heartbeat_interval.count() <= 0 || now < next_heartbeat_) return Status::Ok();
  next_heartbeat_ = now + options_.heartbeat_interval;
  Status s = ProduceHeartbeat();
  if (s.IsUnavailable()) {
    // A full queue or a broker that is away: the next interval tries again.
    log::Warn("kafka: heartbeat not sent", {{"error", s.message()}});
    return Status::Ok();
  }
  return s;
}

Status KafkaSink::ProduceHeartbeat() {
  WALCAST_RETURN_IF_ERROR(FailureStatus());
  // Exactly once: a transactional producer writes nothing outside a
  // transaction; the heartbeat commits with the next batch.
  WALCAST_RETURN_IF_ERROR(EnsureKafkaTransaction());
  if (exactly_once()) ++batch_records_;
  EncodedRecord record = encoder_.Heartbeat(UnixMicrosNow() / 1000);
  // Debezium pins heartbeats to partition 0.
  auto context =
      std::make_unique<RecordContext>(user_id_, nullptr, Lsn(), false, RecordId{}, generation_);
  const rd_kafka_resp_err_t err = producer_->WithClient([&](rd_kafka_s* rk) {
    if (rk == nullptr) return RD_KAFKA_RESP_ERR__FATAL;  // Renew failed: renew again
    return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(record.topic.c_str()), RD_KAFKA_V_PARTITION(0),
                             RD_KAFKA_V_KEY(record.key->data(), record.key->size()),
                             RD_KAFKA_V_VALUE(record.value->data(), record.value->size()),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_OPAQUE(static_cast<RoutedRecord*>(context.get())),
                             RD_KAFKA_V_END);
  });
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable(std::string("heartbeat: ") + rd_kafka_err2str(err));
  }
  (void)context.release();  // its delivery report frees it
  return Status::Ok();
}

Status KafkaSink::Flush(std::chrono::milliseconds timeout) {
  if (exactly_once()) {
    if (reset_aborted_) {
      // Not lost: the reader replays them from the watermark.
      return Status::Unavailable(
          "kafka: the Kafka transaction was aborted with a transaction the stream broke in; "
          "its transactions are replayed");
    }
    WALCAST_RETURN_IF_ERROR(FailureStatus());
    // Inside a transaction only the snapshot may commit part of it.
    if (current_) return Status::Timeout("kafka: a transaction is still open");
    return CommitKafkaTransaction();
  }
  // Waits for this sink's records only (a shared producer holds other
  // pipelines' records too); the poll thread serves their reports, and
  // linger.ms sends them anyway.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mu_);
  while (true) {
    settled_cv_.wait_until(lock, deadline,
                           [&] { return unsettled_ == 0 || !failure_.ok() || !deferred_.empty(); });
    if (deferred_.empty() || !failure_.ok() || std::chrono::steady_clock::now() >= deadline) break;
    lock.unlock();
    WALCAST_RETURN_IF_ERROR(BeginReaderCall());
    lock.lock();
  }
  if (!failure_.ok()) return failure_;
  if (unsettled_ != 0) {
    return Status::Timeout("kafka: " + std::to_string(unsettled_) +
                           " transaction(s) not yet delivered");
  }
  return Status::Ok();
}

Status KafkaSink::Close(std::chrono::milliseconds timeout) {
  if (closed_) return Status::Ok();
  closed_ = true;
  Status flushed = timeout.count() > 0 ? Flush(timeout) : Status::Ok();
  if (producer_ != nullptr && transactions_ && transactions_->open()) {
    // An open Kafka transaction would hold read_committed consumers back
    // until the broker times it out.
    (void)transactions_->Abort(std::chrono::seconds(5));
  }
  if (producer_ != nullptr) {
    {
      // What is left now is neither dead-lettered nor acknowledged.
      std::lock_guard lock(mu_);
      options_.tolerate_errors = false;
      if (failure_.ok()) failure_ = Status::Fatal("kafka sink closed");
    }
    DetachProducer();
  }
  return flushed;
}

}  // namespace walcast::sinks::kafka
