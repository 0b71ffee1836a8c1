#pragma once

// A librdkafka mock cluster (rdkafka_mock.h) for the Kafka sink's unit tests:
// an in-process broker on loopback that speaks the protocol, with error
// injection for the paths a real broker rarely takes. The mock of librdkafka
// 2.0.2 has no CreateTopics, no producer fencing and no read_committed
// filtering (aborted records are visible); the integration tests cover those
// against a real Kafka.

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "sinks/kafka/rdkafka_handles.h"

namespace walcast::testing {

// Kafka protocol API keys for rd_kafka_mock_push_request_errors.
inline constexpr int16_t kApiProduce = 0;
inline constexpr int16_t kApiInitProducerId = 22;
inline constexpr int16_t kApiEndTxn = 26;

struct MockRecord {
  int32_t partition = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::map<std::string, std::string> headers;
};

struct MockClusterDeleter {
  void operator()(rd_kafka_mock_cluster_t* cluster) const {
    rd_kafka_mock_cluster_destroy(cluster);
  }
};

// A client made by `make` (sinks::kafka::NewProducerClient or NewConsumer)
// with `settings`; null, after a test failure naming the reason, when
// librdkafka refuses them.
template <typename Client>
Client NewMockClient(const sinks::kafka::ClientSettingList& settings,
                     Result<Client> (*make)(sinks::kafka::ConfPtr, const std::string&)) {
  Result<sinks::kafka::ConfPtr> conf = sinks::kafka::NewConf(settings);
  Result<Client> client =
      conf.ok() ? make(std::move(*conf), "mock client") : Result<Client>(conf.status());
  if (!client.ok()) {
    ADD_FAILURE() << client.status().ToString();
    return nullptr;
  }
  return std::move(*client);
}

// Thread: the test's main thread; the cluster runs on librdkafka's threads.
class MockKafka {
 public:
  MockKafka() : handle_(NewMockClient({{"log_level", "0"}}, &sinks::kafka::NewProducerClient)) {
    if (handle_) cluster_.reset(rd_kafka_mock_cluster_new(handle_.get(), 1));
  }
  MockKafka(const MockKafka&) = delete;
  MockKafka& operator=(const MockKafka&) = delete;

  bool ok() const { return cluster_ != nullptr; }
  std::string bootstrap() const { return rd_kafka_mock_cluster_bootstraps(cluster_.get()); }
  rd_kafka_mock_cluster_t* cluster() { return cluster_.get(); }

  void CreateTopic(const std::string& topic, int partitions = 1) {
    rd_kafka_mock_topic_create(cluster_.get(), topic.c_str(), partitions, 1);
  }
  // Every metadata answer about `topic` carries `err` (e.g.
  // UNKNOWN_TOPIC_OR_PART: the mock otherwise creates a topic it is asked
  // about); RD_KAFKA_RESP_ERR_NO_ERROR clears it.
  void SetTopicError(const std::string& topic, rd_kafka_resp_err_t err) {
    rd_kafka_mock_topic_set_error(cluster_.get(), topic.c_str(), err);
  }
  // The next `errors.size()` requests of API `api` fail with these errors.
  void PushErrors(int16_t api, const std::vector<rd_kafka_resp_err_t>& errors) {
    rd_kafka_mock_push_request_errors_array(cluster_.get(), api, errors.size(), errors.data());
  }
  void ClearErrors(int16_t api) { rd_kafka_mock_clear_request_errors(cluster_.get(), api); }
  void SetBrokerUp(bool up) {
    if (up) {
      rd_kafka_mock_broker_set_up(cluster_.get(), 1);
    } else {
      rd_kafka_mock_broker_set_down(cluster_.get(), 1);
    }
  }

  // Every record of `topic` (all partitions, from the start to the end as
  // of now, aborted ones included: the mock does not filter them).
  std::vector<MockRecord> Read(const std::string& topic,
                               std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::vector<MockRecord> out;
    sinks::kafka::ConsumerPtr rk = NewMockClient({{"bootstrap.servers", bootstrap()},
                                                  {"group.id", "mock-reader"},
                                                  {"enable.partition.eof", "true"},
                                                  {"enable.auto.commit", "false"},
                                                  {"log_level", "0"}},
                                                 &sinks::kafka::NewConsumer);
    if (!rk) return out;
    rd_kafka_poll_set_consumer(rk.get());
    const int partitions = PartitionCount(rk.get(), topic);
    sinks::kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(partitions));
    for (int p = 0; p < partitions; ++p) {
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(rk.get(), list.get());
    std::map<int32_t, bool> at_end;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (static_cast<int>(at_end.size()) < partitions &&
           std::chrono::steady_clock::now() < deadline) {
      const sinks::kafka::MessagePtr m(rd_kafka_consumer_poll(rk.get(), 100));
      if (!m) continue;
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        at_end[m->partition] = true;
      } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        out.push_back(ToRecord(m.get()));
      }
    }
    return out;
  }

 private:
  static int PartitionCount(rd_kafka_t* rk, const std::string& topic) {
    const sinks::kafka::TopicPtr rkt(rd_kafka_topic_new(rk, topic.c_str(), nullptr));
    const rd_kafka_metadata_t* raw = nullptr;
    if (rd_kafka_metadata(rk, 0, rkt.get(), &raw, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
    const sinks::kafka::MetadataPtr md(raw);
    if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
    return md->topics[0].partition_cnt;
  }

  static MockRecord ToRecord(rd_kafka_message_t* m) {
    MockRecord r;
    r.partition = m->partition;
    if (m->key) r.key.emplace(static_cast<const char*>(m->key), m->key_len);
    if (m->payload) r.value.emplace(static_cast<const char*>(m->payload), m->len);
    rd_kafka_headers_t* headers = nullptr;  // the message's
    if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return r;
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      r.headers[name] = value ? std::string(static_cast<const char*>(value), size) : "";
    }
    return r;
  }

  // The cluster runs on the handle's threads: destroyed first.
  sinks::kafka::ClientPtr handle_;
  std::unique_ptr<rd_kafka_mock_cluster_t, MockClusterDeleter> cluster_;
};

}  // namespace walcast::testing
