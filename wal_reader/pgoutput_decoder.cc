#include "wal_reader/pgoutput_decoder.h"

#include <string>
#include <utility>

#include "wal_reader/pgoutput_decoder_impl.h"

namespace walcast::wal_reader {

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
  MessageReader r(message);
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

Status PgOutputDecoder::Impl::DecodeBegin(const MessageRef& ref, MessageReader& r) {
  if (in_txn) return Malformed(ref, 0, "Begin inside an open transaction");
  uint64_t final_lsn;
  int64_t commit_time_us;
  uint32_t xid;
  if (!r.ReadU64(&final_lsn)) return Truncated(ref, r, "final lsn");
  WALCAST_RETURN_IF_ERROR(ReadTimestamp(ref, r, "commit timestamp", &commit_time_us));
  if (!r.ReadU32(&xid)) return Truncated(ref, r, "xid");
  WALCAST_RETURN_IF_ERROR(ExpectEnd(ref, r));
  txn = TransactionInfo{};
  txn.xid = xid;
  txn.commit_lsn = Lsn(final_lsn);
  txn.commit_time_us = commit_time_us;
  txn.begin_lsn = ref.wal_start;
  in_txn = true;
  begin_pending = true;
  return Status::Ok();
}

Status PgOutputDecoder::Impl::DecodeCommit(const MessageRef& ref, MessageReader& r) {
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

Status PgOutputDecoder::Impl::DecodeOrigin(const MessageRef& ref, MessageReader& r, std::string* origin,
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
