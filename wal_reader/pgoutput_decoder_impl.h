#pragma once

// The pgoutput decoder's state, shared by its source files:
// pgoutput_decoder.cc (dispatch and transactions), pgoutput_streams.cc
// (streamed transactions) and pgoutput_body.cc (relations and changes).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/event_handler.h"
#include "wal_reader/pgoutput_decoder.h"
#include "wal_reader/pgoutput_message.h"
#include "wal_reader/relation_cache.h"
#include "wal_reader/stream_buffer.h"

namespace walcast::wal_reader {

// Internal header: only the decoder's own sources include it, so the
// message helpers they all use are named once, here.
using pgoutput::CommitFields;
using pgoutput::ExpectEnd;
using pgoutput::HexByte;
using pgoutput::IsBodyMessage;
using pgoutput::Malformed;
using pgoutput::MessageReader;
using pgoutput::MessageRef;
using pgoutput::ReadCommitFields;
using pgoutput::Truncated;

struct PgOutputDecoder::Impl {
  Impl(PgOutputOptions o, RelationCache* c, EventHandler* h)
      : options(std::move(o)), cache(c), handler(h) {}

  // Entry point; on error drops transient state (see pgoutput_decoder.cc).
  Status Decode(Lsn wal_start, std::span<const std::byte> message);
  void Reset();

  // Messages outside a stream block.
  Status DecodeBegin(const MessageRef& ref, MessageReader& r);
  Status DecodeCommit(const MessageRef& ref, MessageReader& r);
  Status DecodeOrigin(const MessageRef& ref, MessageReader& r, std::string* origin, Lsn* origin_lsn);
  Status DecodeStreamStart(const MessageRef& ref, MessageReader& r);
  Status DecodeStreamCommit(const MessageRef& ref, MessageReader& r);
  Status DecodeStreamAbort(const MessageRef& ref, MessageReader& r);
  // Inside a stream block: buffers the message, or delivers a
  // non-transactional Message at once.
  Status BufferStreamed(Lsn wal_start, std::span<const std::byte> message);

  // Relation, Type, Insert, Update, Delete, Truncate and Message, live or
  // replayed. has_xid: the message was sent inside a stream block. txn: the
  // transaction changes belong to, or null when none is open (then only
  // Relation, Type and non-transactional Message are valid).
  Status DecodeBody(Lsn wal_start, std::span<const std::byte> message, bool has_xid,
                    const TransactionInfo* txn);
  Status DecodeRelation(const MessageRef& ref, MessageReader& r);
  Status DecodeType(const MessageRef& ref, MessageReader& r);
  Status DecodeChange(const MessageRef& ref, MessageReader& r, const TransactionInfo& txn);
  Status DecodeTruncate(const MessageRef& ref, MessageReader& r, const TransactionInfo& txn);
  Status DecodeMessage(const MessageRef& ref, MessageReader& r, const TransactionInfo* txn,
                       bool replaying);
  Status ReadTuple(const MessageRef& ref, MessageReader& r, const Relation& relation, Tuple* tuple);

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

}  // namespace walcast::wal_reader
