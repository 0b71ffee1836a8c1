#include "wal_reader/wal2json_decoder.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/event_handler.h"
#include "core/lsn.h"
#include "core/status.h"
#include "tests/unit/wal_reader/captured_frames.h"
#include "wal_reader/relation_cache.h"

// Frames come from tests/data/wal_reader/wal2json/*.frames, captured from
// PostgreSQL 15 with wal2json 2.5 by regenerate.sh there. The LSNs, xids and
// commit times below are those of the checked-in captures; re-capturing
// changes the commit times, so update them after running regenerate.sh.

namespace walcast::wal_reader {
namespace {

using Code = Status::Code;

struct Frame {
  Lsn lsn;
  std::string payload;
};

std::vector<Frame> LoadFrames(const std::string& name) {
  std::vector<Frame> frames;
  for (testing::CapturedFrame& captured : testing::LoadCapturedFrames("wal2json/" + name)) {
    frames.push_back(Frame{captured.lsn, std::move(captured.payload)});
  }
  return frames;
}

Lsn L(std::string_view text) { return Lsn::Parse(text).value(); }

std::span<const std::byte> Bytes(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

// Records every callback; optionally fails one kind of callback.
class Recorder : public EventHandler {
 public:
  struct Entry {
    char kind;  // 'B' begin, 'X' change, 'C' commit
    TransactionInfo txn;
    ChangeEvent event;
  };

  Status OnBegin(const TransactionInfo& txn) override {
    entries.push_back({'B', txn, {}});
    return begin_status;
  }
  Status OnChange(const TransactionInfo& txn, const ChangeEvent& event) override {
    entries.push_back({'X', txn, event});
    return change_status;
  }
  Status OnCommit(const TransactionInfo& txn) override {
    entries.push_back({'C', txn, {}});
    return commit_status;
  }

  std::vector<ChangeEvent> Changes() const {
    std::vector<ChangeEvent> out;
    for (const Entry& e : entries) {
      if (e.kind == 'X') out.push_back(e.event);
    }
    return out;
  }
  std::vector<TransactionInfo> Commits() const {
    std::vector<TransactionInfo> out;
    for (const Entry& e : entries) {
      if (e.kind == 'C') out.push_back(e.txn);
    }
    return out;
  }
  std::string Kinds() const {
    std::string out;
    for (const Entry& e : entries) out.push_back(e.kind);
    return out;
  }

  std::vector<Entry> entries;
  Status begin_status;
  Status change_status;
  Status commit_status;
};

class MapResolver : public TypeResolver {
 public:
  std::optional<TypeInfo> Resolve(uint32_t oid) override {
    auto it = types.find(oid);
    if (it == types.end()) return std::nullopt;
    return it->second;
  }
  std::map<uint32_t, TypeInfo> types;
};

// Column index by name, failing the test when absent.
size_t Col(const Relation& relation, std::string_view name) {
  for (size_t i = 0; i < relation.columns.size(); ++i) {
    if (relation.columns[i].name == name) return i;
  }
  ADD_FAILURE() << "no column " << name << " in " << relation.name;
  return 0;
}

std::vector<std::string> ColumnNames(const Relation& relation) {
  std::vector<std::string> names;
  for (const Column& c : relation.columns) names.push_back(c.name);
  return names;
}

Datum T(std::string s) { return Datum::Text(std::move(s)); }

class Wal2JsonDecoderTest : public ::testing::Test {
 protected:
  Status Feed(Lsn lsn, std::string_view json) { return decoder_.Decode(lsn, Bytes(json)); }

  void FeedFile(const std::string& name) {
    for (const Frame& f : LoadFrames(name)) {
      const Status s = decoder_.Decode(f.lsn, Bytes(f.payload));
      ASSERT_TRUE(s.ok()) << s.ToString() << " at " << f.lsn.ToString() << ": " << f.payload;
    }
  }

  // Changes of the main capture, in order (see workload.sql).
  std::vector<ChangeEvent> MainChanges() {
    FeedFile("wal2json.frames");
    return recorder_.Changes();
  }

  void Begin(uint32_t xid = 900) {
    ASSERT_TRUE(Feed(L("0/100"), R"({"action":"B","xid":)" + std::to_string(xid) +
                                     R"(,"timestamp":"2026-01-01 00:00:00+00","lsn":"0/200"})")
                    .ok());
  }

  Code CodeOf(std::string_view json) { return Feed(L("0/150"), json).code(); }

  RelationCache cache_{nullptr};
  Recorder recorder_;
  Wal2JsonDecoder decoder_{&cache_, &recorder_};
};

// --- transactions and LSNs ------------------------------------------------

TEST_F(Wal2JsonDecoderTest, WholeCaptureDecodesInCommitOrder) {
  FeedFile("wal2json.frames");
  EXPECT_TRUE(decoder_.idle());
  // xids 733..754 (two of them the empty ALTER TABLE transactions) and the
  // non-transactional message; changes never appear outside Begin..Commit.
  EXPECT_EQ(recorder_.Kinds(),
            "BXC"
            "BXC"
            "BXC"
            "BXC"
            "BXC"
            "BXC"  // items
            "BXC"
            "BXC"
            "BXC"
            "BXC"  // full_items
            "BXC"
            "BXC"
            "BXC"    // nopk_full
            "BXC"    // "Other"."Odd ""Name"""
            "BXXXC"  // insert, message, insert
            "BXC"    // non-transactional message
            "BXXC"   // truncate of two tables
            "BC"
            "BXC"
            "BXC"
            "BC"
            "BXC"
            "BXC");  // ALTER ADD, rows, ALTER DROP, rows
  uint32_t xid = 733;
  for (const TransactionInfo& txn : recorder_.Commits()) {
    if (txn.xid == 0) continue;  // the non-transactional message
    EXPECT_EQ(txn.xid, xid++);
  }
  EXPECT_EQ(xid, 755u);
}

TEST_F(Wal2JsonDecoderTest, BeginCarriesCommitLsnAndCommitUsesFrameStartAsEndLsn) {
  FeedFile("wal2json.frames");
  const Recorder::Entry& begin = recorder_.entries[0];
  ASSERT_EQ(begin.kind, 'B');
  EXPECT_EQ(begin.txn.xid, 733u);
  EXPECT_EQ(begin.txn.commit_lsn, L("0/1517E60"));  // B "lsn": the commit record
  EXPECT_FALSE(begin.txn.end_lsn.valid());
  // "2026-11-23 16:19:50.38118+00"
  EXPECT_EQ(begin.txn.commit_time_us, 1795450790381180);
  const Recorder::Entry& commit = recorder_.entries[2];
  ASSERT_EQ(commit.kind, 'C');
  EXPECT_EQ(commit.txn.xid, 733u);
  EXPECT_EQ(commit.txn.commit_lsn, L("0/1517E60"));
  EXPECT_EQ(commit.txn.end_lsn, L("0/1517E90"));  // C frame start == "nextlsn"
  EXPECT_EQ(commit.txn.commit_time_us, 1795450790381180);
  // Every commit's end is past its commit record, and they ascend.
  Lsn previous;
  for (const TransactionInfo& txn : recorder_.Commits()) {
    EXPECT_LT(txn.commit_lsn, txn.end_lsn);
    EXPECT_LT(previous, txn.end_lsn);
    previous = txn.end_lsn;
  }
}

TEST_F(Wal2JsonDecoderTest, CommitEndLsnFallsBackToNextLsnWithoutFrameStart) {
  Begin();
  ASSERT_TRUE(Feed(Lsn(), R"({"action":"C","xid":900,"lsn":"0/200","nextlsn":"0/230"})").ok());
  EXPECT_EQ(recorder_.Commits().at(0).end_lsn, L("0/230"));
  Begin();
  EXPECT_EQ(CodeOf(R"({"action":"C"})"), Code::kOk);  // frame start 0/150 suffices
  Begin();
  EXPECT_EQ(Feed(Lsn(), R"({"action":"C"})").code(), Code::kCorruption);
}

TEST_F(Wal2JsonDecoderTest, IdleOnlyOutsideTransactions) {
  const std::vector<Frame> frames = LoadFrames("wal2json.frames");
  EXPECT_TRUE(decoder_.idle());
  ASSERT_TRUE(decoder_.Decode(frames[0].lsn, Bytes(frames[0].payload)).ok());  // B
  EXPECT_FALSE(decoder_.idle());
  ASSERT_TRUE(decoder_.Decode(frames[1].lsn, Bytes(frames[1].payload)).ok());  // I
  EXPECT_FALSE(decoder_.idle());
  ASSERT_TRUE(decoder_.Decode(frames[2].lsn, Bytes(frames[2].payload)).ok());  // C
  EXPECT_TRUE(decoder_.idle());
}

TEST_F(Wal2JsonDecoderTest, CommitTimestampInOtherTimeZone) {
  FeedFile("wal2json_tz.frames");
  // "2026-11-23 21:49:53.029805+05:30" is 16:19:53.029805 UTC.
  EXPECT_EQ(recorder_.entries.at(0).txn.commit_time_us, 1795450793029805);
  const std::vector<ChangeEvent> changes = recorder_.Changes();
  ASSERT_EQ(changes.size(), 2u);
  // Values are printed in the session's zone, exactly as pgoutput would.
  const Relation& items = *changes[0].relation;
  EXPECT_EQ((*changes[0].after)[Col(items, "created_tz")], T("2024-02-29 16:44:15.123456+05:30"));
  EXPECT_EQ(changes[1].message_prefix, "tz");
  EXPECT_TRUE(changes[1].message_transactional);
}

TEST_F(Wal2JsonDecoderTest, CommitTimestampFormats) {
  struct Case {
    std::string text;
    int64_t us;
  };
  const std::vector<Case> cases = {
      {"2024-02-29 13:14:15.123456-03:30", 1709225055123456},
      {"1999-12-31 23:59:59+00:53:28", 946681591000000},  // LMT-style seconds offset
      {"2000-01-01 00:00:00+00", kPostgresEpochOffsetUs},
      {"2000-01-01 00:00:00.5+00", kPostgresEpochOffsetUs + 500000},
      {"1970-01-01 00:00:00+00", 0},
      {"0044-03-15 12:00:00+00 BC", -63517780800000000},
  };
  for (const Case& c : cases) {
    Recorder recorder;
    Wal2JsonDecoder decoder(&cache_, &recorder);
    const std::string json =
        R"({"action":"B","xid":1,"lsn":"0/10","timestamp":")" + c.text + R"("})";
    ASSERT_TRUE(decoder.Decode(L("0/1"), Bytes(json)).ok()) << c.text;
    EXPECT_EQ(recorder.entries.at(0).txn.commit_time_us, c.us) << c.text;
  }
  for (const std::string bad : {"infinity", "2026-13-01 00:00:00+00", "2026-11-23 16:19:50",
                                "2026-11-23T16:19:50+00", "2026-11-23 16:19:50.1234567+00",
                                "2026-11-23 16:19:50+0", "2026-11-23 16:19:50+00 AD", ""}) {
    Recorder recorder;
    Wal2JsonDecoder decoder(&cache_, &recorder);
    const std::string json = R"({"action":"B","xid":1,"lsn":"0/10","timestamp":")" + bad + R"("})";
    EXPECT_EQ(decoder.Decode(L("0/1"), Bytes(json)).code(), Code::kCorruption) << bad;
    EXPECT_TRUE(recorder.entries.empty());
    EXPECT_TRUE(decoder.idle());
  }
}

// --- rows ----------------------------------------------------------------

TEST_F(Wal2JsonDecoderTest, InsertConvertsEveryTypeToPgoutputText) {
  const std::vector<ChangeEvent> changes = MainChanges();
  const ChangeEvent& insert = changes.at(0);
  EXPECT_EQ(insert.op, Op::kCreate);
  EXPECT_EQ(insert.lsn, L("0/1517C30"));
  EXPECT_FALSE(insert.before.has_value());
  ASSERT_TRUE(insert.after.has_value());
  const Relation& items = *insert.relation;
  EXPECT_EQ(items.schema, "public");
  EXPECT_EQ(items.name, "items");
  EXPECT_EQ(ColumnNames(items),
            (std::vector<std::string>{"id",      "name",       "active", "price",  "big",
                                      "tags",    "nums",       "doc",    "docb",   "raw",
                                      "created", "created_tz", "day",    "amount", "f8",
                                      "f4",      "vc",         "u",      "iv",     "big_text"}));
  const Tuple& row = *insert.after;
  ASSERT_EQ(row.size(), items.columns.size());
  EXPECT_EQ(row[Col(items, "id")], T("1"));
  EXPECT_EQ(row[Col(items, "name")], T("first"));
  EXPECT_EQ(row[Col(items, "active")], T("t"));  // JSON true -> boolout's "t"
  // Numeric digits survive exactly; no trip through double.
  EXPECT_EQ(row[Col(items, "price")], T("12345678901234567890.0123456789"));
  EXPECT_EQ(row[Col(items, "big")], T("3.14159265358979323846264338327950288419716939937510"));
  EXPECT_EQ(row[Col(items, "tags")], T(R"({a,"b c",NULL,"d\"e"})"));
  EXPECT_EQ(row[Col(items, "nums")], T("{1,2,3}"));
  EXPECT_EQ(row[Col(items, "doc")], T(R"({"k": [1, 2.50, "x"]})"));  // json keeps its text
  EXPECT_EQ(row[Col(items, "docb")], T(R"({"k": [1, 2.50, "x"]})"));
  EXPECT_EQ(row[Col(items, "raw")], T("\\x00ff10"));  // wal2json drops the "\x"
  EXPECT_EQ(row[Col(items, "created")], T("2024-02-29 13:14:15.123"));
  EXPECT_EQ(row[Col(items, "created_tz")], T("2024-02-29 11:14:15.123456+00"));
  EXPECT_EQ(row[Col(items, "day")], T("2024-02-29"));
  EXPECT_EQ(row[Col(items, "amount")], T("$1,234.50"));
  EXPECT_EQ(row[Col(items, "f8")], T("1.5e+300"));
  EXPECT_EQ(row[Col(items, "f4")], T("0.1"));
  EXPECT_EQ(row[Col(items, "vc")], T("short"));
  EXPECT_EQ(row[Col(items, "u")], T("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
  EXPECT_EQ(row[Col(items, "iv")], T("1 day 02:03:04"));
  const Datum& big_text = row[Col(items, "big_text")];
  EXPECT_EQ(big_text.kind, Datum::Kind::kText);
  EXPECT_EQ(big_text.data.size(), 9600u);
  EXPECT_EQ(big_text.data.substr(0, 32), "c4ca4238a0b923820dcc509a6f75849b");  // md5('1')
}

TEST_F(Wal2JsonDecoderTest, RelationCarriesKeysTypeOidsAndModifiers) {
  const std::vector<ChangeEvent> changes = MainChanges();
  const Relation& items = *changes.at(0).relation;
  EXPECT_EQ(items.replica_identity, ReplicaIdentity::kDefault);
  for (const Column& c : items.columns) EXPECT_EQ(c.is_key, c.name == "id") << c.name;
  EXPECT_EQ(items.columns[Col(items, "id")].type_oid, 23u);
  EXPECT_EQ(items.columns[Col(items, "price")].type_oid, 1700u);
  EXPECT_EQ(items.columns[Col(items, "tags")].type_oid, 1009u);
  EXPECT_EQ(items.columns[Col(items, "docb")].type_oid, 3802u);
  EXPECT_EQ(items.columns[Col(items, "raw")].type_oid, 17u);
  // atttypmod as pgoutput's Relation message would carry it.
  EXPECT_EQ(items.columns[Col(items, "price")].type_modifier, ((30 << 16) | 10) + 4);
  EXPECT_EQ(items.columns[Col(items, "big")].type_modifier, -1);
  EXPECT_EQ(items.columns[Col(items, "vc")].type_modifier, 20 + 4);
  EXPECT_EQ(items.columns[Col(items, "created")].type_modifier, 3);
  EXPECT_EQ(items.columns[Col(items, "created_tz")].type_modifier, -1);
  EXPECT_EQ(items.columns[Col(items, "id")].type_modifier, -1);
  EXPECT_FALSE(items.columns[0].type.has_value());  // no resolver in this fixture
}

TEST_F(Wal2JsonDecoderTest, NullsAndFalse) {
  const std::vector<ChangeEvent> changes = MainChanges();
  const ChangeEvent& insert = changes.at(1);
  const Relation& items = *insert.relation;
  const Tuple& row = *insert.after;
  EXPECT_EQ(row[Col(items, "id")], T("2"));
  EXPECT_EQ(row[Col(items, "name")], T("line\nbreak \"quoted\" \\ back \u00fc \u20ac"));
  EXPECT_EQ(row[Col(items, "active")], T("f"));
  for (std::string_view name : {"price", "tags", "doc", "raw", "created_tz", "f8", "big_text"}) {
    EXPECT_EQ(row[Col(items, name)], Datum::Null()) << name;
  }
  // The same shape as the first insert: the relation is shared, not rebuilt.
  EXPECT_EQ(changes.at(0).relation.get(), insert.relation.get());
}

TEST_F(Wal2JsonDecoderTest, UpdateWithoutKeyChangeHasNoBeforeAndKeepsUnchangedToast) {
  const std::vector<ChangeEvent> changes = MainChanges();
  const ChangeEvent& update = changes.at(2);
  EXPECT_EQ(update.op, Op::kUpdate);
  EXPECT_EQ(update.lsn, L("0/1517FA0"));
  // pgoutput sends no old tuple when the key did not change; wal2json
  // prints an identity from the new row, which the decoder drops.
  EXPECT_FALSE(update.before.has_value());
  const Relation& items = *update.relation;
  EXPECT_EQ(update.relation.get(), changes.at(0).relation.get());  // no schema change
  const Tuple& row = *update.after;
  EXPECT_EQ(row[Col(items, "name")], T("renamed"));
  EXPECT_EQ(row[Col(items, "active")], Datum::Null());
  EXPECT_EQ(row[Col(items, "price")], T("12345678901234567890.0123456789"));
  // wal2json omits the unchanged out-of-line value.
  EXPECT_EQ(row[Col(items, "big_text")], Datum::UnchangedToast());
  EXPECT_EQ(row.size(), items.columns.size());
}

TEST_F(Wal2JsonDecoderTest, PrimaryKeyChangeSendsKeyOnlyBefore) {
  const std::vector<ChangeEvent> changes = MainChanges();
  const ChangeEvent& update = changes.at(3);
  EXPECT_EQ(update.op, Op::kUpdate);
  EXPECT_EQ(update.lsn, L("0/1518188"));
  const Relation& items = *update.relation;
  ASSERT_TRUE(update.before.has_value());
  EXPECT_TRUE(update.before_is_key_only);
  Tuple expected_before(items.columns.size(), Datum::Null());
  expected_before[Col(items, "id")] = T("2");
  EXPECT_EQ(*update.before, expected_before);
  EXPECT_EQ((*update.after)[Col(items, "id")], T("10"));
  EXPECT_EQ((*update.after)[Col(items, "big_text")], Datum::Null());  // NULL is not TOASTed
}

TEST_F(Wal2JsonDecoderTest, DeleteWithDefaultIdentityIsKeyOnly) {
  const std::vector<ChangeEvent> changes = MainChanges();
  const ChangeEvent& del = changes.at(4);
  EXPECT_EQ(del.op, Op::kDelete);
  EXPECT_EQ(del.lsn, L("0/1518280"));
  EXPECT_FALSE(del.after.has_value());
  const Relation& items = *del.relation;
  EXPECT_EQ(del.relation.get(), changes.at(0).relation.get());  // a DELETE never shrinks it
  ASSERT_TRUE(del.before.has_value());
  EXPECT_TRUE(del.before_is_key_only);
  Tuple expected(items.columns.size(), Datum::Null());
  expected[Col(items, "id")] = T("10");
  EXPECT_EQ(*del.before, expected);
}

TEST_F(Wal2JsonDecoderTest, NanAndInfinityArriveAsNull) {
  // wal2json prints NaN/Infinity of float and numeric as JSON null; the
  // value cannot be told from SQL NULL (pgoutput would send "NaN").
  const std::vector<ChangeEvent> changes = MainChanges();
  const ChangeEvent& update = changes.at(5);
  const Relation& items = *update.relation;
  EXPECT_EQ((*update.after)[Col(items, "f8")], Datum::Null());
  EXPECT_EQ((*update.after)[Col(items, "f4")], Datum::Null());
  EXPECT_EQ((*update.after)[Col(items, "big")], Datum::Null());
  EXPECT_EQ((*update.after)[Col(items, "big_text")], Datum::UnchangedToast());
}

TEST_F(Wal2JsonDecoderTest, FullIdentityCarriesWholeOldRow) {
  const std::vector<ChangeEvent> changes = MainChanges();
  const ChangeEvent& insert = changes.at(6);
  const ChangeEvent& update = changes.at(7);
  const ChangeEvent& key_update = changes.at(8);
  const ChangeEvent& del = changes.at(9);
  EXPECT_EQ(insert.relation->name, "full_items");
  // FULL shows only once an old row arrives; the insert's relation is
  // already built by then.
  EXPECT_EQ(insert.relation->replica_identity, ReplicaIdentity::kDefault);
  EXPECT_EQ(update.relation->replica_identity, ReplicaIdentity::kFull);
  EXPECT_EQ(insert.relation->oid, update.relation->oid);
  EXPECT_EQ(ColumnNames(*update.relation), (std::vector<std::string>{"id", "note", "qty"}));
  EXPECT_TRUE(update.relation->columns[0].is_key);
  EXPECT_FALSE(update.relation->columns[1].is_key);

  ASSERT_TRUE(update.before.has_value());
  EXPECT_FALSE(update.before_is_key_only);
  EXPECT_EQ(*update.before, (Tuple{T("1"), T("one"), T("5")}));
  EXPECT_EQ(*update.after, (Tuple{T("1"), T("one"), T("6")}));

  EXPECT_FALSE(key_update.before_is_key_only);
  EXPECT_EQ(*key_update.before, (Tuple{T("1"), T("one"), T("6")}));
  EXPECT_EQ(*key_update.after, (Tuple{T("2"), T("one"), T("6")}));
  EXPECT_EQ(key_update.relation.get(), update.relation.get());

  EXPECT_EQ(del.op, Op::kDelete);
  EXPECT_FALSE(del.before_is_key_only);
  EXPECT_EQ(*del.before, (Tuple{T("2"), T("one"), T("6")}));
  EXPECT_EQ(del.relation.get(), update.relation.get());
}

TEST_F(Wal2JsonDecoderTest, FullIdentityWithoutPrimaryKey) {
  const std::vector<ChangeEvent> changes = MainChanges();
  const ChangeEvent& insert = changes.at(10);
  const ChangeEvent& update = changes.at(11);
  const ChangeEvent& del = changes.at(12);
  EXPECT_EQ(insert.relation->name, "nopk_full");
  for (const Column& c : insert.relation->columns) EXPECT_FALSE(c.is_key);
  EXPECT_EQ(update.relation->replica_identity, ReplicaIdentity::kFull);
  EXPECT_FALSE(update.before_is_key_only);
  EXPECT_EQ(*update.before, (Tuple{T("7"), T("seven")}));
  EXPECT_EQ(*update.after, (Tuple{T("7"), T("SEVEN")}));
  EXPECT_FALSE(del.before_is_key_only);
  EXPECT_EQ(*del.before, (Tuple{T("7"), T("SEVEN")}));
}

TEST_F(Wal2JsonDecoderTest, QuotedIdentifiersAndBigintKeepTheirText) {
  const std::vector<ChangeEvent> changes = MainChanges();
  const ChangeEvent& insert = changes.at(13);
  EXPECT_EQ(insert.relation->schema, "Other");
  EXPECT_EQ(insert.relation->name, "Odd \"Name\"");
  EXPECT_EQ(ColumnNames(*insert.relation), (std::vector<std::string>{"Key", "we\"ird"}));
  EXPECT_TRUE(insert.relation->columns[0].is_key);
  // 2^53 + 1: a double would print 9007199254740992.
  EXPECT_EQ(*insert.after, (Tuple{T("9007199254740993"), T("x")}));
}

TEST_F(Wal2JsonDecoderTest, TransactionalMessageStaysInItsTransaction) {
  FeedFile("wal2json.frames");
  // Entries of xid 747: B, I, M, I, C.
  size_t i = 0;
  while (i < recorder_.entries.size() && recorder_.entries[i].txn.xid != 747) ++i;
  ASSERT_LT(i + 4, recorder_.entries.size());
  const Recorder::Entry& message = recorder_.entries[i + 2];
  ASSERT_EQ(message.kind, 'X');
  EXPECT_EQ(message.txn.xid, 747u);
  EXPECT_EQ(message.event.op, Op::kMessage);
  EXPECT_EQ(message.event.lsn, L("0/1518B38"));
  EXPECT_EQ(message.event.relation, nullptr);
  EXPECT_TRUE(message.event.message_transactional);
  EXPECT_EQ(message.event.message_prefix, "walcast");
  EXPECT_EQ(message.event.message_content, "tx\tmessage");
  EXPECT_EQ(recorder_.entries[i + 1].event.op, Op::kCreate);
  EXPECT_EQ(recorder_.entries[i + 3].event.op, Op::kCreate);
  EXPECT_EQ(recorder_.entries[i + 4].kind, 'C');
}

TEST_F(Wal2JsonDecoderTest, NonTransactionalMessageIsItsOwnTransaction) {
  FeedFile("wal2json.frames");
  size_t i = 0;
  while (i < recorder_.entries.size() && recorder_.entries[i].txn.xid != 0) ++i;
  ASSERT_LT(i + 2, recorder_.entries.size());
  const Recorder::Entry& begin = recorder_.entries[i];
  const Recorder::Entry& change = recorder_.entries[i + 1];
  const Recorder::Entry& commit = recorder_.entries[i + 2];
  EXPECT_EQ(begin.kind, 'B');
  EXPECT_EQ(begin.txn.commit_lsn, L("0/1518C40"));
  EXPECT_FALSE(begin.txn.end_lsn.valid());
  EXPECT_EQ(change.kind, 'X');
  EXPECT_EQ(change.event.op, Op::kMessage);
  EXPECT_EQ(change.event.lsn, L("0/1518C40"));
  EXPECT_FALSE(change.event.message_transactional);
  EXPECT_EQ(change.event.message_prefix, "walcast");
  EXPECT_EQ(change.event.message_content, "outside \"quoted\"\n\\ \u00fc");
  EXPECT_EQ(commit.kind, 'C');
  EXPECT_EQ(commit.txn.xid, 0u);
  EXPECT_EQ(commit.txn.end_lsn, L("0/1518C41"));
}

TEST_F(Wal2JsonDecoderTest, TruncateIsOneEventPerTable) {
  const std::vector<ChangeEvent> changes = MainChanges();
  const ChangeEvent& first = changes.at(18);
  const ChangeEvent& second = changes.at(19);
  EXPECT_EQ(first.op, Op::kTruncate);
  EXPECT_EQ(second.op, Op::kTruncate);
  EXPECT_EQ(first.lsn, L("0/1519FD0"));
  EXPECT_EQ(second.lsn, L("0/1519FD0"));
  EXPECT_EQ(first.relation->name, "full_items");
  EXPECT_EQ(second.relation->name, "nopk_full");
  EXPECT_EQ(first.relation.get(), changes.at(9).relation.get());  // the known relation
  EXPECT_EQ(first.truncate_options, 0);  // wal2json does not report CASCADE/RESTART IDENTITY
  EXPECT_FALSE(first.before.has_value());
  EXPECT_FALSE(first.after.has_value());
}

TEST_F(Wal2JsonDecoderTest, AlterTableReplacesRelationAndOldEventsKeepTheirs) {
  const std::vector<ChangeEvent> changes = MainChanges();
  const ChangeEvent& before_alter = changes.at(9);  // DELETE of full_items, 3 columns
  const ChangeEvent& added = changes.at(20);        // INSERT after ADD COLUMN extra
  const ChangeEvent& updated = changes.at(21);      // UPDATE of extra
  const ChangeEvent& after_drop = changes.at(22);   // INSERT after DROP COLUMN qty
  const ChangeEvent& deleted = changes.at(23);      // DELETE after the drop
  EXPECT_EQ(ColumnNames(*before_alter.relation), (std::vector<std::string>{"id", "note", "qty"}));
  EXPECT_EQ(ColumnNames(*added.relation), (std::vector<std::string>{"id", "note", "qty", "extra"}));
  EXPECT_EQ(added.relation->oid, before_alter.relation->oid);
  EXPECT_EQ(added.relation->replica_identity, ReplicaIdentity::kFull);  // still known
  EXPECT_EQ(*added.after, (Tuple{T("5"), T("five"), T("5"), T("added")}));
  EXPECT_EQ(cache_.Get(added.relation->oid)->columns.size(), 3u);  // latest: after the drop
  EXPECT_EQ(updated.relation.get(), added.relation.get());
  EXPECT_EQ(*updated.before, (Tuple{T("5"), T("five"), T("5"), T("added")}));
  EXPECT_EQ(*updated.after, (Tuple{T("5"), T("five"), T("5"), T("changed")}));
  EXPECT_EQ(ColumnNames(*after_drop.relation), (std::vector<std::string>{"id", "note", "extra"}));
  EXPECT_EQ(*after_drop.after, (Tuple{T("6"), T("six"), T("after drop")}));
  EXPECT_EQ(deleted.relation.get(), after_drop.relation.get());
  EXPECT_FALSE(deleted.before_is_key_only);
  EXPECT_EQ(*deleted.before, (Tuple{T("5"), T("five"), T("changed")}));
}

TEST_F(Wal2JsonDecoderTest, FilteredCaptureOnlyHasChosenTableAndActions) {
  FeedFile("wal2json_filtered.frames");
  EXPECT_TRUE(decoder_.idle());
  for (const ChangeEvent& e : recorder_.Changes()) {
    if (e.op == Op::kMessage) continue;  // add-tables does not filter messages
    EXPECT_EQ(e.relation->name, "full_items");
    EXPECT_NE(e.op, Op::kDelete);
  }
  EXPECT_EQ(recorder_.Changes().size(), 11u);
}

TEST_F(Wal2JsonDecoderTest, RelationOidIsStableHashOfSchemaAndTable) {
  const std::vector<ChangeEvent> changes = MainChanges();
  // FNV-1a over "public\0items", computed independently here.
  uint32_t hash = 2166136261u;
  for (char c : std::string_view("public\0items", 12)) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 16777619u;
  }
  EXPECT_EQ(changes.at(0).relation->oid, hash);
  EXPECT_NE(changes.at(6).relation->oid, hash);  // full_items
  EXPECT_EQ(cache_.Get(hash)->name, "items");
  // A second decoder assigns the same OIDs.
  RelationCache other_cache(nullptr);
  Recorder other;
  Wal2JsonDecoder decoder(&other_cache, &other);
  for (const Frame& f : LoadFrames("wal2json.frames")) {
    ASSERT_TRUE(decoder.Decode(f.lsn, Bytes(f.payload)).ok());
  }
  const std::vector<ChangeEvent> again = other.Changes();
  ASSERT_EQ(again.size(), changes.size());
  for (size_t i = 0; i < changes.size(); ++i) {
    if (changes[i].relation) {
      EXPECT_EQ(again[i].relation->oid, changes[i].relation->oid);
    }
  }
}

TEST_F(Wal2JsonDecoderTest, TypesAreResolvedThroughTheCache) {
  MapResolver resolver;
  TypeInfo int4;
  int4.oid = 23;
  int4.schema = "pg_catalog";
  int4.name = "int4";
  int4.category = 'N';
  resolver.types[23] = int4;
  RelationCache cache(&resolver);
  Recorder recorder;
  Wal2JsonDecoder decoder(&cache, &recorder);
  for (const Frame& f : LoadFrames("wal2json.frames")) {
    ASSERT_TRUE(decoder.Decode(f.lsn, Bytes(f.payload)).ok());
  }
  const std::shared_ptr<const Relation> relation = recorder.Changes().at(0).relation;
  const Relation& items = *relation;
  EXPECT_EQ(items.columns[Col(items, "id")].type, int4);
  EXPECT_FALSE(items.columns[Col(items, "name")].type.has_value());  // unknown to the resolver
}

// --- synthetic shapes the captures do not cover ---------------------------

TEST_F(Wal2JsonDecoderTest, UpdateOmittingFixedLengthColumnMeansItWasDropped) {
  Begin();
  ASSERT_TRUE(Feed(L("0/110"), R"({"action":"I","schema":"s","table":"t","columns":[
      {"name":"a","type":"integer","typeoid":23,"value":1},
      {"name":"b","type":"text","typeoid":25,"value":"x"},
      {"name":"c","type":"bigint","typeoid":20,"value":2}],
      "pk":[{"name":"a","type":"integer","typeoid":23}]})")
                  .ok());
  // b (text) missing: unchanged TOAST; c (int8) missing: cannot be TOASTed,
  // so the column is gone.
  ASSERT_TRUE(Feed(L("0/120"), R"({"action":"U","schema":"s","table":"t","columns":[
      {"name":"a","type":"integer","typeoid":23,"value":1}],
      "identity":[{"name":"a","type":"integer","typeoid":23,"value":1}],
      "pk":[{"name":"a","type":"integer","typeoid":23}]})")
                  .ok());
  const std::vector<ChangeEvent> changes = recorder_.Changes();
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(ColumnNames(*changes[1].relation), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(*changes[1].after, (Tuple{T("1"), Datum::UnchangedToast()}));
  EXPECT_FALSE(changes[1].before.has_value());
}

TEST_F(Wal2JsonDecoderTest, UpdateAddingColumnKeepsOmittedToastColumnInPlace) {
  Begin();
  ASSERT_TRUE(Feed(L("0/110"), R"({"action":"I","schema":"s","table":"t","columns":[
      {"name":"a","typeoid":23,"value":1},{"name":"b","typeoid":25,"value":"x"},
      {"name":"c","typeoid":23,"value":3}],"pk":[{"name":"a"}]})")
                  .ok());
  ASSERT_TRUE(Feed(L("0/120"), R"({"action":"U","schema":"s","table":"t","columns":[
      {"name":"a","typeoid":23,"value":1},{"name":"c","typeoid":23,"value":4},
      {"name":"d","typeoid":16,"value":true}],
      "identity":[{"name":"a","typeoid":23,"value":1}],"pk":[{"name":"a"}]})")
                  .ok());
  const ChangeEvent update = recorder_.Changes().at(1);
  EXPECT_EQ(ColumnNames(*update.relation), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(*update.after, (Tuple{T("1"), Datum::UnchangedToast(), T("4"), T("t")}));
}

TEST_F(Wal2JsonDecoderTest, IdentityOtherThanPrimaryKeyIsUsingIndex) {
  Begin();
  ASSERT_TRUE(Feed(L("0/110"), R"({"action":"D","schema":"s","table":"t",
      "identity":[{"name":"email","type":"text","typeoid":25,"value":"a@b"}],
      "pk":[{"name":"id","type":"integer","typeoid":23}]})")
                  .ok());
  const ChangeEvent del = recorder_.Changes().at(0);
  EXPECT_EQ(del.relation->replica_identity, ReplicaIdentity::kIndex);
  EXPECT_TRUE(del.before_is_key_only);
  EXPECT_EQ(ColumnNames(*del.relation), (std::vector<std::string>{"email"}));
  EXPECT_EQ(*del.before, (Tuple{T("a@b")}));
}

TEST_F(Wal2JsonDecoderTest, TypeModifiersFromTypeNames) {
  Begin();
  ASSERT_TRUE(Feed(L("0/110"), R"j({"action":"I","schema":"s","table":"t","columns":[
      {"name":"a","type":"numeric(5,-2)","typeoid":1700,"value":100},
      {"name":"b","type":"numeric(7)","typeoid":1700,"value":1},
      {"name":"c","type":"character(3)","typeoid":1042,"value":"abc"},
      {"name":"d","type":"character varying(9)[]","typeoid":1015,"value":"{x}"},
      {"name":"e","type":"bit varying(12)","typeoid":1562,"value":"101"},
      {"name":"f","type":"time(2) with time zone","typeoid":1266,"value":"01:02:03+00"},
      {"name":"g","type":"interval(3)","typeoid":1186,"value":"00:00:01"},
      {"name":"h","type":"\"Mood\"","typeoid":16400,"value":"happy"},
      {"name":"i","type":"bytea","value":"ff"}]})j")
                  .ok());
  const ChangeEvent insert = recorder_.Changes().at(0);
  std::vector<int32_t> typmods;
  for (const Column& c : insert.relation->columns) typmods.push_back(c.type_modifier);
  EXPECT_EQ(typmods, (std::vector<int32_t>{((5 << 16) | (-2 & 0x7ff)) + 4, (7 << 16) + 4, 7, 13, 12,
                                           2, (0x7fff << 16) | 3, -1, -1}));
  // Without "typeoid" a bytea is still recognised by its type name.
  EXPECT_EQ(insert.after->back(), T("\\xff"));
  EXPECT_EQ(insert.relation->columns.back().type_oid, 0u);
}

TEST_F(Wal2JsonDecoderTest, TruncateOfUnseenTableBuildsEmptyRelation) {
  Begin();
  ASSERT_TRUE(Feed(L("0/110"), R"({"action":"T","schema":"s","table":"fresh"})").ok());
  const ChangeEvent truncate = recorder_.Changes().at(0);
  EXPECT_EQ(truncate.relation->name, "fresh");
  EXPECT_TRUE(truncate.relation->columns.empty());
  ASSERT_TRUE(Feed(L("0/120"), R"({"action":"I","schema":"s","table":"fresh","columns":[
      {"name":"a","typeoid":23,"value":1}]})")
                  .ok());
  const ChangeEvent insert = recorder_.Changes().at(1);
  EXPECT_EQ(insert.relation->oid, truncate.relation->oid);
  EXPECT_EQ(ColumnNames(*insert.relation), (std::vector<std::string>{"a"}));
}

TEST_F(Wal2JsonDecoderTest, HandlerErrorsPassThroughUnchanged) {
  const std::vector<Frame> frames = LoadFrames("wal2json.frames");
  recorder_.begin_status = Status::Unavailable("sink down");
  EXPECT_EQ(decoder_.Decode(frames[0].lsn, Bytes(frames[0].payload)),
            Status::Unavailable("sink down"));
  recorder_.begin_status = Status::Ok();
  recorder_.change_status = Status::Timeout("slow");
  EXPECT_EQ(decoder_.Decode(frames[1].lsn, Bytes(frames[1].payload)), Status::Timeout("slow"));
  recorder_.commit_status = Status::Fatal("disk");
  EXPECT_EQ(decoder_.Decode(frames[2].lsn, Bytes(frames[2].payload)), Status::Fatal("disk"));
}

// --- malformed input ------------------------------------------------------

TEST_F(Wal2JsonDecoderTest, EveryTruncatedPrefixIsCorruption) {
  const std::vector<Frame> frames = LoadFrames("wal2json.frames");
  // I (every type), B, I (nulls), C, U (FULL), D (FULL), M, non-transactional M, T.
  for (const size_t index : {size_t{1}, size_t{3}, size_t{4}, size_t{5}, size_t{22}, size_t{28},
                             size_t{44}, size_t{47}, size_t{49}}) {
    const std::string& payload = frames.at(index).payload;
    for (size_t n = 0; n < payload.size(); ++n) {
      const Status s =
          decoder_.Decode(frames[index].lsn, Bytes(std::string_view(payload).substr(0, n)));
      ASSERT_EQ(s.code(), Code::kCorruption) << "frame " << index << " prefix " << n;
    }
  }
  EXPECT_TRUE(recorder_.entries.empty());
  EXPECT_TRUE(decoder_.idle());
  // The decoder is still usable afterwards.
  FeedFile("wal2json.frames");
  EXPECT_EQ(recorder_.Commits().size(), 23u);
}

TEST_F(Wal2JsonDecoderTest, TopLevelMustBeAnObjectWithAKnownAction) {
  for (std::string_view json :
       {"", " ", "[]", "\"B\"", "42", "null", "true", "{}", R"({"xid":1})", R"({"action":"X"})",
        R"({"action":"BB"})", R"({"action":""})", R"({"action":1})", R"({"action":null})",
        R"({"action":["B"]})", R"({"action":"B"} {})", R"({"action":"B",})", R"({'action':'B'})",
        "{\"action\":\"B\"\x01}"}) {
    EXPECT_EQ(CodeOf(json), Code::kCorruption) << json;
  }
  EXPECT_TRUE(recorder_.entries.empty());
}

TEST_F(Wal2JsonDecoderTest, EmbeddedNulIsCorruption) {
  const std::string json("{\"action\":\"C\"}\0{\"x\":1}", 23);
  Begin();
  EXPECT_EQ(Feed(L("0/300"), json).code(), Code::kCorruption);
  EXPECT_FALSE(decoder_.idle());  // the transaction is still open
}

TEST_F(Wal2JsonDecoderTest, DeepNestingDoesNotExhaustTheStack) {
  const std::string open(200000, '[');
  EXPECT_EQ(CodeOf(open), Code::kCorruption);
  const std::string nested = R"({"action":"X","deep":)" + open + std::string(200000, ']') + "}";
  EXPECT_EQ(CodeOf(nested), Code::kCorruption);  // valid JSON, unknown action
}

TEST_F(Wal2JsonDecoderTest, WrongFieldTypesAreCorruption) {
  const std::vector<std::string> begins = {
      R"({"action":"B","xid":"733","timestamp":"2026-01-01 00:00:00+00","lsn":"0/1"})",
      R"({"action":"B","xid":-1,"timestamp":"2026-01-01 00:00:00+00","lsn":"0/1"})",
      R"({"action":"B","xid":4294967296,"timestamp":"2026-01-01 00:00:00+00","lsn":"0/1"})",
      R"({"action":"B","xid":1.5,"timestamp":"2026-01-01 00:00:00+00","lsn":"0/1"})",
      R"({"action":"B","xid":1e3,"timestamp":"2026-01-01 00:00:00+00","lsn":"0/1"})",
      R"({"action":"B","timestamp":"2026-01-01 00:00:00+00","lsn":"0/1"})",
      R"({"action":"B","xid":1,"timestamp":"2026-01-01 00:00:00+00","lsn":"nonsense"})",
      R"({"action":"B","xid":1,"timestamp":"2026-01-01 00:00:00+00","lsn":16})",
      R"({"action":"B","xid":1,"timestamp":"2026-01-01 00:00:00+00"})",
      R"({"action":"B","xid":1,"timestamp":null,"lsn":"0/1"})",
  };
  for (const std::string& json : begins) {
    EXPECT_EQ(CodeOf(json), Code::kCorruption) << json;
    EXPECT_TRUE(decoder_.idle()) << json;
  }
  Begin();
  const std::vector<std::string> inside = {
      R"({"action":"I","schema":"s","table":"t","columns":{}})",
      R"({"action":"I","schema":"s","table":"t"})",
      R"({"action":"I","schema":"s","columns":[]})",
      R"({"action":"I","schema":1,"table":"t","columns":[]})",
      R"({"action":"I","schema":"s","table":"t","columns":[1]})",
      R"({"action":"I","schema":"s","table":"t","columns":[{"value":1}]})",
      R"({"action":"I","schema":"s","table":"t","columns":[{"name":"a"}]})",
      R"({"action":"I","schema":"s","table":"t","columns":[{"name":"a","value":[1]}]})",
      R"({"action":"I","schema":"s","table":"t","columns":[{"name":"a","value":{"x":1}}]})",
      R"({"action":"I","schema":"s","table":"t","columns":[{"name":"a","typeoid":"23","value":1}]})",
      R"({"action":"I","schema":"s","table":"t","columns":[{"name":"a","type":23,"value":1}]})",
      R"({"action":"I","schema":"s","table":"t","columns":[{"name":"a","value":1},{"name":"a","value":2}]})",
      R"({"action":"U","schema":"s","table":"t","columns":[],"identity":"x"})",
      R"({"action":"U","schema":"s","table":"t","columns":[],"pk":{}})",
      R"({"action":"D","schema":"s","table":"t"})",
      R"({"action":"D","schema":"s","table":"t","identity":[{"name":"a"}]})",
      R"({"action":"T","schema":"s"})",
      R"({"action":"M","transactional":"yes","prefix":"p","content":"c"})",
      R"({"action":"M","transactional":true,"content":"c"})",
      R"({"action":"M","transactional":true,"prefix":"p","content":1})",
      R"({"action":"I","xid":901,"schema":"s","table":"t","columns":[]})",  // wrong xid
      R"({"action":"C","xid":"900"})",
      R"({"action":"C","xid":901})",
      R"({"action":"C","nextlsn":"x"})",
  };
  for (const std::string& json : inside) {
    EXPECT_EQ(CodeOf(json), Code::kCorruption) << json;
    EXPECT_FALSE(decoder_.idle()) << json;
  }
  // Only the one Begin reached the handler.
  EXPECT_EQ(recorder_.Kinds(), "B");
}

TEST_F(Wal2JsonDecoderTest, MessagesOutOfTransactionOrderAreCorruption) {
  // Outside a transaction.
  for (std::string_view json : {
           R"({"action":"I","schema":"s","table":"t","columns":[]})",
           R"({"action":"U","schema":"s","table":"t","columns":[]})",
           R"({"action":"D","schema":"s","table":"t","identity":[]})",
           R"({"action":"T","schema":"s","table":"t"})",
           R"({"action":"M","transactional":true,"prefix":"p","content":"c"})",
           R"({"action":"C","xid":1,"lsn":"0/1","nextlsn":"0/2"})",
       }) {
    EXPECT_EQ(CodeOf(json), Code::kCorruption) << json;
  }
  EXPECT_TRUE(recorder_.entries.empty());
  // Inside one.
  Begin(900);
  EXPECT_EQ(CodeOf(R"({"action":"B","xid":901,"timestamp":"2026-01-01 00:00:00+00","lsn":"0/1"})"),
            Code::kCorruption);
  EXPECT_EQ(CodeOf(R"({"action":"M","xid":null,"transactional":false,"prefix":"p","content":"c"})"),
            Code::kCorruption);
  EXPECT_EQ(recorder_.Kinds(), "B");
  EXPECT_EQ(CodeOf(R"({"action":"C","xid":900})"), Code::kOk);
  EXPECT_TRUE(decoder_.idle());
}

}  // namespace
}  // namespace walcast::wal_reader
