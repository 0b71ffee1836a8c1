#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/log.h"
#include "core/ordered_event_batches.h"
#include "core/sink.h"
#include "debezium/encoder.h"
#include "sinks/kafka/kafka_sink_options.h"
#include "sinks/kafka/kafka_transactions.h"
#include "sinks/kafka/producer_settings.h"
#include "sinks/kafka/rdkafka_handles.h"
#include "sinks/kafka/shared_producer.h"

namespace walcast::sinks::kafka {

// Publishes change events to Kafka in Debezium's format
// (DebeziumEncoder) with librdkafka, and acknowledges a transaction to the
// AckTracker once every record of it has a successful delivery report
// (acks=all). A full producer queue blocks the reader thread until
// deliveries free space: backpressure, never a drop.
//
// A delivery that fails for a transient reason (a broker restarting, a
// partition without a leader yet, the idempotent producer's sequence lost)
// makes the next reader-thread call return kReplay: the reader rewinds to
// the watermark, OnRewind() replaces the producer, and the unacknowledged
// transactions are produced again. A permanent failure (record too large,
// invalid topic) goes to the dead-letter topic with errors.tolerance=all and
// otherwise stops walcast with kFatal. An authorization failure (a missing
// ACL, wrong credentials) is transient: kReplay after the reader's backoff,
// one error line naming the topic and the missing operation, and the sink
// unhealthy until a record is delivered again.
//
// With exactly_once.enabled the producer is transactional instead: records
// go into a Kafka transaction that spans a batch of PostgreSQL transactions
// and ends with the slot's LSN checkpoint (KafkaCheckpoint) in the same Kafka
// transaction; the batch is acknowledged only once commit_transaction
// succeeded. At start the newest committed checkpoint is read and every
// transaction ending at or before it is acknowledged without being produced
// again. A failed record or commit aborts the Kafka transaction and returns
// kReplay; a fenced producer returns kFatal. Dead letters are written inside
// the transaction: a record the broker rejects for good (with
// errors.tolerance=all) aborts it once, and on the replay that record goes
// to the dead-letter topic instead. See docs/design.md, "Exactly once".
//
// With options.pool (several pipelines), an at-least-once sink uses the
// pool's producer for its settings, shared with the other pipelines' sinks
// (ProducerPool): each record's opaque routes its delivery report back to
// this sink, which alone acknowledges, dead-letters and counts its records,
// so the watermark of its pipeline moves only with its own records. A
// rewind then ignores the reports of what this sink produced before instead
// of replacing the producer, unless the producer itself failed (a fatal
// idempotent-producer error, a topic its metadata lost): then the producer
// is renewed once for all its sinks, and each of them replays. Close leaves
// this sink's records still queued to the producer (at least once: the
// pipeline's next start replays them from its watermark). The exactly-once
// sink always has a producer of its own.
//
// With options.snapshot_threads > 1 (snapshot.max.threads), the rows of a
// snapshot transaction are encoded (envelope, key, headers) on that many
// threads of the sink's own, each with its own encoder, in batches
// (OrderedEventBatches), and produced on the reader thread in the order
// they came: every topic and partition gets the records, snapshot marks
// and acknowledgements of one thread. Memory: at most kMaxBatchesInFlight
// batches of kBatchEvents rows or kBatchBytes of values, and their records.
// Streamed transactions are encoded on the reader thread.
//
// Threads: OnBegin/OnChange/OnCommit/OnReset/Flush/Close on the reader
// thread; delivery reports run on the producer's poll thread, which
// acknowledges (at-least-once mode). A delivery that fails for good (and is
// not tolerated) makes the next reader-thread call return kFatal; that
// transaction is never acknowledged, so the watermark stays before it. The
// reader thread blocks in Create (exactly once: up to start_timeout) and at
// each Kafka commit.
//
// Ownership: the sink owns its producer (or a share of the pool's). Close
// waits for its records within its timeout; a producer of its own is then
// purged and destroyed on the calling thread. The destructor calls Close
// with no time to flush.
class KafkaSink : public Sink, private ProducerUser {
 public:
  static constexpr size_t kBatchEvents = 128;
  static constexpr size_t kBatchBytes = size_t{256} * 1024;
  static constexpr size_t kMaxBatchesInFlight = 16;

  // kInvalidArgument for a librdkafka property it rejects (named).
  static Result<std::unique_ptr<KafkaSink>> Create(KafkaSinkOptions options);
  ~KafkaSink() override;

  KafkaSink(const KafkaSink&) = delete;
  KafkaSink& operator=(const KafkaSink&) = delete;

  const std::string& name() const override { return name_; }
  Status OnBegin(const TransactionInfo& txn) override;
  Status OnChange(const TransactionInfo& txn, const ChangeEvent& event) override;
  Status OnCommit(const TransactionInfo& txn) override;
  void OnReset() override;
  void OnRewind() override;
  // Returns a delivery failure as soon as there is one (kReplay / kFatal),
  // and produces a heartbeat when heartbeat_interval has passed.
  Status OnTick(std::chrono::steady_clock::time_point now) override;
  Status Flush(std::chrono::milliseconds timeout) override;
  Status Close(std::chrono::milliseconds timeout) override;

  // Produces a heartbeat record (heartbeat.interval.ms); not tied to a
  // transaction.
  Status ProduceHeartbeat();

  uint64_t records_delivered() const { return delivered_.load(); }
  // Records in flight (taken by librdkafka, no delivery report yet; its
  // queue and the requests on the wire are one figure), delivered, failed
  // (refused at once or in a delivery report), retried (failed for a
  // transient reason, so produced again after the rewind; librdkafka's own
  // retries inside message.timeout.ms are not seen) and dead-lettered; from
  // any thread. Brokers failing since the last delivery make the sink
  // unhealthy (/readyz).
  SinkCounters counters() const override;
  uint64_t records_dead_lettered() const { return dead_lettered_.load(); }
  // Exactly once: Kafka transactions committed, and PostgreSQL transactions
  // acknowledged without producing because a checkpoint already covered them.
  uint64_t kafka_transactions_committed() const { return kafka_commits_; }
  uint64_t transactions_skipped() const { return skipped_; }
  // Exactly once: the end LSN of the newest committed checkpoint.
  Lsn committed_lsn() const { return committed_lsn_; }

 private:
  // One transaction in flight: acknowledged when committed and every
  // record is delivered.
  struct InFlight {
    Lsn end_lsn;
    int64_t outstanding = 0;
    bool committed = false;
    bool abandoned = false;  // reset before commit: never acknowledged
  };
  // A record by its place in the PostgreSQL transaction, the same on every
  // replay: (commit LSN, index of the record among those produced for it).
  using RecordId = std::pair<Lsn, uint64_t>;
  // Per-record opaque passed to librdkafka: a unique_ptr owns it until
  // rd_kafka_producev accepts the record; its delivery report frees it,
  // and with it the value librdkafka was given without a copy.
  struct RecordContext : RoutedRecord {
    RecordContext(uint64_t user_id, std::shared_ptr<InFlight> in_flight, Lsn at, bool dead,
                  RecordId record_id, uint64_t gen)
        : txn(std::move(in_flight)), lsn(at), dead_letter(dead), id(record_id), generation(gen) {
      user = user_id;
    }
    std::shared_ptr<InFlight> txn;  // null for heartbeats and checkpoints
    Lsn lsn;
    bool dead_letter = false;
    RecordId id;              // exactly once: for dead-lettering on the replay
    uint64_t generation = 0;  // generation_ when produced
    // The record's value, which librdkafka reads without a copy until the
    // delivery report (Enqueue); empty for a tombstone.
    std::string value;
  };
  struct DeferredDeadLetter {
    debezium::EncodedRecord record;
    std::shared_ptr<InFlight> txn;
    Lsn lsn;
    uint64_t generation = 0;
  };
  // Exactly once: a record the broker rejected for good; on the replay it
  // goes to the dead-letter topic instead.
  struct Rejection {
    std::string topic;
    std::string reason;
    bool too_large = false;
  };

  // What a worker thread made of a batch of snapshot rows: their records in
  // order, and the rows it could not encode.
  struct EncodedRows {
    std::vector<debezium::EncodedRecord> records;
    std::vector<size_t> ends;                         // per row: its records end here
    std::vector<std::pair<size_t, Status>> failures;  // (row, why), in row order
  };
  using Batches = OrderedEventBatches<EncodedRows>;

  explicit KafkaSink(KafkaSinkOptions options);

  // Produces the records of one change, `encoded` saying whether its
  // encoding succeeded (else it is dead-lettered or returned); commits the
  // snapshot's Kafka transaction in pieces (exactly once). Reader thread.
  Status ProduceChange(const TransactionInfo& txn, const ChangeEvent& event, const Status& encoded,
                       std::span<debezium::EncodedRecord> records);
  // Snapshot rows on worker thread `worker` (worker_encoders_[worker]).
  void EncodeBatch(size_t worker, Batches::Batch& batch);
  // Produces an encoded batch (reader thread, in order).
  Status ProduceBatch(Batches::Batch& batch);

  // Producer lifecycle (kafka_sink_producer.cc).
  // A producer with walcast's settings and the user's, the pool's or its
  // own, with this sink attached.
  Status AttachProducer();
  // Lets go of the producer: no report reaches this sink afterwards. A
  // producer of its own is purged and destroyed (on this thread).
  void DetachProducer();
  // OnRewind in at-least-once mode: reports of everything produced so far
  // are ignored from now on, and a producer of its own (or a failed shared
  // one) is replaced by a new one.
  void ReplaceProducer();
  // Records that the producer itself must be renewed at the next rewind
  // (a shared producer only then; one of its own always is). Under mu_.
  void NeedNewProducerLocked();
  // ProducerUser: librdkafka's callbacks, routed here by the producer.
  void OnReportsServed() override;
  void OnProducerError(rd_kafka_s* rk, int err, const char* reason) override;
  // OnRewind in exactly-once mode: aborts the open Kafka transaction.
  void AbortForReplay();

  // Producing (kafka_sink_produce.cc). Reader thread, except for dead
  // letters produced from a delivery report.
  std::shared_ptr<InFlight> NewInFlight();
  Status Produce(debezium::EncodedRecord record, const std::shared_ptr<InFlight>& txn, Lsn lsn,
                 bool dead_letter = false);
  // Exactly once: the rejection an earlier attempt of record `id` met, if any.
  std::optional<Rejection> EarlierRejection(const RecordId& id);
  // Hands `record` to librdkafka, waiting while the queue is full
  // (backpressure); librdkafka owns `context` once it took the record. OK
  // with *refused = 0 when it did (or, for a dead letter produced on the
  // poll thread, when the record was deferred: deferred_); OK with *refused
  // set to librdkafka's error when it refused the record; the recorded
  // failure when one came while waiting for room.
  Status Enqueue(debezium::EncodedRecord& record, std::unique_ptr<RecordContext> context,
                 const std::shared_ptr<InFlight>& txn, Lsn lsn, int* refused);
  // Hands a dead letter produced on a callback thread to the reader thread
  // (deferred_); OK with *refused = 0.
  Status Defer(debezium::EncodedRecord record, const std::shared_ptr<InFlight>& txn, Lsn lsn,
               int* refused);
  // Waits until the poll thread has served delivery reports since it had
  // served `served` (room in the queue) or a failure is recorded (returned);
  // logs now and then while it lasts, from *waiting_since.
  Status WaitForQueueRoom(uint64_t served, std::chrono::steady_clock::time_point* waiting_since);
  // A record librdkafka refused at once with `err` (not a full queue).
  Status OnProduceError(int err, debezium::EncodedRecord record,
                        const std::shared_ptr<InFlight>& txn, Lsn lsn, bool dead_letter);
  bool DeadLettersEnabled() const {
    return options_.tolerate_errors && !options_.dead_letter_topic.empty();
  }
  // Sends `record` (headers already set) to the dead-letter topic as part of
  // `txn`, counts and logs it; `source` names the topic or table it came from.
  Status ProduceDeadLetter(debezium::EncodedRecord record, const std::string& source,
                           const std::string& reason, const std::shared_ptr<InFlight>& txn,
                           Lsn lsn);
  // At the start of each reader-thread call: the recorded failure if any,
  // else produces the dead letters the poll thread deferred.
  Status BeginReaderCall();
  // Produces deferred dead letters (reader thread; waits for queue room).
  Status ProduceDeferred(std::vector<DeferredDeadLetter> pending);

  // Delivery reports (kafka_sink_delivery.cc), on the producer's poll
  // thread (or a thread renewing the producer, or inside the exactly-once
  // commit's flush).
  void OnDelivery(const rd_kafka_message_s* message) override;
  // At-least-once: a failed delivery is replayed, dead-lettered or fatal.
  // True when the record is settled (dead-lettered).
  bool OnDeliveryFailure(const rd_kafka_message_s* message, const RecordContext& context);
  // Delivery report in exactly-once mode: a failure dooms the open Kafka
  // transaction; nothing is acknowledged here.
  void OnTransactionalDelivery(const rd_kafka_message_s* message, const RecordContext& context);
  // A record was delivered: counts it and ends an authorization problem.
  void NoteDelivered();
  // The broker refused the principal: `err` on `topic` (empty when not tied
  // to a record) lacking ACL `operation`. Logs one error per distinct
  // problem and holds it as the sink's health problem until a delivery.
  void NoteAuthorizationFailure(int err, const std::string& topic, const std::string& operation,
                                const std::string& reason);
  // Why SCRAM may fail with this librdkafka, or "" (logged with an
  // authentication failure).
  std::string ScramHint() const;
  // One record of `txn` is settled; acknowledges it when it was the last.
  void SettleRecord(const std::shared_ptr<InFlight>& txn);
  void Settle(const std::shared_ptr<InFlight>& txn);
  // Records `failure` unless one is recorded already (then false), and
  // wakes the waiters.
  bool RecordFailure(Status failure);
  Status FailureStatus();

  // Exactly-once mode (kafka_sink_exactly_once.cc).
  bool exactly_once() const { return options_.exactly_once.enabled; }
  // Whether `txn` gets BEGIN and END records: with transaction metadata on,
  // every streamed transaction; not the snapshot, nor a non-transactional
  // logical message (xid 0).
  bool WritesTransactionMarkers(const TransactionInfo& txn) const {
    return encoder_.options().provide_transaction_metadata && !txn.snapshot && txn.xid != 0;
  }
  // init_transactions, the checkpoint topic, the newest checkpoint.
  Status StartTransactions();
  // True when the open Kafka transaction should be committed now, or when
  // completed transactions wait for their checkpoint with none open.
  bool CommitDue(std::chrono::steady_clock::time_point now) const;
  // Produces the checkpoint (when PostgreSQL transactions completed in this
  // Kafka transaction), commits, and acknowledges them.
  Status CommitKafkaTransaction();
  // Aborts the open Kafka transaction and forgets its batch.
  Status AbortKafkaTransaction();
  // Begins a Kafka transaction if none is open (exactly once); OK otherwise.
  Status EnsureKafkaTransaction();

  std::string name_ = "kafka";
  KafkaSinkOptions options_;
  debezium::DebeziumEncoder encoder_;
  // Set in Create, reset in Close (reader thread).
  std::shared_ptr<SharedProducer> producer_;
  uint64_t user_id_ = 0;  // producer_->Attach's id
  bool shared_ = false;   // producer_ came from options_.pool

  // Reader thread only.
  std::shared_ptr<InFlight> current_;
  debezium::TransactionOrder order_;
  std::vector<debezium::EncodedRecord> records_;
  std::chrono::steady_clock::time_point next_heartbeat_{};
  // Snapshot encoding threads (snapshot_threads > 1): one encoder each.
  std::vector<std::unique_ptr<debezium::DebeziumEncoder>> worker_encoders_;
  std::unique_ptr<Batches> batches_;

  mutable std::mutex mu_;  // guards InFlight fields, failure_, unsettled_, deferred_, served_,
                           // authorization_problem_
  // Signalled when a transaction settles, a failure is recorded, a dead
  // letter is deferred, and each time the poll thread has served reports.
  std::condition_variable settled_cv_;
  // Rounds of delivery reports the poll thread has served: librdkafka frees
  // a record's place in the queue once its report has been served.
  uint64_t served_ = 0;
  int64_t unsettled_ = 0;    // committed transactions not yet acknowledged
  uint64_t generation_ = 0;  // bumped by OnRewind; written on the reader thread only
  // Dead letters of delivery reports served on the poll thread that found
  // the producer queue full. Room comes back only as reports are served,
  // so the poll thread cannot wait for it; the reader thread produces them.
  // Each still counts in its transaction's outstanding records.
  std::vector<DeferredDeadLetter> deferred_;
  Status failure_;
  // The producer itself failed at epoch renew_epoch_ (NeedNewProducerLocked).
  bool renew_needed_ = false;
  uint64_t renew_epoch_ = 0;
  // What the broker refuses the principal while it lasts (health problem).
  std::string authorization_problem_;

  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> dead_lettered_{0};
  // Records librdkafka took and has not reported on yet (counters()).
  std::atomic<int64_t> in_flight_records_{0};
  std::atomic<uint64_t> failed_records_{0};   // refused or failed deliveries
  std::atomic<uint64_t> retried_records_{0};  // failed transiently: produced again
  std::atomic<int64_t> last_broker_error_log_ms_{0};
  std::atomic<int64_t> last_broker_error_ms_{0};  // SteadyMs of the last transport error
  std::atomic<int64_t> last_delivery_ms_{0};      // SteadyMs of the last delivery
  log::RateLimiter dead_letter_log_{std::chrono::seconds(10)};
  bool closed_ = false;

  // Exactly-once state, reader thread only unless noted.
  std::unique_ptr<KafkaTransactions> transactions_;
  Lsn committed_lsn_;          // newest checkpoint committed in Kafka
  std::vector<Lsn> batch_;     // end LSNs completed in the open Kafka transaction
  int64_t batch_records_ = 0;  // records produced into it
  std::chrono::steady_clock::time_point batch_started_{};
  bool skipping_ = false;        // the current transaction is covered by the checkpoint
  Lsn current_commit_lsn_;       // commit LSN of the current transaction
  uint64_t record_index_ = 0;    // data records produced for it so far
  int64_t current_records_ = 0;  // records of any kind produced for it
  bool reset_aborted_ = false;   // OnReset aborted a batch; Flush says so
  uint64_t kafka_commits_ = 0;
  uint64_t skipped_ = 0;
  std::map<RecordId, Rejection> rejected_;  // guarded by mu_
};

}  // namespace walcast::sinks::kafka
