// Proves the Kafka test harness (tests/support/kafka_cluster.h) against the
// real broker: records read back carry every field as produced, and a broker
// stopped and started again keeps its data and its address.

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/kafka_cluster.h"

namespace walcast::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct ErrorDeleter {
  void operator()(rd_kafka_error_t* e) const { rd_kafka_error_destroy(e); }
};

// Delivery outcomes, counted by DeliveryReport. Only touched from the test's
// thread: librdkafka runs the callback inside rd_kafka_poll()/rd_kafka_flush().
struct Deliveries {
  int delivered = 0;
  int failed = 0;
  rd_kafka_resp_err_t last_error = RD_KAFKA_RESP_ERR_NO_ERROR;
};

void DeliveryReport(rd_kafka_t* /*rk*/, const rd_kafka_message_t* m, void* opaque) {
  auto* d = static_cast<Deliveries*>(opaque);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++d->delivered;
  } else {
    ++d->failed;
    d->last_error = m->err;
  }
}

// A plain librdkafka producer for the tests (not the sink under test). Records
// go to explicit partitions so that the expected offsets are known.
class TestProducer {
 public:
  TestProducer(const std::string& bootstrap, milliseconds message_timeout) {
    std::unique_ptr<rd_kafka_conf_t, ConfDeleter> conf(rd_kafka_conf_new());
    std::array<char, 512> errstr{};
    const std::vector<std::pair<std::string, std::string>> settings = {
        {"bootstrap.servers", bootstrap},
        {"message.timeout.ms", std::to_string(message_timeout.count())},
        {"linger.ms", "0"},
        // Retries (e.g. while a just-created topic's leader is elected) must
        // not reorder a partition's records: the tests expect offsets in
        // produce order.
        {"enable.idempotence", "true"},
        {"reconnect.backoff.max.ms", "500"},
        {"log.connection.close", "false"},
    };
    for (const auto& [key, value] : settings) {
      if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr.data(), errstr.size()) !=
          RD_KAFKA_CONF_OK) {
        ADD_FAILURE() << key << ": " << errstr.data();
        return;
      }
    }
    rd_kafka_conf_set_dr_msg_cb(conf.get(), DeliveryReport);
    rd_kafka_conf_set_opaque(conf.get(), &deliveries_);
    rk_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr.data(), errstr.size()));
    if (!rk_) {
      ADD_FAILURE() << "rd_kafka_new: " << errstr.data();
      return;
    }
    (void)conf.release();  // Owned by rk_ on success only.
  }

  // Enqueues one record; fails the test if librdkafka refuses it.
  void Produce(const std::string& topic, int32_t partition, const std::optional<std::string>& key,
               const std::optional<std::string>& value,
               const std::vector<KafkaHeader>& headers = {}) {
    ASSERT_TRUE(rk_);
    std::vector<rd_kafka_vu_t> vus;
    auto add = [&vus](rd_kafka_vtype_t type) -> rd_kafka_vu_t& {
      vus.emplace_back();
      vus.back().vtype = type;
      return vus.back();
    };
    add(RD_KAFKA_VTYPE_TOPIC).u.cstr = topic.c_str();
    add(RD_KAFKA_VTYPE_PARTITION).u.i32 = partition;
    add(RD_KAFKA_VTYPE_MSGFLAGS).u.i = RD_KAFKA_MSG_F_COPY;
    // librdkafka copies key and value (F_COPY) and header values; nullptr
    // means null, distinct from an empty string.
    rd_kafka_vu_t& k = add(RD_KAFKA_VTYPE_KEY);
    k.u.mem.ptr = key ? const_cast<char*>(key->data()) : nullptr;
    k.u.mem.size = key ? key->size() : 0;
    rd_kafka_vu_t& v = add(RD_KAFKA_VTYPE_VALUE);
    v.u.mem.ptr = value ? const_cast<char*>(value->data()) : nullptr;
    v.u.mem.size = value ? value->size() : 0;
    for (const auto& h : headers) {
      rd_kafka_vu_t& hv = add(RD_KAFKA_VTYPE_HEADER);
      hv.u.header.name = h.name.c_str();
      hv.u.header.val = h.value ? h.value->data() : nullptr;
      hv.u.header.size = h.value ? static_cast<ssize_t>(h.value->size()) : 0;
    }
    const std::unique_ptr<rd_kafka_error_t, ErrorDeleter> error(
        rd_kafka_produceva(rk_.get(), vus.data(), vus.size()));
    ASSERT_FALSE(error) << "produce to " << topic << ": " << rd_kafka_error_string(error.get());
  }

  // Waits up to `timeout` for every enqueued record's delivery report.
  rd_kafka_resp_err_t Flush(milliseconds timeout) {
    return rd_kafka_flush(rk_.get(), static_cast<int>(timeout.count()));
  }

  [[nodiscard]] const Deliveries& deliveries() const { return deliveries_; }

 private:
  Deliveries deliveries_;  // Declared first: rk_'s destructor may still report into it.
  std::unique_ptr<rd_kafka_t, RdKafkaDeleter> rk_;
};

// A topic name unique to the running test (the broker is shared by the binary).
std::string TopicFor(const std::string& suffix = "") {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string("harness.") + info->name() + suffix;
}

KafkaRecord Expected(const std::string& topic, int32_t partition, int64_t offset,
                     std::optional<std::string> key, std::optional<std::string> value,
                     std::vector<KafkaHeader> headers = {}) {
  return KafkaRecord{topic,          partition,        offset,
                     std::move(key), std::move(value), std::move(headers)};
}

TEST(KafkaHarnessTest, ConsumeReturnsEveryFieldAsProduced) {
  WALCAST_REQUIRE_KAFKA(kafka);
  const std::string topic = TopicFor();
  ASSERT_TRUE(kafka->CreateTopic(topic, 3));

  const std::string binary_key("k\0ey", 4);
  const std::string binary_value("\x00\xff\x01", 3);
  const std::vector<KafkaHeader> headers = {
      {"h-text", "a"}, {"h-null", std::nullopt}, {"h-empty", ""}, {"h-binary", binary_value}};
  TestProducer producer(kafka->bootstrap(), seconds(30));
  producer.Produce(topic, 0, "k1", "v1", headers);
  producer.Produce(topic, 0, binary_key, binary_value);
  producer.Produce(topic, 1, std::nullopt, "no key");
  producer.Produce(topic, 2, "gone", std::nullopt, {{"op", "d"}});  // tombstone
  producer.Produce(topic, 2, "", "");                               // empty, not null
  ASSERT_EQ(producer.Flush(seconds(30)), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(producer.deliveries().delivered, 5);

  const std::vector<KafkaRecord> expected = {
      Expected(topic, 0, 0, "k1", "v1", headers),
      Expected(topic, 0, 1, binary_key, binary_value),
      Expected(topic, 1, 0, std::nullopt, "no key"),
      Expected(topic, 2, 0, "gone", std::nullopt, {{"op", "d"}}),
      Expected(topic, 2, 1, "", ""),
  };
  EXPECT_EQ(kafka->Consume(topic, 5, seconds(30)), expected);
  // Nothing beyond them, and a second reader starts from the beginning again.
  EXPECT_EQ(kafka->ConsumeAll(topic, milliseconds(500)), expected);
}

TEST(KafkaHarnessTest, AutoCreatedTopicHasOnePartition) {
  WALCAST_REQUIRE_KAFKA(kafka);
  const std::string topic = TopicFor();
  TestProducer producer(kafka->bootstrap(), seconds(30));
  producer.Produce(topic, RD_KAFKA_PARTITION_UA, "k", "v");
  ASSERT_EQ(producer.Flush(seconds(30)), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(producer.deliveries().delivered, 1);
  EXPECT_EQ(kafka->ConsumeAll(topic, milliseconds(500)),
            std::vector<KafkaRecord>{Expected(topic, 0, 0, "k", "v")});
}

TEST(KafkaHarnessTest, MissingTopicReadsAsEmpty) {
  WALCAST_REQUIRE_KAFKA(kafka);
  EXPECT_TRUE(kafka->ConsumeAll(TopicFor(), milliseconds(300)).empty());
  EXPECT_TRUE(kafka->Consume(TopicFor(), 1, milliseconds(300)).empty());
}

TEST(KafkaHarnessTest, CreateTopicFailsWhenTheTopicExists) {
  WALCAST_REQUIRE_KAFKA(kafka);
  const std::string topic = TopicFor();
  ASSERT_TRUE(kafka->CreateTopic(topic, 2));
  const ::testing::AssertionResult again = kafka->CreateTopic(topic, 2);
  EXPECT_FALSE(again);
  EXPECT_NE(
      std::string(again.message()).find(rd_kafka_err2name(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)),
      std::string::npos)
      << again.message();
}

TEST(KafkaHarnessTest, StoppedBrokerFailsProducesAndRestartKeepsDataAndAddress) {
  WALCAST_REQUIRE_KAFKA(kafka);
  const std::string topic = TopicFor();
  ASSERT_TRUE(kafka->CreateTopic(topic, 3));
  // One producer across the outage, like a sink: it must reconnect by itself.
  TestProducer producer(kafka->bootstrap(), seconds(4));
  for (int32_t p = 0; p < 3; ++p) producer.Produce(topic, p, "before", "b" + std::to_string(p));
  ASSERT_EQ(producer.Flush(seconds(30)), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(producer.deliveries().delivered, 3);
  ASSERT_EQ(kafka->Consume(topic, 3, seconds(30)).size(), 3u);

  const std::string bootstrap = kafka->bootstrap();
  ASSERT_TRUE(kafka->Stop());
  producer.Produce(topic, 0, "during", "lost");
  // message.timeout.ms (4 s) expires the record; flush returns once reported.
  EXPECT_EQ(producer.Flush(seconds(30)), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(producer.deliveries().failed, 1);
  EXPECT_EQ(producer.deliveries().last_error, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT);
  // Reading fails the test rather than returning nothing. (The statement in
  // EXPECT_NONFATAL_FAILURE cannot see locals, hence the statics.)
  static KafkaCluster* stopped;
  static std::string stopped_topic;
  stopped = kafka;
  stopped_topic = topic;
  EXPECT_NONFATAL_FAILURE((void)stopped->ConsumeAll(stopped_topic, milliseconds(200), seconds(2)),
                          "was not reached");

  ASSERT_TRUE(kafka->Start());
  EXPECT_EQ(kafka->bootstrap(), bootstrap);
  producer.Produce(topic, 0, "after", "a0");
  producer.Produce(topic, 2, "after", "a2");
  ASSERT_EQ(producer.Flush(seconds(30)), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(producer.deliveries().delivered, 5);

  const std::vector<KafkaRecord> expected = {
      Expected(topic, 0, 0, "before", "b0"), Expected(topic, 0, 1, "after", "a0"),
      Expected(topic, 1, 0, "before", "b1"), Expected(topic, 2, 0, "before", "b2"),
      Expected(topic, 2, 1, "after", "a2"),
  };
  EXPECT_EQ(kafka->Consume(topic, 5, seconds(30)), expected);
  EXPECT_EQ(kafka->ConsumeAll(topic, milliseconds(500)), expected);
}

}  // namespace
}  // namespace walcast::testing
