#pragma once

// Building raw documents of test rows and reading fields of the result,
// for the raw document, column and profile tests.

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "sinks/elasticsearch/raw_document.h"
#include "tests/support/mosip_rows.h"

namespace walcast::sinks::elasticsearch {

inline const std::string kDataDir = WALCAST_TEST_DATA_DIR;

// Builds `row` and parses the document.
inline rapidjson::Document BuildDoc(RawDocumentBuilder& builder,
                                    const walcast::testing::MosipRow& row,
                                    RawDocument* doc_out = nullptr) {
  RawDocument doc;
  const Status s = builder.Build(*row.relation, row.row, 0, &doc);
  EXPECT_TRUE(s.ok()) << row.name << ": " << s.ToString();
  rapidjson::Document parsed;
  parsed.Parse(doc.source.c_str());
  EXPECT_FALSE(parsed.HasParseError()) << row.name << ": " << doc.source;
  if (doc_out != nullptr) *doc_out = doc;
  return parsed;
}

inline walcast::testing::MosipRow GoldenRow(const std::string& name) {
  for (walcast::testing::MosipRow& r : walcast::testing::MosipGoldenRows(kDataDir)) {
    if (r.name == name) return r;
  }
  ADD_FAILURE() << "no golden row " << name;
  return {};
}

// A profile row of `schema` with `profile` as its text.
inline walcast::testing::MosipRow RowWith(const std::string& schema, const std::string& profile,
                                          const std::string& cr_dtimes = "2025-05-01 12:00:00") {
  return walcast::testing::ProfileRow("custom", schema, "row-1", profile, cr_dtimes,
                                      "PrintingStage");
}

// The value at `path` in `v`, or a null value when it is not there.
inline const rapidjson::Value& At(const rapidjson::Value& v,
                                  std::initializer_list<const char*> path) {
  static const rapidjson::Value kMissing;
  const rapidjson::Value* cur = &v;
  for (const char* key : path) {
    if (!cur->IsObject() || !cur->HasMember(key)) return kMissing;
    cur = &(*cur)[key];
  }
  return *cur;
}

inline std::string Str(const rapidjson::Value& v) {
  return v.IsString() ? v.GetString() : "<not a string>";
}

// A column of type `oid`, with the catalog entry `type` when given.
inline Column Typed(std::string name, uint32_t oid,
                    std::optional<TypeInfo> type = std::nullopt) {
  Column c = walcast::testing::MosipColumn(std::move(name), oid);
  c.type = std::move(type);
  return c;
}

}  // namespace walcast::sinks::elasticsearch
