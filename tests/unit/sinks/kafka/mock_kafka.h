#pragma once

// A librdkafka mock cluster (rdkafka_mock.h) for the Kafka sink's unit tests:
// an in-process broker on loopback that speaks the protocol, with error
// injection for the paths a real broker rarely takes. The mock of librdkafka
// 2.0.2 has no CreateTopics, no producer fencing and no read_committed
// filtering (aborted records are visible); the integration tests cover those
// against a real Kafka.

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace walcast::testing {

// Kafka protocol API keys for rd_kafka_mock_push_request_errors.
inline constexpr int16_t kApiProduce = 0;
inline constexpr int16_t kApiEndTxn = 26;

struct MockRecord {
  int32_t partition = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::map<std::string, std::string> headers;
};

// Thread: the test's main thread; the cluster runs on librdkafka's threads.
class MockKafka {
 public:
  MockKafka() {
    char errstr[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr));
    handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    cluster_ = rd_kafka_mock_cluster_new(handle_, 1);
  }
  ~MockKafka() {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(handle_);
  }
  MockKafka(const MockKafka&) = delete;
  MockKafka& operator=(const MockKafka&) = delete;

  bool ok() const { return cluster_ != nullptr; }
  std::string bootstrap() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }
  rd_kafka_mock_cluster_t* cluster() { return cluster_; }

  void CreateTopic(const std::string& topic, int partitions = 1) {
    rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1);
  }
  // The next `errors.size()` requests of API `api` fail with these errors.
  void PushErrors(int16_t api, const std::vector<rd_kafka_resp_err_t>& errors) {
    rd_kafka_mock_push_request_errors_array(cluster_, api, errors.size(), errors.data());
  }
  void ClearErrors(int16_t api) { rd_kafka_mock_clear_request_errors(cluster_, api); }
  void SetBrokerUp(bool up) {
    if (up) {
      rd_kafka_mock_broker_set_up(cluster_, 1);
    } else {
      rd_kafka_mock_broker_set_down(cluster_, 1);
    }
  }

  // Every record of `topic` (all partitions, from the start to the end as
  // of now, aborted ones included: the mock does not filter them).
  std::vector<MockRecord> Read(const std::string& topic,
                               std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::vector<MockRecord> out;
    char errstr[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    for (const auto& [k, v] : std::map<std::string, std::string>{{"bootstrap.servers", bootstrap()},
                                                                 {"group.id", "mock-reader"},
                                                                 {"enable.partition.eof", "true"},
                                                                 {"enable.auto.commit", "false"},
                                                                 {"log_level", "0"}}) {
      rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof(errstr));
    }
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    rd_kafka_poll_set_consumer(rk);
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    int partitions = 0;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        partitions = md->topics[0].partition_cnt;
      }
      rd_kafka_metadata_destroy(md);
    }
    rd_kafka_topic_destroy(rkt);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) {
      rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    std::map<int32_t, bool> at_end;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (static_cast<int>(at_end.size()) < partitions &&
           std::chrono::steady_clock::now() < deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        at_end[m->partition] = true;
      } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        MockRecord r;
        r.partition = m->partition;
        if (m->key) r.key.emplace(static_cast<const char*>(m->key), m->key_len);
        if (m->payload) r.value.emplace(static_cast<const char*>(m->payload), m->len);
        rd_kafka_headers_t* headers = nullptr;
        if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
          const char* name = nullptr;
          const void* value = nullptr;
          size_t size = 0;
          for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
                             RD_KAFKA_RESP_ERR_NO_ERROR;
               ++i) {
            r.headers[name] = value ? std::string(static_cast<const char*>(value), size) : "";
          }
        }
        out.push_back(std::move(r));
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return out;
  }

 private:
  rd_kafka_t* handle_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

}  // namespace walcast::testing
