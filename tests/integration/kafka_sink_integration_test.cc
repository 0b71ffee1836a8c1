// End-to-end tests of walcast's Kafka sink: the walcast binary streams a
// real PostgreSQL 15 into a real Kafka broker (scripts/kafka.sh), and the
// tests read the topics back. Covers topics/keys/partitions for every DML
// kind, kill -9 under load, a broker outage under load, heartbeats, and
// exactly.once=true (kill -9 without duplicates, fencing).

#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/lsn.h"
#include "rapidjson/document.h"
#include "tests/integration/kafka_process_test.h"
#include "tests/support/kafka_cluster.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

// The Java client's default partitioner for keyed records: murmur2 of the
// serialized key (Kafka's Utils.murmur2, seed 0x9747b28c), made positive,
// modulo the partition count. Written from the algorithm's description so the
// test checks librdkafka's murmur2_random against an independent version.
int32_t JavaMurmur2(const std::string& key) {
  const auto* data = reinterpret_cast<const uint8_t*>(key.data());
  const int32_t length = static_cast<int32_t>(key.size());
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  uint32_t h = 0x9747b28cu ^ static_cast<uint32_t>(length);
  const int32_t blocks = length / 4;
  for (int32_t i = 0; i < blocks; ++i) {
    const int32_t i4 = i * 4;
    uint32_t k = static_cast<uint32_t>(data[i4]) | (static_cast<uint32_t>(data[i4 + 1]) << 8) |
                 (static_cast<uint32_t>(data[i4 + 2]) << 16) |
                 (static_cast<uint32_t>(data[i4 + 3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const int32_t tail = length & ~3;
  switch (length % 4) {
    case 3:
      h ^= static_cast<uint32_t>(data[tail + 2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<uint32_t>(data[tail + 1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= static_cast<uint32_t>(data[tail]);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t JavaPartition(const std::string& key, int32_t partitions) {
  return static_cast<int32_t>((static_cast<uint32_t>(JavaMurmur2(key)) & 0x7fffffffu) %
                              static_cast<uint32_t>(partitions));
}

TEST(JavaPartitionTest, MatchesKafkaReferenceValues) {
  // Utils.murmur2 values from Kafka's own unit tests.
  EXPECT_EQ(JavaMurmur2("21"), -973932308);
  EXPECT_EQ(JavaMurmur2("foobar"), -790332482);
  EXPECT_EQ(JavaMurmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(JavaMurmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(JavaMurmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(JavaMurmur2("abc"), 479470107);
}

// One decoded record value (value.converter.schemas.enable=false or true).
struct Value {
  std::string op;
  int64_t id = 0;        // after.id, else before.id
  uint64_t lsn = 0;      // source.lsn
  std::string snapshot;  // source.snapshot
  int64_t v = 0;         // after.v when present
};

Value ParseValue(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  Value v;
  if (doc.HasParseError() || !doc.IsObject()) return v;
  const rapidjson::Value& payload = doc.HasMember("payload") ? doc["payload"] : doc;
  v.op = payload["op"].GetString();
  const rapidjson::Value& row = payload["after"].IsObject() ? payload["after"] : payload["before"];
  if (row.IsObject() && row.HasMember("id") && row["id"].IsInt64()) v.id = row["id"].GetInt64();
  if (payload["after"].IsObject() && payload["after"].HasMember("v") &&
      payload["after"]["v"].IsInt64()) {
    v.v = payload["after"]["v"].GetInt64();
  }
  if (payload.HasMember("source")) {
    v.lsn = payload["source"]["lsn"].GetUint64();
    v.snapshot = payload["source"]["snapshot"].GetString();
  }
  return v;
}

// What LoadThroughABrokerOutage read back, and the slot's position while the
// broker was down.
struct Outage {
  std::vector<KafkaRecord> records;
  Lsn confirmed_while_down;
};

class KafkaSinkTest : public KafkaProcessTest {
 protected:
  std::string Topic(const std::string& table) const { return db_ + ".public." + table; }

  // Streams `rows` rows in 100-row transactions with `config`; the broker
  // stops after the first half and comes back 30 s later (the second half is
  // written while it is down). Checks that the slot did not move during the
  // outage and that walcast confirms everything afterwards.
  Outage LoadThroughABrokerOutage(const std::map<std::string, std::string>& config, int rows);
};

TEST_F(KafkaSinkTest, EveryDmlKindReachesItsTopicKeyAndPartition) {
  constexpr int kPartitions = 6;
  Sql("CREATE TABLE t(id int PRIMARY KEY, v text);"
      "CREATE TABLE nokey(a int, b text); ALTER TABLE nokey REPLICA IDENTITY FULL;"
      "CREATE TABLE anonymous_profile(id varchar(36) PRIMARY KEY, profile text)");
  ASSERT_TRUE(kafka_->CreateTopic(Topic("t"), kPartitions));
  WriteConfig({{"table.include.list", "public\\.t,public\\.nokey,public\\.anonymous_profile"},
               {"skipped.operations", "none"},
               {"transforms", "route"},
               {"transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter"},
               {"transforms.route.regex", "(.*)anonymous_profile"},
               {"transforms.route.replacement", "Profiles_" + db_}});
  auto walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get())) << Log("walcast");

  Sql("INSERT INTO t SELECT i, 'v' || i FROM generate_series(1, 100) i");
  Sql("UPDATE t SET v = 'updated' WHERE id <= 10");
  Sql("DELETE FROM t WHERE id > 90");
  Sql("UPDATE t SET id = 1000 WHERE id = 50");  // key change: d + tombstone + c
  Sql("INSERT INTO nokey VALUES (1, 'a'), (2, 'b'); UPDATE nokey SET b = 'c' WHERE a = 1;"
      "DELETE FROM nokey WHERE a = 2");
  Sql("INSERT INTO anonymous_profile VALUES ('p1', '{}'), ('p2', '{}')");
  Sql("TRUNCATE nokey");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 60s));

  // t: 100 c + 10 u + 10 (d + tombstone) + (d + tombstone + c) = 133.
  const auto t = kafka_->ConsumeAll(Topic("t"), 2s);
  ASSERT_EQ(t.size(), 133u);
  std::map<std::string, std::vector<std::string>> ops_by_key;
  for (const auto& r : t) {
    ASSERT_TRUE(r.key.has_value());
    EXPECT_EQ(r.partition, JavaPartition(*r.key, kPartitions))
        << "key " << *r.key << " is not where the Java client puts it";
    rapidjson::Document key;
    key.Parse(r.key->c_str());
    ASSERT_TRUE(key.IsObject() && key.HasMember("payload")) << *r.key;
    EXPECT_STREQ(key["schema"]["name"].GetString(), (Topic("t") + ".Key").c_str());
    const int64_t id = key["payload"]["id"].GetInt64();
    const std::string op = r.value ? ParseValue(*r.value).op : "tombstone";
    if (r.value) {
      EXPECT_EQ(ParseValue(*r.value).id, id);
    }
    ops_by_key[std::to_string(id)].push_back(op);
  }
  // Per key, in partition order: the history of the row.
  EXPECT_EQ(ops_by_key["1"], (std::vector<std::string>{"c", "u"}));
  EXPECT_EQ(ops_by_key["20"], (std::vector<std::string>{"c"}));
  EXPECT_EQ(ops_by_key["95"], (std::vector<std::string>{"c", "d", "tombstone"}));
  EXPECT_EQ(ops_by_key["50"], (std::vector<std::string>{"c", "d", "tombstone"}));
  EXPECT_EQ(ops_by_key["1000"], (std::vector<std::string>{"c"}));
  // Per partition, offsets are dense and in commit order.
  std::map<int32_t, uint64_t> last_lsn;
  for (const auto& r : t) {
    if (!r.value) continue;
    const Value v = ParseValue(*r.value);
    EXPECT_GE(v.lsn, last_lsn[r.partition]);
    last_lsn[r.partition] = v.lsn;
  }

  // nokey: null keys; c, c, u, d and its tombstone (a null key too, as in
  // Debezium), then t.
  const auto nokey = kafka_->ConsumeAll(Topic("nokey"), 2s);
  std::vector<std::string> nokey_ops;
  for (const auto& r : nokey) {
    EXPECT_FALSE(r.key.has_value());
    nokey_ops.push_back(r.value ? ParseValue(*r.value).op : "tombstone");
  }
  EXPECT_EQ(nokey_ops, (std::vector<std::string>{"c", "c", "u", "d", "tombstone", "t"}));

  // The profile table is routed away from its default topic.
  const auto profiles = kafka_->ConsumeAll("Profiles_" + db_, 2s);
  ASSERT_EQ(profiles.size(), 2u);
  for (const auto& r : profiles) EXPECT_EQ(ParseValue(*r.value).op, "c");
  EXPECT_TRUE(kafka_->ConsumeAll(Topic("anonymous_profile"), 1s).empty());

  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log("walcast");
}

// Ids of the rows in `records` (tombstones skipped), with how often each was
// seen and the smallest source.lsn of a repeat.
struct Seen {
  std::map<int64_t, int> count;
  uint64_t min_repeat_lsn = UINT64_MAX;
};

Seen CountIds(const std::vector<KafkaRecord>& records) {
  Seen seen;
  for (const auto& r : records) {
    if (!r.value) continue;
    const Value v = ParseValue(*r.value);
    if (++seen.count[v.id] > 1) seen.min_repeat_lsn = std::min(seen.min_repeat_lsn, v.lsn);
  }
  return seen;
}

// Rows 1..total in transactions of `per_txn`, from one session, so each
// transaction ends before the next begins; with `pause_every`, a 0.1 s pause
// after that many transactions stretches the load out.
std::string LoadSql(int first, int total, int per_txn, int pause_every = 0) {
  std::string load;
  int transactions = 0;
  for (int k = first; k <= total; k += per_txn) {
    load += "INSERT INTO t SELECT i, i FROM generate_series(" + std::to_string(k) + ", " +
            std::to_string(std::min(total, k + per_txn - 1)) + ") i;\n";
    if (pause_every > 0 && ++transactions % pause_every == 0) load += "SELECT pg_sleep(0.1);\n";
  }
  return load;
}

TEST_F(KafkaSinkTest, KillNineDuringALoadLosesNoRow) {
  constexpr int kRows = 200000;
  Sql("CREATE TABLE t(id int PRIMARY KEY, v int)");
  ASSERT_TRUE(kafka_->CreateTopic(Topic("t"), 3));
  WriteConfig(
      {{"value.converter.schemas.enable", "false"}, {"key.converter.schemas.enable", "false"}});
  auto first = Start("first");
  ASSERT_TRUE(WaitForLog("first", "streaming started", first.get())) << Log("first");
  std::thread writer([&] { Sql(LoadSql(1, kRows, 100)); });
  // Kill once a good part of the load is confirmed, while rows still flow.
  const bool progressed = PollUntil(
      [&] { return ConfirmedFlush() > Lsn() && std::stoll(Sql("SELECT count(*) FROM t")) > 40000; },
      120s);
  const Lsn watermark_before_kill = ConfirmedFlush();
  first->Signal(SIGKILL);
  EXPECT_EQ(first->Wait(10s), 128 + SIGKILL);
  writer.join();
  ASSERT_TRUE(progressed);
  ASSERT_EQ(Sql("SELECT count(*) FROM t"), std::to_string(kRows));

  auto second = Start("walcast");
  ASSERT_TRUE(WaitConfirmed(second.get(), 180s));
  second->Signal(SIGTERM);
  EXPECT_EQ(second->Wait(30s), 0) << Log("walcast");

  const auto records = kafka_->ConsumeAll(Topic("t"), 3s, 120s);
  const Seen seen = CountIds(records);
  ASSERT_EQ(seen.count.size(), static_cast<size_t>(kRows)) << "rows missing after kill -9";
  EXPECT_EQ(seen.count.begin()->first, 1);
  EXPECT_EQ(seen.count.rbegin()->first, kRows);
  // Duplicates are allowed only for what was not yet confirmed, as with
  // Debezium: every repeat lies after the watermark at the kill.
  if (seen.min_repeat_lsn != UINT64_MAX) {
    EXPECT_GE(seen.min_repeat_lsn, watermark_before_kill.value());
  }
}

// The newest checkpoint of `slot` in `records` (the checkpoint topic), as
// its end LSN; Lsn() when there is none.
Lsn NewestCheckpoint(const std::vector<KafkaRecord>& records, const std::string& slot) {
  Lsn newest;
  for (const auto& r : records) {
    if (!r.key || *r.key != slot || !r.value) continue;
    rapidjson::Document doc;
    doc.Parse(r.value->c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("end_lsn") ||
        !doc["end_lsn"].IsString() || doc["slot"] != slot.c_str()) {
      ADD_FAILURE() << "not a checkpoint of " << slot << ": " << *r.value;
      continue;
    }
    newest = std::max(newest, Lsn::Parse(doc["end_lsn"].GetString()).value_or(Lsn()));
  }
  return newest;
}

TEST_F(KafkaSinkTest, ExactlyOnceKillNineSeveralTimesGivesEveryRowOnce) {
  constexpr int kRows = 60000;
  constexpr int kKills = 3;
  Sql("CREATE TABLE t(id int PRIMARY KEY, v int)");
  ASSERT_TRUE(kafka_->CreateTopic(Topic("t"), 3));
  WriteConfig({{"value.converter.schemas.enable", "false"},
               {"key.converter.schemas.enable", "false"},
               {"exactly.once", "true"},
               // The slot confirms long after Kafka commits (every 100 ms), so
               // a kill mostly leaves Kafka ahead of the slot: the restart
               // must skip what the checkpoint covers.
               {"status.update.interval.ms", "5000"}});
  std::unique_ptr<std::thread> writer;
  int restarts_that_skipped = 0;
  for (int k = 0; k <= kKills; ++k) {
    const std::string name = "run" + std::to_string(k);
    auto run = Start(name);
    ASSERT_TRUE(WaitForLog(name, "streaming started", run.get(), 60s)) << Log(name);
    // Small transactions, from one session, written while walcast runs and
    // is killed (the pauses stretch the load over the kills).
    if (!writer) writer = std::make_unique<std::thread>([&] { Sql(LoadSql(1, kRows, 10, 50)); });
    auto skipped = [&] { return Log(name).find("checkpoint shows in Kafka") != std::string::npos; };
    if (k == kKills) {
      writer->join();
      ASSERT_TRUE(WaitConfirmed(run.get(), 300s));
      restarts_that_skipped += skipped() ? 1 : 0;
      run->Signal(SIGTERM);
      EXPECT_EQ(run->Wait(30s), 0) << Log(name);
      break;
    }
    // Kill once this run has moved the slot, at a spread of load levels.
    const Lsn confirmed = ConfirmedFlush();
    const std::string rows = std::to_string((k + 1) * kRows / (kKills + 2));
    ASSERT_TRUE(PollUntil(
        [&] {
          return !run->Running() || (ConfirmedFlush() > confirmed &&
                                     std::stoi(Sql("SELECT count(*) FROM t")) >= std::stoi(rows));
        },
        180s))
        << Log(name);
    ASSERT_TRUE(run->Running()) << Log(name);
    restarts_that_skipped += skipped() ? 1 : 0;
    run->Signal(SIGKILL);
    EXPECT_EQ(run->Wait(10s), 128 + SIGKILL);
  }
  ASSERT_EQ(Sql("SELECT count(*) FROM t"), std::to_string(kRows));

  // A read_committed consumer (KafkaCluster reads that way) sees every row
  // exactly once: no duplicates at all, unlike at-least-once.
  const auto records = kafka_->ConsumeAll(Topic("t"), 3s, 120s);
  const Seen seen = CountIds(records);
  ASSERT_EQ(seen.count.size(), static_cast<size_t>(kRows)) << "rows missing";
  EXPECT_EQ(records.size(), static_cast<size_t>(kRows)) << "rows repeated";
  std::vector<int64_t> repeated;
  for (const auto& [id, n] : seen.count) {
    if (n > 1 && repeated.size() < 10) repeated.push_back(id);
  }
  EXPECT_TRUE(repeated.empty()) << "first repeated ids: " << ::testing::PrintToString(repeated);
  // The kills left Kafka ahead of the slot at least once, and the restart
  // skipped what the checkpoint covered rather than writing it again.
  EXPECT_GE(restarts_that_skipped, 1);

  // The checkpoint topic holds the end of the last transaction: past every
  // change, and confirmed to the slot at the clean stop.
  const Lsn checkpoint =
      NewestCheckpoint(kafka_->ConsumeAll(db_ + ".walcast.checkpoints", 2s), db_);
  uint64_t last_change = 0;
  for (const auto& r : records) last_change = std::max(last_change, ParseValue(*r.value).lsn);
  EXPECT_GT(checkpoint.value(), last_change);
  EXPECT_LE(checkpoint, ConfirmedFlush());
}

TEST_F(KafkaSinkTest, ExactlyOnceFencedByAnotherProducerStopsWithAClearError) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, v int)");
  WriteConfig({{"exactly.once", "true"}, {"exactly.once.transactional.id", "tid-" + db_}});
  auto walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get(), 60s)) << Log("walcast");
  Sql("INSERT INTO t VALUES (1, 1)");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 60s));

  // Another producer registers the same transactional.id: walcast is fenced.
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", kafka_->bootstrap().c_str(), errstr,
                              sizeof(errstr)),
            RD_KAFKA_CONF_OK);
  ASSERT_EQ(
      rd_kafka_conf_set(conf, "transactional.id", ("tid-" + db_).c_str(), errstr, sizeof(errstr)),
      RD_KAFKA_CONF_OK);
  struct Destroy {
    void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  };
  std::unique_ptr<rd_kafka_t, Destroy> other(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)));
  ASSERT_NE(other, nullptr) << errstr;
  rd_kafka_error_t* init = rd_kafka_init_transactions(other.get(), 30000);
  EXPECT_EQ(init, nullptr) << rd_kafka_error_string(init);
  if (init != nullptr) rd_kafka_error_destroy(init);

  Sql("INSERT INTO t VALUES (2, 2)");
  const Lsn after_row2 = Lsn::Parse(Sql("SELECT pg_current_wal_lsn()")).value();
  EXPECT_EQ(walcast->Wait(60s), 1) << Log("walcast");
  other.reset();
  EXPECT_NE(Log("walcast").find("exactly.once.transactional.id must be unique"), std::string::npos)
      << Log("walcast");
  // Row 2 was never committed to Kafka, so the slot did not move past it.
  EXPECT_LT(ConfirmedFlush(), after_row2);
  const Seen seen = CountIds(kafka_->ConsumeAll(Topic("t"), 2s));
  EXPECT_EQ(seen.count, (std::map<int64_t, int>{{1, 1}}));
}

Outage KafkaSinkTest::LoadThroughABrokerOutage(const std::map<std::string, std::string>& config,
                                               int rows) {
  Outage outage;
  Sql("CREATE TABLE t(id int PRIMARY KEY, v int)");
  WriteConfig(config);
  auto walcast = Start("walcast");
  EXPECT_TRUE(WaitForLog("walcast", "streaming started", walcast.get(), 60s)) << Log("walcast");
  Sql(LoadSql(1, rows / 2, 100));
  EXPECT_TRUE(kafka_->Stop());
  // The second half is written while the broker is down.
  std::thread writer([&] { Sql(LoadSql(rows / 2 + 1, rows, 100)); });
  std::this_thread::sleep_for(5s);
  outage.confirmed_while_down = ConfirmedFlush();
  std::this_thread::sleep_for(25s);
  writer.join();
  // Nothing the broker has not acknowledged (or committed) is confirmed.
  EXPECT_EQ(ConfirmedFlush(), outage.confirmed_while_down);
  EXPECT_TRUE(walcast->Running()) << Log("walcast");
  EXPECT_TRUE(kafka_->Start());
  EXPECT_TRUE(WaitConfirmed(walcast.get(), 180s));
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log("walcast");
  outage.records = kafka_->ConsumeAll(Topic("t"), 3s, 120s);
  return outage;
}

TEST_F(KafkaSinkTest, BrokerDownForThirtySecondsLosesNothing) {
  constexpr int kRows = 50000;
  const Outage outage =
      LoadThroughABrokerOutage({{"value.converter.schemas.enable", "false"}}, kRows);
  const Seen seen = CountIds(outage.records);
  ASSERT_EQ(seen.count.size(), static_cast<size_t>(kRows)) << "rows missing after the outage";
  // The idempotent producer retries without duplicating; deliveries that
  // failed while the broker restarted are replayed from the watermark, so a
  // repeat can only lie after what was confirmed when the broker went away.
  if (seen.min_repeat_lsn != UINT64_MAX) {
    EXPECT_GE(seen.min_repeat_lsn, outage.confirmed_while_down.value());
  }
}

TEST_F(KafkaSinkTest, ExactlyOnceBrokerDownForThirtySecondsLosesAndRepeatsNothing) {
  constexpr int kRows = 50000;
  const Outage outage = LoadThroughABrokerOutage(
      {{"value.converter.schemas.enable", "false"}, {"exactly.once", "true"}}, kRows);
  const Seen seen = CountIds(outage.records);
  ASSERT_EQ(seen.count.size(), static_cast<size_t>(kRows)) << "rows missing after the outage";
  EXPECT_EQ(outage.records.size(), static_cast<size_t>(kRows)) << "rows repeated after the outage";
}

TEST_F(KafkaSinkTest, SnapshotThenStreamingWithConcurrentWritesGivesEveryRowOnce) {
  constexpr int kRows = 60000;
  Sql("CREATE TABLE t(id int PRIMARY KEY, v int);"
      "INSERT INTO t SELECT i, 0 FROM generate_series(1, " +
      std::to_string(kRows) + ") i");
  ASSERT_TRUE(kafka_->CreateTopic(Topic("t"), 4));
  WriteConfig({{"value.converter.schemas.enable", "false"}, {"snapshot.max.threads", "2"}});
  auto walcast = Start("walcast");
  // Writes while the snapshot is read: updates of snapshotted rows and new rows.
  ASSERT_TRUE(WaitForLog("walcast", "snapshot started", walcast.get())) << Log("walcast");
  for (int k = 0; k < 20; ++k) {
    Sql("UPDATE t SET v = v + 1 WHERE id % 20 = " + std::to_string(k) + "; INSERT INTO t VALUES (" +
        std::to_string(kRows + 1 + k) + ", 1)");
  }
  Sql("DELETE FROM t WHERE id % 1000 = 0");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get(), 120s)) << Log("walcast");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 120s));
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log("walcast");

  // Replay the topic per key, in partition order.
  std::map<int64_t, int64_t> state;  // id -> v
  std::map<int64_t, int> births;     // r or c per id
  // The snapshot, encoded on 2 threads, reads the table in heap (= id)
  // order: each partition gets its rows in that order, as from one thread.
  std::map<int32_t, int64_t> last_read;  // partition -> id of its last r
  std::map<std::string, int> marks;      // source.snapshot of the r records
  for (const auto& r : kafka_->ConsumeAll(Topic("t"), 3s, 120s)) {
    if (!r.value) continue;
    const Value v = ParseValue(*r.value);
    if (v.op == "r") {
      EXPECT_GT(v.id, last_read[r.partition]) << "partition " << r.partition << " out of order";
      last_read[r.partition] = v.id;
      ++marks[v.snapshot];
    }
    if (v.op == "r" || v.op == "c") ++births[v.id];
    if (v.op == "d") {
      state.erase(v.id);
    } else {
      state[v.id] = v.v;
    }
  }
  std::map<int64_t, int64_t> table;
  std::istringstream rows(Sql("SELECT id || ' ' || v FROM t"));
  for (int64_t id, v; rows >> id >> v;) table[id] = v;
  ASSERT_EQ(table.size(), static_cast<size_t>(kRows + 20 - kRows / 1000));
  EXPECT_EQ(state, table) << "the topic replayed per key differs from the table";
  for (const auto& [id, n] : births) ASSERT_EQ(n, 1) << "row " << id << " read or created twice";
  EXPECT_EQ(births.size(), static_cast<size_t>(kRows + 20));
  EXPECT_EQ(marks, (std::map<std::string, int>{{"first", 1}, {"true", kRows - 2}, {"last", 1}}));
}

TEST_F(KafkaSinkTest, HeartbeatsAdvanceTheSlotOnAnIdleTable) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, v int); CREATE TABLE other(id int);"
      "CREATE TABLE heartbeat(id int PRIMARY KEY, ts timestamptz)");
  WriteConfig(
      {{"table.include.list", "public\\.t,public\\.heartbeat"},
       {"heartbeat.interval.ms", "300"},
       {"heartbeat.action.query",
        "INSERT INTO heartbeat VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET ts = now()"}});
  auto walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get())) << Log("walcast");
  // Writes to a table outside the publication: the captured table stays idle.
  Sql("INSERT INTO other SELECT generate_series(1, 1000)");
  const Lsn after_other = Lsn::Parse(Sql("SELECT pg_current_wal_lsn()")).value();
  EXPECT_TRUE(PollUntil([&] { return ConfirmedFlush() >= after_other; }, 30s))
      << "slot stuck at " << ConfirmedFlush().ToString();

  const auto beats = kafka_->Consume("__debezium-heartbeat." + db_, 3, 30s);
  ASSERT_GE(beats.size(), 3u) << Log("walcast");
  for (const auto& b : beats) {
    EXPECT_EQ(b.partition, 0);
    rapidjson::Document key;
    key.Parse(b.key->c_str());
    EXPECT_STREQ(key["payload"]["serverName"].GetString(), db_.c_str());
  }
  // The action query's upserts stream as changes of the heartbeat table.
  EXPECT_GE(kafka_->Consume(Topic("heartbeat"), 2, 30s).size(), 2u);
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log("walcast");
}

TEST_F(KafkaSinkTest, LogicalMessageHeartbeatNeedsNoTableAndIsNotPublished) {
  Sql("CREATE TABLE t(id int PRIMARY KEY)");
  WriteConfig({{"heartbeat.interval.ms", "200"}, {"heartbeat.logical.message", "true"}});
  auto walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get())) << Log("walcast");
  const Lsn start = Lsn::Parse(Sql("SELECT pg_current_wal_lsn()")).value();
  // With no other writer at all, the heartbeat messages alone move the slot.
  EXPECT_TRUE(PollUntil([&] { return ConfirmedFlush() > start; }, 30s));
  Sql("SELECT pg_logical_emit_message(false, 'user.prefix', 'hello')");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 30s));
  const auto messages = kafka_->ConsumeAll(db_ + ".message", 2s);
  ASSERT_EQ(messages.size(), 1u) << "only the user's message is published";
  rapidjson::Document key;
  key.Parse(messages[0].key->c_str());
  EXPECT_STREQ(key["payload"]["prefix"].GetString(), "user.prefix");
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log("walcast");
}

}  // namespace
}  // namespace walcast::testing
