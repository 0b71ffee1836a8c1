// Lookups and joins end to end (docs/elasticsearch.md "Lookups and joins"):
// the walcast binary with elasticsearch.lookup.preset=mosip streams MOSIP's
// master tables and the tables that join them from the test PostgreSQL into
// the test Elasticsearch/OpenSearch node, and the documents get the fields
// MOSIP's DynamicNewField and AnonymousProfileTransform write, including
// when the lookup row comes after the document, changes, or walcast
// restarts in between.

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "tests/integration/es_process_test.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

// MOSIP's columns that the joins read (the tables have more).
constexpr char kMasterTables[] = R"(
CREATE SCHEMA master;
CREATE TABLE master.doc_type(
    code varchar(36) NOT NULL, name varchar(64) NOT NULL, descr varchar(128),
    lang_code varchar(3) NOT NULL, is_active boolean NOT NULL DEFAULT true,
    PRIMARY KEY (code, lang_code));
CREATE TABLE master.registration_center(
    id varchar(10) NOT NULL, name varchar(128) NOT NULL, latitude varchar(32),
    longitude varchar(32), lang_code varchar(3) NOT NULL,
    PRIMARY KEY (id, lang_code));
CREATE SCHEMA prereg;
CREATE TABLE prereg.applicant_document(
    id varchar(36) PRIMARY KEY, prereg_id varchar(36) NOT NULL, doc_name varchar(128),
    doc_cat_code varchar(36), doc_typ_code varchar(36), lang_code varchar(3));
CREATE TABLE prereg.reg_appointment(
    id varchar(36) PRIMARY KEY, regcntr_id varchar(10) NOT NULL, prereg_id varchar(36) NOT NULL,
    appointment_date date);
)";

std::string ReadFileText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class EsLookupTest : public EsProcessTest {
 protected:
  void SetUp() override {
    EsProcessTest::SetUp();
    if (HasFatalFailure()) return;
    Sql(kMasterTables);
    Sql(ReadFileText(std::string(WALCAST_SOURCE_DIR) + "/sql/mosip/regprc_anonymous_profile.sql"));
    WriteConfig({});
  }

  std::map<std::string, std::string> BaseConfig() const override {
    std::map<std::string, std::string> kv = EsProcessTest::BaseConfig();
    kv["sinks"] = "elasticsearch";
    kv["table.include.list"] =
        "master\\.doc_type,master\\.registration_center,prereg\\.applicant_document,"
        "prereg\\.reg_appointment,regprc\\.anonymous_profile";
    kv["elasticsearch.lookup.preset"] = "mosip";
    return kv;
  }

  std::string Index(const std::string& table) const { return db_ + "." + table; }

  // The stored document: its _source and _version.
  struct Stored {
    rapidjson::Document source;
    int64_t version = 0;
  };
  Stored Doc(const std::string& table, const std::string& id) {
    Stored out;
    rapidjson::Document answer;
    answer.Parse(es_->Get(Index(table), id).c_str());
    EXPECT_TRUE(answer.IsObject() && answer.HasMember("_source")) << table << " " << id;
    if (!answer.IsObject() || !answer.HasMember("_source")) return out;
    out.version = answer["_version"].GetInt64();
    out.source.CopyFrom(answer["_source"], out.source.GetAllocator());
    return out;
  }

  // The field's value as JSON text, or "" when absent.
  std::string Field(const std::string& table, const std::string& id, const char* field) {
    const Stored doc = Doc(table, id);
    if (!doc.source.IsObject() || !doc.source.HasMember(field)) return "";
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    doc.source[field].Accept(w);
    return out.GetString();
  }

  void InsertProfile(const std::string& id) {
    Sql("INSERT INTO regprc.anonymous_profile(id, process_stage, profile, cr_by, cr_dtimes) "
        "VALUES ('" +
        id + "', 'PrintingStage', $p$" +
        ReadFileText(std::string(WALCAST_SOURCE_DIR) +
                     "/tests/data/profiles/regprc_new_printing_stage.json") +
        "$p$, 'test', '2025-03-14 09:12:44')");
  }
};

TEST_F(EsLookupTest, JoinsFollowTheirLookupTablesAndCorrectEarlierDocuments) {
  // The profile (centre 10005, documents DOC001 and DOC004) and the
  // documents exist before their centre; one document type is known.
  Sql("INSERT INTO master.doc_type(code, name, lang_code) VALUES "
      "('DOC001', 'Passport', 'eng'), ('POA', 'Proof of Address', 'eng'), "
      "('POA', 'Justificatif de domicile', 'fra')");
  Sql("INSERT INTO prereg.applicant_document(id, prereg_id, doc_typ_code, lang_code) VALUES "
      "('d1', 'p1', 'POA', NULL), ('d2', 'p1', 'POA', 'fra'), ('d3', 'p1', 'POI', 'eng'), "
      "('d4', 'p1', NULL, 'eng')");
  InsertProfile("10005100110004520250314091244");
  Sql("INSERT INTO prereg.reg_appointment(id, regcntr_id, prereg_id) VALUES ('a1', '10005', 'p1')");
  const std::string profile_id = "10005100110004520250314091244";
  const std::string profiles = "regprc.anonymous_profile";
  const std::string documents = "prereg.applicant_document";

  auto walcast = Start("walcast0");
  ASSERT_TRUE(WaitForLog("walcast0", "streaming started", walcast.get(), 120s)) << Log("walcast0");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 120s, "walcast0"));

  // doc_type_name with MOSIP's lang_code default (eng); no field for a
  // code master.doc_type lacks, nor for a NULL code.
  EXPECT_EQ(Field(documents, "d1", "doc_type_name"), R"("Proof of Address")");
  EXPECT_EQ(Field(documents, "d2", "doc_type_name"), R"("Justificatif de domicile")");
  EXPECT_EQ(Field(documents, "d3", "doc_type_name"), "");
  EXPECT_EQ(Field(documents, "d4", "doc_type_name"), "");
  // documents_names of the profile: a code without a name stays the code.
  EXPECT_EQ(Field(profiles, profile_id, "documents_names"), R"(["Passport","DOC004"])");
  EXPECT_EQ(Field(profiles, profile_id, "registrationCenterGeoLocation"), "")
      << "the centre is not there yet";
  EXPECT_EQ(Field("prereg.reg_appointment", "a1", "regcntr_name"), "");
  const int64_t version = Doc(profiles, profile_id).version;

  // The centre arrives after the profile: the profile gets its position,
  // with its own version (a correction never moves it back in time).
  Sql("INSERT INTO master.registration_center(id, name, latitude, longitude, lang_code) VALUES "
      "('10005', 'Rabat', '34.0209', '-6.8416', 'eng'), ('10005', 'Rabat FR', '1', '2', 'fra')");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 60s, "walcast0"));
  EXPECT_EQ(Field(profiles, profile_id, "registrationCenterGeoLocation"), R"("34.0209,-6.8416")");
  EXPECT_EQ(Doc(profiles, profile_id).version, version);
  // regcntr_name keys by id alone: of the centre's rows, 10005|eng sorts first.
  EXPECT_EQ(Field("prereg.reg_appointment", "a1", "regcntr_name"), R"("Rabat")");
  // It is a geo_point: a bounding box around Rabat finds it.
  ASSERT_TRUE(es_->Refresh(Index(profiles)));
  const std::string found = es_->Search(
      Index(profiles), R"({"query":{"geo_bounding_box":{"registrationCenterGeoLocation":{)"
                       R"("top_left":{"lat":35,"lon":-7},"bottom_right":{"lat":33,"lon":-6}}}}})");
  EXPECT_NE(found.find(profile_id), std::string::npos) << found;

  // A lookup value changes: every document holding it follows.
  Sql("UPDATE master.doc_type SET name = 'Address proof' WHERE code = 'POA' AND lang_code = 'eng'");
  Sql("INSERT INTO master.doc_type(code, name, lang_code) VALUES ('DOC004', 'Birth Certificate', "
      "'eng'), ('POI', 'Proof of Identity', 'eng')");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 60s, "walcast0"));
  EXPECT_EQ(Field(documents, "d1", "doc_type_name"), R"("Address proof")");
  EXPECT_EQ(Field(documents, "d2", "doc_type_name"), R"("Justificatif de domicile")");
  EXPECT_EQ(Field(documents, "d3", "doc_type_name"), R"("Proof of Identity")");
  EXPECT_EQ(Field(profiles, profile_id, "documents_names"), R"(["Passport","Birth Certificate"])");

  // A restart reads the lookup tables back from their indices: a new
  // document finds its name though master.doc_type does not change again.
  walcast->Signal(SIGTERM);
  ASSERT_EQ(walcast->Wait(30s), 0) << Log("walcast0");
  walcast = Start("walcast1");
  ASSERT_TRUE(WaitForLog("walcast1", "streaming started", walcast.get(), 120s)) << Log("walcast1");
  EXPECT_NE(Log("walcast1").find("lookup table loaded from its index"), std::string::npos);
  Sql("INSERT INTO prereg.applicant_document(id, prereg_id, doc_typ_code, lang_code) VALUES "
      "('d5', 'p2', 'POA', 'eng')");
  // A centre moves; a deleted lookup row takes its field away.
  Sql("UPDATE master.registration_center SET latitude = '33.9716', longitude = '-6.8498' "
      "WHERE id = '10005' AND lang_code = 'eng'");
  Sql("DELETE FROM master.doc_type WHERE code = 'POI'");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 60s, "walcast1"));
  EXPECT_EQ(Field(documents, "d5", "doc_type_name"), R"("Address proof")");
  EXPECT_EQ(Field(profiles, profile_id, "registrationCenterGeoLocation"), R"("33.9716,-6.8498")");
  EXPECT_EQ(Field(documents, "d3", "doc_type_name"), "");
  EXPECT_EQ(Doc(profiles, profile_id).version, version);
  // The log never quotes lookup values.
  EXPECT_EQ(Log("walcast1").find("Address proof"), std::string::npos);
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log("walcast1");
}

}  // namespace
}  // namespace walcast::testing
