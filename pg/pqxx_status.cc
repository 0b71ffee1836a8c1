#include "pg/pqxx_status.h"

namespace walcast::pg {

Status StatusFromSqlError(const pqxx::sql_error& e, const std::string& what) {
  return StatusFromSqlState(e.sqlstate(), what + ": " + TrimMessage(e.what()));
}

}  // namespace walcast::pg
