#pragma once

#include <librdkafka/rdkafka.h>

namespace walcast::sinks::kafka {

// How the Kafka sink reads librdkafka's error for a record (a delivery
// report's, or rd_kafka_producev's own).

// Errors no retry can fix: the record itself, the topic name or the
// credentials are wrong. Everything else is transient.
bool PermanentDeliveryError(rd_kafka_resp_err_t err);

// The record is bigger than the broker or the client accepts: its dead
// letter cannot carry the value either.
bool SizeError(rd_kafka_resp_err_t err);

}  // namespace walcast::sinks::kafka
