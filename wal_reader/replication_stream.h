#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <libpq-fe.h>

#include "core/lsn.h"
#include "core/status.h"
#include "pg/libpq.h"

namespace walcast::wal_reader {

using pg::PgConnPtr;
using pg::PgResultPtr;

// One frame of the streaming replication protocol (CopyBoth data).
struct ReplicationFrame {
  enum class Kind { kNone, kXLogData, kKeepalive };
  Kind kind = Kind::kNone;  // kNone: the deadline passed with nothing to read
  Lsn wal_start;            // XLogData: start of the payload's WAL; keepalive: unused
  Lsn wal_end;              // server's current end of WAL
  int64_t server_time_us = 0;
  bool reply_requested = false;             // keepalive asked for an immediate reply
  std::span<const std::byte> payload;       // XLogData payload; valid until the next Next()
};

// A libpq replication connection ("replication=database") streaming one
// logical slot: START_REPLICATION, XLogData and keepalive frames, and standby
// status updates. Follows pg_recvlogical's loop (PQgetCopyData in async mode
// and select() on the socket). Owned and used by the reader thread only.
class ReplicationStream {
 public:
  // Connects with `conninfo` (libpq keyword=value string; replication and
  // application_name are added). kInvalidArgument for bad credentials,
  // kUnavailable when the server cannot be reached.
  static Result<std::unique_ptr<ReplicationStream>> Connect(const std::string& conninfo);

  ~ReplicationStream();
  ReplicationStream(const ReplicationStream&) = delete;
  ReplicationStream& operator=(const ReplicationStream&) = delete;

  // CREATE_REPLICATION_SLOT slot LOGICAL plugin EXPORT_SNAPSHOT: creates the
  // slot and exports a snapshot of the database exactly at the slot's
  // consistent point. The snapshot stays importable (SET TRANSACTION
  // SNAPSHOT) until this connection runs its next command or closes.
  // kFatal when the slot exists or the server refuses.
  struct CreatedSlot {
    Lsn consistent_point;
    std::string snapshot_name;
  };
  Result<CreatedSlot> CreateSlotExportingSnapshot(const std::string& slot,
                                                  const std::string& plugin);

  // START_REPLICATION SLOT slot LOGICAL start (options). kNotFound when the
  // slot does not exist, kFatal when it is in use by another process or the
  // plugin rejects the options.
  Status Start(const std::string& slot, Lsn start,
               const std::vector<std::pair<std::string, std::string>>& options);

  // Waits for the next frame until `deadline`. Returns kind kNone at the
  // deadline. kUnavailable when the connection is lost, kCorruption for a
  // malformed frame, kNotFound/kFatal for server errors that end the stream
  // (e.g. the slot was dropped).
  Result<ReplicationFrame> Next(std::chrono::steady_clock::time_point deadline);

  // Sends a standby status update ('r'). flush is the watermark; write is what
  // has been received. reply_requested asks the server to answer at once.
  Status SendStatus(Lsn write, Lsn flush, bool reply_requested = false);

  // Ends the copy stream (CopyDone) and drains the server's last messages so a
  // late error is not missed.
  Status Finish();

  PGconn* conn() const { return conn_.get(); }
  int server_version() const;

 private:
  explicit ReplicationStream(PgConnPtr conn) : conn_(std::move(conn)) {}
  Status ServerError(const std::string& what) const;

  PgConnPtr conn_;
  pg::PqBufferPtr copy_buffer_;  // the last frame read; freed before the next read
  bool streaming_ = false;
};

// The libpq `options=` setting that pins the text output formats walcast
// parses (datestyle, intervalstyle, bytea_output, extra_float_digits); every
// connection whose values reach an encoder uses it.
std::string SessionOptions();

}  // namespace walcast::wal_reader
