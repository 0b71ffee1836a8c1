#pragma once

// libpq at walcast's edge: owning handles, SQL quoting, and the one mapping
// from PostgreSQL's errors (SQLSTATE, connection failures) to Status codes.
// libpqxx's exceptions convert through the same mapping (pg/pqxx_status.h).

#include <memory>
#include <string>
#include <string_view>

#include <libpq-fe.h>

#include "core/status.h"

namespace walcast::pg {

struct PgConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;

struct PgResultDeleter {
  void operator()(PGresult* res) const { PQclear(res); }
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

// Memory libpq hands out for the caller to free: PQgetCopyData's buffers,
// PQescapeLiteral's strings.
struct PqFreememDeleter {
  void operator()(void* p) const { PQfreemem(p); }
};
using PqBufferPtr = std::unique_ptr<char, PqFreememDeleter>;

// The Status of an error with SQLSTATE `sqlstate` and text `message`:
//   42501 insufficient_privilege            kPermissionDenied
//   42704, 42P01, 3D000 (no such object)    kNotFound
//   28xxx (authentication)                  kInvalidArgument
//   08xxx, 57P01-57P03 (connection lost,    kUnavailable (retry)
//     admin shutdown, starting up)
//   anything else, 55006 (slot in use) too  kFatal
// Callers retry on the code, never on the text.
Status StatusFromSqlState(std::string_view sqlstate, std::string message);

// StatusFromSqlState of an error result, its message prefixed by `what`.
Status StatusFromResult(const PGresult* res, const std::string& what);

// Maps a failed connection attempt (PQconnectdb) to a Status: an
// authentication failure or a TLS failure (a server certificate that does
// not verify, an unreadable certificate or key file, a refused client
// certificate) is kInvalidArgument and a missing database kNotFound
// (retrying won't help); an unreachable server is kUnavailable. The message
// is libpq's, which never contains the password.
Status ClassifyConnectError(PGconn* conn);
// The same for libpq's error text (PQerrorMessage, or a libpqxx
// broken_connection's what()).
Status ClassifyConnectMessage(std::string message);

// A libpq or server message without its trailing newline and spaces.
std::string TrimMessage(std::string message);

// "name" with embedded quotes doubled, as quote_ident does (always quoted).
std::string QuoteIdentifier(std::string_view ident);
// 'text' with embedded quotes doubled, as quote_literal does for a server
// with standard_conforming_strings=on (the default since 9.1).
std::string QuoteLiteral(std::string_view text);

}  // namespace walcast::pg
