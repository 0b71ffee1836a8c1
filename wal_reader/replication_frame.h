#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/lsn.h"
#include "core/status.h"

namespace walcast::wal_reader {

// One frame of the streaming replication protocol (CopyBoth data).
struct ReplicationFrame {
  enum class Kind { kNone, kXLogData, kKeepalive };
  Kind kind = Kind::kNone;  // kNone: the deadline passed with nothing to read
  Lsn wal_start;            // XLogData: start of the payload's WAL; keepalive: unused
  Lsn wal_end;              // server's current end of WAL
  int64_t server_time_us = 0;
  bool reply_requested = false;        // keepalive asked for an immediate reply
  std::span<const std::byte> payload;  // XLogData payload; valid until the next Next()
  // kNone only: part of a message arrived before the deadline (a big
  // message on a slow link), so the server was not silent.
  bool bytes_arrived = false;
};

// Parses one CopyData message of the replication stream
// (https://www.postgresql.org/docs/15/protocol-replication.html): 'w'
// (XLogData: start LSN, end LSN, send time, payload) or 'k' (primary
// keepalive: end LSN, send time, reply flag), integers big-endian. The
// frame's payload views `message`, which must outlive it. kCorruption for an
// empty message, an unknown type byte or a frame shorter than its header.
Result<ReplicationFrame> ParseReplicationFrame(std::span<const std::byte> message);

}  // namespace walcast::wal_reader
