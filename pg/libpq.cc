#include "pg/libpq.h"

namespace walcast::pg {
namespace {

std::string Quote(std::string_view text, char quote) {
  std::string out(1, quote);
  for (const char c : text) {
    if (c == quote) out.push_back(quote);
    out.push_back(c);
  }
  out.push_back(quote);
  return out;
}

}  // namespace

Status StatusFromSqlState(std::string_view sqlstate, std::string message) {
  if (sqlstate == "42501") return Status::PermissionDenied(std::move(message));
  if (sqlstate == "42704" || sqlstate == "42P01" || sqlstate == "3D000") {
    return Status::NotFound(std::move(message));
  }
  if (sqlstate.starts_with("28")) return Status::InvalidArgument(std::move(message));
  if (sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
      sqlstate == "57P03") {
    return Status::Unavailable(std::move(message));
  }
  return Status::Fatal(std::move(message));
}

Status StatusFromResult(const PGresult* res, const std::string& what) {
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  return StatusFromSqlState(state != nullptr ? state : "",
                            what + ": " + TrimMessage(PQresultErrorMessage(res)));
}

Status ClassifyConnectError(PGconn* conn) {
  return ClassifyConnectMessage(conn != nullptr ? PQerrorMessage(conn) : "out of memory");
}

Status ClassifyConnectMessage(std::string message) {
  const std::string msg = TrimMessage(std::move(message));
  // libpq reports no SQLSTATE for a failed connection; the server's
  // authentication failure and missing-database texts are stable across
  // releases, and they are the only failures retrying can never fix.
  if (msg.find("password authentication failed") != std::string::npos ||
      msg.find("no password supplied") != std::string::npos ||
      msg.find("no pg_hba.conf entry") != std::string::npos ||
      msg.find("role \"") != std::string::npos) {
    return Status::InvalidArgument("cannot connect to PostgreSQL: " + msg);
  }
  // TLS set-up failures are configuration too: a server certificate that
  // does not verify against database.sslrootcert or does not match the host
  // name, an unreadable certificate or key file, a client certificate the
  // server refuses, or a server without SSL under sslmode=require or higher.
  for (const char* tls : {"certificate verify failed", "does not match host name",
                          "certificate file", "private key file",
                          "certificate authentication failed", "alert unknown ca",
                          "alert bad certificate", "alert certificate required",
                          "server does not support SSL", "requires a valid client certificate"}) {
    if (msg.find(tls) != std::string::npos) {
      return Status::InvalidArgument("cannot connect to PostgreSQL over TLS: " + msg);
    }
  }
  if (msg.find("database \"") != std::string::npos &&
      msg.find("does not exist") != std::string::npos) {
    return Status::NotFound("cannot connect to PostgreSQL: " + msg);
  }
  return Status::Unavailable("cannot connect to PostgreSQL: " + msg);
}

std::string TrimMessage(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return message;
}

std::string QuoteIdentifier(std::string_view ident) { return Quote(ident, '"'); }

std::string QuoteLiteral(std::string_view text) { return Quote(text, '\''); }

}  // namespace walcast::pg
