#include "sinks/elasticsearch/raw_document.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "tests/unit/sinks/elasticsearch/raw_document_test_util.h"

namespace walcast::sinks::elasticsearch {
namespace {

using walcast::testing::MosipGoldenOptions;
using walcast::testing::MosipGoldenRows;
using walcast::testing::MosipRow;
using walcast::testing::ReadDataFile;
using walcast::testing::Text;

std::string Pretty(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  w.SetIndent(' ', 2);
  v.Accept(w);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

// Every golden row against tests/data/elasticsearch/<name>.json. With
// WALCAST_REGENERATE_GOLDEN=1 the files are rewritten instead (see the
// README there); review the diff before committing.
TEST(RawDocumentGoldenTest, EveryProfileShapeAndChannelInfoMatchTheirGoldenDocuments) {
  RawDocumentBuilder builder(MosipGoldenOptions());
  const bool regenerate = std::getenv("WALCAST_REGENERATE_GOLDEN") != nullptr;
  for (const MosipRow& row : MosipGoldenRows(kDataDir)) {
    const rapidjson::Document doc = BuildDoc(builder, row);
    const std::string path = kDataDir + "/elasticsearch/" + row.name + ".json";
    if (regenerate) {
      std::ofstream(path, std::ios::binary) << Pretty(doc);
      continue;
    }
    rapidjson::Document golden;
    golden.Parse(ReadDataFile(path).c_str());
    ASSERT_FALSE(golden.HasParseError()) << path;
    EXPECT_TRUE(doc == golden) << row.name << " differs from " << path << "; built:\n"
                               << Pretty(doc);
  }
}

TEST(RawDocumentTest, ARejectedProfileIsADeadLetterWithItsIdAndNoContents) {
  RawDocumentBuilder builder;
  const std::map<std::string, mosip::ProfileError> bad = {
      {R"({"processName":"New","date":"2025-01-01","newProfile":{"gender":"SECRET-VALUE")",
       mosip::ProfileError::kMalformedJson},
      {R"({"gender":"SECRET-VALUE"})", mosip::ProfileError::kUnknownShape},
      {R"(["SECRET-VALUE"])", mosip::ProfileError::kNotAnObject},
      {R"({"processName":"New","date":"x","newProfile":{"gender":["SECRET-VALUE"]}})",
       mosip::ProfileError::kWrongType},
  };
  for (const auto& [text, error] : bad) {
    const MosipRow row = RowWith("idrepo", text);
    RawDocument doc;
    const Status s = builder.Build(*row.relation, row.row, 0, &doc);
    EXPECT_EQ(s.code(), Status::Code::kRejected) << text;
    EXPECT_EQ(doc.profile_error, error) << text << ": " << s.message();
    EXPECT_EQ(doc.id, "row-1") << "the sink needs the id to delete an older version";
    EXPECT_TRUE(doc.source.empty());
    EXPECT_EQ(s.message().find("SECRET-VALUE"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("idrepo.anonymous_profile"), std::string::npos) << s.message();
  }
  // The builder is fine afterwards.
  RawDocument ok;
  const MosipRow good = GoldenRow("idrepo_new");
  ASSERT_TRUE(builder.Build(*good.relation, good.row, 0, &ok).ok());
  EXPECT_EQ(ok.profile_error, mosip::ProfileError::kNone);
  EXPECT_FALSE(ok.source.empty());
}

TEST(RawDocumentTest, AnOversizedProfileIsRejectedBeforeParsing) {
  RawDocumentOptions options;
  options.parser.max_bytes = 64;
  RawDocumentBuilder builder(options);
  const MosipRow row = GoldenRow("idrepo_new");
  RawDocument doc;
  EXPECT_EQ(builder.Build(*row.relation, row.row, 0, &doc).code(), Status::Code::kRejected);
  EXPECT_EQ(doc.profile_error, mosip::ProfileError::kTooLarge);
}

TEST(RawDocumentTest, NullProfileIsNullAndUnchangedToastMakesAPartialDocument) {
  RawDocumentBuilder builder;
  MosipRow row = GoldenRow("idrepo_new");
  row.row[1] = Datum::Null();
  RawDocument doc;
  ASSERT_TRUE(builder.Build(*row.relation, row.row, 0, &doc).ok());
  rapidjson::Document parsed;
  parsed.Parse(doc.source.c_str());
  EXPECT_TRUE(parsed["profile"].IsNull());
  EXPECT_FALSE(doc.partial);
  EXPECT_FALSE(parsed.HasMember("documents_names"));

  row.row[1] = Datum::UnchangedToast();
  ASSERT_TRUE(builder.Build(*row.relation, row.row, 0, &doc).ok());
  parsed.Parse(doc.source.c_str());
  EXPECT_TRUE(doc.partial);
  EXPECT_FALSE(parsed.HasMember("profile"));
  EXPECT_TRUE(parsed.HasMember("cr_dtimes"));
}

TEST(RawDocumentTest, OnlyConfiguredTablesGetTheProfileTreatment) {
  RawDocumentBuilder builder;
  EXPECT_TRUE(builder.IsProfileTable(*walcast::testing::ProfileRelation("regprc")));
  auto other = std::make_shared<Relation>(*walcast::testing::ProfileRelation("idrepo"));
  other->name = "anonymous_profile_archive";
  EXPECT_FALSE(builder.IsProfileTable(*other));
  // Outside the list the profile stays the column's text.
  MosipRow row = GoldenRow("idrepo_new");
  row.relation = other;
  const rapidjson::Document doc = BuildDoc(builder, row);
  EXPECT_TRUE(doc["profile"].IsString());

  RawDocumentOptions options;
  options.profile_tables = {"idrepo.anonymous_profile_*"};
  RawDocumentBuilder custom(options);
  EXPECT_TRUE(custom.IsProfileTable(*other));
  EXPECT_FALSE(custom.IsProfileTable(*walcast::testing::ProfileRelation("regprc")));
}

TEST(RawDocumentIdTest, CompositeKeysAreJoinedUnambiguously) {
  Relation r;
  r.schema = "s";
  r.name = "t";
  r.columns = {Typed("a", 25), Typed("b", 25), Typed("v", 25)};
  r.primary_key = {0, 1};
  RawDocumentBuilder builder;
  std::string one, two;
  ASSERT_TRUE(builder.BuildId(r, {Text("a|b"), Text("c"), Text("x")}, &one).ok());
  ASSERT_TRUE(builder.BuildId(r, {Text("a"), Text("b|c"), Text("x")}, &two).ok());
  EXPECT_EQ(one, "a\\|b|c");
  EXPECT_EQ(two, "a|b\\|c");
  std::string three;
  ASSERT_TRUE(builder.BuildId(r, {Text("a\\"), Text("|c"), Text("x")}, &three).ok());
  EXPECT_EQ(three, "a\\\\|\\|c");
  EXPECT_NE(three, one);
}

TEST(RawDocumentIdTest, KeyOnlyOldTuplesGiveTheSameIdForDeletes) {
  const MosipRow row = GoldenRow("regprc_lost");
  Tuple key_only(row.row.size(), Datum::Null());
  key_only[0] = row.row[0];
  RawDocumentBuilder builder;
  std::string id;
  ASSERT_TRUE(builder.BuildId(*row.relation, key_only, &id).ok());
  EXPECT_EQ(id, "10011100110004520250420110005");
}

TEST(RawDocumentIdTest, ErrorsSayWhyThereIsNoId) {
  RawDocumentBuilder builder;
  Relation r;
  r.schema = "s";
  r.name = "nokey";
  r.replica_identity = ReplicaIdentity::kFull;
  r.columns = {Typed("a", 25)};
  r.columns[0].is_key = true;  // FULL marks every column: not a key
  std::string id;
  EXPECT_EQ(builder.BuildId(r, {Text("x")}, &id).code(), Status::Code::kInvalidArgument);
  RawDocument doc;
  EXPECT_EQ(builder.Build(r, {Text("x")}, 0, &doc).code(), Status::Code::kInvalidArgument);

  // Without a primary key from the catalog, the replica identity columns.
  r.replica_identity = ReplicaIdentity::kDefault;
  ASSERT_TRUE(builder.BuildId(r, {Text("x")}, &id).ok());
  EXPECT_EQ(id, "x");
  EXPECT_EQ(builder.BuildId(r, {Datum::Null()}, &id).code(), Status::Code::kRejected);
  EXPECT_EQ(builder.BuildId(r, {Text(std::string(513, 'k'))}, &id).code(), Status::Code::kRejected);
  EXPECT_TRUE(id.empty());
  ASSERT_TRUE(builder.BuildId(r, {Text(std::string(512, 'k'))}, &id).ok());

  const MosipRow row = GoldenRow("idrepo_new");
  Tuple short_row = row.row;
  short_row.pop_back();
  EXPECT_EQ(builder.Build(*row.relation, short_row, 0, &doc).code(),
            Status::Code::kInvalidArgument);
}


// Debezium's column options shape documents as they shape Kafka records:
// excluded columns are left out, masks, hashes and truncation applied.
TEST(RawDocumentColumnOptionsTest, ExcludedAndMaskedColumnsNeverReachTheDocument) {
  RawDocumentOptions options;
  auto parsed = debezium::ParseColumnRules(
      {{"column.exclude.list", "s\\.t\\.secret"},
       {"column.mask.with.3.chars", "s\\.t\\.name"},
       {"column.mask.hash.v2.SHA-256.with.salt.CzQMA0cB5K", "s\\.t\\.email"},
       {"column.truncate.to.2.chars", "s\\.t\\.(note|raw|n)"}});
  ASSERT_TRUE(parsed.ok());
  options.debezium.columns = std::move(*parsed);
  RawDocumentBuilder builder(options);
  Relation r;
  r.schema = "s";
  r.name = "t";
  r.columns = {Typed("id", 23),   Typed("name", 25), Typed("email", 25), Typed("secret", 25),
               Typed("note", 25), Typed("raw", 17),  Typed("n", 23)};
  r.primary_key = {0};
  const Tuple row = {Datum::Text("7"),         Datum::Null(),         Datum::Text("hello"),
                     Datum::Text("pw"),        Datum::Text("日本語"), Datum::Text("\\x010203"),
                     Datum::Text("12345")};
  RawDocument doc;
  ASSERT_TRUE(builder.Build(r, row, 0, &doc).ok());
  rapidjson::Document parsed_doc;
  parsed_doc.Parse(doc.source.c_str());
  ASSERT_TRUE(parsed_doc.IsObject()) << doc.source;
  EXPECT_FALSE(parsed_doc.HasMember("secret")) << doc.source;
  EXPECT_EQ(Str(parsed_doc["name"]), "***");
  // The v2 digest of "hello" (ColumnHashTest).
  EXPECT_EQ(Str(parsed_doc["email"]),
            "c4bf2f9ebc99b7f64add45103e81eb4ca483649064e3e1398b21f41786360c7b");
  EXPECT_EQ(Str(parsed_doc["note"]), "日本");
  EXPECT_EQ(parsed_doc["n"].GetInt(), 12345);  // a number is not truncated
  EXPECT_EQ(doc.source.find("pw"), std::string::npos);
  EXPECT_EQ(doc.source.find("hello"), std::string::npos);
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
