// High availability through the binary (docs/high-availability.md): a
// failover slot followed to a promoted standby while a load runs (17+),
// decoding from a hot standby and the hot_standby_feedback check of `setup
// --check` (16+), and a slot invalidated by max_slot_wal_keep_size (one
// clear error, or a new snapshot with snapshot.mode=when_needed). The
// primaries and standbys are this test's own clusters of
// $WALCAST_PG_VERSION (CTest sets 17); Kafka is the binary's broker.

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "rapidjson/document.h"
#include "tests/support/kafka_cluster.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/process.h"
#include "tests/support/walcast_process_test.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

// The physical slot each standby streams through on its primary.
constexpr const char* kStandbySlot = "standby1";

// The id of a Debezium record (after.id, else before.id), or -1.
int64_t RecordId(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  if (doc.HasParseError() || !doc.IsObject()) return -1;
  const rapidjson::Value& payload = doc.HasMember("payload") ? doc["payload"] : doc;
  if (!payload.IsObject() || !payload.HasMember("after")) return -1;
  const rapidjson::Value& row = payload["after"].IsObject() ? payload["after"] : payload["before"];
  if (!row.IsObject() || !row.HasMember("id") || !row["id"].IsInt64()) return -1;
  return row["id"].GetInt64();
}

// How often each id occurs in stdout-sink lines, keyed "op:id".
std::map<std::string, int> StdoutRows(const std::string& path) {
  std::map<std::string, int> out;
  for (const std::string& line : ReadLines(path)) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("op")) continue;
    const int64_t id = RecordId(line);
    if (id >= 0) ++out[std::string(doc["op"].GetString()) + ":" + std::to_string(id)];
  }
  return out;
}

std::set<int64_t> IdsOf(const std::string& psql_lines) {
  std::set<int64_t> out;
  size_t start = 0;
  while (start < psql_lines.size()) {
    size_t end = psql_lines.find('\n', start);
    if (end == std::string::npos) end = psql_lines.size();
    if (end > start) out.insert(std::stoll(psql_lines.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

size_t Occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

class HaTest : public WalcastProcessTest {
 protected:
  int Major() const { return PostgresCluster::MajorVersion(); }

  // A primary of its own with database db_ and table t, and a hot standby
  // streaming from it through kStandbySlot. On 17+ the primary lists that
  // slot in synchronized_standby_slots, so no logical walsender sends a
  // change the standby has not flushed. pg_ becomes the primary.
  void StartPair(bool feedback) {
    std::string error;
    primary_ = PostgresCluster::Start(&error);
    ASSERT_NE(primary_, nullptr) << error;
    primary_->Psql("SELECT pg_create_physical_replication_slot('" + std::string(kStandbySlot) +
                   "', true)");
    pg_ = primary_.get();
    // Named after the test: the database names the Kafka topic too.
    db_ = primary_->CreateDatabase(::testing::UnitTest::GetInstance()->current_test_info()->name());
    Sql("CREATE TABLE t(id bigint PRIMARY KEY, v text)");
    standby_ = PostgresCluster::StartStandby(*primary_, kStandbySlot, feedback, &error);
    ASSERT_NE(standby_, nullptr) << error;
    if (Major() >= 17) {
      // Set after the copy: a promoted standby must not wait for a slot of
      // its own name.
      primary_->Psql("ALTER SYSTEM SET synchronized_standby_slots = '" +
                     std::string(kStandbySlot) + "'; SELECT pg_reload_conf();");
    }
    WriteConfig({});
  }

  std::string OnStandby(const std::string& sql) { return standby_->Psql(sql, db_); }

  // Runs `sql` on `cluster`'s db_ through psql, whatever becomes of the
  // server meanwhile (a load the test cuts off by killing it).
  void PsqlIgnoringErrors(const PostgresCluster& cluster, const std::string& sql) {
    std::string out;
    RunCommand("PGPASSWORD=postgres psql -X -q -h 127.0.0.1 -p " + std::to_string(cluster.port()) +
                   " -U postgres -d " + db_ + " -c " + ShellQuote(sql) + " >/dev/null 2>&1",
               &out);
  }

  // Lets the server keep at most 1 MB of WAL for slots and writes WAL
  // (rows from `first_id` on, a WAL switch and a checkpoint per round) until
  // it has invalidated db_'s slot; the setting is reset afterwards. False if
  // the slot was not invalidated within 90 s.
  bool InvalidateSlot(int first_id) {
    pg_->Psql("ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'; SELECT pg_reload_conf();");
    int id = first_id;
    const bool lost = PollUntil(
        [&] {
          Sql("INSERT INTO t VALUES (" + std::to_string(id++) +
              ", 'gone'); SELECT pg_switch_wal(); CHECKPOINT;");
          return Sql("SELECT wal_status FROM pg_replication_slots WHERE slot_name = '" + db_ +
                     "'") == "lost";
        },
        90s);
    pg_->Psql("ALTER SYSTEM RESET max_slot_wal_keep_size; SELECT pg_reload_conf();");
    return lost;
  }

  std::unique_ptr<PostgresCluster> primary_;
  std::unique_ptr<PostgresCluster> standby_;
};

class HaKafkaTest : public HaTest {
 protected:
  void SetUp() override {
    HaTest::SetUp();
    if (HasFatalFailure()) return;
    kafka_ = KafkaEnvironment::Get();
    ASSERT_NE(kafka_, nullptr) << "Kafka did not start: " << KafkaEnvironment::StartError();
  }

  std::map<std::string, std::string> BaseConfig() const override {
    std::map<std::string, std::string> kv = HaTest::BaseConfig();
    kv["sinks"] = "kafka";
    kv["topic.prefix"] = db_;
    if (kafka_ != nullptr) kv["kafka.bootstrap.servers"] = kafka_->bootstrap();
    kv["kafka.linger.ms"] = "5";
    return kv;
  }

  std::string Topic() const { return db_ + ".public.t"; }

  // How often each id occurs in the topic.
  std::map<int64_t, int> KafkaIds(std::chrono::milliseconds quiet) {
    std::map<int64_t, int> out;
    for (const KafkaRecord& r : kafka_->ConsumeAll(Topic(), quiet, 120s)) {
      if (r.value) ++out[RecordId(*r.value)];
    }
    return out;
  }

  // A primary and its standby, walcast on both hosts with a failover slot
  // and `extra`; a load of one-row transactions on the primary, which is
  // killed mid-load; the standby promoted; more rows on it. Every row the
  // new primary has must reach Kafka, through the same walcast process; or,
  // with `restart`, walcast is killed (-9) with the primary and started
  // again after the promotion, from the synchronized copy of the slot.
  // Returns how often each id arrived.
  std::map<int64_t, int> FailOverMidLoad(const std::map<std::string, std::string>& extra,
                                         bool restart = false) {
    StartPair(true);
    if (HasFatalFailure()) return {};
    std::map<std::string, std::string> config = {
        {"database.hostname", "127.0.0.1,127.0.0.1"},
        {"database.port",
         std::to_string(primary_->port()) + "," + std::to_string(standby_->port())},
        {"slot.failover", "true"},
        {"reconnect.backoff.max.ms", "1000"}};
    for (const auto& [k, v] : extra) config[k] = v;
    WriteConfig(config);
    auto walcast = Start("walcast");
    EXPECT_TRUE(WaitForLog("walcast", "streaming started", walcast.get(), 60s)) << Log("walcast");

    std::thread load([&] {
      PsqlIgnoringErrors(*primary_,
                         "DO $$ BEGIN FOR i IN 1..1000000 LOOP INSERT INTO t VALUES (i, 'before'); "
                         "COMMIT; PERFORM pg_sleep(0.002); END LOOP; END $$;");
    });
    // Mid-load: some rows out, more on their way.
    EXPECT_GE(kafka_->Consume(Topic(), 300, 60s).size(), 300u) << Log("walcast");
    // The slot sync worker has copied the failover slot, as far as walcast
    // has confirmed by now, and made the copy permanent: a copy still
    // temporary (not yet synchronized once) is dropped at promotion.
    const std::string confirmed = Sql(
        "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '" + db_ + "'");
    EXPECT_TRUE(PollUntil(
        [&] {
          return OnStandby("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + db_ +
                           "' AND synced AND failover AND NOT temporary AND "
                           "confirmed_flush_lsn >= '" + confirmed + "'") == "1";
        },
        90s))
        << "the failover slot was not synchronized to the standby: "
        << OnStandby("SELECT synced, temporary, confirmed_flush_lsn FROM pg_replication_slots");
    std::string name = "walcast";
    if (restart) {
      walcast->Signal(SIGKILL);
      EXPECT_EQ(walcast->Wait(10s), 128 + SIGKILL);
    }
    primary_->Kill();
    load.join();
    std::string error;
    EXPECT_TRUE(standby_->Promote(&error)) << error;
    pg_ = standby_.get();
    if (restart) {
      name = "again";
      walcast = Start(name);
      EXPECT_TRUE(WaitForLog(name, "streaming started", walcast.get(), 60s)) << Log(name);
    }
    Sql("INSERT INTO t SELECT i, 'after' FROM generate_series(2000001, 2000200) i");

    const std::set<int64_t> committed = IdsOf(Sql("SELECT id FROM t ORDER BY id"));
    EXPECT_TRUE(PollUntil(
        [&] { return !walcast->Running() || KafkaIds(500ms).size() >= committed.size(); }, 120s))
        << Log(name);
    std::map<int64_t, int> seen = KafkaIds(2s);
    std::set<int64_t> ids;
    for (const auto& [id, n] : seen) ids.insert(id);
    EXPECT_EQ(ids, committed) << "Kafka and the new primary disagree";
    EXPECT_GT(committed.size(), 500u);
    size_t records = 0;
    for (const auto& [id, n] : seen) records += n;
    // The figures docs/high-availability.md quotes.
    std::printf("failover: rows=%zu records=%zu repeated=%zu\n", committed.size(), records,
                records - ids.size());

    // The same process followed the failover through its reconnects.
    EXPECT_TRUE(walcast->Running()) << Log(name);
    if (!restart) {
      EXPECT_NE(Log(name).find("replication connection failed; retrying"), std::string::npos);
      EXPECT_GE(Occurrences(Log(name), "streaming started"), 2u) << Log(name);
    }
    walcast->Signal(SIGTERM);
    EXPECT_EQ(walcast->Wait(30s), 0) << Log(name);
    return seen;
  }

  KafkaCluster* kafka_ = nullptr;
};

TEST_F(HaKafkaTest, FollowsAFailoverSlotToThePromotedStandby) {
  ASSERT_GE(Major(), 17) << "failover slots need WALCAST_PG_VERSION=17 or later";
  // At-least-once: ids may come twice (FailOverMidLoad checks that none is
  // missing and none is foreign).
  FailOverMidLoad({});
}

TEST_F(HaKafkaTest, FollowsAFailoverWithoutDuplicatesUnderExactlyOnce) {
  ASSERT_GE(Major(), 17) << "failover slots need WALCAST_PG_VERSION=17 or later";
  const std::map<int64_t, int> seen =
      FailOverMidLoad({{"exactly.once", "true"}});
  std::vector<int64_t> repeated;
  for (const auto& [id, n] : seen) {
    if (n > 1 && repeated.size() < 10) repeated.push_back(id);
  }
  EXPECT_TRUE(repeated.empty()) << "ids repeated, e.g. " << ::testing::PrintToString(repeated);
}

TEST_F(HaKafkaTest, RestartsOnThePromotedStandbyWithoutDuplicatesUnderExactlyOnce) {
  ASSERT_GE(Major(), 17) << "failover slots need WALCAST_PG_VERSION=17 or later";
  // The synchronized slot may be behind what walcast confirmed; the
  // checkpoint in Kafka skips what the new primary sends again.
  const std::map<int64_t, int> seen = FailOverMidLoad({{"exactly.once", "true"}}, true);
  std::vector<int64_t> repeated;
  for (const auto& [id, n] : seen) {
    if (n > 1 && repeated.size() < 10) repeated.push_back(id);
  }
  EXPECT_TRUE(repeated.empty()) << "ids repeated, e.g. " << ::testing::PrintToString(repeated);
}

TEST_F(HaTest, DecodesFromAHotStandbyAndChecksItsFeedback) {
  ASSERT_GE(Major(), 16) << "decoding on a standby needs WALCAST_PG_VERSION=16 or later";
  StartPair(true);
  if (HasFatalFailure()) return;
  // A standby is read-only: the publication comes from the primary.
  Sql("CREATE PUBLICATION walcast_publication FOR TABLE t; INSERT INTO t VALUES (1, 'snapshot')");
  ASSERT_TRUE(PollUntil([&] { return OnStandby("SELECT count(*) FROM t") == "1"; }, 60s));
  WriteConfig({{"database.port", std::to_string(standby_->port())}});

  std::string out;
  std::string err;
  EXPECT_EQ(RunToEnd({"setup", "--check"}, &out, &err), 0) << out << err;
  EXPECT_NE(out.find("ok   hot_standby_feedback: on"), std::string::npos) << out;

  auto walcast = Start("walcast");
  // Creating a slot on a standby waits for the primary's next record of
  // running transactions; ask for one until the slot is there.
  EXPECT_TRUE(PollUntil(
      [&] {
        primary_->Psql("SELECT pg_log_standby_snapshot()");
        return Log("walcast").find("streaming started") != std::string::npos ||
               !walcast->Running();
      },
      60s));
  ASSERT_TRUE(walcast->Running()) << Log("walcast");
  EXPECT_EQ(OnStandby("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + db_ + "'"),
            "1");
  Sql("INSERT INTO t SELECT i, 'stream' FROM generate_series(2, 100) i");
  Sql("UPDATE t SET v = 'changed' WHERE id = 50");
  EXPECT_TRUE(PollUntil([&] { return StdoutRows(dir_ + "/walcast.out").count("u:50") == 1; }, 60s))
      << Log("walcast");
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log("walcast");
  const std::map<std::string, int> rows = StdoutRows(dir_ + "/walcast.out");
  EXPECT_EQ(rows.at("r:1"), 1);
  for (int id = 2; id <= 100; ++id) EXPECT_EQ(rows.count("c:" + std::to_string(id)), 1u) << id;
  EXPECT_EQ(rows.size(), 101u);

  // The same standby with the feedback off: the check says what to set.
  standby_->Psql("ALTER SYSTEM SET hot_standby_feedback = off; SELECT pg_reload_conf();");
  ASSERT_TRUE(PollUntil([&] { return OnStandby("SHOW hot_standby_feedback") == "off"; }, 10s));
  EXPECT_NE(RunToEnd({"setup", "--check"}, &out, &err), 0) << out << err;
  EXPECT_NE(out.find("FAIL hot_standby_feedback: is off on this standby"), std::string::npos)
      << out;
  EXPECT_NE(out.find("fix: ALTER SYSTEM SET hot_standby_feedback = on;"), std::string::npos)
      << out;
  (void)standby_->Psql("SELECT pg_drop_replication_slot('" + db_ + "')");
}

// The slot is invalidated while walcast streams from it: Kafka is stopped,
// so nothing is confirmed and the slot holds its WAL, until a burst of WAL
// passes max_slot_wal_keep_size; the server then ends walcast's walsender
// and invalidates the slot. walcast stops with one clear error naming the
// setting (no crash, no retry loop); with snapshot.mode=when_needed the next
// start takes a new snapshot, and no row is missing from Kafka after it.
TEST_F(HaKafkaTest, ASlotInvalidatedWhileStreamingIsOneClearErrorThenANewSnapshot) {
  Sql("CREATE TABLE t(id bigint PRIMARY KEY, v text);"
      "INSERT INTO t SELECT i, 'first' FROM generate_series(1, 10) i");
  WriteConfig({});
  auto walcast = Start("streaming");
  ASSERT_TRUE(WaitForLog("streaming", "streaming started", walcast.get())) << Log("streaming");
  ASSERT_GE(kafka_->Consume(Topic(), 10, 60s).size(), 10u) << Log("streaming");

  ASSERT_TRUE(kafka_->Stop());
  Sql("INSERT INTO t VALUES (11, 'held')");
  const bool lost = InvalidateSlot(100);
  const ::testing::AssertionResult restarted = kafka_->Start();
  ASSERT_TRUE(lost) << "the slot was not invalidated\n" << Log("streaming");
  ASSERT_TRUE(restarted);
  // The walsender was ended under walcast, which was still running.
  EXPECT_TRUE(walcast->Running()) << Log("streaming");

  // walcast notices at its next reconnect and stops, once.
  const int code = walcast->Wait(120s);
  const std::string err = Log("streaming");
  EXPECT_NE(code, 0) << err;
  EXPECT_NE(code, -1) << "still running:\n" << err;
  EXPECT_NE(code, 128 + SIGABRT) << err;
  EXPECT_NE(code, 128 + SIGSEGV) << err;
  EXPECT_EQ(Occurrences(err, "was invalidated by the server"), 1u) << err;
  EXPECT_NE(err.find("max_slot_wal_keep_size"), std::string::npos) << err;
  EXPECT_NE(err.find("snapshot.mode=when_needed"), std::string::npos) << err;
  // A few reconnects at most before the error, not a loop.
  EXPECT_LE(Occurrences(err, "replication connection failed; retrying"), 5u) << err;
  // How it went, for docs/reliability.md.
  for (const std::string& line : ReadLines(dir_ + "/streaming.err")) {
    if (line.find("invalidated") != std::string::npos ||
        line.find("connection failed") != std::string::npos) {
      std::cerr << "streaming: " << line.substr(0, 400) << "\n";
    }
  }

  // when_needed: a new slot and snapshot; every row is in Kafka after it.
  WriteConfig({{"snapshot.mode", "when_needed"}});
  auto again = Start("again");
  ASSERT_TRUE(WaitForLog("again", "streaming started", again.get(), 90s)) << Log("again");
  Sql("INSERT INTO t VALUES (1000, 'after')");
  const std::set<int64_t> rows = IdsOf(Sql("SELECT id FROM t ORDER BY id"));
  std::map<int64_t, int> seen;
  EXPECT_TRUE(PollUntil(
      [&] {
        seen = KafkaIds(3s);
        return std::all_of(rows.begin(), rows.end(),
                           [&](int64_t id) { return seen.count(id) > 0; });
      },
      120s))
      << Log("again");
  for (const int64_t id : rows) EXPECT_EQ(seen.count(id), 1u) << "id " << id << " missing";
  again->Signal(SIGTERM);
  EXPECT_EQ(again->Wait(30s), 0) << Log("again");
  EXPECT_NE(Sql("SELECT wal_status FROM pg_replication_slots WHERE slot_name = '" + db_ + "'"),
            "lost");
}

TEST_F(HaTest, AnInvalidatedSlotIsOneClearErrorOrANewSnapshot) {
  Sql("CREATE TABLE t(id bigint PRIMARY KEY, v text);"
      "INSERT INTO t SELECT i, 'first' FROM generate_series(1, 10) i");
  auto first = Start("first");
  ASSERT_TRUE(WaitForLog("first", "streaming started", first.get())) << Log("first");
  ASSERT_TRUE(PollUntil([&] { return StdoutRows(dir_ + "/first.out").size() == 10; }, 30s));
  first->Signal(SIGTERM);
  ASSERT_EQ(first->Wait(30s), 0) << Log("first");

  // walcast is stopped; the server keeps at most 1 MB of WAL for slots.
  const bool lost = InvalidateSlot(100);
  ASSERT_TRUE(lost) << "the slot was not invalidated";

  std::string out;
  std::string err;
  EXPECT_NE(RunToEnd({"run"}, &out, &err), 0) << err;
  EXPECT_EQ(Occurrences(err, "was invalidated by the server"), 1u) << err;
  EXPECT_NE(err.find("max_slot_wal_keep_size"), std::string::npos) << err;
  EXPECT_NE(err.find("snapshot.mode=when_needed"), std::string::npos) << err;
  if (Major() >= 17) {
    EXPECT_NE(err.find("invalidation_reason=wal_removed"), std::string::npos) << err;
  }
  EXPECT_EQ(StdoutRows(dir_ + "/once.out").size(), 0u);
  // The preflight says the same.
  EXPECT_NE(RunToEnd({"setup", "--check"}, &out, &err), 0) << out << err;
  EXPECT_NE(out.find("FAIL slot: replication slot '" + db_ + "' was invalidated"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("max_slot_wal_keep_size"), std::string::npos) << out;

  // when_needed: the slot is dropped and made again with a new snapshot.
  WriteConfig({{"snapshot.mode", "when_needed"}});
  auto again = Start("again");
  ASSERT_TRUE(WaitForLog("again", "streaming started", again.get(), 60s)) << Log("again");
  Sql("INSERT INTO t VALUES (1000, 'after')");
  const size_t rows = std::stoul(Sql("SELECT count(*) FROM t"));
  EXPECT_TRUE(PollUntil([&] { return StdoutRows(dir_ + "/again.out").size() == rows; }, 60s))
      << Log("again");
  again->Signal(SIGTERM);
  EXPECT_EQ(again->Wait(30s), 0) << Log("again");
  const std::map<std::string, int> seen = StdoutRows(dir_ + "/again.out");
  for (int id = 1; id <= 10; ++id) EXPECT_EQ(seen.count("r:" + std::to_string(id)), 1u) << id;
  EXPECT_EQ(seen.count("r:100"), 1u);  // written while the slot was lost: in the snapshot
  EXPECT_EQ(seen.count("c:1000"), 1u);
  EXPECT_NE(Sql("SELECT wal_status FROM pg_replication_slots WHERE slot_name = '" + db_ + "'"),
            "lost");
}

}  // namespace
}  // namespace walcast::testing
