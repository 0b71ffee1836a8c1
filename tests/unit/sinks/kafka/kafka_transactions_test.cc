// KafkaTransactions against librdkafka's mock cluster: the transaction's
// life (init, begin, commit, abort) and how librdkafka's errors map to the
// codes the sink acts on (kReplay: abort and replay; kFatal: stop;
// kUnavailable: call again). The 2.0.2 mock does not fence a producer when
// another one initializes the same transactional.id; the fencing test makes
// the broker answer the older producer as a real one does (PRODUCER_FENCED),
// and tests/integration/kafka_sink_integration_test.cc fences for real.

#include "sinks/kafka/kafka_transactions.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/sinks/kafka/mock_kafka.h"

namespace walcast::sinks::kafka {
namespace {

using namespace std::chrono_literals;
using testing::kApiEndTxn;
using testing::kApiInitProducerId;
using testing::kApiProduce;
using testing::MockKafka;

constexpr char kTopic[] = "txn.topic";
constexpr char kId[] = "walcast-txn-test";

class KafkaTransactionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kafka_.ok());
    kafka_.CreateTopic(kTopic);
  }

  // A transactional producer on the mock cluster with `id`.
  ClientPtr NewProducer(const std::string& id = kId) {
    return testing::NewMockClient({{"bootstrap.servers", kafka_.bootstrap()},
                                   {"transactional.id", id},
                                   {"reconnect.backoff.ms", "10"},
                                   {"reconnect.backoff.max.ms", "100"},
                                   {"log_level", "0"}},
                                  &NewProducerClient);
  }

  // Queues `value` for kTopic; librdkafka's error for it, if any.
  static rd_kafka_resp_err_t Produce(rd_kafka_t* rk, const std::string& value) {
    return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(kTopic),
                             RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  }

  // Waits between retries are drawn as 0: the tests never wait for jitter.
  static Backoff::RandomUnit NoJitter() {
    return [] { return 0.0; };
  }

  MockKafka kafka_;
};

std::vector<std::string> Values(const std::vector<testing::MockRecord>& records) {
  std::vector<std::string> values;
  for (const testing::MockRecord& r : records) values.push_back(r.value.value_or(""));
  return values;
}

TEST_F(KafkaTransactionsTest, BeginAndCommitDeliverTheRecords) {
  const ClientPtr rk = NewProducer();
  ASSERT_TRUE(rk);
  KafkaTransactions txn(rk.get(), kId, NoJitter());
  ASSERT_TRUE(txn.Init(20s).ok());
  EXPECT_FALSE(txn.open());
  ASSERT_TRUE(txn.BeginIfNeeded().ok());
  EXPECT_TRUE(txn.open());
  // Already open: nothing to do.
  ASSERT_TRUE(txn.BeginIfNeeded().ok());
  ASSERT_EQ(Produce(rk.get(), "a"), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(Produce(rk.get(), "b"), RD_KAFKA_RESP_ERR_NO_ERROR);
  const Status committed = txn.Commit(20s);
  ASSERT_TRUE(committed.ok()) << committed.ToString();
  EXPECT_FALSE(txn.open());
  EXPECT_EQ(Values(kafka_.Read(kTopic)), (std::vector<std::string>{"a", "b"}));
  // Nothing open: committing or aborting again is a no-op.
  EXPECT_TRUE(txn.Commit(1s).ok());
  EXPECT_TRUE(txn.Abort(1s).ok());
}

TEST_F(KafkaTransactionsTest, AbortClosesTheTransactionAndTheNextOneCommits) {
  const ClientPtr rk = NewProducer();
  ASSERT_TRUE(rk);
  KafkaTransactions txn(rk.get(), kId, NoJitter());
  ASSERT_TRUE(txn.Init(20s).ok());
  ASSERT_TRUE(txn.BeginIfNeeded().ok());
  ASSERT_EQ(Produce(rk.get(), "aborted"), RD_KAFKA_RESP_ERR_NO_ERROR);
  const Status aborted = txn.Abort(20s);
  ASSERT_TRUE(aborted.ok()) << aborted.ToString();
  EXPECT_FALSE(txn.open());
  ASSERT_TRUE(txn.BeginIfNeeded().ok());
  ASSERT_EQ(Produce(rk.get(), "committed"), RD_KAFKA_RESP_ERR_NO_ERROR);
  const Status committed = txn.Commit(20s);
  ASSERT_TRUE(committed.ok()) << committed.ToString();
  // The mock does not filter aborted records; the last one is the commit's.
  EXPECT_EQ(Values(kafka_.Read(kTopic)).back(), "committed");
}

TEST_F(KafkaTransactionsTest, FailedRecordMakesTheCommitAReplayUntilAborted) {
  const ClientPtr rk = NewProducer();
  ASSERT_TRUE(rk);
  KafkaTransactions txn(rk.get(), kId, NoJitter());
  ASSERT_TRUE(txn.Init(20s).ok());
  ASSERT_TRUE(txn.BeginIfNeeded().ok());
  kafka_.PushErrors(kApiProduce, {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE});
  ASSERT_EQ(Produce(rk.get(), "refused"), RD_KAFKA_RESP_ERR_NO_ERROR);
  const Status committed = txn.Commit(20s);
  EXPECT_EQ(committed.code(), Status::Code::kReplay) << committed.ToString();
  // Not committed: the transaction must be aborted before the next one.
  EXPECT_TRUE(txn.open());
  const Status aborted = txn.Abort(20s);
  ASSERT_TRUE(aborted.ok()) << aborted.ToString();
  EXPECT_FALSE(txn.open());
  EXPECT_TRUE(txn.BeginIfNeeded().ok());
}

TEST_F(KafkaTransactionsTest, ProducerFencedByASecondOneWithTheSameIdIsFatal) {
  const ClientPtr first_rk = NewProducer();
  ASSERT_TRUE(first_rk);
  KafkaTransactions first(first_rk.get(), kId, NoJitter());
  ASSERT_TRUE(first.Init(20s).ok());
  ASSERT_TRUE(first.BeginIfNeeded().ok());
  ASSERT_EQ(Produce(first_rk.get(), "zombie"), RD_KAFKA_RESP_ERR_NO_ERROR);

  // A second walcast with the same transactional.id takes over.
  const ClientPtr second_rk = NewProducer();
  ASSERT_TRUE(second_rk);
  KafkaTransactions second(second_rk.get(), kId, NoJitter());
  ASSERT_TRUE(second.Init(20s).ok());
  // What a real coordinator answers the older epoch's EndTxn.
  kafka_.PushErrors(kApiEndTxn, {RD_KAFKA_RESP_ERR_PRODUCER_FENCED});
  const Status committed = first.Commit(20s);
  EXPECT_EQ(committed.code(), Status::Code::kFatal) << committed.ToString();
  // Fenced for good: nothing more from the first producer.
  EXPECT_EQ(first.Abort(5s).code(), Status::Code::kFatal);

  // The newer producer goes on.
  ASSERT_TRUE(second.BeginIfNeeded().ok());
  ASSERT_EQ(Produce(second_rk.get(), "live"), RD_KAFKA_RESP_ERR_NO_ERROR);
  const Status second_committed = second.Commit(20s);
  EXPECT_TRUE(second_committed.ok()) << second_committed.ToString();
}

TEST_F(KafkaTransactionsTest, NotAuthorizedIsFatal) {
  const ClientPtr rk = NewProducer();
  ASSERT_TRUE(rk);
  KafkaTransactions txn(rk.get(), kId, NoJitter());
  kafka_.PushErrors(kApiInitProducerId, {RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED});
  const Status init = txn.Init(20s);
  EXPECT_EQ(init.code(), Status::Code::kFatal) << init.ToString();
}

TEST_F(KafkaTransactionsTest, CoordinatorStillLoadingIsRetriedWithinTheCall) {
  const ClientPtr rk = NewProducer();
  ASSERT_TRUE(rk);
  KafkaTransactions txn(rk.get(), kId, NoJitter());
  ASSERT_TRUE(txn.Init(20s).ok());
  ASSERT_TRUE(txn.BeginIfNeeded().ok());
  ASSERT_EQ(Produce(rk.get(), "a"), RD_KAFKA_RESP_ERR_NO_ERROR);
  kafka_.PushErrors(kApiEndTxn, {RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
                                 RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS});
  const Status committed = txn.Commit(20s);
  EXPECT_TRUE(committed.ok()) << committed.ToString();
  EXPECT_FALSE(txn.open());
}

TEST_F(KafkaTransactionsTest, InitWithoutABrokerIsUnavailableAndMayBeCalledAgain) {
  const ClientPtr rk = NewProducer();
  ASSERT_TRUE(rk);
  KafkaTransactions txn(rk.get(), kId, NoJitter());
  kafka_.SetBrokerUp(false);
  const Status init = txn.Init(1s);
  EXPECT_EQ(init.code(), Status::Code::kUnavailable) << init.ToString();
  kafka_.SetBrokerUp(true);
  const Status again = txn.Init(20s);
  EXPECT_TRUE(again.ok()) << again.ToString();
}

TEST_F(KafkaTransactionsTest, CommitWithoutABrokerIsUnavailableAndMayBeCalledAgain) {
  const ClientPtr rk = NewProducer();
  ASSERT_TRUE(rk);
  KafkaTransactions txn(rk.get(), kId, NoJitter());
  ASSERT_TRUE(txn.Init(20s).ok());
  ASSERT_TRUE(txn.BeginIfNeeded().ok());
  kafka_.SetBrokerUp(false);
  ASSERT_EQ(Produce(rk.get(), "late"), RD_KAFKA_RESP_ERR_NO_ERROR);
  const Status committed = txn.Commit(1s);
  EXPECT_EQ(committed.code(), Status::Code::kUnavailable) << committed.ToString();
  EXPECT_TRUE(txn.open());
  kafka_.SetBrokerUp(true);
  const Status again = txn.Commit(20s);
  ASSERT_TRUE(again.ok()) << again.ToString();
  EXPECT_FALSE(txn.open());
  EXPECT_EQ(Values(kafka_.Read(kTopic)), (std::vector<std::string>{"late"}));
}

TEST(KafkaTransactionsStatusTest, FencedAndOtherFatalErrorsAreFatal) {
  const KafkaTransactions txn(nullptr, kId);
  for (const int code : {static_cast<int>(RD_KAFKA_RESP_ERR__FENCED),
                         static_cast<int>(RD_KAFKA_RESP_ERR_PRODUCER_FENCED),
                         static_cast<int>(RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED)}) {
    EXPECT_EQ(txn.FatalStatus(code, "reason").code(), Status::Code::kFatal) << code;
  }
}

}  // namespace
}  // namespace walcast::sinks::kafka
