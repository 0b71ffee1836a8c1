#include "sinks/elasticsearch/row_mapper.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

#include "tests/support/mosip_rows.h"

namespace walcast::sinks::elasticsearch {
namespace {

using walcast::testing::ProfileRow;

// An idrepo profile row ("id", "profile", …) with a parseable profile.
ChangeEvent ProfileUpdate(const std::string& id) {
  const auto row = ProfileRow(
      "r", "idrepo", id,
      R"({"processName":"New","date":"2025-03-14","newProfile":{"yearOfBirth":"1988","gender":"Female","documents":["DOC001"]}})",
      "2025-03-14 08:01:30");
  ChangeEvent e;
  e.op = Op::kUpdate;
  e.relation = row.relation;
  e.after = row.row;
  return e;
}

RowMapperOptions Mosip() {
  RowMapperOptions options;
  options.index_prefix = "mosip";
  // With lookups, so that documents_names shows the profile was parsed.
  options.documents = walcast::testing::MosipGoldenOptions();
  return options;
}

int ProfileColumn(const Relation& r) {
  for (size_t i = 0; i < r.columns.size(); ++i) {
    if (r.columns[i].name == "profile") return static_cast<int>(i);
  }
  return -1;
}

TEST(RowMapperTest, UnsentToastWithoutFullOldRowIsAPartialUpdateOfTheSentColumns) {
  RowMapper mapper(Mosip());
  ChangeEvent e = ProfileUpdate("6c1d");
  const int profile = ProfileColumn(*e.relation);
  ASSERT_GE(profile, 0);
  (*e.after)[static_cast<size_t>(profile)] = Datum::UnchangedToast();
  DocumentAction out;
  ASSERT_TRUE(mapper.Map(TransactionInfo{}, e, &out).ok());
  EXPECT_EQ(out.kind, DocumentAction::Kind::kUpdate);
  EXPECT_EQ(out.index, "mosip.idrepo.anonymous_profile");
  EXPECT_EQ(out.id, "6c1d");
  EXPECT_TRUE(out.previous_id.empty());
  rapidjson::Document doc;
  doc.Parse(out.source.c_str());
  ASSERT_FALSE(doc.HasParseError()) << out.source;
  EXPECT_TRUE(doc.HasMember("id"));
  EXPECT_TRUE(doc.HasMember("cr_dtimes"));
  // Neither the column nor what is derived from it: the stored ones stay.
  EXPECT_FALSE(doc.HasMember("profile"));
  EXPECT_FALSE(doc.HasMember("documents_names"));
  EXPECT_TRUE(out.supersede_field.empty());
}

TEST(RowMapperTest, UnsentToastIsTakenFromAFullOldRow) {
  RowMapper mapper(Mosip());
  ChangeEvent e = ProfileUpdate("6c1d");
  const auto profile = static_cast<size_t>(ProfileColumn(*e.relation));
  e.before = e.after;
  (*e.after)[profile] = Datum::UnchangedToast();
  DocumentAction out;
  ASSERT_TRUE(mapper.Map(TransactionInfo{}, e, &out).ok());
  EXPECT_EQ(out.kind, DocumentAction::Kind::kIndex);
  rapidjson::Document doc;
  doc.Parse(out.source.c_str());
  EXPECT_TRUE(doc.HasMember("profile") && doc["profile"].IsObject()) << out.source;
  EXPECT_TRUE(doc.HasMember("documents_names"));
}

TEST(RowMapperTest, KeyChangeWithUnsentToastIsRefusedWithoutDeletingTheOldDocument) {
  RowMapper mapper(Mosip());
  ChangeEvent e = ProfileUpdate("new-key");
  const auto profile = static_cast<size_t>(ProfileColumn(*e.relation));
  (*e.after)[profile] = Datum::UnchangedToast();
  e.before = *e.after;
  e.before_is_key_only = true;
  (*e.before)[0] = Datum::Text("old-key");
  (*e.before)[profile] = Datum::Null();
  DocumentAction out;
  EXPECT_EQ(mapper.Map(TransactionInfo{}, e, &out).code(), Status::Code::kRejected);
  // No id: the sink's dead letter deletes nothing, so "old-key" keeps its
  // document and its stored profile.
  EXPECT_TRUE(out.id.empty());
  EXPECT_EQ(out.key, "new-key");
  EXPECT_TRUE(out.previous_id.empty());
}

TEST(RowMapperTest, KeyChangeWithEveryColumnSentMovesTheDocument) {
  RowMapper mapper(Mosip());
  ChangeEvent e = ProfileUpdate("new-key");
  e.before = *e.after;
  e.before_is_key_only = true;
  (*e.before)[0] = Datum::Text("old-key");
  DocumentAction out;
  ASSERT_TRUE(mapper.Map(TransactionInfo{}, e, &out).ok());
  EXPECT_EQ(out.kind, DocumentAction::Kind::kIndex);
  EXPECT_EQ(out.id, "new-key");
  EXPECT_EQ(out.previous_id, "old-key");
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch

namespace walcast::sinks::elasticsearch {
namespace {

TEST(RowMapperTest, RulesCanIgnoreDeletesAndTruncates) {
  RowMapperOptions options;
  options.index_prefix = "mosip";
  Result<DocumentRules> rules = DocumentRules::Parse(
      {{"table.idrepo.anonymous_profile.null.values", "ignore"}, {"document.truncate", "ignore"}});
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  options.documents.rules = *rules;
  RowMapper mapper(options);
  ChangeEvent e = ProfileUpdate("6c1d");
  e.op = Op::kDelete;
  e.before = e.after;
  e.after.reset();
  DocumentAction out;
  ASSERT_TRUE(mapper.Map(TransactionInfo{}, e, &out).ok());
  EXPECT_EQ(out.kind, DocumentAction::Kind::kSkip);
  e.op = Op::kTruncate;
  e.before.reset();
  out.Clear();
  ASSERT_TRUE(mapper.Map(TransactionInfo{}, e, &out).ok());
  EXPECT_EQ(out.kind, DocumentAction::Kind::kSkip);
  // Without the rules both are applied.
  RowMapper plain(Mosip());
  out.Clear();
  ASSERT_TRUE(plain.Map(TransactionInfo{}, e, &out).ok());
  EXPECT_EQ(out.kind, DocumentAction::Kind::kTruncate);
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
