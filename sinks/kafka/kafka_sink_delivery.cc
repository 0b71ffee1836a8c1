// KafkaSink: delivery reports and librdkafka's error callback. They run on
// the poll thread (or inside a reader-thread rd_kafka_poll or flush), so they
// only record what happened: acknowledgements go to the AckTracker, failures
// to failure_ for the next reader-thread call. Nothing here may throw, block
// on the queue (see Enqueue) or destroy the producer.

#include <librdkafka/rdkafka.h>

#include <algorithm>

#include "core/log.h"
#include "sinks/kafka/dead_letter.h"
#include "sinks/kafka/delivery_errors.h"
#include "sinks/kafka/kafka_sink.h"

namespace walcast::sinks::kafka {

namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// "kafka delivery to '<topic>' failed at <lsn>: <reason>"
std::string DeliveryFailure(const std::string& topic, Lsn lsn, const std::string& reason) {
  return "kafka delivery to '" + topic + "' failed at " + lsn.ToString() + ": " + reason;
}

}  // namespace

void KafkaSink::OnProducerError(rd_kafka_s* rk, int err, const char* reason) {
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char fatal[512];
    const rd_kafka_resp_err_t code = rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
    // The idempotent producer cannot go on (e.g. its sequence numbers were
    // lost with a broker's data): replace it and replay from the watermark.
    // A transactional one was fenced or refused: a new producer would fence
    // the other instance in turn, so stop.
    if (!exactly_once()) {
      std::lock_guard lock(mu_);
      NeedNewProducerLocked();
    }
    (void)RecordFailure(exactly_once() && transactions_
                            ? transactions_->FatalStatus(code, fatal)
                            : Status::Replay(std::string("kafka producer failed: ") + fatal));
    return;
  }
  const int64_t now = SteadyMs();
  if (AuthorizationError(static_cast<rd_kafka_resp_err_t>(err))) {
    // Wrong credentials (or a missing ACL on a request not tied to a
    // record): librdkafka keeps trying, and so does walcast; the operator
    // must fix it, so say it once as an error.
    last_broker_error_ms_.store(now);
    NoteAuthorizationFailure(static_cast<rd_kafka_resp_err_t>(err), "", "", reason);
    return;
  }
  // Everything else (brokers down, transport errors) librdkafka retries on
  // its own; say so now and then while it lasts.
  last_broker_error_ms_.store(now);
  int64_t last = last_broker_error_log_ms_.load();
  if (now - last >= options_.queue_full_log_interval.count() &&
      last_broker_error_log_ms_.compare_exchange_strong(last, now)) {
    const char* name = rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err));
    log::Warn("kafka unavailable; retrying", {{"error", name}, {"reason", reason}});
    ReportProblem("retry", std::string("brokers failing (librdkafka retrying): ") + name);
  }
}

void KafkaSink::OnDelivery(const rd_kafka_message_s* message) {
  // The opaque is the record's RoutedRecord (SharedProducer routed it here).
  const std::unique_ptr<RecordContext> context(
      static_cast<RecordContext*>(static_cast<RoutedRecord*>(message->_private)));
  in_flight_records_.fetch_sub(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(mu_);
    // Produced before a rewind: replayed anyway, so the outcome is moot.
    if (context->generation != generation_) return;
  }
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    failed_records_.fetch_add(1, std::memory_order_relaxed);
  }
  if (exactly_once()) {
    OnTransactionalDelivery(message, *context);
    return;
  }
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (!OnDeliveryFailure(message, *context)) return;  // never acknowledged
  } else {
    NoteDelivered();
  }
  if (context->txn) SettleRecord(context->txn);
}

bool KafkaSink::OnDeliveryFailure(const rd_kafka_message_s* message,
                                  const RecordContext& context) {
  const std::string reason = rd_kafka_err2str(message->err);
  const std::string topic = rd_kafka_topic_name(message->rkt);
  if (!context.txn) {
    // A heartbeat: the next interval sends another.
    log::Warn("kafka: heartbeat not delivered", {{"error", reason}});
    return false;
  }
  if (AuthorizationError(message->err)) {
    // Replayed after the reader's backoff until the ACL allows it: never a
    // dead letter, never a stop, and the watermark stays before the record.
    const char* operation = MissingOperation(message->err, message->partition);
    NoteAuthorizationFailure(message->err, topic, operation, reason);
    (void)RecordFailure(Status::Replay(DeliveryFailure(topic, context.lsn, reason) + " (" +
                                       rd_kafka_err2name(message->err) + " on '" + topic +
                                       "': " + operation + ")"));
    return false;
  }
  if (!PermanentDeliveryError(message->err)) {
    if (message->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
        message->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      // Fresh metadata takes a new producer (as in OnProduceError).
      std::lock_guard lock(mu_);
      NeedNewProducerLocked();
    }
    retried_records_.fetch_add(1, std::memory_order_relaxed);
    if (RecordFailure(Status::Replay(DeliveryFailure(topic, context.lsn, reason)))) {
      ReportProblem("retry",
                    DeliveryFailure(topic, context.lsn, reason) + "; replayed from the watermark");
    }
    return false;
  }
  if (!DeadLettersEnabled() || context.dead_letter) {
    if (RecordFailure(Status::Fatal(DeliveryFailure(topic, context.lsn, reason)))) {
      ReportProblem("error", DeliveryFailure(topic, context.lsn, reason));
      log::Error("kafka delivery failed; stopping",
                 {{"topic", topic}, {"lsn", context.lsn.ToString()}, {"error", reason}});
    }
    return false;
  }
  std::optional<std::string> key;
  std::optional<std::string> value;
  if (message->key) key.emplace(static_cast<const char*>(message->key), message->key_len);
  if (message->payload) value.emplace(static_cast<const char*>(message->payload), message->len);
  // The dead letter joins the same transaction; this record is settled.
  Status s = ProduceDeadLetter(RefusedRecordDeadLetter(std::move(key), std::move(value), topic,
                                                       reason, context.lsn,
                                                       SizeError(message->err)),
                               topic, reason, context.txn, context.lsn);
  if (!s.ok()) (void)RecordFailure(std::move(s));
  return true;
}

void KafkaSink::OnTransactionalDelivery(const rd_kafka_message_s* message,
                                        const RecordContext& context) {
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    NoteDelivered();
    return;
  }
  // Any failed record dooms the open Kafka transaction: librdkafka fails its
  // commit. Record why, so the next reader-thread call says so at once.
  const std::string reason = rd_kafka_err2str(message->err);
  const std::string topic = rd_kafka_topic_name(message->rkt);
  const std::string where = DeliveryFailure(topic, context.lsn, reason);
  if (AuthorizationError(message->err)) {
    NoteAuthorizationFailure(message->err, topic,
                             MissingOperation(message->err, message->partition), reason);
  }
  std::lock_guard lock(mu_);
  // Authorization errors are not permanent (delivery_errors.h): replayed.
  const bool permanent = PermanentDeliveryError(message->err);
  // A data record (not a dead letter, heartbeat or checkpoint) refused for
  // good is dead-lettered on the replay, inside the next attempt's
  // transaction. Remembered whatever failed first.
  const bool tolerated = permanent && context.txn && !context.dead_letter && DeadLettersEnabled();
  if (tolerated) rejected_[context.id] = Rejection{topic, reason, SizeError(message->err)};
  if (!failure_.ok()) return;
  if (tolerated || !permanent) {
    retried_records_.fetch_add(1, std::memory_order_relaxed);
    failure_ = Status::Replay(where + "; the Kafka transaction is aborted and replayed" +
                              (tolerated ? " with this record in the dead-letter topic" : ""));
    ReportProblem("retry", failure_.message());
  } else {
    failure_ = Status::Fatal(where);
    ReportProblem("error", where);
    log::Error("kafka delivery failed; stopping",
               {{"topic", topic}, {"lsn", context.lsn.ToString()}, {"error", reason}});
  }
  settled_cv_.notify_all();
}

void KafkaSink::NoteDelivered() {
  delivered_.fetch_add(1);
  last_delivery_ms_.store(SteadyMs());
  std::string ended;
  {
    std::lock_guard lock(mu_);
    if (authorization_problem_.empty()) return;
    ended.swap(authorization_problem_);
  }
  log::Info("kafka: authorized again; records flow", {{"was", ended}});
}

void KafkaSink::NoteAuthorizationFailure(int code, const std::string& topic,
                                         const std::string& operation, const std::string& reason) {
  const auto err = static_cast<rd_kafka_resp_err_t>(code);
  std::string problem = std::string("kafka: ") + rd_kafka_err2name(err);
  if (!topic.empty()) problem += " on '" + topic + "'";
  if (!operation.empty()) problem += ": " + operation + " not allowed";
  // The reason's text varies between attempts (timings, counts); the
  // problem is the same.
  const std::string key = problem;
  problem += " (" + reason + "); retrying";
  {
    std::lock_guard lock(mu_);
    // One error line per problem: the replays that meet it again say nothing.
    if (authorization_problem_.starts_with(key + " (")) {
      authorization_problem_ = problem;
      return;
    }
    authorization_problem_ = problem;
  }
  if (topic.empty()) {
    log::Error("kafka: authentication failed; retrying until the broker accepts the credentials",
               {{"error", rd_kafka_err2name(err)}, {"reason", reason}, {"hint", ScramHint()}});
    return;
  }
  log::Error("kafka: not authorized; records are kept and retried until an ACL allows it",
             {{"error", rd_kafka_err2name(err)},
              {"topic", topic},
              {"operation", operation},
              {"reason", reason}});
}

std::string KafkaSink::ScramHint() const {
  // librdkafka before 2.6.1 repeats the client nonce in SCRAM's final
  // message, which Kafka 4 brokers reject as invalid credentials
  // (confluentinc/librdkafka#4895).
  if (rd_kafka_version() >= 0x020601ff) return "";
  for (const auto& [key, value] : options_.producer_config) {
    if ((key == "sasl.mechanism" || key == "sasl.mechanisms") && value.starts_with("SCRAM")) {
      return std::string("librdkafka ") + rd_kafka_version_str() +
             " cannot complete SCRAM with Kafka 4 brokers (fixed in librdkafka 2.6.1)";
    }
  }
  return "";
}

void KafkaSink::SettleRecord(const std::shared_ptr<InFlight>& txn) {
  bool ack = false;
  {
    std::lock_guard lock(mu_);
    --txn->outstanding;
    ack = txn->committed && txn->outstanding == 0 && !txn->abandoned;
  }
  if (ack) Settle(txn);
}

void KafkaSink::Settle(const std::shared_ptr<InFlight>& txn) {
  acker().Ack(txn->end_lsn);
  std::lock_guard lock(mu_);
  --unsettled_;
  settled_cv_.notify_all();
}

bool KafkaSink::RecordFailure(Status failure) {
  std::lock_guard lock(mu_);
  settled_cv_.notify_all();
  if (!failure_.ok()) return false;
  failure_ = std::move(failure);
  return true;
}

Status KafkaSink::FailureStatus() {
  std::lock_guard lock(mu_);
  return failure_;
}

SinkCounters KafkaSink::counters() const {
  SinkCounters c;
  c.reported = SinkCounters::kInFlight | SinkCounters::kAcked | SinkCounters::kRetried |
               SinkCounters::kFailed | SinkCounters::kDeadLettered;
  c.in_flight = static_cast<uint64_t>(std::max<int64_t>(0, in_flight_records_.load()));
  c.acked = delivered_.load();
  c.retried = retried_records_.load(std::memory_order_relaxed);
  c.failed = failed_records_.load(std::memory_order_relaxed);
  c.dead_lettered = dead_lettered_.load();
  {
    std::lock_guard lock(mu_);
    if (!authorization_problem_.empty()) {
      c.problem = authorization_problem_;
      return c;
    }
  }
  const int64_t error = last_broker_error_ms_.load();
  const int64_t now = SteadyMs();
  // librdkafka retries on its own; unhealthy while errors keep coming with
  // no delivery since the first of them.
  if (error != 0 && error > last_delivery_ms_.load() && now - error < 30000) {
    c.problem = "kafka brokers failing (librdkafka retrying); last error " +
                std::to_string((now - error) / 1000) + " s ago";
  }
  return c;
}

}  // namespace walcast::sinks::kafka
