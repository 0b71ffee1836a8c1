#pragma once

// A WalcastProcessTest with the search node and the MOSIP metrics on
// (config/metrics/mosip.json), and the check that compares walcast's metric
// documents with what each metric's SQL (sql/metrics/<id>.sql) computes
// from the tables: the metrics tests and the soak (tests/soak/) share it.

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/es_process_test.h"
#include "tests/integration/metric_documents.h"

namespace walcast::testing {

inline std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(WALCAST_SOURCE_DIR) + "/" + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The metric ids of a definitions file.
inline std::vector<std::string> MetricIds(const std::string& relative) {
  rapidjson::Document d;
  d.Parse(ReadSource(relative).c_str());
  std::vector<std::string> ids;
  if (!d.IsObject() || !d.HasMember("metrics")) return ids;
  for (const auto& m : d["metrics"].GetArray()) ids.push_back(m["id"].GetString());
  return ids;
}

class MetricsEsTest : public EsProcessTest {
 protected:
  std::map<std::string, std::string> BaseConfig() const override {
    std::map<std::string, std::string> kv = EsProcessTest::BaseConfig();
    // The metrics alone, so that nothing but their own acknowledgements
    // holds the slot back (a test below adds the raw documents).
    kv["sinks"] = "";
    kv["table.include.list"] =
        "idrepo\\.anonymous_profile,idrepo\\.channel_info,regprc\\.anonymous_profile,"
        "prereg\\.anonymous_profile";
    kv["metrics.definitions.file"] = std::string(WALCAST_SOURCE_DIR) + "/config/metrics/mosip.json";
    kv["checkpoint.interval.ms"] = "200";
    return kv;
  }

  virtual std::string MetricsIndex() const { return db_ + ".metrics.anon_profile"; }
  std::string Instance() const { return db_ + "/" + db_; }

  // The _source of every document of `index` matching `query`.
  std::vector<std::string> Documents(const std::string& index, const std::string& query) {
    std::vector<std::string> docs;
    EXPECT_TRUE(es_->Refresh(index));
    for (EsCluster::Hit& hit : es_->Scroll(index, query)) docs.push_back(std::move(hit.source));
    return docs;
  }

  // Loads this instance's metric documents into walcast_test.docs.
  void LoadMetricDocuments() {
    ::walcast::testing::LoadMetricDocuments(
        Documents(MetricsIndex(), R"({"term":{"instance":")" + Instance() + R"("}})"),
        [this](const std::string& sql) { return Sql(sql); });
  }

  // Differences between metric `id`'s documents (count > 0) and its SQL.
  std::string CompareWithSql(const std::string& id, int64_t* sql_rows,
                             const std::string& sql_dir = "sql/metrics") {
    return CompareMetricWithSql([this](const std::string& sql) { return Sql(sql); }, id,
                                ReadSource(sql_dir + "/" + id + ".sql"), sql_rows);
  }

  // Aggregates with more than one document, with those documents.
  std::string Duplicates() {
    return DuplicateMetricDocuments([this](const std::string& sql) { return Sql(sql); });
  }

  // CompareWithSql for each metric of `ids`, each difference a failure of
  // the current test; returns how many metrics have rows in SQL.
  int ExpectMetricsEqualSql(const std::vector<std::string>& ids,
                            const std::string& sql_dir = "sql/metrics") {
    int compared = 0;
    for (const std::string& id : ids) {
      SCOPED_TRACE(id);
      int64_t sql_rows = 0;
      const std::string differences = CompareWithSql(id, &sql_rows, sql_dir);
      EXPECT_EQ(differences, "") << "first differences (keys @bucket):\n" << differences;
      if (sql_rows > 0) ++compared;
    }
    return compared;
  }
};

}  // namespace walcast::testing
