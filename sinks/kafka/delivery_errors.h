#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>

namespace walcast::sinks::kafka {

// How the Kafka sink reads librdkafka's error for a record (a delivery
// report's, or rd_kafka_producev's own).

// Errors no retry can fix: the record itself or the topic name is wrong.
// Everything else is transient, authorization errors included.
bool PermanentDeliveryError(rd_kafka_resp_err_t err);

// The broker refused walcast's principal (an ACL is missing, e.g.
// TOPIC_AUTHORIZATION_FAILED) or its credentials. An operator fixes these
// while walcast runs (an ACL granted again, a password rotated), so the
// records wait and are sent again: never dead letters, never a stop.
bool AuthorizationError(rd_kafka_resp_err_t err);

// The ACL operation a record refused with AuthorizationError `err` lacks:
// DESCRIBE when the topic's metadata was refused (the record never got a
// partition, `partition` < 0), WRITE when the produce request was; the
// cluster's IDEMPOTENT_WRITE for CLUSTER_AUTHORIZATION_FAILED and the
// transactional id's WRITE for TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
// Empty for an authentication failure.
const char* MissingOperation(rd_kafka_resp_err_t err, int32_t partition);

// The record is bigger than the broker or the client accepts: its dead
// letter cannot carry the value either.
bool SizeError(rd_kafka_resp_err_t err);

}  // namespace walcast::sinks::kafka
