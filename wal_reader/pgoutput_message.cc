#include "wal_reader/pgoutput_message.h"

#include <utility>

#include "core/event.h"

namespace walcast::wal_reader::pgoutput {

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

Status Truncated(const MessageRef& ref, const MessageReader& r, std::string_view field) {
  std::string what = "truncated reading ";
  what += field;
  return Malformed(ref, r.offset(), what);
}

Status ExpectEnd(const MessageRef& ref, const MessageReader& r) {
  if (r.remaining() == 0) return Status::Ok();
  return Malformed(ref, r.offset(), std::to_string(r.remaining()) + " unexpected trailing bytes");
}

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

Status ReadCommitFields(const MessageRef& ref, MessageReader& r, CommitFields* out) {
  if (!r.ReadU8(&out->flags)) return Truncated(ref, r, "flags");
  if (!r.ReadU64(&out->commit_lsn)) return Truncated(ref, r, "commit lsn");
  if (!r.ReadU64(&out->end_lsn)) return Truncated(ref, r, "end lsn");
  WALCAST_RETURN_IF_ERROR(ReadTimestamp(ref, r, "commit timestamp", &out->commit_time_us));
  return ExpectEnd(ref, r);
}

Status ReadTimestamp(const MessageRef& ref, MessageReader& r, std::string_view field,
                     int64_t* unix_us) {
  const size_t at = r.offset();
  int64_t postgres_us;
  if (!r.ReadI64(&postgres_us)) return Truncated(ref, r, field);
  if (__builtin_add_overflow(postgres_us, kPostgresEpochOffsetUs, unix_us)) {
    return Malformed(ref, at, std::string(field) + " out of range");
  }
  return Status::Ok();
}

}  // namespace walcast::wal_reader::pgoutput
