#include "wal_reader/libpq_replication_stream.h"

#include <sys/select.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>

#include "core/event.h"
#include "wal_reader/session_options.h"

namespace walcast::wal_reader {
namespace {

void WriteU64(char* p, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

int64_t NowPostgresMicros() { return UnixMicrosNow() - kPostgresEpochOffsetUs; }

// SQLSTATE object_in_use: START_REPLICATION on a slot another walsender holds.
constexpr std::string_view kObjectInUse = "55006";

}  // namespace

Result<std::unique_ptr<LibpqReplicationStream>> LibpqReplicationStream::Connect(
    const std::string& conninfo) {
  const std::string full =
      conninfo + " replication=database application_name=walcast" + SessionOptions();
  pg::PgConnPtr conn(PQconnectdb(full.c_str()));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) return pg::ClassifyConnectError(conn.get());
  return std::unique_ptr<LibpqReplicationStream>(new LibpqReplicationStream(std::move(conn)));
}

LibpqReplicationStream::~LibpqReplicationStream() = default;

Status LibpqReplicationStream::ServerError(const std::string& what) const {
  if (PQstatus(conn_.get()) == CONNECTION_BAD) {
    return Status::Unavailable(what + ": connection lost: " +
                               pg::TrimMessage(PQerrorMessage(conn_.get())));
  }
  return Status::Unavailable(what + ": " + pg::TrimMessage(PQerrorMessage(conn_.get())));
}

Result<LibpqReplicationStream::CreatedSlot> LibpqReplicationStream::CreateSlotExportingSnapshot(
    const std::string& slot, const std::string& plugin, bool failover) {
  // FAILOVER exists only in the option-list syntax (PostgreSQL 15+); the
  // older keyword syntax keeps slots without failover working on 14.
  const std::string sql = "CREATE_REPLICATION_SLOT " + pg::QuoteIdentifier(slot) + " LOGICAL " +
                          pg::QuoteIdentifier(plugin) +
                          (failover ? " (SNAPSHOT 'export', FAILOVER true)" : " EXPORT_SNAPSHOT");
  pg::PgResultPtr res(PQexec(conn_.get(), sql.c_str()));
  if (PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
    if (PQstatus(conn_.get()) == CONNECTION_BAD) return ServerError("CREATE_REPLICATION_SLOT");
    return pg::StatusFromResult(res.get(), "cannot create replication slot " + slot);
  }
  // Columns: slot_name, consistent_point, snapshot_name, output_plugin.
  std::optional<Lsn> point = Lsn::Parse(PQgetvalue(res.get(), 0, 1));
  if (!point || PQgetisnull(res.get(), 0, 2)) {
    return Status::Corruption("CREATE_REPLICATION_SLOT returned no consistent point or snapshot");
  }
  return CreatedSlot{*point, PQgetvalue(res.get(), 0, 2)};
}

Status LibpqReplicationStream::EnableFailover(const std::string& slot) {
  const std::string sql =
      "ALTER_REPLICATION_SLOT " + pg::QuoteIdentifier(slot) + " (FAILOVER true)";
  pg::PgResultPtr res(PQexec(conn_.get(), sql.c_str()));
  if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
    if (PQstatus(conn_.get()) == CONNECTION_BAD) return ServerError("ALTER_REPLICATION_SLOT");
    return pg::StatusFromResult(res.get(), "cannot turn on failover for replication slot " + slot);
  }
  return Status::Ok();
}

Status LibpqReplicationStream::CheckPublication(const std::string& name) {
  // PostgreSQL 18's pgoutput skips a publication that does not exist with a
  // WARNING instead of failing, so a dropped publication would stream
  // nothing, silently; ask the catalog (a walsender in database mode runs
  // simple SQL) so every version gives the same kNotFound.
  const pg::PqBufferPtr literal(PQescapeLiteral(conn_.get(), name.data(), name.size()));
  if (!literal) return ServerError("checking publication " + name);
  const std::string sql =
      std::string("SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = ") + literal.get();
  pg::PgResultPtr res(PQexec(conn_.get(), sql.c_str()));
  if (PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
    if (PQstatus(conn_.get()) == CONNECTION_BAD) return ServerError("checking publication " + name);
    return pg::StatusFromResult(res.get(), "checking publication " + name);
  }
  if (PQntuples(res.get()) == 0) {
    return Status::NotFound("publication \"" + name + "\" does not exist");
  }
  return Status::Ok();
}

Status LibpqReplicationStream::Start(const std::string& slot, Lsn start,
                                     const PluginOptions& options) {
  for (const auto& [key, value] : options) {
    if (key != "publication_names") continue;
    // walcast names one publication; a list is split on its commas.
    size_t from = 0;
    while (from <= value.size()) {
      const size_t comma = std::min(value.find(',', from), value.size());
      WALCAST_RETURN_IF_ERROR(CheckPublication(value.substr(from, comma - from)));
      from = comma + 1;
    }
  }
  std::string sql = "START_REPLICATION SLOT " + pg::QuoteIdentifier(slot) + " LOGICAL " +
                    (start.valid() ? start.ToString() : "0/0");
  if (!options.empty()) {
    sql += " (";
    for (size_t i = 0; i < options.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += pg::QuoteIdentifier(options[i].first) + " '";
      for (char c : options[i].second) {
        if (c == '\'') sql.push_back('\'');
        sql.push_back(c);
      }
      sql += "'";
    }
    sql += ")";
  }
  pg::PgResultPtr res(PQexec(conn_.get(), sql.c_str()));
  if (PQresultStatus(res.get()) != PGRES_COPY_BOTH) {
    if (PQstatus(conn_.get()) == CONNECTION_BAD) return ServerError("START_REPLICATION");
    const char* state = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
    if (state != nullptr && std::string_view(state) == kObjectInUse) {
      // After a network fault the slot is usually still held by the
      // walsender of our own lost connection: the server notices the dead
      // client only at wal_sender_timeout (or its TCP keepalives), so this
      // is worth retrying. A second walcast never gets this far: startup
      // refuses an active slot (app/commands.cc, WaitForInactiveSlot).
      return Status::Unavailable("START_REPLICATION: replication slot " + slot +
                                 " is still in use (its walsender ends at the server's "
                                 "wal_sender_timeout): " +
                                 pg::TrimMessage(PQresultErrorMessage(res.get())));
    }
    return pg::StatusFromResult(res.get(), "START_REPLICATION failed for slot " + slot);
  }
  streaming_ = true;
  return Status::Ok();
}

Result<bool> LibpqReplicationStream::WaitReadable(std::chrono::steady_clock::time_point deadline) {
  const auto now = std::chrono::steady_clock::now();
  if (now >= deadline) return false;
  const auto wait = std::chrono::duration_cast<std::chrono::microseconds>(deadline - now);
  const int sock = PQsocket(conn_.get());
  if (sock < 0) return ServerError("replication socket");
  fd_set readable;
  FD_ZERO(&readable);
  FD_SET(sock, &readable);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(wait.count() / 1000000);
  tv.tv_usec = static_cast<suseconds_t>(wait.count() % 1000000);
  const int r = select(sock + 1, &readable, nullptr, nullptr, &tv);
  if (r < 0) {
    if (errno == EINTR) return false;  // let the caller check its stop flag
    return Status::Unavailable(std::string("select on replication socket: ") +
                               std::strerror(errno));
  }
  return r > 0;
}

Status LibpqReplicationStream::EndOfCopy() {
  // The final result holds the error, if the server ended the copy with one.
  streaming_ = false;
  pg::PgResultPtr res(PQgetResult(conn_.get()));
  if (res && PQresultStatus(res.get()) == PGRES_FATAL_ERROR) {
    return pg::StatusFromResult(res.get(), "replication stream ended");
  }
  if (PQstatus(conn_.get()) == CONNECTION_BAD) return ServerError("replication stream ended");
  return Status::Unavailable("replication stream ended by the server");
}

Result<ReplicationFrame> LibpqReplicationStream::Next(
    std::chrono::steady_clock::time_point deadline) {
  bool arrived = false;
  for (;;) {
    copy_buffer_.reset();
    char* raw = nullptr;
    const int n = PQgetCopyData(conn_.get(), &raw, /*async=*/1);
    copy_buffer_.reset(raw);
    if (n == 0) {
      // Nothing buffered: wait for the socket or the deadline.
      WALCAST_ASSIGN_OR_RETURN(const bool readable, WaitReadable(deadline));
      if (!readable) {
        ReplicationFrame none;
        none.bytes_arrived = arrived;
        return none;
      }
      if (PQconsumeInput(conn_.get()) == 0) return ServerError("reading replication stream");
      arrived = true;
      continue;
    }
    if (n == -1) return EndOfCopy();
    if (n < 0) return ServerError("reading replication stream");
    return ParseReplicationFrame(std::span<const std::byte>(
        reinterpret_cast<const std::byte*>(copy_buffer_.get()), static_cast<size_t>(n)));
  }
}

Status LibpqReplicationStream::SendStatus(Lsn write, Lsn flush, bool reply_requested) {
  char msg[1 + 8 + 8 + 8 + 8 + 1];
  msg[0] = 'r';
  WriteU64(msg + 1, write.value());
  WriteU64(msg + 9, flush.value());
  WriteU64(msg + 17, flush.value());  // apply: nothing is "applied" beyond what is durable
  WriteU64(msg + 25, static_cast<uint64_t>(NowPostgresMicros()));
  msg[33] = reply_requested ? 1 : 0;
  if (PQputCopyData(conn_.get(), msg, sizeof(msg)) <= 0 || PQflush(conn_.get()) != 0) {
    return ServerError("sending standby status update");
  }
  return Status::Ok();
}

Status LibpqReplicationStream::Finish() {
  if (!streaming_) return Status::Ok();
  streaming_ = false;
  if (PQputCopyEnd(conn_.get(), nullptr) <= 0 || PQflush(conn_.get()) != 0) {
    return ServerError("ending replication stream");
  }
  // Drain: the server answers CopyDone with its own and then the command
  // result; a late error would show here.
  for (int i = 0; i < 1000; ++i) {
    char* buf = nullptr;
    const int n = PQgetCopyData(conn_.get(), &buf, /*async=*/0);
    if (buf != nullptr) PQfreemem(buf);
    if (n < 0) break;
  }
  Status status;
  while (PGresult* raw = PQgetResult(conn_.get())) {
    pg::PgResultPtr res(raw);
    if (PQresultStatus(res.get()) == PGRES_FATAL_ERROR && status.ok()) {
      status = pg::StatusFromResult(res.get(), "replication stream end");
    }
  }
  return status;
}

}  // namespace walcast::wal_reader
