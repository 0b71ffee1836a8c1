#pragma once

// Churn over the generated profile tables for the Elasticsearch, metrics
// and soak tests: random updates (upd_by marks the round, about 30% become
// soft deletes) and random deletes; and the two fields it changes, read
// from a table or from a JSON row (a document's _source, a record's
// "after"), for the tests' row-for-row comparisons.

#include <rapidjson/document.h>

#include <map>
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

// One row's fields that the churn changes.
struct RowFacts {
  std::string upd_by;  // "" for NULL
  bool is_deleted = false;
  bool operator==(const RowFacts&) const = default;
};

// The facts of a JSON row (missing or null fields read as NULL / false).
inline RowFacts RowFactsOf(const rapidjson::Value& row) {
  RowFacts facts;
  if (row.HasMember("upd_by") && row["upd_by"].IsString()) facts.upd_by = row["upd_by"].GetString();
  facts.is_deleted =
      row.HasMember("is_deleted") && row["is_deleted"].IsBool() && row["is_deleted"].GetBool();
  return facts;
}

// The SQL that lists `table`'s rows as "key|upd_by|is_deleted" lines, and
// the parse of its output: rows by key (key column `key`).
inline std::string RowFactsSql(const std::string& table, const std::string& key) {
  return "SELECT string_agg(" + key +
         " || '|' || coalesce(upd_by, '') || '|' || "
         "coalesce(is_deleted, false)::text, E'\\n') FROM " +
         table;
}
inline std::map<std::string, RowFacts> ParseRowFacts(const std::string& text) {
  std::map<std::string, RowFacts> rows;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    const size_t a = line.find('|');
    const size_t b = line.rfind('|');
    rows[line.substr(0, a)] = {line.substr(a + 1, b - a - 1), line.substr(b + 1) == "true"};
    start = end + 1;
  }
  return rows;
}

}  // namespace walcast::testing
