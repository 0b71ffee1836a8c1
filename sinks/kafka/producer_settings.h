#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sinks/kafka/kafka_sink_options.h"

namespace walcast::sinks::kafka {

// The librdkafka properties of the sink's producer: walcast's defaults with
// `options.producer_config` over them (a key the user set keeps the user's
// value, in the default's place; other keys follow in the user's order).
// The defaults: enable.idempotence=true, acks=all,
// partitioner=murmur2_random, linger.ms=5, client.id=walcast (exactly
// once: the transactional.id, which is unique per pipeline),
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

}  // namespace walcast::sinks::kafka
