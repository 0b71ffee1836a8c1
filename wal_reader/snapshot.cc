#include "wal_reader/snapshot.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "core/log.h"
#include "pg/libpq.h"
#include "wal_reader/copy_text.h"
#include "wal_reader/session_options.h"
#include "wal_reader/snapshot_plan.h"

namespace walcast::wal_reader {
namespace {

using pg::PgConnPtr;
using pg::PgResultPtr;

std::string Literal(PGconn* conn, const std::string& text) {
  const pg::PqBufferPtr escaped(PQescapeLiteral(conn, text.data(), text.size()));
  return escaped ? std::string(escaped.get()) : "''";
}

Status Exec(PGconn* conn, const std::string& sql, PgResultPtr* out = nullptr) {
  PgResultPtr res(PQexec(conn, sql.c_str()));
  const ExecStatusType st = PQresultStatus(res.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    return pg::StatusFromResult(res.get(), "snapshot query failed");
  }
  if (out != nullptr) *out = std::move(res);
  return Status::Ok();
}

// A connection inside a REPEATABLE READ transaction that sees exactly the
// exported snapshot.
Result<PgConnPtr> OpenSnapshotConnection(const SnapshotOptions& options) {
  const std::string full =
      options.conninfo + " application_name=walcast-snapshot" + SessionOptions();
  PgConnPtr conn(PQconnectdb(full.c_str()));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) return pg::ClassifyConnectError(conn.get());
  WALCAST_RETURN_IF_ERROR(Exec(conn.get(), "BEGIN ISOLATION LEVEL REPEATABLE READ"));
  // A whole-table scan of a big table may otherwise join one already
  // running (say, a killed walcast's, still running on the server) in the
  // middle of the heap: rows would not come in heap order.
  WALCAST_RETURN_IF_ERROR(Exec(conn.get(), "SET LOCAL synchronize_seqscans = off"));
  Status imported = Exec(conn.get(), "SET TRANSACTION SNAPSHOT " +
                                         Literal(conn.get(), options.snapshot_name));
  if (!imported.ok()) {
    return Status::NotFound("cannot import the slot's exported snapshot " +
                            options.snapshot_name + ": " + imported.message());
  }
  return conn;
}

// Every connection of one snapshot. All of them import the snapshot at
// once, while the exporting connection is still idle.
struct Connections {
  PgConnPtr catalog;
  std::vector<PgConnPtr> readers;  // one per thread
};

Result<Connections> OpenConnections(const SnapshotOptions& options, int threads) {
  Connections conns;
  WALCAST_ASSIGN_OR_RETURN(conns.catalog, OpenSnapshotConnection(options));
  for (int t = 0; t < threads; ++t) {
    WALCAST_ASSIGN_OR_RETURN(PgConnPtr conn, OpenSnapshotConnection(options));
    conns.readers.push_back(std::move(conn));
  }
  return conns;
}

// The snapshot is one transaction ending at the consistent point; its xid
// is the snapshot transaction's txid_current() (the rows' txId). A standby
// cannot assign an xid; there it is the first xid the snapshot does not
// see, the one the primary was about to hand out.
Result<TransactionInfo> SnapshotTransaction(PGconn* catalog, Lsn lsn, int64_t started_us) {
  PgResultPtr res;
  WALCAST_RETURN_IF_ERROR(Exec(catalog,
                               "SELECT CASE WHEN pg_is_in_recovery() THEN "
                               "txid_snapshot_xmax(txid_current_snapshot()) "
                               "ELSE txid_current() END",
                               &res));
  TransactionInfo txn;
  txn.xid = std::stoull(PQgetvalue(res.get(), 0, 0));
  txn.commit_lsn = txn.begin_lsn = txn.end_lsn = lsn;
  txn.commit_time_us = started_us;
  txn.snapshot = true;
  return txn;
}

// Rows parsed together, handed over together.
struct RowChunk {
  std::vector<Tuple> rows;
  size_t bytes = 0;  // their COPY text
};

// Rows of one range on their way from a reader thread to the pipeline, in
// chunks: one lock and one wake-up per chunk, not per row.
struct RangeQueue {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<RowChunk> chunks;
  size_t rows = 0;   // in `chunks`
  size_t bytes = 0;  // their COPY text
  bool done = false;
  Status status;
};

// Hands rows to the handler as kRead events, marked as Debezium marks them.
// Two rows wait: the table's newest row, until the next one (or the table's
// end) says whether it was the table's last; and the newest marked row,
// until another follows it. Debezium holds back the same one record and, at
// the snapshot's end, marks it "last" whatever table it came from, so a
// snapshot whose last tables are empty still ends with a "last" record.
class RowHandOver {
 public:
  RowHandOver(EventHandler* handler, const TransactionInfo& txn, size_t tables,
              SnapshotProgress* progress)
      : handler_(handler), txn_(txn), tables_(tables), progress_(progress) {}

  // A row of table `table`: marks the one held before it.
  Status Add(size_t table, ChangeEvent event) {
    if (held_) WALCAST_RETURN_IF_ERROR(Mark(table, /*has_next=*/true));
    ++rows_in_table_;
    held_ = std::move(event);
    return Status::Ok();
  }
  // The table's rows ended: its held row is its last.
  Status EndTable(size_t table) {
    Status s = held_ ? Mark(table, /*has_next=*/false) : Status::Ok();
    rows_in_table_ = 0;
    return s;
  }
  // Every table ended: the row still held back is the snapshot's last.
  Status Finish() {
    if (!pending_) return Status::Ok();
    pending_->snapshot = SnapshotMark::kLast;
    return Release();
  }

 private:
  Status Mark(size_t table, bool has_next) {
    held_->snapshot = MarkRow(table == 0, table + 1 == tables_, rows_in_table_, has_next);
    Status s = pending_ ? Release() : Status::Ok();
    pending_ = std::move(held_);
    held_.reset();
    return s;
  }
  Status Release() {
    Status s = handler_->OnChange(txn_, *pending_);
    pending_.reset();
    progress_->rows_done.fetch_add(1, std::memory_order_relaxed);
    return s;
  }

  EventHandler* handler_;
  const TransactionInfo& txn_;
  const size_t tables_;
  SnapshotProgress* progress_;
  std::optional<ChangeEvent> held_;     // the table's newest row, not marked yet
  std::optional<ChangeEvent> pending_;  // the newest marked row, not handed over yet
  uint64_t rows_in_table_ = 0;
};

}  // namespace

struct Snapshotter::TableMeta {
  std::shared_ptr<const Relation> relation;
  std::string columns_sql;  // quoted column list
  int64_t pages = 0;
  int64_t estimated_rows = 0;
};

struct Snapshotter::Range {
  size_t table = 0;            // index into the table list
  std::string sql;             // COPY (...) TO STDOUT
  bool last_of_table = false;  // the table's rows end with this range
};

// Reader r reads ranges r, r + threads, ... in order, each into its own
// bounded queue; the reader thread drains the queues in range order.
class Snapshotter::RangeReaders {
 public:
  // A chunk is handed over when it holds this many rows or bytes.
  static constexpr size_t kChunkRows = 256;
  static constexpr size_t kChunkBytes = size_t{256} * 1024;

  RangeReaders(const std::vector<Range>& ranges, const std::vector<TableMeta>& metas,
               const std::vector<TableId>& tables, size_t queue_rows, size_t queue_bytes)
      : ranges_(ranges),
        metas_(metas),
        tables_(tables),
        queue_rows_(queue_rows),
        queue_bytes_(queue_bytes) {
    for (size_t i = 0; i < ranges.size(); ++i) queues_.push_back(std::make_unique<RangeQueue>());
  }
  ~RangeReaders() { Stop(); }

  // One thread per connection; the connections must outlive Stop().
  void Start(const std::vector<PgConnPtr>& conns) {
    threads_ = conns.size();
    for (size_t r = 0; r < conns.size(); ++r) {
      workers_.emplace_back([this, conn = conns[r].get(), r] { ReadAll(conn, r); });
    }
  }
  RangeQueue& queue(size_t i) { return *queues_[i]; }

  // Wakes every reader waiting on a full queue and joins them. Idempotent.
  void Stop() {
    abort_.store(true);
    for (auto& q : queues_) {
      std::lock_guard lock(q->mu);
      q->cv.notify_all();
    }
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

 private:
  void ReadAll(PGconn* conn, size_t first) {
    for (size_t i = first; i < ranges_.size(); i += threads_) {
      const Status status = ReadRange(conn, ranges_[i], queues_[i].get());
      // On failure this reader's remaining ranges fail with it, so the
      // draining side never waits on a range nobody reads.
      for (size_t j = i; j < ranges_.size(); j += threads_) {
        if (j != i && status.ok()) break;
        std::lock_guard lock(queues_[j]->mu);
        queues_[j]->done = true;
        queues_[j]->status = status;
        queues_[j]->cv.notify_all();
      }
      if (!status.ok()) return;
    }
  }

  Status ReadRange(PGconn* conn, const Range& range, RangeQueue* q) {
    const std::string what = "snapshot COPY of " + tables_[range.table].Dotted();
    const size_t columns = metas_[range.table].relation->columns.size();
    PgResultPtr copy(PQexec(conn, range.sql.c_str()));
    if (PQresultStatus(copy.get()) != PGRES_COPY_OUT) return pg::StatusFromResult(copy.get(), what);
    RowChunk chunk;
    for (;;) {
      char* raw = nullptr;
      const int n = PQgetCopyData(conn, &raw, 0);
      const pg::PqBufferPtr buf(raw);
      if (n == -1) break;  // end of COPY
      if (n < 0) {
        return Status::Unavailable(std::string("snapshot COPY failed: ") + PQerrorMessage(conn));
      }
      std::string_view line(buf.get(), static_cast<size_t>(n));
      if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
      WALCAST_RETURN_IF_ERROR(ParseCopyTextRow(line, columns, &chunk.rows.emplace_back()));
      chunk.bytes += static_cast<size_t>(n);
      if (chunk.rows.size() >= kChunkRows || chunk.bytes >= kChunkBytes) {
        WALCAST_RETURN_IF_ERROR(Push(q, &chunk));
      }
    }
    if (!chunk.rows.empty()) WALCAST_RETURN_IF_ERROR(Push(q, &chunk));
    PgResultPtr end(PQgetResult(conn));
    Status status = PQresultStatus(end.get()) == PGRES_COMMAND_OK
                        ? Status::Ok()
                        : pg::StatusFromResult(end.get(), what);
    while (PgResultPtr more{PQgetResult(conn)}) {
    }
    return status;
  }

  // Queues `chunk` (leaving it empty) once the queue has room: fewer than
  // queue_rows rows and queue_bytes bytes, or nothing at all, so one chunk
  // of rows larger than the bound still passes.
  Status Push(RangeQueue* q, RowChunk* chunk) {
    std::unique_lock lock(q->mu);
    q->cv.wait(lock, [&] {
      return q->chunks.empty() || (q->rows < queue_rows_ && q->bytes < queue_bytes_) ||
             abort_.load();
    });
    if (abort_.load()) return Status::Unavailable("snapshot stopped");
    q->rows += chunk->rows.size();
    q->bytes += chunk->bytes;
    q->chunks.push_back(std::move(*chunk));
    *chunk = RowChunk{};
    chunk->rows.reserve(kChunkRows);
    q->cv.notify_all();
    return Status::Ok();
  }

  const std::vector<Range>& ranges_;
  const std::vector<TableMeta>& metas_;
  const std::vector<TableId>& tables_;
  const size_t queue_rows_;
  const size_t queue_bytes_;
  size_t threads_ = 1;
  std::vector<std::unique_ptr<RangeQueue>> queues_;
  std::atomic<bool> abort_{false};
  std::vector<std::thread> workers_;
};

Snapshotter::Snapshotter(SnapshotOptions options, EventHandler* handler, TypeResolver* resolver,
                         const std::atomic<bool>* stop)
    : options_(std::move(options)), handler_(handler), resolver_(resolver), stop_(stop) {}

Status Snapshotter::Run(const std::vector<TableId>& tables) {
  const int64_t started_us = UnixMicrosNow();
  const int threads = std::max(1, options_.threads);
  WALCAST_ASSIGN_OR_RETURN(Connections conns, OpenConnections(options_, threads));
  WALCAST_ASSIGN_OR_RETURN(const TransactionInfo txn,
                           SnapshotTransaction(conns.catalog.get(), options_.lsn, started_us));
  RelationCache cache(resolver_);
  WALCAST_ASSIGN_OR_RETURN(const std::vector<TableMeta> metas,
                           ReadTables(conns.catalog.get(), tables, &cache));
  const std::vector<Range> ranges = PlanRanges(tables, metas, threads);

  RangeReaders readers(ranges, metas, tables, options_.queue_rows, options_.queue_bytes);
  readers.Start(conns.readers);
  log::Info("snapshot started", {{"tables", tables.size()},
                                 {"estimated_rows", progress_.rows_estimated.load()},
                                 {"threads", threads},
                                 {"lsn", options_.lsn.ToString()}});
  Status result = handler_->OnBegin(txn);
  if (result.ok()) result = HandOver(txn, tables, metas, ranges, &readers);
  readers.Stop();
  if (!result.ok()) return result;
  WALCAST_RETURN_IF_ERROR(handler_->OnCommit(txn));
  log::Info("snapshot read", {{"tables", tables.size()},
                              {"rows", progress_.rows_done.load()},
                              {"seconds", (UnixMicrosNow() - started_us) / 1000000.0}});
  return Status::Ok();
}

Result<std::vector<Snapshotter::TableMeta>> Snapshotter::ReadTables(
    PGconn* catalog, const std::vector<TableId>& tables, RelationCache* cache) {
  std::vector<TableMeta> metas;
  uint64_t estimated = 0;
  for (const TableId& table : tables) {
    const std::string sql =
        "SELECT c.oid, c.relreplident, a.attname, a.atttypid, a.atttypmod, "
        "  coalesce((SELECT true FROM pg_index i WHERE i.indrelid = c.oid AND a.attnum = ANY(i.indkey)"
        "    AND ((c.relreplident = 'd' AND i.indisprimary) OR (c.relreplident = 'i' AND i.indisreplident))"
        "    LIMIT 1), c.relreplident = 'f') AS is_key, "
        "  greatest(c.reltuples, 0)::bigint, "
        "  pg_relation_size(c.oid) / current_setting('block_size')::bigint "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid "
        "WHERE n.nspname = " + Literal(catalog, table.schema) +
        " AND c.relname = " + Literal(catalog, table.name) +
        " AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum";
    PgResultPtr res;
    WALCAST_RETURN_IF_ERROR(Exec(catalog, sql, &res));
    if (PQntuples(res.get()) == 0) {
      return Status::NotFound("table " + table.Dotted() + " does not exist in the snapshot");
    }
    Relation relation;
    relation.oid = static_cast<uint32_t>(std::stoul(PQgetvalue(res.get(), 0, 0)));
    relation.schema = table.schema;
    relation.name = table.name;
    relation.replica_identity = static_cast<ReplicaIdentity>(PQgetvalue(res.get(), 0, 1)[0]);
    TableMeta meta;
    for (int r = 0; r < PQntuples(res.get()); ++r) {
      Column column;
      column.name = PQgetvalue(res.get(), r, 2);
      column.type_oid = static_cast<uint32_t>(std::stoul(PQgetvalue(res.get(), r, 3)));
      column.type_modifier = std::stoi(PQgetvalue(res.get(), r, 4));
      column.is_key = PQgetvalue(res.get(), r, 5)[0] == 't';
      if (!meta.columns_sql.empty()) meta.columns_sql += ", ";
      meta.columns_sql += pg::QuoteIdentifier(column.name);
      relation.columns.push_back(std::move(column));
    }
    meta.estimated_rows = std::stoll(PQgetvalue(res.get(), 0, 6));
    meta.pages = std::stoll(PQgetvalue(res.get(), 0, 7));
    estimated += static_cast<uint64_t>(meta.estimated_rows);
    progress_.SetTableRows(table.Dotted(), static_cast<uint64_t>(meta.estimated_rows));
    meta.relation = cache->Put(std::move(relation));
    metas.push_back(std::move(meta));
  }
  progress_.rows_estimated.store(estimated);
  progress_.tables_total.store(static_cast<uint32_t>(tables.size()));
  return metas;
}

std::vector<Snapshotter::Range> Snapshotter::PlanRanges(const std::vector<TableId>& tables,
                                                        const std::vector<TableMeta>& metas,
                                                        int threads) const {
  std::vector<Range> ranges;
  for (size_t t = 0; t < tables.size(); ++t) {
    const std::string base =
        "COPY (SELECT " + metas[t].columns_sql + " FROM " + tables[t].Qualified();
    const std::vector<PageRange> pieces =
        SplitTable(metas[t].pages, threads, options_.min_pages_to_split);
    if (pieces.empty()) {
      ranges.push_back({t, base + ") TO STDOUT", true});
      continue;
    }
    for (const PageRange& piece : pieces) {
      ranges.push_back({t, base + CtidCondition(piece) + ") TO STDOUT", !piece.to_page});
    }
  }
  return ranges;
}

Status Snapshotter::HandOver(const TransactionInfo& txn, const std::vector<TableId>& tables,
                             const std::vector<TableMeta>& metas,
                             const std::vector<Range>& ranges, RangeReaders* readers) {
  RowHandOver rows(handler_, txn, tables.size(), &progress_);
  auto next_log = std::chrono::steady_clock::now() + options_.progress_interval;
  uint64_t table_rows = 0;  // of the table being handed over (its ranges are consecutive)
  for (size_t i = 0; i < ranges.size(); ++i) {
    RangeQueue& q = readers->queue(i);
    const size_t table = ranges[i].table;
    if (i == 0 || ranges[i - 1].table != table) table_rows = 0;
    for (;;) {
      RowChunk chunk;
      bool end = false;
      {
        // Wakes at least every 200 ms to notice a stop request.
        std::unique_lock lock(q.mu);
        q.cv.wait_for(lock, std::chrono::milliseconds(200),
                      [&] { return !q.chunks.empty() || q.done; });
        if (!q.chunks.empty()) {
          chunk = std::move(q.chunks.front());
          q.chunks.pop_front();
          q.rows -= chunk.rows.size();
          q.bytes -= chunk.bytes;
          q.cv.notify_all();
        } else if (q.done) {
          WALCAST_RETURN_IF_ERROR(q.status);
          end = true;
        }
      }
      if (end) break;
      if (stop_->load()) return Status::Unavailable("snapshot interrupted by a stop request");
      for (Tuple& row : chunk.rows) {
        ChangeEvent event;
        event.op = Op::kRead;
        event.lsn = options_.lsn;
        event.relation = metas[table].relation;
        event.after = std::move(row);
        WALCAST_RETURN_IF_ERROR(rows.Add(table, std::move(event)));
      }
      table_rows += chunk.rows.size();
      if (chunk.rows.empty()) continue;
      if (const auto now = std::chrono::steady_clock::now(); now >= next_log) {
        log::Info("snapshot progress", {{"table", tables[table].Dotted()},
                                        {"rows_done", progress_.rows_done.load()},
                                        {"rows_estimated", progress_.rows_estimated.load()}});
        next_log = now + options_.progress_interval;
      }
    }
    if (ranges[i].last_of_table) {
      WALCAST_RETURN_IF_ERROR(rows.EndTable(table));
      progress_.SetTableRows(tables[table].Dotted(), table_rows);
      progress_.tables_done.fetch_add(1);
    }
  }
  return rows.Finish();
}

}  // namespace walcast::wal_reader
