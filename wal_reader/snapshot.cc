#include "wal_reader/snapshot.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "core/log.h"
#include "pg/libpq.h"
#include "wal_reader/session_options.h"

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
  Status imported = Exec(conn.get(), "SET TRANSACTION SNAPSHOT " +
                                         Literal(conn.get(), options.snapshot_name));
  if (!imported.ok()) {
    return Status::NotFound("cannot import the slot's exported snapshot " +
                            options.snapshot_name + ": " + imported.message());
  }
  return conn;
}

// One unit of reading: a whole table or one ctid range of it.
struct Range {
  size_t table = 0;             // index into the table list
  std::string sql;              // COPY (...) TO STDOUT
  bool last_of_table = false;   // the table's rows end with this range
};

// Rows of one range on their way from a reader thread to the pipeline.
struct RangeQueue {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Tuple> rows;
  bool done = false;
  Status status;
};

struct TableMeta {
  std::shared_ptr<const Relation> relation;
  std::string columns_sql;  // quoted column list
  int64_t pages = 0;
  int64_t estimated_rows = 0;
};

}  // namespace

Status ParseCopyTextRow(std::string_view line, size_t columns, Tuple* out) {
  out->clear();
  out->reserve(columns);
  size_t i = 0;
  for (;;) {
    // One field: up to the next unescaped tab or the end.
    if (line.substr(i, 2) == "\\N" && (i + 2 == line.size() || line[i + 2] == '\t')) {
      out->push_back(Datum::Null());
      i += 2;
    } else {
      std::string value;
      while (i < line.size() && line[i] != '\t') {
        char c = line[i++];
        if (c != '\\') {
          value.push_back(c);
          continue;
        }
        if (i >= line.size()) return Status::Corruption("COPY row ends inside an escape");
        const char e = line[i++];
        switch (e) {
          case 'b': value.push_back('\b'); break;
          case 'f': value.push_back('\f'); break;
          case 'n': value.push_back('\n'); break;
          case 'r': value.push_back('\r'); break;
          case 't': value.push_back('\t'); break;
          case 'v': value.push_back('\v'); break;
          case 'x': {
            int v = 0, n = 0;
            while (n < 2 && i < line.size() && std::isxdigit(static_cast<unsigned char>(line[i]))) {
              const char h = line[i++];
              v = v * 16 + (std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (h | 0x20) - 'a' + 10);
              ++n;
            }
            if (n == 0) {
              value.push_back('x');
            } else {
              value.push_back(static_cast<char>(v));
            }
            break;
          }
          default:
            if (e >= '0' && e <= '7') {
              int v = e - '0', n = 1;
              while (n < 3 && i < line.size() && line[i] >= '0' && line[i] <= '7') {
                v = v * 8 + (line[i++] - '0');
                ++n;
              }
              value.push_back(static_cast<char>(v));
            } else {
              value.push_back(e);  // \\ and any other escaped character
            }
        }
      }
      out->push_back(Datum::Text(std::move(value)));
    }
    if (i == line.size()) break;
    ++i;  // the tab
  }
  if (out->size() != columns) {
    return Status::Corruption("COPY row has " + std::to_string(out->size()) + " fields, expected " +
                              std::to_string(columns));
  }
  return Status::Ok();
}

Snapshotter::Snapshotter(SnapshotOptions options, EventHandler* handler, TypeResolver* resolver,
                         const std::atomic<bool>* stop)
    : options_(std::move(options)), handler_(handler), resolver_(resolver), stop_(stop) {}

Status Snapshotter::Run(const std::vector<TableId>& tables) {
  const int64_t started_us = UnixMicrosNow();
  WALCAST_ASSIGN_OR_RETURN(PgConnPtr catalog, OpenSnapshotConnection(options_));
  const int threads = std::max(1, options_.threads);
  // Every reader imports the snapshot now, while the exporting connection is
  // still idle.
  std::vector<PgConnPtr> readers;
  for (int t = 0; t < threads; ++t) {
    WALCAST_ASSIGN_OR_RETURN(PgConnPtr conn, OpenSnapshotConnection(options_));
    readers.push_back(std::move(conn));
  }

  PgResultPtr res;
  WALCAST_RETURN_IF_ERROR(Exec(catalog.get(), "SELECT txid_current()", &res));
  TransactionInfo txn;
  txn.xid = std::stoull(PQgetvalue(res.get(), 0, 0));
  txn.commit_lsn = txn.begin_lsn = txn.end_lsn = options_.lsn;
  txn.commit_time_us = started_us;
  txn.snapshot = true;

  // The tables' columns as the snapshot sees them, in the shape pgoutput's
  // Relation message gives, so snapshot and streamed rows encode alike.
  RelationCache cache(resolver_);
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
        "WHERE n.nspname = " + Literal(catalog.get(), table.schema) +
        " AND c.relname = " + Literal(catalog.get(), table.name) +
        " AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum";
    WALCAST_RETURN_IF_ERROR(Exec(catalog.get(), sql, &res));
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
    meta.relation = cache.Put(std::move(relation));
    metas.push_back(std::move(meta));
  }
  progress_.rows_estimated.store(estimated);
  progress_.tables_total.store(static_cast<uint32_t>(tables.size()));

  // Work list in hand-over order: each table whole, or in ctid ranges when
  // it is big and there are several readers.
  std::vector<Range> ranges;
  for (size_t t = 0; t < tables.size(); ++t) {
    const std::string base =
        "COPY (SELECT " + metas[t].columns_sql + " FROM " + tables[t].Qualified();
    const int64_t pages = metas[t].pages;
    if (threads > 1 && pages >= options_.min_pages_to_split) {
      const int64_t pieces = static_cast<int64_t>(threads) * 4;
      const int64_t step = (pages + pieces - 1) / pieces;
      for (int64_t from = 0; from < pages; from += step) {
        const bool last = from + step >= pages;
        std::string where = " WHERE ctid >= '(" + std::to_string(from) + ",0)'::tid";
        // The last range is open-ended: pages added since the size was read
        // hold no row the snapshot sees, but cost nothing to scan.
        if (!last) where += " AND ctid < '(" + std::to_string(from + step) + ",0)'::tid";
        ranges.push_back({t, base + where + ") TO STDOUT", last});
      }
    } else {
      ranges.push_back({t, base + ") TO STDOUT", true});
    }
  }

  // Reader threads: reader r reads ranges r, r + threads, ... in order, each
  // into its own bounded queue; the pipeline drains the queues in range order.
  std::vector<std::unique_ptr<RangeQueue>> queues;
  for (size_t i = 0; i < ranges.size(); ++i) queues.push_back(std::make_unique<RangeQueue>());
  std::atomic<bool> abort{false};
  auto read_ranges = [&](int reader) {
    PGconn* conn = readers[reader].get();
    for (size_t i = reader; i < ranges.size(); i += threads) {
      RangeQueue& q = *queues[i];
      const size_t columns = metas[ranges[i].table].relation->columns.size();
      Status status;
      PgResultPtr copy(PQexec(conn, ranges[i].sql.c_str()));
      if (PQresultStatus(copy.get()) != PGRES_COPY_OUT) {
        status = pg::StatusFromResult(copy.get(), "snapshot COPY of " + tables[ranges[i].table].Dotted());
      }
      while (status.ok()) {
        char* raw = nullptr;
        const int n = PQgetCopyData(conn, &raw, 0);
        const pg::PqBufferPtr buf(raw);
        if (n == -1) break;  // end of COPY
        if (n < 0) {
          status = Status::Unavailable(std::string("snapshot COPY failed: ") + PQerrorMessage(conn));
          break;
        }
        Tuple row;
        std::string_view line(buf.get(), static_cast<size_t>(n));
        if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
        status = ParseCopyTextRow(line, columns, &row);
        if (!status.ok()) break;
        std::unique_lock lock(q.mu);
        q.cv.wait(lock, [&] { return q.rows.size() < options_.queue_rows || abort.load(); });
        if (abort.load()) {
          status = Status::Unavailable("snapshot stopped");
          break;
        }
        q.rows.push_back(std::move(row));
        q.cv.notify_all();
      }
      if (status.ok()) {
        PgResultPtr end(PQgetResult(conn));
        if (PQresultStatus(end.get()) != PGRES_COMMAND_OK) {
          status = pg::StatusFromResult(end.get(), "snapshot COPY of " + tables[ranges[i].table].Dotted());
        }
        while (PgResultPtr more{PQgetResult(conn)}) {
        }
      }
      // On failure this reader's remaining ranges fail with it, so the
      // pipeline side never waits on a range nobody reads.
      for (size_t j = i; j < ranges.size(); j += threads) {
        if (j != i && status.ok()) break;
        std::lock_guard lock(queues[j]->mu);
        queues[j]->done = true;
        queues[j]->status = status;
        queues[j]->cv.notify_all();
      }
      if (!status.ok()) return;
    }
  };
  std::vector<std::thread> workers;
  for (int r = 0; r < threads; ++r) workers.emplace_back(read_ranges, r);
  auto stop_workers = [&] {
    abort.store(true);
    for (auto& q : queues) {
      std::lock_guard lock(q->mu);
      q->cv.notify_all();
    }
    for (auto& w : workers) w.join();
    workers.clear();
  };

  log::Info("snapshot started", {{"tables", tables.size()},
                                 {"estimated_rows", estimated},
                                 {"threads", threads},
                                 {"lsn", options_.lsn.ToString()}});
  Status result = handler_->OnBegin(txn);
  // One row is held back per table so that the last one can be marked.
  std::optional<ChangeEvent> held;
  uint64_t rows_in_table = 0;
  auto next_log = std::chrono::steady_clock::now() + options_.progress_interval;
  auto hand_over = [&](bool has_next, size_t table) -> Status {
    ChangeEvent& e = *held;
    const bool first_table = table == 0;
    const bool last_table = table + 1 == tables.size();
    if (first_table && rows_in_table == 1) {
      e.snapshot = SnapshotMark::kFirst;
    } else if (last_table && !has_next) {
      e.snapshot = SnapshotMark::kLast;
    } else if (!has_next) {
      e.snapshot = SnapshotMark::kLastInCollection;
    } else if (rows_in_table == 1) {
      e.snapshot = SnapshotMark::kFirstInCollection;
    } else {
      e.snapshot = SnapshotMark::kTrue;
    }
    Status s = handler_->OnChange(txn, e);
    held.reset();
    progress_.rows_done.fetch_add(1, std::memory_order_relaxed);
    return s;
  };
  for (size_t i = 0; i < ranges.size() && result.ok(); ++i) {
    RangeQueue& q = *queues[i];
    const size_t table = ranges[i].table;
    for (;;) {
      std::optional<Tuple> row;
      {
        std::unique_lock lock(q.mu);
        q.cv.wait_for(lock, std::chrono::milliseconds(200),
                      [&] { return !q.rows.empty() || q.done; });
        if (!q.rows.empty()) {
          row = std::move(q.rows.front());
          q.rows.pop_front();
          q.cv.notify_all();
        } else if (q.done) {
          result = q.status;
          break;
        }
      }
      if (stop_->load()) {
        result = Status::Unavailable("snapshot interrupted by a stop request");
        break;
      }
      if (!row) continue;
      if (held) {
        result = hand_over(true, table);
        if (!result.ok()) break;
      }
      ++rows_in_table;
      ChangeEvent event;
      event.op = Op::kRead;
      event.lsn = options_.lsn;
      event.relation = metas[table].relation;
      event.after = std::move(*row);
      held = std::move(event);
      if (std::chrono::steady_clock::now() >= next_log) {
        log::Info("snapshot progress", {{"table", tables[table].Dotted()},
                                        {"rows_done", progress_.rows_done.load()},
                                        {"rows_estimated", estimated}});
        next_log = std::chrono::steady_clock::now() + options_.progress_interval;
      }
    }
    if (result.ok() && ranges[i].last_of_table) {
      if (held) result = hand_over(false, table);
      rows_in_table = 0;
      progress_.tables_done.fetch_add(1);
    }
  }
  stop_workers();
  if (!result.ok()) return result;
  WALCAST_RETURN_IF_ERROR(handler_->OnCommit(txn));
  log::Info("snapshot read", {{"tables", tables.size()},
                              {"rows", progress_.rows_done.load()},
                              {"seconds", (UnixMicrosNow() - started_us) / 1000000.0}});
  return Status::Ok();
}

}  // namespace walcast::wal_reader
