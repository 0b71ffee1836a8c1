#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/sink.h"
#include "sinks/kafka/debezium_encoder.h"

struct rd_kafka_s;
struct rd_kafka_message_s;

namespace walcast::sinks::kafka {

struct KafkaSinkOptions {
  EncoderOptions encoder;
  // librdkafka properties (kafka.* with the prefix removed, and Debezium's
  // producer.override.*); applied over walcast's defaults
  // (enable.idempotence=true, acks=all, partitioner=murmur2_random,
  // message.timeout.ms=0 so a broker outage means waiting, not dropping).
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
};

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
// Threads: OnBegin/OnChange/OnCommit/OnReset/Flush/Close on the reader
// thread; delivery reports run on the sink's own poll thread, which
// acknowledges. A delivery that fails for good (and is not tolerated)
// makes the next reader-thread call return kFatal; that transaction is
// never acknowledged, so the watermark stays before it.
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

 private:
  // One transaction in flight: acknowledged when committed and every
  // record is delivered.
  struct InFlight {
    Lsn end_lsn;
    int64_t outstanding = 0;
    bool committed = false;
    bool abandoned = false;  // reset before commit: never acknowledged
    uint64_t generation = 0;  // producer generation it was produced with
  };
  // Per-record opaque passed to librdkafka.
  struct RecordContext {
    std::shared_ptr<InFlight> txn;  // null for heartbeats
    Lsn lsn;
    bool dead_letter = false;
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
  Status Produce(EncodedRecord record, const std::shared_ptr<InFlight>& txn, Lsn lsn,
                 bool dead_letter = false);
  bool DeadLettersEnabled() const {
    return options_.tolerate_errors && !options_.dead_letter_topic.empty();
  }
  // Sends `record` (headers already set) to the dead-letter topic as part of
  // `txn`, counts and logs it; `source` names the topic or table it came from.
  Status ProduceDeadLetter(EncodedRecord record, const std::string& source,
                           const std::string& reason, const std::shared_ptr<InFlight>& txn,
                           Lsn lsn);
  void OnDelivery(const rd_kafka_message_s* message);
  void Settle(const std::shared_ptr<InFlight>& txn);
  Status FailureStatus();
  void PollLoop();
  static void DeliveryCallback(rd_kafka_s* rk, const rd_kafka_message_s* message, void* opaque);
  static void ErrorCallback(rd_kafka_s* rk, int err, const char* reason, void* opaque);

  std::string name_ = "kafka";
  KafkaSinkOptions options_;
  DebeziumEncoder encoder_;
  rd_kafka_s* producer_ = nullptr;

  // Reader thread only.
  std::shared_ptr<InFlight> current_;
  TransactionOrder order_;
  std::vector<EncodedRecord> records_;
  std::chrono::steady_clock::time_point next_heartbeat_{};

  std::mutex mu_;  // guards InFlight fields, failure_, unsettled_
  std::condition_variable settled_cv_;
  int64_t unsettled_ = 0;  // committed transactions not yet acknowledged
  uint64_t generation_ = 0;  // bumped by OnRewind
  Status failure_;

  std::atomic<bool> stop_poll_{false};
  std::thread poll_thread_;
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> dead_lettered_{0};
  std::atomic<int64_t> last_broker_error_log_ms_{0};
  bool closed_ = false;
};

}  // namespace walcast::sinks::kafka
