#pragma once

// Churn over the generated profile tables for the Elasticsearch and metrics
// tests: random updates (upd_by marks the round, about 30% become soft
// deletes) and random deletes.

#include <string>

namespace walcast::testing {

inline std::string ProfileChurnSql(int round, int updates, int deletes) {
  const std::string mark = "'round" + std::to_string(round) + "'";
  std::string sql;
  for (const std::string table : {"idrepo.anonymous_profile", "regprc.anonymous_profile"}) {
    sql += "UPDATE " + table + " SET upd_by = " + mark +
           ", upd_dtimes = now(), is_deleted = random() < 0.3 WHERE id IN (SELECT id FROM " +
           table + " ORDER BY random() LIMIT " + std::to_string(updates) + ");";
    sql += "DELETE FROM " + table + " WHERE id IN (SELECT id FROM " + table +
           " ORDER BY random() LIMIT " + std::to_string(deletes) + ");";
  }
  return sql;
}

}  // namespace walcast::testing
