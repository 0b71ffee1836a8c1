#include "wal_reader/pgoutput_decoder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <span>
#include <fstream>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/unit/wal_reader/captured_frames.h"

// Replays pgoutput frames captured from a real PostgreSQL 15 (see
// tests/data/wal_reader/README.md and pgoutput/regenerate.sh). LSNs, xids and
// timestamps change whenever the files are regenerated, so the tests check
// content, order and the relations between positions, not absolute values.

namespace walcast {

// Readable failure output for tuples.
void PrintTo(const Datum& d, std::ostream* os) {
  switch (d.kind) {
    case Datum::Kind::kNull:
      *os << "null";
      return;
    case Datum::Kind::kUnchangedToast:
      *os << "unchanged-toast";
      return;
    case Datum::Kind::kText:
      *os << "t'" << d.data << "'";
      return;
    case Datum::Kind::kBinary:
      *os << "b(" << d.data.size() << " bytes)";
      return;
  }
}

namespace wal_reader {
namespace {

using Kind = Datum::Kind;

struct Frame {
  Lsn lsn;
  std::vector<std::byte> bytes;
  char type() const { return static_cast<char>(bytes.at(0)); }
};

std::vector<Frame> LoadFrames(const std::string& name) {
  std::vector<Frame> frames;
  for (const testing::CapturedFrame& captured :
       testing::LoadCapturedFrames("pgoutput/" + name + ".frames")) {
    const auto bytes = std::as_bytes(std::span(captured.payload));
    frames.push_back(Frame{captured.lsn, std::vector<std::byte>(bytes.begin(), bytes.end())});
  }
  return frames;
}

struct Call {
  char kind;  // 'B' OnBegin, 'X' OnChange, 'C' OnCommit
  TransactionInfo txn;
  ChangeEvent event;
  bool operator==(const Call&) const = default;
};

class Recorder : public EventHandler {
 public:
  Status OnBegin(const TransactionInfo& txn) override {
    calls.push_back({'B', txn, {}});
    return Maybe('B');
  }
  Status OnChange(const TransactionInfo& txn, const ChangeEvent& event) override {
    calls.push_back({'X', txn, event});
    return Maybe('X');
  }
  Status OnCommit(const TransactionInfo& txn) override {
    calls.push_back({'C', txn, {}});
    return Maybe('C');
  }

  std::vector<Call> calls;
  char fail_on = 0;  // make this callback fail once
  Status failure = Status::Unavailable("sink down");

 private:
  Status Maybe(char kind) {
    if (kind != fail_on) return Status::Ok();
    fail_on = 0;
    return failure;
  }
};

// One delivered transaction.
struct Txn {
  TransactionInfo begin;
  std::vector<ChangeEvent> changes;
  TransactionInfo commit;
};

// Groups calls into transactions, checking the Begin, Change*, Commit shape
// and that every call of a transaction carries the same TransactionInfo
// (commit adds end_lsn).
std::vector<Txn> Group(const std::vector<Call>& calls) {
  std::vector<Txn> txns;
  bool open = false;
  for (const Call& call : calls) {
    if (call.kind == 'B') {
      EXPECT_FALSE(open) << "Begin inside a transaction";
      txns.push_back({call.txn, {}, {}});
      EXPECT_FALSE(call.txn.end_lsn.valid()) << "end_lsn set at begin";
      open = true;
      continue;
    }
    EXPECT_TRUE(open) << "call outside a transaction";
    if (!open) continue;
    Txn& txn = txns.back();
    if (call.kind == 'X') {
      EXPECT_EQ(call.txn, txn.begin);
      txn.changes.push_back(call.event);
    } else {
      TransactionInfo without_end = call.txn;
      without_end.end_lsn = Lsn();
      EXPECT_EQ(without_end, txn.begin);
      EXPECT_TRUE(call.txn.end_lsn.valid());
      txn.commit = call.txn;
      open = false;
    }
  }
  EXPECT_FALSE(open) << "transaction left open";
  return txns;
}

std::span<const std::byte> Span(const Frame& f) { return f.bytes; }

PgOutputOptions V1() { return PgOutputOptions{}; }

PgOutputOptions V2(size_t memory_limit = 16 << 20, std::string spill_dir = "/tmp") {
  PgOutputOptions options;
  options.proto_version = 2;
  options.streaming = true;
  options.stream_memory_limit_bytes = memory_limit;
  options.spill_dir = std::move(spill_dir);
  return options;
}

// Decodes a whole capture and checks what holds for every capture: each
// change's lsn is its frame's LSN, a Commit frame's LSN is the end_lsn
// delivered, and the decoder is idle at the end.
struct Capture {
  std::vector<Call> calls;
  std::vector<Txn> txns;
  size_t max_open_streams = 0;
  uint64_t spilled_bytes = 0;
};

Capture DecodeCapture(const std::string& name, PgOutputOptions options) {
  const std::vector<Frame> frames = LoadFrames(name);
  RelationCache cache(nullptr);
  Recorder recorder;
  PgOutputDecoder decoder(std::move(options), &cache, &recorder);
  Capture run;
  for (const Frame& frame : frames) {
    const size_t before = recorder.calls.size();
    Status status = decoder.Decode(frame.lsn, Span(frame));
    EXPECT_TRUE(status.ok()) << status.ToString();
    if (!status.ok()) break;
    for (size_t i = before; i < recorder.calls.size(); ++i) {
      const Call& call = recorder.calls[i];
      const bool replayed = frame.type() == 'c';
      if (call.kind == 'X' && !replayed) {
        EXPECT_EQ(call.event.lsn, frame.lsn);
      }
      if (call.kind == 'C' && (frame.type() == 'C' || frame.type() == 'c')) {
        EXPECT_EQ(call.txn.end_lsn, frame.lsn);
      }
    }
    run.max_open_streams = std::max(run.max_open_streams, decoder.open_streams());
  }
  EXPECT_TRUE(decoder.idle());
  EXPECT_EQ(decoder.open_streams(), 0u);
  run.spilled_bytes = decoder.spilled_bytes();
  run.calls = recorder.calls;
  run.txns = Group(recorder.calls);
  return run;
}

Tuple T(std::initializer_list<Datum> datums) { return Tuple(datums); }
Datum Tx(const char* s) { return Datum::Text(s); }

// Unix time of 2020-01-01 in µs: commit times must be after it once the
// PostgreSQL epoch offset is applied.
constexpr int64_t k2020Us = 1577836800LL * 1000000LL;

void ExpectSaneTxn(const Txn& txn) {
  EXPECT_NE(txn.begin.xid, 0u);
  EXPECT_GT(txn.begin.commit_time_us, k2020Us);
  EXPECT_LT(txn.begin.commit_lsn, txn.commit.end_lsn);
  for (const ChangeEvent& e : txn.changes) EXPECT_LE(e.lsn, txn.begin.commit_lsn);
}

std::string Id(const ChangeEvent& e) {
  const Tuple& t = e.after ? *e.after : *e.before;
  return t.at(0).data;
}

TEST(PgOutputDecoderTest, IdentityCaptureDecodesEveryReplicaIdentity) {
  const Capture run = DecodeCapture("v1_identity", V1());
  ASSERT_EQ(run.txns.size(), 9u);
  for (size_t i = 0; i < run.txns.size(); ++i) {
    ExpectSaneTxn(run.txns[i]);
    if (i > 0) {
      EXPECT_GT(run.txns[i].begin.xid, run.txns[i - 1].begin.xid);
      EXPECT_GE(run.txns[i].begin.commit_lsn, run.txns[i - 1].commit.end_lsn);
    }
  }

  // t_default: REPLICA IDENTITY DEFAULT (primary key id).
  const Txn& insert = run.txns[0];
  ASSERT_EQ(insert.changes.size(), 2u);
  const Relation& t_default = *insert.changes[0].relation;
  EXPECT_EQ(t_default.schema, "public");
  EXPECT_EQ(t_default.name, "t_default");
  EXPECT_EQ(t_default.replica_identity, ReplicaIdentity::kDefault);
  ASSERT_EQ(t_default.columns.size(), 3u);
  EXPECT_EQ(t_default.columns[0].name, "id");
  EXPECT_TRUE(t_default.columns[0].is_key);
  EXPECT_EQ(t_default.columns[0].type_oid, 23u);  // int4
  EXPECT_EQ(t_default.columns[0].type_modifier, -1);
  EXPECT_EQ(t_default.columns[1].name, "name");
  EXPECT_FALSE(t_default.columns[1].is_key);
  EXPECT_EQ(t_default.columns[1].type_oid, 25u);  // text
  EXPECT_FALSE(t_default.columns[2].is_key);
  EXPECT_EQ(insert.changes[0].op, Op::kCreate);
  EXPECT_FALSE(insert.changes[0].before.has_value());
  EXPECT_EQ(insert.changes[0].after, T({Tx("1"), Tx("one"), Tx("10")}));
  EXPECT_EQ(insert.changes[1].after, T({Tx("2"), Tx("two"), Datum::Null()}));
  EXPECT_LT(insert.changes[0].lsn, insert.changes[1].lsn);

  const ChangeEvent& update = run.txns[1].changes.at(0);
  EXPECT_EQ(update.op, Op::kUpdate);
  EXPECT_FALSE(update.before.has_value());  // key unchanged: no old tuple
  EXPECT_EQ(update.after, T({Tx("1"), Tx("one"), Tx("11")}));

  const ChangeEvent& pk_change = run.txns[2].changes.at(0);
  EXPECT_EQ(pk_change.op, Op::kUpdate);
  EXPECT_TRUE(pk_change.before_is_key_only);
  EXPECT_EQ(pk_change.before, T({Tx("1"), Datum::Null(), Datum::Null()}));
  EXPECT_EQ(pk_change.after, T({Tx("100"), Tx("one"), Tx("11")}));

  const ChangeEvent& del = run.txns[3].changes.at(0);
  EXPECT_EQ(del.op, Op::kDelete);
  EXPECT_TRUE(del.before_is_key_only);
  EXPECT_EQ(del.before, T({Tx("2"), Datum::Null(), Datum::Null()}));
  EXPECT_FALSE(del.after.has_value());

  // t_full: REPLICA IDENTITY FULL sends the whole old row ('O').
  const ChangeEvent& full_insert = run.txns[4].changes.at(0);
  EXPECT_EQ(full_insert.relation->name, "t_full");
  EXPECT_EQ(full_insert.relation->replica_identity, ReplicaIdentity::kFull);
  for (const Column& c : full_insert.relation->columns) EXPECT_TRUE(c.is_key) << c.name;
  const ChangeEvent& full_update = run.txns[5].changes.at(0);
  EXPECT_FALSE(full_update.before_is_key_only);
  EXPECT_EQ(full_update.before, T({Tx("1"), Tx("full one")}));
  EXPECT_EQ(full_update.after, T({Tx("1"), Tx("full uno")}));
  const ChangeEvent& full_delete = run.txns[6].changes.at(0);
  EXPECT_EQ(full_delete.op, Op::kDelete);
  EXPECT_FALSE(full_delete.before_is_key_only);
  EXPECT_EQ(full_delete.before, T({Tx("1"), Tx("full uno")}));

  // t_nothing: REPLICA IDENTITY NOTHING, no key columns.
  const ChangeEvent& nothing = run.txns[7].changes.at(0);
  EXPECT_EQ(nothing.relation->name, "t_nothing");
  EXPECT_EQ(nothing.relation->replica_identity, ReplicaIdentity::kNothing);
  for (const Column& c : nothing.relation->columns) EXPECT_FALSE(c.is_key) << c.name;
  EXPECT_EQ(nothing.after, T({Tx("1"), Tx("nothing one")}));

  // t_index: REPLICA IDENTITY USING INDEX on code, four changes in one
  // transaction.
  const Txn& index_txn = run.txns[8];
  ASSERT_EQ(index_txn.changes.size(), 4u);
  const Relation& t_index = *index_txn.changes[0].relation;
  EXPECT_EQ(t_index.replica_identity, ReplicaIdentity::kIndex);
  EXPECT_FALSE(t_index.columns[0].is_key);
  EXPECT_TRUE(t_index.columns[1].is_key);
  EXPECT_FALSE(t_index.columns[2].is_key);
  EXPECT_EQ(index_txn.changes[0].op, Op::kCreate);
  EXPECT_EQ(index_txn.changes[1].op, Op::kUpdate);
  EXPECT_FALSE(index_txn.changes[1].before.has_value());
  EXPECT_EQ(index_txn.changes[2].op, Op::kUpdate);
  EXPECT_TRUE(index_txn.changes[2].before_is_key_only);
  EXPECT_EQ(index_txn.changes[2].before, T({Datum::Null(), Tx("c1"), Datum::Null()}));
  EXPECT_EQ(index_txn.changes[2].after, T({Tx("1"), Tx("c2"), Tx("note uno")}));
  EXPECT_EQ(index_txn.changes[3].op, Op::kDelete);
  EXPECT_EQ(index_txn.changes[3].before, T({Datum::Null(), Tx("c2"), Datum::Null()}));
  for (size_t i = 1; i < index_txn.changes.size(); ++i) {
    EXPECT_LT(index_txn.changes[i - 1].lsn, index_txn.changes[i].lsn);
  }
}

TEST(PgOutputDecoderTest, UnchangedToastStaysDistinctFromNull) {
  const Capture run = DecodeCapture("v1_toast", V1());
  ASSERT_EQ(run.txns.size(), 3u);
  const ChangeEvent& insert = run.txns[0].changes.at(0);
  ASSERT_TRUE(insert.after.has_value());
  EXPECT_EQ(insert.after->at(1).kind, Kind::kText);
  EXPECT_EQ(insert.after->at(1).data.size(), 200u * 32u);
  EXPECT_EQ(insert.after->at(1).data.substr(0, 32),
            "c4ca4238a0b923820dcc509a6f75849b");  // md5('1')

  const ChangeEvent& update = run.txns[1].changes.at(0);
  EXPECT_EQ(update.op, Op::kUpdate);
  EXPECT_EQ(update.after, T({Tx("1"), Datum::UnchangedToast(), Tx("1")}));
  EXPECT_NE(update.after->at(1), Datum::Null());

  const ChangeEvent& del = run.txns[2].changes.at(0);
  EXPECT_EQ(del.before, T({Tx("1"), Datum::Null(), Datum::Null()}));
}

TEST(PgOutputDecoderTest, TruncateOfTwoTablesIsOneEventPerTable) {
  const Capture run = DecodeCapture("v1_truncate", V1());
  ASSERT_EQ(run.txns.size(), 3u);
  const Txn& truncate = run.txns[2];
  ASSERT_EQ(truncate.changes.size(), 2u);
  std::set<std::string> names;
  for (const ChangeEvent& e : truncate.changes) {
    EXPECT_EQ(e.op, Op::kTruncate);
    EXPECT_EQ(e.truncate_options, 3);  // CASCADE | RESTART IDENTITY
    EXPECT_FALSE(e.before.has_value());
    EXPECT_FALSE(e.after.has_value());
    ASSERT_NE(e.relation, nullptr);
    names.insert(e.relation->name);
  }
  EXPECT_EQ(names, (std::set<std::string>{"t_parent", "t_child"}));
  EXPECT_EQ(truncate.changes[0].lsn, truncate.changes[1].lsn);
}

TEST(PgOutputDecoderTest, MessagesTransactionalAndNot) {
  const Capture run = DecodeCapture("v1_messages", V1());
  ASSERT_EQ(run.txns.size(), 4u);

  const Txn& first = run.txns[0];
  ASSERT_EQ(first.changes.size(), 2u);
  EXPECT_EQ(first.changes[0].op, Op::kCreate);
  const ChangeEvent& in_txn = first.changes[1];
  EXPECT_EQ(in_txn.op, Op::kMessage);
  EXPECT_EQ(in_txn.relation, nullptr);
  EXPECT_TRUE(in_txn.message_transactional);
  EXPECT_EQ(in_txn.message_prefix, "walcast");
  EXPECT_EQ(in_txn.message_content, "in transaction");

  // Non-transactional: its own transaction with xid 0, acknowledged at
  // message LSN + 1.
  for (size_t i : {1u, 2u}) {
    const Txn& own = run.txns[i];
    EXPECT_EQ(own.begin.xid, 0u);
    EXPECT_EQ(own.begin.commit_time_us, 0);
    ASSERT_EQ(own.changes.size(), 1u);
    EXPECT_EQ(own.begin.commit_lsn, own.changes[0].lsn);
    EXPECT_EQ(own.commit.end_lsn.value(), own.begin.commit_lsn.value() + 1);
    EXPECT_EQ(own.changes[0].op, Op::kMessage);
    EXPECT_FALSE(own.changes[0].message_transactional);
  }
  EXPECT_EQ(run.txns[1].changes[0].message_prefix, "walcast");
  EXPECT_EQ(run.txns[1].changes[0].message_content, "on its own");
  EXPECT_EQ(run.txns[2].changes[0].message_prefix, "walcast.rb");
  EXPECT_EQ(run.txns[2].changes[0].message_content, std::string("binary\x01\x00ok", 10));

  EXPECT_EQ(run.txns[3].changes.at(0).after->at(1), Tx("flush"));
}

TEST(PgOutputDecoderTest, TypeMessageAndSchemaChange) {
  const Capture run = DecodeCapture("v1_schema", V1());
  ASSERT_EQ(run.txns.size(), 4u);

  // The Type message precedes the Relation, so the enum column is named.
  const ChangeEvent& enum_insert = run.txns[0].changes.at(0);
  EXPECT_EQ(enum_insert.relation->name, "t_enum");
  const Column& mood = enum_insert.relation->columns.at(1);
  EXPECT_GE(mood.type_oid, 16384u);  // user-defined
  ASSERT_TRUE(mood.type.has_value());
  EXPECT_EQ(mood.type->name, "mood");
  EXPECT_EQ(mood.type->schema, "public");
  EXPECT_EQ(enum_insert.after, T({Tx("1"), Tx("happy")}));

  // ALTER TABLE ADD COLUMN: a second Relation message; the earlier event
  // keeps the old shape.
  const ChangeEvent& before_alter = run.txns[1].changes.at(0);
  const ChangeEvent& after_alter = run.txns[2].changes.at(0);
  const ChangeEvent& update = run.txns[3].changes.at(0);
  EXPECT_EQ(before_alter.relation->columns.size(), 2u);
  EXPECT_EQ(before_alter.after, T({Tx("1"), Tx("before")}));
  ASSERT_EQ(after_alter.relation->columns.size(), 3u);
  EXPECT_EQ(after_alter.relation->columns[2].name, "b");
  EXPECT_EQ(after_alter.relation->oid, before_alter.relation->oid);
  EXPECT_EQ(after_alter.after, T({Tx("2"), Tx("after"), Tx("6")}));
  EXPECT_EQ(update.relation, after_alter.relation);  // no new Relation message
  EXPECT_EQ(update.after, T({Tx("1"), Tx("changed"), Tx("5")}));
}

TEST(PgOutputDecoderTest, OriginIsKnownFromBegin) {
  const Capture run = DecodeCapture("v1_origin", V1());
  ASSERT_EQ(run.txns.size(), 1u);
  EXPECT_EQ(run.txns[0].begin.origin, "walcast_origin");
  EXPECT_EQ(run.txns[0].commit.origin, "walcast_origin");
  EXPECT_EQ(run.txns[0].changes.at(0).after->at(1), Tx("from origin"));
  // Group() checked every call carried the same TransactionInfo.
}

TEST(PgOutputDecoderTest, StreamedTransactionIsHeldUntilStreamCommit) {
  const std::vector<Frame> frames = LoadFrames("v2_stream_commit");
  RelationCache cache(nullptr);
  Recorder recorder;
  PgOutputDecoder decoder(V2(), &cache, &recorder);
  EXPECT_TRUE(decoder.idle());
  size_t stream_starts = 0;
  for (const Frame& frame : frames) {
    if (frame.type() == 'c') {
      EXPECT_TRUE(recorder.calls.empty()) << "delivered before Stream Commit";
      EXPECT_FALSE(decoder.idle());
      EXPECT_EQ(decoder.open_streams(), 1u);
    }
    if (frame.type() == 'S') ++stream_starts;
    ASSERT_TRUE(decoder.Decode(frame.lsn, Span(frame)).ok());
    if (frame.type() == 'S') {
      EXPECT_FALSE(decoder.idle());
    }
  }
  EXPECT_GE(stream_starts, 2u);
  EXPECT_TRUE(decoder.idle());
  EXPECT_EQ(decoder.spilled_bytes(), 0u);

  const std::vector<Txn> txns = Group(recorder.calls);
  ASSERT_EQ(txns.size(), 2u);
  const Txn& big = txns[0];
  ExpectSaneTxn(big);
  // The streamed xid is the one in Stream Start.
  const Frame& start =
      *std::find_if(frames.begin(), frames.end(), [](const Frame& f) { return f.type() == 'S'; });
  const uint32_t start_xid = (static_cast<uint32_t>(start.bytes[1]) << 24) |
                             (static_cast<uint32_t>(start.bytes[2]) << 16) |
                             (static_cast<uint32_t>(start.bytes[3]) << 8) |
                             static_cast<uint32_t>(start.bytes[4]);
  EXPECT_EQ(big.begin.xid, start_xid);

  ASSERT_EQ(big.changes.size(), 1503u);
  for (int i = 0; i < 1000; ++i) {
    const ChangeEvent& e = big.changes[i];
    ASSERT_EQ(e.op, Op::kCreate);
    ASSERT_EQ(e.after->at(0), Tx(std::to_string(i + 1).c_str()));
    ASSERT_EQ(e.after->at(1).data, std::string(40, 'x') + std::to_string(i + 1));
  }
  EXPECT_EQ(big.changes[1000].op, Op::kMessage);
  EXPECT_TRUE(big.changes[1000].message_transactional);
  EXPECT_EQ(big.changes[1000].message_content, "streamed message");
  EXPECT_EQ(big.changes[1001].op, Op::kUpdate);
  EXPECT_EQ(big.changes[1001].after, T({Tx("1"), Tx("updated")}));
  EXPECT_EQ(big.changes[1002].op, Op::kDelete);
  EXPECT_EQ(big.changes[1002].before, T({Tx("2"), Datum::Null()}));
  for (int i = 0; i < 500; ++i) {
    ASSERT_EQ(Id(big.changes[1003 + i]), std::to_string(1001 + i));
  }
  for (size_t i = 1; i < big.changes.size(); ++i) {
    ASSERT_LE(big.changes[i - 1].lsn, big.changes[i].lsn);
  }
  EXPECT_EQ(big.changes[0].relation->name, "big");

  const Txn& small = txns[1];
  EXPECT_GT(small.begin.xid, big.begin.xid);
  EXPECT_EQ(small.changes.at(0).after, T({Tx("1"), Tx("after the stream")}));
}

TEST(PgOutputDecoderTest, StreamAbortDropsTheWholeTransaction) {
  const Capture run = DecodeCapture("v2_stream_abort", V2());
  EXPECT_EQ(run.max_open_streams, 1u);
  ASSERT_EQ(run.txns.size(), 2u);
  EXPECT_EQ(run.txns[0].changes.at(0).after, T({Tx("0"), Tx("before")}));
  EXPECT_EQ(run.txns[1].changes.at(0).after, T({Tx("2"), Tx("after")}));
  EXPECT_EQ(run.txns[0].changes.size() + run.txns[1].changes.size(), 2u);
}

TEST(PgOutputDecoderTest, SubtransactionAbortDropsOnlyItsRows) {
  const Capture run = DecodeCapture("v2_stream_subxact", V2());
  ASSERT_EQ(run.txns.size(), 1u);
  const Txn& txn = run.txns[0];
  ExpectSaneTxn(txn);
  std::vector<std::string> big_ids;
  std::vector<std::string> small_notes;
  for (const ChangeEvent& e : txn.changes) {
    ASSERT_EQ(e.op, Op::kCreate);
    if (e.relation->name == "big") {
      big_ids.push_back(Id(e));
    } else {
      small_notes.push_back(e.after->at(1).data);
    }
  }
  EXPECT_EQ(small_notes,
            (std::vector<std::string>{"top before", "released savepoint", "top after"}));
  ASSERT_EQ(big_ids.size(), 1001u);  // 0, then 1..1000; none of 10001..11500
  EXPECT_EQ(big_ids[0], "0");
  for (int i = 1; i <= 1000; ++i) ASSERT_EQ(big_ids[i], std::to_string(i));
  EXPECT_EQ(txn.changes.size(), 1004u);
}

TEST(PgOutputDecoderTest, InterleavedStreamsCommitSeparately) {
  const Capture run = DecodeCapture("v2_stream_interleaved", V2());
  EXPECT_EQ(run.max_open_streams, 2u);
  ASSERT_EQ(run.txns.size(), 2u);
  EXPECT_NE(run.txns[0].begin.xid, run.txns[1].begin.xid);
  EXPECT_LT(run.txns[0].commit.end_lsn, run.txns[1].commit.end_lsn);
  // The dblink session (ids 1..1400, 'a') commits first.
  for (int t = 0; t < 2; ++t) {
    const Txn& txn = run.txns[t];
    ExpectSaneTxn(txn);
    ASSERT_EQ(txn.changes.size(), 1400u);
    const int first_id = t == 0 ? 1 : 5001;
    const char fill = t == 0 ? 'a' : 'b';
    for (int i = 0; i < 1400; ++i) {
      ASSERT_EQ(Id(txn.changes[i]), std::to_string(first_id + i));
      ASSERT_EQ(txn.changes[i].after->at(1).data[0], fill);
    }
  }
}

// A fresh spill directory per test.
class SpillDir {
 public:
  SpillDir() {
    std::string tmpl = ::testing::TempDir() + "walcast-pgoutput-test-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~SpillDir() {
    if (!path_.empty()) (void)::rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(PgOutputDecoderTest, SpilledStreamsDecodeIdenticallyToInMemory) {
  SpillDir dir;
  ASSERT_FALSE(dir.path().empty());
  for (const char* name :
       {"v2_stream_commit", "v2_stream_subxact", "v2_stream_interleaved", "v2_stream_abort"}) {
    SCOPED_TRACE(name);
    const Capture in_memory = DecodeCapture(name, V2());
    const Capture spilled = DecodeCapture(name, V2(1024, dir.path()));
    EXPECT_EQ(in_memory.spilled_bytes, 0u);
    EXPECT_GT(spilled.spilled_bytes, 0u);
    EXPECT_TRUE(spilled.calls == in_memory.calls);
    EXPECT_EQ(spilled.calls.size(), in_memory.calls.size());
  }
}

// Feeds frames[0, index) to a fresh decoder; they must all decode.
struct Primed {
  explicit Primed(PgOutputOptions options)
      : cache(nullptr), decoder(std::move(options), &cache, &recorder) {}
  RelationCache cache;
  Recorder recorder;
  PgOutputDecoder decoder;
};

std::unique_ptr<Primed> Prime(const std::vector<Frame>& frames, size_t index,
                              PgOutputOptions options) {
  auto primed = std::make_unique<Primed>(std::move(options));
  for (size_t i = 0; i < index; ++i) {
    Status status = primed->decoder.Decode(frames[i].lsn, Span(frames[i]));
    EXPECT_TRUE(status.ok()) << status.ToString();
  }
  return primed;
}

// Every proper prefix of every message of the v1 captures, decoded in the
// state the capture had just before it, is kCorruption. Each prefix is
// copied into its own exactly-sized buffer so ASan flags any overread.
TEST(PgOutputDecoderTest, EveryTruncatedMessageIsCorruption) {
  size_t checked = 0;
  for (const char* name :
       {"v1_identity", "v1_toast", "v1_truncate", "v1_messages", "v1_schema", "v1_origin"}) {
    SCOPED_TRACE(name);
    const std::vector<Frame> frames = LoadFrames(name);
    for (size_t index = 0; index < frames.size(); ++index) {
      const Frame& frame = frames[index];
      for (size_t length = 0; length < frame.bytes.size(); ++length) {
        auto primed = Prime(frames, index, V1());
        const std::vector<std::byte> prefix(frame.bytes.begin(), frame.bytes.begin() + length);
        Status status = primed->decoder.Decode(frame.lsn, prefix);
        ASSERT_EQ(status.code(), Status::Code::kCorruption)
            << "frame " << index << " type " << frame.type() << " length " << length;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 6000u);
}

TEST(PgOutputDecoderTest, EveryTruncatedStreamControlMessageIsCorruption) {
  const std::vector<Frame> frames = LoadFrames("v2_stream_subxact");
  for (size_t index = 0; index < frames.size(); ++index) {
    const Frame& frame = frames[index];
    if (frame.type() != 'S' && frame.type() != 'A' && frame.type() != 'c') continue;
    auto base = Prime(frames, index, V2());
    for (size_t length = 0; length < frame.bytes.size(); ++length) {
      auto primed = Prime(frames, index, V2());
      const std::vector<std::byte> prefix(frame.bytes.begin(), frame.bytes.begin() + length);
      EXPECT_EQ(primed->decoder.Decode(frame.lsn, prefix).code(), Status::Code::kCorruption)
          << "frame " << index << " type " << frame.type() << " length " << length;
      EXPECT_TRUE(primed->decoder.idle());  // an error drops held streams
    }
  }
}

// Streamed messages are checked when replayed: a truncated Insert inside a
// stream is accepted into the buffer and reported at Stream Commit.
TEST(PgOutputDecoderTest, TruncatedStreamedChangeIsCorruptionAtStreamCommit) {
  std::vector<Frame> frames = LoadFrames("v2_stream_commit");
  auto insert =
      std::find_if(frames.begin(), frames.end(), [](const Frame& f) { return f.type() == 'I'; });
  ASSERT_NE(insert, frames.end());
  insert->bytes.resize(insert->bytes.size() - 3);
  RelationCache cache(nullptr);
  Recorder recorder;
  PgOutputDecoder decoder(V2(), &cache, &recorder);
  Status status;
  for (const Frame& frame : frames) {
    status = decoder.Decode(frame.lsn, Span(frame));
    if (frame.type() == 'c') break;
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  EXPECT_EQ(status.code(), Status::Code::kCorruption);
}

// Overwriting any byte of a message with 0x00 or 0xff either still decodes
// or is kCorruption; it never crashes (ASan) or yields another code.
TEST(PgOutputDecoderTest, GarbledBytesNeverCrash) {
  for (const char* name : {"v1_identity", "v1_messages", "v1_truncate", "v1_schema"}) {
    SCOPED_TRACE(name);
    const std::vector<Frame> frames = LoadFrames(name);
    for (size_t index = 0; index < frames.size(); ++index) {
      for (size_t pos = 0; pos < frames[index].bytes.size(); ++pos) {
        for (std::byte value : {std::byte{0x00}, std::byte{0xff}}) {
          auto primed = Prime(frames, index, V1());
          std::vector<std::byte> garbled = frames[index].bytes;
          garbled[pos] = value;
          const Status status = primed->decoder.Decode(frames[index].lsn, garbled);
          ASSERT_TRUE(status.ok() || status.code() == Status::Code::kCorruption)
              << status.ToString();
        }
      }
    }
  }
}

std::vector<std::byte> Bytes(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

std::vector<std::byte> Bytes(const std::string& s) {
  std::vector<std::byte> out;
  for (char c : s) out.push_back(static_cast<std::byte>(c));
  return out;
}

TEST(PgOutputDecoderTest, UnknownMessageTypeIsCorruption) {
  RelationCache cache(nullptr);
  Recorder recorder;
  PgOutputDecoder decoder(V1(), &cache, &recorder);
  const Status status = decoder.Decode(Lsn(0x10), Bytes({'Z', 0, 0, 0, 0}));
  EXPECT_EQ(status.code(), Status::Code::kCorruption);
  EXPECT_NE(status.message().find("unknown message type"), std::string::npos);
  EXPECT_EQ(decoder.Decode(Lsn(0x10), Bytes({0})).code(), Status::Code::kCorruption);
  EXPECT_EQ(decoder.Decode(Lsn(0x10), std::span<const std::byte>()).code(),
            Status::Code::kCorruption);
  EXPECT_TRUE(recorder.calls.empty());
}

std::string BigEndian(uint64_t v, int bytes) {
  std::string out(static_cast<size_t>(bytes), '\0');
  for (int i = bytes - 1; i >= 0; --i, v >>= 8) out[static_cast<size_t>(i)] = static_cast<char>(v);
  return out;
}

// Found by pgoutput_fuzz (tests/fuzz/corpus/pgoutput/bug-begin-timestamp-overflow):
// a commit timestamp near int64's ends overflowed (undefined behaviour) when
// moved to the Unix epoch. No real commit time is that far out; the message
// is refused instead.
TEST(PgOutputDecoderTest, CommitTimestampOutOfRangeIsCorruption) {
  for (const int64_t pg_time : {INT64_MAX, INT64_MAX - 946684800000000 + 1}) {
    RelationCache cache(nullptr);
    Recorder recorder;
    PgOutputDecoder decoder(V1(), &cache, &recorder);
    const Status status = decoder.Decode(
        Lsn(0x10), Bytes("B" + BigEndian(0x20, 8) + BigEndian(static_cast<uint64_t>(pg_time), 8) +
                         BigEndian(7, 4)));
    EXPECT_EQ(status.code(), Status::Code::kCorruption);
    EXPECT_NE(status.message().find("commit timestamp out of range"), std::string::npos)
        << status.message();
    EXPECT_TRUE(recorder.calls.empty());
  }
  // The last timestamp that fits still decodes.
  RelationCache cache(nullptr);
  Recorder recorder;
  PgOutputDecoder decoder(V1(), &cache, &recorder);
  EXPECT_TRUE(decoder
                  .Decode(Lsn(0x10), Bytes("B" + BigEndian(0x20, 8) +
                                           BigEndian(INT64_MAX - 946684800000000, 8) +
                                           BigEndian(7, 4)))
                  .ok());
}

TEST(PgOutputDecoderTest, StreamCommitTimestampOutOfRangeIsCorruption) {
  RelationCache cache(nullptr);
  Recorder recorder;
  PgOutputDecoder decoder(V2(), &cache, &recorder);
  ASSERT_TRUE(decoder.Decode(Lsn(0x10), Bytes("S" + BigEndian(9, 4) + std::string(1, '\1'))).ok());
  ASSERT_TRUE(decoder.Decode(Lsn(0x11), Bytes("E")).ok());
  const Status status = decoder.Decode(
      Lsn(0x12), Bytes("c" + BigEndian(9, 4) + std::string(1, '\0') + BigEndian(0x30, 8) +
                       BigEndian(0x40, 8) + BigEndian(static_cast<uint64_t>(INT64_MAX), 8)));
  EXPECT_EQ(status.code(), Status::Code::kCorruption);
  EXPECT_NE(status.message().find("commit timestamp out of range"), std::string::npos)
      << status.message();
}

TEST(PgOutputDecoderTest, ChangeForUnknownRelationIsCorruption) {
  const std::vector<Frame> frames = LoadFrames("v1_identity");
  ASSERT_EQ(frames[0].type(), 'B');
  ASSERT_EQ(frames[1].type(), 'R');
  ASSERT_EQ(frames[2].type(), 'I');
  RelationCache cache(nullptr);
  Recorder recorder;
  PgOutputDecoder decoder(V1(), &cache, &recorder);
  ASSERT_TRUE(decoder.Decode(frames[0].lsn, Span(frames[0])).ok());
  const Status status = decoder.Decode(frames[2].lsn, Span(frames[2]));  // Relation skipped
  EXPECT_EQ(status.code(), Status::Code::kCorruption);
  EXPECT_NE(status.message().find("unknown relation"), std::string::npos);
  EXPECT_TRUE(decoder.idle());
}

TEST(PgOutputDecoderTest, TruncateOfUnknownRelationEmitsNothing) {
  // The last transaction is Begin, Relation t_parent/t_child (either order),
  // Truncate, Commit. Skipping its second Relation leaves one table unknown
  // to a fresh decoder: the Truncate fails without emitting the known one.
  const std::vector<Frame> frames = LoadFrames("v1_truncate");
  size_t begin = frames.size();
  for (size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].type() == 'B') begin = i;
  }
  ASSERT_LT(begin + 3, frames.size());
  ASSERT_EQ(frames[begin + 1].type(), 'R');
  ASSERT_EQ(frames[begin + 2].type(), 'R');
  ASSERT_EQ(frames[begin + 3].type(), 'T');
  RelationCache cache(nullptr);
  Recorder recorder;
  PgOutputDecoder decoder(V1(), &cache, &recorder);
  ASSERT_TRUE(decoder.Decode(frames[begin].lsn, Span(frames[begin])).ok());
  ASSERT_TRUE(decoder.Decode(frames[begin + 1].lsn, Span(frames[begin + 1])).ok());
  EXPECT_EQ(decoder.Decode(frames[begin + 3].lsn, Span(frames[begin + 3])).code(),
            Status::Code::kCorruption);
  EXPECT_TRUE(recorder.calls.empty());
}

TEST(PgOutputDecoderTest, TupleShapeMustMatchTheRelation) {
  const std::vector<Frame> frames = LoadFrames("v1_identity");
  // frames[2] is an Insert into t_default (3 columns): B, R, I.
  std::vector<std::byte> insert = frames[2].bytes;
  ASSERT_EQ(insert[5], std::byte{'N'});
  auto decode = [&](const std::vector<std::byte>& message) {
    RelationCache cache(nullptr);
    Recorder recorder;
    PgOutputDecoder decoder(V1(), &cache, &recorder);
    EXPECT_TRUE(decoder.Decode(frames[0].lsn, Span(frames[0])).ok());
    EXPECT_TRUE(decoder.Decode(frames[1].lsn, Span(frames[1])).ok());
    return decoder.Decode(frames[2].lsn, message).code();
  };
  EXPECT_EQ(decode(insert), Status::Code::kOk);
  std::vector<std::byte> wrong_count = insert;
  wrong_count[7] = std::byte{2};  // column count low byte
  EXPECT_EQ(decode(wrong_count), Status::Code::kCorruption);
  std::vector<std::byte> bad_kind = insert;
  bad_kind[8] = std::byte{'x'};  // first column kind
  EXPECT_EQ(decode(bad_kind), Status::Code::kCorruption);
  std::vector<std::byte> bad_marker = insert;
  bad_marker[5] = std::byte{'K'};  // an insert has no old tuple
  EXPECT_EQ(decode(bad_marker), Status::Code::kCorruption);
  std::vector<std::byte> trailing = insert;
  trailing.push_back(std::byte{0});
  EXPECT_EQ(decode(trailing), Status::Code::kCorruption);
}

TEST(PgOutputDecoderTest, OutOfPlaceMessagesAreCorruption) {
  const std::vector<Frame> v1 = LoadFrames("v1_identity");
  const std::vector<Frame> v2 = LoadFrames("v2_stream_commit");
  const Frame& begin = v1[0];
  const Frame& commit = v1[4];
  ASSERT_EQ(commit.type(), 'C');
  auto fresh = [](PgOutputOptions options) { return std::make_unique<Primed>(std::move(options)); };

  auto d = fresh(V1());
  EXPECT_EQ(d->decoder.Decode(commit.lsn, Span(commit)).code(), Status::Code::kCorruption);
  d = fresh(V1());
  ASSERT_TRUE(d->decoder.Decode(begin.lsn, Span(begin)).ok());
  EXPECT_FALSE(d->decoder.idle());
  EXPECT_EQ(d->decoder.Decode(begin.lsn, Span(begin)).code(), Status::Code::kCorruption);
  EXPECT_TRUE(d->decoder.idle());  // the error dropped the open transaction

  // Streaming messages need proto_version >= 2.
  d = fresh(V1());
  EXPECT_EQ(d->decoder.Decode(v2[0].lsn, Span(v2[0])).code(), Status::Code::kCorruption);
  // Stream Stop without Stream Start; Stream Commit of an unknown xid.
  d = fresh(V2());
  EXPECT_EQ(d->decoder.Decode(Lsn(1), Bytes({'E'})).code(), Status::Code::kCorruption);
  const Frame& stream_commit =
      *std::find_if(v2.begin(), v2.end(), [](const Frame& f) { return f.type() == 'c'; });
  d = fresh(V2());
  EXPECT_EQ(d->decoder.Decode(stream_commit.lsn, Span(stream_commit)).code(),
            Status::Code::kCorruption);
  // A later segment of a transaction whose first segment was never seen.
  std::vector<std::byte> later_segment = v2[0].bytes;
  later_segment[5] = std::byte{0};
  d = fresh(V2());
  EXPECT_EQ(d->decoder.Decode(v2[0].lsn, later_segment).code(), Status::Code::kCorruption);
  // Begin inside a stream block.
  d = fresh(V2());
  ASSERT_TRUE(d->decoder.Decode(v2[0].lsn, Span(v2[0])).ok());
  EXPECT_EQ(d->decoder.Decode(begin.lsn, Span(begin)).code(), Status::Code::kCorruption);
  // A change with no transaction open.
  d = fresh(V1());
  ASSERT_TRUE(d->decoder.Decode(v1[1].lsn, Span(v1[1])).ok());  // Relation is fine anywhere
  EXPECT_EQ(d->decoder.Decode(v1[2].lsn, Span(v1[2])).code(), Status::Code::kCorruption);
  // Two-phase messages are never requested.
  d = fresh(V2());
  EXPECT_EQ(d->decoder.Decode(Lsn(1), Bytes(std::string("P") + std::string(40, '\0'))).code(),
            Status::Code::kCorruption);
}

TEST(PgOutputDecoderTest, StreamAbortOfUnknownTransactionIsIgnored) {
  auto primed = std::make_unique<Primed>(V2());
  EXPECT_TRUE(primed->decoder.Decode(Lsn(5), Bytes({'A', 0, 0, 1, 0, 0, 0, 1, 0})).ok());
  EXPECT_TRUE(primed->decoder.idle());
}

TEST(PgOutputDecoderTest, FirstSegmentAgainRestartsTheTransaction) {
  // The server re-streams a transaction from its start after a restart: the
  // buffered half must not be delivered twice.
  std::vector<Frame> frames = LoadFrames("v2_stream_commit");
  auto first_stop =
      std::find_if(frames.begin(), frames.end(), [](const Frame& f) { return f.type() == 'E'; });
  ASSERT_NE(first_stop, frames.end());
  std::vector<Frame> replayed(frames.begin(), first_stop + 1);
  replayed.insert(replayed.end(), frames.begin(), frames.end());

  RelationCache cache(nullptr);
  Recorder recorder;
  PgOutputDecoder decoder(V2(), &cache, &recorder);
  for (const Frame& frame : replayed) ASSERT_TRUE(decoder.Decode(frame.lsn, Span(frame)).ok());
  const std::vector<Txn> txns = Group(recorder.calls);
  ASSERT_EQ(txns.size(), 2u);
  EXPECT_EQ(txns[0].changes.size(), 1503u);
}

TEST(PgOutputDecoderTest, HandlerErrorPassesThroughUnchanged) {
  const std::vector<Frame> frames = LoadFrames("v1_identity");
  for (char fail_on : {'B', 'X', 'C'}) {
    RelationCache cache(nullptr);
    Recorder recorder;
    recorder.fail_on = fail_on;
    recorder.failure = Status::Rejected("bad row");
    PgOutputDecoder decoder(V1(), &cache, &recorder);
    Status status;
    for (const Frame& frame : frames) {
      status = decoder.Decode(frame.lsn, Span(frame));
      if (!status.ok()) break;
    }
    EXPECT_EQ(status, Status::Rejected("bad row"));
    EXPECT_TRUE(decoder.idle());
  }
  // The same from inside a streamed transaction's replay.
  const std::vector<Frame> streamed = LoadFrames("v2_stream_commit");
  RelationCache cache(nullptr);
  Recorder recorder;
  recorder.fail_on = 'X';
  PgOutputDecoder decoder(V2(), &cache, &recorder);
  Status status;
  for (const Frame& frame : streamed) {
    status = decoder.Decode(frame.lsn, Span(frame));
    if (!status.ok()) break;
  }
  EXPECT_EQ(status.code(), Status::Code::kUnavailable);
  EXPECT_TRUE(decoder.idle());
  EXPECT_EQ(decoder.open_streams(), 0u);
}

}  // namespace
}  // namespace wal_reader
}  // namespace walcast
