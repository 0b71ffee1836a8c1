// What walcast takes from each PostgreSQL version (docs/postgres-versions.md),
// through the binary, against the version the harness runs
// ($WALCAST_PG_VERSION): the pgoutput protocol it negotiates, a streamed
// transaction under that protocol, origin filtering (16+) and failover slots
// (17+), and the one clear error each of the last two gives on an older
// server. Registered once per version (CTest label pg-matrix).

#include <signal.h>

#include <set>
#include <string>

#include "rapidjson/document.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/process.h"
#include "tests/support/walcast_process_test.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

// The ids of table t's rows in stdout-sink lines, by op.
std::multiset<std::string> RowsSeen(const std::string& path) {
  std::multiset<std::string> out;
  for (const std::string& line : ReadLines(path)) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc["after"].IsObject()) continue;
    out.insert(std::string(doc["op"].GetString()) + ":" +
               std::to_string(doc["after"]["id"].GetInt64()));
  }
  return out;
}

class PgFeaturesTest : public WalcastProcessTest {
 protected:
  int Major() const { return PostgresCluster::MajorVersion(); }
  // `walcast run` stops at start with an error naming `key`, and leaves no
  // slot behind.
  void ExpectRefusedNaming(const std::string& key) {
    std::string out;
    std::string err;
    EXPECT_NE(RunToEnd({"run"}, &out, &err), 0);
    EXPECT_NE(err.find("config key '" + key + "'"), std::string::npos) << err;
    EXPECT_EQ(Sql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + db_ + "'"),
              "0");
  }
  // The slot's `failover` column (PostgreSQL 17+).
  std::string SlotFailover() {
    return Sql("SELECT failover FROM pg_replication_slots WHERE slot_name = '" + db_ + "'");
  }
};

TEST_F(PgFeaturesTest, TheClusterRunsTheVersionAskedFor) {
  EXPECT_EQ(std::stoi(Sql("SELECT current_setting('server_version_num')")) / 10000, Major());
}

TEST_F(PgFeaturesTest, StreamsABigTransactionUnderTheHighestProtocol) {
  // Small enough that the transaction below is streamed while it runs.
  Sql("ALTER SYSTEM SET logical_decoding_work_mem = '64kB'");
  Sql("SELECT pg_reload_conf()");
  Sql("CREATE TABLE t(id int PRIMARY KEY, v text)");
  auto walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get())) << Log("walcast");
  const int expected = Major() >= 16 ? 4 : Major() == 15 ? 3 : 2;
  EXPECT_NE(Log("walcast").find("proto_version=" + std::to_string(expected) + " streaming=on"),
            std::string::npos)
      << Log("walcast");

  Sql("BEGIN; INSERT INTO t SELECT i, repeat('x', 200) FROM generate_series(1, 5000) i; "
      "ROLLBACK;");
  Sql("INSERT INTO t SELECT i, repeat('y', 200) FROM generate_series(1, 5000) i");
  ASSERT_TRUE(PollUntil([&] { return RowsSeen(dir_ + "/walcast.out").size() >= 5000; }, 120s))
      << Log("walcast");
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log("walcast");
  const std::multiset<std::string> rows = RowsSeen(dir_ + "/walcast.out");
  EXPECT_EQ(rows.size(), 5000u);  // the rolled-back rows never appear
  EXPECT_EQ(rows.count("c:1"), 1u);
  EXPECT_EQ(rows.count("c:5000"), 1u);
  Sql("ALTER SYSTEM RESET logical_decoding_work_mem");
  Sql("SELECT pg_reload_conf()");
}

TEST_F(PgFeaturesTest, OriginNoneSkipsReplicatedChangesFrom16) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, v text)");
  WriteConfig({{"pgoutput.origin", "none"}});
  if (Major() < 16) {
    ExpectRefusedNaming("pgoutput.origin");
    return;
  }
  auto walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get())) << Log("walcast");
  // A change applied under a replication origin, as a subscriber's apply
  // worker makes it, then a local one.
  Sql("SELECT pg_replication_origin_create('upstream_" + db_ + "');");
  Sql("SELECT pg_replication_origin_session_setup('upstream_" + db_ +
      "'); INSERT INTO t VALUES (1, 'replicated');");
  Sql("INSERT INTO t VALUES (2, 'local')");
  ASSERT_TRUE(PollUntil([&] { return RowsSeen(dir_ + "/walcast.out").count("c:2") == 1; }, 60s))
      << Log("walcast");
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log("walcast");
  EXPECT_EQ(RowsSeen(dir_ + "/walcast.out"), (std::multiset<std::string>{"c:2"}));
  Sql("SELECT pg_replication_origin_drop('upstream_" + db_ + "')");
}

TEST_F(PgFeaturesTest, FailoverSlotFrom17AndOneClearErrorBefore) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'before')");
  WriteConfig({{"slot.failover", "true"}});
  if (Major() < 17) {
    ExpectRefusedNaming("slot.failover");
    return;
  }
  // Created with the snapshot, as a failover slot.
  auto walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get())) << Log("walcast");
  EXPECT_EQ(SlotFailover(), "t");
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log("walcast");

  // A slot made without failover (by a DBA, used from its position) is
  // switched over at start.
  Sql("SELECT pg_drop_replication_slot('" + db_ + "')");
  Sql("SELECT pg_create_logical_replication_slot('" + db_ + "', 'pgoutput')");
  EXPECT_EQ(SlotFailover(), "f");
  WriteConfig({{"slot.failover", "true"}, {"snapshot.mode", "no_data"}});
  auto again = Start("again");
  ASSERT_TRUE(WaitForLog("again", "streaming started", again.get())) << Log("again");
  EXPECT_EQ(SlotFailover(), "t");
  Sql("INSERT INTO t VALUES (2, 'after')");
  ASSERT_TRUE(PollUntil([&] { return RowsSeen(dir_ + "/again.out").count("c:2") == 1; }, 60s))
      << Log("again");
  again->Signal(SIGTERM);
  EXPECT_EQ(again->Wait(30s), 0) << Log("again");
}

}  // namespace
}  // namespace walcast::testing
