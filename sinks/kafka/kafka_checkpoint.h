#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/lsn.h"
#include "core/status.h"

struct rd_kafka_s;

namespace walcast::sinks::kafka {

// The LSN checkpoint exactly.once=true writes inside every Kafka transaction
// that completes PostgreSQL transactions: record key = the slot name, value =
// EncodeCheckpoint(). Once that transaction is committed, every PostgreSQL
// transaction of the slot ending at or before end_lsn is in Kafka, exactly
// once, for read_committed consumers.
//
// Value layout (JSON, one object):
//   {"version":1,"slot":"walcast","end_lsn":"0/16B3748",
//    "transactional_id":"walcast-prefix-walcast","ts_ms":1700000000123}
struct KafkaCheckpoint {
  std::string slot;
  Lsn end_lsn;
  std::string transactional_id;  // the producer that wrote it
  int64_t ts_ms = 0;             // wall clock when it was written

  bool operator==(const KafkaCheckpoint&) const = default;
};

std::string EncodeCheckpoint(const KafkaCheckpoint& checkpoint);
// kCorruption (saying what is wrong) for bytes that are not a checkpoint of
// version 1: not JSON, no slot, no parseable end_lsn.
Result<KafkaCheckpoint> DecodeCheckpoint(std::string_view json);

// The subset of the producer's librdkafka settings a consumer or admin client
// needs (bootstrap servers, security, client and socket settings): producer-
// only properties (acks, linger.ms, transactional.id, ...) are left out so the
// checkpoint reader does not warn about them.
std::vector<std::pair<std::string, std::string>> ClientSettings(
    const std::vector<std::pair<std::string, std::string>>& producer_config);

// Creates `topic` with one partition, the broker's replication factor and
// cleanup.policy=compact, unless it exists. `client` is any librdkafka handle
// (borrowed). A topic that already exists is used as it is. Errors:
// kUnavailable when the broker does not answer within `timeout`; kFatal when
// the topic does not exist and cannot be created (e.g. not authorized).
Status EnsureCheckpointTopic(rd_kafka_s* client, const std::string& topic,
                             std::chrono::milliseconds timeout);

// Reads the newest committed checkpoint of `slot` from `topic` with its own
// short-lived read_committed consumer, scanning each partition's tail
// backwards in growing windows until a record of the slot turns up. nullopt
// when the topic holds none. Blocks up to `timeout`. Errors: kUnavailable
// (the broker did not answer in time, or an open transaction of another
// producer holds the topic's stable offset back), kCorruption (the slot's
// newest record does not decode), kNotFound (the topic does not exist).
Result<std::optional<KafkaCheckpoint>> ReadLastCheckpoint(
    const std::vector<std::pair<std::string, std::string>>& client_config, const std::string& topic,
    const std::string& slot, std::chrono::milliseconds timeout);

}  // namespace walcast::sinks::kafka
