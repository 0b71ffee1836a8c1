#include "wal_reader/pgoutput_decoder_impl.h"

#include <string>
#include <utility>

namespace walcast::wal_reader {

Status PgOutputDecoder::Impl::DecodeStreamStart(const MessageRef& ref, MessageReader& r) {
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
  MessageReader r(message);
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

Status PgOutputDecoder::Impl::DecodeStreamCommit(const MessageRef& ref, MessageReader& r) {
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
  streamed_txn.commit_time_us = commit.commit_time_us;
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

Status PgOutputDecoder::Impl::DecodeStreamAbort(const MessageRef& ref, MessageReader& r) {
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

}  // namespace walcast::wal_reader
