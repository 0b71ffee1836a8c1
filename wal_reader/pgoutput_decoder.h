#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/event_handler.h"
#include "wal_reader/decoder.h"
#include "wal_reader/relation_cache.h"

namespace walcast::wal_reader {

class StreamBuffer;

struct PgOutputOptions {
  int proto_version = 1;  // 1..4; >= 2 allows streaming
  bool streaming = false;
  // In-memory bytes held per streamed transaction before spilling to a file.
  size_t stream_memory_limit_bytes = 16 << 20;
  std::string spill_dir = "/tmp";
};

// Decodes the pgoutput logical replication protocol
// (https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html):
// Begin, Commit, Origin, Relation, Type, Insert, Update, Delete, Truncate,
// Message, and for proto_version >= 2 Stream Start/Stop/Commit/Abort.
//
// Non-streamed transactions go to the handler event by event as they are
// decoded. Streamed (in-progress) transactions are held per top-level xid in
// a StreamBuffer (memory up to the limit, then a spill file) and replayed in
// order at Stream Commit, or dropped at Stream Abort (a subtransaction abort
// drops only that subtransaction's changes).
//
// Borrows the cache and the handler; both must outlive the decoder.
class PgOutputDecoder : public Decoder {
 public:
  PgOutputDecoder(PgOutputOptions options, RelationCache* cache, EventHandler* handler);
  ~PgOutputDecoder() override;

  Status Decode(Lsn wal_start, std::span<const std::byte> message) override;
  bool idle() const override;

  // Number of streamed transactions currently held back.
  size_t open_streams() const;
  // Bytes spilled to disk so far (for benchmarks and status).
  uint64_t spilled_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace walcast::wal_reader
