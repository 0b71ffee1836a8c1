#include "wal_reader/pgoutput_decoder.h"

#include <cstring>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "wal_reader/stream_buffer.h"

// Message layouts follow
// https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html:
// integers are big-endian, strings NUL-terminated. Inside a Stream Start ..
// Stream Stop block (proto_version >= 2) Relation, Type, Insert, Update,
// Delete, Truncate and Message carry the (sub)transaction's xid right after
// the type byte.

namespace walcast::wal_reader {
namespace {

std::string_view KindName(char type) {
  switch (type) {
    case 'B':
      return "Begin";
    case 'C':
      return "Commit";
    case 'O':
      return "Origin";
    case 'R':
      return "Relation";
    case 'Y':
      return "Type";
    case 'I':
      return "Insert";
    case 'U':
      return "Update";
    case 'D':
      return "Delete";
    case 'T':
      return "Truncate";
    case 'M':
      return "Message";
    case 'S':
      return "Stream Start";
    case 'E':
      return "Stream Stop";
    case 'c':
      return "Stream Commit";
    case 'A':
      return "Stream Abort";
    case 'b':
      return "Begin Prepare";
    case 'P':
      return "Prepare";
    case 'K':
      return "Commit Prepared";
    case 'r':
      return "Rollback Prepared";
    case 'p':
      return "Stream Prepare";
    default:
      return "unknown";
  }
}

// Bounds-checked big-endian reader over one message. Every Read* returns
// false, consuming nothing, when the message has too few bytes left.
class Reader {
 public:
  explicit Reader(std::span<const std::byte> data) : data_(data) {}

  size_t offset() const { return offset_; }
  size_t remaining() const { return data_.size() - offset_; }

  bool ReadU8(uint8_t* v) {
    if (remaining() < 1) return false;
    *v = static_cast<uint8_t>(data_[offset_++]);
    return true;
  }
  bool ReadU16(uint16_t* v) { return ReadBig(v); }
  bool ReadU32(uint32_t* v) { return ReadBig(v); }
  bool ReadU64(uint64_t* v) { return ReadBig(v); }
  bool ReadI16(int16_t* v) {
    uint16_t u;
    if (!ReadBig(&u)) return false;
    *v = static_cast<int16_t>(u);
    return true;
  }
  bool ReadI32(int32_t* v) {
    uint32_t u;
    if (!ReadBig(&u)) return false;
    *v = static_cast<int32_t>(u);
    return true;
  }
  bool ReadI64(int64_t* v) {
    uint64_t u;
    if (!ReadBig(&u)) return false;
    *v = static_cast<int64_t>(u);
    return true;
  }
  // A NUL-terminated string; the view excludes the NUL.
  bool ReadString(std::string_view* v) {
    if (remaining() == 0) return false;
    const char* start = reinterpret_cast<const char*>(data_.data() + offset_);
    const void* nul = std::memchr(start, 0, remaining());
    if (nul == nullptr) return false;
    const size_t length = static_cast<size_t>(static_cast<const char*>(nul) - start);
    *v = std::string_view(start, length);
    offset_ += length + 1;
    return true;
  }
  bool ReadBytes(size_t n, std::string_view* v) {
    if (remaining() < n) return false;
    *v = std::string_view(reinterpret_cast<const char*>(data_.data() + offset_), n);
    offset_ += n;
    return true;
  }

 private:
  template <typename T>
  bool ReadBig(T* v) {
    if (remaining() < sizeof(T)) return false;
    T out = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      out = static_cast<T>((out << 8) | static_cast<uint8_t>(data_[offset_ + i]));
    }
    offset_ += sizeof(T);
    *v = out;
    return true;
  }

  std::span<const std::byte> data_;
  size_t offset_ = 0;
};

// Identifies one message in error texts: its kind, and where it came from.
struct MessageRef {
  char type;
  Lsn wal_start;
};

std::string HexByte(char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto b = static_cast<uint8_t>(c);
  return std::string{'0', 'x', kHex[b >> 4], kHex[b & 15]};
}

Status Malformed(const MessageRef& ref, size_t offset, std::string_view what) {
  std::string message = "pgoutput ";
  message += KindName(ref.type);
  message += " message at lsn ";
  message += ref.wal_start.ToString();
  message += ": ";
  message += what;
  message += " at byte ";
  message += std::to_string(offset);
  return Status::Corruption(std::move(message));
}

Status Truncated(const MessageRef& ref, const Reader& r, std::string_view field) {
  std::string what = "truncated reading ";
  what += field;
  return Malformed(ref, r.offset(), what);
}

Status ExpectEnd(const MessageRef& ref, const Reader& r) {
  if (r.remaining() == 0) return Status::Ok();
  return Malformed(ref, r.offset(), std::to_string(r.remaining()) + " unexpected trailing bytes");
}

}  // namespace

// Relation, Type, Insert, Update, Delete, Truncate and Message: the
// messages that may appear both in a transaction and inside a stream block.
bool IsBodyMessage(char type) {
  switch (type) {
    case 'R':
    case 'Y':
    case 'I':
    case 'U':
    case 'D':
    case 'T':
    case 'M':
      return true;
    default:
      return false;
  }
}

// The fields shared by Commit and Stream Commit, up to the end of the message.
struct CommitFields {
  uint8_t flags = 0;
  uint64_t commit_lsn = 0;
  uint64_t end_lsn = 0;
  int64_t commit_time = 0;
};

Status ReadCommitFields(const MessageRef& ref, Reader& r, CommitFields* out) {
  if (!r.ReadU8(&out->flags)) return Truncated(ref, r, "flags");
  if (!r.ReadU64(&out->commit_lsn)) return Truncated(ref, r, "commit lsn");
  if (!r.ReadU64(&out->end_lsn)) return Truncated(ref, r, "end lsn");
  if (!r.ReadI64(&out->commit_time)) return Truncated(ref, r, "commit timestamp");
  return ExpectEnd(ref, r);
}

struct PgOutputDecoder::Impl {
  Impl(PgOutputOptions o, RelationCache* c, EventHandler* h)
      : options(std::move(o)), cache(c), handler(h) {}

  // Entry point; on error drops transient state (see Decode below).
  Status Decode(Lsn wal_start, std::span<const std::byte> message);
  void Reset();

  // Messages outside a stream block.
  Status DecodeBegin(const MessageRef& ref, Reader& r);
  Status DecodeCommit(const MessageRef& ref, Reader& r);
  Status DecodeOrigin(const MessageRef& ref, Reader& r, std::string* origin, Lsn* origin_lsn);
  Status DecodeStreamStart(const MessageRef& ref, Reader& r);
  Status DecodeStreamCommit(const MessageRef& ref, Reader& r);
  Status DecodeStreamAbort(const MessageRef& ref, Reader& r);
  // Inside a stream block: buffers the message, or delivers a
  // non-transactional Message at once.
  Status BufferStreamed(Lsn wal_start, std::span<const std::byte> message);

  // Relation, Type, Insert, Update, Delete, Truncate and Message, live or
  // replayed. has_xid: the message was sent inside a stream block. txn: the
  // transaction changes belong to, or null when none is open (then only
  // Relation, Type and non-transactional Message are valid).
  Status DecodeBody(Lsn wal_start, std::span<const std::byte> message, bool has_xid,
                    const TransactionInfo* txn);
  Status DecodeRelation(const MessageRef& ref, Reader& r);
  Status DecodeType(const MessageRef& ref, Reader& r);
  Status DecodeChange(const MessageRef& ref, Reader& r, const TransactionInfo& txn);
  Status DecodeTruncate(const MessageRef& ref, Reader& r, const TransactionInfo& txn);
  Status DecodeMessage(const MessageRef& ref, Reader& r, const TransactionInfo* txn,
                       bool replaying);
  Status ReadTuple(const MessageRef& ref, Reader& r, const Relation& relation, Tuple* tuple);

  // Prepares the reusable event for a new change.
  void ResetEvent(Op op, Lsn wal_start);
  Tuple* TakeBefore();
  Tuple* TakeAfter();
  void DropBefore();
  void DropAfter();
  // Sends event to the handler, first sending a deferred Begin.
  Status Emit(const TransactionInfo& txn);

  void RetireStream(uint32_t xid);

  PgOutputOptions options;
  RelationCache* cache;
  EventHandler* handler;

  // The open Begin .. Commit transaction. OnBegin is deferred to the first
  // message that is not an Origin, so txn.origin is known at OnBegin in both
  // the plain and the streamed path.
  bool in_txn = false;
  bool begin_pending = false;
  TransactionInfo txn;

  // Streaming (proto_version >= 2).
  struct StreamedTxn {
    std::unique_ptr<StreamBuffer> buffer;
    std::string origin;
    Lsn origin_lsn;
    Lsn first_lsn;  // WAL position of the first segment's first message
  };
  bool in_stream_block = false;
  uint32_t stream_xid = 0;
  StreamedTxn* current_stream = nullptr;  // streams[stream_xid] inside a block
  std::unordered_map<uint32_t, StreamedTxn> streams;
  uint64_t retired_spilled_bytes = 0;

  // One event reused for every change, so steady-state decoding reuses the
  // tuples' vectors and strings instead of allocating. The spare tuples keep
  // that storage while event.before / event.after are empty.
  ChangeEvent event;
  Tuple spare_before;
  Tuple spare_after;
  std::vector<std::shared_ptr<const Relation>> truncated;
};

// After any error the decoder forgets open transactions and streams: the
// caller reconnects and the server sends them again from the slot's
// confirmed position (first stream segments included), so stale halves must
// not linger. The relation cache stays; the server re-describes relations on
// a new connection anyway.
Status PgOutputDecoder::Impl::Decode(Lsn wal_start, std::span<const std::byte> message) {
  if (message.empty()) {
    Reset();
    return Status::Corruption("pgoutput empty message at lsn " + wal_start.ToString() +
                              ": truncated reading message type at byte 0");
  }
  const MessageRef ref{static_cast<char>(message[0]), wal_start};
  Reader r(message);
  uint8_t type_byte;
  (void)r.ReadU8(&type_byte);  // non-empty, checked above

  Status status;
  if (IsBodyMessage(ref.type)) {
    // Inside a stream block the message is held until Stream Commit.
    status = in_stream_block
                 ? BufferStreamed(wal_start, message)
                 : DecodeBody(wal_start, message, /*has_xid=*/false, in_txn ? &txn : nullptr);
  } else if (in_stream_block) {
    switch (ref.type) {
      case 'O':
        status = DecodeOrigin(ref, r, &current_stream->origin, &current_stream->origin_lsn);
        break;
      case 'E':
        status = ExpectEnd(ref, r);
        in_stream_block = false;
        current_stream = nullptr;
        break;
      default:
        status = Malformed(ref, 0, "unexpected inside a stream block");
    }
  } else {
    switch (ref.type) {
      case 'B':
        status = DecodeBegin(ref, r);
        break;
      case 'C':
        status = DecodeCommit(ref, r);
        break;
      case 'O':
        status = in_txn ? DecodeOrigin(ref, r, &txn.origin, &txn.origin_lsn)
                        : Malformed(ref, 0, "outside a transaction");
        break;
      case 'S':
        status = DecodeStreamStart(ref, r);
        break;
      case 'E':
        status = Malformed(ref, 0, "Stream Stop without Stream Start");
        break;
      case 'c':
        status = DecodeStreamCommit(ref, r);
        break;
      case 'A':
        status = DecodeStreamAbort(ref, r);
        break;
      case 'b':
      case 'P':
      case 'K':
      case 'r':
      case 'p':
        // Only sent with two_phase, which walcast never requests.
        status = Malformed(ref, 0, "two-phase message not supported");
        break;
      default:
        status = Malformed(ref, 0, "unknown message type " + HexByte(ref.type));
    }
  }
  if (!status.ok()) Reset();
  return status;
}

void PgOutputDecoder::Impl::Reset() {
  in_txn = false;
  begin_pending = false;
  txn = TransactionInfo{};
  in_stream_block = false;
  stream_xid = 0;
  current_stream = nullptr;
  for (auto& [xid, streamed] : streams) retired_spilled_bytes += streamed.buffer->spilled_bytes();
  streams.clear();
}

Status PgOutputDecoder::Impl::DecodeBegin(const MessageRef& ref, Reader& r) {
  if (in_txn) return Malformed(ref, 0, "Begin inside an open transaction");
  uint64_t final_lsn;
  int64_t commit_time;
  uint32_t xid;
  if (!r.ReadU64(&final_lsn)) return Truncated(ref, r, "final lsn");
  if (!r.ReadI64(&commit_time)) return Truncated(ref, r, "commit timestamp");
  if (!r.ReadU32(&xid)) return Truncated(ref, r, "xid");
  WALCAST_RETURN_IF_ERROR(ExpectEnd(ref, r));
  txn = TransactionInfo{};
  txn.xid = xid;
  txn.commit_lsn = Lsn(final_lsn);
  txn.commit_time_us = commit_time + kPostgresEpochOffsetUs;
  txn.begin_lsn = ref.wal_start;
  in_txn = true;
  begin_pending = true;
  return Status::Ok();
}

Status PgOutputDecoder::Impl::DecodeCommit(const MessageRef& ref, Reader& r) {
  if (!in_txn) return Malformed(ref, 0, "Commit without Begin");
  CommitFields commit;
  WALCAST_RETURN_IF_ERROR(ReadCommitFields(ref, r, &commit));
  if (begin_pending) {
    begin_pending = false;
    WALCAST_RETURN_IF_ERROR(handler->OnBegin(txn));
  }
  in_txn = false;
  txn.end_lsn = Lsn(commit.end_lsn);
  return handler->OnCommit(txn);
}

Status PgOutputDecoder::Impl::DecodeOrigin(const MessageRef& ref, Reader& r, std::string* origin,
                                           Lsn* origin_lsn) {
  uint64_t origin_lsn_value;
  std::string_view name;
  if (!r.ReadU64(&origin_lsn_value)) return Truncated(ref, r, "origin lsn");
  if (!r.ReadString(&name)) return Truncated(ref, r, "origin name");
  WALCAST_RETURN_IF_ERROR(ExpectEnd(ref, r));
  origin->assign(name);
  *origin_lsn = Lsn(origin_lsn_value);
  return Status::Ok();
}

Status PgOutputDecoder::Impl::DecodeStreamStart(const MessageRef& ref, Reader& r) {
  if (options.proto_version < 2) return Malformed(ref, 0, "streaming needs proto_version >= 2");
  if (in_txn) return Malformed(ref, 0, "Stream Start inside an open transaction");
  uint32_t xid;
  uint8_t first_segment;
  if (!r.ReadU32(&xid)) return Truncated(ref, r, "xid");
  if (!r.ReadU8(&first_segment)) return Truncated(ref, r, "first-segment flag");
  WALCAST_RETURN_IF_ERROR(ExpectEnd(ref, r));
  auto it = streams.find(xid);
  if (first_segment == 1) {
    // The server starts this transaction from scratch (e.g. it re-decodes
    // after a restart); whatever was held for it is stale.
    if (it != streams.end()) {
      it->second.buffer->DiscardAll();
      it->second.origin.clear();
    } else {
      it = streams
               .emplace(xid, StreamedTxn{std::make_unique<StreamBuffer>(
                                             options.stream_memory_limit_bytes, options.spill_dir),
                                         std::string(), Lsn(), ref.wal_start})
               .first;
    }
    it->second.first_lsn = ref.wal_start;
  } else if (it == streams.end()) {
    return Malformed(
        ref, 1,
        "continues transaction " + std::to_string(xid) + " whose first segment was never seen");
  }
  in_stream_block = true;
  stream_xid = xid;
  current_stream = &it->second;  // map nodes are stable
  return Status::Ok();
}

Status PgOutputDecoder::Impl::BufferStreamed(Lsn wal_start, std::span<const std::byte> message) {
  const MessageRef ref{static_cast<char>(message[0]), wal_start};
  Reader r(message);
  uint8_t type_byte;
  uint32_t subxid;
  (void)r.ReadU8(&type_byte);
  if (!r.ReadU32(&subxid)) return Truncated(ref, r, "xid");
  if (ref.type == 'M') {
    // A non-transactional message is never held back (see DecodeMessage).
    uint8_t flags;
    if (!r.ReadU8(&flags)) return Truncated(ref, r, "flags");
    if ((flags & 1) == 0) return DecodeBody(wal_start, message, /*has_xid=*/true, nullptr);
  }
  return current_stream->buffer->Append(wal_start, subxid, message);
}

Status PgOutputDecoder::Impl::DecodeStreamCommit(const MessageRef& ref, Reader& r) {
  if (options.proto_version < 2) return Malformed(ref, 0, "streaming needs proto_version >= 2");
  if (in_txn) return Malformed(ref, 0, "Stream Commit inside an open transaction");
  uint32_t xid;
  if (!r.ReadU32(&xid)) return Truncated(ref, r, "xid");
  CommitFields commit;
  WALCAST_RETURN_IF_ERROR(ReadCommitFields(ref, r, &commit));
  auto it = streams.find(xid);
  if (it == streams.end()) {
    return Malformed(ref, 1,
                     "commit of transaction " + std::to_string(xid) + " that was never streamed");
  }

  TransactionInfo streamed_txn;
  streamed_txn.xid = xid;
  streamed_txn.commit_lsn = Lsn(commit.commit_lsn);
  streamed_txn.commit_time_us = commit.commit_time + kPostgresEpochOffsetUs;
  streamed_txn.origin = std::move(it->second.origin);
  streamed_txn.origin_lsn = it->second.origin_lsn;
  streamed_txn.begin_lsn = it->second.first_lsn;
  Status status = handler->OnBegin(streamed_txn);
  if (status.ok()) {
    // Replayed messages take the normal path: Relation and Type update the
    // cache now, in their original order relative to the changes.
    status = it->second.buffer->Replay(
        [&](Lsn wal_start, uint32_t /*subxid*/, std::span<const std::byte> message) {
          return DecodeBody(wal_start, message, /*has_xid=*/true, &streamed_txn);
        });
  }
  RetireStream(xid);
  WALCAST_RETURN_IF_ERROR(status);
  streamed_txn.end_lsn = Lsn(commit.end_lsn);
  return handler->OnCommit(streamed_txn);
}

Status PgOutputDecoder::Impl::DecodeStreamAbort(const MessageRef& ref, Reader& r) {
  if (options.proto_version < 2) return Malformed(ref, 0, "streaming needs proto_version >= 2");
  if (in_txn) return Malformed(ref, 0, "Stream Abort inside an open transaction");
  uint32_t xid;
  uint32_t subxid;
  if (!r.ReadU32(&xid)) return Truncated(ref, r, "xid");
  if (!r.ReadU32(&subxid)) return Truncated(ref, r, "subtransaction xid");
  if (options.proto_version >= 4 && r.remaining() > 0) {
    // Protocol 4 with parallel apply adds the abort LSN and time; unused.
    uint64_t abort_lsn;
    int64_t abort_time;
    if (!r.ReadU64(&abort_lsn)) return Truncated(ref, r, "abort lsn");
    if (!r.ReadI64(&abort_time)) return Truncated(ref, r, "abort timestamp");
  }
  WALCAST_RETURN_IF_ERROR(ExpectEnd(ref, r));
  auto it = streams.find(xid);
  // Nothing held for an unknown xid means nothing to drop.
  if (it == streams.end()) return Status::Ok();
  if (subxid == xid) {
    RetireStream(xid);
  } else {
    it->second.buffer->DiscardSubxact(subxid);
  }
  return Status::Ok();
}

void PgOutputDecoder::Impl::RetireStream(uint32_t xid) {
  auto it = streams.find(xid);
  if (it == streams.end()) return;
  retired_spilled_bytes += it->second.buffer->spilled_bytes();
  streams.erase(it);
}

Status PgOutputDecoder::Impl::DecodeBody(Lsn wal_start, std::span<const std::byte> message,
                                         bool has_xid, const TransactionInfo* current) {
  const MessageRef ref{static_cast<char>(message[0]), wal_start};
  Reader r(message);
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

Status PgOutputDecoder::Impl::DecodeRelation(const MessageRef& ref, Reader& r) {
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

Status PgOutputDecoder::Impl::DecodeType(const MessageRef& ref, Reader& r) {
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

Status PgOutputDecoder::Impl::ReadTuple(const MessageRef& ref, Reader& r, const Relation& relation,
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

Status PgOutputDecoder::Impl::DecodeChange(const MessageRef& ref, Reader& r,
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

Status PgOutputDecoder::Impl::DecodeTruncate(const MessageRef& ref, Reader& r,
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

Status PgOutputDecoder::Impl::DecodeMessage(const MessageRef& ref, Reader& r,
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

PgOutputDecoder::PgOutputDecoder(PgOutputOptions options, RelationCache* cache,
                                 EventHandler* handler)
    : impl_(std::make_unique<Impl>(std::move(options), cache, handler)) {}

PgOutputDecoder::~PgOutputDecoder() = default;

Status PgOutputDecoder::Decode(Lsn wal_start, std::span<const std::byte> message) {
  return impl_->Decode(wal_start, message);
}

bool PgOutputDecoder::idle() const {
  return !impl_->in_txn && !impl_->in_stream_block && impl_->streams.empty();
}

size_t PgOutputDecoder::open_streams() const { return impl_->streams.size(); }

uint64_t PgOutputDecoder::spilled_bytes() const {
  uint64_t total = impl_->retired_spilled_bytes;
  for (const auto& [xid, streamed] : impl_->streams) total += streamed.buffer->spilled_bytes();
  return total;
}

}  // namespace walcast::wal_reader
