#include "sinks/kafka/rdkafka_handles.h"

#include <librdkafka/rdkafka.h>

namespace walcast::sinks::kafka {

void ClientDeleter::operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }

void ConsumerDeleter::operator()(rd_kafka_t* rk) const {
  (void)rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
}

void ConfDeleter::operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }

void TopicDeleter::operator()(rd_kafka_topic_t* rkt) const { rd_kafka_topic_destroy(rkt); }

void QueueDeleter::operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }

void EventDeleter::operator()(rd_kafka_event_t* event) const { rd_kafka_event_destroy(event); }

void ErrorDeleter::operator()(rd_kafka_error_t* error) const { rd_kafka_error_destroy(error); }

void HeadersDeleter::operator()(rd_kafka_headers_t* headers) const {
  rd_kafka_headers_destroy(headers);
}

void MessageDeleter::operator()(rd_kafka_message_t* message) const {
  rd_kafka_message_destroy(message);
}

void MetadataDeleter::operator()(const rd_kafka_metadata_t* metadata) const {
  rd_kafka_metadata_destroy(metadata);
}

void PartitionListDeleter::operator()(rd_kafka_topic_partition_list_t* list) const {
  rd_kafka_topic_partition_list_destroy(list);
}

void NewTopicDeleter::operator()(rd_kafka_NewTopic_t* topic) const {
  rd_kafka_NewTopic_destroy(topic);
}

void AdminOptionsDeleter::operator()(rd_kafka_AdminOptions_t* options) const {
  rd_kafka_AdminOptions_destroy(options);
}

Result<ConfPtr> NewConf(const ClientSettingList& settings) {
  ConfPtr conf(rd_kafka_conf_new());
  char errstr[512];
  for (const auto& [key, value] : settings) {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr, sizeof(errstr)) !=
        RD_KAFKA_CONF_OK) {
      // librdkafka's text may quote the value; a secret's is never printed.
      const bool secret = key.ends_with("password") || key == "sasl.jaas.config" ||
                          key == "ssl.key.pem" || key.ends_with("client.secret");
      return Status::InvalidArgument(
          "config key 'kafka." + key +
          "': " + (secret ? std::string("librdkafka refused the value") : errstr));
    }
  }
  return conf;
}

namespace {

// rd_kafka_new takes the conf only when it returns a client.
rd_kafka_t* NewClient(rd_kafka_type_t type, ConfPtr& conf, std::string* error) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof(errstr));
  if (rk == nullptr) {
    *error = errstr;
    return nullptr;
  }
  (void)conf.release();  // owned by rk now
  return rk;
}

}  // namespace

Result<ClientPtr> NewProducerClient(ConfPtr conf, const std::string& what) {
  std::string error;
  ClientPtr rk(NewClient(RD_KAFKA_PRODUCER, conf, &error));
  if (!rk) return Status::InvalidArgument(what + ": " + error);
  return rk;
}

Result<ConsumerPtr> NewConsumer(ConfPtr conf, const std::string& what) {
  std::string error;
  ConsumerPtr rk(NewClient(RD_KAFKA_CONSUMER, conf, &error));
  if (!rk) return Status::InvalidArgument(what + ": " + error);
  return rk;
}

}  // namespace walcast::sinks::kafka
