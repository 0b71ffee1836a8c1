#include "wal_reader/wal2json_decoder.h"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <charconv>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/event.h"
#include "pg/calendar.h"
#include "pg/type_oids.h"

// Protocol reference: wal2json 2.x README and wal2json.c (format-version 2),
// checked against captures from postgresql-15-wal2json 2.5 (see
// tests/data/wal_reader/README.md). One JSON object per XLogData frame:
//
//   {"action":"B","xid":733,"timestamp":"2026-11-23 16:18:08.7477+00",
//    "lsn":"0/1517E60","nextlsn":"0/1517E90"}
//   {"action":"I"|"U"|"D","xid":..,"timestamp":..,"lsn":..,"schema":..,"table":..,
//    "columns":[{"name":..,"type":..,"typeoid":..,"value":..}],   (I, U)
//    "identity":[{"name":..,"type":..,"typeoid":..,"value":..}],  (U, D)
//    "pk":[{"name":..,"type":..,"typeoid":..}]}
//   {"action":"T",..,"schema":..,"table":..}                       (one per table)
//   {"action":"M","xid":N|null,..,"transactional":bool,"prefix":..,"content":..}
//   {"action":"C","xid":..,"timestamp":..,"lsn":"<commit>","nextlsn":"<end>"}
//
// LSNs: "lsn" of B and C is the commit record's LSN (txn->final_lsn), and
// "nextlsn" is its end (txn->end_lsn). The walsender writes the C frame at
// txn->end_lsn, so the C frame's wal_start equals "nextlsn"; that is the
// acknowledgement key. Changes are written at change->lsn, which is also
// their "lsn" field.

namespace walcast::wal_reader {
namespace {

constexpr size_t kNoNode = std::numeric_limits<size_t>::max();

// ---------------------------------------------------------------------------
// JSON: a flat tree built from RapidJSON's SAX events.
//
// RapidJSON's DOM would turn numbers into doubles (losing numeric digits) or,
// with kParseNumbersAsStringsFlag, into strings indistinguishable from JSON
// strings. This tree keeps numbers as their raw text and tagged as numbers.
// Parsing is in situ over a buffer reused between messages, so string and
// number text point into that buffer without copies, and iterative, so
// deeply nested input cannot exhaust the stack.

enum class JsonKind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

std::string_view KindName(JsonKind kind) {
  switch (kind) {
    case JsonKind::kNull:
      return "null";
    case JsonKind::kBool:
      return "a boolean";
    case JsonKind::kNumber:
      return "a number";
    case JsonKind::kString:
      return "a string";
    case JsonKind::kArray:
      return "an array";
    case JsonKind::kObject:
      return "an object";
  }
  return "?";
}

struct JsonNode {
  JsonKind kind = JsonKind::kNull;
  bool boolean = false;
  std::string_view key;   // member name when the parent is an object
  std::string_view text;  // raw number text, or the decoded string
  size_t first_child = kNoNode;
  size_t next_sibling = kNoNode;
};

class JsonTree {
 public:
  // Parses one message. kCorruption names the byte offset of the error.
  Status Parse(std::span<const std::byte> message) {
    buffer_.assign(reinterpret_cast<const char*>(message.data()), message.size());
    // The in-situ stream ends at the first NUL, which would hide whatever
    // follows it; wal2json never emits one.
    if (size_t nul = buffer_.find('\0'); nul != std::string::npos) {
      return Status::Corruption("wal2json message: NUL byte at offset " + std::to_string(nul));
    }
    nodes_.clear();
    open_.clear();
    copies_.clear();
    pending_key_ = {};
    rapidjson::InsituStringStream stream(buffer_.data());
    constexpr unsigned kFlags = rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag |
                                rapidjson::kParseNumbersAsStringsFlag;
    const rapidjson::ParseResult result = reader_.Parse<kFlags>(stream, *this);
    if (result.IsError()) {
      return Status::Corruption("wal2json message: malformed JSON at byte offset " +
                                std::to_string(result.Offset()) + ": " +
                                rapidjson::GetParseError_En(result.Code()));
    }
    return Status::Ok();
  }

  const JsonNode& root() const { return nodes_.front(); }
  const JsonNode* first_child(const JsonNode& node) const { return At(node.first_child); }
  const JsonNode* next_sibling(const JsonNode& node) const { return At(node.next_sibling); }
  // The first member named `key` of `object`, or nullptr.
  const JsonNode* Find(const JsonNode& object, std::string_view key) const {
    for (const JsonNode* n = first_child(object); n != nullptr; n = next_sibling(*n)) {
      if (n->key == key) return n;
    }
    return nullptr;
  }

  // RapidJSON SAX handler interface (reader.h, "Handler concept").
  bool Null() { return Add(JsonNode{}, false); }
  bool Bool(bool b) {
    JsonNode node;
    node.kind = JsonKind::kBool;
    node.boolean = b;
    return Add(node, false);
  }
  // kParseNumbersAsStringsFlag routes every number through RawNumber.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* str, rapidjson::SizeType length, bool copy) {
    JsonNode node;
    node.kind = JsonKind::kNumber;
    node.text = Keep(str, length, copy);
    return Add(node, false);
  }
  bool String(const char* str, rapidjson::SizeType length, bool copy) {
    JsonNode node;
    node.kind = JsonKind::kString;
    node.text = Keep(str, length, copy);
    return Add(node, false);
  }
  bool StartObject() {
    JsonNode node;
    node.kind = JsonKind::kObject;
    return Add(node, true);
  }
  bool Key(const char* str, rapidjson::SizeType length, bool copy) {
    pending_key_ = Keep(str, length, copy);
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    open_.pop_back();
    return true;
  }
  bool StartArray() {
    JsonNode node;
    node.kind = JsonKind::kArray;
    return Add(node, true);
  }
  bool EndArray(rapidjson::SizeType) {
    open_.pop_back();
    return true;
  }

 private:
  struct Open {
    size_t index;
    size_t last_child;
  };

  const JsonNode* At(size_t index) const { return index == kNoNode ? nullptr : &nodes_[index]; }

  // In-situ parsing hands out pointers into buffer_ (copy == false); text
  // RapidJSON asks us to copy lives in copies_, whose elements never move.
  std::string_view Keep(const char* str, rapidjson::SizeType length, bool copy) {
    if (!copy) return {str, length};
    return copies_.emplace_back(str, length);
  }

  bool Add(JsonNode node, bool container) {
    const size_t index = nodes_.size();
    node.key = pending_key_;
    pending_key_ = {};
    nodes_.push_back(node);
    if (!open_.empty()) {
      Open& parent = open_.back();
      if (parent.last_child == kNoNode) {
        nodes_[parent.index].first_child = index;
      } else {
        nodes_[parent.last_child].next_sibling = index;
      }
      parent.last_child = index;
    }
    if (container) open_.push_back(Open{index, kNoNode});
    return true;
  }

  rapidjson::Reader reader_;
  std::string buffer_;
  std::vector<JsonNode> nodes_;
  std::vector<Open> open_;
  std::string_view pending_key_;
  std::deque<std::string> copies_;
};

// ---------------------------------------------------------------------------
// Field access with errors that name the message kind and the field.

class MessageView {
 public:
  MessageView(const JsonTree& tree, const JsonNode& object, char action)
      : tree_(tree), object_(object), action_(action) {}

  Status Error(std::string_view what) const {
    return Status::Corruption("wal2json '" + std::string(1, action_) +
                              "' message: " + std::string(what));
  }

  const JsonNode* Find(std::string_view key) const { return tree_.Find(object_, key); }

  // The member `key` of kind `kind`; kCorruption when absent or of another kind.
  Result<const JsonNode*> Require(std::string_view key, JsonKind kind) const {
    const JsonNode* node = Find(key);
    if (node == nullptr) return Error("missing \"" + std::string(key) + "\"");
    if (node->kind != kind) return WrongKind(key, *node, kind);
    return node;
  }

  // Like Require, but absent or null yields nullptr.
  Result<const JsonNode*> Optional(std::string_view key, JsonKind kind) const {
    const JsonNode* node = Find(key);
    if (node == nullptr || node->kind == JsonKind::kNull)
      return static_cast<const JsonNode*>(nullptr);
    if (node->kind != kind) return WrongKind(key, *node, kind);
    return node;
  }

  Status WrongKind(std::string_view key, const JsonNode& node, JsonKind expected) const {
    return Error("\"" + std::string(key) + "\" is " + std::string(KindName(node.kind)) +
                 ", expected " + std::string(KindName(expected)));
  }

  Result<std::string_view> String(std::string_view key) const {
    WALCAST_ASSIGN_OR_RETURN(const JsonNode* node, Require(key, JsonKind::kString));
    return node->text;
  }

  Result<bool> Bool(std::string_view key) const {
    WALCAST_ASSIGN_OR_RETURN(const JsonNode* node, Require(key, JsonKind::kBool));
    return node->boolean;
  }

  Result<uint32_t> Uint32(std::string_view key, const JsonNode& node) const {
    uint32_t value = 0;
    const char* begin = node.text.data();
    const char* end = begin + node.text.size();
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr != end) {
      return Error("\"" + std::string(key) +
                   "\" is not a 32-bit unsigned integer: " + std::string(node.text));
    }
    return value;
  }

  // A present, non-null "xid" (nullopt when absent or null).
  Result<std::optional<uint32_t>> OptionalXid() const {
    WALCAST_ASSIGN_OR_RETURN(const JsonNode* node, Optional("xid", JsonKind::kNumber));
    if (node == nullptr) return std::optional<uint32_t>();
    WALCAST_ASSIGN_OR_RETURN(uint32_t xid, Uint32("xid", *node));
    return std::optional<uint32_t>(xid);
  }

  Result<Lsn> LsnOf(std::string_view key, const JsonNode& node) const {
    std::optional<Lsn> lsn = Lsn::Parse(node.text);
    if (!lsn) return Error("\"" + std::string(key) + "\" is not an LSN: " + std::string(node.text));
    return *lsn;
  }

  Result<std::optional<Lsn>> OptionalLsn(std::string_view key) const {
    WALCAST_ASSIGN_OR_RETURN(const JsonNode* node, Optional(key, JsonKind::kString));
    if (node == nullptr) return std::optional<Lsn>();
    WALCAST_ASSIGN_OR_RETURN(Lsn lsn, LsnOf(key, *node));
    return std::optional<Lsn>(lsn);
  }

 private:
  const JsonTree& tree_;
  const JsonNode& object_;
  char action_;
};

// ---------------------------------------------------------------------------
// Timestamps.

// Parses timestamptz_to_str() output, which is always ISO style whatever the
// DateStyle: "YYYY-MM-DD HH:MM:SS[.ffffff]{+|-}HH[:MM[:SS]][ BC]", the offset
// being the decoding session's TimeZone. Returns microseconds since the Unix
// epoch, or nullopt for anything else (including "infinity").
std::optional<int64_t> ParseCommitTimestamp(std::string_view text) {
  size_t pos = 0;
  auto number = [&](size_t min_digits, size_t max_digits, int64_t* out) {
    size_t n = 0;
    int64_t value = 0;
    while (pos < text.size() && n < max_digits && text[pos] >= '0' && text[pos] <= '9') {
      value = value * 10 + (text[pos] - '0');
      ++pos;
      ++n;
    }
    *out = value;
    return n >= min_digits;
  };
  auto literal = [&](char c) {
    if (pos >= text.size() || text[pos] != c) return false;
    ++pos;
    return true;
  };
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!number(4, 6, &year) || !literal('-') || !number(2, 2, &month) || !literal('-') ||
      !number(2, 2, &day) || !literal(' ') || !number(2, 2, &hour) || !literal(':') ||
      !number(2, 2, &minute) || !literal(':') || !number(2, 2, &second)) {
    return std::nullopt;
  }
  int64_t fraction_us = 0;
  if (literal('.')) {
    const size_t start = pos;
    if (!number(1, 6, &fraction_us)) return std::nullopt;
    for (size_t digits = pos - start; digits < 6; ++digits) fraction_us *= 10;
  }
  int64_t sign = 0;
  if (literal('+')) {
    sign = 1;
  } else if (literal('-')) {
    sign = -1;
  } else {
    return std::nullopt;
  }
  int64_t offset_h = 0, offset_m = 0, offset_s = 0;
  if (!number(2, 2, &offset_h)) return std::nullopt;
  if (literal(':')) {
    if (!number(2, 2, &offset_m)) return std::nullopt;
    if (literal(':') && !number(2, 2, &offset_s)) return std::nullopt;
  }
  const bool bc = text.substr(pos) == " BC";
  if (bc) pos = text.size();
  if (pos != text.size()) return std::nullopt;
  // A commit time is "now": bounding the year keeps the arithmetic below far
  // from overflow.
  if (year < 1 || year > 100000 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 ||
      minute > 59 || second > 60 || offset_m > 59 || offset_s > 59) {
    return std::nullopt;
  }
  // PostgreSQL prints year N BC as "N BC"; astronomically that is 1 - N.
  if (bc) year = 1 - year;
  const int64_t days =
      pg::DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const int64_t offset = sign * (offset_h * 3600 + offset_m * 60 + offset_s);
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset;
  return seconds * 1000000 + fraction_us;
}

// ---------------------------------------------------------------------------
// Types.

// atttypmod from format_type_with_typemod() output ("include-typmod" is on by
// default), for the types whose typmod decides their meaning; -1 otherwise.
// Encodings from PostgreSQL's *typmodin functions.
int32_t TypeModifierFromName(std::string_view type) {
  while (type.ends_with("[]")) type.remove_suffix(2);  // attypmod applies to the element
  auto args = [&](std::string_view prefix, int32_t* a, std::optional<int32_t>* b) {
    if (!type.starts_with(prefix)) return false;
    std::string_view rest = type.substr(prefix.size());
    const size_t close = rest.find(')');
    if (close == std::string_view::npos) return false;
    std::string_view inside = rest.substr(0, close);
    const size_t comma = inside.find(',');
    std::string_view first = inside.substr(0, comma);
    auto [p1, e1] = std::from_chars(first.data(), first.data() + first.size(), *a);
    if (e1 != std::errc() || p1 != first.data() + first.size()) return false;
    if (comma != std::string_view::npos) {
      std::string_view second = inside.substr(comma + 1);
      int32_t value = 0;
      auto [p2, e2] = std::from_chars(second.data(), second.data() + second.size(), value);
      if (e2 != std::errc() || p2 != second.data() + second.size()) return false;
      *b = value;
    }
    return true;
  };
  constexpr int32_t kVarHdrSz = 4;
  int32_t a = 0;
  std::optional<int32_t> b;
  if (args("character varying(", &a, &b) || args("character(", &a, &b)) return a + kVarHdrSz;
  if (args("numeric(", &a, &b)) return ((a << 16) | (b.value_or(0) & 0x7ff)) + kVarHdrSz;
  if (args("bit varying(", &a, &b) || args("bit(", &a, &b)) return a;
  if (args("timestamp(", &a, &b) || args("time(", &a, &b)) return a;
  if (args("interval(", &a, &b)) return (0x7fff << 16) | (a & 0xffff);  // INTERVAL_FULL_RANGE
  return -1;
}

// One entry of a "columns", "identity" or "pk" array.
struct MessageColumn {
  std::string_view name;
  std::string_view type_name;  // empty without "type"
  uint32_t type_oid = 0;       // 0 without "typeoid"
  const JsonNode* value = nullptr;
};

// A column of the relation a message implies, before it is built.
struct WantedColumn {
  std::string_view name;
  std::string_view type_name;
  uint32_t type_oid = 0;
  bool is_key = false;
};

// PostgreSQL text output for a wal2json value (pg_decode_write_value): bool
// is printed as JSON true/false, the numeric types as bare numbers (their
// output text verbatim), bytea without its "\x" prefix, everything else as a
// JSON string holding the output text.
Result<Datum> ToDatum(const MessageView& view, const MessageColumn& column, uint32_t type_oid,
                      std::string_view type_name) {
  const JsonNode& value = *column.value;
  switch (value.kind) {
    case JsonKind::kNull:
      // NaN and ±Infinity of float4/float8/numeric also arrive as null.
      return Datum::Null();
    case JsonKind::kBool:
      return Datum::Text(value.boolean ? "t" : "f");
    case JsonKind::kNumber:
      return Datum::Text(std::string(value.text));
    case JsonKind::kString:
      if (type_oid == pg::oid::kBytea || (type_oid == 0 && type_name == "bytea")) {
        std::string text = "\\x";
        text.append(value.text);
        return Datum::Text(std::move(text));
      }
      return Datum::Text(std::string(value.text));
    case JsonKind::kArray:
    case JsonKind::kObject:
      break;
  }
  return view.Error("value of column \"" + std::string(column.name) + "\" is " +
                    std::string(KindName(value.kind)));
}

// FNV-1a over "schema\0table": the same table gets the same synthetic OID in
// every run, barring a collision between two tables (see AllocateOid).
uint32_t HashTableName(std::string_view key) {
  uint32_t hash = 2166136261u;
  for (char c : key) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 16777619u;
  }
  return hash;
}

}  // namespace

// ---------------------------------------------------------------------------

struct Wal2JsonDecoder::Impl {
  // What the decoder knows about one schema.table.
  struct Table {
    uint32_t oid = 0;
    std::string schema;
    std::string name;
    std::shared_ptr<const Relation> relation;  // null until a message built it
    std::vector<std::string> type_names;       // "type" per relation column, for change checks
    // Relation column index by name; keys view relation->columns[i].name.
    std::unordered_map<std::string_view, size_t> index;
  };

  Impl(RelationCache* cache, EventHandler* handler) : cache(cache), handler(handler) {}

  Status Decode(Lsn wal_start, std::span<const std::byte> message);
  Status DecodeBegin(const MessageView& view);
  Status DecodeCommit(const MessageView& view, Lsn wal_start);
  Status DecodeRow(const MessageView& view, char action, Lsn wal_start);
  Status DecodeTruncate(const MessageView& view, Lsn wal_start);
  Status DecodeMessage(const MessageView& view, Lsn wal_start);

  Status CheckInTransaction(const MessageView& view) const;
  Result<Table*> FindTable(const MessageView& view);
  uint32_t AllocateOid(const std::string& key);
  Status ParseColumns(const MessageView& view, const JsonNode& array, std::string_view field,
                      bool with_values, std::vector<MessageColumn>* out) const;
  bool UpdateRelation(Table* table, char action);
  void Merge(const std::vector<MessageColumn>& reference, bool (*keep)(const WantedColumn&),
             const Table& table);
  void Replace(Table* table, ReplicaIdentity ri);

  RelationCache* cache;
  EventHandler* handler;
  JsonTree tree;
  std::optional<TransactionInfo> txn;             // the open transaction, between B and C
  std::unordered_map<std::string, Table> tables;  // by "schema\0table"
  std::unordered_map<uint32_t, std::string> oid_owners;

  // Scratch for the message being decoded, kept to reuse their storage. The
  // string_views point into `tree` and are dead once the message is done.
  std::vector<MessageColumn> columns;
  std::vector<MessageColumn> identity;
  std::vector<MessageColumn> pk;
  std::vector<MessageColumn> known;
  bool has_identity = false;
  bool has_pk = false;
  std::vector<WantedColumn> wanted;
  std::unordered_map<std::string_view, size_t> wanted_index;
  std::unordered_set<std::string_view> names;
};

Status Wal2JsonDecoder::Impl::Decode(Lsn wal_start, std::span<const std::byte> message) {
  WALCAST_RETURN_IF_ERROR(tree.Parse(message));
  const JsonNode& root = tree.root();
  if (root.kind != JsonKind::kObject) {
    return Status::Corruption("wal2json message: top level is " + std::string(KindName(root.kind)) +
                              ", expected an object");
  }
  const JsonNode* action = tree.Find(root, "action");
  if (action == nullptr) return Status::Corruption("wal2json message: missing \"action\"");
  if (action->kind != JsonKind::kString || action->text.size() != 1) {
    return Status::Corruption("wal2json message: \"action\" is not a one-letter string");
  }
  const char kind = action->text[0];
  const MessageView view(tree, root, kind);
  switch (kind) {
    case 'B':
      return DecodeBegin(view);
    case 'C':
      return DecodeCommit(view, wal_start);
    case 'I':
    case 'U':
    case 'D':
      return DecodeRow(view, kind, wal_start);
    case 'T':
      return DecodeTruncate(view, wal_start);
    case 'M':
      return DecodeMessage(view, wal_start);
    default:
      return view.Error("unknown action");
  }
}

Status Wal2JsonDecoder::Impl::DecodeBegin(const MessageView& view) {
  if (txn) return view.Error("begin while transaction " + std::to_string(txn->xid) + " is open");
  WALCAST_ASSIGN_OR_RETURN(const JsonNode* xid_node, view.Require("xid", JsonKind::kNumber));
  WALCAST_ASSIGN_OR_RETURN(const uint32_t xid, view.Uint32("xid", *xid_node));
  // "lsn" is txn->final_lsn, the commit record's LSN, known at begin like
  // pgoutput's Begin message.
  WALCAST_ASSIGN_OR_RETURN(const JsonNode* lsn_node, view.Require("lsn", JsonKind::kString));
  WALCAST_ASSIGN_OR_RETURN(const Lsn commit_lsn, view.LsnOf("lsn", *lsn_node));
  WALCAST_ASSIGN_OR_RETURN(const std::string_view timestamp, view.String("timestamp"));
  const std::optional<int64_t> commit_time_us = ParseCommitTimestamp(timestamp);
  if (!commit_time_us) return view.Error("bad \"timestamp\": " + std::string(timestamp));
  TransactionInfo info;
  info.xid = xid;
  info.commit_lsn = commit_lsn;
  info.commit_time_us = *commit_time_us;
  txn = info;
  return handler->OnBegin(*txn);
}

Status Wal2JsonDecoder::Impl::DecodeCommit(const MessageView& view, Lsn wal_start) {
  if (!txn) return view.Error("commit without a transaction");
  WALCAST_ASSIGN_OR_RETURN(const std::optional<uint32_t> xid, view.OptionalXid());
  if (xid && *xid != txn->xid) {
    return view.Error("commit of xid " + std::to_string(*xid) + " while transaction " +
                      std::to_string(txn->xid) + " is open");
  }
  WALCAST_ASSIGN_OR_RETURN(const std::optional<Lsn> commit_lsn, view.OptionalLsn("lsn"));
  WALCAST_ASSIGN_OR_RETURN(const std::optional<Lsn> next_lsn, view.OptionalLsn("nextlsn"));
  // The walsender writes the commit at txn->end_lsn, the value "nextlsn"
  // also prints; wal_start is authoritative, "nextlsn" covers a caller
  // without frame positions.
  const Lsn end_lsn = wal_start.valid() ? wal_start : next_lsn.value_or(Lsn());
  if (!end_lsn.valid()) return view.Error("no end LSN (frame start 0 and no \"nextlsn\")");
  TransactionInfo done = *txn;
  txn.reset();
  if (!done.commit_lsn.valid() && commit_lsn) done.commit_lsn = *commit_lsn;
  done.end_lsn = end_lsn;
  return handler->OnCommit(done);
}

Status Wal2JsonDecoder::Impl::CheckInTransaction(const MessageView& view) const {
  if (!txn) return view.Error("change outside a transaction");
  WALCAST_ASSIGN_OR_RETURN(const std::optional<uint32_t> xid, view.OptionalXid());
  if (xid && *xid != txn->xid) {
    return view.Error("xid " + std::to_string(*xid) + " inside transaction " +
                      std::to_string(txn->xid));
  }
  return Status::Ok();
}

uint32_t Wal2JsonDecoder::Impl::AllocateOid(const std::string& key) {
  uint32_t oid = HashTableName(key);
  // OID 0 means "none"; on a collision probe upwards, so the later table's
  // OID depends on which of the two appeared first.
  while (oid == 0 || oid_owners.contains(oid)) ++oid;
  oid_owners.emplace(oid, key);
  return oid;
}

Result<Wal2JsonDecoder::Impl::Table*> Wal2JsonDecoder::Impl::FindTable(const MessageView& view) {
  WALCAST_ASSIGN_OR_RETURN(const std::string_view schema, view.String("schema"));
  WALCAST_ASSIGN_OR_RETURN(const std::string_view name, view.String("table"));
  std::string key;
  key.reserve(schema.size() + 1 + name.size());
  key.append(schema).push_back('\0');
  key.append(name);
  auto it = tables.find(key);
  if (it == tables.end()) {
    Table table;
    table.oid = AllocateOid(key);
    table.schema = std::string(schema);
    table.name = std::string(name);
    it = tables.emplace(std::move(key), std::move(table)).first;
  }
  return &it->second;
}

Status Wal2JsonDecoder::Impl::ParseColumns(const MessageView& view, const JsonNode& array,
                                           std::string_view field, bool with_values,
                                           std::vector<MessageColumn>* out) const {
  out->clear();
  const std::string where = "\"" + std::string(field) + "\" ";
  for (const JsonNode* item = tree.first_child(array); item != nullptr;
       item = tree.next_sibling(*item)) {
    if (item->kind != JsonKind::kObject) {
      return view.Error(where + "entry is " + std::string(KindName(item->kind)));
    }
    MessageColumn column;
    const JsonNode* name = tree.Find(*item, "name");
    if (name == nullptr || name->kind != JsonKind::kString) {
      return view.Error(where + "entry without a string \"name\"");
    }
    column.name = name->text;
    if (const JsonNode* type = tree.Find(*item, "type"); type != nullptr) {
      if (type->kind != JsonKind::kString) {
        return view.Error(where + "entry with a non-string \"type\"");
      }
      column.type_name = type->text;
    }
    if (const JsonNode* oid = tree.Find(*item, "typeoid"); oid != nullptr) {
      if (oid->kind != JsonKind::kNumber) {
        return view.Error(where + "entry with a non-number \"typeoid\"");
      }
      WALCAST_ASSIGN_OR_RETURN(column.type_oid, view.Uint32("typeoid", *oid));
    }
    if (with_values) {
      column.value = tree.Find(*item, "value");
      if (column.value == nullptr) {
        return view.Error(where + "column \"" + std::string(column.name) + "\" has no \"value\"");
      }
    }
    out->push_back(column);
  }
  return Status::Ok();
}

// Builds a relation from `wanted` and stores it in the cache.
void Wal2JsonDecoder::Impl::Replace(Table* table, ReplicaIdentity ri) {
  Relation relation;
  relation.oid = table->oid;
  relation.schema = table->schema;
  relation.name = table->name;
  relation.replica_identity = ri;
  std::vector<std::string> type_names;
  relation.columns.reserve(wanted.size());
  type_names.reserve(wanted.size());
  for (const WantedColumn& w : wanted) {
    Column column;
    column.name = std::string(w.name);
    column.type_oid = w.type_oid;
    column.type_modifier = TypeModifierFromName(w.type_name);
    column.is_key = w.is_key;
    relation.columns.push_back(std::move(column));
    type_names.emplace_back(w.type_name);
  }
  // `wanted` may view the old relation's strings: copy them all first.
  table->relation = cache->Put(std::move(relation));
  table->type_names = std::move(type_names);
  table->index.clear();
  for (size_t i = 0; i < table->relation->columns.size(); ++i) {
    table->index.emplace(table->relation->columns[i].name, i);
  }
}

// Inserts the entries of `reference` that `wanted` lacks and `keep` accepts,
// each right after the nearest earlier reference column already in `wanted`,
// so the reference order survives around the columns the message named.
void Wal2JsonDecoder::Impl::Merge(const std::vector<MessageColumn>& reference,
                                  bool (*keep)(const WantedColumn&), const Table& table) {
  for (size_t j = 0; j < reference.size(); ++j) {
    const MessageColumn& r = reference[j];
    if (wanted_index.contains(r.name)) continue;
    WantedColumn w{r.name, r.type_name, r.type_oid, false};
    if (auto it = table.index.find(r.name); it != table.index.end()) {
      w.is_key = table.relation->columns[it->second].is_key;
    }
    if (!keep(w)) continue;
    size_t pos = 0;
    for (size_t k = j; k-- > 0;) {
      if (auto it = wanted_index.find(reference[k].name); it != wanted_index.end()) {
        pos = it->second + 1;
        break;
      }
    }
    wanted.insert(wanted.begin() + static_cast<std::ptrdiff_t>(pos), w);
    wanted_index.clear();
    for (size_t i = 0; i < wanted.size(); ++i) wanted_index.emplace(wanted[i].name, i);
  }
}

// Works out the relation a row message implies and, when it differs from the
// known one, stores a new one in the cache (events already decoded keep the
// old one). wal2json sends no Relation messages, so the shape comes from the
// rows: an INSERT lists every column; an UPDATE omits unchanged TOASTed ones;
// a DELETE lists only the replica identity, which under REPLICA IDENTITY
// FULL is the whole old row. Returns whether `identity` is a whole old row.
bool Wal2JsonDecoder::Impl::UpdateRelation(Table* table, char action) {
  const Relation* current = table->relation.get();
  const bool has_columns = current != nullptr && !current->columns.empty();

  auto in_pk = [&](std::string_view name) {
    for (const MessageColumn& p : pk) {
      if (p.name == name) return true;
    }
    return false;
  };
  // is_key follows "pk" when the message has one, else what we knew.
  auto key_flag = [&](std::string_view name) {
    if (has_pk) return in_pk(name);
    auto it = table->index.find(name);
    return it != table->index.end() && current->columns[it->second].is_key;
  };

  // Replica identity: identity == pk means DEFAULT; identity holding every
  // column means FULL (wal2json prints the whole old row then); anything
  // else is USING INDEX. A table whose every column is in the primary key
  // looks like DEFAULT either way.
  ReplicaIdentity ri = current != nullptr ? current->replica_identity : ReplicaIdentity::kDefault;
  bool identity_full = false;
  if (has_identity && !identity.empty()) {
    names.clear();
    for (const MessageColumn& c : identity) names.insert(c.name);
    bool pk_in_identity = true;
    for (const MessageColumn& p : pk) pk_in_identity = pk_in_identity && names.contains(p.name);
    const bool equals_pk = !pk.empty() && pk.size() == identity.size() && pk_in_identity;
    if (!equals_pk && pk_in_identity) {
      identity_full = true;
      if (action == 'U') {
        for (const MessageColumn& c : columns)
          identity_full = identity_full && names.contains(c.name);
      } else if (has_columns && current->replica_identity != ReplicaIdentity::kFull) {
        for (const Column& c : current->columns) {
          identity_full = identity_full && names.contains(c.name);
        }
      }
    }
    if (identity_full) {
      ri = ReplicaIdentity::kFull;
    } else if (equals_pk || !has_pk) {
      ri = ReplicaIdentity::kDefault;
    } else {
      ri = ReplicaIdentity::kIndex;
    }
  }

  wanted.clear();
  wanted_index.clear();
  if (action == 'I' || action == 'U') {
    for (const MessageColumn& c : columns) {
      wanted.push_back(WantedColumn{c.name, c.type_name, c.type_oid, key_flag(c.name)});
      wanted_index.emplace(c.name, wanted.size() - 1);
    }
  } else if (current != nullptr) {
    for (size_t i = 0; i < current->columns.size(); ++i) {
      const Column& c = current->columns[i];
      wanted.push_back(WantedColumn{c.name, table->type_names[i], c.type_oid, key_flag(c.name)});
      wanted_index.emplace(wanted.back().name, i);
    }
  }
  if (action == 'U' || action == 'D') {
    // Identity columns exist for certain (under FULL they are the whole row).
    Merge(
        identity, [](const WantedColumn&) { return true; }, *table);
    if (has_pk) {
      for (WantedColumn& w : wanted) w.is_key = in_pk(w.name);
    }
  }
  if (action == 'U' && has_columns && !identity_full) {
    // A known column an UPDATE leaves out is an unchanged TOAST value, unless
    // its type cannot be TOASTed: then the column was dropped.
    known.clear();
    for (size_t i = 0; i < current->columns.size(); ++i) {
      known.push_back(MessageColumn{current->columns[i].name, table->type_names[i],
                                    current->columns[i].type_oid, nullptr});
    }
    Merge(
        known, [](const WantedColumn& w) { return !pg::IsFixedLengthType(w.type_oid); }, *table);
  }

  // Unchanged shape: keep the cached relation, which earlier events share.
  bool same = current != nullptr && ri == current->replica_identity &&
              wanted.size() == current->columns.size();
  for (size_t i = 0; same && i < wanted.size(); ++i) {
    const Column& c = current->columns[i];
    same = wanted[i].name == c.name && wanted[i].type_oid == c.type_oid &&
           wanted[i].type_name == table->type_names[i] && wanted[i].is_key == c.is_key;
  }
  if (!same) Replace(table, ri);
  wanted.clear();
  wanted_index.clear();
  return identity_full;
}

Status Wal2JsonDecoder::Impl::DecodeRow(const MessageView& view, char action, Lsn wal_start) {
  WALCAST_RETURN_IF_ERROR(CheckInTransaction(view));
  WALCAST_ASSIGN_OR_RETURN(Table* const table, FindTable(view));

  WALCAST_ASSIGN_OR_RETURN(const JsonNode* columns_node,
                           view.Optional("columns", JsonKind::kArray));
  WALCAST_ASSIGN_OR_RETURN(const JsonNode* identity_node,
                           view.Optional("identity", JsonKind::kArray));
  WALCAST_ASSIGN_OR_RETURN(const JsonNode* pk_node, view.Optional("pk", JsonKind::kArray));
  if (action != 'D' && columns_node == nullptr) return view.Error("missing \"columns\"");
  // wal2json skips a DELETE it has no old key for, so one always has this.
  if (action == 'D' && identity_node == nullptr) return view.Error("missing \"identity\"");
  has_identity = identity_node != nullptr;
  has_pk = pk_node != nullptr;
  columns.clear();
  identity.clear();
  pk.clear();
  if (action != 'D') {
    WALCAST_RETURN_IF_ERROR(ParseColumns(view, *columns_node, "columns", true, &columns));
  }
  if (has_identity) {
    WALCAST_RETURN_IF_ERROR(ParseColumns(view, *identity_node, "identity", true, &identity));
  }
  if (has_pk) WALCAST_RETURN_IF_ERROR(ParseColumns(view, *pk_node, "pk", false, &pk));
  for (const std::vector<MessageColumn>* list : {&columns, &identity}) {
    names.clear();
    for (const MessageColumn& c : *list) {
      if (!names.insert(c.name).second) {
        return view.Error("column \"" + std::string(c.name) + "\" listed twice");
      }
    }
  }

  ChangeEvent event;
  event.op = action == 'I' ? Op::kCreate : action == 'U' ? Op::kUpdate : Op::kDelete;
  event.lsn = wal_start;
  Tuple new_values;
  new_values.reserve(columns.size());
  for (const MessageColumn& c : columns) {
    WALCAST_ASSIGN_OR_RETURN(Datum d, ToDatum(view, c, c.type_oid, c.type_name));
    new_values.push_back(std::move(d));
  }
  Tuple old_values;
  old_values.reserve(identity.size());
  for (const MessageColumn& c : identity) {
    WALCAST_ASSIGN_OR_RETURN(Datum d, ToDatum(view, c, c.type_oid, c.type_name));
    old_values.push_back(std::move(d));
  }

  const bool identity_full = UpdateRelation(table, action);
  event.relation = table->relation;
  const size_t width = event.relation->columns.size();
  // Every column a message names is in the relation UpdateRelation built.
  auto position = [&](size_t i, const MessageColumn& c) {
    if (i < width && event.relation->columns[i].name == c.name) return i;
    auto it = table->index.find(c.name);
    WALCAST_CHECK(it != table->index.end());
    return it->second;
  };

  if (action != 'D') {
    Tuple after(width, action == 'U' ? Datum::UnchangedToast() : Datum::Null());
    for (size_t i = 0; i < columns.size(); ++i) {
      after[position(i, columns[i])] = std::move(new_values[i]);
    }
    event.after = std::move(after);
  }

  if (!identity.empty()) {
    Tuple before(width, Datum::Null());
    bool key_unchanged = action == 'U' && !identity_full;
    for (size_t i = 0; i < identity.size(); ++i) {
      const size_t at = position(i, identity[i]);
      key_unchanged = key_unchanged && (*event.after)[at] == old_values[i];
      before[at] = std::move(old_values[i]);
    }
    // Without FULL, wal2json prints the identity of an UPDATE from the new
    // row when the server logged no old key (the key did not change), and
    // pgoutput then sends no old tuple, so neither do we.
    if (!key_unchanged) {
      event.before = std::move(before);
      event.before_is_key_only = !identity_full;
    }
  } else if (action == 'D') {
    // An empty identity: a replica identity without columns.
    event.before = Tuple(width, Datum::Null());
    event.before_is_key_only = true;
  }
  return handler->OnChange(*txn, event);
}

Status Wal2JsonDecoder::Impl::DecodeTruncate(const MessageView& view, Lsn wal_start) {
  WALCAST_RETURN_IF_ERROR(CheckInTransaction(view));
  WALCAST_ASSIGN_OR_RETURN(Table* const table, FindTable(view));
  if (!table->relation) {
    // A table first seen truncated: its columns are unknown until a row
    // shows them.
    wanted.clear();
    Replace(table, ReplicaIdentity::kDefault);
  }
  ChangeEvent event;
  event.op = Op::kTruncate;
  event.lsn = wal_start;
  event.relation = table->relation;
  // wal2json does not say whether CASCADE or RESTART IDENTITY was given.
  event.truncate_options = 0;
  return handler->OnChange(*txn, event);
}

Status Wal2JsonDecoder::Impl::DecodeMessage(const MessageView& view, Lsn wal_start) {
  WALCAST_ASSIGN_OR_RETURN(const bool transactional, view.Bool("transactional"));
  WALCAST_ASSIGN_OR_RETURN(const std::string_view prefix, view.String("prefix"));
  // wal2json prints the content as a JSON string up to its first NUL byte.
  WALCAST_ASSIGN_OR_RETURN(const std::string_view content, view.String("content"));
  ChangeEvent event;
  event.op = Op::kMessage;
  event.lsn = wal_start;
  event.message_transactional = transactional;
  event.message_prefix = std::string(prefix);
  event.message_content = std::string(content);
  if (transactional) {
    WALCAST_RETURN_IF_ERROR(CheckInTransaction(view));
    return handler->OnChange(*txn, event);
  }
  // Without streaming (wal2json has none) a non-transactional message is
  // decoded while no transaction is being replayed.
  if (txn) {
    return view.Error("non-transactional message inside transaction " + std::to_string(txn->xid));
  }
  if (!event.lsn.valid()) {
    WALCAST_ASSIGN_OR_RETURN(const std::optional<Lsn> lsn, view.OptionalLsn("lsn"));
    event.lsn = lsn.value_or(Lsn());
    if (!event.lsn.valid()) return view.Error("no LSN (frame start 0 and no \"lsn\")");
  }
  // Its own transaction (core/event_handler.h): xid 0, end_lsn = lsn + 1.
  TransactionInfo info;
  info.commit_lsn = event.lsn;
  WALCAST_RETURN_IF_ERROR(handler->OnBegin(info));
  WALCAST_RETURN_IF_ERROR(handler->OnChange(info, event));
  info.end_lsn = Lsn(event.lsn.value() + 1);
  return handler->OnCommit(info);
}

// ---------------------------------------------------------------------------

Wal2JsonDecoder::Wal2JsonDecoder(RelationCache* cache, EventHandler* handler)
    : impl_(std::make_unique<Impl>(cache, handler)) {}

Wal2JsonDecoder::~Wal2JsonDecoder() = default;

Status Wal2JsonDecoder::Decode(Lsn wal_start, std::span<const std::byte> message) {
  return impl_->Decode(wal_start, message);
}

bool Wal2JsonDecoder::idle() const { return !impl_->txn.has_value(); }

}  // namespace walcast::wal_reader
