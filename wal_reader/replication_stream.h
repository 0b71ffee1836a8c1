#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "wal_reader/replication_frame.h"

namespace walcast::wal_reader {

// One logical replication stream of a slot, as the reader sees it:
// START_REPLICATION, then XLogData and keepalive frames in, standby status
// updates out, and CopyDone at the end. LibpqReplicationStream speaks the
// protocol to a server; tests drive the reader with a fake.
//
// Owned and used by the reader thread only.
class ReplicationStream {
 public:
  using PluginOptions = std::vector<std::pair<std::string, std::string>>;

  virtual ~ReplicationStream() = default;

  // START_REPLICATION SLOT slot LOGICAL start (options). kNotFound when the
  // slot does not exist, kFatal when the plugin rejects the options,
  // kUnavailable when the connection is lost or the slot is still in use by
  // another walsender (after a network fault that is usually the walsender
  // of our own lost connection, which the server ends at its
  // wal_sender_timeout; a second walcast on the slot is refused before
  // streaming starts, app/commands.cc).
  virtual Status Start(const std::string& slot, Lsn start, const PluginOptions& options) = 0;

  // Waits for the next frame until `deadline`. Returns kind kNone at the
  // deadline (or earlier, when interrupted by a signal), with bytes_arrived
  // set when part of a message came in meanwhile. kUnavailable when
  // the connection is lost or the server ended the stream, kCorruption for
  // a malformed frame, kNotFound/kFatal for server errors that end the
  // stream (e.g. the slot was dropped). The frame's payload stays valid
  // until the next call.
  virtual Result<ReplicationFrame> Next(std::chrono::steady_clock::time_point deadline) = 0;

  // Sends a standby status update ('r'): `write` is what has been received,
  // `flush` the watermark; `reply_requested` asks the server to answer at
  // once with a keepalive (a ping). kUnavailable when the connection is lost.
  virtual Status SendStatus(Lsn write, Lsn flush, bool reply_requested) = 0;

  // Ends the copy stream (CopyDone) and drains the server's last messages so
  // a late error is not missed; returns that error. OK when not streaming.
  virtual Status Finish() = 0;
};

}  // namespace walcast::wal_reader
