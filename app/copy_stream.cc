#include "app/copy_stream.h"

#include <utility>

#include "core/escape.h"

namespace walcast::app {

using pg::PgConnPtr;
using pg::PgResultPtr;

Status Exec(PGconn* conn, const std::string& sql) {
  PgResultPtr res(PQexec(conn, sql.c_str()));
  const ExecStatusType st = PQresultStatus(res.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    std::string msg = PQresultErrorMessage(res.get());
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    if (PQstatus(conn) == CONNECTION_BAD) return Status::Unavailable("connection lost: " + msg);
    return Status::Fatal(msg);
  }
  return Status::Ok();
}

void IgnoreNotice(void*, const char*) {}

void AppendCopyText(std::string_view s, std::string* out) {
  for (const char c : s) {
    if (const std::string_view e = ShortEscape(static_cast<unsigned char>(c)); !e.empty()) {
      out->append(e);
    } else {
      out->push_back(c);
    }
  }
}

Status EnsureTable(PGconn* conn, const TableDdl& ddl) {
  const std::string check = std::string("SELECT to_regclass('") + ddl.table + "') IS NULL";
  PgResultPtr res(PQexec(conn, check.c_str()));
  if (PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
    return Status::Fatal(check + ": " + PQresultErrorMessage(res.get()));
  }
  if (std::string_view(PQgetvalue(res.get(), 0, 0)) != "t") return Status::Ok();
  Status s = Exec(conn, ddl.sql);
  if (!s.ok())
    return Status(s.code(),
                  std::string("creating ") + ddl.table + " (" + ddl.file + "): " + s.message());
  return Status::Ok();
}

Result<std::unique_ptr<CopyStream>> CopyStream::Open(const std::string& conninfo,
                                                     std::string copy_sql,
                                                     std::string before_commit) {
  PgConnPtr conn(PQconnectdb(conninfo.c_str()));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    return pg::ClassifyConnectError(conn.get());
  }
  PQsetNoticeProcessor(conn.get(), IgnoreNotice, nullptr);
  return std::unique_ptr<CopyStream>(
      new CopyStream(std::move(conn), std::move(copy_sql), std::move(before_commit)));
}

Result<std::string*> CopyStream::Row() {
  if (!in_copy_) {
    WALCAST_RETURN_IF_ERROR(Exec(conn_.get(), "BEGIN"));
    PgResultPtr res(PQexec(conn_.get(), copy_sql_.c_str()));
    if (PQresultStatus(res.get()) != PGRES_COPY_IN) {
      return Status::Fatal(copy_sql_ + ": " + PQresultErrorMessage(res.get()));
    }
    in_copy_ = true;
  }
  return &buffer_;
}

Status CopyStream::EndBatch() {
  if (!in_copy_) return Status::Ok();
  WALCAST_RETURN_IF_ERROR(Send());
  in_copy_ = false;
  if (PQputCopyEnd(conn_.get(), nullptr) != 1) {
    return Status::Unavailable(std::string("COPY end: ") + PQerrorMessage(conn_.get()));
  }
  PgResultPtr res(PQgetResult(conn_.get()));
  if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
    return Status::Fatal(copy_sql_ + ": " + PQresultErrorMessage(res.get()));
  }
  while (PGresult* extra = PQgetResult(conn_.get())) PQclear(extra);
  if (!before_commit_.empty()) WALCAST_RETURN_IF_ERROR(Exec(conn_.get(), before_commit_));
  return Exec(conn_.get(), "COMMIT");
}

Status CopyStream::Send() {
  if (buffer_.empty()) return Status::Ok();
  if (PQputCopyData(conn_.get(), buffer_.data(), static_cast<int>(buffer_.size())) != 1) {
    return Status::Unavailable(std::string("COPY: ") + PQerrorMessage(conn_.get()));
  }
  buffer_.clear();
  return Status::Ok();
}

Status OpenStream(const std::string& conninfo, const TableDdl& ddl, std::string before_commit,
                  std::unique_ptr<CopyStream>* out) {
  WALCAST_ASSIGN_OR_RETURN(*out, CopyStream::Open(conninfo, ddl.copy, std::move(before_commit)));
  return EnsureTable((*out)->conn(), ddl);
}

}  // namespace walcast::app
