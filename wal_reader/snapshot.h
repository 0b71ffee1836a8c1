#pragma once

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/event_handler.h"
#include "core/status.h"
#include "wal_reader/relation_cache.h"
#include "wal_reader/slot_manager.h"

namespace walcast::wal_reader {

struct SnapshotOptions {
  std::string conninfo;       // libpq keyword=value, ordinary (not replication) connection
  std::string snapshot_name;  // exported by CREATE_REPLICATION_SLOT ... EXPORT_SNAPSHOT
  Lsn lsn;                    // the slot's consistent point: every row's source.lsn
  // snapshot.max.threads: connections reading in parallel. A table larger
  // than min_pages_to_split pages is cut into ctid ranges read by different
  // connections, so one big table does not wait on one thread.
  int threads = 1;
  int64_t min_pages_to_split = 2048;
  // Rows each reader may hold ahead of the pipeline, per ctid range, and
  // their size in COPY text (whichever is reached first).
  size_t queue_rows = 4096;
  size_t queue_bytes = size_t{8} * 1024 * 1024;
  std::chrono::milliseconds progress_interval{10000};
};

// Figures any thread may read while the snapshot runs (walcast status).
struct SnapshotProgress {
  std::atomic<uint64_t> rows_done{0};
  std::atomic<uint64_t> rows_estimated{0};  // sum of pg_class.reltuples
  std::atomic<uint32_t> tables_done{0};
  std::atomic<uint32_t> tables_total{0};

  // Rows per table ("schema.table"): pg_class.reltuples once the catalog
  // was read, the rows read once the table is done. Thread-safe; set once
  // per table and at its end, never per row.
  void SetTableRows(const std::string& table, uint64_t rows) {
    std::lock_guard lock(mu_);
    table_rows_[table] = rows;
  }
  std::map<std::string, uint64_t> table_rows() const {
    std::lock_guard lock(mu_);
    return table_rows_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> table_rows_;
};

// Reads the included tables inside the slot's exported snapshot and hands
// every row to the handler as one transaction of kRead events (Debezium's
// op "r"): source.lsn is the consistent point, txId the snapshot
// transaction's txid, and each row carries its SnapshotMark. Tables are read
// in the order given (sorted by name, as Debezium does), rows in heap order;
// with threads > 1 the ranges are read ahead in parallel and still handed
// over in heap order. Memory is bounded: each reader holds at most two
// ranges' queues of queue_rows rows or queue_bytes bytes (whichever comes
// first) ahead of the hand-over, plus the chunk it is filling.
//
// Runs on the calling (reader) thread; its own reader threads only read and
// parse COPY output. The exporting replication connection must stay open and
// idle until Run() returns.
class Snapshotter {
 public:
  Snapshotter(SnapshotOptions options, EventHandler* handler, TypeResolver* resolver,
              const std::atomic<bool>* stop);

  // kUnavailable when *stop interrupted it (nothing was committed to the
  // handler); kNotFound when the snapshot can no longer be imported; the
  // server's error otherwise.
  Status Run(const std::vector<TableId>& tables);

  const SnapshotProgress& progress() const { return progress_; }

 private:
  struct TableMeta;    // a table's relation and size, from the catalog
  struct Range;        // one COPY: a whole table or one ctid range of it
  class RangeReaders;  // the reader threads and their bounded queues

  // The catalog's view of each table, in the shape pgoutput's Relation
  // message gives, so snapshot and streamed rows encode alike.
  Result<std::vector<TableMeta>> ReadTables(PGconn* catalog, const std::vector<TableId>& tables,
                                            RelationCache* cache);
  // Work list in hand-over order: each table whole, or in ctid ranges when
  // it is big and there are several readers.
  std::vector<Range> PlanRanges(const std::vector<TableId>& tables,
                                const std::vector<TableMeta>& metas, int threads) const;
  // Drains the queues in range order into the handler, marking each row.
  Status HandOver(const TransactionInfo& txn, const std::vector<TableId>& tables,
                  const std::vector<TableMeta>& metas, const std::vector<Range>& ranges,
                  RangeReaders* readers);

  SnapshotOptions options_;
  EventHandler* handler_;
  TypeResolver* resolver_;
  const std::atomic<bool>* stop_;
  SnapshotProgress progress_;
};

}  // namespace walcast::wal_reader
