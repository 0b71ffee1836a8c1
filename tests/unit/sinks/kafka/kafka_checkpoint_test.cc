#include "sinks/kafka/kafka_checkpoint.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sinks/kafka/kafka_transactions.h"
#include "tests/unit/sinks/kafka/mock_kafka.h"

namespace walcast::sinks::kafka {
namespace {

using namespace std::chrono_literals;

TEST(KafkaCheckpointTest, EncodesAndDecodes) {
  const KafkaCheckpoint checkpoint{"walcast", Lsn(0x16B3748), "walcast-p-walcast", 1700000000123};
  const std::string json = EncodeCheckpoint(checkpoint);
  EXPECT_EQ(json, R"({"version":1,"slot":"walcast","end_lsn":"0/16B3748",)"
                  R"("transactional_id":"walcast-p-walcast","ts_ms":1700000000123})");
  Result<KafkaCheckpoint> decoded = DecodeCheckpoint(json);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, checkpoint);
}

TEST(KafkaCheckpointTest, EscapesNames) {
  const KafkaCheckpoint checkpoint{"slot\"1\\", Lsn(1), "id\n", 0};
  Result<KafkaCheckpoint> decoded = DecodeCheckpoint(EncodeCheckpoint(checkpoint));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, checkpoint);
}

TEST(KafkaCheckpointTest, RejectsWhatIsNotACheckpoint) {
  for (const char* bad : {
           "",
           "not json",
           "[]",
           R"({"slot":"s","end_lsn":"0/1"})",                  // no version
           R"({"version":2,"slot":"s","end_lsn":"0/1"})",      // unknown version
           R"({"version":1,"end_lsn":"0/1"})",                 // no slot
           R"({"version":1,"slot":"s"})",                      // no end_lsn
           R"({"version":1,"slot":"s","end_lsn":"16B3748"})",  // not X/X
           R"({"version":1,"slot":"s","end_lsn":12})",
       }) {
    Result<KafkaCheckpoint> decoded = DecodeCheckpoint(bad);
    EXPECT_FALSE(decoded.ok()) << bad;
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().code(), Status::Code::kCorruption) << bad;
    }
  }
}

TEST(KafkaCheckpointTest, ClientSettingsLeaveOutProducerProperties) {
  const std::vector<std::pair<std::string, std::string>> producer = {
      {"bootstrap.servers", "b:9092"},
      {"security.protocol", "SASL_SSL"},
      {"linger.ms", "20"},
      {"acks", "all"},
      {"compression.type", "lz4"},
      {"transaction.timeout.ms", "90000"},
      {"sasl.username", "u"},
      {"max.in.flight.requests.per.connection", "5"},
  };
  EXPECT_EQ(ClientSettings(producer),
            (std::vector<std::pair<std::string, std::string>>{{"bootstrap.servers", "b:9092"},
                                                              {"security.protocol", "SASL_SSL"},
                                                              {"sasl.username", "u"}}));
}

class KafkaCheckpointMockTest : public ::testing::Test {
 protected:
  // Writes `records` (key, value; a null value is a tombstone) to `topic`.
  void Produce(const std::string& topic,
               const std::vector<std::pair<std::string, std::optional<std::string>>>& records,
               int32_t partition = RD_KAFKA_PARTITION_UA) {
    const ClientPtr rk = testing::NewMockClient({{"bootstrap.servers", kafka_.bootstrap()}},
                                                &NewProducerClient);
    ASSERT_TRUE(rk);
    for (const auto& [key, value] : records) {
      // A null value is a tombstone.
      void* payload = value ? const_cast<char*>(value->data()) : nullptr;
      const size_t len = value ? value->size() : 0;
      ASSERT_EQ(
          rd_kafka_producev(rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                            RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(payload, len),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
          RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    EXPECT_EQ(rd_kafka_flush(rk.get(), 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  }

  std::string Checkpoint(const std::string& slot, uint64_t lsn) {
    return EncodeCheckpoint({slot, Lsn(lsn), "id", 1});
  }

  Result<std::optional<KafkaCheckpoint>> Read(const std::string& topic, const std::string& slot) {
    return ReadLastCheckpoint({{"bootstrap.servers", kafka_.bootstrap()}, {"log_level", "0"}},
                              topic, slot, 20s);
  }

  testing::MockKafka kafka_;
};

TEST_F(KafkaCheckpointMockTest, ReadsTheNewestCheckpointOfTheSlot) {
  kafka_.CreateTopic("cp", 2);
  Produce("cp", {{"a", Checkpoint("a", 10)}, {"b", Checkpoint("b", 11)}}, 0);
  Produce("cp", {{"a", Checkpoint("a", 20)}, {"b", Checkpoint("b", 21)}}, 1);
  Produce("cp", {{"a", Checkpoint("a", 30)}}, 1);
  Result<std::optional<KafkaCheckpoint>> a = Read("cp", "a");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->end_lsn, Lsn(30));
  Result<std::optional<KafkaCheckpoint>> b = Read("cp", "b");
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->end_lsn, Lsn(21));
  Result<std::optional<KafkaCheckpoint>> none = Read("cp", "c");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->has_value());
}

TEST_F(KafkaCheckpointMockTest, FindsACheckpointFarBehindOtherSlots) {
  kafka_.CreateTopic("cp", 1);
  Produce("cp", {{"old", Checkpoint("old", 5)}});
  std::vector<std::pair<std::string, std::optional<std::string>>> others;
  for (int i = 0; i < 3000; ++i) others.emplace_back("busy", Checkpoint("busy", 100 + i));
  Produce("cp", others);
  Result<std::optional<KafkaCheckpoint>> old = Read("cp", "old");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  ASSERT_TRUE(old->has_value());
  EXPECT_EQ((*old)->end_lsn, Lsn(5));
}

TEST_F(KafkaCheckpointMockTest, TombstoneClearsTheCheckpoint) {
  kafka_.CreateTopic("cp", 1);
  Produce("cp", {{"a", Checkpoint("a", 10)}, {"a", std::nullopt}});
  Result<std::optional<KafkaCheckpoint>> a = Read("cp", "a");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_FALSE(a->has_value());
}

TEST_F(KafkaCheckpointMockTest, MalformedNewestCheckpointIsCorruption) {
  kafka_.CreateTopic("cp", 1);
  Produce("cp", {{"a", Checkpoint("a", 10)}, {"a", std::string("garbage")}});
  Result<std::optional<KafkaCheckpoint>> a = Read("cp", "a");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Status::Code::kCorruption);
}

TEST_F(KafkaCheckpointMockTest, CheckpointCommittedInATransactionIsReadBack) {
  kafka_.CreateTopic("cp", 1);
  const ClientPtr rk = testing::NewMockClient({{"bootstrap.servers", kafka_.bootstrap()},
                                               {"transactional.id", "walcast-cp"},
                                               {"log_level", "0"}},
                                              &NewProducerClient);
  ASSERT_TRUE(rk);
  ASSERT_TRUE(EnsureCheckpointTopic(rk.get(), "cp", 20s).ok());
  KafkaTransactions txn(rk.get(), "walcast-cp");
  ASSERT_TRUE(txn.Init(20s).ok());
  const KafkaCheckpoint written{"slot1", Lsn(0x16B3748), "walcast-cp", 1700000000123};
  for (const KafkaCheckpoint& checkpoint : {KafkaCheckpoint{"slot1", Lsn(0x100), "walcast-cp", 1},
                                            written}) {
    ASSERT_TRUE(txn.BeginIfNeeded().ok());
    const std::string value = EncodeCheckpoint(checkpoint);
    ASSERT_EQ(rd_kafka_producev(rk.get(), RD_KAFKA_V_TOPIC("cp"),
                                RD_KAFKA_V_KEY(checkpoint.slot.data(), checkpoint.slot.size()),
                                RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    const Status committed = txn.Commit(20s);
    ASSERT_TRUE(committed.ok()) << committed.ToString();
  }
  Result<std::optional<KafkaCheckpoint>> read = Read("cp", "slot1");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ(**read, written);
}

TEST_F(KafkaCheckpointMockTest, TopicTheBrokerDoesNotKnowIsNotFound) {
  kafka_.CreateTopic("absent", 1);
  kafka_.SetTopicError("absent", RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  // walcast waits this long for a missing topic to appear. On a loaded
  // machine the last metadata request may time out: the broker's earlier
  // "unknown topic" still decides.
  Result<std::optional<KafkaCheckpoint>> read = ReadLastCheckpoint(
      {{"bootstrap.servers", kafka_.bootstrap()}, {"log_level", "0"}}, "absent", "a", 3s);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), Status::Code::kNotFound) << read.status().ToString();
}

TEST_F(KafkaCheckpointMockTest, BrokerAwayIsUnavailable) {
  kafka_.CreateTopic("cp", 1);
  kafka_.SetBrokerUp(false);
  Result<std::optional<KafkaCheckpoint>> read = ReadLastCheckpoint(
      {{"bootstrap.servers", kafka_.bootstrap()}, {"log_level", "0"}}, "cp", "a", 1s);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), Status::Code::kUnavailable) << read.status().ToString();
}

TEST_F(KafkaCheckpointMockTest, ExistingTopicIsUsedAsItIs) {
  kafka_.CreateTopic("cp", 3);
  const ClientPtr rk = testing::NewMockClient(
      {{"bootstrap.servers", kafka_.bootstrap()}, {"log_level", "0"}}, &NewProducerClient);
  ASSERT_TRUE(rk);
  const Status ensured = EnsureCheckpointTopic(rk.get(), "cp", 20s);
  EXPECT_TRUE(ensured.ok()) << ensured.ToString();
}

}  // namespace
}  // namespace walcast::sinks::kafka
