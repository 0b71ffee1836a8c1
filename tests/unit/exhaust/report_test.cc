#include "exhaust/report.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <fstream>
#include <sstream>

#include "exhaust/csv_writer.h"
#include "projections/definition.h"
#include "tests/unit/projections/projections_test_util.h"

namespace walcast::exhaust {
namespace {

using projections::testing::Enrolment;
using projections::testing::Event;
using projections::testing::Text;

std::string Example(const std::string& file) {
  return std::string(WALCAST_SOURCE_DIR) + "/config/examples/sunbird-program-users/" + file;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Lines(const std::string& csv) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < csv.size()) {
    const size_t end = csv.find("\r\n", at);
    out.push_back(csv.substr(at, end - at));
    at = end + 2;
  }
  return out;
}

const char* kHeader =
    "User UUID,User Name(On user consent),Mobile number(On user consent),Email ID(On user "
    "consent),Consent Provided,Consent Provided Date,Program Name,Program ID,State,District,Block,"
    "Cluster,School Id,School Name,Usertype,Usersubtype,Org Name";
const char* kHeaderWithoutPii =
    "User UUID,Program Name,Program ID,State,District,Block,Cluster,School Id,School Name,"
    "Usertype,Usersubtype,Org Name";

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<projections::ProjectionSet> set =
        projections::LoadProjectionDefinitions(Example("projections.json"));
    ASSERT_TRUE(set.ok());
    set_ = std::move(*set);
    Result<ReportDefinition> def = LoadReportDefinition(Example("program-user-exhaust.json"));
    ASSERT_TRUE(def.ok()) << def.status().ToString();
    definition_ = std::move(*def);
    Result<std::unique_ptr<projections::SunbirdCipher>> cipher =
        projections::SunbirdCipher::Create("salt");
    ASSERT_TRUE(cipher.ok());
    cipher_ = std::move(*cipher);
    projections::ProjectionEngineOptions o;
    o.store.dir = dir_.Sub("state");
    o.store.sync = false;
    Result<std::unique_ptr<projections::ProjectionEngine>> e =
        projections::ProjectionEngine::Open(set_, o, cipher_.get());
    ASSERT_TRUE(e.ok());
    engine_ = std::move(*e);
  }
  void Apply(const ChangeEvent& e) {
    ASSERT_TRUE(engine_->Apply(e).ok());
    ASSERT_TRUE(engine_->Commit(Lsn(++lsn_)).ok());
  }
  void Enrol(const Enrolment& e) {
    Apply(Event(Op::kCreate, projections::testing::ProgramUsers(),
                {Text(e.program_id + "-" + e.user_id), Text(e.Json())}, ++lsn_));
  }
  void Consent(const std::string& user, const std::string& program, const std::string& status) {
    Apply(Event(Op::kCreate, projections::testing::UserConsent(),
                {Text(user), Text(program), Text(status), Text("2021-03-05 10:00:00+00")}, ++lsn_));
  }
  void User(const std::string& id, const std::string& email, Op op = Op::kCreate) {
    Apply(Event(op, projections::testing::Users(),
                {Text(id), Text("First"), Text("Last"), Text(*cipher_->Encrypt(email)),
                 Text(*cipher_->Encrypt("98450" + id)), Text("name " + id)},
                ++lsn_));
  }
  // Runs the report; returns the CSV's lines.
  std::vector<std::string> Run(ReportRequest request, ReportOptions options = {}) {
    const std::string out = dir_.Sub("report.csv");
    Result<ReportStats> s =
        WriteReport(definition_, request, *engine_, cipher_.get(), options, out);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (s.ok()) stats_ = *s;
    return Lines(ReadAll(out));
  }
  ReportRequest Program(const std::string& id) {
    ReportRequest r;
    r.report_id = "program-user-exhaust";
    r.program_id = id;
    return r;
  }

  projections::testing::TempDir dir_;
  projections::ProjectionSet set_;
  ReportDefinition definition_;
  std::unique_ptr<projections::SunbirdCipher> cipher_;
  std::unique_ptr<projections::ProjectionEngine> engine_;
  ReportStats stats_;
  uint64_t lsn_ = 100;
};

TEST_F(ReportTest, ConsentRulesDecideThePersonalColumns) {
  Enrolment e;
  e.program_id = "p1";
  for (const char* u : {"u1", "u2", "u3"}) {
    e.user_id = u;
    Enrol(e);
    User(u, std::string(u) + "@example.org");
  }
  Consent("u1", "p1", "active");   // rule 3
  Consent("u2", "p1", "revoked");  // rule 2; u3 has none: rule 2
  const std::vector<std::string> lines = Run(Program("p1"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], kHeader);
  EXPECT_EQ(lines[1],
            "u1,\"name u1\",98450u1,u1@example.org,Yes,2021-03-05 10:00:00+00,\"Learn, "
            "\"\"Grow\"\"\",PGM-1,Maharashtra,Pune,Haveli,Cluster 1,SCH-9,School 9,administrator,"
            "hm,State Org");
  EXPECT_EQ(lines[2],
            "u2,\"\",,,,,\"Learn, \"\"Grow\"\"\",PGM-1,Maharashtra,Pune,Haveli,Cluster 1,SCH-9,"
            "School 9,administrator,hm,State Org");
  EXPECT_EQ(lines[3].substr(0, 11), "u3,\"\",,,,,\"");
  EXPECT_TRUE(stats_.pii_columns);

  // Rule 1: a program that does not ask drops the five columns.
  e.program_id = "p2";
  e.consent_required = false;
  e.user_id = "u1";
  Enrol(e);
  Consent("u1", "p2", "active");
  const std::vector<std::string> no_pii = Run(Program("p2"));
  ASSERT_EQ(no_pii.size(), 2u);
  EXPECT_EQ(no_pii[0], kHeaderWithoutPii);
  EXPECT_EQ(no_pii[1].substr(0, 3), "u1,");
  EXPECT_EQ(no_pii[1].find("example.org"), std::string::npos);
  EXPECT_FALSE(stats_.pii_columns);
}

TEST_F(ReportTest, RowsAreSortedByDistrictBlockClusterSchoolAndUser) {
  Enrolment e;
  e.program_id = "p1";
  const std::vector<std::pair<std::string, std::string>> users = {
      {"u9", "Pune"}, {"u1", "Nashik"}, {"u5", "Pune"}, {"u3", "Akola"}};
  for (const auto& [u, d] : users) {
    e.user_id = u;
    e.district = d;
    Enrol(e);
  }
  // Tiny runs force the external merge sort: the same order.
  for (size_t run_rows : {size_t{50000}, size_t{1}}) {
    ReportOptions o;
    o.max_rows_in_memory = run_rows;
    const std::vector<std::string> lines = Run(Program("p1"), o);
    ASSERT_EQ(lines.size(), 5u);
    std::vector<std::string> order;
    for (size_t i = 1; i < lines.size(); ++i) order.push_back(lines[i].substr(0, 2));
    EXPECT_EQ(order, (std::vector<std::string>{"u3", "u1", "u5", "u9"})) << run_rows;
  }
  EXPECT_EQ(stats_.sort_runs, 4u);
}

TEST_F(ReportTest, FiltersByDistrictBlockAndOrganisation) {
  Enrolment e;
  e.program_id = "p1";
  e.user_id = "u1";
  Enrol(e);
  e.user_id = "u2";
  e.district = "Nashik";
  Enrol(e);
  e.user_id = "u3";
  e.block = "Other";
  e.org_id = "org-2";
  Enrol(e);
  auto users = [&](ReportRequest r) {
    std::vector<std::string> out;
    const std::vector<std::string> lines = Run(std::move(r));
    for (size_t i = 1; i < lines.size(); ++i) out.push_back(lines[i].substr(0, 2));
    return out;
  };
  ReportRequest district = Program("p1");
  ASSERT_TRUE(AddCommandLineFilter("district=Nashik", &district).ok());
  EXPECT_EQ(users(district), (std::vector<std::string>{"u2", "u3"}));
  ReportRequest block = Program("p1");
  ASSERT_TRUE(AddCommandLineFilter("block=Haveli", &block).ok());
  EXPECT_EQ(users(block), (std::vector<std::string>{"u2", "u1"}));
  ReportRequest org = Program("p1");
  ASSERT_TRUE(AddCommandLineFilter("organisation=org-2", &org).ok());
  EXPECT_EQ(users(org), (std::vector<std::string>{"u3"}));
  ReportRequest by_id = Program("p1");
  ASSERT_TRUE(AddCommandLineFilter("user_locations['district_id']=d-Pune", &by_id).ok());
  EXPECT_EQ(users(by_id), (std::vector<std::string>{"u1"}));
  EXPECT_EQ(stats_.enrolments_filtered_out, 2u);
  ReportRequest dates = Program("p1");
  ASSERT_TRUE(AddCommandLineFilter("updated_at>=2021-04-01", &dates).ok());
  EXPECT_TRUE(users(dates).empty());
}

TEST_F(ReportTest, LocationsAsAtJoiningPiiFromTheCurrentProfile) {
  Enrolment e;
  e.program_id = "p1";
  Enrol(e);
  User("u1", "old@example.org");
  Consent("u1", "p1", "active");
  // The user moves and changes e-mail later: the user table changes, the
  // enrolment (as at joining) does not.
  User("u1", "new@example.org", Op::kUpdate);
  const std::vector<std::string> lines = Run(Program("p1"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find("new@example.org"), std::string::npos);
  EXPECT_EQ(lines[1].find("old@example.org"), std::string::npos);
  EXPECT_NE(lines[1].find(",Pune,Haveli,"), std::string::npos);
}

TEST_F(ReportTest, ConsentForUnknownUserLeavesThePersonalColumnsEmpty) {
  Enrolment e;
  e.program_id = "p1";
  Enrol(e);
  Consent("u1", "p1", "active");  // no user row
  const std::vector<std::string> lines = Run(Program("p1"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].substr(0, 30), "u1,\"\",,,Yes,2021-03-05 10:00:0");
  EXPECT_EQ(stats_.consent_for_unknown_user, 1u);
}

TEST_F(ReportTest, BomAndEncryptedZip) {
  Enrolment e;
  e.program_id = "p1";
  Enrol(e);
  ReportOptions o;
  o.bom = true;
  o.zip_password = "s3cret";
  const std::vector<std::string> plain = Run(Program("p1"), o);
  ASSERT_FALSE(plain.empty());
  EXPECT_EQ(plain[0].substr(0, 3), "\xEF\xBB\xBF");

  ReportRequest r = Program("p1");
  r.encrypt = true;
  const std::string out = dir_.Sub("secret.csv");
  Result<ReportStats> s = WriteReport(definition_, r, *engine_, cipher_.get(), o, out);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->output, out + ".zip");
  int err = 0;
  zip_t* z = zip_open(s->output.c_str(), ZIP_RDONLY, &err);
  ASSERT_NE(z, nullptr);
  zip_stat_t st;
  ASSERT_EQ(zip_stat_index(z, 0, 0, &st), 0);
  EXPECT_EQ(st.encryption_method, ZIP_EM_AES_256);
  EXPECT_EQ(zip_fopen_index(z, 0, 0), nullptr);  // no password: refused
  zip_file_t* f = zip_fopen_index_encrypted(z, 0, 0, "s3cret");
  ASSERT_NE(f, nullptr);
  std::string content(st.size, '\0');
  EXPECT_EQ(zip_fread(f, content.data(), st.size), static_cast<zip_int64_t>(st.size));
  zip_fclose(f);
  zip_close(z);
  EXPECT_EQ(Lines(content), plain);

  o.zip_password.clear();
  EXPECT_EQ(WriteReport(definition_, r, *engine_, cipher_.get(), o, out).status().code(),
            Status::Code::kInvalidArgument);
}

TEST(CsvWriterTest, QuotesAsRfc4180) {
  std::string out;
  AppendCsvField("plain", false, &out);
  out.push_back('|');
  AppendCsvField("a,b", false, &out);
  out.push_back('|');
  AppendCsvField("say \"hi\"", false, &out);
  out.push_back('|');
  AppendCsvField("two\nlines", false, &out);
  out.push_back('|');
  AppendCsvField("forced", true, &out);
  out.push_back('|');
  AppendCsvField("", true, &out);
  EXPECT_EQ(out, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\"forced\"|\"\"");
  std::ostringstream s;
  CsvWriter w(&s, false);
  w.WriteRecord({"a", "b,c"}, {true});
  EXPECT_EQ(s.str(), "\"a\",\"b,c\"\r\n");
}

TEST(ReportRequestTest, ParsesSunbirdsFilterFormat) {
  Result<ReportRequest> r = ParseSunbirdRequest(ReadAll(Example("request.json")));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->report_id, "program-user-exhaust");
  EXPECT_EQ(r->program_id, "602512d8e6aefa27d9629bc3");
  EXPECT_TRUE(r->encrypt);
  ASSERT_EQ(r->filters.size(), 3u);
  EXPECT_EQ(r->filters[0], (Filter{"program_enrollment", "user_locations.state_id", "=",
                                   "6d884bb0-307f-4f83-abfe-fc21bbd36abb"}));
  EXPECT_EQ(r->filters[2].field, "organisation_id");
  EXPECT_EQ(r->from_date, "YYYY-MM-DD");  // the sample's placeholders, as given
  EXPECT_EQ(ParseSunbirdRequest(R"({"program":[{"id":"x","filters":[]}]})").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseSunbirdRequest("{not json").status().code(), Status::Code::kInvalidArgument);
  ReportRequest cli;
  EXPECT_EQ(AddCommandLineFilter("district", &cli).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(AddCommandLineFilter("x<5", &cli).code(), Status::Code::kInvalidArgument);
}

TEST(ReportDefinitionTest, AcceptsSunbirdsModelConfigAndRefusesUnknownHeaders) {
  Result<ReportDefinition> d = LoadReportDefinition(Example("program-user-exhaust.json"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->id, "program-user-exhaust");
  EXPECT_EQ(d->ColumnOf("District"), "district_name");
  EXPECT_EQ(d->Table("user")->encrypted_columns, (std::vector<std::string>{"email", "phone"}));
  EXPECT_EQ(ParseReportDefinition(
                R"({"modelParams":{"id":"r","table":[{"name":"program_enrollment","columns":[]}],)"
                R"("label_mapping":{"a":"A"},"order_of_csv_column":["B"]}})")
                .status()
                .code(),
            Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace walcast::exhaust
