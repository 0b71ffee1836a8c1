#pragma once

// libpqxx's exceptions converted to Status at the module edge (STYLE.md,
// Errors), through the same SQLSTATE mapping as libpq (pg/libpq.h).

#include <exception>
#include <string>

#include <pqxx/pqxx>

#include "core/status.h"
#include "pg/libpq.h"

namespace walcast::pg {

// The Status of a server error raised by libpqxx, its message prefixed by
// `what`.
Status StatusFromSqlError(const pqxx::sql_error& e, const std::string& what);

// Runs `fn` (which returns a Status) and converts what libpqxx throws: a lost
// connection is kUnavailable, a server error goes through
// StatusFromSqlState, anything else is kInternal.
template <typename Fn>
Status GuardPqxx(const std::string& what, Fn&& fn) {
  try {
    return fn();
  } catch (const pqxx::broken_connection& e) {
    return Status::Unavailable(what + ": connection lost: " + TrimMessage(e.what()));
  } catch (const pqxx::sql_error& e) {
    return StatusFromSqlError(e, what);
  } catch (const std::exception& e) {
    return Status::Internal(what + ": " + e.what());
  }
}

}  // namespace walcast::pg
