#pragma once

// One owner type per librdkafka handle (src/rdkafka.h), each with the
// destroy call librdkafka pairs with its create call. The handles are
// forward-declared so that a header may hold one without including
// librdkafka; the deleters are defined in rdkafka_handles.cc.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

struct rd_kafka_s;
struct rd_kafka_conf_s;
struct rd_kafka_topic_s;
struct rd_kafka_queue_s;
struct rd_kafka_op_s;  // rd_kafka_event_t
struct rd_kafka_error_s;
struct rd_kafka_headers_s;
struct rd_kafka_message_s;
struct rd_kafka_metadata;
struct rd_kafka_topic_partition_list_s;
struct rd_kafka_NewTopic_s;
struct rd_kafka_AdminOptions_s;

namespace walcast::sinks::kafka {

// rd_kafka_destroy: blocks until librdkafka's threads have ended. Flush (or
// purge) first, and never let the last owner go on a librdkafka callback
// thread.
struct ClientDeleter {
  void operator()(rd_kafka_s* rk) const;
};
using ClientPtr = std::unique_ptr<rd_kafka_s, ClientDeleter>;

// rd_kafka_consumer_close (leaves the group, stops fetching), then
// rd_kafka_destroy.
struct ConsumerDeleter {
  void operator()(rd_kafka_s* rk) const;
};
using ConsumerPtr = std::unique_ptr<rd_kafka_s, ConsumerDeleter>;

// rd_kafka_conf_destroy. rd_kafka_new takes the conf on success only: the
// owner releases it then, and not before (NewProducerClient, NewConsumer).
struct ConfDeleter {
  void operator()(rd_kafka_conf_s* conf) const;
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_s, ConfDeleter>;

struct TopicDeleter {
  void operator()(rd_kafka_topic_s* rkt) const;
};
using TopicPtr = std::unique_ptr<rd_kafka_topic_s, TopicDeleter>;

struct QueueDeleter {
  void operator()(rd_kafka_queue_s* queue) const;
};
using QueuePtr = std::unique_ptr<rd_kafka_queue_s, QueueDeleter>;

struct EventDeleter {
  void operator()(rd_kafka_op_s* event) const;
};
using EventPtr = std::unique_ptr<rd_kafka_op_s, EventDeleter>;

struct ErrorDeleter {
  void operator()(rd_kafka_error_s* error) const;
};
using ErrorPtr = std::unique_ptr<rd_kafka_error_s, ErrorDeleter>;

// Headers are the message's once rd_kafka_producev succeeds: release them
// then, and only then.
struct HeadersDeleter {
  void operator()(rd_kafka_headers_s* headers) const;
};
using HeadersPtr = std::unique_ptr<rd_kafka_headers_s, HeadersDeleter>;

// For messages the application owns (rd_kafka_consumer_poll), never for
// those a delivery report lends.
struct MessageDeleter {
  void operator()(rd_kafka_message_s* message) const;
};
using MessagePtr = std::unique_ptr<rd_kafka_message_s, MessageDeleter>;

// (`struct` because librdkafka's function rd_kafka_metadata hides the name.)
struct MetadataDeleter {
  void operator()(const struct rd_kafka_metadata* metadata) const;
};
using MetadataPtr = std::unique_ptr<const struct rd_kafka_metadata, MetadataDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_s* list) const;
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_s, PartitionListDeleter>;

struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_s* topic) const;
};
using NewTopicPtr = std::unique_ptr<rd_kafka_NewTopic_s, NewTopicDeleter>;

struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_s* options) const;
};
using AdminOptionsPtr = std::unique_ptr<rd_kafka_AdminOptions_s, AdminOptionsDeleter>;

using ClientSettingList = std::vector<std::pair<std::string, std::string>>;

// A conf with `settings` applied in order. kInvalidArgument, naming the key
// as the user wrote it ("config key 'kafka.<key>'"), for the first one
// librdkafka refuses.
Result<ConfPtr> NewConf(const ClientSettingList& settings);

// rd_kafka_new of a producer or a consumer over `conf`, which the new client
// takes; on failure `conf` is destroyed here. kInvalidArgument with
// librdkafka's reason, prefixed by `what`.
Result<ClientPtr> NewProducerClient(ConfPtr conf, const std::string& what);
Result<ConsumerPtr> NewConsumer(ConfPtr conf, const std::string& what);

}  // namespace walcast::sinks::kafka
