#pragma once

#include <string>

#include "app/elasticsearch_factory.h"
#include "core/config.h"
#include "core/pipeline.h"
#include "core/status.h"
#include "debezium/encoder.h"
#include "sinks/kafka/kafka_sink_options.h"
#include "sinks/kafka/producer_pool.h"

namespace walcast::app {

// The Debezium record format settings from the configuration. kInvalidArgument
// (naming the key) for a malformed transforms / message.key.columns /
// skipped.operations value or column option (column.*, column_rules.h).
Result<debezium::EncoderOptions> EncoderOptionsFrom(const Config& config,
                                                    const std::string& database);

// The Kafka sink's settings every Kafka producer of walcast shares (the
// client settings kafka.*, errors.tolerance and its dead-letter topic),
// over `encoder`. kInvalidArgument names the key; `needed_by` says what
// needs kafka.bootstrap.servers when it is missing.
Result<sinks::kafka::KafkaSinkOptions> KafkaSinkOptionsFrom(const Config& config,
                                                            debezium::EncoderOptions encoder,
                                                            const std::string& needed_by);

// Prefix of the logical messages heartbeat.logical.message writes; never
// published. Written as a regular expression that matches only itself.
inline constexpr const char* kHeartbeatMessagePrefix = "walcast\\.heartbeat";

// What the pipelines of one process share (docs/pipelines.md, "Shared
// clients"); each member is borrowed and may be null (not shared).
struct SharedClients {
  // The Elasticsearch sink's lookup stores.
  SharedLookupStores* lookups = nullptr;
  // The at-least-once Kafka sinks' producers.
  sinks::kafka::ProducerPool* producers = nullptr;
  // The Elasticsearch sinks' and metric writers' bulk clients.
  sinks::elasticsearch::BulkClientPool* bulk_clients = nullptr;
};

// Builds the sinks listed in `sinks` and adds them to `pipeline`.
// `server_wal_lsn` is the server's WAL position at start (exactly.once
// refuses a Kafka checkpoint beyond it). kInvalidArgument for a sink whose
// settings are missing or rejected; with exactly.once, kUnavailable /
// kFatal when Kafka's transactions or checkpoint cannot be set up.
// `shared` (several pipelines) gives the sinks what they share with the
// other pipelines' sinks; null, or a null member, gives them their own.
Status AddConfiguredSinks(const Config& config, const std::string& database, Pipeline* pipeline,
                          Lsn server_wal_lsn = Lsn(), const SharedClients* shared = nullptr);

}  // namespace walcast::app
