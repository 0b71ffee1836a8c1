#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <libpq-fe.h>

#include "core/lsn.h"
#include "core/status.h"
#include "pg/libpq.h"
#include "wal_reader/replication_stream.h"

namespace walcast::wal_reader {

// A libpq replication connection ("replication=database") streaming one
// logical slot. Follows pg_recvlogical's loop (PQgetCopyData in async mode
// and select() on the socket). Owned and used by one thread at a time (the
// reader thread while streaming).
class LibpqReplicationStream : public ReplicationStream {
 public:
  // Connects with `conninfo` (libpq keyword=value string; replication and
  // application_name are added). kInvalidArgument for bad credentials,
  // kUnavailable when the server cannot be reached.
  static Result<std::unique_ptr<LibpqReplicationStream>> Connect(const std::string& conninfo);

  ~LibpqReplicationStream() override;
  LibpqReplicationStream(const LibpqReplicationStream&) = delete;
  LibpqReplicationStream& operator=(const LibpqReplicationStream&) = delete;

  // CREATE_REPLICATION_SLOT slot LOGICAL plugin EXPORT_SNAPSHOT: creates the
  // slot and exports a snapshot of the database exactly at the slot's
  // consistent point. The snapshot stays importable (SET TRANSACTION
  // SNAPSHOT) until this connection runs its next command or closes.
  // `failover` creates a failover slot (PostgreSQL 17+: standbys with
  // sync_replication_slots=on keep a copy, so a promoted standby has it).
  // kFatal when the slot exists or the server refuses.
  struct CreatedSlot {
    Lsn consistent_point;
    std::string snapshot_name;
  };
  Result<CreatedSlot> CreateSlotExportingSnapshot(const std::string& slot,
                                                  const std::string& plugin, bool failover);
  // ALTER_REPLICATION_SLOT slot (FAILOVER true) (PostgreSQL 17+), for a slot
  // created before slot.failover was set. kUnavailable when the server
  // refuses (e.g. the slot is in use).
  Status EnableFailover(const std::string& slot);

  Status Start(const std::string& slot, Lsn start, const PluginOptions& options) override;
  Result<ReplicationFrame> Next(std::chrono::steady_clock::time_point deadline) override;
  Status SendStatus(Lsn write, Lsn flush, bool reply_requested) override;
  Status Finish() override;

 private:
  explicit LibpqReplicationStream(pg::PgConnPtr conn) : conn_(std::move(conn)) {}
  Status ServerError(const std::string& what) const;
  // kNotFound unless publication `name` exists.
  Status CheckPublication(const std::string& name);
  // Waits until the socket is readable or `deadline` passes; true when there
  // is input to consume.
  Result<bool> WaitReadable(std::chrono::steady_clock::time_point deadline);
  // The server ended the copy (PQgetCopyData returned -1): its final result.
  Status EndOfCopy();

  pg::PgConnPtr conn_;
  pg::PqBufferPtr copy_buffer_;  // the last frame read; freed before the next read
  bool streaming_ = false;
};

}  // namespace walcast::wal_reader
