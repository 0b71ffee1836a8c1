#pragma once

// Comparing walcast's metric documents with what SQL computes from the
// tables (docs/metrics.md): the documents are copied from the index into
// the test database (walcast_test.docs, one jsonb per document) and joined
// with the metric's SQL, whose rows are (bucket_start, keys, value, count,
// sum) for every aggregate with a count above 0. Used by the metrics tests
// and the network-fault tests. Thread: the test's.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "tests/support/es_cluster.h"

namespace walcast::testing {

// Runs SQL in the test database and returns psql's unaligned output.
using SqlRunner = std::function<std::string(const std::string&)>;

// Copies `docs` (each a document's _source) into walcast_test.docs,
// replacing what was there.
inline void LoadMetricDocuments(const std::vector<std::string>& docs, const SqlRunner& sql) {
  ASSERT_FALSE(docs.empty());
  std::string text =
      "CREATE SCHEMA IF NOT EXISTS walcast_test; DROP TABLE IF EXISTS walcast_test.docs;"
      "CREATE TABLE walcast_test.docs(doc jsonb);";
  for (size_t i = 0; i < docs.size(); i += 500) {
    text += "INSERT INTO walcast_test.docs VALUES ";
    for (size_t j = i; j < std::min(docs.size(), i + 500); ++j) {
      ASSERT_EQ(docs[j].find("$walcast$"), std::string::npos);
      text += std::string(j > i ? "," : "") + "($walcast$" + docs[j] + "$walcast$)";
    }
    text += ";";
  }
  sql(text);
  ASSERT_EQ(sql("SELECT count(*) FROM walcast_test.docs"), std::to_string(docs.size()));
}

// Up to 10 lines, one per difference between metric `id`'s documents
// (count > 0) in walcast_test.docs and the rows of `query`; "" when they
// agree. *sql_rows is the number of rows `query` gave.
inline std::string CompareMetricWithSql(const SqlRunner& sql, const std::string& id,
                                        std::string query, int64_t* sql_rows) {
  while (!query.empty() && (query.back() == '\n' || query.back() == ';')) query.pop_back();
  const std::string out = sql(
      "WITH s AS MATERIALIZED (" + query +
      "), e AS (SELECT doc->'keys' AS keys, (doc->>'bucket_start')::date AS bucket_start, "
      "(doc->>'count')::bigint AS count, (doc->>'sum')::numeric AS sum, doc->>'updated_at' AS at "
      "FROM walcast_test.docs WHERE doc->>'metric' = '" +
      id +
      "' AND (doc->>'count')::bigint > 0), d AS (SELECT coalesce(s.keys, e.keys)::text || ' @' "
      "|| coalesce(coalesce(s.bucket_start, e.bucket_start)::text, '-') || ': sql count=' || "
      "coalesce(s.count::text, '-') || ' walcast count=' || coalesce(e.count::text, '-') || "
      "' sql sum=' || coalesce(s.sum::text, '-') || ' walcast sum=' || coalesce(e.sum::text, "
      "'-') || ' at ' || coalesce(e.at, '-') AS line FROM s FULL JOIN e ON s.keys = e.keys AND "
      "s.bucket_start IS NOT DISTINCT FROM e.bucket_start WHERE s.count IS DISTINCT FROM e.count "
      "OR s.sum::numeric IS DISTINCT FROM e.sum ORDER BY 1 LIMIT 10) SELECT (SELECT count(*) FROM "
      "s) || E'\\n' || coalesce((SELECT string_agg(line, E'\\n') FROM d), '')");
  const size_t nl = out.find('\n');
  *sql_rows = std::atoll(out.substr(0, nl).c_str());
  return nl == std::string::npos ? "" : out.substr(nl + 1);
}

// Up to 3 aggregates (metric, keys, bucket) with more than one document in
// walcast_test.docs, with those documents; "" when there are none.
inline std::string DuplicateMetricDocuments(const SqlRunner& sql) {
  return sql(
      "SELECT string_agg(x, E'\\n') FROM (SELECT doc->>'metric' || ' ' || (doc->'keys')::text"
      " || ' @' || coalesce(doc->>'bucket_start', '-') || ': ' || string_agg(doc::text, ' | ') AS x"
      " FROM walcast_test.docs GROUP BY doc->>'metric', doc->'keys', doc->>'bucket_start'"
      " HAVING count(*) > 1 LIMIT 3) d");
}

}  // namespace walcast::testing
