// Integration tests of the WAL reader against a real PostgreSQL 15.

#include <algorithm>
#include <chrono>
#include <set>

#include "tests/integration/reader_harness.h"

namespace walcast::testing {
namespace {

using Record = RecordingSink::Record;

const Datum* Find(const Record& r, const std::optional<Tuple>& tuple, const std::string& column) {
  if (!tuple || !r.event.relation) return nullptr;
  const auto& cols = r.event.relation->columns;
  for (size_t i = 0; i < cols.size() && i < tuple->size(); ++i) {
    if (cols[i].name == column) return &(*tuple)[i];
  }
  return nullptr;
}

std::string After(const Record& r, const std::string& column) {
  const Datum* d = Find(r, r.event.after, column);
  return d == nullptr ? "<missing>" : d->kind == Datum::Kind::kNull ? "<null>" : d->data;
}

std::vector<Record> ForTable(const std::vector<Record>& records, const std::string& table) {
  std::vector<Record> out;
  for (const auto& r : records) {
    if (r.event.relation && r.event.relation->name == table) out.push_back(r);
  }
  return out;
}

class ReaderIntegrationTest : public ReaderHarness {};

TEST_F(ReaderIntegrationTest, ReplicaIdentityDefaultFullAndNothing) {
  Sql("CREATE TABLE d(id int PRIMARY KEY, v text);"
      "CREATE TABLE f(id int PRIMARY KEY, v text); ALTER TABLE f REPLICA IDENTITY FULL;"
      "CREATE TABLE n(id int, v text); ALTER TABLE n REPLICA IDENTITY NOTHING;");
  StartReader("public\\.d,public\\.f,public\\.n");
  Sql("INSERT INTO d VALUES (1, 'a'); UPDATE d SET v = 'b' WHERE id = 1; DELETE FROM d;"
      "INSERT INTO f VALUES (1, 'a'); UPDATE f SET v = 'b' WHERE id = 1; DELETE FROM f;"
      "INSERT INTO n VALUES (1, 'a');");
  ASSERT_TRUE(sink_->WaitForCount(7));
  const auto records = sink_->records();

  const auto d = ForTable(records, "d");
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].event.op, Op::kCreate);
  EXPECT_EQ(After(d[0], "v"), "a");
  EXPECT_EQ(d[1].event.op, Op::kUpdate);
  EXPECT_FALSE(d[1].event.before.has_value()) << "pgoutput sends no old tuple for DEFAULT";
  EXPECT_EQ(After(d[1], "v"), "b");
  EXPECT_EQ(d[2].event.op, Op::kDelete);
  ASSERT_TRUE(d[2].event.before.has_value());
  EXPECT_TRUE(d[2].event.before_is_key_only);
  EXPECT_EQ((*d[2].event.before)[0].data, "1");
  EXPECT_TRUE(d[2].event.relation->columns[0].is_key);
  EXPECT_FALSE(d[2].event.relation->columns[1].is_key);

  const auto f = ForTable(records, "f");
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[1].event.relation->replica_identity, ReplicaIdentity::kFull);
  ASSERT_TRUE(f[1].event.before.has_value());
  EXPECT_FALSE(f[1].event.before_is_key_only);
  EXPECT_EQ((*f[1].event.before)[1].data, "a");
  ASSERT_TRUE(f[2].event.before.has_value());
  EXPECT_EQ((*f[2].event.before)[1].data, "b");

  const auto n = ForTable(records, "n");
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].event.relation->replica_identity, ReplicaIdentity::kNothing);
  EXPECT_EQ(After(n[0], "v"), "a");
}

TEST_F(ReaderIntegrationTest, MultiTableTransactionIsOneCommitInOrder) {
  Sql("CREATE TABLE a(id int PRIMARY KEY); CREATE TABLE b(id int PRIMARY KEY);");
  StartReader("public\\.a,public\\.b");
  Sql("BEGIN; INSERT INTO a VALUES (1); INSERT INTO b VALUES (2); INSERT INTO a VALUES (3); COMMIT;");
  ASSERT_TRUE(sink_->WaitForCount(3));
  const auto records = sink_->records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].event.relation->name, "a");
  EXPECT_EQ(records[1].event.relation->name, "b");
  EXPECT_EQ(records[2].event.relation->name, "a");
  EXPECT_EQ(records[0].txn.xid, records[2].txn.xid);
  EXPECT_LT(records[0].event.lsn, records[1].event.lsn);
  EXPECT_LT(records[1].event.lsn, records[2].event.lsn);
  EXPECT_LT(records[2].event.lsn, records[2].txn.end_lsn);
  EXPECT_EQ(sink_->commits().size(), 1u);
}

TEST_F(ReaderIntegrationTest, ColumnAddedMidStreamReplacesRelation) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, v text);");
  StartReader("public\\.t");
  Sql("INSERT INTO t VALUES (1, 'x'); ALTER TABLE t ADD COLUMN w int DEFAULT 7;"
      "INSERT INTO t VALUES (2, 'y', 9);");
  ASSERT_TRUE(sink_->WaitForCount(2));
  const auto records = sink_->records();
  ASSERT_EQ(records[0].event.relation->columns.size(), 2u);
  ASSERT_EQ(records[1].event.relation->columns.size(), 3u);
  EXPECT_EQ(records[1].event.relation->columns[2].name, "w");
  EXPECT_EQ(After(records[1], "w"), "9");
}

TEST_F(ReaderIntegrationTest, UnchangedToastIsDistinctFromNull) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, big text, small text, gone text);"
      "ALTER TABLE t ALTER COLUMN big SET STORAGE EXTERNAL;");
  StartReader("public\\.t");
  Sql("INSERT INTO t SELECT 1, string_agg(md5(i::text), '') , 's', NULL FROM generate_series(1, 400) i;"
      "UPDATE t SET small = 'changed' WHERE id = 1;");
  ASSERT_TRUE(sink_->WaitForCount(2));
  const auto records = sink_->records();
  ASSERT_EQ(records[1].event.op, Op::kUpdate);
  const Datum* big = Find(records[1], records[1].event.after, "big");
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->kind, Datum::Kind::kUnchangedToast);
  EXPECT_EQ(Find(records[1], records[1].event.after, "gone")->kind, Datum::Kind::kNull);
  EXPECT_EQ(After(records[1], "small"), "changed");
  EXPECT_EQ(After(records[0], "big").size(), 400u * 32u);
}

TEST_F(ReaderIntegrationTest, CommonTypesArriveAsServerText) {
  Sql("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');"
      "CREATE DOMAIN posint AS int CHECK (VALUE > 0);"
      "CREATE TABLE t(id int PRIMARY KEY, i2 int2, i8 int8, num numeric(10,2), f4 float4, "
      "f8 float8, b bool, vc varchar(10), c char(4), tx text, d date, tm time, ttz timetz, "
      "ts timestamp, tstz timestamptz, iv interval, u uuid, j json, jb jsonb, by bytea, "
      "arr int[], tarr text[], m mood, ip inet, mn money, dom posint);");
  StartReader("public\\.t");
  const std::string values =
      "(1, -7, 9000000000, 12.34, 1.5, 2.25, true, 'abc', 'ab', 'hello', '2024-02-29', "
      "'13:14:15.123456', '13:14:15+02', '2024-02-29 13:14:15.5', '2024-02-29 13:14:15+00', "
      "'1 year 2 mons 3 days 04:05:06', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\": 1}', "
      "'{\"b\": [1, 2]}', '\\xdeadbeef', '{1,2,NULL}', '{\"x y\",z}', 'happy', '192.168.0.1/24', "
      "12.5, 5)";
  Sql("SET TIME ZONE 'UTC'; INSERT INTO t VALUES " + values);
  ASSERT_TRUE(sink_->WaitForCount(1));
  const auto r = sink_->records()[0];
  // The decoded text must equal the server's own text output of each column.
  const std::string expected = Sql(
      "SET TIME ZONE 'UTC'; SELECT concat_ws('|', i2, i8, num, f4, f8, b, vc, c, tx, d, tm, ttz, ts, "
      "tstz, iv, u, j, jb, by, arr, tarr, m, ip, mn, dom) FROM t");
  std::string got;
  for (const char* col : {"i2", "i8", "num", "f4", "f8", "b", "vc", "c", "tx", "d", "tm", "ttz",
                          "ts", "tstz", "iv", "u", "j", "jb", "by", "arr", "tarr", "m", "ip",
                          "mn", "dom"}) {
    got += (got.empty() ? "" : "|") + After(r, col);
  }
  EXPECT_EQ(got, expected);
  // Types are resolved for the encoders: arrays, enums and domains included.
  for (const auto& col : r.event.relation->columns) {
    ASSERT_TRUE(col.type.has_value()) << col.name;
  }
  auto col = [&](const std::string& name) -> const Column& {
    for (const auto& c : r.event.relation->columns)
      if (c.name == name) return c;
    throw std::runtime_error("no column " + name);
  };
  EXPECT_EQ(col("arr").type->name, "_int4");
  EXPECT_EQ(col("arr").type->category, 'A');
  EXPECT_EQ(col("arr").type->elem_oid, 23u);
  EXPECT_EQ(col("m").type->typtype, 'e');
  EXPECT_EQ(col("m").type->enum_labels, (std::vector<std::string>{"sad", "ok", "happy"}));
  EXPECT_EQ(col("dom").type->typtype, 'd');
  EXPECT_EQ(col("dom").type->base_oid, 23u);
  EXPECT_EQ(col("num").type_modifier, ((10 << 16) | 2) + 4);
}

TEST_F(ReaderIntegrationTest, TruncateOfTwoTables) {
  Sql("CREATE TABLE a(id int PRIMARY KEY); CREATE TABLE b(id int PRIMARY KEY);"
      "INSERT INTO a VALUES (1); INSERT INTO b VALUES (1);");
  StartReader("public\\.a,public\\.b");
  Sql("TRUNCATE a, b RESTART IDENTITY;");
  ASSERT_TRUE(sink_->WaitForCount(2));
  const auto records = sink_->records();
  std::set<std::string> tables;
  for (const auto& r : records) {
    EXPECT_EQ(r.event.op, Op::kTruncate);
    EXPECT_EQ(r.event.truncate_options & 2, 2);
    tables.insert(r.event.relation->name);
  }
  EXPECT_EQ(tables, (std::set<std::string>{"a", "b"}));
}

TEST_F(ReaderIntegrationTest, LogicalDecodingMessages) {
  Sql("CREATE TABLE t(id int PRIMARY KEY);");
  StartReader("public\\.t");
  Sql("SELECT pg_logical_emit_message(false, 'walcast', 'outside');"
      "BEGIN; INSERT INTO t VALUES (1); SELECT pg_logical_emit_message(true, 'walcast', 'inside'); COMMIT;");
  ASSERT_TRUE(sink_->WaitForCount(3));
  const auto records = sink_->records();
  EXPECT_EQ(records[0].event.op, Op::kMessage);
  EXPECT_FALSE(records[0].event.message_transactional);
  EXPECT_EQ(records[0].event.message_content, "outside");
  EXPECT_EQ(records[0].txn.xid, 0u);
  EXPECT_EQ(records[2].event.op, Op::kMessage);
  EXPECT_TRUE(records[2].event.message_transactional);
  EXPECT_EQ(records[2].event.message_prefix, "walcast");
  EXPECT_EQ(records[2].txn.xid, records[1].txn.xid);
}

TEST_F(ReaderIntegrationTest, StreamedLargeTransactionsCommitAndAbort) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, v text);");
  wal_reader::ReaderOptions options;
  options.pgoutput.proto_version = 2;
  options.pgoutput.streaming = true;
  options.pgoutput.stream_memory_limit_bytes = 256 * 1024;  // force the spill file too
  // A small decoding memory makes the server stream these transactions.
  options.conninfo = pg_->Conninfo(db_) + " options='-c logical_decoding_work_mem=64kB'";
  StartReader("public\\.t", options);
  Sql("BEGIN; INSERT INTO t SELECT i, repeat('x', 100) FROM generate_series(1, 20000) i;"
      "SAVEPOINT s1; INSERT INTO t SELECT i, 'gone' FROM generate_series(20001, 25000) i;"
      "ROLLBACK TO SAVEPOINT s1; INSERT INTO t VALUES (30000, 'last'); COMMIT;"
      "BEGIN; INSERT INTO t SELECT i, 'aborted' FROM generate_series(40000, 50000) i; ROLLBACK;"
      "INSERT INTO t VALUES (60000, 'after');");
  ASSERT_TRUE(sink_->WaitFor([](const std::vector<Record>& r) {
    return !r.empty() && After(r.back(), "id") == "60000";
  }));
  const auto records = sink_->records();
  ASSERT_EQ(records.size(), 20002u);
  for (size_t i = 0; i < 20000; ++i) ASSERT_EQ(After(records[i], "id"), std::to_string(i + 1));
  EXPECT_EQ(After(records[20000], "id"), "30000");
  for (const auto& r : records) {
    ASSERT_NE(After(r, "v"), "gone");
    ASSERT_NE(After(r, "v"), "aborted");
  }
  const Lsn end = sink_->commits().back().end_lsn;
  // Acked transactions reach the slot.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (ConfirmedFlush() < end && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_GE(ConfirmedFlush(), end);
}

TEST_F(ReaderIntegrationTest, IdleAndUnpublishedActivityAdvancesTheSlot) {
  Sql("CREATE TABLE published(id int PRIMARY KEY); CREATE TABLE other(id int PRIMARY KEY);");
  StartReader("public\\.published");
  const Lsn before = ConfirmedFlush();
  // Only unpublished tables change: nothing reaches the sink, yet the slot
  // must not hold WAL for them.
  Sql("INSERT INTO other SELECT generate_series(1, 1000);");
  const Lsn written = Lsn::Parse(Sql("SELECT pg_current_wal_lsn()")).value();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (ConfirmedFlush() < written && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_GE(ConfirmedFlush(), written) << "slot started at " << before.ToString();
  EXPECT_TRUE(sink_->records().empty());
}

TEST_F(ReaderIntegrationTest, UnackedTransactionsHoldTheSlot) {
  Sql("CREATE TABLE t(id int PRIMARY KEY);");
  StartReader("public\\.t");
  sink_->set_ack(false);
  const Lsn before = ConfirmedFlush();
  Sql("INSERT INTO t VALUES (1);");
  ASSERT_TRUE(sink_->WaitForCount(1));
  // Give the reader several status intervals and keepalives.
  Sql("INSERT INTO t VALUES (2); SELECT pg_sleep(1);");
  ASSERT_TRUE(sink_->WaitForCount(2));
  EXPECT_EQ(ConfirmedFlush(), before);
  EXPECT_EQ(tracker_->watermark(), before);
}

TEST_F(ReaderIntegrationTest, ConnectionLossReconnectsWithoutRepeatingHandedOverTransactions) {
  Sql("CREATE TABLE t(id int PRIMARY KEY);");
  wal_reader::ReaderOptions options;
  options.backoff_initial = std::chrono::milliseconds(50);
  StartReader("public\\.t", options);
  // The sink holds these without acknowledging (like a slow broker), so the
  // watermark stays behind them when the connection drops.
  sink_->set_ack(false);
  Sql("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);");
  ASSERT_TRUE(sink_->WaitForCount(2));
  const Lsn held = tracker_->watermark();
  Sql("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" +
      slot_ + "'");
  sink_->set_ack(true);
  Sql("INSERT INTO t VALUES (3);");
  ASSERT_TRUE(sink_->WaitForCount(3));
  EXPECT_GE(reader_->stats().reconnects.load(), 1u);
  std::vector<std::string> ids;
  for (const auto& r : sink_->records()) ids.push_back(r.event.after->at(0).data);
  EXPECT_EQ(ids, (std::vector<std::string>{"1", "2", "3"}));
  // The first two were never acknowledged: the watermark must not pass them
  // even though the third one was.
  EXPECT_EQ(tracker_->watermark(), held);
  EXPECT_EQ(tracker_->pending(), 3u);
  EXPECT_TRUE(running_ && !reader_done_.load()) << run_status_.ToString();
}

TEST_F(ReaderIntegrationTest, Wal2JsonDecodesToTheSameEvents) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, v text, b bool);");
  wal_reader::ReaderOptions options;
  options.plugin = "wal2json";
  StartReader("public\\.t", options);
  Sql("INSERT INTO t VALUES (1, 'a', true); UPDATE t SET v = 'b' WHERE id = 1; DELETE FROM t;");
  ASSERT_TRUE(sink_->WaitForCount(3));
  const auto records = sink_->records();
  EXPECT_EQ(records[0].event.op, Op::kCreate);
  EXPECT_EQ(After(records[0], "v"), "a");
  EXPECT_EQ(After(records[0], "b"), "t");
  EXPECT_EQ(records[1].event.op, Op::kUpdate);
  EXPECT_EQ(After(records[1], "v"), "b");
  EXPECT_EQ(records[2].event.op, Op::kDelete);
  ASSERT_TRUE(records[2].event.before.has_value());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (ConfirmedFlush() < sink_->commits().back().end_lsn &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_GE(ConfirmedFlush(), sink_->commits().back().end_lsn);
}

TEST_F(ReaderIntegrationTest, WrongPasswordIsAClearNonRetryableError) {
  Sql("CREATE TABLE t(id int PRIMARY KEY);");
  wal_reader::ReaderOptions options;
  options.conninfo = "host=127.0.0.1 port=" + std::to_string(pg_->port()) +
                     " user=postgres password=wrong dbname=" + db_;
  StartReader("public\\.t", options);
  const Status s = StopReaderWhenDone();
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
}

TEST_F(ReaderIntegrationTest, MissingSlotIsNotFound) {
  Sql("CREATE TABLE t(id int PRIMARY KEY);");
  StartReader("public\\.t");
  ASSERT_EQ(StopReader().code(), Status::Code::kOk);
  Sql("SELECT pg_drop_replication_slot('" + slot_ + "')");
  // Restart the reader alone against the dropped slot.
  RestartReader();
  const Status s = StopReaderWhenDone();
  EXPECT_EQ(s.code(), Status::Code::kNotFound) << s.ToString();
}

TEST_F(ReaderIntegrationTest, MissingPublicationIsNotFound) {
  Sql("CREATE TABLE t(id int PRIMARY KEY);");
  StartReader("public\\.t");
  ASSERT_EQ(StopReader().code(), Status::Code::kOk);
  Sql("DROP PUBLICATION pub; INSERT INTO t VALUES (1);");
  RestartReader();
  const Status s = StopReaderWhenDone();
  EXPECT_EQ(s.code(), Status::Code::kNotFound) << s.ToString();
}

}  // namespace
}  // namespace walcast::testing
