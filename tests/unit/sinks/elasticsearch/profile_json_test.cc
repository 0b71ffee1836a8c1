#include "sinks/elasticsearch/profile_json.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <sstream>
#include <string>

#include "core/encoding.h"

#include "tests/unit/sinks/elasticsearch/raw_document_test_util.h"

namespace walcast::sinks::elasticsearch {
namespace {

using walcast::testing::MosipGoldenOptions;
using walcast::testing::MosipRow;
using walcast::testing::ReadDataFile;

// The updateIds org.json computes (update_ids.txt, from update_ids.sh):
// file name -> {new, old}, "-" for none.
std::map<std::string, std::pair<std::string, std::string>> JavaUpdateIds() {
  std::map<std::string, std::pair<std::string, std::string>> ids;
  std::istringstream in(ReadDataFile(kDataDir + "/elasticsearch/update_ids.txt"));
  std::string file, new_id, old_id;
  while (in >> file >> new_id >> old_id) {
    ids[file] = {new_id.substr(4), old_id.substr(4)};
  }
  return ids;
}

TEST(ProfileJsonTest, IdRepoNewHasEveryFieldTheIdIssuanceDashboardReads) {
  RawDocumentBuilder builder(MosipGoldenOptions());
  RawDocument raw;
  const rapidjson::Document doc = BuildDoc(builder, GoldenRow("idrepo_new"), &raw);
  EXPECT_EQ(raw.id, "6c1d2f70-5b1e-4c3a-9f10-000000000001");
  EXPECT_TRUE(raw.is_profile);
  EXPECT_EQ(raw.shape, mosip::ProfileShape::kIdRepo);
  EXPECT_FALSE(raw.partial);
  // The row's columns, MOSIP-typed.
  EXPECT_EQ(Str(At(doc, {"cr_dtimes"})), "2025-03-14T08:01:30.123Z");
  EXPECT_EQ(Str(At(doc, {"@timestamp_gen"})), "2025-03-14T08:01:30.123Z") << "cr_dtimes: no upd";
  EXPECT_TRUE(At(doc, {"upd_dtimes"}).IsNull());
  EXPECT_TRUE(At(doc, {"is_deleted"}).IsFalse());
  // §4.5's fields.
  EXPECT_EQ(Str(At(doc, {"profile", "processName"})), "New");
  EXPECT_EQ(Str(At(doc, {"profile", "date"})), "2025-03-14");
  EXPECT_TRUE(At(doc, {"profile", "oldProfile"}).IsNull());
  const rapidjson::Value& p = At(doc, {"profile", "newProfile"});
  EXPECT_EQ(Str(At(p, {"gender"})), "Female");
  EXPECT_EQ(Str(At(p, {"yearOfBirth"})), "1988") << "idrepo writes a string";
  EXPECT_EQ(Str(At(p, {"ageGroup"})), "18-60");  // 2025 - 1988 = 37
  EXPECT_EQ(Str(At(p, {"channel"})), "Both phone and email");
  EXPECT_EQ(Str(At(p, {"location", "hierarchy1"})), "Zone-North");
  EXPECT_EQ(Str(At(p, {"location", "hierarchy2"})), "10101");
  EXPECT_EQ(Str(At(p, {"preferredLanguage"})), "eng");
  // Finger: the Left Thumb BIR is an exception and stays out, so the
  // average is Right IndexFinger's alone, and so is the device.
  EXPECT_DOUBLE_EQ(At(p, {"biometricInfo", "Finger", "qualityScore"}).GetDouble(), 78.0);
  EXPECT_DOUBLE_EQ(At(p, {"biometricInfo", "Finger", "attempts"}).GetDouble(), 2.0);
  EXPECT_EQ(Str(At(p, {"biometricInfo", "Finger", "digitalId", "serialNo"})), "SN-TEST-0001");
  EXPECT_FALSE(At(p, {"biometricInfo", "Finger", "digitalId"}).HasMember("dateTime"));
  EXPECT_EQ(Str(At(p, {"biometricInfo", "Iris", "digitalId", "serialNo"})), "SN-TEST-0002");
  EXPECT_DOUBLE_EQ(At(p, {"biometricInfo", "Face", "qualityScore"}).GetDouble(), 90.0);
  EXPECT_TRUE(At(p, {"biometricInfo", "Face", "digitalId"}).IsNull());
  EXPECT_FALSE(At(p, {"biometricInfo", "Finger"}).HasMember("subType"));
  ASSERT_TRUE(At(doc, {"documents_names"}).IsArray());
  ASSERT_EQ(At(doc, {"documents_names"}).Size(), 2u);
  EXPECT_EQ(Str(At(doc, {"documents_names"})[0]), "Passport");
  EXPECT_EQ(Str(At(doc, {"documents_names"})[1]), "Proof of Address");
  EXPECT_FALSE(doc.HasMember("registrationCenterGeoLocation"));
}

TEST(ProfileJsonTest, UpdateIdsAreTheOnesOrgJsonComputes) {
  const auto java = JavaUpdateIds();
  RawDocumentBuilder builder(MosipGoldenOptions());
  for (const char* name : {"idrepo_new", "idrepo_update", "annexure_new", "annexure_update"}) {
    RawDocument raw;
    const rapidjson::Document doc = BuildDoc(builder, GoldenRow(name), &raw);
    const auto& [new_id, old_id] = java.at(std::string(name) + ".json");
    EXPECT_EQ(raw.update_id, new_id) << name;
    EXPECT_EQ(raw.superseded_update_id, old_id == "-" ? "" : old_id) << name;
    EXPECT_EQ(Str(At(doc, {"profile", "updateId"})), new_id) << name;
  }
  RawDocument raw;
  const rapidjson::Document error = BuildDoc(builder, GoldenRow("idrepo_builder_error"), &raw);
  EXPECT_TRUE(raw.update_id.empty());
  EXPECT_FALSE(At(error, {"profile"}).HasMember("updateId"));
  EXPECT_TRUE(At(error, {"profile", "processName"}).IsNull());
  EXPECT_TRUE(At(error, {"profile", "newProfile"}).IsNull());
}

TEST(ProfileJsonTest, AnUpdateSupersedesTheDocumentOfItsOldSnapshot) {
  // The registration, then an update whose oldProfile is the same snapshot:
  // MOSIP deletes the document whose updateId is the update's old side.
  const std::string snapshot =
      R"({"yearOfBirth":"1988","gender":"Female","location":["Zone-North","10101"],)"
      R"("preferredLanguage":"eng","channel":["PHONE","EMAIL"],"exceptions":[],"verified":[],)"
      R"("biometricInfo":[],"documents":["DOC001"]})";
  const std::string changed =
      R"({"yearOfBirth":"1988","gender":"Female","location":["Zone-South","20450"],)"
      R"("preferredLanguage":"eng","channel":["PHONE"],"exceptions":[],"verified":["phone"],)"
      R"("biometricInfo":[],"documents":["DOC001","DOC007"]})";
  RawDocumentBuilder builder;
  RawDocument first, second;
  BuildDoc(builder,
           RowWith("idrepo", R"({"processName":"New","date":"2025-03-14","oldProfile":null,)"
                             R"("newProfile":)" +
                                 snapshot + "}"),
           &first);
  BuildDoc(builder,
           RowWith("idrepo", R"({"processName":"Update","date":"2025-06-02","oldProfile":)" +
                                 snapshot + R"(,"newProfile":)" + changed + "}"),
           &second);
  ASSERT_FALSE(first.update_id.empty());
  EXPECT_EQ(second.superseded_update_id, first.update_id);
  EXPECT_NE(second.update_id, first.update_id);
}

TEST(ProfileJsonTest, IdRepoUpdateCarriesBothSidesAndTheNewSidesDocuments) {
  RawDocumentBuilder builder(MosipGoldenOptions());
  const rapidjson::Document doc = BuildDoc(builder, GoldenRow("idrepo_update"));
  EXPECT_EQ(Str(At(doc, {"profile", "processName"})), "Update");
  EXPECT_EQ(Str(At(doc, {"profile", "oldProfile", "channel"})), "Both phone and email");
  EXPECT_EQ(Str(At(doc, {"profile", "newProfile", "channel"})), "only phone");
  EXPECT_EQ(Str(At(doc, {"profile", "oldProfile", "location", "hierarchy1"})), "Zone-North");
  EXPECT_EQ(Str(At(doc, {"profile", "newProfile", "location", "hierarchy1"})), "Zone-South");
  EXPECT_TRUE(At(doc, {"profile", "newProfile", "biometricInfo"}).ObjectEmpty());
  // A code without a name is written as the code.
  const rapidjson::Value& names = At(doc, {"documents_names"});
  ASSERT_EQ(names.Size(), 2u);
  EXPECT_EQ(Str(names[0]), "Passport");
  EXPECT_EQ(Str(names[1]), "DOC007");
  // Microseconds are cut to milliseconds, not rounded.
  EXPECT_EQ(Str(At(doc, {"cr_dtimes"})), "2025-06-02T10:15:00.123Z");
}

TEST(ProfileJsonTest, ExceptionBiometricsCountWhenAskedAsMosipDoes) {
  RawDocumentOptions options = MosipGoldenOptions();
  options.skip_exception_biometrics = false;
  RawDocumentBuilder builder(options);
  const rapidjson::Document doc = BuildDoc(builder, GoldenRow("idrepo_new"));
  const rapidjson::Value& finger = At(doc, {"profile", "newProfile", "biometricInfo", "Finger"});
  EXPECT_DOUBLE_EQ(At(finger, {"qualityScore"}).GetDouble(), 39.0);  // (0 + 78) / 2
  EXPECT_DOUBLE_EQ(At(finger, {"attempts"}).GetDouble(), 1.5);
  // The device is the first record's: the exception BIR has none.
  EXPECT_TRUE(At(finger, {"digitalId"}).IsNull());
}

TEST(ProfileJsonTest, RegProcIsFlatWithOfficersCentreAndStage) {
  RawDocumentBuilder builder(MosipGoldenOptions());
  RawDocument raw;
  const rapidjson::Document doc = BuildDoc(builder, GoldenRow("regprc_new_printing_stage"), &raw);
  EXPECT_EQ(raw.shape, mosip::ProfileShape::kRegProc);
  EXPECT_TRUE(raw.update_id.empty()) << "MOSIP computes updateIds for idrepo only";
  EXPECT_EQ(Str(At(doc, {"process_stage"})), "PrintingStage");
  EXPECT_EQ(Str(At(doc, {"@timestamp_gen"})), "2025-03-14T09:12:44.120Z") << "upd_dtimes";
  const rapidjson::Value& p = At(doc, {"profile"});
  EXPECT_EQ(Str(At(p, {"processName"})), "New") << "NEW, capitalised as MOSIP does";
  EXPECT_EQ(Str(At(p, {"status"})), "PROCESSED");
  EXPECT_EQ(Str(At(p, {"processStage"})), "PrintingStage");
  ASSERT_TRUE(At(p, {"yearOfBirth"}).IsInt()) << "regprc writes an int";
  EXPECT_EQ(At(p, {"yearOfBirth"}).GetInt(), 1988);
  EXPECT_EQ(Str(At(p, {"ageGroup"})), "18-60");
  EXPECT_EQ(Str(At(p, {"gender"})), "Female");
  EXPECT_EQ(Str(At(p, {"channel"})), "Both phone and email");
  EXPECT_EQ(Str(At(p, {"location", "hierarchy2"})), "10101");
  EXPECT_EQ(Str(At(p, {"enrollmentCenterId"})), "10005");
  ASSERT_TRUE(At(p, {"assisted"}).IsArray());
  EXPECT_EQ(At(p, {"assisted"}).Size(), 2u);
  EXPECT_EQ(Str(At(p, {"registrationOfficers", "Operator"})), "110045");
  EXPECT_EQ(Str(At(p, {"registrationOfficers", "Supervisor"})), "110046");
  EXPECT_DOUBLE_EQ(At(p, {"biometricInfo", "FINGER", "qualityScore"}).GetDouble(), 78.0);
  EXPECT_EQ(Str(At(p, {"biometricInfo", "FINGER", "digitalId", "model"})), "SLAP01");
  EXPECT_DOUBLE_EQ(At(p, {"biometricInfo", "FACE", "qualityScore"}).GetDouble(), 90.0);
  EXPECT_EQ(Str(At(doc, {"registrationCenterGeoLocation"})), "34.0209,-6.8416");
  EXPECT_FALSE(At(p, {}).HasMember("oldProfile"));
}

TEST(ProfileJsonTest, RegProcSyncStubSurvivesItsNulls) {
  RawDocumentBuilder builder(MosipGoldenOptions());
  const rapidjson::Document doc = BuildDoc(builder, GoldenRow("regprc_sync"));
  const rapidjson::Value& p = At(doc, {"profile"});
  EXPECT_EQ(At(p, {"yearOfBirth"}).GetInt(), 0);
  EXPECT_EQ(Str(At(p, {"ageGroup"})), "Unknown") << "yearOfBirth 0 is unknown";
  EXPECT_EQ(Str(At(p, {"channel"})), "only email") << "[\"email\", null]";
  EXPECT_TRUE(At(p, {"gender"}).IsNull());
  EXPECT_TRUE(At(p, {"location"}).ObjectEmpty());
  EXPECT_TRUE(At(p, {"biometricInfo"}).ObjectEmpty());
  EXPECT_TRUE(At(p, {"endDateTime"}).IsNull());
  EXPECT_FALSE(At(p, {}).HasMember("registrationOfficers"));
  EXPECT_TRUE(At(doc, {"documents_names"}).Empty());
  EXPECT_EQ(Str(At(doc, {"process_stage"})), "SYNC");
}

TEST(ProfileJsonTest, MosipParityFilesUnknownYearsUnderTheLastGroup) {
  RawDocumentOptions options = MosipGoldenOptions();
  options.age_group_rule = mosip::AgeGroupRule::kMosipParity;
  RawDocumentBuilder builder(options);
  const rapidjson::Document doc = BuildDoc(builder, GoldenRow("regprc_sync"));
  EXPECT_EQ(Str(At(doc, {"profile", "ageGroup"})), "60 and above");
}

TEST(ProfileJsonTest, PreRegAndAnnexureKeepTheirLanguageAndExceptionForms) {
  RawDocumentBuilder builder(MosipGoldenOptions());
  const rapidjson::Document prereg = BuildDoc(builder, GoldenRow("prereg"));
  EXPECT_EQ(Str(At(prereg, {"profile", "processName"})), "Preregistration");
  EXPECT_EQ(Str(At(prereg, {"profile", "preferredLanguage"})), "fra");
  EXPECT_EQ(Str(At(prereg, {"profile", "yearOfBirth"})), "2001");
  EXPECT_EQ(Str(At(prereg, {"documents_names"})[0]), "Birth Certificate");
  EXPECT_FALSE(prereg.HasMember("registrationCenterGeoLocation")) << "centre 10002 is unknown";

  RawDocument raw;
  const rapidjson::Document annexure = BuildDoc(builder, GoldenRow("annexure_update"), &raw);
  EXPECT_EQ(raw.shape, mosip::ProfileShape::kAnnexureA);
  EXPECT_EQ(Str(At(annexure, {"profile", "processName"})), "Update");
  const rapidjson::Value& n = At(annexure, {"profile", "new"});
  ASSERT_TRUE(At(n, {"preferredLanguages"}).IsArray());
  EXPECT_EQ(At(n, {"preferredLanguages"}).Size(), 2u);
  ASSERT_TRUE(At(n, {"exceptions"}).IsArray());
  EXPECT_EQ(Str(At(n, {"exceptions"})[0]), "Iris/Left") << "opaque labels stay strings";
  EXPECT_EQ(Str(At(n, {"channel"})), "Both phone and email");
  EXPECT_EQ(Str(At(annexure, {"profile", "old", "channel"})), "only phone");
  // Annexure A has no date: the age is counted from cr_dtimes (2025 - 1990).
  EXPECT_EQ(Str(At(n, {"ageGroup"})), "18-60");
}

TEST(ProfileJsonTest, MissingYearOfBirthIsAnUnknownAgeGroupOrNoneForParity) {
  const MosipRow row = RowWith(
      "idrepo",
      R"({"processName":"New","date":"2025-03-14","newProfile":{"gender":"Male","channel":[]}})");
  RawDocumentBuilder builder;
  const rapidjson::Document doc = BuildDoc(builder, row);
  EXPECT_TRUE(At(doc, {"profile", "newProfile", "yearOfBirth"}).IsNull());
  EXPECT_EQ(Str(At(doc, {"profile", "newProfile", "ageGroup"})), "Unknown");
  EXPECT_EQ(Str(At(doc, {"profile", "newProfile", "channel"})), "None");

  RawDocumentOptions parity;
  parity.age_group_rule = mosip::AgeGroupRule::kMosipParity;
  RawDocumentBuilder mosip(parity);
  const rapidjson::Document doc2 = BuildDoc(mosip, row);
  EXPECT_FALSE(At(doc2, {"profile", "newProfile"}).HasMember("ageGroup"));
}

TEST(ProfileJsonTest, WithoutADateTheAgeGroupUsesTheYearOfCrDtimes) {
  const std::string profile =
      R"({"processName":"New","date":null,"newProfile":{"yearOfBirth":"2020"}})";
  RawDocumentBuilder builder;
  // 2024 - 2020 = 4 -> 0-5; 2026 - 2020 = 6 -> 5-18.
  EXPECT_EQ(Str(At(BuildDoc(builder, RowWith("idrepo", profile, "2024-12-31 23:59:59")),
                   {"profile", "newProfile", "ageGroup"})),
            "0-5");
  EXPECT_EQ(Str(At(BuildDoc(builder, RowWith("idrepo", profile, "2026-01-01 00:00:00")),
                   {"profile", "newProfile", "ageGroup"})),
            "5-18");
}

TEST(ProfileJsonTest, UnknownGenderAndNoChannelAreWrittenAsTheyAre) {
  RawDocumentBuilder builder;
  const rapidjson::Document doc = BuildDoc(
      builder,
      RowWith("regprc", R"({"processName":"res_update","processStage":"X","date":null,)"
                        R"("gender":"Intersex-code-7","channel":null,"yearOfBirth":1950})"));
  EXPECT_EQ(Str(At(doc, {"profile", "gender"})), "Intersex-code-7");
  EXPECT_EQ(Str(At(doc, {"profile", "channel"})), "None");
  EXPECT_EQ(Str(At(doc, {"profile", "processName"})), "Res_update");
  // No date: cr_dtimes 2025 - 1950 = 75.
  EXPECT_EQ(Str(At(doc, {"profile", "ageGroup"})), "60 and above");
}

TEST(ProfileJsonTest, DigitalIdInEveryFormItArrivesIn) {
  const std::string device =
      R"({"serialNo":"SN-9","make":"ACME","model":"M1","dateTime":"2025-01-01T00:00:00Z"})";
  // base64 of `device`, and a JWT whose payload is it (URL-safe, no padding).
  std::string b64;
  AppendBase64(device, &b64);
  std::string url;
  AppendBase64(device, &url, true);
  while (!url.empty() && url.back() == '=') url.pop_back();
  std::string escaped;
  for (const char c : device) {
    if (c == '"') escaped.push_back('\\');
    escaped.push_back(c);
  }
  const std::map<std::string, std::string> forms = {
      {"json text", "\"" + escaped + "\""},
      {"base64", "\"" + b64 + "\""},
      {"jwt", "\"eyJhbGciOiJSUzI1NiJ9." + url + ".c2lnbmF0dXJl\""},
      {"object", device},
  };
  RawDocumentBuilder builder;
  for (const auto& [form, value] : forms) {
    const rapidjson::Document doc = BuildDoc(
        builder,
        RowWith("idrepo", R"({"processName":"New","date":"2025-01-01","newProfile":{)"
                          R"("biometricInfo":[{"type":"Iris","qualityScore":80,"attempts":"1",)"
                          R"("digitalId":)" +
                              value + "}]}}"));
    const rapidjson::Value& id =
        At(doc, {"profile", "newProfile", "biometricInfo", "Iris", "digitalId"});
    EXPECT_EQ(Str(At(id, {"serialNo"})), "SN-9") << form;
    EXPECT_EQ(Str(At(id, {"model"})), "M1") << form;
    EXPECT_FALSE(id.HasMember("dateTime")) << form;
  }
  // "Fake Data" (MOSIP's own test): no device, the record still counts.
  const rapidjson::Document doc = BuildDoc(
      builder, RowWith("idrepo", R"({"processName":"New","date":"2025-01-01","newProfile":{)"
                                 R"("biometricInfo":[{"type":"Iris","qualityScore":80,)"
                                 R"("attempts":"x","digitalId":"Fake Data"}]}})"));
  const rapidjson::Value& iris = At(doc, {"profile", "newProfile", "biometricInfo", "Iris"});
  EXPECT_TRUE(At(iris, {"digitalId"}).IsNull());
  EXPECT_TRUE(At(iris, {"qualityScore"}).IsNull()) << "non-numeric attempts: out of the average";
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
