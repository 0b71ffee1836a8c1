#include "sinks/elasticsearch/lookup_config.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace walcast::sinks::elasticsearch {
namespace {

using Values = std::map<std::string, std::string>;

// A full declaration of MOSIP's doc_type_name join, with other names.
Values DocTypeJoin() {
  return {{"lookups", "doc_name"},
          {"lookup.doc_name.table", "master.doc_type"},
          {"lookup.doc_name.key.columns", "code, lang_code"},
          {"lookup.doc_name.value", "name"},
          {"lookup.doc_name.target.tables", "prereg.applicant_document,*.documents"},
          {"lookup.doc_name.target.key.columns", "doc_typ_code,lang_code"},
          {"lookup.doc_name.target.key.defaults", "null,eng"},
          {"lookup.doc_name.output.field", "doc_type_name"}};
}

const LookupSpec* Named(const std::vector<LookupSpec>& specs, std::string_view name) {
  for (const LookupSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

TEST(LookupConfigTest, ParsesEverySettingOfADeclaredLookup) {
  Values values = DocTypeJoin();
  values["lookup.doc_name.type"] = "keyword";
  values["lookup.doc_name.missing"] = "null";
  const Result<std::vector<LookupSpec>> specs = ParseLookups(values);
  ASSERT_TRUE(specs.ok()) << specs.status().ToString();
  ASSERT_EQ(specs->size(), 1u);
  const LookupSpec& spec = specs->front();
  EXPECT_EQ(spec.table, "master.doc_type");
  EXPECT_EQ(spec.key_columns, (std::vector<std::string>{"code", "lang_code"}));
  ASSERT_EQ(spec.value.size(), 1u);
  EXPECT_TRUE(spec.value[0].is_column);
  EXPECT_EQ(spec.value[0].text, "name");
  EXPECT_EQ(spec.target_tables,
            (std::vector<std::string>{"prereg.applicant_document", "*.documents"}));
  ASSERT_EQ(spec.target_keys.size(), 2u);
  EXPECT_EQ(spec.target_keys[0].column, "doc_typ_code");
  EXPECT_FALSE(spec.target_keys[0].default_value) << "\"null\" is no default";
  EXPECT_EQ(spec.target_keys[1].default_value, "eng");
  EXPECT_EQ(spec.output_field, "doc_type_name");
  EXPECT_EQ(spec.type, LookupType::kKeyword);
  EXPECT_EQ(spec.missing, LookupMissing::kNull);
}

TEST(LookupConfigTest, OutputFieldDefaultsToTheName) {
  Values values = DocTypeJoin();
  values.erase("lookup.doc_name.output.field");
  const Result<std::vector<LookupSpec>> specs = ParseLookups(values);
  ASSERT_TRUE(specs.ok()) << specs.status().ToString();
  EXPECT_EQ(specs->front().output_field, "doc_name");
}

TEST(LookupConfigTest, NoKeysMeanNoLookups) {
  const Result<std::vector<LookupSpec>> specs = ParseLookups({{"url", "http://x"}});
  ASSERT_TRUE(specs.ok());
  EXPECT_TRUE(specs->empty());
  EXPECT_TRUE(ParseLookups({{"lookup.preset", "none"}})->empty());
}

TEST(LookupConfigTest, MosipPresetIsWhatMosipsConnectorsJoin) {
  const Result<std::vector<LookupSpec>> specs = ParseLookups({{"lookup.preset", "mosip"}});
  ASSERT_TRUE(specs.ok()) << specs.status().ToString();
  ASSERT_EQ(specs->size(), 4u);

  const LookupSpec* doc = Named(*specs, "doc_type_name");
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(doc->table, "master.doc_type");
  EXPECT_EQ(doc->target_tables, (std::vector<std::string>{"prereg.applicant_document"}));
  EXPECT_EQ(doc->target_keys[0].column, "doc_typ_code");
  EXPECT_EQ(doc->target_keys[1].default_value, "eng");

  const LookupSpec* centre = Named(*specs, "regcntr_name");
  ASSERT_NE(centre, nullptr);
  EXPECT_EQ(centre->key_columns, (std::vector<std::string>{"id"}));
  EXPECT_EQ(centre->target_tables,
            (std::vector<std::string>{"prereg.reg_appointment", "prereg.reg_available_slot"}));

  const LookupSpec* names = Named(*specs, "documents_names");
  ASSERT_NE(names, nullptr);
  EXPECT_TRUE(names->HasListKey());
  EXPECT_EQ(names->missing, LookupMissing::kKey);
  EXPECT_EQ(names->target_tables,
            (std::vector<std::string>{"regprc.anonymous_profile", "idrepo.anonymous_profile"}));

  const LookupSpec* geo = Named(*specs, "registrationCenterGeoLocation");
  ASSERT_NE(geo, nullptr);
  EXPECT_EQ(geo->type, LookupType::kGeoPoint);
  EXPECT_EQ(geo->target_keys[0].column, kProfileCenter);
  EXPECT_EQ(geo->ValueColumns(), (std::vector<std::string>{"latitude", "longitude"}));
  EXPECT_EQ(geo->target_tables, (std::vector<std::string>{"regprc.anonymous_profile"}));
}

TEST(LookupConfigTest, PresetLookupChangesSettingBySettingAndTakesMore) {
  Values values = DocTypeJoin();
  values["lookup.preset"] = "MOSIP";
  values["lookup.documents_names.target.tables"] = "*.anonymous_profile";
  const Result<std::vector<LookupSpec>> specs = ParseLookups(values);
  ASSERT_TRUE(specs.ok()) << specs.status().ToString();
  EXPECT_EQ(specs->size(), 5u);
  EXPECT_EQ(Named(*specs, "documents_names")->target_tables,
            (std::vector<std::string>{"*.anonymous_profile"}));
  EXPECT_EQ(Named(*specs, "documents_names")->table, "master.doc_type") << "kept";
  EXPECT_NE(Named(*specs, "doc_name"), nullptr);
}

TEST(LookupConfigTest, BadKeysAreRefusedByName) {
  // Each case changes DocTypeJoin(): a key set to a value ("" erases it).
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"lookup.doc_name.tabel", "x.y"},                // unknown setting
      {"lookup.other.table", "x.y"},                   // undeclared lookup
      {"lookup.doc_name.table", ""},                   // required setting missing
      {"lookup.doc_name.table", "doc_type"},           // not schema.table
      {"lookup.doc_name.key.columns", "code"},         // one key column for two
      {"lookup.doc_name.target.key.defaults", "eng"},  // one default for two
      {"lookup.doc_name.type", "text"},
      {"lookup.doc_name.missing", "skip"},
      {"lookup.preset", "debezium"},
      {"lookup.doc_name.target.key.columns", "profile.gender,lang_code"},
      {"lookups", "doc.name"},
      {"lookup.doc_name.value", "{name"},
  };
  for (const auto& [key, value] : cases) {
    Values values = DocTypeJoin();
    if (value.empty()) {
      values.erase(key);
    } else {
      values[key] = value;
    }
    const Status status = ParseLookups(values).status();
    EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << key << "=" << value;
    EXPECT_NE(status.message().find("elasticsearch.lookup"), std::string::npos) << status.message();
  }
}

TEST(LookupConfigTest, MaxRowsIsNotALookupName) {
  Values values = DocTypeJoin();
  values["lookup.max.rows"] = "10";
  EXPECT_TRUE(ParseLookups(values).ok());
}

TEST(LookupConfigTest, ValueTemplatesMixLiteralsAndColumns) {
  const Result<std::vector<LookupValuePart>> geo = ParseValueTemplate("{latitude},{ longitude }");
  ASSERT_TRUE(geo.ok());
  ASSERT_EQ(geo->size(), 3u);
  EXPECT_TRUE((*geo)[0].is_column);
  EXPECT_EQ((*geo)[0].text, "latitude");
  EXPECT_FALSE((*geo)[1].is_column);
  EXPECT_EQ((*geo)[1].text, ",");
  EXPECT_EQ((*geo)[2].text, "longitude");

  const Result<std::vector<LookupValuePart>> label = ParseValueTemplate("centre {name}!");
  ASSERT_TRUE(label.ok());
  ASSERT_EQ(label->size(), 3u);
  EXPECT_EQ((*label)[0].text, "centre ");
  EXPECT_EQ((*label)[2].text, "!");

  EXPECT_EQ(ParseValueTemplate("").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseValueTemplate("{}").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseValueTemplate("a}{b}").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseValueTemplate("{a").status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
