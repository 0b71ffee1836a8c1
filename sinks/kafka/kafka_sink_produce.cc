// KafkaSink: handing records to librdkafka. Produce is the one path every
// record takes (data, transaction metadata, dead letters, the checkpoint):
//   Produce → EarlierRejection (exactly once) → Enqueue (→ WaitForQueueRoom
//   while the queue is full) → OnProduceError when librdkafka refuses it.
// Dead letters produced from a delivery report on the poll thread cannot
// wait for room (only that thread frees it): they are deferred to the reader
// thread (BeginReaderCall → ProduceDeferred).

#include <librdkafka/rdkafka.h>

#include <algorithm>

#include "core/log.h"
#include "sinks/kafka/dead_letter.h"
#include "sinks/kafka/delivery_errors.h"
#include "sinks/kafka/kafka_sink.h"

namespace walcast::sinks::kafka {

using debezium::EncodedRecord;

namespace {

// The record's headers as librdkafka's, or null without any.
HeadersPtr NewHeaders(const EncodedRecord& record) {
  if (record.headers.empty()) return nullptr;
  HeadersPtr headers(rd_kafka_headers_new(record.headers.size()));
  for (const auto& [name, value] : record.headers) {
    rd_kafka_header_add(headers.get(), name.data(), static_cast<ssize_t>(name.size()),
                        value.data(), static_cast<ssize_t>(value.size()));
  }
  return headers;
}

}  // namespace

std::shared_ptr<KafkaSink::InFlight> KafkaSink::NewInFlight() {
  return std::make_shared<InFlight>();
}

Status KafkaSink::Produce(EncodedRecord record, const std::shared_ptr<InFlight>& txn, Lsn lsn,
                          bool dead_letter) {
  RecordId id{};
  if (exactly_once()) {
    WALCAST_RETURN_IF_ERROR(EnsureKafkaTransaction());
    if (txn && !dead_letter) {
      id = {current_commit_lsn_, record_index_++};
      if (std::optional<Rejection> rejected = EarlierRejection(id)) {
        // The broker refused this record for good on an earlier attempt of
        // this transaction: this time it goes to the dead-letter topic.
        return ProduceDeadLetter(
            RefusedRecordDeadLetter(std::move(record.key), std::move(record.value), record.topic,
                                    rejected->reason, lsn, rejected->too_large),
            record.topic, rejected->reason, txn, lsn);
      }
    }
    ++batch_records_;
    if (txn) ++current_records_;
  }
  auto context = std::make_unique<RecordContext>(user_id_, txn, lsn, dead_letter, id, generation_);
  if (txn) {
    std::lock_guard lock(mu_);
    ++txn->outstanding;
  }
  int refused = RD_KAFKA_RESP_ERR_NO_ERROR;
  WALCAST_RETURN_IF_ERROR(Enqueue(record, std::move(context), txn, lsn, &refused));
  if (refused == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  return OnProduceError(refused, std::move(record), txn, lsn, dead_letter);
}

std::optional<KafkaSink::Rejection> KafkaSink::EarlierRejection(const RecordId& id) {
  std::lock_guard lock(mu_);
  if (auto it = rejected_.find(id); it != rejected_.end()) return it->second;
  return std::nullopt;
}

Status KafkaSink::Enqueue(EncodedRecord& record, std::unique_ptr<RecordContext> context,
                          const std::shared_ptr<InFlight>& txn, Lsn lsn, int* refused) {
  HeadersPtr headers = NewHeaders(record);
  // The value goes to librdkafka without a copy (no RD_KAFKA_MSG_F_COPY):
  // librdkafka reads such a payload until the record's delivery report, and
  // the context, which only that report frees, owns it until then. The key
  // is small and librdkafka copies keys anyway.
  if (record.value) context->value = std::move(*record.value);
  // Gives the value back when the record stays the caller's.
  auto take_back = [&] {
    if (record.value) *record.value = std::move(context->value);
  };
  // A null key or value (tombstone) is a null pointer, not an empty buffer.
  void* key = record.key ? record.key->data() : nullptr;
  const size_t key_len = record.key ? record.key->size() : 0;
  void* value = record.value ? context->value.data() : nullptr;
  const size_t value_len = record.value ? context->value.size() : 0;
  std::chrono::steady_clock::time_point waiting_since{};
  while (true) {
    // A dead letter from a report of the client a Renew is discarding: it
    // goes to the new client, from the reader thread (as below).
    if (producer_->IsRenewingThread()) {
      take_back();
      return Defer(std::move(record), txn, lsn, refused);
    }
    uint64_t served = 0;
    {
      std::lock_guard lock(mu_);
      served = served_;
    }
    rd_kafka_headers_t* h = headers.get();
    const rd_kafka_resp_err_t err = producer_->WithClient([&](rd_kafka_s* rk) {
      if (rk == nullptr) return RD_KAFKA_RESP_ERR__FATAL;  // Renew failed: renew again
      return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(record.topic.c_str()),
                               RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE(value, value_len),
                               RD_KAFKA_V_MSGFLAGS(0), RD_KAFKA_V_HEADERS(h),
                               RD_KAFKA_V_OPAQUE(static_cast<RoutedRecord*>(context.get())),
                               RD_KAFKA_V_END);
    });
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Both are the message's now; its delivery report frees the context.
      (void)headers.release();
      (void)context.release();
      in_flight_records_.fetch_add(1, std::memory_order_relaxed);
      *refused = RD_KAFKA_RESP_ERR_NO_ERROR;
      return Status::Ok();
    }
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      take_back();
      *refused = err;
      return Status::Ok();
    }
    // A dead letter from a delivery report: only served reports free room,
    // and this thread serves them, so waiting here would wait forever.
    if (producer_->IsCallbackThread()) {
      take_back();
      return Defer(std::move(record), txn, lsn, refused);
    }
    // Backpressure: the poll thread drains delivery reports; wait for it.
    WALCAST_RETURN_IF_ERROR(WaitForQueueRoom(served, &waiting_since));
  }
}

Status KafkaSink::Defer(EncodedRecord record, const std::shared_ptr<InFlight>& txn, Lsn lsn,
                        int* refused) {
  // The reader thread produces it (BeginReaderCall); it stays counted in
  // its transaction.
  std::lock_guard lock(mu_);
  deferred_.push_back({std::move(record), txn, lsn, generation_});
  settled_cv_.notify_all();
  *refused = RD_KAFKA_RESP_ERR_NO_ERROR;
  return Status::Ok();
}

Status KafkaSink::WaitForQueueRoom(uint64_t served,
                                   std::chrono::steady_clock::time_point* waiting_since) {
  const auto now = std::chrono::steady_clock::now();
  if (*waiting_since == std::chrono::steady_clock::time_point{}) *waiting_since = now;
  std::unique_lock lock(mu_);
  const bool woken =
      settled_cv_.wait_until(lock, *waiting_since + std::max(options_.queue_full_log_interval,
                                                             std::chrono::milliseconds(5)),
                             [&] { return served_ != served || !failure_.ok(); });
  if (!failure_.ok()) return failure_;
  if (!woken) {
    const auto waited = std::chrono::steady_clock::now() - *waiting_since;
    log::Warn("kafka producer queue full; waiting for deliveries",
              {{"waited_ms",
                std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()}});
    *waiting_since = std::chrono::steady_clock::now();
  }
  return Status::Ok();
}

Status KafkaSink::OnProduceError(int code, EncodedRecord record,
                                 const std::shared_ptr<InFlight>& txn, Lsn lsn,
                                 bool dead_letter) {
  const auto err = static_cast<rd_kafka_resp_err_t>(code);
  if (txn) {
    std::lock_guard lock(mu_);
    --txn->outstanding;
  }
  const std::string reason = std::string(rd_kafka_err2str(err));
  failed_records_.fetch_add(1, std::memory_order_relaxed);
  if (err == RD_KAFKA_RESP_ERR__FATAL || err == RD_KAFKA_RESP_ERR__FENCED ||
      err == RD_KAFKA_RESP_ERR__STATE) {
    // Not about this record: the producer failed (the error callback says
    // why) or its Kafka transaction must be aborted.
    Status failure = FailureStatus();
    if (!failure.ok()) return failure;
    if (err == RD_KAFKA_RESP_ERR__STATE || !exactly_once()) {
      if (err == RD_KAFKA_RESP_ERR__FATAL) {
        std::lock_guard lock(mu_);
        NeedNewProducerLocked();
      }
      return Status::Replay("kafka producer cannot produce: " + reason);
    }
    return Status::Fatal("kafka producer failed: " + reason);
  }
  if (err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
    // The client's metadata lost the topic, typically a restarted broker
    // that has not loaded it yet. Transient, as the same error in a
    // delivery report: a new producer starts with fresh metadata.
    {
      std::lock_guard lock(mu_);
      NeedNewProducerLocked();
    }
    return Status::Replay("kafka: topic '" + record.topic + "' unknown for now: " + reason);
  }
  if (AuthorizationError(err)) {
    // A transactional producer refuses records while its Kafka transaction
    // holds an authorization error: replayed (delivery_errors.h).
    NoteAuthorizationFailure(code, record.topic, MissingOperation(err, 0), reason);
    // librdkafka keeps refusing the topic with the cached error until its
    // metadata is read again; read it now, so the replay after the ACL is
    // back is not refused by the stale state.
    producer_->WithClient([&](rd_kafka_s* client) {
      if (client == nullptr) return;
      const TopicPtr topic(rd_kafka_topic_new(client, record.topic.c_str(), nullptr));
      const rd_kafka_metadata_t* metadata = nullptr;
      if (topic) (void)rd_kafka_metadata(client, 0, topic.get(), &metadata, 5000);
      const MetadataPtr owned(metadata);  // null when the request failed
    });
    return Status::Replay("kafka: not authorized to produce to '" + record.topic + "' at " +
                          lsn.ToString() + ": " + reason);
  }
  if (DeadLettersEnabled() && !dead_letter) {
    return ProduceDeadLetter(RefusedRecordDeadLetter(std::move(record.key),
                                                     std::move(record.value), record.topic,
                                                     reason, lsn, SizeError(err)),
                             record.topic, reason, txn, lsn);
  }
  return Status::Fatal("kafka rejected a record for topic '" + record.topic + "' at " +
                       lsn.ToString() + ": " + reason);
}

Status KafkaSink::ProduceDeadLetter(EncodedRecord record, const std::string& source,
                                    const std::string& reason,
                                    const std::shared_ptr<InFlight>& txn, Lsn lsn) {
  record.topic = options_.dead_letter_topic;
  dead_lettered_.fetch_add(1);
  ReportProblem("dead_letter", source + " at " + lsn.ToString() + ": " + reason);
  // One line per 10 s at most: a flood of bad rows must not flood the log.
  if (int suppressed = 0; dead_letter_log_.Allow(&suppressed)) {
    log::Warn("record sent to the dead-letter topic", {{"topic", source},
                                                       {"lsn", lsn.ToString()},
                                                       {"error", reason},
                                                       {"suppressed", suppressed}});
  }
  return Produce(std::move(record), txn, lsn, /*dead_letter=*/true);
}

Status KafkaSink::BeginReaderCall() {
  std::vector<DeferredDeadLetter> pending;
  {
    std::lock_guard lock(mu_);
    if (!failure_.ok()) return failure_;
    if (deferred_.empty()) return Status::Ok();
    pending.swap(deferred_);
  }
  return ProduceDeferred(std::move(pending));
}

Status KafkaSink::ProduceDeferred(std::vector<DeferredDeadLetter> pending) {
  for (DeferredDeadLetter& d : pending) {
    // Deferred before a rewind: its transaction is replayed anyway.
    if (d.generation != generation_) continue;
    const Status s = Produce(std::move(d.record), d.txn, d.lsn, /*dead_letter=*/true);
    if (!d.txn) {
      WALCAST_RETURN_IF_ERROR(s);
      continue;
    }
    bool ack = false;
    {
      // The count the deferral kept; on success Produce holds its own.
      std::lock_guard lock(mu_);
      --d.txn->outstanding;
      ack = s.ok() && d.txn->committed && d.txn->outstanding == 0 && !d.txn->abandoned;
    }
    WALCAST_RETURN_IF_ERROR(s);
    if (ack) Settle(d.txn);
  }
  return Status::Ok();
}

}  // namespace walcast::sinks::kafka
