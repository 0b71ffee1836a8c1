#include "sinks/elasticsearch/lookup_fields.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "sinks/elasticsearch/raw_document.h"
#include "tests/unit/sinks/elasticsearch/lookup_test_util.h"
#include "tests/unit/sinks/elasticsearch/raw_document_test_util.h"

namespace walcast::sinks::elasticsearch {
namespace {

using namespace lookup_testing;  // NOLINT(google-build-using-namespace): test helpers

// MOSIP's preset over the tables of these tests, with doc_type rows in
// English and French and one centre.
class LookupFieldsTest : public ::testing::Test {
 protected:
  LookupFieldsTest() : store_(Specs(), 1000) {
    Put(Insert(DocType(), Row({"POA", "eng", "Proof of Address"})));
    Put(Insert(DocType(), Row({"POA", "fra", "Justificatif de domicile"})));
    Put(Insert(DocType(), Row({"DOC001", "eng", "Passport"})));
    Put(Insert(Centre(), Row({"10005", "eng", "Rabat", "34.0209", "-6.8416"})));
  }

  static std::vector<LookupSpec> Specs() {
    std::vector<LookupSpec> specs = MosipLookupPreset();
    // Profile lookups over every profile table, as the golden rows have.
    specs[kDocumentsNames].target_tables = {"*.anonymous_profile"};
    specs[kGeo].target_tables = {"*.anonymous_profile"};
    return specs;
  }

  void Put(const ChangeEvent& event) { ASSERT_TRUE(store_.Apply(event).ok()); }

  rapidjson::Document Build(const std::shared_ptr<const Relation>& relation, const Tuple& row) {
    RawDocumentOptions options;
    options.lookups = &store_;
    RawDocumentBuilder builder(options);
    RawDocument doc;
    const Status s = builder.Build(*relation, row, 0, &doc);
    EXPECT_TRUE(s.ok()) << s.ToString();
    rapidjson::Document parsed;
    parsed.Parse(doc.source.c_str());
    return parsed;
  }

  LookupStore store_;
};

TEST_F(LookupFieldsTest, DocTypeNameTakesTheRowsLanguageElseEnglish) {
  const rapidjson::Document eng = Build(ApplicantDocument(), Row({"d1", "POA", std::nullopt}));
  EXPECT_EQ(Str(At(eng, {"doc_type_name"})), "Proof of Address") << "lang_code defaults to eng";
  const rapidjson::Document fra = Build(ApplicantDocument(), Row({"d2", "POA", "fra"}));
  EXPECT_EQ(Str(At(fra, {"doc_type_name"})), "Justificatif de domicile");
}

TEST_F(LookupFieldsTest, NoRowOrNoKeyMeansNoField) {
  // A code master.doc_type does not (yet) have.
  EXPECT_FALSE(Build(ApplicantDocument(), Row({"d3", "POI", "eng"})).HasMember("doc_type_name"));
  // A NULL code has no default ("null"), as MOSIP's input.default.values.
  EXPECT_FALSE(
      Build(ApplicantDocument(), Row({"d4", std::nullopt, "eng"})).HasMember("doc_type_name"));
  // Tables that are no target get nothing.
  EXPECT_FALSE(Build(DocType(), Row({"X", "eng", "x"})).HasMember("doc_type_name"));
}

TEST_F(LookupFieldsTest, MissingPolicyWritesNullOrTheKey) {
  std::vector<LookupKeyInput> inputs(2);
  inputs[0].scalar = "POI";
  EXPECT_EQ(ResolveLookup(store_, kDocTypeName, inputs).kind, LookupFieldValue::Kind::kAbsent);

  std::vector<LookupSpec> specs = Specs();
  specs[kDocTypeName].missing = LookupMissing::kNull;
  LookupStore nulls(specs, 10);
  EXPECT_EQ(ResolveLookup(nulls, kDocTypeName, inputs).kind, LookupFieldValue::Kind::kNull);

  specs[kDocTypeName].missing = LookupMissing::kKey;
  LookupStore keys(specs, 10);
  const LookupFieldValue key = ResolveLookup(keys, kDocTypeName, inputs);
  EXPECT_EQ(key.kind, LookupFieldValue::Kind::kString);
  EXPECT_EQ(key.text, "POI");
}

TEST_F(LookupFieldsTest, ListKeysGiveOneElementPerDocument) {
  std::vector<LookupKeyInput> inputs(2);
  inputs[0].list = std::vector<std::string>{"DOC001", "DOC009", "POA"};
  const LookupFieldValue names = ResolveLookup(store_, kDocumentsNames, inputs);
  ASSERT_EQ(names.kind, LookupFieldValue::Kind::kArray);
  // MOSIP's preset writes the code of an unknown document.
  EXPECT_EQ(names.elements,
            (std::vector<std::optional<std::string>>{"Passport", "DOC009", "Proof of Address"}));
  inputs[1].scalar = "fra";
  EXPECT_EQ(
      ResolveLookup(store_, kDocumentsNames, inputs).elements,
      (std::vector<std::optional<std::string>>{"DOC001", "DOC009", "Justificatif de domicile"}));
  // No list (no profile): no field.
  EXPECT_EQ(ResolveLookup(store_, kDocumentsNames, std::vector<LookupKeyInput>(2)).kind,
            LookupFieldValue::Kind::kAbsent);
}

TEST_F(LookupFieldsTest, GeoPointNeedsTwoNumbers) {
  EXPECT_TRUE(IsGeoPointText("34.0209,-6.8416"));
  EXPECT_TRUE(IsGeoPointText("1e1,+2"));
  EXPECT_FALSE(IsGeoPointText("34.0209"));
  EXPECT_FALSE(IsGeoPointText("north,-6.8"));
  EXPECT_FALSE(IsGeoPointText(",1"));
  Put(Insert(Centre(), Row({"10006", "eng", "Sale", "unknown", "-6.8"})));
  std::vector<LookupKeyInput> inputs(2);
  inputs[0].scalar = "10006";
  EXPECT_EQ(ResolveLookup(store_, kGeo, inputs).kind, LookupFieldValue::Kind::kAbsent)
      << "MOSIP drops a position that is no number";
  inputs[0].scalar = "10005";
  EXPECT_EQ(ResolveLookup(store_, kGeo, inputs).text, "34.0209,-6.8416");
}

TEST_F(LookupFieldsTest, ProfileRowsGetNamesAndTheirCentresPosition) {
  const walcast::testing::MosipRow row = GoldenRow("regprc_new_printing_stage");
  const rapidjson::Document doc = Build(row.relation, row.row);
  EXPECT_EQ(Str(At(doc, {"registrationCenterGeoLocation"})), "34.0209,-6.8416");
  ASSERT_TRUE(At(doc, {"documents_names"}).IsArray());
}

TEST_F(LookupFieldsTest, UnchangedToastKeyLeavesTheFieldOut) {
  Tuple row = Row({"d1", "POA", "eng"});
  row[1] = Datum::UnchangedToast();
  EXPECT_FALSE(Build(ApplicantDocument(), row).HasMember("doc_type_name"));
}

TEST_F(LookupFieldsTest, ValuesAreWrittenAsJson) {
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  LookupFieldValue value;
  value.kind = LookupFieldValue::Kind::kArray;
  value.elements = {"a\"b", std::nullopt};
  WriteLookupValue(w, value);
  EXPECT_EQ(std::string(out.GetString()), R"(["a\"b",null])");
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
