#pragma once

#include <cstddef>
#include <span>

#include "core/lsn.h"
#include "core/status.h"

namespace walcast::wal_reader {

// Turns the payload of each XLogData frame into calls on an EventHandler.
// Implementations: PgOutputDecoder, Wal2JsonDecoder. Called on the reader
// thread only.
class Decoder {
 public:
  virtual ~Decoder() = default;
  // wal_start: the XLogData frame's start LSN. message: its payload, valid
  // only during the call. kCorruption for a malformed or truncated message
  // (the message names the byte offset and message kind); a handler error is
  // passed through unchanged.
  virtual Status Decode(Lsn wal_start, std::span<const std::byte> message) = 0;
  // True when no transaction is open and nothing streamed is held back, so
  // the reader may acknowledge the server's WAL end on a keepalive.
  virtual bool idle() const = 0;
};

}  // namespace walcast::wal_reader
