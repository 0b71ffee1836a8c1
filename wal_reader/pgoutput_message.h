#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "core/lsn.h"
#include "core/status.h"

// Message layouts follow
// https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html:
// integers are big-endian, strings NUL-terminated. Inside a Stream Start ..
// Stream Stop block (proto_version >= 2) Relation, Type, Insert, Update,
// Delete, Truncate and Message carry the (sub)transaction's xid right after
// the type byte.

namespace walcast::wal_reader::pgoutput {

// "Begin", "Stream Commit", ... for error texts; "unknown" otherwise.
std::string_view KindName(char type);

// Bounds-checked big-endian reader over one message. Every Read* returns
// false, consuming nothing, when the message has too few bytes left.
class MessageReader {
 public:
  explicit MessageReader(std::span<const std::byte> data) : data_(data) {}

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

// "0x4a".
std::string HexByte(char c);

// kCorruption naming the message kind, its LSN, what is wrong and where.
Status Malformed(const MessageRef& ref, size_t offset, std::string_view what);
Status Truncated(const MessageRef& ref, const MessageReader& r, std::string_view field);
// Reads a timestamp field (microseconds since 2000-01-01, PostgreSQL's epoch)
// into microseconds since the Unix epoch. kCorruption when it is missing or
// so far from now that it has no Unix-epoch int64 form (a real commit time
// never is; infinity would be).
Status ReadTimestamp(const MessageRef& ref, MessageReader& r, std::string_view field,
                     int64_t* unix_us);
// kCorruption when bytes are left after the last field.
Status ExpectEnd(const MessageRef& ref, const MessageReader& r);

// Relation, Type, Insert, Update, Delete, Truncate and Message: the
// messages that may appear both in a transaction and inside a stream block.
bool IsBodyMessage(char type);

// The fields shared by Commit and Stream Commit, up to the end of the message.
struct CommitFields {
  uint8_t flags = 0;
  uint64_t commit_lsn = 0;
  uint64_t end_lsn = 0;
  int64_t commit_time_us = 0;  // since the Unix epoch
};

Status ReadCommitFields(const MessageRef& ref, MessageReader& r, CommitFields* out);

}  // namespace walcast::wal_reader::pgoutput
