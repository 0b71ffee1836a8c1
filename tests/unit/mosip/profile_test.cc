// ProfileParser on the reference's example profiles (tests/data/profiles, one
// per shape), on malformed and partial inputs, and the derived values (age
// groups, channel category, canonical names, biometric summary).

#include "mosip/profile.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace walcast::mosip {
namespace {

std::string ReadData(const std::string& name) {
  std::ifstream in(std::string(WALCAST_TEST_DATA_DIR) + "/profiles/" + name);
  EXPECT_TRUE(in.good()) << "missing test data " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Profile MustParse(const std::string& json, const ProfileRowContext& row = {}) {
  Result<Profile> p = ParseProfile(json, row);
  EXPECT_TRUE(p.ok()) << p.status().ToString() << "\n" << json;
  return p.ok() ? std::move(p).value() : Profile{};
}

// Parses and expects a refusal; returns the reason.
ProfileError Refusal(std::string_view json, ProfileParserOptions options = {},
                     const ProfileRowContext& row = {}) {
  ProfileParser parser(options);
  Profile profile;
  const Status s = parser.Parse(json, row, &profile);
  EXPECT_FALSE(s.ok()) << json;
  EXPECT_EQ(s.code(), Status::Code::kRejected) << s.ToString();
  EXPECT_FALSE(s.message().empty());
  return parser.last_error();
}

// ---- Every shape, from the reference's examples ----

TEST(ProfileParserTest, IdRepoNewRegistration) {
  const Profile p = MustParse(ReadData("idrepo_new.json"));
  EXPECT_EQ(p.shape, ProfileShape::kIdRepo);
  EXPECT_EQ(p.process_name, "New");
  EXPECT_EQ(p.canonical_process_name, "New");
  EXPECT_EQ(p.date, "2025-03-14");
  EXPECT_EQ(p.event_date, (CivilDate{2025, 3, 14}));
  EXPECT_EQ(p.event_year, 2025);
  EXPECT_FALSE(p.old_profile.present);
  EXPECT_FALSE(p.is_update());
  EXPECT_FALSE(p.is_flat());

  const IdentitySnapshot& n = p.new_profile;
  ASSERT_TRUE(n.present);
  EXPECT_EQ(n.year_of_birth, 1988);
  EXPECT_EQ(n.gender, "Female");
  EXPECT_EQ(n.location, (std::vector<std::string>{"Zone-North", "10101"}));
  EXPECT_EQ(n.preferred_languages, (std::vector<std::string>{"eng"}));
  EXPECT_EQ(n.channels, (std::vector<std::string>{"PHONE", "EMAIL"}));
  EXPECT_TRUE(n.hashed_channels.empty());
  EXPECT_EQ(n.channel_category(), ChannelCategory::kBoth);
  EXPECT_EQ(n.exceptions, (std::vector<BiometricException>{{"Finger", "Left Thumb"}}));
  EXPECT_TRUE(n.verified.empty());
  EXPECT_EQ(n.documents, (std::vector<std::string>{"DOC001", "DOC004"}));

  ASSERT_EQ(n.biometrics.size(), 4u);
  const BiometricRecord& thumb = n.biometrics[0];
  EXPECT_EQ(thumb.type, "Finger");
  EXPECT_EQ(thumb.sub_type, "Left Thumb");
  EXPECT_TRUE(thumb.is_exception) << "idrepo keeps exception BIRs; they must be flagged";
  EXPECT_EQ(thumb.quality_score, 0.0);
  EXPECT_FALSE(thumb.device.has_value());
  EXPECT_TRUE(thumb.digital_id.empty());

  const BiometricRecord& index = n.biometrics[1];
  EXPECT_FALSE(index.is_exception);
  EXPECT_EQ(index.quality_score, 78.0);
  EXPECT_EQ(index.attempts, 2.0);
  ASSERT_TRUE(index.device.has_value());
  EXPECT_EQ(index.device->serial_no, "SN-TEST-0001");
  EXPECT_EQ(index.device->make, "ACME");
  EXPECT_EQ(index.device->model, "SLAP01");
  EXPECT_EQ(index.device->type, "Finger");
  EXPECT_EQ(index.device->device_sub_type, "Slap");
  EXPECT_EQ(index.device->device_provider, "ACME");
  EXPECT_EQ(index.device->device_provider_id, "ACME.SBI");
  EXPECT_EQ(index.device->date_time, "2025-03-14T08:01:02Z");
  EXPECT_EQ(index.digital_id.front(), '{');

  EXPECT_EQ(n.biometrics[2].device->serial_no, "SN-TEST-0002");
  EXPECT_EQ(n.biometrics[3].type, "Face");
  EXPECT_EQ(n.biometrics[3].sub_type, "");
}

TEST(ProfileParserTest, IdRepoUpdateCarriesBothSnapshots) {
  const Profile p = MustParse(ReadData("idrepo_update.json"));
  EXPECT_EQ(p.shape, ProfileShape::kIdRepo);
  EXPECT_EQ(p.canonical_process_name, "Update");
  EXPECT_TRUE(p.is_update());
  const IdentitySnapshot& o = p.old_profile;
  const IdentitySnapshot& n = p.new_profile;
  EXPECT_EQ(o.location, (std::vector<std::string>{"Zone-North", "10101"}));
  EXPECT_EQ(n.location, (std::vector<std::string>{"Zone-South", "20450"}));
  EXPECT_EQ(o.channel_category(), ChannelCategory::kBoth);
  EXPECT_EQ(n.channel_category(), ChannelCategory::kOnlyPhone);
  EXPECT_TRUE(o.verified.empty());
  EXPECT_EQ(n.verified, (std::vector<std::string>{"phone"}));
  EXPECT_EQ(o.documents, (std::vector<std::string>{"DOC001"}));
  EXPECT_EQ(n.documents, (std::vector<std::string>{"DOC001", "DOC007"}));
  EXPECT_TRUE(o.biometrics.empty());
  EXPECT_TRUE(n.biometrics.empty());
  EXPECT_EQ(o.year_of_birth, n.year_of_birth);
}

TEST(ProfileParserTest, IdRepoBuilderErrorIsAnEmptyValidProfile) {
  // §5: count as unknown_process, no demographics; not a parse error.
  const Profile p = MustParse(ReadData("idrepo_builder_error.json"));
  EXPECT_EQ(p.shape, ProfileShape::kIdRepo);
  EXPECT_TRUE(p.process_name.empty());
  EXPECT_TRUE(p.canonical_process_name.empty());
  EXPECT_FALSE(p.event_year.has_value());
  EXPECT_FALSE(p.old_profile.present);
  EXPECT_FALSE(p.new_profile.present);
}

TEST(ProfileParserTest, RegprcFullProfileAtPrintingStage) {
  const Profile p = MustParse(ReadData("regprc_new_printing_stage.json"));
  EXPECT_EQ(p.shape, ProfileShape::kRegProc);
  EXPECT_TRUE(p.is_flat());
  EXPECT_EQ(p.process_name, "NEW");
  EXPECT_EQ(p.canonical_process_name, "New");
  EXPECT_EQ(p.process_stage, "PrintingStage");
  EXPECT_EQ(p.status, "PROCESSED");
  EXPECT_EQ(p.date, "2025-03-14T09:12:44.120Z");
  EXPECT_EQ(p.event_date, (CivilDate{2025, 3, 14}));
  EXPECT_EQ(p.start_date_time, "2025-03-14T09:12:44.120Z");
  EXPECT_EQ(p.end_date_time, "2025-03-14T09:12:44.120Z");
  EXPECT_EQ(p.enrollment_center_id, "10005");
  EXPECT_EQ(p.assisted, (std::vector<std::string>{"110045", "110046"}));
  EXPECT_FALSE(p.old_profile.present);

  const IdentitySnapshot& f = p.new_profile;
  ASSERT_TRUE(f.present);
  EXPECT_EQ(f.year_of_birth, 1988);
  EXPECT_EQ(f.gender, "Female");
  EXPECT_EQ(f.preferred_languages, (std::vector<std::string>{"eng"}));
  EXPECT_EQ(f.channels, (std::vector<std::string>{"email", "phone"}));
  EXPECT_EQ(f.channel_category(), ChannelCategory::kBoth);
  EXPECT_EQ(f.exceptions, (std::vector<BiometricException>{{"FINGER", "Left Thumb"}}));
  EXPECT_TRUE(f.verified.empty());  // null
  ASSERT_EQ(f.biometrics.size(), 2u);
  EXPECT_EQ(f.biometrics[0].type, "FINGER");
  EXPECT_EQ(f.biometrics[0].device->model, "SLAP01");
  EXPECT_EQ(f.biometrics[1].type, "FACE");
  EXPECT_EQ(f.biometrics[1].sub_type, "");  // null
  EXPECT_FALSE(f.biometrics[1].device.has_value());
  EXPECT_EQ(f.documents, (std::vector<std::string>{"DOC001", "DOC004"}));
}

TEST(ProfileParserTest, RegprcLostUin) {
  const Profile p = MustParse(ReadData("regprc_lost.json"));
  EXPECT_EQ(p.shape, ProfileShape::kRegProc);
  EXPECT_EQ(p.canonical_process_name, "Lost");
  EXPECT_EQ(p.new_profile.year_of_birth, 1975);
  EXPECT_EQ(p.new_profile.location, (std::vector<std::string>{"Zone-East"}));
  EXPECT_TRUE(p.new_profile.preferred_languages.empty());
  EXPECT_EQ(p.new_profile.channel_category(), ChannelCategory::kOnlyPhone);
  EXPECT_EQ(p.assisted, (std::vector<std::string>{"110045"}));
  ASSERT_EQ(p.new_profile.biometrics.size(), 1u);
  EXPECT_EQ(p.new_profile.biometrics[0].quality_score, 81.0);
}

TEST(ProfileParserTest, RegprcSyncStubWithNullsEverywhere) {
  const Profile p = MustParse(ReadData("regprc_sync.json"));
  EXPECT_EQ(p.shape, ProfileShape::kRegProc);
  EXPECT_EQ(p.process_stage, "SYNC");
  EXPECT_EQ(p.status, "REGISTERED");
  EXPECT_EQ(p.date, "2025-03-14");
  EXPECT_TRUE(p.end_date_time.empty());
  const IdentitySnapshot& f = p.new_profile;
  EXPECT_EQ(f.year_of_birth, 0);  // regprc's "unknown"
  EXPECT_TRUE(f.gender.empty());
  EXPECT_TRUE(f.location.empty());
  EXPECT_EQ(f.channels, (std::vector<std::string>{"email"}));  // the null element is skipped
  EXPECT_EQ(f.channel_category(), ChannelCategory::kOnlyEmail);
  EXPECT_TRUE(f.exceptions.empty());
  EXPECT_TRUE(f.biometrics.empty());
  EXPECT_TRUE(f.documents.empty());
  EXPECT_TRUE(p.assisted.empty());
  EXPECT_EQ(AgeGroups::MosipDefault().Classify(f.year_of_birth, p.event_year), kUnknownAgeGroup);
}

TEST(ProfileParserTest, PreRegistration) {
  const Profile p = MustParse(ReadData("prereg.json"));
  EXPECT_EQ(p.shape, ProfileShape::kPreReg);
  EXPECT_TRUE(p.is_flat());
  EXPECT_EQ(p.canonical_process_name, "Preregistration");
  EXPECT_EQ(p.process_stage, "preregistration");
  EXPECT_EQ(p.status, "Booked");
  EXPECT_EQ(p.enrollment_center_id, "10002");
  EXPECT_EQ(p.new_profile.year_of_birth, 2001);
  EXPECT_EQ(p.new_profile.preferred_languages, (std::vector<std::string>{"fra"}));
  EXPECT_EQ(p.new_profile.documents, (std::vector<std::string>{"DOC003"}));
}

TEST(ProfileParserTest, AnnexureUpdateWithHashedChannels) {
  const Profile p = MustParse(ReadData("annexure_update.json"));
  EXPECT_EQ(p.shape, ProfileShape::kAnnexureA);
  EXPECT_EQ(p.process_name, "update");
  EXPECT_EQ(p.canonical_process_name, "Update");
  EXPECT_FALSE(p.event_year.has_value());  // Annexure A has no date: use cr_dtimes
  EXPECT_TRUE(p.is_update());
  const IdentitySnapshot& o = p.old_profile;
  const IdentitySnapshot& n = p.new_profile;
  EXPECT_EQ(o.year_of_birth, 1990);
  EXPECT_EQ(o.location, (std::vector<std::string>{"Region-1", "Province-3", "City-7"}));
  EXPECT_EQ(o.preferred_languages, (std::vector<std::string>{"fra"}));
  EXPECT_EQ(n.preferred_languages, (std::vector<std::string>{"fra", "eng"}));
  const std::string phone = "9F2C4B0A5D0E6C1B7A3F8E2D4C6B1A09F8E7D6C5B4A3928170F6E5D4C3B2A190";
  const std::string email = "03A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F";
  EXPECT_EQ(o.hashed_channels, (std::vector<HashedChannel>{{phone, "phone"}}));
  EXPECT_EQ(n.hashed_channels, (std::vector<HashedChannel>{{phone, "phone"}, {email, "email"}}));
  EXPECT_EQ(o.channel_category(), ChannelCategory::kOnlyPhone);
  EXPECT_EQ(n.channel_category(), ChannelCategory::kBoth);
  EXPECT_TRUE(o.exceptions.empty());
  EXPECT_EQ(n.exceptions, (std::vector<BiometricException>{{"Iris/Left", ""}}));
  EXPECT_EQ(o.verified, (std::vector<std::string>{"phone"}));
  EXPECT_EQ(n.verified, (std::vector<std::string>{"phone", "email"}));
}

TEST(ProfileParserTest, AnnexureNewHasNoOldSide) {
  const Profile p = MustParse(ReadData("annexure_new.json"));
  EXPECT_EQ(p.shape, ProfileShape::kAnnexureA);
  EXPECT_EQ(p.canonical_process_name, "New");
  EXPECT_FALSE(p.old_profile.present);
  ASSERT_TRUE(p.new_profile.present);
  EXPECT_EQ(p.new_profile.channel_category(), ChannelCategory::kOnlyEmail);
  // Without "old" at all it is still Annexure A.
  EXPECT_EQ(MustParse(R"({"processName":"new","new":{"gender":"Male"}})").shape,
            ProfileShape::kAnnexureA);
}

// ---- §2.5: telling the shapes apart ----

TEST(ProfileParserTest, ProcessStageColumnMarksRegprc) {
  const std::string json = R"({"processName":"NEW","date":"2025-01-02","gender":"Male"})";
  EXPECT_EQ(Refusal(json), ProfileError::kUnknownShape);
  ProfileRowContext row;
  row.process_stage_column = "PrintingStage";
  const Profile p = MustParse(json, row);
  EXPECT_EQ(p.shape, ProfileShape::kRegProc);
  EXPECT_EQ(p.process_stage, "PrintingStage");
  EXPECT_EQ(p.new_profile.gender, "Male");
}

TEST(ProfileParserTest, ProcessStageWinsOverOldAndNew) {
  const Profile p = MustParse(
      R"({"processName":"PREREGISTRATION","processStage":"x","date":null,"newProfile":{}})");
  EXPECT_EQ(p.shape, ProfileShape::kPreReg);  // processName compared case-insensitively
}

TEST(ProfileParserTest, IdRepoMarkersWinOverAnnexureMarkers) {
  const Profile p = MustParse(
      R"({"processName":"New","date":"2025-01-01","new":{"gender":"x"},"newProfile":{"gender":"Male"}})");
  EXPECT_EQ(p.shape, ProfileShape::kIdRepo);
  EXPECT_EQ(p.new_profile.gender, "Male");
}

TEST(ProfileParserTest, UnknownFieldsAreIgnored) {
  const Profile p = MustParse(
      R"({"extra":{"deep":[1,2,{"x":null}]},"processName":"New","date":"2025-03-14",)"
      R"("oldProfile":null,"newProfile":{"gender":"Male","future":"field","ageGroup":"18-60"}})");
  EXPECT_EQ(p.new_profile.gender, "Male");
}

// ---- Refusals: each error path asserts its code ----

TEST(ProfileParserTest, MalformedJsonIsRejectedWithItsOffset) {
  const std::string good = ReadData("idrepo_new.json");
  for (size_t cut : {size_t{1}, good.size() / 3, good.size() / 2, good.size() - 2}) {
    EXPECT_EQ(Refusal(good.substr(0, cut)), ProfileError::kMalformedJson) << "cut at " << cut;
  }
  EXPECT_EQ(Refusal(""), ProfileError::kMalformedJson);
  EXPECT_EQ(Refusal("{\"processName\":\"New\",}"), ProfileError::kMalformedJson);
  EXPECT_EQ(Refusal("{} trailing"), ProfileError::kMalformedJson);
  EXPECT_EQ(Refusal("{\"processName\":\"New\xff\",\"newProfile\":null,\"date\":null}"),
            ProfileError::kMalformedJson);  // invalid UTF-8

  ProfileParser parser;
  Profile profile;
  const Status s = parser.Parse("{\"a\":1,,}", &profile);
  EXPECT_NE(s.message().find("offset 7"), std::string::npos) << s.message();
}

TEST(ProfileParserTest, NonObjectTopLevelIsRejected) {
  EXPECT_EQ(Refusal("[]"), ProfileError::kNotAnObject);
  EXPECT_EQ(Refusal("42"), ProfileError::kNotAnObject);
  EXPECT_EQ(Refusal("null"), ProfileError::kNotAnObject);
  // Double-encoded: the profile text is a JSON string holding the JSON.
  EXPECT_EQ(Refusal(R"("{\"processName\":\"New\"}")"), ProfileError::kNotAnObject);
}

TEST(ProfileParserTest, NoShapeMarkerIsUnknownShape) {
  EXPECT_EQ(Refusal("{}"), ProfileError::kUnknownShape);
  EXPECT_EQ(Refusal(R"({"processName":"New","date":"2025-01-01","gender":"Male"})"),
            ProfileError::kUnknownShape);
}

TEST(ProfileParserTest, MissingMandatoryFields) {
  EXPECT_EQ(Refusal(R"({"date":"2025-01-01","oldProfile":null,"newProfile":{}})"),
            ProfileError::kMissingField);
  EXPECT_EQ(Refusal(R"({"processName":"New","oldProfile":null,"newProfile":{}})"),
            ProfileError::kMissingField);
  EXPECT_EQ(Refusal(R"({"processStage":"SYNC","date":"2025-01-01"})"), ProfileError::kMissingField);
  EXPECT_EQ(Refusal(R"({"processName":"NEW","processStage":"SYNC"})"), ProfileError::kMissingField);
  EXPECT_EQ(Refusal(R"({"old":{}})"), ProfileError::kMissingField);
  // §4.6: an old side without a new side is never written by MOSIP.
  EXPECT_EQ(
      Refusal(R"({"processName":"Update","date":"2025-01-01","oldProfile":{},"newProfile":null})"),
      ProfileError::kMissingField);
  EXPECT_EQ(Refusal(R"({"processName":"update","old":{"gender":"Male"}})"),
            ProfileError::kMissingField);
}

TEST(ProfileParserTest, WrongTypesNameTheField) {
  auto idrepo = [](const std::string& new_profile) {
    return R"({"processName":"New","date":"2025-01-01","oldProfile":null,"newProfile":)" +
           new_profile + "}";
  };
  EXPECT_EQ(Refusal(idrepo(R"({"location":"Zone-North"})")), ProfileError::kWrongType);
  EXPECT_EQ(Refusal(idrepo(R"({"yearOfBirth":{"y":1}})")), ProfileError::kWrongType);
  EXPECT_EQ(Refusal(idrepo(R"({"yearOfBirth":true})")), ProfileError::kWrongType);
  EXPECT_EQ(Refusal(idrepo(R"({"gender":5})")), ProfileError::kWrongType);
  EXPECT_EQ(Refusal(idrepo(R"({"channel":["PHONE",7]})")), ProfileError::kWrongType);
  EXPECT_EQ(Refusal(idrepo(R"({"exceptions":[5]})")), ProfileError::kWrongType);
  EXPECT_EQ(Refusal(idrepo(R"({"biometricInfo":["Finger"]})")), ProfileError::kWrongType);
  EXPECT_EQ(Refusal(idrepo(R"({"biometricInfo":[{"type":["Finger"]}]})")),
            ProfileError::kWrongType);
  EXPECT_EQ(Refusal(idrepo(R"({"documents":{"DOC001":true}})")), ProfileError::kWrongType);
  EXPECT_EQ(Refusal(idrepo("[]")), ProfileError::kWrongType);
  EXPECT_EQ(Refusal(idrepo(R"("{\"gender\":\"Male\"}")")), ProfileError::kWrongType);
  EXPECT_EQ(Refusal(R"({"processName":1,"date":"2025-01-01","newProfile":{}})"),
            ProfileError::kWrongType);
  EXPECT_EQ(Refusal(R"({"processName":"NEW","processStage":"S","date":null,"assisted":"1"})"),
            ProfileError::kWrongType);

  ProfileParser parser;
  Profile profile;
  const Status s = parser.Parse(idrepo(R"({"channel":["PHONE",7]})"), &profile);
  EXPECT_NE(s.message().find("newProfile.channel[1]"), std::string::npos) << s.message();
}

TEST(ProfileParserTest, OversizedProfileIsRejectedBeforeParsing) {
  ProfileParserOptions options;
  options.max_bytes = 64;
  EXPECT_EQ(Refusal(ReadData("idrepo_new.json"), options), ProfileError::kTooLarge);
}

TEST(ProfileParserTest, DeepNestingIsRejectedWithoutBlowingTheStack) {
  auto nested = [](int depth) {
    std::string s = R"({"processName":"New","date":null,"newProfile":{},"x":)";
    for (int i = 0; i < depth; ++i) s += "[";
    for (int i = 0; i < depth; ++i) s += "]";
    return s + "}";
  };
  EXPECT_TRUE(ParseProfile(nested(20)).ok());
  EXPECT_EQ(Refusal(nested(40)), ProfileError::kTooDeep);
  ProfileParserOptions unlimited;
  unlimited.max_depth = 1 << 30;
  ProfileParser parser(unlimited);
  Profile profile;
  EXPECT_TRUE(parser.Parse(nested(200000), &profile).ok());  // iterative: no recursion
}

// ---- Lenient values (§5) ----

TEST(ProfileParserTest, YearOfBirthForms) {
  auto yob = [](const std::string& v) {
    return MustParse(R"({"processName":"New","date":"2025-01-01","newProfile":{"yearOfBirth":)" +
                     v + "}}")
        .new_profile.year_of_birth;
  };
  EXPECT_EQ(yob(R"("1988")"), 1988);
  EXPECT_EQ(yob("1988"), 1988);
  EXPECT_EQ(yob("1988.0"), 1988);
  EXPECT_EQ(yob("0"), 0);
  EXPECT_EQ(yob(R"(" 1988 ")"), 1988);
  EXPECT_EQ(yob(R"("")"), std::nullopt);
  EXPECT_EQ(yob(R"("19x8")"), std::nullopt);
  EXPECT_EQ(yob("1988.5"), std::nullopt);
  EXPECT_EQ(yob("null"), std::nullopt);
  EXPECT_EQ(yob("1e300"), std::nullopt);
}

TEST(ProfileParserTest, DateForms) {
  auto parse = [](const std::string& date) {
    return MustParse(R"({"processName":"New","date":)" + date + R"(,"newProfile":{}})");
  };
  Profile p = parse(R"("2025-03-14T09:12:44.120Z")");
  EXPECT_EQ(p.event_date, (CivilDate{2025, 3, 14}));
  p = parse("[2025,2,11,10,20,30]");  // Jackson's LocalDateTime array
  EXPECT_EQ(p.event_date, (CivilDate{2025, 2, 11}));
  EXPECT_TRUE(p.date.empty());
  p = parse(R"("2025")");
  EXPECT_EQ(p.event_year, 2025);
  EXPECT_FALSE(p.event_date.has_value());
  p = parse(R"("2025-13-01")");
  EXPECT_EQ(p.event_year, 2025);
  EXPECT_FALSE(p.event_date.has_value());
  p = parse(R"("soon")");
  EXPECT_FALSE(p.event_year.has_value());
  p = parse("1741942364120");
  EXPECT_FALSE(p.event_year.has_value());
}

TEST(ProfileParserTest, ListsDropNullsAndBlanksAndCapLocationDepth) {
  const Profile p = MustParse(
      R"({"processName":"New","date":null,"newProfile":{)"
      R"("location":["a","",null," ","b","c","d","e","f","g","h","i","j","k","l"],)"
      R"("verified":[null],"documents":["DOC001",null,"DOC001"],"preferredLanguage":""}})");
  EXPECT_EQ(p.new_profile.location.size(), kMaxLocationLevels);
  EXPECT_EQ(p.new_profile.location.front(), "a");
  EXPECT_EQ(p.new_profile.location[1], "b");
  EXPECT_TRUE(p.new_profile.verified.empty());
  EXPECT_EQ(p.new_profile.documents, (std::vector<std::string>{"DOC001", "DOC001"}));
  EXPECT_TRUE(p.new_profile.preferred_languages.empty());
}

TEST(ProfileParserTest, NonNumericBiometricNumbersAreLeftOut) {
  const Profile p =
      MustParse(R"({"processName":"New","date":null,"newProfile":{"biometricInfo":[)"
                R"({"type":"Iris","qualityScore":"77","attempts":"x"},)"
                R"({"type":"Iris","qualityScore":null,"attempts":3},)"
                R"({"type":"Iris","qualityScore":[1],"attempts":"2","digitalId":5}, null]}})");
  const auto& b = p.new_profile.biometrics;
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].quality_score, 77.0);
  EXPECT_FALSE(b[0].attempts.has_value());
  EXPECT_FALSE(b[1].quality_score.has_value());
  EXPECT_EQ(b[1].attempts, 3.0);
  EXPECT_FALSE(b[2].quality_score.has_value());
  EXPECT_FALSE(b[2].device.has_value());
}

TEST(ProfileParserTest, DigitalIdAsJsonBase64JwtObjectOrGarbage) {
  // {"serialNo":"SN-9","model":"M1"} in URL-safe base64 without padding.
  const std::string payload = "eyJzZXJpYWxObyI6IlNOLTkiLCJtb2RlbCI6Ik0xIn0";
  auto device = [](const std::string& digital_id) {
    return MustParse(R"({"processName":"New","date":null,"newProfile":{"biometricInfo":[)"
                     R"({"type":"Face","digitalId":)" +
                     digital_id + "}]}}")
        .new_profile.biometrics.at(0)
        .device;
  };
  auto plain = device(R"("{\"serialNo\":\"SN-1\",\"extra\":{\"a\":[1]},\"model\":\"M0\"}")");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->serial_no, "SN-1");
  EXPECT_EQ(plain->model, "M0");
  auto b64 = device("\"" + payload + "\"");
  ASSERT_TRUE(b64.has_value());
  EXPECT_EQ(b64->serial_no, "SN-9");
  auto jwt = device("\"eyJhbGciOiJSUzI1NiJ9." + payload + ".c2lnbmF0dXJl\"");
  ASSERT_TRUE(jwt.has_value());
  EXPECT_EQ(jwt->model, "M1");
  auto object = device(R"({"serialNo":"SN-2","make":"ACME"})");
  ASSERT_TRUE(object.has_value());
  EXPECT_EQ(object->make, "ACME");
  EXPECT_FALSE(device(R"("Fake Data")").has_value());
  EXPECT_FALSE(device(R"("[1,2]")").has_value());
  EXPECT_FALSE(device("null").has_value());
}

void ExpectSameSnapshot(const IdentitySnapshot& a, const IdentitySnapshot& b) {
  EXPECT_EQ(a.present, b.present);
  EXPECT_EQ(a.year_of_birth, b.year_of_birth);
  EXPECT_EQ(a.gender, b.gender);
  EXPECT_EQ(a.location, b.location);
  EXPECT_EQ(a.preferred_languages, b.preferred_languages);
  EXPECT_EQ(a.channels, b.channels);
  EXPECT_EQ(a.hashed_channels, b.hashed_channels);
  EXPECT_EQ(a.exceptions, b.exceptions);
  EXPECT_EQ(a.verified, b.verified);
  EXPECT_EQ(a.documents, b.documents);
  ASSERT_EQ(a.biometrics.size(), b.biometrics.size());
  for (size_t i = 0; i < a.biometrics.size(); ++i) {
    const BiometricRecord& x = a.biometrics[i];
    const BiometricRecord& y = b.biometrics[i];
    EXPECT_EQ(x.type, y.type) << i;
    EXPECT_EQ(x.sub_type, y.sub_type) << i;
    EXPECT_EQ(x.quality_score, y.quality_score) << i;
    EXPECT_EQ(x.attempts, y.attempts) << i;
    EXPECT_EQ(x.digital_id, y.digital_id) << i;
    EXPECT_EQ(x.is_exception, y.is_exception) << i;
    ASSERT_EQ(x.device.has_value(), y.device.has_value()) << i;
    if (x.device) {
      EXPECT_EQ(x.device->serial_no, y.device->serial_no);
      EXPECT_EQ(x.device->model, y.device->model);
      EXPECT_EQ(x.device->date_time, y.device->date_time);
    }
  }
}

TEST(ProfileParserTest, ReusedParserAndProfileLeaveNothingStale) {
  ProfileParser parser;
  Profile reused;
  const std::string files[] = {"regprc_new_printing_stage.json",
                               "idrepo_update.json",
                               "annexure_update.json",
                               "regprc_sync.json",
                               "idrepo_new.json",
                               "prereg.json"};
  for (int round = 0; round < 2; ++round) {
    for (const std::string& f : files) {
      const std::string json = ReadData(f);
      ASSERT_TRUE(parser.Parse(json, &reused).ok()) << f;
      EXPECT_EQ(parser.last_error(), ProfileError::kNone);
      const Profile fresh = MustParse(json);
      EXPECT_EQ(reused.shape, fresh.shape) << f;
      EXPECT_EQ(reused.process_stage, fresh.process_stage) << f;
      EXPECT_EQ(reused.assisted, fresh.assisted) << f;
      EXPECT_EQ(reused.event_date, fresh.event_date) << f;
      EXPECT_EQ(reused.old_profile.present, fresh.old_profile.present) << f;
      SCOPED_TRACE(f);
      ExpectSameSnapshot(reused.old_profile, fresh.old_profile);
      ExpectSameSnapshot(reused.new_profile, fresh.new_profile);
    }
    // A refusal in between leaves the parser usable.
    EXPECT_FALSE(parser.Parse("{\"broken", &reused).ok());
    EXPECT_EQ(parser.last_error(), ProfileError::kMalformedJson);
  }
  // Recycled biometric records must not keep a device or a digitalId the new
  // entry does not have.
  ASSERT_TRUE(parser.Parse(ReadData("idrepo_new.json"), &reused).ok());
  ASSERT_TRUE(parser
                  .Parse(R"({"processName":"New","date":null,"newProfile":{"biometricInfo":[)"
                         R"({"type":"Iris"},{"type":"Iris"},{"type":"Iris","digitalId":"x"}]}})",
                         &reused)
                  .ok());
  for (const BiometricRecord& b : reused.new_profile.biometrics) {
    EXPECT_FALSE(b.device.has_value());
    EXPECT_FALSE(b.quality_score.has_value());
    EXPECT_TRUE(b.sub_type.empty());
  }
  EXPECT_EQ(reused.new_profile.biometrics[2].digital_id, "x");
}

// ---- Derived values ----

TEST(AgeGroupsTest, MosipDefaultEdgesAreHalfOpen) {
  const AgeGroups groups = AgeGroups::MosipDefault();
  auto at_age = [&](int age) { return std::string(groups.Classify(2025 - age, 2025)); };
  EXPECT_EQ(at_age(0), "0-5");
  EXPECT_EQ(at_age(4), "0-5");
  EXPECT_EQ(at_age(5), "5-18");
  EXPECT_EQ(at_age(17), "5-18");
  EXPECT_EQ(at_age(18), "18-60");
  EXPECT_EQ(at_age(59), "18-60");
  EXPECT_EQ(at_age(60), "60 and above");
  EXPECT_EQ(at_age(110), "60 and above");
}

TEST(AgeGroupsTest, UnknownYearsOfBirth) {
  const AgeGroups groups = AgeGroups::MosipDefault();
  EXPECT_EQ(groups.Classify(0, 2025), kUnknownAgeGroup);  // regprc's unknown
  EXPECT_EQ(groups.Classify(-3, 2025), kUnknownAgeGroup);
  EXPECT_EQ(groups.Classify(2026, 2025), kUnknownAgeGroup);          // born after the event
  EXPECT_EQ(groups.Classify(std::nullopt, 2025), kUnknownAgeGroup);  // null or non-numeric
  EXPECT_EQ(groups.Classify(1988, std::nullopt), kUnknownAgeGroup);  // no date, no cr_dtimes
}

TEST(AgeGroupsTest, MosipParityFilesUnknownsUnderTheLastLabel) {
  const AgeGroups groups = AgeGroups::MosipDefault();
  constexpr AgeGroupRule kParity = AgeGroupRule::kMosipParity;
  EXPECT_EQ(groups.Classify(0, 2025, kParity), "60 and above");
  EXPECT_EQ(groups.Classify(2026, 2025, kParity), "60 and above");  // negative age
  EXPECT_EQ(groups.Classify(2020, 2025, kParity), "5-18");
  EXPECT_EQ(groups.Classify(2021, 2025, kParity), "0-5");
  EXPECT_TRUE(groups.Classify(1988, std::nullopt, kParity).empty());  // MOSIP skips it
  EXPECT_TRUE(groups.Classify(std::nullopt, 2025, kParity).empty());
}

TEST(AgeGroupsTest, ConfiguredBucketsLikeMosipsTests) {
  Result<AgeGroups> groups = AgeGroups::Parse("1-18,18-24,24-50,50-100,default");
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  EXPECT_EQ(groups->buckets().size(), 4u);
  EXPECT_EQ(groups->fallback_label(), "default");
  EXPECT_EQ(groups->Classify(2025, 2025), "default");  // age 0 is in no bucket
  EXPECT_EQ(groups->Classify(2024, 2025), "1-18");
  EXPECT_EQ(groups->Classify(2001, 2025), "24-50");
  EXPECT_EQ(groups->Classify(1925, 2025), "default");  // 100 is past 50-100
  // A spec of ranges only: the last range also takes the rest.
  Result<AgeGroups> ranges = AgeGroups::Parse("0-10, 10-20");
  ASSERT_TRUE(ranges.ok());
  EXPECT_EQ(ranges->Classify(1990, 2025), "10-20");
}

TEST(AgeGroupsTest, BadSpecsAreInvalidArguments) {
  for (const char* spec : {"", " ", "0-5,,5-18", "5-5", "10-2", "adults,0-5", "-1-5", "0-x,5-9"}) {
    Result<AgeGroups> groups = AgeGroups::Parse(spec);
    ASSERT_FALSE(groups.ok()) << spec;
    EXPECT_EQ(groups.status().code(), Status::Code::kInvalidArgument) << spec;
  }
}

TEST(DerivedValuesTest, CanonicalProcessNames) {
  EXPECT_EQ(CanonicalProcessName("NEW"), "New");
  EXPECT_EQ(CanonicalProcessName("new"), "New");
  EXPECT_EQ(CanonicalProcessName("RES_UPDATE"), "Res_update");
  EXPECT_EQ(CanonicalProcessName("preregistration"), "Preregistration");
  EXPECT_EQ(CanonicalProcessName(""), "");
  EXPECT_EQ(CanonicalModality("Finger"), "FINGER");
  EXPECT_TRUE(EqualsIgnoreCase("Iris", "IRIS"));
  EXPECT_FALSE(EqualsIgnoreCase("Iris", "Irises"));
}

TEST(DerivedValuesTest, ChannelCategoryNamesAreMosipsStrings) {
  EXPECT_EQ(ChannelCategoryName(ChannelCategory::kBoth), "Both phone and email");
  EXPECT_EQ(ChannelCategoryName(ChannelCategory::kOnlyPhone), "only phone");
  EXPECT_EQ(ChannelCategoryName(ChannelCategory::kOnlyEmail), "only email");
  EXPECT_EQ(ChannelCategoryName(ChannelCategory::kNone), "None");
  // Names other than phone and email are ignored; case does not matter.
  const Profile p =
      MustParse(R"({"processName":"New","date":null,"newProfile":{"channel":["Fax","PhOnE"]}})");
  EXPECT_EQ(p.new_profile.channel_category(), ChannelCategory::kOnlyPhone);
  EXPECT_EQ(MustParse(R"({"processName":"New","date":null,"newProfile":{}})")
                .new_profile.channel_category(),
            ChannelCategory::kNone);
}

TEST(DerivedValuesTest, BiometricSummaryPerModality) {
  const Profile p = MustParse(ReadData("idrepo_new.json"));
  const auto mosip = SummarizeBiometrics(p.new_profile, /*skip_exceptions=*/false);
  ASSERT_EQ(mosip.size(), 3u);
  EXPECT_EQ(mosip[0].type, "Finger");
  EXPECT_EQ(mosip[0].samples, 2u);
  EXPECT_DOUBLE_EQ(*mosip[0].average_quality, 39.0);  // the exception BIR's 0 pulls it down
  EXPECT_DOUBLE_EQ(*mosip[0].average_attempts, 1.5);
  EXPECT_EQ(mosip[0].first_entry, 0u);
  EXPECT_EQ(mosip[1].type, "Iris");
  EXPECT_DOUBLE_EQ(*mosip[1].average_quality, 85.0);
  EXPECT_EQ(mosip[2].type, "Face");

  const auto clean = SummarizeBiometrics(p.new_profile, /*skip_exceptions=*/true);
  ASSERT_EQ(clean.size(), 3u);
  EXPECT_EQ(clean[0].samples, 1u);
  EXPECT_DOUBLE_EQ(*clean[0].average_quality, 78.0);
  EXPECT_EQ(clean[0].first_entry, 1u);
  EXPECT_EQ(p.new_profile.biometrics[clean[0].first_entry].device->serial_no, "SN-TEST-0001");
}

TEST(DerivedValuesTest, ShapeAndErrorNames) {
  EXPECT_EQ(ShapeName(ProfileShape::kIdRepo), "idrepo");
  EXPECT_EQ(ShapeName(ProfileShape::kRegProc), "regprc");
  EXPECT_EQ(ShapeName(ProfileShape::kPreReg), "prereg");
  EXPECT_EQ(ShapeName(ProfileShape::kAnnexureA), "annexure");
  EXPECT_EQ(ProfileErrorName(ProfileError::kMalformedJson), "malformed_json");
  EXPECT_EQ(ProfileErrorName(ProfileError::kWrongType), "wrong_type");
}

}  // namespace
}  // namespace walcast::mosip
