#include "wal_reader/pgoutput_decoder_impl.h"

#include <string>
#include <utility>

namespace walcast::wal_reader {

Status PgOutputDecoder::Impl::DecodeBody(Lsn wal_start, std::span<const std::byte> message,
                                         bool has_xid, const TransactionInfo* current) {
  const MessageRef ref{static_cast<char>(message[0]), wal_start};
  MessageReader r(message);
  uint8_t type_byte;
  (void)r.ReadU8(&type_byte);
  if (has_xid) {
    uint32_t xid;
    if (!r.ReadU32(&xid)) return Truncated(ref, r, "xid");
  }
  switch (ref.type) {
    case 'R':
      return DecodeRelation(ref, r);
    case 'Y':
      return DecodeType(ref, r);
    case 'M':
      return DecodeMessage(ref, r, current, /*replaying=*/has_xid && current != nullptr);
    default:
      break;
  }
  if (current == nullptr) return Malformed(ref, 0, "change outside a transaction");
  if (ref.type == 'T') return DecodeTruncate(ref, r, *current);
  return DecodeChange(ref, r, *current);
}

Status PgOutputDecoder::Impl::DecodeRelation(const MessageRef& ref, MessageReader& r) {
  Relation relation;
  std::string_view schema;
  std::string_view name;
  uint8_t identity;
  int16_t column_count;
  if (!r.ReadU32(&relation.oid)) return Truncated(ref, r, "relation oid");
  if (!r.ReadString(&schema)) return Truncated(ref, r, "namespace");
  if (!r.ReadString(&name)) return Truncated(ref, r, "relation name");
  const size_t identity_offset = r.offset();
  if (!r.ReadU8(&identity)) return Truncated(ref, r, "replica identity");
  switch (identity) {
    case 'd':
      relation.replica_identity = ReplicaIdentity::kDefault;
      break;
    case 'n':
      relation.replica_identity = ReplicaIdentity::kNothing;
      break;
    case 'f':
      relation.replica_identity = ReplicaIdentity::kFull;
      break;
    case 'i':
      relation.replica_identity = ReplicaIdentity::kIndex;
      break;
    default:
      return Malformed(ref, identity_offset, "bad replica identity");
  }
  const size_t count_offset = r.offset();
  if (!r.ReadI16(&column_count)) return Truncated(ref, r, "column count");
  // Each column takes at least 10 bytes (flags, empty name, type, typmod);
  // checking first keeps a garbled count from reserving a huge vector.
  if (column_count < 0 || static_cast<size_t>(column_count) * 10 > r.remaining()) {
    return Malformed(ref, count_offset, "bad column count " + std::to_string(column_count));
  }
  // "Namespace (empty string for pg_catalog)".
  relation.schema = schema.empty() ? std::string("pg_catalog") : std::string(schema);
  relation.name.assign(name);
  relation.columns.resize(static_cast<size_t>(column_count));
  for (Column& column : relation.columns) {
    uint8_t flags;
    std::string_view column_name;
    int32_t type_modifier;
    if (!r.ReadU8(&flags)) return Truncated(ref, r, "column flags");
    if (!r.ReadString(&column_name)) return Truncated(ref, r, "column name");
    if (!r.ReadU32(&column.type_oid)) return Truncated(ref, r, "column type oid");
    if (!r.ReadI32(&type_modifier)) return Truncated(ref, r, "column type modifier");
    column.name.assign(column_name);
    column.type_modifier = type_modifier;
    column.is_key = (flags & 1) != 0;
  }
  WALCAST_RETURN_IF_ERROR(ExpectEnd(ref, r));
  (void)cache->Put(std::move(relation));
  return Status::Ok();
}

Status PgOutputDecoder::Impl::DecodeType(const MessageRef& ref, MessageReader& r) {
  uint32_t oid;
  std::string_view schema;
  std::string_view name;
  if (!r.ReadU32(&oid)) return Truncated(ref, r, "type oid");
  if (!r.ReadString(&schema)) return Truncated(ref, r, "namespace");
  if (!r.ReadString(&name)) return Truncated(ref, r, "type name");
  WALCAST_RETURN_IF_ERROR(ExpectEnd(ref, r));
  cache->PutType(oid, schema.empty() ? std::string("pg_catalog") : std::string(schema),
                 std::string(name));
  return Status::Ok();
}

void PgOutputDecoder::Impl::ResetEvent(Op op, Lsn wal_start) {
  event.op = op;
  event.lsn = wal_start;
  event.before_is_key_only = false;
  event.truncate_options = 0;
  event.message_transactional = false;
  event.message_prefix.clear();
  event.message_content.clear();
}

Tuple* PgOutputDecoder::Impl::TakeBefore() {
  if (!event.before) event.before.emplace(std::move(spare_before));
  return &*event.before;
}

Tuple* PgOutputDecoder::Impl::TakeAfter() {
  if (!event.after) event.after.emplace(std::move(spare_after));
  return &*event.after;
}

void PgOutputDecoder::Impl::DropBefore() {
  if (!event.before) return;
  spare_before = std::move(*event.before);
  event.before.reset();
}

void PgOutputDecoder::Impl::DropAfter() {
  if (!event.after) return;
  spare_after = std::move(*event.after);
  event.after.reset();
}

Status PgOutputDecoder::Impl::Emit(const TransactionInfo& current) {
  // begin_pending is only ever set for the open Begin .. Commit
  // transaction, and streams are never replayed while one is open.
  if (begin_pending) {
    begin_pending = false;
    WALCAST_RETURN_IF_ERROR(handler->OnBegin(current));
  }
  return handler->OnChange(current, event);
}

Status PgOutputDecoder::Impl::ReadTuple(const MessageRef& ref, MessageReader& r, const Relation& relation,
                                        Tuple* tuple) {
  const size_t count_offset = r.offset();
  int16_t column_count;
  if (!r.ReadI16(&column_count)) return Truncated(ref, r, "tuple column count");
  if (column_count < 0 || static_cast<size_t>(column_count) != relation.columns.size()) {
    return Malformed(ref, count_offset,
                     "tuple has " + std::to_string(column_count) + " columns, relation " +
                         relation.schema + "." + relation.name + " has " +
                         std::to_string(relation.columns.size()));
  }
  // resize keeps the strings already there, so their buffers are reused.
  tuple->resize(static_cast<size_t>(column_count));
  for (Datum& datum : *tuple) {
    const size_t kind_offset = r.offset();
    uint8_t kind;
    if (!r.ReadU8(&kind)) return Truncated(ref, r, "tuple column kind");
    switch (kind) {
      case 'n':
        datum.kind = Datum::Kind::kNull;
        datum.data.clear();
        break;
      case 'u':
        datum.kind = Datum::Kind::kUnchangedToast;
        datum.data.clear();
        break;
      case 't':
      case 'b': {
        int32_t length;
        std::string_view bytes;
        if (!r.ReadI32(&length)) return Truncated(ref, r, "tuple column length");
        if (length < 0) return Malformed(ref, kind_offset + 1, "negative column length");
        if (!r.ReadBytes(static_cast<size_t>(length), &bytes)) {
          return Truncated(ref, r, "tuple column value");
        }
        datum.kind = kind == 't' ? Datum::Kind::kText : Datum::Kind::kBinary;
        datum.data.assign(bytes);
        break;
      }
      default:
        return Malformed(ref, kind_offset, "bad tuple column kind");
    }
  }
  return Status::Ok();
}

Status PgOutputDecoder::Impl::DecodeChange(const MessageRef& ref, MessageReader& r,
                                           const TransactionInfo& current) {
  uint32_t relation_oid;
  if (!r.ReadU32(&relation_oid)) return Truncated(ref, r, "relation oid");
  std::shared_ptr<const Relation> relation = cache->Get(relation_oid);
  if (relation == nullptr) {
    return Malformed(ref, r.offset() - 4,
                     "change for unknown relation oid " + std::to_string(relation_oid));
  }
  const Op op = ref.type == 'I' ? Op::kCreate : ref.type == 'U' ? Op::kUpdate : Op::kDelete;
  ResetEvent(op, ref.wal_start);

  size_t marker_offset = r.offset();
  uint8_t marker;
  if (!r.ReadU8(&marker)) return Truncated(ref, r, "tuple marker");
  if (op != Op::kCreate && (marker == 'K' || marker == 'O')) {
    event.before_is_key_only = marker == 'K';
    WALCAST_RETURN_IF_ERROR(ReadTuple(ref, r, *relation, TakeBefore()));
    if (op == Op::kUpdate) {
      marker_offset = r.offset();
      if (!r.ReadU8(&marker)) return Truncated(ref, r, "new tuple marker");
    }
  } else {
    if (op == Op::kDelete) return Malformed(ref, marker_offset, "expected old tuple 'K' or 'O'");
    DropBefore();
  }
  if (op == Op::kDelete) {
    DropAfter();
  } else {
    if (marker != 'N') return Malformed(ref, marker_offset, "expected new tuple 'N'");
    WALCAST_RETURN_IF_ERROR(ReadTuple(ref, r, *relation, TakeAfter()));
  }
  WALCAST_RETURN_IF_ERROR(ExpectEnd(ref, r));
  event.relation = std::move(relation);
  return Emit(current);
}

Status PgOutputDecoder::Impl::DecodeTruncate(const MessageRef& ref, MessageReader& r,
                                             const TransactionInfo& current) {
  int32_t relation_count;
  uint8_t truncate_options;
  const size_t count_offset = r.offset();
  if (!r.ReadI32(&relation_count)) return Truncated(ref, r, "relation count");
  if (!r.ReadU8(&truncate_options)) return Truncated(ref, r, "options");
  if (relation_count < 0 || static_cast<size_t>(relation_count) * 4 != r.remaining()) {
    return Malformed(
        ref, count_offset,
        "relation count " + std::to_string(relation_count) + " does not match the message length");
  }
  // Resolve every relation before emitting any, so a bad OID emits nothing.
  truncated.clear();
  truncated.reserve(static_cast<size_t>(relation_count));
  for (int32_t i = 0; i < relation_count; ++i) {
    uint32_t oid;
    if (!r.ReadU32(&oid)) return Truncated(ref, r, "relation oid");
    std::shared_ptr<const Relation> relation = cache->Get(oid);
    if (relation == nullptr) {
      return Malformed(ref, r.offset() - 4,
                       "truncate of unknown relation oid " + std::to_string(oid));
    }
    truncated.push_back(std::move(relation));
  }
  for (std::shared_ptr<const Relation>& relation : truncated) {
    ResetEvent(Op::kTruncate, ref.wal_start);
    DropBefore();
    DropAfter();
    event.truncate_options = truncate_options;
    event.relation = std::move(relation);
    WALCAST_RETURN_IF_ERROR(Emit(current));
  }
  truncated.clear();
  return Status::Ok();
}

Status PgOutputDecoder::Impl::DecodeMessage(const MessageRef& ref, MessageReader& r,
                                            const TransactionInfo* current, bool replaying) {
  uint8_t flags;
  uint64_t message_lsn;
  std::string_view prefix;
  int32_t length;
  std::string_view content;
  if (!r.ReadU8(&flags)) return Truncated(ref, r, "flags");
  if (!r.ReadU64(&message_lsn)) return Truncated(ref, r, "message lsn");
  if (!r.ReadString(&prefix)) return Truncated(ref, r, "prefix");
  const size_t length_offset = r.offset();
  if (!r.ReadI32(&length)) return Truncated(ref, r, "content length");
  if (length < 0) return Malformed(ref, length_offset, "negative content length");
  if (!r.ReadBytes(static_cast<size_t>(length), &content)) return Truncated(ref, r, "content");
  WALCAST_RETURN_IF_ERROR(ExpectEnd(ref, r));

  const bool transactional = (flags & 1) != 0;
  ResetEvent(Op::kMessage, ref.wal_start);
  DropBefore();
  DropAfter();
  event.relation = nullptr;
  event.message_transactional = transactional;
  event.message_prefix.assign(prefix);
  event.message_content.assign(content);

  if (transactional || replaying) {
    if (current == nullptr) return Malformed(ref, 0, "transactional message outside a transaction");
    return Emit(*current);
  }
  // A non-transactional message is its own transaction, delivered at once
  // even inside an open transaction or stream (core/event_handler.h): xid 0,
  // acknowledged by message LSN + 1.
  TransactionInfo own;
  own.commit_lsn = Lsn(message_lsn);
  WALCAST_RETURN_IF_ERROR(handler->OnBegin(own));
  WALCAST_RETURN_IF_ERROR(handler->OnChange(own, event));
  own.end_lsn = Lsn(message_lsn + 1);
  return handler->OnCommit(own);
}

}  // namespace walcast::wal_reader
