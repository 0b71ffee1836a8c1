#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/sink.h"
#include "debezium/encoder.h"
#include "sinks/kafka/kafka_transactions.h"

struct rd_kafka_s;
struct rd_kafka_message_s;

namespace walcast::sinks::kafka {

// exactly.once=true: Kafka transactions over batches of PostgreSQL
// transactions, each carrying the slot's LSN checkpoint (kafka_checkpoint.h).
struct ExactlyOnceOptions {
  bool enabled = false;
  // Unique per walcast instance: a second producer with the same id fences
  // the first.
  std::string transactional_id;
  std::string checkpoint_topic;
  std::string slot;  // checkpoint key
  // A Kafka transaction is committed at the first PostgreSQL transaction
  // boundary after it has been open this long or holds this many records.
  std::chrono::milliseconds commit_interval{100};
  int64_t commit_max_records = 10000;
  // Bounds init_transactions, creating and reading the checkpoint topic at
  // start, and each abort.
  std::chrono::milliseconds start_timeout{60000};
  // How long one commit may take before walcast gives up (kFatal); covers a
  // broker outage up to librdkafka's transaction.timeout.ms.
  std::chrono::milliseconds commit_timeout{90000};
  // The server's WAL position at start. A checkpoint beyond it cannot come
  // from this server (a re-created cluster, another database): refused, as
  // skipping up to it would drop every transaction below it.
  Lsn server_wal_lsn;
};

struct KafkaSinkOptions {
  debezium::EncoderOptions encoder;
  // librdkafka properties (kafka.* with the prefix removed, and Debezium's
  // producer.override.*); applied over walcast's defaults (ProducerSettings).
  std::vector<std::pair<std::string, std::string>> producer_config;
  // errors.tolerance=all: a record Kafka rejects for good goes to
  // dead_letter_topic with the reason and LSN in headers instead of
  // stopping walcast.
  bool tolerate_errors = false;
  std::string dead_letter_topic;
  // heartbeat.interval.ms: a heartbeat record to HeartbeatTopic() this
  // often; 0 disables.
  std::chrono::milliseconds heartbeat_interval{0};
  // How long one queue-full wait lasts before logging that Kafka is slow.
  std::chrono::milliseconds queue_full_log_interval{10000};
  ExactlyOnceOptions exactly_once;
};

// The librdkafka properties of the sink's producer: walcast's defaults with
// `options.producer_config` over them (a key the user set keeps the user's
// value, in the default's place; other keys follow in the user's order).
// The defaults: enable.idempotence=true, acks=all,
// partitioner=murmur2_random, linger.ms=5, client.id=walcast,
// message.timeout.ms=0 (at least once: a broker outage means waiting, not
// dropping) or transactional.id (exactly once), and a bounded producer
// queue, kDefaultQueueMaxMessages records and kDefaultQueueMaxKbytes KiB
// (librdkafka's own defaults, 100,000 records and 1 GiB, let a catch-up
// hold hundreds of MB of copied records for no gain in throughput; see
// bench/RESULTS.md). The byte bound grows to twice message.max.bytes when
// the user raised that, so that any record the client accepts fits the
// queue. A user's transactional.id is not checked here (NewProducer refuses it).
inline constexpr int kDefaultQueueMaxMessages = 10000;
inline constexpr int kDefaultQueueMaxKbytes = 16384;
std::vector<std::pair<std::string, std::string>> ProducerSettings(const KafkaSinkOptions& options);

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
// invalid topic, not authorized) goes to the dead-letter topic with
// errors.tolerance=all and otherwise stops walcast with kFatal.
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
// Threads: OnBegin/OnChange/OnCommit/OnReset/Flush/Close on the reader
// thread; delivery reports run on the sink's own poll thread, which
// acknowledges (at-least-once mode). A delivery that fails for good (and is
// not tolerated) makes the next reader-thread call return kFatal; that
// transaction is never acknowledged, so the watermark stays before it. The
// reader thread blocks in Create (exactly once: up to start_timeout) and at
// each Kafka commit.
class KafkaSink : public Sink {
 public:
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
  // Per-record opaque passed to librdkafka.
  struct RecordContext {
    std::shared_ptr<InFlight> txn;  // null for heartbeats and checkpoints
    Lsn lsn;
    bool dead_letter = false;
    RecordId id;              // exactly once: for dead-lettering on the replay
    uint64_t generation = 0;  // generation_ when produced
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

  explicit KafkaSink(KafkaSinkOptions options);
  // A producer with walcast's settings and the user's; the sink is its opaque.
  Result<rd_kafka_s*> NewProducer();
  void StartPolling();
  void StopPolling();
  // Purges everything queued or in flight, serves the purge reports and
  // destroys the producer; the poll thread must be stopped.
  void DiscardProducer();
  std::shared_ptr<InFlight> NewInFlight();
  Status Produce(debezium::EncodedRecord record, const std::shared_ptr<InFlight>& txn, Lsn lsn,
                 bool dead_letter = false);
  // A dead letter for a record of `topic`: its key and value (only the
  // value's size when it was too large), and the reason and LSN in headers.
  static debezium::EncodedRecord DeadLetter(std::optional<std::string> key, std::optional<std::string> value,
                                  const std::string& topic, const std::string& reason, Lsn lsn,
                                  bool too_large);
  bool DeadLettersEnabled() const {
    return options_.tolerate_errors && !options_.dead_letter_topic.empty();
  }
  // Sends `record` (headers already set) to the dead-letter topic as part of
  // `txn`, counts and logs it; `source` names the topic or table it came from.
  Status ProduceDeadLetter(debezium::EncodedRecord record, const std::string& source,
                           const std::string& reason, const std::shared_ptr<InFlight>& txn,
                           Lsn lsn);
  void OnDelivery(const rd_kafka_message_s* message);
  // At the start of each reader-thread call: the recorded failure if any,
  // else produces the dead letters the poll thread deferred.
  Status BeginReaderCall();
  // Produces deferred dead letters (reader thread; waits for queue room).
  Status ProduceDeferred(std::vector<DeferredDeadLetter> pending);
  void Settle(const std::shared_ptr<InFlight>& txn);
  Status FailureStatus();
  void PollLoop();

  // Exactly-once mode.
  bool exactly_once() const { return options_.exactly_once.enabled; }
  // init_transactions, the checkpoint topic, the newest checkpoint.
  Status StartTransactions();
  // Delivery report in exactly-once mode: a failure dooms the open Kafka
  // transaction; nothing is acknowledged here.
  void OnTransactionalDelivery(const rd_kafka_message_s* message, const RecordContext& context);
  // True when the open Kafka transaction should be committed now.
  bool CommitDue(std::chrono::steady_clock::time_point now) const;
  // Produces the checkpoint (when PostgreSQL transactions completed in this
  // Kafka transaction), commits, and acknowledges them.
  Status CommitKafkaTransaction();
  // Aborts the open Kafka transaction and forgets its batch.
  Status AbortKafkaTransaction();
  // Begins a Kafka transaction if none is open (exactly once); OK otherwise.
  Status EnsureKafkaTransaction();
  static void DeliveryCallback(rd_kafka_s* rk, const rd_kafka_message_s* message, void* opaque);
  static void ErrorCallback(rd_kafka_s* rk, int err, const char* reason, void* opaque);

  std::string name_ = "kafka";
  KafkaSinkOptions options_;
  debezium::DebeziumEncoder encoder_;
  rd_kafka_s* producer_ = nullptr;

  // Reader thread only.
  std::shared_ptr<InFlight> current_;
  debezium::TransactionOrder order_;
  std::vector<debezium::EncodedRecord> records_;
  std::chrono::steady_clock::time_point next_heartbeat_{};

  std::mutex mu_;  // guards InFlight fields, failure_, unsettled_, deferred_
  std::condition_variable settled_cv_;
  int64_t unsettled_ = 0;  // committed transactions not yet acknowledged
  uint64_t generation_ = 0;  // bumped by OnRewind; written on the reader thread only
  // Dead letters of delivery reports served on the poll thread that found
  // the producer queue full. Room comes back only as reports are served,
  // so the poll thread cannot wait for it; the reader thread produces them.
  // Each still counts in its transaction's outstanding records.
  std::vector<DeferredDeadLetter> deferred_;
  Status failure_;

  std::atomic<bool> stop_poll_{false};
  // Set by the poll thread as it starts: a dead letter produced on it is
  // deferred when the queue is full (deferred_).
  std::atomic<std::thread::id> poll_thread_id_;
  std::thread poll_thread_;
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> dead_lettered_{0};
  std::atomic<int64_t> last_broker_error_log_ms_{0};
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
