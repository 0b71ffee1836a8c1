// The Kafka sink's delivery paths against librdkafka's mock cluster:
// acknowledgement after delivery, dead letters for records the broker
// refuses for good, replay after transient failures, and exactly-once mode
// (acknowledgement only after the Kafka commit, the checkpoint, skipping what
// it covers, fencing). Real-broker behaviour (read_committed filtering,
// kill -9) is in tests/integration/kafka_sink_integration_test.cc.

#include "sinks/kafka/kafka_sink.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/ack_tracker.h"
#include "core/pipeline.h"
#include "sinks/kafka/kafka_checkpoint.h"
#include "sinks/kafka/producer_pool.h"
#include "sinks/kafka/producer_settings.h"
#include "tests/support/process.h"
#include "tests/unit/sinks/kafka/mock_kafka.h"

namespace walcast::sinks::kafka {
namespace {

using testing::kApiEndTxn;
using testing::kApiProduce;
using testing::MockKafka;
using testing::MockRecord;
using testing::PollUntil;
using namespace std::chrono_literals;

constexpr char kTopic[] = "mock.public.t";
constexpr char kDeadLetters[] = "mock.dlq";
constexpr char kCheckpoints[] = "mock.walcast.checkpoints";
constexpr uint64_t kStart = 0x1000;

std::shared_ptr<const Relation> Table(const std::string& name = "t") {
  auto r = std::make_shared<Relation>();
  r->oid = 16384;
  r->schema = "public";
  r->name = name;
  Column id;
  id.name = "id";
  id.type_oid = 23;  // int4
  id.not_null = true;
  id.is_key = true;
  Column v;
  v.name = "v";
  v.type_oid = 25;  // text
  r->columns = {id, v};
  r->primary_key = {0};
  return r;
}

// Transaction n (1, 2, ...) has commit LSN kStart + 100n and ends 8 bytes later.
TransactionInfo Txn(int n) {
  TransactionInfo t;
  t.xid = 700 + n;
  t.commit_lsn = Lsn(kStart + 100 * n);
  t.commit_time_us = 1700000000000000;
  return t;
}
Lsn EndOf(int n) { return Lsn(kStart + 100 * n + 8); }

class KafkaSinkMockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kafka_.ok());
    kafka_.CreateTopic(kTopic);
    kafka_.CreateTopic(kDeadLetters);
    kafka_.CreateTopic(kCheckpoints);
  }

  KafkaSinkOptions Options(std::vector<std::pair<std::string, std::string>> extra = {}) const {
    KafkaSinkOptions o;
    o.encoder.topic_prefix = "mock";
    o.encoder.database = "db";
    o.encoder.key_schemas = false;
    o.encoder.value_schemas = false;
    o.producer_config = {{"bootstrap.servers", kafka_.bootstrap()}, {"log_level", "0"}};
    for (auto& kv : extra) o.producer_config.push_back(std::move(kv));
    o.dead_letter_topic = kDeadLetters;
    return o;
  }
  KafkaSinkOptions ExactlyOnce(std::vector<std::pair<std::string, std::string>> extra = {}) const {
    KafkaSinkOptions o = Options(std::move(extra));
    o.exactly_once.enabled = true;
    o.exactly_once.transactional_id = "walcast-mock";
    o.exactly_once.checkpoint_topic = kCheckpoints;
    o.exactly_once.slot = "slot1";
    // Commits only when the test flushes.
    o.exactly_once.commit_interval = std::chrono::hours(1);
    o.exactly_once.start_timeout = 20s;
    return o;
  }

  // A pipeline over one Kafka sink built from `options`; tracker_ starts at kStart.
  ::testing::AssertionResult Start(KafkaSinkOptions options) {
    tracker_ = std::make_unique<AckTracker>(Lsn(kStart));
    pipeline_ = std::make_unique<Pipeline>(tracker_.get());
    Result<std::unique_ptr<KafkaSink>> sink = KafkaSink::Create(std::move(options));
    if (!sink.ok()) return ::testing::AssertionFailure() << sink.status().ToString();
    sink_ = sink->get();
    pipeline_->AddSink(std::move(*sink));
    return ::testing::AssertionSuccess();
  }

  // Transaction n inserting the rows `ids` (value "v<id>", or `value` when set).
  Status Write(int n, const std::vector<int>& ids, const std::string& value = "") {
    return WriteTo(pipeline_.get(), n, ids, value);
  }
  static Status WriteTo(Pipeline* pipeline, int n, const std::vector<int>& ids,
                        const std::string& value = "") {
    const std::shared_ptr<const Relation> table = Table();
    TransactionInfo txn = Txn(n);
    WALCAST_RETURN_IF_ERROR(pipeline->OnBegin(txn));
    for (size_t i = 0; i < ids.size(); ++i) {
      ChangeEvent e;
      e.op = Op::kCreate;
      e.lsn = Lsn(txn.commit_lsn.value() - 50 + i);
      e.relation = table;
      e.after = Tuple{Datum::Text(std::to_string(ids[i])),
                      Datum::Text(value.empty() ? "v" + std::to_string(ids[i]) : value)};
      WALCAST_RETURN_IF_ERROR(pipeline->OnChange(txn, e));
    }
    txn.end_lsn = EndOf(n);
    return pipeline->OnCommit(txn);
  }

  // The snapshot as the reader hands it over: one transaction (number n) of
  // `rows` reads of table `table` with ids 1..rows, marked first / true /
  // last; the row with id `bad_id` (if any) has an id no int4 codec accepts.
  Status WriteSnapshot(int n, int rows, const std::string& table = "t", int bad_id = 0) {
    const std::shared_ptr<const Relation> relation = Table(table);
    TransactionInfo txn = Txn(n);
    txn.snapshot = true;
    txn.end_lsn = EndOf(n);  // known at begin for the snapshot
    WALCAST_RETURN_IF_ERROR(pipeline_->OnBegin(txn));
    for (int id = 1; id <= rows; ++id) {
      ChangeEvent e;
      e.op = Op::kRead;
      e.lsn = txn.commit_lsn;
      e.relation = relation;
      e.snapshot = id == 1      ? SnapshotMark::kFirst
                   : id == rows ? SnapshotMark::kLast
                                : SnapshotMark::kTrue;
      e.after = Tuple{Datum::Text(id == bad_id ? "not-a-number" : std::to_string(id)),
                      Datum::Text("v" + std::to_string(id))};
      WALCAST_RETURN_IF_ERROR(pipeline_->OnChange(txn, e));
    }
    return pipeline_->OnCommit(txn);
  }

  // After a kReplay: what the reader does before streaming from the watermark.
  void Rewind() {
    pipeline_->Rewind();
    tracker_->Rewind();
  }

  // After a kReplay: rewinds and writes transaction n (rows `ids`) again
  // until a flush succeeds; fails the test when an attempt ends otherwise
  // than OK or kReplay, or after 4 attempts (librdkafka may need a second
  // abort to reset the producer's sequence numbers).
  ::testing::AssertionResult ReplayUntilFlushed(int n, const std::vector<int>& ids) {
    Status flushed = Status::Replay("not yet replayed");
    for (int attempt = 0; attempt < 4 && flushed.IsReplay(); ++attempt) {
      Rewind();
      Status written = Write(n, ids);
      flushed = written.ok() ? pipeline_->Flush(10s) : written;
    }
    if (flushed.ok()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << flushed.ToString();
  }

  // Ticks until a failure that a delivery report recorded surfaces, as the
  // reader's next call would see it; kTimeout if none does within 20 s.
  Status NextFailure() {
    Status failed;
    const bool surfaced = PollUntil(
        [&] {
          failed = pipeline_->Tick(std::chrono::steady_clock::now());
          return !failed.ok();
        },
        20s);
    return surfaced ? failed : Status::Timeout("no failure surfaced");
  }

  Lsn watermark() const { return tracker_->watermark(); }

  MockKafka kafka_;
  std::unique_ptr<AckTracker> tracker_;
  std::unique_ptr<Pipeline> pipeline_;
  KafkaSink* sink_ = nullptr;  // owned by pipeline_
};

// Ids of the rows in `records` (values {"after":{"id":N,...}}).
std::vector<int> Ids(const std::vector<MockRecord>& records) {
  std::vector<int> ids;
  for (const MockRecord& r : records) {
    if (!r.key) continue;
    // Keys are {"id":N} without schemas.
    ids.push_back(std::stoi(r.key->substr(r.key->find(':') + 1)));
  }
  return ids;
}

// The source.snapshot mark of each record, in order.
std::vector<std::string> Marks(const std::vector<MockRecord>& records) {
  std::vector<std::string> marks;
  for (const MockRecord& r : records) {
    const std::string field = "\"snapshot\":\"";
    const size_t at = r.value ? r.value->find(field) : std::string::npos;
    if (at == std::string::npos) {
      marks.emplace_back();
      continue;
    }
    const size_t begin = at + field.size();
    marks.push_back(r.value->substr(begin, r.value->find('"', begin) - begin));
  }
  return marks;
}

// 1..n, and the marks a one-table snapshot of n rows has.
std::vector<int> OneTo(int n) {
  std::vector<int> ids(n);
  for (int i = 0; i < n; ++i) ids[i] = i + 1;
  return ids;
}
std::vector<std::string> SnapshotMarks(int n) {
  std::vector<std::string> marks(n, "true");
  marks.front() = "first";
  marks.back() = "last";
  return marks;
}

// The value `settings` gives `key`, or "" if none.
std::string Setting(const std::vector<std::pair<std::string, std::string>>& settings,
                    const std::string& key) {
  std::string found;
  int count = 0;
  for (const auto& [k, v] : settings) {
    if (k == key) {
      found = v;
      ++count;
    }
  }
  EXPECT_LE(count, 1) << key << " is set more than once";
  return found;
}

TEST(KafkaProducerSettingsTest, BoundTheQueueByDefault) {
  KafkaSinkOptions options;
  const auto settings = ProducerSettings(options);
  EXPECT_EQ(Setting(settings, "queue.buffering.max.messages"), "10000");
  EXPECT_EQ(Setting(settings, "queue.buffering.max.kbytes"), "16384");
  EXPECT_EQ(Setting(settings, "enable.idempotence"), "true");
  EXPECT_EQ(Setting(settings, "acks"), "all");
  EXPECT_EQ(Setting(settings, "message.timeout.ms"), "0");
  EXPECT_EQ(Setting(settings, "transactional.id"), "");
}

TEST(KafkaProducerSettingsTest, UserSettingsWin) {
  KafkaSinkOptions options;
  options.producer_config = {{"queue.buffering.max.kbytes", "1048576"},
                             {"bootstrap.servers", "k:9092"},
                             {"queue.buffering.max.messages", "100000"},
                             {"linger.ms", "20"}};
  const auto settings = ProducerSettings(options);
  EXPECT_EQ(Setting(settings, "queue.buffering.max.kbytes"), "1048576");
  EXPECT_EQ(Setting(settings, "queue.buffering.max.messages"), "100000");
  EXPECT_EQ(Setting(settings, "linger.ms"), "20");
  EXPECT_EQ(Setting(settings, "bootstrap.servers"), "k:9092");
}

TEST(KafkaProducerSettingsTest, QueueHoldsTheLargestRecordTheClientAccepts) {
  KafkaSinkOptions options;
  options.producer_config = {{"message.max.bytes", "100000000"}};  // 100 MB
  EXPECT_EQ(Setting(ProducerSettings(options), "queue.buffering.max.kbytes"), "195313");
  // A smaller limit leaves the default; one the user set wins in any case.
  options.producer_config = {{"message.max.bytes", "2000000"}};
  EXPECT_EQ(Setting(ProducerSettings(options), "queue.buffering.max.kbytes"), "16384");
  options.producer_config = {{"message.max.bytes", "100000000"},
                             {"queue.buffering.max.kbytes", "4096"}};
  EXPECT_EQ(Setting(ProducerSettings(options), "queue.buffering.max.kbytes"), "4096");
}

TEST(KafkaProducerSettingsTest, ExactlyOnceIsTransactionalWithoutMessageTimeout) {
  KafkaSinkOptions options;
  options.exactly_once.enabled = true;
  options.exactly_once.transactional_id = "walcast-x";
  const auto settings = ProducerSettings(options);
  EXPECT_EQ(Setting(settings, "transactional.id"), "walcast-x");
  // Never shared, so told apart in the broker's logs by its id.
  EXPECT_EQ(Setting(settings, "client.id"), "walcast-x");
  EXPECT_EQ(Setting(settings, "message.timeout.ms"), "");
  EXPECT_EQ(Setting(settings, "queue.buffering.max.kbytes"), "16384");
}

TEST_F(KafkaSinkMockTest, TransactionIsAcknowledgedOnceDelivered) {
  ASSERT_TRUE(Start(Options()));
  ASSERT_TRUE(Write(1, {1, 2, 3}).ok());
  ASSERT_TRUE(pipeline_->Flush(10s).ok());
  EXPECT_EQ(watermark(), EndOf(1));
  EXPECT_EQ(Ids(kafka_.Read(kTopic)), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(sink_->records_delivered(), 3u);
  const SinkCounters c = sink_->counters();
  EXPECT_EQ(c.acked, 3u);
  EXPECT_EQ(c.in_flight, 0u);  // every record reported on
  EXPECT_EQ(c.failed, 0u);
  EXPECT_EQ(c.retried, 0u);
  EXPECT_TRUE(c.Reports(SinkCounters::kInFlight));
  EXPECT_FALSE(c.Reports(SinkCounters::kQueued));  // part of in flight for librdkafka
}

// A transaction none of whose changes becomes a record (PostgreSQL 14 sends
// transactions that touch no published table; filters and skipped operations
// leave others empty) still gets its END, as Debezium writes it: event_count
// 0 and no data collections. A BEGIN without its END was written before.
TEST_F(KafkaSinkMockTest, ATransactionWithoutRecordsGetsItsEndToo) {
  kafka_.CreateTopic("mock.transaction");
  KafkaSinkOptions options = Options();
  options.encoder.provide_transaction_metadata = true;
  ASSERT_TRUE(Start(std::move(options)));
  ASSERT_TRUE(Write(1, {}).ok());
  ASSERT_TRUE(Write(2, {5}).ok());
  ASSERT_TRUE(pipeline_->Flush(10s).ok());
  EXPECT_EQ(watermark(), EndOf(2));
  const std::vector<MockRecord> markers = kafka_.Read("mock.transaction");
  ASSERT_EQ(markers.size(), 4u);
  const auto has = [&](size_t i, const std::string& text) {
    return markers[i].value && markers[i].value->find(text) != std::string::npos;
  };
  EXPECT_TRUE(has(0, "\"status\":\"BEGIN\"") && has(0, "\"id\":\"701:"));
  EXPECT_TRUE(has(1, "\"status\":\"END\"") && has(1, "\"id\":\"701:"));
  EXPECT_TRUE(has(1, "\"event_count\":0,\"data_collections\":[]")) << *markers[1].value;
  EXPECT_TRUE(has(2, "\"status\":\"BEGIN\"") && has(2, "\"id\":\"702:"));
  EXPECT_TRUE(has(3, "\"status\":\"END\"") && has(3, "\"event_count\":1,"));
}

TEST_F(KafkaSinkMockTest, SnapshotEncodedOnTwoThreadsIsProducedInRowOrder) {
  // Many batches (128 rows each) and a queue of batches that fills up: the
  // topic still gets the rows, marks and run id of one thread, and the
  // snapshot is acknowledged once every record is delivered.
  KafkaSinkOptions options = Options();
  options.snapshot_threads = 2;
  ASSERT_TRUE(Start(std::move(options)));
  constexpr int kRows = 5000;
  ASSERT_TRUE(WriteSnapshot(1, kRows).ok());
  ASSERT_TRUE(pipeline_->Flush(20s).ok());
  EXPECT_EQ(watermark(), EndOf(1));
  const std::vector<MockRecord> records = kafka_.Read(kTopic, 20s);
  EXPECT_EQ(Ids(records), OneTo(kRows));
  EXPECT_EQ(Marks(records), SnapshotMarks(kRows));
  std::set<std::string> run_ids;
  for (const MockRecord& r : records) run_ids.insert(r.headers.at("__debezium.context.runId"));
  EXPECT_EQ(run_ids.size(), 1u);
  EXPECT_EQ(sink_->records_delivered(), static_cast<uint64_t>(kRows));

  // Streaming after the snapshot is encoded on the reader thread, as before.
  ASSERT_TRUE(Write(2, {kRows + 1}).ok());
  ASSERT_TRUE(pipeline_->Flush(10s).ok());
  EXPECT_EQ(watermark(), EndOf(2));
  EXPECT_EQ(Ids(kafka_.Read(kTopic)).back(), kRows + 1);
}

TEST_F(KafkaSinkMockTest, SnapshotOnTwoThreadsKeepsEachPartitionsKeyOrder) {
  // Three partitions: each gets its keys in row order, as with one thread,
  // since one thread produces them all in order.
  kafka_.CreateTopic("mock.public.p3", 3);
  KafkaSinkOptions options = Options();
  options.snapshot_threads = 2;
  ASSERT_TRUE(Start(std::move(options)));
  constexpr int kRows = 3000;
  ASSERT_TRUE(WriteSnapshot(1, kRows, "p3").ok());
  ASSERT_TRUE(pipeline_->Flush(20s).ok());
  EXPECT_EQ(watermark(), EndOf(1));
  const std::vector<MockRecord> records = kafka_.Read("mock.public.p3", 20s);
  ASSERT_EQ(records.size(), static_cast<size_t>(kRows));
  std::map<int32_t, std::vector<MockRecord>> by_partition;
  for (const MockRecord& r : records) by_partition[r.partition].push_back(r);
  EXPECT_EQ(by_partition.size(), 3u);
  std::set<int> seen;
  for (const auto& [partition, in_partition] : by_partition) {
    const std::vector<int> ids = Ids(in_partition);
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end())) << "partition " << partition;
    seen.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kRows));
}

TEST_F(KafkaSinkMockTest, SnapshotRowAWorkerCannotEncodeIsDeadLetteredInPlace) {
  KafkaSinkOptions options = Options();
  options.snapshot_threads = 2;
  options.tolerate_errors = true;
  ASSERT_TRUE(Start(std::move(options)));
  constexpr int kRows = 600;
  ASSERT_TRUE(WriteSnapshot(1, kRows, "t", /*bad_id=*/300).ok());
  ASSERT_TRUE(pipeline_->Flush(20s).ok());
  EXPECT_EQ(watermark(), EndOf(1));  // a dead letter settles its row
  std::vector<int> expected = OneTo(kRows);
  expected.erase(expected.begin() + 299);
  EXPECT_EQ(Ids(kafka_.Read(kTopic, 20s)), expected);
  EXPECT_EQ(sink_->records_dead_lettered(), 1u);
  const std::vector<MockRecord> dead = kafka_.Read(kDeadLetters);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].headers.at("walcast.error.table"), "public.t");
}

TEST_F(KafkaSinkMockTest, SnapshotRowAWorkerCannotEncodeStopsWithoutTolerance) {
  KafkaSinkOptions options = Options();
  options.snapshot_threads = 2;
  ASSERT_TRUE(Start(std::move(options)));
  const Status s = WriteSnapshot(1, 600, "t", /*bad_id=*/300);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_EQ(watermark(), Lsn(kStart));
}

TEST_F(KafkaSinkMockTest, ExactlyOnceSnapshotOnTwoThreadsCommitsInPiecesInOrder) {
  KafkaSinkOptions options = ExactlyOnce();
  options.exactly_once.commit_max_records = 500;
  options.snapshot_threads = 2;
  ASSERT_TRUE(Start(std::move(options)));
  constexpr int kRows = 2000;
  ASSERT_TRUE(WriteSnapshot(1, kRows).ok());
  // Pieces were committed inside the snapshot.
  EXPECT_GE(sink_->kafka_transactions_committed(), 4u);
  ASSERT_TRUE(pipeline_->Flush(20s).ok());
  EXPECT_EQ(watermark(), EndOf(1));
  EXPECT_EQ(sink_->committed_lsn(), EndOf(1));
  const std::vector<MockRecord> records = kafka_.Read(kTopic, 20s);
  EXPECT_EQ(Ids(records), OneTo(kRows));
  EXPECT_EQ(Marks(records), SnapshotMarks(kRows));
}

TEST_F(KafkaSinkMockTest, ExactlyOnceSnapshotEndingWithAFullPieceIsCheckpointed) {
  // The last row fills a piece, which is committed before the snapshot
  // ends: the snapshot's checkpoint then goes in a Kafka transaction of its
  // own rather than waiting for the next streamed record.
  KafkaSinkOptions options = ExactlyOnce();
  options.exactly_once.commit_max_records = 100;
  ASSERT_TRUE(Start(std::move(options)));
  ASSERT_TRUE(WriteSnapshot(1, 300).ok());
  ASSERT_TRUE(pipeline_->Flush(20s).ok());
  EXPECT_EQ(watermark(), EndOf(1));
  EXPECT_EQ(sink_->committed_lsn(), EndOf(1));
  EXPECT_EQ(Ids(kafka_.Read(kTopic)), OneTo(300));
}

TEST_F(KafkaSinkMockTest, RecordTheBrokerRejectsGoesToTheDeadLetterTopic) {
  KafkaSinkOptions options = Options();
  options.tolerate_errors = true;
  ASSERT_TRUE(Start(std::move(options)));
  kafka_.PushErrors(kApiProduce, {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE});
  ASSERT_TRUE(Write(1, {7}).ok());
  ASSERT_TRUE(pipeline_->Flush(10s).ok());
  // The transaction is acknowledged: its one record is in the dead-letter topic.
  EXPECT_EQ(watermark(), EndOf(1));
  EXPECT_EQ(sink_->records_dead_lettered(), 1u);
  EXPECT_EQ(sink_->counters().failed, 1u);  // the refused delivery
  EXPECT_EQ(sink_->counters().dead_lettered, 1u);
  EXPECT_EQ(sink_->counters().in_flight, 0u);
  EXPECT_TRUE(kafka_.Read(kTopic).empty());
  const std::vector<MockRecord> dlq = kafka_.Read(kDeadLetters);
  ASSERT_EQ(dlq.size(), 1u);
  EXPECT_EQ(dlq[0].key, std::optional<std::string>(R"({"id":7})"));
  EXPECT_EQ(dlq[0].headers.at("walcast.error.topic"), kTopic);
  EXPECT_EQ(dlq[0].headers.at("walcast.lsn"), Lsn(Txn(1).commit_lsn.value() - 50).ToString());
  EXPECT_NE(dlq[0].headers.at("walcast.error.reason").find("too large"), std::string::npos)
      << dlq[0].headers.at("walcast.error.reason");
  // A value too large for Kafka would be too large in the dead letter too.
  EXPECT_FALSE(dlq[0].value.has_value());
  EXPECT_GT(std::stoul(dlq[0].headers.at("walcast.error.value.bytes")), 10u);
}

TEST_F(KafkaSinkMockTest, DeadLetterWaitsForQueueRoomWithoutBlockingDeliveries) {
  // A one-record queue: the rejected record still holds its place while its
  // delivery report runs, so its dead letter cannot be queued from there,
  // and the reader waits for room behind it.
  KafkaSinkOptions options = Options({{"queue.buffering.max.messages", "1"}});
  options.tolerate_errors = true;
  ASSERT_TRUE(Start(std::move(options)));
  kafka_.PushErrors(kApiProduce, {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE});
  ASSERT_TRUE(Write(1, {7}).ok());
  ASSERT_TRUE(Write(2, {8}).ok());
  ASSERT_TRUE(pipeline_->Flush(10s).ok());
  EXPECT_EQ(watermark(), EndOf(2));
  EXPECT_EQ(kafka_.Read(kDeadLetters).size(), 1u);
  EXPECT_EQ(Ids(kafka_.Read(kTopic)), (std::vector<int>{8}));
}

TEST_F(KafkaSinkMockTest, FullQueueWaitEndsWithTheFailureThatFreedRoom) {
  // A one-record queue and no broker: the second record waits for room,
  // which comes when the first one's delivery times out. That failure, not
  // a retry of the second record, ends the wait.
  ASSERT_TRUE(
      Start(Options({{"queue.buffering.max.messages", "1"}, {"message.timeout.ms", "300"}})));
  kafka_.SetBrokerUp(false);
  const Status written = Write(1, {1, 2});
  EXPECT_EQ(written.code(), Status::Code::kReplay) << written.ToString();
  EXPECT_EQ(watermark(), Lsn(kStart));
}

TEST_F(KafkaSinkMockTest, RecordTooLargeForTheClientGoesToTheDeadLetterTopic) {
  KafkaSinkOptions options = Options({{"message.max.bytes", "2000"}});
  options.tolerate_errors = true;
  ASSERT_TRUE(Start(std::move(options)));
  ASSERT_TRUE(Write(1, {1, 2}, std::string(5000, 'x')).ok());
  ASSERT_TRUE(Write(2, {3}).ok());
  ASSERT_TRUE(pipeline_->Flush(10s).ok());
  EXPECT_EQ(watermark(), EndOf(2));
  EXPECT_EQ(Ids(kafka_.Read(kTopic)), (std::vector<int>{3}));
  const std::vector<MockRecord> dlq = kafka_.Read(kDeadLetters);
  ASSERT_EQ(Ids(dlq), (std::vector<int>{1, 2}));
  for (const MockRecord& r : dlq) {
    EXPECT_FALSE(r.value.has_value());
    EXPECT_GT(std::stoul(r.headers.at("walcast.error.value.bytes")), 5000u);
  }
}

TEST_F(KafkaSinkMockTest, RejectedRecordWithoutToleranceStopsUnacknowledged) {
  ASSERT_TRUE(Start(Options()));
  kafka_.PushErrors(kApiProduce, {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE});
  ASSERT_TRUE(Write(1, {7}).ok());
  const Status flushed = pipeline_->Flush(10s);
  EXPECT_EQ(flushed.code(), Status::Code::kFatal) << flushed.ToString();
  EXPECT_NE(flushed.message().find(kTopic), std::string::npos) << flushed.message();
  EXPECT_EQ(watermark(), Lsn(kStart));
  // And every later call says so.
  EXPECT_EQ(Write(2, {8}).code(), Status::Code::kFatal);
  EXPECT_TRUE(kafka_.Read(kDeadLetters).empty());
}

TEST_F(KafkaSinkMockTest, TransientFailureReplaysAndAcknowledgesNothingEarly) {
  ASSERT_TRUE(Start(Options({{"message.timeout.ms", "300"},
                             {"reconnect.backoff.ms", "10"},
                             {"reconnect.backoff.max.ms", "50"}})));
  kafka_.SetBrokerUp(false);
  ASSERT_TRUE(Write(1, {1, 2}).ok());
  const Status flushed = pipeline_->Flush(10s);
  EXPECT_EQ(flushed.code(), Status::Code::kReplay) << flushed.ToString();
  EXPECT_EQ(watermark(), Lsn(kStart));
  EXPECT_GE(sink_->counters().retried, 1u);  // failed transiently: produced again
  EXPECT_GE(sink_->counters().failed, sink_->counters().retried);
  // The reader rewinds to the watermark and hands the transaction over again,
  // as often as it takes: right after the broker returns, the producer may
  // still be reconnecting when the short message timeout runs out.
  kafka_.SetBrokerUp(true);
  Status replayed = Status::Replay("not yet replayed");
  for (int attempt = 0; attempt < 50 && replayed.code() == Status::Code::kReplay; ++attempt) {
    EXPECT_EQ(watermark(), Lsn(kStart));
    Rewind();
    ASSERT_TRUE(Write(1, {1, 2}).ok());
    replayed = pipeline_->Flush(10s);
  }
  ASSERT_TRUE(replayed.ok()) << replayed.ToString();
  EXPECT_EQ(watermark(), EndOf(1));
  // At least once: an attempt that timed out may have reached the broker, so
  // earlier copies can precede the acknowledged one, but nothing else can.
  const std::vector<int> ids = Ids(kafka_.Read(kTopic));
  ASSERT_GE(ids.size(), 2u);
  EXPECT_EQ(std::vector<int>(ids.end() - 2, ids.end()), (std::vector<int>{1, 2}));
  for (int id : ids) EXPECT_TRUE(id == 1 || id == 2) << id;
}

TEST_F(KafkaSinkMockTest, MissingWriteAclReplaysWithoutDeadLettersUntilAllowed) {
  // Even with errors.tolerance=all: an ACL taken away is the operator's to
  // restore, so the records wait for it instead of leaving as dead letters.
  KafkaSinkOptions options = Options();
  options.tolerate_errors = true;
  ASSERT_TRUE(Start(std::move(options)));
  kafka_.PushErrors(kApiProduce, {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED});
  ASSERT_TRUE(Write(1, {1}).ok());
  const Status failed = NextFailure();
  EXPECT_EQ(failed.code(), Status::Code::kReplay) << failed.ToString();
  EXPECT_NE(
      failed.message().find(std::string("TOPIC_AUTHORIZATION_FAILED on '") + kTopic + "': WRITE"),
      std::string::npos)
      << failed.message();
  EXPECT_EQ(watermark(), Lsn(kStart));
  EXPECT_NE(sink_->counters().problem.find("WRITE not allowed"), std::string::npos)
      << sink_->counters().problem;
  // The ACL is back: the replay delivers, and the sink is healthy again.
  Rewind();
  ASSERT_TRUE(Write(1, {1}).ok());
  ASSERT_TRUE(pipeline_->Flush(10s).ok());
  EXPECT_EQ(watermark(), EndOf(1));
  EXPECT_EQ(sink_->records_dead_lettered(), 0u);
  EXPECT_TRUE(kafka_.Read(kDeadLetters).empty());
  EXPECT_EQ(Ids(kafka_.Read(kTopic)), (std::vector<int>{1}));
  EXPECT_EQ(sink_->counters().problem, "");
}

TEST_F(KafkaSinkMockTest, ExactlyOnceMissingWriteAclAbortsAndReplays) {
  KafkaSinkOptions options = ExactlyOnce();
  options.tolerate_errors = true;
  ASSERT_TRUE(Start(std::move(options)));
  kafka_.PushErrors(kApiProduce, {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED});
  ASSERT_TRUE(Write(1, {1}).ok());
  const Status flushed = NextFailure();
  ASSERT_EQ(flushed.code(), Status::Code::kReplay) << flushed.ToString();
  EXPECT_EQ(watermark(), Lsn(kStart));
  ASSERT_TRUE(ReplayUntilFlushed(1, {1}));
  EXPECT_EQ(watermark(), EndOf(1));
  EXPECT_TRUE(kafka_.Read(kDeadLetters).empty());
  EXPECT_EQ(sink_->counters().problem, "");
}

TEST_F(KafkaSinkMockTest, ExactlyOnceAcknowledgesOnlyAfterTheCommitWithItsCheckpoint) {
  ASSERT_TRUE(Start(ExactlyOnce()));
  EXPECT_FALSE(sink_->committed_lsn().valid());
  ASSERT_TRUE(Write(1, {1}).ok());
  ASSERT_TRUE(Write(2, {2, 3}).ok());
  // Delivered, but the Kafka transaction is still open: nothing is acknowledged.
  ASSERT_TRUE(PollUntil([&] { return sink_->records_delivered() == 3; }, 20s));
  EXPECT_EQ(watermark(), Lsn(kStart));
  EXPECT_EQ(sink_->kafka_transactions_committed(), 0u);

  ASSERT_TRUE(pipeline_->Flush(10s).ok());
  EXPECT_EQ(watermark(), EndOf(2));
  EXPECT_EQ(sink_->kafka_transactions_committed(), 1u);
  EXPECT_EQ(sink_->committed_lsn(), EndOf(2));
  const std::vector<MockRecord> checkpoints = kafka_.Read(kCheckpoints);
  ASSERT_EQ(checkpoints.size(), 1u);
  EXPECT_EQ(checkpoints[0].key, std::optional<std::string>("slot1"));
  Result<KafkaCheckpoint> checkpoint = DecodeCheckpoint(*checkpoints[0].value);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().ToString();
  EXPECT_EQ(checkpoint->slot, "slot1");
  EXPECT_EQ(checkpoint->end_lsn, EndOf(2));
  EXPECT_EQ(checkpoint->transactional_id, "walcast-mock");
}

TEST_F(KafkaSinkMockTest, ExactlyOnceCommitsWhenTheBatchIsFull) {
  KafkaSinkOptions options = ExactlyOnce();
  options.exactly_once.commit_max_records = 3;
  ASSERT_TRUE(Start(std::move(options)));
  ASSERT_TRUE(Write(1, {1, 2}).ok());
  EXPECT_EQ(sink_->kafka_transactions_committed(), 0u);
  // The third record fills the batch; it is committed at this transaction's end.
  ASSERT_TRUE(Write(2, {3, 4}).ok());
  EXPECT_EQ(sink_->kafka_transactions_committed(), 1u);
  EXPECT_EQ(watermark(), EndOf(2));
  ASSERT_TRUE(Write(3, {5}).ok());
  EXPECT_EQ(watermark(), EndOf(2));
}

TEST_F(KafkaSinkMockTest, ExactlyOnceSkipsWhatTheCheckpointCovers) {
  ASSERT_TRUE(Start(ExactlyOnce()));
  ASSERT_TRUE(Write(1, {1}).ok());
  ASSERT_TRUE(Write(2, {2}).ok());
  ASSERT_TRUE(pipeline_->Flush(10s).ok());
  ASSERT_TRUE(pipeline_->Close(10s).ok());

  // A restart whose slot lags behind Kafka: transactions 1 and 2 come again.
  ASSERT_TRUE(Start(ExactlyOnce()));
  EXPECT_EQ(sink_->committed_lsn(), EndOf(2));
  ASSERT_TRUE(Write(1, {1}).ok());
  ASSERT_TRUE(Write(2, {2}).ok());
  // Already in Kafka: acknowledged without a Kafka transaction.
  EXPECT_EQ(watermark(), EndOf(2));
  EXPECT_EQ(sink_->transactions_skipped(), 2u);
  ASSERT_TRUE(Write(3, {3}).ok());
  ASSERT_TRUE(pipeline_->Flush(10s).ok());
  EXPECT_EQ(watermark(), EndOf(3));
  EXPECT_EQ(Ids(kafka_.Read(kTopic)), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(sink_->committed_lsn(), EndOf(3));
}

TEST_F(KafkaSinkMockTest, ExactlyOnceRefusesACheckpointBeyondTheServer) {
  ASSERT_TRUE(Start(ExactlyOnce()));
  ASSERT_TRUE(Write(1, {1}).ok());
  ASSERT_TRUE(pipeline_->Flush(10s).ok());
  ASSERT_TRUE(pipeline_->Close(10s).ok());
  KafkaSinkOptions options = ExactlyOnce();
  options.exactly_once.server_wal_lsn = Lsn(kStart);  // e.g. a re-created cluster
  Result<std::unique_ptr<KafkaSink>> sink = KafkaSink::Create(std::move(options));
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), Status::Code::kFatal);
  EXPECT_NE(sink.status().message().find("slot1"), std::string::npos) << sink.status().message();
}

TEST_F(KafkaSinkMockTest, ExactlyOnceRejectedRecordIsDeadLetteredOnTheReplay) {
  KafkaSinkOptions options = ExactlyOnce();
  options.tolerate_errors = true;
  ASSERT_TRUE(Start(std::move(options)));
  ASSERT_TRUE(Write(1, {1}).ok());
  ASSERT_TRUE(pipeline_->Flush(10s).ok());
  kafka_.PushErrors(kApiProduce, {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE});
  ASSERT_TRUE(Write(2, {2}).ok());
  // The rejection dooms the open Kafka transaction; the next call says so.
  const Status flushed = NextFailure();
  ASSERT_EQ(flushed.code(), Status::Code::kReplay) << flushed.ToString();
  EXPECT_EQ(watermark(), EndOf(1));
  ASSERT_TRUE(ReplayUntilFlushed(2, {2}));
  EXPECT_EQ(watermark(), EndOf(2));
  const std::vector<MockRecord> dlq = kafka_.Read(kDeadLetters);
  ASSERT_EQ(dlq.size(), 1u);
  EXPECT_EQ(Ids(dlq), (std::vector<int>{2}));
  EXPECT_EQ(dlq[0].headers.at("walcast.error.topic"), kTopic);
  EXPECT_EQ(dlq[0].headers.at("walcast.lsn"), Lsn(Txn(2).commit_lsn.value() - 50).ToString());
  EXPECT_NE(dlq[0].headers.at("walcast.error.reason").find("too large"), std::string::npos);
  // The mock keeps the records of aborted transactions (no read_committed
  // filtering), so the data topic says nothing more here.
}

TEST_F(KafkaSinkMockTest, ExactlyOnceRejectedRecordWithoutToleranceStops) {
  ASSERT_TRUE(Start(ExactlyOnce()));
  kafka_.PushErrors(kApiProduce, {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE});
  ASSERT_TRUE(Write(1, {1}).ok());
  const Status failed = NextFailure();
  EXPECT_EQ(failed.code(), Status::Code::kFatal) << failed.ToString();
  EXPECT_NE(failed.message().find(kTopic), std::string::npos) << failed.message();
  EXPECT_EQ(pipeline_->Flush(10s).code(), Status::Code::kFatal);
  EXPECT_EQ(watermark(), Lsn(kStart));
}

TEST_F(KafkaSinkMockTest, ExactlyOnceTransientFailureAbortsAndReplays) {
  ASSERT_TRUE(
      Start(ExactlyOnce({{"transaction.timeout.ms", "2000"}, {"message.timeout.ms", "500"}})));
  std::vector<rd_kafka_resp_err_t> errors(200, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
  kafka_.PushErrors(kApiProduce, errors);
  ASSERT_TRUE(Write(1, {1, 2}).ok());
  const Status flushed = pipeline_->Flush(10s);
  ASSERT_EQ(flushed.code(), Status::Code::kReplay) << flushed.ToString();
  EXPECT_EQ(watermark(), Lsn(kStart));
  EXPECT_EQ(sink_->kafka_transactions_committed(), 0u);
  kafka_.ClearErrors(kApiProduce);
  Status replayed;
  for (int attempt = 0; attempt < 4; ++attempt) {
    Rewind();
    replayed = Write(1, {1, 2});
    if (replayed.ok()) replayed = pipeline_->Flush(10s);
    if (!replayed.IsReplay()) break;
  }
  ASSERT_TRUE(replayed.ok()) << replayed.ToString();
  EXPECT_EQ(watermark(), EndOf(1));
  EXPECT_EQ(sink_->committed_lsn(), EndOf(1));
}

TEST_F(KafkaSinkMockTest, ExactlyOnceFencedProducerStops) {
  ASSERT_TRUE(Start(ExactlyOnce()));
  ASSERT_TRUE(Write(1, {1}).ok());
  kafka_.PushErrors(kApiEndTxn, {RD_KAFKA_RESP_ERR_PRODUCER_FENCED});
  const Status flushed = pipeline_->Flush(10s);
  EXPECT_EQ(flushed.code(), Status::Code::kFatal) << flushed.ToString();
  EXPECT_NE(flushed.message().find("walcast-mock"), std::string::npos) << flushed.message();
  EXPECT_EQ(watermark(), Lsn(kStart));
  // A fenced producer is not replaced: every later call fails too.
  EXPECT_FALSE(Write(2, {2}).ok());
}

TEST_F(KafkaSinkMockTest, ExactlyOnceStreamBreakInsideATransactionReplaysTheBatch) {
  ASSERT_TRUE(Start(ExactlyOnce()));
  ASSERT_TRUE(Write(1, {1}).ok());
  TransactionInfo open = Txn(2);
  ASSERT_TRUE(pipeline_->OnBegin(open).ok());
  ChangeEvent e;
  e.op = Op::kCreate;
  e.lsn = Lsn(open.commit_lsn.value() - 50);
  e.relation = Table();
  e.after = Tuple{Datum::Text("2"), Datum::Text("v2")};
  ASSERT_TRUE(pipeline_->OnChange(open, e).ok());
  // The connection breaks: transaction 2 will come again whole, and half of
  // it is in the open Kafka transaction with transaction 1.
  pipeline_->ResetOpenTransaction();
  const Status flushed = pipeline_->Flush(10s);
  EXPECT_TRUE(flushed.IsRetryable()) << flushed.ToString();
  EXPECT_EQ(watermark(), Lsn(kStart));
  const Status tick = pipeline_->Tick(std::chrono::steady_clock::now());
  ASSERT_EQ(tick.code(), Status::Code::kReplay) << tick.ToString();
  Rewind();
  ASSERT_TRUE(Write(1, {1}).ok());
  ASSERT_TRUE(Write(2, {2}).ok());
  ASSERT_TRUE(pipeline_->Flush(10s).ok());
  EXPECT_EQ(watermark(), EndOf(2));
}

TEST_F(KafkaSinkMockTest, ExactlyOnceRejectsAPassthroughTransactionalId) {
  Result<std::unique_ptr<KafkaSink>> sink =
      KafkaSink::Create(Options({{"transactional.id", "mine"}}));
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(sink.status().message().find("exactly.once.transactional.id"), std::string::npos);
}

// Several pipelines in one process (docs/pipelines.md, "Shared clients"):
// each one a tracker, a pipeline and a Kafka sink, its topic under its own
// prefix; the sinks take their producer from one ProducerPool.
class SharedProducerTest : public KafkaSinkMockTest {
 protected:
  struct Lane {
    std::unique_ptr<AckTracker> tracker;
    std::unique_ptr<Pipeline> pipeline;
    KafkaSink* sink = nullptr;  // owned by pipeline
  };

  // Lane `prefix` over the pool; `extra` producer settings make it differ.
  ::testing::AssertionResult AddLane(const std::string& prefix,
                                     std::vector<std::pair<std::string, std::string>> extra = {}) {
    kafka_.CreateTopic(prefix + ".public.t");
    KafkaSinkOptions options = Options(std::move(extra));
    options.encoder.topic_prefix = prefix;
    options.pool = &pool_;
    Lane lane;
    lane.tracker = std::make_unique<AckTracker>(Lsn(kStart));
    lane.pipeline = std::make_unique<Pipeline>(lane.tracker.get());
    Result<std::unique_ptr<KafkaSink>> sink = KafkaSink::Create(std::move(options));
    if (!sink.ok()) return ::testing::AssertionFailure() << sink.status().ToString();
    lane.sink = sink->get();
    lane.pipeline->AddSink(std::move(*sink));
    lanes_.push_back(std::move(lane));
    return ::testing::AssertionSuccess();
  }

  Lane& lane(size_t i) { return lanes_[i]; }

  ProducerPool pool_;  // before lanes_: outlives their sinks
  std::vector<Lane> lanes_;
};

TEST_F(SharedProducerTest, SixPipelinesShareOneProducerEachWithItsOwnAcks) {
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(AddLane("p" + std::to_string(i)));
  EXPECT_EQ(pool_.created(), 1u);
  EXPECT_EQ(pool_.alive(), 1u);
  // Pipeline i writes i + 1 rows in transaction i + 1 only.
  for (int i = 0; i < 6; ++i) {
    std::vector<int> ids;
    for (int k = 0; k <= i; ++k) ids.push_back(100 * i + k);
    ASSERT_TRUE(WriteTo(lane(i).pipeline.get(), i + 1, ids).ok());
  }
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(lane(i).pipeline->Flush(10s).ok()) << i;
    // Its own transaction acknowledged, no other one.
    EXPECT_EQ(lane(i).tracker->watermark(), EndOf(i + 1)) << i;
    EXPECT_EQ(lane(i).sink->counters().acked, static_cast<uint64_t>(i + 1)) << i;
    const std::vector<int> ids = Ids(kafka_.Read("p" + std::to_string(i) + ".public.t"));
    ASSERT_EQ(ids.size(), static_cast<size_t>(i + 1)) << i;
    for (int k = 0; k <= i; ++k) EXPECT_EQ(ids[k], 100 * i + k) << i;
  }
}

TEST_F(SharedProducerTest, OnePipelineClosingLeavesTheOthersDelivering) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(AddLane("p" + std::to_string(i)));
  ASSERT_TRUE(WriteTo(lane(0).pipeline.get(), 1, {1}).ok());
  ASSERT_TRUE(WriteTo(lane(1).pipeline.get(), 1, {2}).ok());
  // Pipeline 1 fails (its database went away): its sink closes.
  EXPECT_TRUE(lane(1).pipeline->Close(10s).ok());
  EXPECT_EQ(lane(1).tracker->watermark(), EndOf(1));
  for (int n = 2; n <= 4; ++n) {
    ASSERT_TRUE(WriteTo(lane(0).pipeline.get(), n, {n}).ok());
    ASSERT_TRUE(WriteTo(lane(2).pipeline.get(), n, {10 + n}).ok());
  }
  ASSERT_TRUE(lane(0).pipeline->Flush(10s).ok());
  ASSERT_TRUE(lane(2).pipeline->Flush(10s).ok());
  EXPECT_EQ(lane(0).tracker->watermark(), EndOf(4));
  EXPECT_EQ(lane(2).tracker->watermark(), Lsn(EndOf(4)));
  EXPECT_EQ(Ids(kafka_.Read("p0.public.t")), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(Ids(kafka_.Read("p2.public.t")), (std::vector<int>{12, 13, 14}));
  // Its retry gets the same producer back.
  ASSERT_TRUE(AddLane("p1"));
  EXPECT_EQ(pool_.created(), 1u);
  ASSERT_TRUE(WriteTo(lane(3).pipeline.get(), 2, {5}).ok());
  ASSERT_TRUE(lane(3).pipeline->Flush(10s).ok());
  EXPECT_EQ(lane(3).tracker->watermark(), EndOf(2));
  EXPECT_EQ(Ids(kafka_.Read("p1.public.t")), (std::vector<int>{2, 5}));
  // The producer lives while a sink uses it.
  for (Lane& l : lanes_) (void)l.pipeline->Close(10s);
  EXPECT_EQ(pool_.alive(), 0u);
}

TEST_F(SharedProducerTest, ARewindIgnoresOnlyItsOwnPipelinesReports) {
  ASSERT_TRUE(AddLane("p0"));
  ASSERT_TRUE(AddLane("p1"));
  kafka_.SetBrokerUp(false);
  ASSERT_TRUE(WriteTo(lane(0).pipeline.get(), 1, {1}).ok());
  ASSERT_TRUE(WriteTo(lane(1).pipeline.get(), 1, {2}).ok());
  // Pipeline 0 rewinds (another of its sinks asked for a replay): what it
  // produced before no longer counts for it, and the shared producer stays.
  lane(0).pipeline->Rewind();
  lane(0).tracker->Rewind();
  kafka_.SetBrokerUp(true);
  ASSERT_TRUE(lane(1).pipeline->Flush(20s).ok());
  EXPECT_EQ(lane(1).tracker->watermark(), EndOf(1));
  // The old copy of pipeline 0's record is delivered, but acknowledges
  // nothing: only the replayed one does.
  ASSERT_TRUE(PollUntil([&] { return kafka_.Read("p0.public.t").size() == 1; }, 20s));
  EXPECT_EQ(lane(0).tracker->watermark(), Lsn(kStart));
  ASSERT_TRUE(WriteTo(lane(0).pipeline.get(), 1, {1}).ok());
  ASSERT_TRUE(lane(0).pipeline->Flush(10s).ok());
  EXPECT_EQ(lane(0).tracker->watermark(), EndOf(1));
  EXPECT_EQ(Ids(kafka_.Read("p0.public.t")), (std::vector<int>{1, 1}));
  EXPECT_EQ(pool_.created(), 1u);
}

TEST_F(SharedProducerTest, AFailedProducerIsRenewedOnceForAllItsPipelines) {
  ASSERT_TRUE(AddLane("p0"));
  ASSERT_TRUE(AddLane("p1"));
  ASSERT_TRUE(WriteTo(lane(0).pipeline.get(), 1, {1}).ok());
  ASSERT_TRUE(WriteTo(lane(1).pipeline.get(), 1, {2}).ok());
  ASSERT_TRUE(lane(0).pipeline->Flush(10s).ok());
  ASSERT_TRUE(lane(1).pipeline->Flush(10s).ok());
  // The pool hands out the live producer for the same settings.
  Result<std::shared_ptr<SharedProducer>> producer = pool_.Get(ProducerSettings(Options()));
  ASSERT_TRUE(producer.ok());
  EXPECT_EQ((*producer)->users(), 2u);
  EXPECT_EQ((*producer)->epoch(), 0u);
  // The idempotent producer fails for good: every pipeline using it replays.
  (*producer)->WithClient([](rd_kafka_t* rk) {
    return rd_kafka_test_fatal_error(rk, RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                                     "test: sequence lost");
  });
  for (int i = 0; i < 2; ++i) {
    Status failed;
    ASSERT_TRUE(PollUntil(
        [&] {
          failed = lane(i).pipeline->Tick(std::chrono::steady_clock::now());
          return !failed.ok();
        },
        20s));
    EXPECT_EQ(failed.code(), Status::Code::kReplay) << failed.ToString();
  }
  // The first rewind renews it; the second finds it renewed already.
  for (int i = 0; i < 2; ++i) {
    lane(i).pipeline->Rewind();
    lane(i).tracker->Rewind();
  }
  EXPECT_EQ((*producer)->epoch(), 1u);
  ASSERT_TRUE(WriteTo(lane(0).pipeline.get(), 2, {3}).ok());
  ASSERT_TRUE(WriteTo(lane(1).pipeline.get(), 2, {4}).ok());
  ASSERT_TRUE(lane(0).pipeline->Flush(10s).ok());
  ASSERT_TRUE(lane(1).pipeline->Flush(10s).ok());
  EXPECT_EQ(lane(0).tracker->watermark(), EndOf(2));
  EXPECT_EQ(lane(1).tracker->watermark(), EndOf(2));
  EXPECT_EQ(Ids(kafka_.Read("p0.public.t")), (std::vector<int>{1, 3}));
  EXPECT_EQ(Ids(kafka_.Read("p1.public.t")), (std::vector<int>{2, 4}));
  EXPECT_EQ(pool_.created(), 1u);
}

TEST_F(SharedProducerTest, DifferentSettingsGetDifferentProducers) {
  ASSERT_TRUE(AddLane("p0"));
  ASSERT_TRUE(AddLane("p1", {{"linger.ms", "7"}}));
  ASSERT_TRUE(AddLane("p2"));
  EXPECT_EQ(pool_.created(), 2u);
  EXPECT_EQ(pool_.alive(), 2u);
  ASSERT_TRUE(WriteTo(lane(1).pipeline.get(), 1, {1}).ok());
  ASSERT_TRUE(lane(1).pipeline->Flush(10s).ok());
  EXPECT_EQ(lane(1).tracker->watermark(), EndOf(1));
}

TEST_F(SharedProducerTest, ExactlyOnceSinksKeepAProducerOfTheirOwn) {
  KafkaSinkOptions options = ExactlyOnce();
  options.pool = &pool_;
  ASSERT_TRUE(Start(std::move(options)));
  EXPECT_EQ(pool_.created(), 0u);
  ASSERT_TRUE(Write(1, {1}).ok());
  ASSERT_TRUE(pipeline_->Flush(10s).ok());
  EXPECT_EQ(watermark(), EndOf(1));
}

}  // namespace
}  // namespace walcast::sinks::kafka
