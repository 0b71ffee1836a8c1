#include "sinks/elasticsearch/raw_document.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "core/encoding.h"
#include "tests/support/mosip_rows.h"

namespace walcast::sinks::elasticsearch {
namespace {

using walcast::testing::MosipGoldenOptions;
using walcast::testing::MosipGoldenRows;
using walcast::testing::MosipRow;
using walcast::testing::ProfileRow;
using walcast::testing::ReadDataFile;
using walcast::testing::Text;

const std::string kDataDir = WALCAST_TEST_DATA_DIR;

std::string Pretty(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  w.SetIndent(' ', 2);
  v.Accept(w);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

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

// Builds `row` and parses the document.
rapidjson::Document BuildDoc(RawDocumentBuilder& builder, const MosipRow& row,
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

MosipRow GoldenRow(const std::string& name) {
  for (MosipRow& r : MosipGoldenRows(kDataDir)) {
    if (r.name == name) return r;
  }
  ADD_FAILURE() << "no golden row " << name;
  return {};
}

// A profile row of `schema` with `profile` as its text.
MosipRow RowWith(const std::string& schema, const std::string& profile,
                 const std::string& cr_dtimes = "2025-05-01 12:00:00") {
  return ProfileRow("custom", schema, "row-1", profile, cr_dtimes, "PrintingStage");
}

const rapidjson::Value& At(const rapidjson::Value& v, std::initializer_list<const char*> path) {
  static const rapidjson::Value kMissing;
  const rapidjson::Value* cur = &v;
  for (const char* key : path) {
    if (!cur->IsObject() || !cur->HasMember(key)) return kMissing;
    cur = &(*cur)[key];
  }
  return *cur;
}

std::string Str(const rapidjson::Value& v) {
  return v.IsString() ? v.GetString() : "<not a string>";
}

// ---- Golden documents ----

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

// ---- idrepo ----

TEST(RawDocumentTest, IdRepoNewHasEveryFieldTheIdIssuanceDashboardReads) {
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

TEST(RawDocumentTest, UpdateIdsAreTheOnesOrgJsonComputes) {
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

TEST(RawDocumentTest, AnUpdateSupersedesTheDocumentOfItsOldSnapshot) {
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

TEST(RawDocumentTest, IdRepoUpdateCarriesBothSidesAndTheNewSidesDocuments) {
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

TEST(RawDocumentTest, ExceptionBiometricsCountWhenAskedAsMosipDoes) {
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

// ---- regprc, prereg, Annexure A ----

TEST(RawDocumentTest, RegProcIsFlatWithOfficersCentreAndStage) {
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

TEST(RawDocumentTest, RegProcSyncStubSurvivesItsNulls) {
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

TEST(RawDocumentTest, MosipParityFilesUnknownYearsUnderTheLastGroup) {
  RawDocumentOptions options = MosipGoldenOptions();
  options.age_group_rule = mosip::AgeGroupRule::kMosipParity;
  RawDocumentBuilder builder(options);
  const rapidjson::Document doc = BuildDoc(builder, GoldenRow("regprc_sync"));
  EXPECT_EQ(Str(At(doc, {"profile", "ageGroup"})), "60 and above");
}

TEST(RawDocumentTest, PreRegAndAnnexureKeepTheirLanguageAndExceptionForms) {
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

// ---- Derived-field edges ----

TEST(RawDocumentTest, MissingYearOfBirthIsAnUnknownAgeGroupOrNoneForParity) {
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

TEST(RawDocumentTest, WithoutADateTheAgeGroupUsesTheYearOfCrDtimes) {
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

TEST(RawDocumentTest, UnknownGenderAndNoChannelAreWrittenAsTheyAre) {
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

TEST(RawDocumentTest, DigitalIdInEveryFormItArrivesIn) {
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

// ---- Rejected profiles ----

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

// ---- Generic columns ----

Column Typed(std::string name, uint32_t oid, std::optional<TypeInfo> type = std::nullopt) {
  Column c = walcast::testing::MosipColumn(std::move(name), oid);
  c.type = std::move(type);
  return c;
}

TEST(RawDocumentTest, GenericColumnsAreTypedByTheirPostgresType) {
  Relation r;
  r.schema = "public";
  r.name = "types";
  TypeInfo domain;  // CREATE DOMAIN year AS int4
  domain.oid = 70001;
  domain.typtype = 'd';
  domain.base_oid = 23;
  TypeInfo int4;
  int4.oid = 23;
  int4.name = "int4";
  int4.category = 'N';
  domain.inner.push_back(int4);
  TypeInfo mood;  // CREATE TYPE mood AS ENUM
  mood.oid = 70002;
  mood.typtype = 'e';
  mood.category = 'E';
  TypeInfo int_array;
  int_array.oid = 1007;
  int_array.category = 'A';
  int_array.elem_oid = 23;
  r.columns = {Typed("id", 20),
               Typed("i2", 21),
               Typed("f8", 701),
               Typed("nan", 701),
               Typed("num", 1700),
               Typed("big", 1700),
               Typed("ok", 16),
               Typed("ts", 1114),
               Typed("tstz", 1184),
               Typed("old", 1114),
               Typed("inf", 1114),
               Typed("day", 1082),
               Typed("doc", 3802),
               Typed("js", 114),
               Typed("bin", 17),
               Typed("ints", 1007, int_array),
               Typed("texts", 1009),
               Typed("grid", 1007),
               Typed("yr", 70001, domain),
               Typed("feel", 70002, mood),
               Typed("u", 2950),
               Typed("gap", 25)};
  r.primary_key = {0};
  const Tuple row = {Text("42"),
                     Text("-7"),
                     Text("1.5e+30"),
                     Text("NaN"),
                     Text("12345678901234567890.000123"),
                     Text("Infinity"),
                     Text("t"),
                     Text("2024-02-29 23:59:59.999999"),
                     Text("2024-03-01 01:30:00.5+02"),
                     Text("1969-12-31 23:59:59.9995"),
                     Text("infinity"),
                     Text("2024-02-29"),
                     Text(R"({"a": [1, 2], "b": {"c": null}})"),
                     Text("{\"x\":\n 1}"),
                     Text("\\x00ff10"),
                     Text("{1,NULL,3}"),
                     Text(R"({"a b",NULL,"c\"d"})"),
                     Text("{{1,2},{3,4}}"),
                     Text("1988"),
                     Text("happy"),
                     Text("0e5f1c9a-1111-4222-8333-944455556666"),
                     Datum::Null()};
  RawDocumentBuilder builder;
  RawDocument doc;
  ASSERT_TRUE(builder.Build(r, row, 0, &doc).ok());
  EXPECT_EQ(doc.id, "42");
  EXPECT_FALSE(doc.is_profile);
  rapidjson::Document d;
  d.Parse(doc.source.c_str());
  ASSERT_FALSE(d.HasParseError()) << doc.source;
  EXPECT_EQ(d["id"].GetInt(), 42);
  EXPECT_EQ(d["i2"].GetInt(), -7);
  EXPECT_DOUBLE_EQ(d["f8"].GetDouble(), 1.5e30);
  EXPECT_EQ(Str(d["nan"]), "NaN") << "no JSON number for NaN";
  EXPECT_TRUE(d["num"].IsNumber());
  EXPECT_NE(doc.source.find("12345678901234567890.000123"), std::string::npos)
      << "numeric digits as sent";
  EXPECT_EQ(Str(d["big"]), "Infinity");
  EXPECT_TRUE(d["ok"].IsTrue());
  EXPECT_EQ(Str(d["ts"]), "2024-02-29T23:59:59.999Z");
  EXPECT_EQ(Str(d["tstz"]), "2024-02-29T23:30:00.500Z") << "to UTC";
  EXPECT_EQ(Str(d["old"]), "1969-12-31T23:59:59.999Z") << "rounded down before 1970 too";
  EXPECT_EQ(Str(d["inf"]), "infinity");
  EXPECT_EQ(Str(d["day"]), "2024-02-29");
  ASSERT_TRUE(d["doc"].IsObject());
  EXPECT_EQ(d["doc"]["a"][1].GetInt(), 2);
  EXPECT_TRUE(d["doc"]["b"]["c"].IsNull());
  EXPECT_EQ(d["js"]["x"].GetInt(), 1);
  EXPECT_EQ(doc.source.find('\n'), std::string::npos) << "json is re-written on one line";
  EXPECT_EQ(Str(d["bin"]), "AP8Q");  // base64 of 00 ff 10
  ASSERT_TRUE(d["ints"].IsArray());
  EXPECT_EQ(d["ints"][0].GetInt(), 1);
  EXPECT_TRUE(d["ints"][1].IsNull());
  EXPECT_EQ(d["ints"][2].GetInt(), 3);
  EXPECT_EQ(Str(d["texts"][0]), "a b");
  EXPECT_TRUE(d["texts"][1].IsNull());
  EXPECT_EQ(Str(d["texts"][2]), "c\"d");
  ASSERT_TRUE(d["grid"].IsArray()) << "int4[] resolved without a catalog entry";
  EXPECT_EQ(d["grid"][1][0].GetInt(), 3);
  EXPECT_EQ(d["yr"].GetInt(), 1988) << "a domain is its base type";
  EXPECT_EQ(Str(d["feel"]), "happy");
  EXPECT_EQ(Str(d["u"]), "0e5f1c9a-1111-4222-8333-944455556666");
  EXPECT_TRUE(d["gap"].IsNull());
  EXPECT_FALSE(d.HasMember("@timestamp_gen")) << "no cr_dtimes/upd_dtimes columns";
}

TEST(RawDocumentTest, ChannelInfoIsAPlainRowWithANumericCount) {
  RawDocumentBuilder builder;
  RawDocument raw;
  const rapidjson::Document doc = BuildDoc(builder, GoldenRow("channel_info"), &raw);
  EXPECT_EQ(raw.id, "9F2C4B0A5D0E6C1B7A3F8E2D4C6B1A09F8E7D6C5B4A3928170F6E5D4C3B2A190");
  EXPECT_FALSE(raw.is_profile);
  EXPECT_EQ(doc["no_of_records"].GetInt(), 3);
  EXPECT_EQ(Str(doc["@timestamp_gen"]), "2025-06-02T10:15:00.000Z") << "upd_dtimes wins";
  EXPECT_EQ(Str(doc["cr_dtimes"]), "2025-03-14T08:01:30.500Z");
  EXPECT_TRUE(doc["del_dtimes"].IsNull());
  EXPECT_FALSE(doc.HasMember("documents_names"));
}

TEST(RawDocumentTest, InvalidUtf8IsRejectedNamingTheColumn) {
  MosipRow row = GoldenRow("channel_info");
  row.row[3] = Text(std::string("svc\xff\xfe", 5));
  RawDocumentBuilder builder;
  RawDocument doc;
  const Status s = builder.Build(*row.relation, row.row, 0, &doc);
  EXPECT_EQ(s.code(), Status::Code::kRejected);
  EXPECT_NE(s.message().find("cr_by"), std::string::npos) << s.message();
  EXPECT_TRUE(doc.source.empty());
  // Overlong forms, surrogates and truncated sequences too; real text passes.
  for (const std::string& bad :
       {std::string("\xc0\xaf"), std::string("\xed\xa0\x80"), std::string("abcdefgh\xe2\x82"),
        std::string("\xf4\x90\x80\x80")}) {
    row.row[3] = Text(bad);
    EXPECT_EQ(builder.Build(*row.relation, row.row, 0, &doc).code(), Status::Code::kRejected);
  }
  row.row[3] = Text("s\xc3\xa9rvice \xf0\x9f\x98\x80 \xe2\x82\xac long ascii run here");
  ASSERT_TRUE(builder.Build(*row.relation, row.row, 0, &doc).ok());
  rapidjson::Document parsed;
  parsed.Parse(doc.source.c_str());
  EXPECT_EQ(Str(parsed["cr_by"]),
            "s\xc3\xa9rvice \xf0\x9f\x98\x80 \xe2\x82\xac long ascii run here");
}

// ---- _id ----

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

}  // namespace
}  // namespace walcast::sinks::elasticsearch
