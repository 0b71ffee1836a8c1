// End-to-end tests of the walcast binary against a real PostgreSQL 15:
// crash safety (kill -9), bounded memory, clean stops, CLI errors.

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "core/lsn.h"
#include "rapidjson/document.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/process.h"
#include "tests/support/walcast_process_test.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

// One stdout-sink line: op, source.table, source.snapshot, source.txId,
// source.lsn and the row's id (after, else before).
struct Event {
  std::string op;
  std::string table;
  std::string mark;
  int64_t id = 0;
  int64_t tx_id = 0;
  uint64_t lsn = 0;
};

// Parses stdout-sink lines; a partial last line (kill -9 mid-write) is skipped.
std::vector<Event> ParseEvents(const std::string& path) {
  std::vector<Event> out;
  for (const auto& line : ReadLines(path)) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    if (doc.HasParseError() || !doc.IsObject()) continue;
    Event e;
    e.op = doc["op"].GetString();
    const auto& row = doc["after"].IsObject() ? doc["after"] : doc["before"];
    if (row.IsObject() && row.HasMember("id") && row["id"].IsInt64()) e.id = row["id"].GetInt64();
    const auto& source = doc["source"];
    e.table = source["table"].GetString();
    e.mark = source["snapshot"].GetString();
    if (source["txId"].IsInt64()) e.tx_id = source["txId"].GetInt64();
    e.lsn = source["lsn"].GetUint64();
    out.push_back(e);
  }
  return out;
}

class CliTest : public WalcastProcessTest {
 protected:
  // Kills walcast (-9) once it has written part of the snapshot of a
  // 300,000-row table; a second start takes the whole snapshot again, with
  // `threads` readers and encoders.
  void KillMidSnapshotAndRestart(const std::string& threads);
};

TEST_F(CliTest, KillNineMidStreamLosesNothingAndRepeatsNothingBelowTheWatermark) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, v int)");
  auto first = Start("first");
  ASSERT_TRUE(WaitForLog("first", "streaming started", first.get())) << ReadFile(dir_ + "/first.err");

  constexpr int kTxns = 300;
  constexpr int kRowsPerTxn = 50;
  std::string load;
  for (int k = 0; k < kTxns; ++k) {
    load += "INSERT INTO t SELECT i, i FROM generate_series(" + std::to_string(k * kRowsPerTxn + 1) +
            ", " + std::to_string((k + 1) * kRowsPerTxn) + ") i;\n";
  }
  // One writer session: transactions commit one after another, so every
  // change of a transaction lies after the end of the one before.
  const Lsn started_at = ConfirmedFlush();
  std::thread writer([&] { Sql(load); });
  // Kill once events are out and the watermark has been confirmed past the
  // start at least once, so that the crash falls between a confirmed
  // position and unconfirmed output (how soon the first confirmation comes
  // depends on the machine's speed, not on walcast's correctness).
  ASSERT_TRUE(PollUntil(
      [&] {
        return ReadLines(dir_ + "/first.out").size() > 2000 && started_at < ConfirmedFlush();
      },
      60s));
  first->Signal(SIGKILL);
  EXPECT_EQ(first->Wait(10s), 128 + SIGKILL);
  writer.join();
  const Lsn watermark = ConfirmedFlush();
  const auto before = ParseEvents(dir_ + "/first.out");

  auto second = Start("second");
  const int total = kTxns * kRowsPerTxn;
  ASSERT_TRUE(PollUntil(
      [&] {
        std::set<int64_t> ids;
        for (const auto& e : ParseEvents(dir_ + "/first.out")) ids.insert(e.id);
        for (const auto& e : ParseEvents(dir_ + "/second.out")) ids.insert(e.id);
        return static_cast<int>(ids.size()) == total;
      },
      120s))
      << ReadFile(dir_ + "/second.err");
  second->Signal(SIGTERM);
  EXPECT_EQ(second->Wait(30s), 0) << ReadFile(dir_ + "/second.err");

  // Confirmed means every transaction ending at or before the watermark is
  // durable; the next transaction's first change may start exactly there.
  const auto after = ParseEvents(dir_ + "/second.out");
  for (const auto& e : after) {
    ASSERT_GE(e.lsn, watermark.value()) << "event below the watermark emitted again";
  }
  // Everything at or below the watermark was written before the crash.
  std::set<int64_t> early;
  for (const auto& e : before) early.insert(e.id);
  size_t below = 0;
  for (const auto& e : before) below += e.lsn <= watermark.value();
  EXPECT_GT(below, 0u) << "the watermark never moved before the crash";
  EXPECT_EQ(Sql("SELECT count(*) FROM t"), std::to_string(total));
}

TEST_F(CliTest, MillionRowTransactionStreamsInBoundedMemory) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, v text)");
  for (const std::string streaming : {"off", "on"}) {
    SCOPED_TRACE("pgoutput.streaming=" + streaming);
    Sql("TRUNCATE t");
    WriteConfig({{"pgoutput.streaming", streaming},
                 {"pgoutput.proto.version", streaming == "on" ? "2" : "1"},
                 {"stream.buffer.spill.dir", dir_}});
    std::vector<std::string> argv = {WalcastBinary(), "--config", dir_ + "/walcast.properties", "run"};
    ChildProcess p(argv, "/dev/null", dir_ + "/big.err", {"WALCAST_DATABASE_PASSWORD=postgres"});
    ASSERT_TRUE(PollUntil([&] { return ReadFile(dir_ + "/big.err").find("streaming started") != std::string::npos; }, 30s))
        << ReadFile(dir_ + "/big.err");
    Sql("INSERT INTO t SELECT i, md5(i::text) FROM generate_series(1, 1000000) i");
    const Lsn end = Lsn::Parse(Sql("SELECT pg_current_wal_lsn()")).value();
    ASSERT_TRUE(PollUntil([&] { return ConfirmedFlush() >= end || !p.Running(); }, 300s));
    ASSERT_TRUE(p.Running()) << ReadFile(dir_ + "/big.err");
    const long peak_kb = p.PeakRssKb();
    RecordProperty("peak_rss_kb_streaming_" + streaming, std::to_string(peak_kb));
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(30s), 0);
    // The bound is a constant: it does not depend on the transaction size.
    EXPECT_LT(peak_kb, 64 * 1024) << "peak RSS " << peak_kb << " KiB";
    EXPECT_GT(peak_kb, 0);
  }
}

TEST_F(CliTest, SigtermStopsCleanlyAfterConfirmingEverything) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, v int)");
  auto p = Start("run");
  ASSERT_TRUE(WaitForLog("run", "streaming started", p.get()));
  Sql("INSERT INTO t VALUES (1, 1); INSERT INTO t VALUES (2, 2);");
  ASSERT_TRUE(PollUntil([&] { return ParseEvents(dir_ + "/run.out").size() == 2; }, 30s));
  const uint64_t last = ParseEvents(dir_ + "/run.out").back().lsn;
  p->Signal(SIGTERM);
  EXPECT_EQ(p->Wait(30s), 0) << ReadFile(dir_ + "/run.err");
  EXPECT_GT(ConfirmedFlush().value(), last);

  // A restart emits nothing again.
  auto again = Start("again");
  ASSERT_TRUE(WaitForLog("again", "streaming started", again.get()));
  Sql("INSERT INTO t VALUES (3, 3);");
  ASSERT_TRUE(PollUntil([&] { return !ParseEvents(dir_ + "/again.out").empty(); }, 30s));
  again->Signal(SIGTERM);
  EXPECT_EQ(again->Wait(30s), 0);
  const auto events = ParseEvents(dir_ + "/again.out");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, 3);
}

TEST_F(CliTest, EventsLookLikeDebeziumEnvelopes) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, v text, ok bool)");
  auto p = Start("run");
  ASSERT_TRUE(WaitForLog("run", "streaming started", p.get()));
  Sql("INSERT INTO t VALUES (1, 'a', true); UPDATE t SET v = 'b'; DELETE FROM t;");
  ASSERT_TRUE(PollUntil([&] { return ReadLines(dir_ + "/run.out").size() == 3; }, 30s));
  p->Signal(SIGTERM);
  EXPECT_EQ(p->Wait(30s), 0);
  const auto lines = ReadLines(dir_ + "/run.out");
  rapidjson::Document c;
  c.Parse(lines[0].c_str());
  ASSERT_TRUE(c.IsObject());
  EXPECT_STREQ(c["op"].GetString(), "c");
  EXPECT_TRUE(c["before"].IsNull());
  EXPECT_EQ(c["after"]["id"].GetInt(), 1);
  EXPECT_STREQ(c["after"]["v"].GetString(), "a");
  EXPECT_TRUE(c["after"]["ok"].GetBool());
  EXPECT_STREQ(c["source"]["schema"].GetString(), "public");
  EXPECT_STREQ(c["source"]["table"].GetString(), "t");
  EXPECT_STREQ(c["source"]["db"].GetString(), db_.c_str());
  EXPECT_TRUE(c["source"]["txId"].IsInt64());
  EXPECT_TRUE(c["source"]["lsn"].IsInt64());
  rapidjson::Document d;
  d.Parse(lines[2].c_str());
  EXPECT_STREQ(d["op"].GetString(), "d");
  EXPECT_EQ(d["before"]["id"].GetInt(), 1);
  EXPECT_TRUE(d["before"]["v"].IsNull());
  EXPECT_TRUE(d["after"].IsNull());
}

TEST_F(CliTest, InitialSnapshotMarksRowsAndIsTakenOnce) {
  Sql("CREATE TABLE a(id int PRIMARY KEY); CREATE TABLE b(id int PRIMARY KEY);"
      "CREATE TABLE c(id int PRIMARY KEY);"
      "INSERT INTO a SELECT generate_series(1, 3); INSERT INTO c VALUES (7)");
  WriteConfig({{"table.include.list", "public\\.(a|b|c)"}});
  auto p = Start("first");
  ASSERT_TRUE(WaitForLog("first", "streaming started", p.get())) << Log("first");
  Sql("INSERT INTO b VALUES (100)");
  ASSERT_TRUE(PollUntil([&] { return ReadLines(dir_ + "/first.out").size() == 5; }, 30s))
      << Log("first");
  p->Signal(SIGTERM);
  ASSERT_EQ(p->Wait(30s), 0) << Log("first");
  const auto lines = ParseEvents(dir_ + "/first.out");
  ASSERT_EQ(lines.size(), 5u);
  // Tables in name order, rows in heap order; b is empty.
  std::vector<std::string> marks;
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(lines[i].op, "r");
    marks.push_back(lines[i].table + ":" + std::to_string(lines[i].id) + ":" + lines[i].mark);
  }
  EXPECT_EQ(marks, (std::vector<std::string>{"a:1:first", "a:2:true", "a:3:last_in_data_collection",
                                             "c:7:last"}));
  // One snapshot transaction at the slot's consistent point; streaming follows it.
  EXPECT_EQ(lines[0].lsn, lines[3].lsn);
  EXPECT_EQ(lines[0].tx_id, lines[3].tx_id);
  EXPECT_GT(lines[0].tx_id, 0);
  EXPECT_EQ(lines[4].op, "c");
  EXPECT_EQ(lines[4].mark, "false");
  EXPECT_GT(lines[4].lsn, lines[0].lsn);

  std::string out, err;
  ASSERT_EQ(RunToEnd({"status"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("snapshot:            completed at"), std::string::npos) << out;

  // A restart streams on from the slot: no second snapshot.
  Sql("INSERT INTO a VALUES (4)");
  const std::string inserted = Sql("SELECT pg_current_wal_lsn()");
  auto second = Start("second");
  ASSERT_TRUE(PollUntil([&] { return ReadLines(dir_ + "/second.out").size() >= 1; }, 30s))
      << Log("second");
  // Everything up to the insert is confirmed: nothing more is on its way.
  ASSERT_TRUE(PollUntil(
      [&] {
        return pg_->Psql("SELECT confirmed_flush_lsn >= '" + inserted +
                         "' FROM pg_replication_slots WHERE slot_name = '" + db_ + "'") == "t";
      },
      30s))
      << Log("second");
  second->Signal(SIGTERM);
  ASSERT_EQ(second->Wait(30s), 0) << Log("second");
  const auto again = ParseEvents(dir_ + "/second.out");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].op, "c");
  EXPECT_EQ(again[0].id, 4);
}

TEST_F(CliTest, ParallelSnapshotReadsEveryRowOnceInTableAndHeapOrder) {
  // t is big enough to be cut into ctid ranges read by 3 connections; the
  // stdout sink encodes on 3 threads. Around it: a small first table, an
  // empty one and a one-row last table, for the markers.
  Sql("CREATE TABLE s(id int PRIMARY KEY); INSERT INTO s SELECT generate_series(1, 3);"
      "CREATE TABLE t(id int PRIMARY KEY, v text);"
      "INSERT INTO t SELECT i, repeat('x', 100) FROM generate_series(1, 200000) i;"
      "CREATE TABLE u(id int PRIMARY KEY); CREATE TABLE v(id int PRIMARY KEY);"
      "INSERT INTO v VALUES (7)");
  const int pages = std::stoi(Sql("SELECT pg_relation_size('t') / 8192"));
  ASSERT_GT(pages, 2048);
  WriteConfig({{"snapshot.max.threads", "3"},
               {"snapshot.mode", "initial_only"},
               {"table.include.list", "public\\.(s|t|u|v)"}});
  std::string out, err;
  ASSERT_EQ(RunToEnd({"run"}, &out, &err), 0) << err;
  const auto lines = ParseEvents(dir_ + "/once.out");
  ASSERT_EQ(lines.size(), 3u + 200000u + 1u) << err;
  // Tables in name order; t was inserted in order into an empty table, so
  // its heap order is id order.
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(lines[i].table, "s");
    ASSERT_EQ(lines[i].id, static_cast<int64_t>(i + 1));
  }
  for (size_t i = 0; i < 200000; ++i) {
    ASSERT_EQ(lines[3 + i].table, "t") << "row " << i;
    ASSERT_EQ(lines[3 + i].id, static_cast<int64_t>(i + 1)) << "row " << i;
    if (i > 0 && i + 1 < 200000) {
      ASSERT_EQ(lines[3 + i].mark, "true") << "row " << i;
    }
  }
  EXPECT_EQ(lines[0].mark, "first");
  EXPECT_EQ(lines[1].mark, "true");
  EXPECT_EQ(lines[2].mark, "last_in_data_collection");
  EXPECT_EQ(lines[3].mark, "first_in_data_collection");
  EXPECT_EQ(lines[3 + 199999].mark, "last_in_data_collection");
  EXPECT_EQ(lines.back().table, "v");
  EXPECT_EQ(lines.back().id, 7);
  EXPECT_EQ(lines.back().mark, "last");
  for (const auto& e : lines) ASSERT_EQ(e.lsn, lines[0].lsn);
  EXPECT_NE(err.find("snapshot completed"), std::string::npos);
}

void CliTest::KillMidSnapshotAndRestart(const std::string& threads) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, v text);"
      "INSERT INTO t SELECT i, repeat('y', 200) FROM generate_series(1, 300000) i");
  WriteConfig({{"snapshot.max.threads", threads}});
  auto first = Start("first");
  ASSERT_TRUE(PollUntil([&] { return ReadLines(dir_ + "/first.out").size() > 1000; }, 60s))
      << Log("first");
  first->Signal(SIGKILL);
  first->Wait(10s);
  auto second = Start("second");
  ASSERT_TRUE(WaitForLog("second", "streaming started", second.get(), 180s)) << Log("second");
  // Streaming follows the snapshot, encoded on the reader thread.
  Sql("INSERT INTO t VALUES (300001, 'z')");
  ASSERT_TRUE(PollUntil([&] { return ReadLines(dir_ + "/second.out").size() == 300001; }, 60s))
      << Log("second");
  second->Signal(SIGTERM);
  ASSERT_EQ(second->Wait(30s), 0) << Log("second");
  EXPECT_NE(Log("second").find("no completed snapshot recorded"), std::string::npos);
  const auto lines = ParseEvents(dir_ + "/second.out");
  ASSERT_EQ(lines.size(), 300001u);
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_EQ(lines[i].id, static_cast<int64_t>(i + 1)) << "row " << i;
  }
  EXPECT_EQ(lines.front().mark, "first");
  EXPECT_EQ(lines[299999].mark, "last");
  EXPECT_EQ(lines.back().op, "c");
  EXPECT_EQ(lines.back().mark, "false");
}

TEST_F(CliTest, InterruptedSnapshotIsTakenAgainFromScratch) { KillMidSnapshotAndRestart("1"); }

TEST_F(CliTest, InterruptedParallelSnapshotIsTakenAgainFromScratch) {
  KillMidSnapshotAndRestart("2");
}

TEST_F(CliTest, ParallelSnapshotOfWideRowsStaysInBoundedMemory) {
  // 1,500 rows of 100 KB (150 MB of COPY text, stored compressed) into a
  // stdout nobody reads for a while: the sink blocks, the encoders and the
  // COPY readers fill what they may hold ahead and stop, and the server's
  // COPY waits on the client. What they hold is bounded in bytes, not only
  // in rows (4,096 rows of this table would be 400 MB).
  Sql("CREATE TABLE w(id int PRIMARY KEY, v text);"
      "INSERT INTO w SELECT i, repeat(md5(i::text), 3200) FROM generate_series(1, 1500) i");
  WriteConfig({{"snapshot.max.threads", "2"},
               {"snapshot.mode", "initial_only"},
               {"table.include.list", "public\\.w"}});
  const std::string fifo = dir_ + "/wide.out";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const int read_fd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(read_fd, 0);
  auto p = Start("wide");
  // Stalled: every snapshot COPY waits to send (or has sent everything) for
  // a whole second.
  const std::string stalled =
      "SELECT count(*) > 0 AND bool_and(wait_event IS NOT DISTINCT FROM 'ClientWrite' OR "
      "state = 'idle in transaction') FROM pg_stat_activity WHERE datname = '" + db_ +
      "' AND application_name = 'walcast-snapshot' AND query LIKE 'COPY%'";
  auto stalled_since = std::chrono::steady_clock::now();
  bool was_stalled = false;
  ASSERT_TRUE(PollUntil(
      [&] {
        const bool now_stalled = pg_->Psql(stalled) == "t";
        if (now_stalled && !was_stalled) stalled_since = std::chrono::steady_clock::now();
        was_stalled = now_stalled;
        return now_stalled && std::chrono::steady_clock::now() - stalled_since > 1s;
      },
      120s))
      << Log("wide");
  const long peak_kb = p->PeakRssKb();
  RecordProperty("peak_rss_kb_wide_snapshot", std::to_string(peak_kb));
  // Now read everything: the snapshot completes.
  fcntl(read_fd, F_SETFL, 0);
  std::string text;
  std::array<char, 1 << 16> buf{};
  for (ssize_t n; (n = read(read_fd, buf.data(), buf.size())) != 0;) {
    if (n > 0) text.append(buf.data(), static_cast<size_t>(n));
  }
  close(read_fd);
  ASSERT_EQ(p->Wait(60s), 0) << Log("wide");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1500);
  EXPECT_GT(peak_kb, 0);
  EXPECT_LT(peak_kb, 80 * 1024) << "peak RSS " << peak_kb << " KiB";
}

TEST_F(CliTest, ForeignSlotIsNeverDroppedAndIsUsedFromItsPositionWithoutASnapshot) {
  // A slot walcast did not create (say, Debezium's), and no snapshot in
  // state.dir: walcast used to drop it to take one.
  // Debezium's publication comes before its slot (pgoutput reads it as of
  // each change's position).
  Sql("CREATE TABLE t(id int PRIMARY KEY); INSERT INTO t VALUES (1);"
      "CREATE PUBLICATION walcast_publication FOR TABLE t");
  Sql("SELECT pg_create_logical_replication_slot('" + db_ + "', 'pgoutput')");
  const auto slot_position = [&] {
    return pg_->Psql("SELECT restart_lsn || ' ' || confirmed_flush_lsn FROM pg_replication_slots "
                     "WHERE slot_name = '" + db_ + "'");
  };
  const std::string created_at = slot_position();
  ASSERT_FALSE(created_at.empty());
  Sql("INSERT INTO t VALUES (2)");

  std::string out, err;
  EXPECT_NE(RunToEnd({"run"}, &out, &err), 0) << err;
  EXPECT_NE(err.find("SELECT pg_drop_replication_slot('" + db_ + "');"), std::string::npos) << err;
  EXPECT_NE(err.find("snapshot.mode=no_data"), std::string::npos) << err;
  EXPECT_EQ(slot_position(), created_at);  // the same slot, untouched
  EXPECT_TRUE(ReadLines(dir_ + "/once.out").empty());

  // snapshot.mode=no_data streams from the slot's position: row 2 was
  // written after the slot was made, row 1 before.
  WriteConfig({{"snapshot.mode", "no_data"}});
  auto p = Start("foreign");
  ASSERT_TRUE(PollUntil([&] { return ReadLines(dir_ + "/foreign.out").size() >= 1; }, 30s))
      << Log("foreign");
  p->Signal(SIGTERM);
  ASSERT_EQ(p->Wait(30s), 0) << Log("foreign");
  const auto lines = ParseEvents(dir_ + "/foreign.out");
  ASSERT_EQ(lines.size(), 1u) << Log("foreign");
  EXPECT_EQ(lines[0].op, "c");
  EXPECT_EQ(lines[0].id, 2);
  EXPECT_NE(Log("foreign").find("did not create"), std::string::npos) << Log("foreign");
  EXPECT_EQ(pg_->Psql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + db_ + "'"),
            "1");

  // Still not walcast's: the default snapshot.mode is refused again.
  WriteConfig({});
  EXPECT_NE(RunToEnd({"run"}, &out, &err), 0) << err;
  EXPECT_EQ(pg_->Psql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + db_ + "'"),
            "1");
}

TEST_F(CliTest, StatusJsonHasPositionsLagAndTheSnapshotState) {
  Sql("CREATE TABLE t(id int PRIMARY KEY)");
  Sql("INSERT INTO t SELECT generate_series(1, 10)");
  std::string out, err;
  // No slot yet: listed as reachable with the error, exit status 1.
  EXPECT_EQ(RunToEnd({"status", "--json"}, &out, &err), 1) << err;
  rapidjson::Document before;
  ASSERT_FALSE(before.Parse(out.c_str()).HasParseError()) << out;
  EXPECT_TRUE(before["pipelines"][0]["reachable"].GetBool());
  EXPECT_NE(std::string(before["pipelines"][0]["error"].GetString()).find("does not exist"),
            std::string::npos);

  auto p = Start("run");
  ASSERT_TRUE(WaitForLog("run", "streaming started", p.get()));
  Sql("INSERT INTO t SELECT generate_series(11, 1000)");
  ASSERT_EQ(RunToEnd({"status", "--json"}, &out, &err), 0) << err;
  rapidjson::Document doc;
  ASSERT_FALSE(doc.Parse(out.c_str()).HasParseError()) << out;
  const auto& s = doc["pipelines"][0];
  EXPECT_STREQ(s["slot"].GetString(), db_.c_str());
  EXPECT_STREQ(s["plugin"].GetString(), "pgoutput");
  EXPECT_TRUE(s["active"].GetBool());
  EXPECT_TRUE(Lsn::Parse(s["confirmed_flush_lsn"].GetString()).has_value());
  EXPECT_TRUE(s["lag_bytes"].IsUint64());
  EXPECT_STREQ(s["snapshot"]["state"].GetString(), "completed");
  EXPECT_TRUE(Lsn::Parse(s["snapshot"]["completed_at_lsn"].GetString()).has_value());
  p->Signal(SIGTERM);
  EXPECT_EQ(p->Wait(30s), 0);
}

TEST_F(CliTest, StatusPrintsSlotPositionsAndLag) {
  Sql("CREATE TABLE t(id int PRIMARY KEY)");
  std::string out, err;
  ASSERT_EQ(RunToEnd({"setup"}, &out, &err), 0) << err;
  Sql("INSERT INTO t SELECT generate_series(1, 1000)");
  ASSERT_EQ(RunToEnd({"status"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("slot:                " + db_), std::string::npos) << out;
  EXPECT_NE(out.find("plugin:              pgoutput"), std::string::npos) << out;
  EXPECT_NE(out.find("confirmed_flush_lsn: "), std::string::npos) << out;
  EXPECT_NE(out.find("current_wal_lsn:     "), std::string::npos) << out;
  const size_t lag = out.find("lag_bytes:           ");
  ASSERT_NE(lag, std::string::npos);
  EXPECT_GT(std::stol(out.substr(lag + 21)), 0);
}

TEST_F(CliTest, ConfigErrorsNameTheKey) {
  std::string out, err;
  WriteConfig({{"databse.hostname", "x"}});
  EXPECT_EQ(RunToEnd({"status"}, &out, &err), 2);
  EXPECT_NE(err.find("databse.hostname"), std::string::npos) << err;

  WriteConfig({{"database.port", "fifty"}});
  EXPECT_EQ(RunToEnd({"status"}, &out, &err), 2);
  EXPECT_NE(err.find("database.port"), std::string::npos) << err;

  WriteConfig({});
  EXPECT_EQ(RunToEnd({"--set", "plugin.name=decoderbufs", "run"}, &out, &err), 2);
  EXPECT_NE(err.find("plugin.name"), std::string::npos) << err;
  EXPECT_EQ(RunToEnd({"frobnicate"}, &out, &err), 2);
}

// A Debezium connector config as Kafka Connect takes it (1.x names, Connect
// keys, a key without effect) runs on top of the properties file.
TEST_F(CliTest, ConnectJsonConfigRunsWithDebeziumNames) {
  Sql("CREATE TABLE t(id int PRIMARY KEY)");
  {
    std::ofstream f(dir_ + "/connector.json");
    f << R"({"name": "c1", "config": {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "tasks.max": "1", "database.server.name": "dbz1", "table.whitelist": "public\\.t",
        "poll.interval.ms": "500"}})";
  }
  auto p = Start("run", {"--config", dir_ + "/connector.json", "run"});
  ASSERT_TRUE(WaitForLog("run", "streaming started", p.get())) << Log("run");
  Sql("INSERT INTO t VALUES (1)");
  ASSERT_TRUE(PollUntil([&] { return ReadLines(dir_ + "/run.out").size() == 1; }, 30s));
  p->Signal(SIGTERM);
  EXPECT_EQ(p->Wait(30s), 0);
  rapidjson::Document c;
  c.Parse(ReadLines(dir_ + "/run.out")[0].c_str());
  ASSERT_TRUE(c.IsObject());
  EXPECT_STREQ(c["source"]["name"].GetString(), "dbz1");
  EXPECT_NE(Log("run").find("key=poll.interval.ms"), std::string::npos) << Log("run");

  std::string out, err;
  EXPECT_EQ(RunToEnd({"--set", "schema.include.list=public", "status"}, &out, &err), 2);
  EXPECT_NE(err.find("schema.include.list"), std::string::npos) << err;
}

TEST_F(CliTest, WrongPasswordAndMissingSlotAreOneClearLine) {
  Sql("CREATE TABLE t(id int PRIMARY KEY)");
  std::string out, err;
  EXPECT_EQ(RunToEnd({"run"}, &out, &err, "wrong"), 2);
  EXPECT_NE(err.find("password authentication failed"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ(RunToEnd({"status"}, &out, &err), 1);
  EXPECT_NE(err.find("does not exist"), std::string::npos) << err;
}

TEST_F(CliTest, PreflightPrintsTheFixForEachProblem) {
  Sql("CREATE TABLE t(id int, v text);"  // no primary key
      "DROP ROLE IF EXISTS " + db_ + "_r; CREATE ROLE " + db_ + "_r LOGIN PASSWORD 'pw';");
  WriteConfig({{"database.user", db_ + "_r"}, {"publication.autocreate.mode", "disabled"}});
  std::string out, err;
  EXPECT_EQ(RunToEnd({"setup", "--check"}, &out, &err, "pw"), 2) << out << err;
  EXPECT_NE(out.find("ALTER ROLE \"" + db_ + "_r\" WITH REPLICATION;"), std::string::npos) << out;
  EXPECT_NE(out.find("GRANT SELECT ON \"public\".\"t\" TO \"" + db_ + "_r\";"), std::string::npos) << out;
  EXPECT_NE(out.find("ALTER TABLE \"public\".\"t\" REPLICA IDENTITY FULL;"), std::string::npos) << out;
  EXPECT_NE(out.find("CREATE PUBLICATION \"walcast_publication\" FOR TABLE \"public\".\"t\";"),
            std::string::npos) << out;
  // The preflight changed nothing.
  EXPECT_EQ(Sql("SELECT count(*) FROM pg_publication"), "0");
  EXPECT_EQ(pg_->Psql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + db_ + "'"), "0");

  // Fix everything as the DBA would; the preflight then passes.
  Sql("ALTER ROLE " + db_ + "_r WITH REPLICATION; GRANT SELECT ON t TO " + db_ + "_r;"
      "ALTER TABLE t REPLICA IDENTITY FULL; CREATE PUBLICATION walcast_publication FOR TABLE t;");
  EXPECT_EQ(RunToEnd({"setup", "--check"}, &out, &err, "pw"), 0) << out << err;
  EXPECT_NE(out.find("preflight passed"), std::string::npos) << out;
}

TEST_F(CliTest, PreflightExplainsReplicaIdentityOfToastableTables) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, v text); CREATE TABLE n(id int PRIMARY KEY, x int);"
      "CREATE PUBLICATION walcast_publication FOR TABLE t, n;");
  WriteConfig(
      {{"publication.autocreate.mode", "disabled"}, {"table.include.list", "public\\.(t|n)"}});
  std::string out, err;
  // A warning, not an error: the preflight still passes.
  EXPECT_EQ(RunToEnd({"setup", "--check"}, &out, &err), 0) << out << err;
  EXPECT_NE(out.find("warn replica identity: public.t DEFAULT (primary key) with TOASTable"),
            std::string::npos) << out;
  EXPECT_NE(out.find("fix: ALTER TABLE \"public\".\"t\" REPLICA IDENTITY FULL;"),
            std::string::npos) << out;
  EXPECT_NE(out.find("ok   replica identity: public.n DEFAULT (primary key)\n"), std::string::npos)
      << out;

  Sql("ALTER TABLE t REPLICA IDENTITY FULL");
  EXPECT_EQ(RunToEnd({"setup", "--check"}, &out, &err), 0) << out << err;
  EXPECT_NE(out.find("ok   replica identity: public.t FULL\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("REPLICA IDENTITY FULL;"), std::string::npos) << out;
}

// Without state.dir the state goes where a daemon's users expect it
// (app/state_dir.h; systemd's $STATE_DIRECTORY here, as the tests may run as
// root), whatever the working directory; an old ./walcast-state is kept with
// a warning.
TEST_F(CliTest, DefaultStateDirDoesNotDependOnTheWorkingDirectory) {
  Sql("CREATE TABLE t(id int PRIMARY KEY)");
  std::map<std::string, std::string> base = BaseConfig();
  base.erase("state.dir");
  {
    std::ofstream f(dir_ + "/nostate.properties");
    for (const auto& [k, v] : base) f << k << "=" << v << "\n";
  }
  ASSERT_EQ(mkdir((dir_ + "/cwd").c_str(), 0700), 0);
  const std::string setup = "cd '" + dir_ + "/cwd' && env -u XDG_STATE_HOME STATE_DIRECTORY='" +
                            dir_ + "/systemd' WALCAST_DATABASE_PASSWORD=postgres " +
                            WalcastBinary() + " --config '" + dir_ + "/nostate.properties' setup";
  std::string out;
  ASSERT_EQ(RunCommand(setup + " 2>&1", &out), 0) << out;
  EXPECT_TRUE(std::ifstream(dir_ + "/systemd/" + db_ + ".slot").good()) << out;
  EXPECT_FALSE(std::ifstream(dir_ + "/cwd/walcast-state/" + db_ + ".slot").good());
  EXPECT_EQ(out.find("old default"), std::string::npos) << out;

  // An existing ./walcast-state (the old default) wins, with one warning.
  Sql("SELECT pg_drop_replication_slot('" + db_ + "')");
  ASSERT_EQ(mkdir((dir_ + "/cwd/walcast-state").c_str(), 0700), 0);
  ASSERT_EQ(RunCommand(setup + " 2>&1", &out), 0) << out;
  EXPECT_TRUE(std::ifstream(dir_ + "/cwd/walcast-state/" + db_ + ".slot").good()) << out;
  size_t warnings = 0;
  for (size_t at = out.find("old default"); at != std::string::npos;
       at = out.find("old default", at + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1u) << out;
  EXPECT_NE(out.find("Set state.dir"), std::string::npos) << out;
}

TEST_F(CliTest, HelpAndVersion) {
  std::string out;
  ASSERT_EQ(RunCommand(WalcastBinary() + " --help --config-keys", &out), 0);
  for (const char* text : {"run", "setup --check", "status", "database.hostname", "slot.name",
                           "publication.autocreate.mode", "WALCAST_DATABASE_PASSWORD",
                           "STATE_DIRECTORY", ".local/state/walcast"}) {
    EXPECT_NE(out.find(text), std::string::npos) << text;
  }
  ASSERT_EQ(RunCommand(WalcastBinary() + " --version", &out), 0);
  EXPECT_EQ(out.rfind("walcast ", 0), 0u);
}

}  // namespace
}  // namespace walcast::testing
