#include "sinks/kafka/kafka_sink.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstdlib>

#include "core/log.h"
#include "sinks/kafka/kafka_checkpoint.h"

namespace walcast::sinks::kafka {

using debezium::EncodedRecord;
using debezium::TransactionOrder;
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Delivery errors no retry can fix: the record itself, the topic name or the
// credentials are wrong. Everything else is transient.
bool PermanentDeliveryError(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
      return true;
    default:
      return false;
  }
}

// The record is bigger than the broker or the client accepts: its dead
// letter cannot carry the value either.
bool SizeError(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ||
         err == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ProducerSettings(const KafkaSinkOptions& options) {
  int64_t queue_kbytes = kDefaultQueueMaxKbytes;
  for (const auto& [key, value] : options.producer_config) {
    if (key != "message.max.bytes") continue;
    // librdkafka checks a record against message.max.bytes before it
    // queues it, and a record larger than the whole queue would wait for
    // room forever. A malformed value is librdkafka's to refuse.
    char* end = nullptr;
    const long long max_bytes = std::strtoll(value.c_str(), &end, 10);
    if (end != value.c_str() && *end == '\0' && max_bytes > 0) {
      queue_kbytes = std::max<int64_t>(queue_kbytes, 2 * max_bytes / 1024 + 1);
    }
  }
  std::vector<std::pair<std::string, std::string>> settings = {
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"partitioner", "murmur2_random"},
      {"linger.ms", "5"},
      {"client.id", "walcast"},
      {"queue.buffering.max.messages", std::to_string(kDefaultQueueMaxMessages)},
      {"queue.buffering.max.kbytes", std::to_string(queue_kbytes)},
  };
  if (options.exactly_once.enabled) {
    // A transactional producer's records time out with their transaction
    // (transaction.timeout.ms); a broker outage then aborts and replays.
    settings.emplace_back("transactional.id", options.exactly_once.transactional_id);
  } else {
    settings.emplace_back("message.timeout.ms", "0");
  }
  for (const auto& kv : options.producer_config) {
    auto it = std::find_if(settings.begin(), settings.end(),
                           [&](const auto& d) { return d.first == kv.first; });
    if (it != settings.end()) {
      it->second = kv.second;
    } else {
      settings.push_back(kv);
    }
  }
  return settings;
}

KafkaSink::KafkaSink(KafkaSinkOptions options)
    : options_(std::move(options)), encoder_(options_.encoder) {}

Result<std::unique_ptr<KafkaSink>> KafkaSink::Create(KafkaSinkOptions options) {
  std::unique_ptr<KafkaSink> sink(new KafkaSink(std::move(options)));
  WALCAST_ASSIGN_OR_RETURN(sink->producer_, sink->NewProducer());
  sink->StartPolling();
  if (sink->exactly_once()) WALCAST_RETURN_IF_ERROR(sink->StartTransactions());
  return sink;
}

Result<rd_kafka_s*> KafkaSink::NewProducer() {
  std::unique_ptr<rd_kafka_conf_t, ConfDeleter> conf(rd_kafka_conf_new());
  char errstr[512];
  for (const auto& kv : options_.producer_config) {
    if (kv.first == "transactional.id") {
      return Status::InvalidArgument(
          "config key 'kafka.transactional.id': set exactly.once=true and "
          "exactly.once.transactional.id instead");
    }
  }
  const std::vector<std::pair<std::string, std::string>> settings = ProducerSettings(options_);
  for (const auto& [key, value] : settings) {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr, sizeof(errstr)) !=
        RD_KAFKA_CONF_OK) {
      return Status::InvalidArgument("config key 'kafka." + key + "': " + errstr);
    }
  }
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaSink::DeliveryCallback);
  rd_kafka_conf_set_error_cb(conf.get(), &KafkaSink::ErrorCallback);
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof(errstr));
  if (rk == nullptr) return Status::InvalidArgument(std::string("kafka producer: ") + errstr);
  conf.release();  // owned by rk now
  return rk;
}

void KafkaSink::StartPolling() {
  stop_poll_.store(false);
  poll_thread_ = std::thread([this] { PollLoop(); });
}

void KafkaSink::StopPolling() {
  stop_poll_.store(true);
  if (poll_thread_.joinable()) poll_thread_.join();
}

std::shared_ptr<KafkaSink::InFlight> KafkaSink::NewInFlight() {
  return std::make_shared<InFlight>();
}

Status KafkaSink::StartTransactions() {
  const ExactlyOnceOptions& eos = options_.exactly_once;
  if (eos.transactional_id.empty() || eos.checkpoint_topic.empty() || eos.slot.empty()) {
    return Status::InvalidArgument(
        "exactly.once needs a transactional.id, a checkpoint topic and a slot name");
  }
  transactions_ = std::make_unique<KafkaTransactions>(producer_, eos.transactional_id);
  // Fences every earlier producer with this transactional.id and aborts its
  // open transaction first, so that the checkpoint read next is final: no
  // zombie can commit after it.
  WALCAST_RETURN_IF_ERROR(transactions_->Init(eos.start_timeout));
  WALCAST_RETURN_IF_ERROR(
      EnsureCheckpointTopic(producer_, eos.checkpoint_topic, eos.start_timeout));
  WALCAST_ASSIGN_OR_RETURN(std::optional<KafkaCheckpoint> last,
                           ReadLastCheckpoint(ClientSettings(options_.producer_config),
                                              eos.checkpoint_topic, eos.slot, eos.start_timeout));
  if (!last) {
    log::Info("kafka exactly-once: no checkpoint yet",
              {{"slot", eos.slot}, {"topic", eos.checkpoint_topic}});
    return Status::Ok();
  }
  if (eos.server_wal_lsn.valid() && last->end_lsn > eos.server_wal_lsn) {
    return Status::Fatal("kafka exactly-once: the checkpoint of slot '" + eos.slot + "' in '" +
                         eos.checkpoint_topic + "' is at " + last->end_lsn.ToString() +
                         ", beyond the server's WAL position " + eos.server_wal_lsn.ToString() +
                         "; it was written for another server. Delete it (a null record with "
                         "key '" +
                         eos.slot + "') or set exactly.once.checkpoint.topic");
  }
  committed_lsn_ = last->end_lsn;
  log::Info(
      "kafka exactly-once: resuming after the committed checkpoint",
      {{"slot", eos.slot}, {"lsn", committed_lsn_.ToString()}, {"topic", eos.checkpoint_topic}});
  return Status::Ok();
}

void KafkaSink::OnRewind() {
  if (exactly_once()) {
    // The producer stays (its transactional.id and epoch); only the Kafka
    // transaction holding the lost records goes.
    {
      std::lock_guard lock(mu_);
      ++generation_;  // reports of the aborted records are ignored
      deferred_.clear();
      failure_ = Status::Ok();
    }
    current_.reset();
    skipping_ = false;
    reset_aborted_ = false;
    Status aborted = AbortKafkaTransaction();
    if (!aborted.ok()) {
      // Still open (no answer from the broker): the next call returns
      // kReplay and the reader's next rewind, after its backoff, tries again.
      std::lock_guard lock(mu_);
      failure_ =
          aborted.code() == Status::Code::kFatal ? aborted : Status::Replay(aborted.message());
    }
    return;
  }
  StopPolling();
  {
    std::lock_guard lock(mu_);
    ++generation_;  // deliveries of everything produced so far are ignored
    deferred_.clear();
    unsettled_ = 0;
    failure_ = Status::Ok();
    settled_cv_.notify_all();
  }
  current_.reset();
  DiscardProducer();
  // A new producer: a fresh idempotent producer id and sequence numbers.
  Result<rd_kafka_s*> producer = NewProducer();
  if (!producer.ok()) {
    std::lock_guard lock(mu_);
    failure_ = Status::Fatal(producer.status().message());
    return;
  }
  producer_ = *producer;
  StartPolling();
}

void KafkaSink::DiscardProducer() {
  // Drop what is queued or in flight, so destroy does not block; the purged
  // messages' delivery reports run in flush and free their contexts.
  rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_flush(producer_, 10000);
  rd_kafka_destroy(producer_);
  producer_ = nullptr;
}

KafkaSink::~KafkaSink() {
  (void)Close(std::chrono::milliseconds(0));
}

void KafkaSink::PollLoop() {
  poll_thread_id_.store(std::this_thread::get_id());
  while (!stop_poll_.load()) rd_kafka_poll(producer_, 100);
}

void KafkaSink::DeliveryCallback(rd_kafka_s* /*rk*/, const rd_kafka_message_s* message,
                                 void* opaque) {
  static_cast<KafkaSink*>(opaque)->OnDelivery(message);
}

void KafkaSink::ErrorCallback(rd_kafka_s* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaSink*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char fatal[512];
    const rd_kafka_resp_err_t code = rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
    std::lock_guard lock(self->mu_);
    if (self->failure_.ok()) {
      // The idempotent producer cannot go on (e.g. its sequence numbers were
      // lost with a broker's data): replace it and replay from the
      // watermark. A transactional one was fenced or refused: a new producer
      // would fence the other instance in turn, so stop.
      self->failure_ = self->exactly_once() && self->transactions_
                           ? self->transactions_->FatalStatus(code, fatal)
                           : Status::Replay(std::string("kafka producer failed: ") + fatal);
    }
    self->settled_cv_.notify_all();
    return;
  }
  // Everything else (brokers down, transport errors) librdkafka retries on
  // its own; say so now and then while it lasts.
  const int64_t now = SteadyMs();
  int64_t last = self->last_broker_error_log_ms_.load();
  if (now - last >= self->options_.queue_full_log_interval.count() &&
      self->last_broker_error_log_ms_.compare_exchange_strong(last, now)) {
    log::Warn("kafka unavailable; retrying",
              {{"error", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))},
               {"reason", reason}});
  }
}

Status KafkaSink::FailureStatus() {
  std::lock_guard lock(mu_);
  return failure_;
}

EncodedRecord KafkaSink::DeadLetter(std::optional<std::string> key,
                                    std::optional<std::string> value, const std::string& topic,
                                    const std::string& reason, Lsn lsn, bool too_large) {
  EncodedRecord dlq;
  dlq.key = std::move(key);
  dlq.headers = {{"walcast.error.reason", reason},
                 {"walcast.error.topic", topic},
                 {"walcast.lsn", lsn.ToString()}};
  if (too_large && value) {
    // The value is what was too large; its size says how far off it was.
    dlq.headers.emplace_back("walcast.error.value.bytes", std::to_string(value->size()));
  } else {
    dlq.value = std::move(value);
  }
  return dlq;
}

Status KafkaSink::EnsureKafkaTransaction() {
  if (!exactly_once() || transactions_->open()) return Status::Ok();
  WALCAST_RETURN_IF_ERROR(transactions_->BeginIfNeeded());
  batch_started_ = std::chrono::steady_clock::now();
  batch_records_ = 0;
  return Status::Ok();
}

Status KafkaSink::Produce(EncodedRecord record, const std::shared_ptr<InFlight>& txn, Lsn lsn,
                          bool dead_letter) {
  RecordId id{};
  if (exactly_once()) {
    WALCAST_RETURN_IF_ERROR(EnsureKafkaTransaction());
    if (txn && !dead_letter) {
      id = {current_commit_lsn_, record_index_++};
      std::optional<Rejection> rejected;
      {
        std::lock_guard lock(mu_);
        if (auto it = rejected_.find(id); it != rejected_.end()) rejected = it->second;
      }
      if (rejected) {
        // The broker refused this record for good on an earlier attempt of
        // this transaction: this time it goes to the dead-letter topic.
        return ProduceDeadLetter(
            DeadLetter(std::move(record.key), std::move(record.value), record.topic,
                       rejected->reason, lsn, rejected->too_large),
            record.topic, rejected->reason, txn, lsn);
      }
    }
    ++batch_records_;
    if (txn) ++current_records_;
  }
  auto* context = new RecordContext{txn, lsn, dead_letter, id, generation_};
  std::unique_ptr<rd_kafka_headers_t, HeadersDeleter> headers;
  if (!record.headers.empty()) {
    headers.reset(rd_kafka_headers_new(record.headers.size()));
    for (const auto& [name, value] : record.headers) {
      rd_kafka_header_add(headers.get(), name.data(), static_cast<ssize_t>(name.size()),
                          value.data(), static_cast<ssize_t>(value.size()));
    }
  }
  if (txn) {
    std::lock_guard lock(mu_);
    ++txn->outstanding;
  }
  int64_t waiting_since = 0;
  // A null key or value (tombstone) is a null pointer, not an empty buffer.
  void* key = record.key ? record.key->data() : nullptr;
  const size_t key_len = record.key ? record.key->size() : 0;
  void* value = record.value ? record.value->data() : nullptr;
  const size_t value_len = record.value ? record.value->size() : 0;
  while (true) {
    rd_kafka_headers_t* h = headers.get();
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_, RD_KAFKA_V_TOPIC(record.topic.c_str()), RD_KAFKA_V_KEY(key, key_len),
        RD_KAFKA_V_VALUE(value, value_len),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
        RD_KAFKA_V_OPAQUE(context), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      (void)headers.release();  // owned by the message now
      return Status::Ok();
    }
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL &&
        std::this_thread::get_id() == poll_thread_id_.load()) {
      // A dead letter from a delivery report: only this thread frees room,
      // so waiting here would wait forever. The reader thread produces it;
      // it stays counted in its transaction.
      delete context;
      std::lock_guard lock(mu_);
      deferred_.push_back({std::move(record), txn, lsn, generation_});
      settled_cv_.notify_all();
      return Status::Ok();
    }
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      // Backpressure: the poll thread drains delivery reports; wait.
      const int64_t now = SteadyMs();
      if (waiting_since == 0) waiting_since = now;
      if (now - waiting_since >= options_.queue_full_log_interval.count()) {
        log::Warn("kafka producer queue full; waiting for deliveries",
                  {{"waited_ms", now - waiting_since}});
        waiting_since = now;
      }
      Status failure = FailureStatus();
      if (!failure.ok()) {
        delete context;
        return failure;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    delete context;
    if (txn) {
      std::lock_guard lock(mu_);
      --txn->outstanding;
    }
    const std::string reason = std::string(rd_kafka_err2str(err));
    if (err == RD_KAFKA_RESP_ERR__FATAL || err == RD_KAFKA_RESP_ERR__FENCED ||
        err == RD_KAFKA_RESP_ERR__STATE) {
      // Not about this record: the producer failed (the error callback says
      // why) or its Kafka transaction must be aborted.
      Status failure = FailureStatus();
      if (!failure.ok()) return failure;
      if (err == RD_KAFKA_RESP_ERR__STATE || !exactly_once()) {
        return Status::Replay("kafka producer cannot produce: " + reason);
      }
      return Status::Fatal("kafka producer failed: " + reason);
    }
    if (err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
      // The client's metadata lost the topic, typically a restarted broker
      // that has not loaded it yet. Transient, as the same error in a
      // delivery report: a new producer starts with fresh metadata.
      return Status::Replay("kafka: topic '" + record.topic + "' unknown for now: " + reason);
    }
    if (DeadLettersEnabled() && !dead_letter) {
      return ProduceDeadLetter(DeadLetter(std::move(record.key), std::move(record.value),
                                          record.topic, reason, lsn, SizeError(err)),
                               record.topic, reason, txn, lsn);
    }
    return Status::Fatal("kafka rejected a record for topic '" + record.topic + "' at " +
                         lsn.ToString() + ": " + reason);
  }
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

Status KafkaSink::ProduceDeadLetter(EncodedRecord record, const std::string& source,
                                    const std::string& reason,
                                    const std::shared_ptr<InFlight>& txn, Lsn lsn) {
  record.topic = options_.dead_letter_topic;
  dead_lettered_.fetch_add(1);
  log::Warn("record sent to the dead-letter topic",
            {{"topic", source}, {"lsn", lsn.ToString()}, {"error", reason}});
  return Produce(std::move(record), txn, lsn, /*dead_letter=*/true);
}

void KafkaSink::OnDelivery(const rd_kafka_message_s* message) {
  std::unique_ptr<RecordContext> context(static_cast<RecordContext*>(message->_private));
  {
    std::lock_guard lock(mu_);
    // Produced before a rewind: replayed anyway, so the outcome is moot.
    if (context->generation != generation_) return;
  }
  if (exactly_once()) {
    OnTransactionalDelivery(message, *context);
    return;
  }
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const std::string reason = rd_kafka_err2str(message->err);
    const char* topic = rd_kafka_topic_name(message->rkt);
    if (!context->txn) {
      // A heartbeat: the next interval sends another.
      log::Warn("kafka: heartbeat not delivered", {{"error", reason}});
      return;
    }
    if (!PermanentDeliveryError(message->err)) {
      std::lock_guard lock(mu_);
      if (failure_.ok()) {
        failure_ = Status::Replay("kafka delivery to '" + std::string(topic) + "' failed at " +
                                  context->lsn.ToString() + ": " + reason);
      }
      settled_cv_.notify_all();
      return;  // never acknowledged
    }
    if (DeadLettersEnabled() && !context->dead_letter) {
      std::optional<std::string> key;
      std::optional<std::string> value;
      if (message->key) key.emplace(static_cast<const char*>(message->key), message->key_len);
      if (message->payload) value.emplace(static_cast<const char*>(message->payload), message->len);
      // The dead letter joins the same transaction; this record is settled.
      Status s = ProduceDeadLetter(DeadLetter(std::move(key), std::move(value), topic, reason,
                                              context->lsn, SizeError(message->err)),
                                   topic, reason, context->txn, context->lsn);
      if (!s.ok()) {
        std::lock_guard lock(mu_);
        if (failure_.ok()) failure_ = s;
      }
    } else {
      std::lock_guard lock(mu_);
      if (failure_.ok()) {
        failure_ = Status::Fatal("kafka delivery to '" + std::string(topic) + "' failed at " +
                                 context->lsn.ToString() + ": " + reason);
        log::Error("kafka delivery failed; stopping",
                   {{"topic", topic}, {"lsn", context->lsn.ToString()}, {"error", reason}});
      }
      settled_cv_.notify_all();
      return;  // never acknowledged
    }
  } else {
    delivered_.fetch_add(1);
  }
  if (!context->txn) return;
  bool ack = false;
  {
    std::lock_guard lock(mu_);
    --context->txn->outstanding;
    if (context->txn->committed && context->txn->outstanding == 0 && !context->txn->abandoned) {
      ack = true;
    }
  }
  if (ack) Settle(context->txn);
}

void KafkaSink::OnTransactionalDelivery(const rd_kafka_message_s* message,
                                        const RecordContext& context) {
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    delivered_.fetch_add(1);
    return;
  }
  // Any failed record dooms the open Kafka transaction: librdkafka fails its
  // commit. Record why, so the next reader-thread call says so at once.
  const std::string reason = rd_kafka_err2str(message->err);
  const std::string topic = rd_kafka_topic_name(message->rkt);
  const std::string where =
      "kafka delivery to '" + topic + "' failed at " + context.lsn.ToString() + ": " + reason;
  std::lock_guard lock(mu_);
  const bool permanent = PermanentDeliveryError(message->err);
  // A data record (not a dead letter, heartbeat or checkpoint) refused for
  // good is dead-lettered on the replay, inside the next attempt's
  // transaction. Remembered whatever failed first.
  const bool tolerated = permanent && context.txn && !context.dead_letter && DeadLettersEnabled();
  if (tolerated) rejected_[context.id] = Rejection{topic, reason, SizeError(message->err)};
  if (!failure_.ok()) return;
  if (tolerated || !permanent) {
    failure_ = Status::Replay(where + "; the Kafka transaction is aborted and replayed" +
                              (tolerated ? " with this record in the dead-letter topic" : ""));
  } else {
    failure_ = Status::Fatal(where);
    log::Error("kafka delivery failed; stopping",
               {{"topic", topic}, {"lsn", context.lsn.ToString()}, {"error", reason}});
  }
  settled_cv_.notify_all();
}

void KafkaSink::Settle(const std::shared_ptr<InFlight>& txn) {
  acker().Ack(txn->end_lsn);
  std::lock_guard lock(mu_);
  --unsettled_;
  settled_cv_.notify_all();
}

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
  // A non-transactional logical message (xid 0) has no transaction record.
  if (encoder_.options().provide_transaction_metadata && !txn.snapshot && txn.xid != 0) {
    WALCAST_RETURN_IF_ERROR(Produce(encoder_.TransactionBegin(txn), current_, txn.commit_lsn));
  }
  return Status::Ok();
}

Status KafkaSink::OnChange(const TransactionInfo& txn, const ChangeEvent& event) {
  WALCAST_RETURN_IF_ERROR(BeginReaderCall());
  if (!current_) return Status::Internal("kafka sink: change outside a transaction");
  if (skipping_) return Status::Ok();
  records_.clear();
  Status encoded = encoder_.Encode(txn, event, UnixMicrosNow(), &order_, &records_);
  if (!encoded.ok()) {
    if (!DeadLettersEnabled()) return encoded;
    // A value that cannot be converted: dead-letter the raw event position
    // and the reason; the rest of the transaction goes on.
    EncodedRecord dlq;
    dlq.headers = {{"walcast.error.reason", encoded.message()},
                   {"walcast.lsn", event.lsn.ToString()}};
    std::string table;
    if (event.relation) {
      table = event.relation->schema + "." + event.relation->name;
      dlq.headers.emplace_back("walcast.error.table", table);
    }
    return ProduceDeadLetter(std::move(dlq), table, encoded.message(), current_, event.lsn);
  }
  for (EncodedRecord& record : records_) {
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

Status KafkaSink::OnCommit(const TransactionInfo& txn) {
  WALCAST_RETURN_IF_ERROR(BeginReaderCall());
  if (!current_) current_ = NewInFlight();
  if (skipping_) {
    skipping_ = false;
    current_.reset();
    encoder_.NoteCommit(txn);
    ++skipped_;
    acker().Ack(txn.end_lsn);
    return Status::Ok();
  }
  if (encoder_.options().provide_transaction_metadata && !txn.snapshot && order_.total > 0) {
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
  // Serve delivery reports promptly even when the poll thread sleeps.
  rd_kafka_poll(producer_, 0);
  return Status::Ok();
}

bool KafkaSink::CommitDue(std::chrono::steady_clock::time_point now) const {
  const ExactlyOnceOptions& eos = options_.exactly_once;
  return transactions_->open() &&
         (now - batch_started_ >= eos.commit_interval || batch_records_ >= eos.commit_max_records);
}

Status KafkaSink::CommitKafkaTransaction() {
  if (!transactions_->open()) return Status::Ok();
  const ExactlyOnceOptions& eos = options_.exactly_once;
  if (!batch_.empty()) {
    // The checkpoint commits with the records it vouches for, or not at all.
    EncodedRecord checkpoint;
    checkpoint.topic = eos.checkpoint_topic;
    checkpoint.key = eos.slot;
    checkpoint.value =
        EncodeCheckpoint({eos.slot, batch_.back(), eos.transactional_id, UnixMicrosNow() / 1000});
    WALCAST_RETURN_IF_ERROR(Produce(std::move(checkpoint), nullptr, batch_.back()));
  }
  Status committed = transactions_->Commit(eos.commit_timeout);
  if (!committed.ok()) {
    // Fenced or refused: walcast stops and main reports it.
    if (committed.code() == Status::Code::kFatal) return committed;
    // A failed record explains the failed commit better than the commit.
    const Status failure = FailureStatus();
    const Status aborted = AbortKafkaTransaction();
    if (aborted.code() == Status::Code::kFatal) return aborted;
    if (!failure.ok()) return failure;
    return Status::Replay(committed.message());
  }
  ++kafka_commits_;
  std::vector<Lsn> done;
  done.swap(batch_);
  batch_records_ = 0;
  if (done.empty()) return Status::Ok();
  committed_lsn_ = done.back();
  {
    // Rejections of committed transactions are never needed again.
    std::lock_guard lock(mu_);
    rejected_.erase(rejected_.begin(), rejected_.lower_bound(RecordId{committed_lsn_, 0}));
  }
  for (const Lsn end_lsn : done) acker().Ack(end_lsn);
  return Status::Ok();
}

Status KafkaSink::AbortKafkaTransaction() {
  batch_.clear();
  batch_records_ = 0;
  return transactions_->Abort(options_.exactly_once.start_timeout);
}

void KafkaSink::OnReset() {
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
  auto* context = new RecordContext{nullptr, Lsn(), false, {}, generation_};
  const rd_kafka_resp_err_t err = rd_kafka_producev(
      producer_, RD_KAFKA_V_TOPIC(record.topic.c_str()), RD_KAFKA_V_PARTITION(0),
      RD_KAFKA_V_KEY(record.key->data(), record.key->size()),
      RD_KAFKA_V_VALUE(record.value->data(), record.value->size()),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(context), RD_KAFKA_V_END);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    delete context;
    return Status::Unavailable(std::string("heartbeat: ") + rd_kafka_err2str(err));
  }
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
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  rd_kafka_flush(producer_, static_cast<int>(timeout.count()));
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
  StopPolling();
  if (producer_ != nullptr) {
    {
      // What is purged now is neither dead-lettered nor acknowledged.
      std::lock_guard lock(mu_);
      options_.tolerate_errors = false;
      if (failure_.ok()) failure_ = Status::Fatal("kafka sink closed");
    }
    DiscardProducer();
  }
  return flushed;
}

}  // namespace walcast::sinks::kafka
