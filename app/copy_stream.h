#pragma once

// Writing generated rows into PostgreSQL for `generate-profiles` and
// `generate-mosip` (app/generate_profiles.h, app/generate_mosip.h): COPY
// text, one COPY stream per table and connection, and MOSIP's embedded DDL
// run when a table is missing.

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "pg/libpq.h"

namespace walcast::app {

// Runs one statement. kUnavailable when the connection is lost, kFatal for
// any other failure (the server's message).
Status Exec(PGconn* conn, const std::string& sql);

// Drops the server's NOTICEs ("schema ... already exists, skipping"), which
// libpq would print on stderr.
void IgnoreNotice(void*, const char*);

// Appends `s` in COPY's text format (PostgreSQL docs, "COPY", File Formats >
// Text Format): backslash and the control characters it names (b, t, n, f,
// r) escaped. It is its own specification, not JSON's, so it keeps its own
// escaper; JSON text inside it is already JSON.
void AppendCopyText(std::string_view s, std::string* out);

// A table a generator writes: its DDL and the COPY that fills it.
struct TableDdl {
  const char* table;  // "schema.table"
  const char* file;   // the DDL's file, for messages: "sql/mosip/..."
  const char* sql;    // the DDL (idempotent)
  const char* copy;   // "COPY schema.table (...) FROM STDIN"
};

// Creates a table from its DDL unless it exists. Checking first means a
// role without CREATE can still fill tables someone else made. kFatal (with
// the table and file) when the check or the DDL fails.
Status EnsureTable(PGconn* conn, const TableDdl& ddl);

// One table's COPY ... FROM STDIN on its own connection, one transaction per
// batch. Separate connections let the server ingest the tables in parallel
// while the generator runs, and keep each COPY streaming as rows come. Used
// by one thread; every call blocks on the server.
class CopyStream {
 public:
  // Connects; errors as pg::ClassifyConnectError. `before_commit` (may be
  // empty) runs after each batch's COPY, in its transaction.
  static Result<std::unique_ptr<CopyStream>> Open(const std::string& conninfo, std::string copy_sql,
                                                  std::string before_commit);

  PGconn* conn() const { return conn_.get(); }

  // Where to append the next row (COPY text, ending in '\n'); call Sent()
  // after. Starts the batch's transaction and COPY if needed (kFatal if the
  // server refuses the COPY).
  Result<std::string*> Row();

  // Sends what is buffered once it is large enough.
  Status Sent() { return buffer_.size() >= kSendBytes ? Send() : Status::Ok(); }

  // Ends the batch's COPY and commits it (nothing to do without rows).
  // kFatal when the server refuses the rows (e.g. a duplicate key).
  Status EndBatch();

 private:
  static constexpr size_t kSendBytes = size_t{256} * 1024;

  CopyStream(pg::PgConnPtr conn, std::string copy_sql, std::string before_commit)
      : conn_(std::move(conn)),
        copy_sql_(std::move(copy_sql)),
        before_commit_(std::move(before_commit)) {}

  Status Send();

  pg::PgConnPtr conn_;
  std::string copy_sql_;
  std::string before_commit_;
  std::string buffer_;
  bool in_copy_ = false;
};

// Opens a COPY stream for `ddl`'s table, creating the table first if missing.
Status OpenStream(const std::string& conninfo, const TableDdl& ddl, std::string before_commit,
                  std::unique_ptr<CopyStream>* out);

}  // namespace walcast::app
