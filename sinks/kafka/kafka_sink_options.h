#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/lsn.h"
#include "debezium/encoder.h"

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

class ProducerPool;

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
  // snapshot.max.threads: threads of the sink's own encoding the snapshot
  // transaction's rows (1: the reader thread encodes them).
  int snapshot_threads = 1;
  // Several pipelines: the producers they share (borrowed; must outlive the
  // sink). Null, or exactly once: the sink creates a producer of its own.
  ProducerPool* pool = nullptr;
};

}  // namespace walcast::sinks::kafka
