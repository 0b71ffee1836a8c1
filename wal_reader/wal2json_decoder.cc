#include "wal_reader/wal2json_decoder.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/event.h"
#include "pg/text.h"
#include "wal_reader/json_tree.h"
#include "wal_reader/wal2json_message.h"
#include "wal_reader/wal2json_relations.h"

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

using wal2json::MessageColumn;
using wal2json::MessageView;
using wal2json::Relations;
using wal2json::RowColumns;

// timestamptz_to_str() output, always ISO style whatever the DateStyle, in
// the decoding session's TimeZone. Returns microseconds since the Unix
// epoch, or nullopt for anything else (a commit time is never infinite).
std::optional<int64_t> ParseCommitTimestamp(std::string_view text) {
  const std::optional<pg::PgTimestamp> parsed = pg::ParseTimestampTz(text);
  if (!parsed || parsed->infinity != 0) return std::nullopt;
  return parsed->epoch_micros;
}

}  // namespace

struct Wal2JsonDecoder::Impl {
  Impl(RelationCache* cache, EventHandler* handler) : relations(cache), handler(handler) {}

  Status Decode(Lsn wal_start, std::span<const std::byte> message);
  Status DecodeBegin(const MessageView& view);
  Status DecodeCommit(const MessageView& view, Lsn wal_start);
  Status DecodeRow(const MessageView& view, char action, Lsn wal_start);
  Status DecodeTruncate(const MessageView& view, Lsn wal_start);
  Status DecodeMessage(const MessageView& view, Lsn wal_start);

  Status CheckInTransaction(const MessageView& view) const;
  // Fills `row` from a row message; kCorruption for missing or repeated
  // columns.
  Status ParseRow(const MessageView& view, char action);
  // Moves the converted values of `row` into the event's tuples, laid out
  // as the relation Relations::Update built.
  void FillTuples(char action, const Relations::Table& table, bool identity_full,
                  Tuple* new_values, Tuple* old_values, ChangeEvent* event) const;

  Relations relations;
  EventHandler* handler;
  JsonTree tree;
  std::optional<TransactionInfo> txn;  // the open transaction, between B and C

  // Scratch for the message being decoded, kept to reuse their storage. The
  // string_views point into `tree` and are dead once the message is done.
  RowColumns row;
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

Status Wal2JsonDecoder::Impl::ParseRow(const MessageView& view, char action) {
  WALCAST_ASSIGN_OR_RETURN(const JsonNode* columns_node,
                           view.Optional("columns", JsonKind::kArray));
  WALCAST_ASSIGN_OR_RETURN(const JsonNode* identity_node,
                           view.Optional("identity", JsonKind::kArray));
  WALCAST_ASSIGN_OR_RETURN(const JsonNode* pk_node, view.Optional("pk", JsonKind::kArray));
  if (action != 'D' && columns_node == nullptr) return view.Error("missing \"columns\"");
  // wal2json skips a DELETE it has no old key for, so one always has this.
  if (action == 'D' && identity_node == nullptr) return view.Error("missing \"identity\"");
  row.has_identity = identity_node != nullptr;
  row.has_pk = pk_node != nullptr;
  row.columns.clear();
  row.identity.clear();
  row.pk.clear();
  if (action != 'D') {
    WALCAST_RETURN_IF_ERROR(view.Columns(*columns_node, "columns", true, &row.columns));
  }
  if (row.has_identity) {
    WALCAST_RETURN_IF_ERROR(view.Columns(*identity_node, "identity", true, &row.identity));
  }
  if (row.has_pk) WALCAST_RETURN_IF_ERROR(view.Columns(*pk_node, "pk", false, &row.pk));
  for (const std::vector<MessageColumn>* list : {&row.columns, &row.identity}) {
    names.clear();
    for (const MessageColumn& c : *list) {
      if (!names.insert(c.name).second) {
        return view.Error("column \"" + std::string(c.name) + "\" listed twice");
      }
    }
  }
  return Status::Ok();
}

Status Wal2JsonDecoder::Impl::DecodeRow(const MessageView& view, char action, Lsn wal_start) {
  WALCAST_RETURN_IF_ERROR(CheckInTransaction(view));
  WALCAST_ASSIGN_OR_RETURN(Relations::Table* const table, relations.Find(view));
  WALCAST_RETURN_IF_ERROR(ParseRow(view, action));
  ChangeEvent event;
  event.op = action == 'I' ? Op::kCreate : action == 'U' ? Op::kUpdate : Op::kDelete;
  event.lsn = wal_start;
  // Values are converted before the relation changes, so a bad value leaves
  // the known relation alone.
  Tuple new_values;
  new_values.reserve(row.columns.size());
  for (const MessageColumn& c : row.columns) {
    WALCAST_ASSIGN_OR_RETURN(Datum d, ToDatum(view, c));
    new_values.push_back(std::move(d));
  }
  Tuple old_values;
  old_values.reserve(row.identity.size());
  for (const MessageColumn& c : row.identity) {
    WALCAST_ASSIGN_OR_RETURN(Datum d, ToDatum(view, c));
    old_values.push_back(std::move(d));
  }
  const bool identity_full = relations.Update(table, action, row);
  event.relation = table->relation;
  FillTuples(action, *table, identity_full, &new_values, &old_values, &event);
  return handler->OnChange(*txn, event);
}

void Wal2JsonDecoder::Impl::FillTuples(char action, const Relations::Table& table,
                                       bool identity_full, Tuple* new_values, Tuple* old_values,
                                       ChangeEvent* event) const {
  const Relation& relation = *event->relation;
  const size_t width = relation.columns.size();
  // Every column a message names is in the relation Relations::Update built.
  auto position = [&](size_t i, const MessageColumn& c) {
    if (i < width && relation.columns[i].name == c.name) return i;
    auto it = table.index.find(c.name);
    WALCAST_CHECK(it != table.index.end());
    return it->second;
  };
  if (action != 'D') {
    Tuple after(width, action == 'U' ? Datum::UnchangedToast() : Datum::Null());
    for (size_t i = 0; i < row.columns.size(); ++i) {
      after[position(i, row.columns[i])] = std::move((*new_values)[i]);
    }
    event->after = std::move(after);
  }
  if (!row.identity.empty()) {
    Tuple before(width, Datum::Null());
    bool key_unchanged = action == 'U' && !identity_full;
    for (size_t i = 0; i < row.identity.size(); ++i) {
      const size_t at = position(i, row.identity[i]);
      key_unchanged = key_unchanged && (*event->after)[at] == (*old_values)[i];
      before[at] = std::move((*old_values)[i]);
    }
    // Without FULL, wal2json prints the identity of an UPDATE from the new
    // row when the server logged no old key (the key did not change), and
    // pgoutput then sends no old tuple, so neither do we.
    if (!key_unchanged) {
      event->before = std::move(before);
      event->before_is_key_only = !identity_full;
    }
  } else if (action == 'D') {
    // An empty identity: a replica identity without columns.
    event->before = Tuple(width, Datum::Null());
    event->before_is_key_only = true;
  }
}

Status Wal2JsonDecoder::Impl::DecodeTruncate(const MessageView& view, Lsn wal_start) {
  WALCAST_RETURN_IF_ERROR(CheckInTransaction(view));
  WALCAST_ASSIGN_OR_RETURN(Relations::Table* const table, relations.Find(view));
  relations.EnsureRelation(table);
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

Wal2JsonDecoder::Wal2JsonDecoder(RelationCache* cache, EventHandler* handler)
    : impl_(std::make_unique<Impl>(cache, handler)) {}

Wal2JsonDecoder::~Wal2JsonDecoder() = default;

Status Wal2JsonDecoder::Decode(Lsn wal_start, std::span<const std::byte> message) {
  return impl_->Decode(wal_start, message);
}

bool Wal2JsonDecoder::idle() const { return !impl_->txn.has_value(); }

}  // namespace walcast::wal_reader
