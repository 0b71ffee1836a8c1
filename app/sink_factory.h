#pragma once

#include <string>

#include "app/elasticsearch_factory.h"
#include "core/config.h"
#include "core/pipeline.h"
#include "core/status.h"
#include "debezium/encoder.h"

namespace walcast::app {

// The Debezium record format settings from the configuration. kInvalidArgument
// (naming the key) for a malformed transforms / message.key.columns /
// skipped.operations value or column option (column.*, column_rules.h).
Result<debezium::EncoderOptions> EncoderOptionsFrom(const Config& config,
                                                        const std::string& database);

// Prefix of the logical messages heartbeat.logical.message writes; never
// published. Written as a regular expression that matches only itself.
inline constexpr const char* kHeartbeatMessagePrefix = "walcast\\.heartbeat";

// Builds the sinks listed in `sinks` and adds them to `pipeline`.
// `server_wal_lsn` is the server's WAL position at start (exactly.once
// refuses a Kafka checkpoint beyond it). kInvalidArgument for a sink whose
// settings are missing or rejected; with exactly.once, kUnavailable /
// kFatal when Kafka's transactions or checkpoint cannot be set up.
// `lookups` (several pipelines) shares the Elasticsearch sink's lookup store
// with the other pipelines; null gives the sink a store of its own.
Status AddConfiguredSinks(const Config& config, const std::string& database, Pipeline* pipeline,
                          Lsn server_wal_lsn = Lsn(), SharedLookupStores* lookups = nullptr);

}  // namespace walcast::app
