// `walcast generate-mosip` against a real PostgreSQL 15: it loads MOSIP's
// DDL (sql/mosip/), fills the tables of all six databases (or of one), the
// rows point at each other as MOSIP's would, and the values MOSIP's
// dashboards filter and aggregate on are there.

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/generate_command_test.h"

namespace walcast::testing {
namespace {

// Small but enough for every dashboard value.
const std::vector<std::string> kSmallRun = {"--applications",
                                            "300",
                                            "--registrations",
                                            "200",
                                            "--authentications",
                                            "400",
                                            "--profiles",
                                            "300",
                                            "--days",
                                            "20",
                                            "--seed",
                                            "5"};

class GenerateMosipTest : public GenerateCommandTest {
 protected:
  std::string NewDatabase() { return GenerateCommandTest::NewDatabase(""); }
  using GenerateCommandTest::NewDatabase;

  // Runs `walcast --config <db>.properties generate-mosip ARGS`.
  int Generate(const std::string& db, const std::vector<std::string>& args, std::string* out,
               std::string* err) {
    return RunWalcast(db, "generate-mosip", args, out, err);
  }

  static std::map<std::string, std::string> Summary(const std::string& text) {
    return SummaryText(text);
  }

  std::set<std::string> Values(const std::string& db, const std::string& sql) {
    std::set<std::string> out;
    std::istringstream in(pg_->Psql(sql, db));
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) out.insert(line);
    }
    return out;
  }
};

// The captured tables of each database (mosip/reporting values-init.yaml).
const std::map<std::string, std::vector<std::string>> kTables = {
    {"mosip_master", {"master.doc_type", "master.registration_center"}},
    {"mosip_audit", {"audit.app_audit_log"}},
    {"mosip_prereg",
     {"prereg.applicant_demographic", "prereg.applicant_demographic_consumed",
      "prereg.applicant_document", "prereg.applicant_document_consumed", "prereg.reg_appointment",
      "prereg.reg_appointment_consumed", "prereg.reg_available_slot", "prereg.otp_transaction",
      "prereg.anonymous_profile"}},
    {"mosip_ida", {"ida.auth_transaction"}},
    {"mosip_regprc",
     {"regprc.registration", "regprc.registration_list", "regprc.anonymous_profile"}},
    {"mosip_idrepo", {"idrepo.anonymous_profile", "idrepo.channel_info"}},
};

TEST_F(GenerateMosipTest, FillsSixDatabasesWhoseRowsReferToEachOther) {
  const std::string db = NewDatabase();
  std::string out, err;
  ASSERT_EQ(Generate(db, kSmallRun, &out, &err), 0) << err;
  auto s = Summary(out);

  // Every captured table is in its own database, non-empty, with the count
  // the summary gives; and only there.
  for (const auto& [database, tables] : kTables) {
    EXPECT_EQ(s["database." + database], database);
    for (const std::string& table : tables) {
      const int64_t n = Count(database, "SELECT count(*) FROM " + table);
      EXPECT_GT(n, 0) << table;
      if (table != "idrepo.channel_info") {
        EXPECT_EQ(std::to_string(n), s["table." + table]) << table;
      }
      for (const auto& [other, unused] : kTables) {
        if (other == database) continue;
        EXPECT_EQ(pg_->Psql("SELECT to_regclass('" + table + "') IS NULL", other), "t")
            << table << " in " << other;
      }
    }
  }
  EXPECT_EQ(Count("mosip_idrepo", "SELECT count(*) FROM idrepo.anonymous_profile"), 300);

  // Centres and document types across databases.
  const auto centres = Values("mosip_master", "SELECT DISTINCT id FROM master.registration_center");
  const auto codes = Values("mosip_master", "SELECT DISTINCT code FROM master.doc_type");
  EXPECT_EQ(centres.size(), 20u);
  for (const std::string& c : Values("mosip_prereg",
                                     "SELECT regcntr_id FROM prereg.reg_appointment UNION "
                                     "SELECT regcntr_id FROM prereg.reg_appointment_consumed UNION "
                                     "SELECT regcntr_id FROM prereg.reg_available_slot")) {
    EXPECT_TRUE(centres.count(c)) << c;
  }
  for (const std::string& c : Values("mosip_regprc",
                                     "SELECT DISTINCT profile::json->>'enrollmentCenterId' "
                                     "FROM regprc.anonymous_profile")) {
    EXPECT_TRUE(centres.count(c)) << c;
  }
  for (const std::string& c :
       Values("mosip_prereg",
              "SELECT doc_typ_code FROM prereg.applicant_document UNION "
              "SELECT doc_typ_code FROM prereg.applicant_document_consumed")) {
    EXPECT_TRUE(codes.count(c)) << c;
  }
  for (const std::string& c : Values("mosip_regprc",
                                     "SELECT DISTINCT d FROM regprc.anonymous_profile, "
                                     "json_array_elements_text(CASE WHEN json_typeof("
                                     "profile::json->'documents') = 'array' THEN "
                                     "profile::json->'documents' ELSE '[]' END) d")) {
    EXPECT_TRUE(codes.count(c)) << c;
  }

  // Within prereg and regprc, the rows point at real rows.
  EXPECT_EQ(Count("mosip_prereg",
                  "SELECT count(*) FROM prereg.applicant_document d WHERE NOT EXISTS "
                  "(SELECT 1 FROM prereg.applicant_demographic a WHERE a.prereg_id = d.prereg_id)"),
            0);
  EXPECT_EQ(Count("mosip_prereg",
                  "SELECT count(*) FROM prereg.reg_appointment_consumed r WHERE NOT EXISTS "
                  "(SELECT 1 FROM prereg.applicant_demographic_consumed a "
                  "WHERE a.prereg_id = r.prereg_id)"),
            0);
  EXPECT_EQ(Count("mosip_prereg",
                  "SELECT count(*) FROM (SELECT regcntr_id, appointment_date, slot_from_time "
                  "FROM prereg.reg_appointment UNION ALL SELECT regcntr_id, appointment_date, "
                  "slot_from_time FROM prereg.reg_appointment_consumed) r WHERE NOT EXISTS "
                  "(SELECT 1 FROM prereg.reg_available_slot s WHERE s.regcntr_id = r.regcntr_id "
                  "AND s.availability_date = r.appointment_date "
                  "AND s.slot_from_time = r.slot_from_time)"),
            0);
  EXPECT_EQ(Count("mosip_regprc",
                  "SELECT count(*) FROM regprc.registration r LEFT JOIN regprc.registration_list "
                  "l USING (workflow_instance_id) WHERE l.reg_id IS DISTINCT FROM r.reg_id"),
            0);
  // channel_info counts every new identity once per channel type.
  EXPECT_EQ(pg_->Psql("SELECT sum(no_of_records) FILTER (WHERE channel_type = 'phone') = "
                      "sum(no_of_records) FILTER (WHERE channel_type = 'email') "
                      "FROM idrepo.channel_info",
                      "mosip_idrepo"),
            "t");

  // The values MOSIP's dashboards (mosip/reporting dashboards/*.ndjson)
  // filter on.
  EXPECT_EQ(Count("mosip_regprc",
                  "SELECT count(DISTINCT latest_trn_type_code) FROM regprc.registration WHERE "
                  "latest_trn_type_code IN ('UPLOAD_PACKET', 'VALIDATE_PACKET', "
                  "'PACKET_REPROCESS', 'OSI_VALIDATE', 'DEMOGRAPHIC_VERIFICATION', "
                  "'BIOGRAPHIC_VERIFICATION', 'PRINT_SERVICE', 'PRINT_POSTAL_SERVICE')"),
            8);
  EXPECT_GT(Count("mosip_regprc",
                  "SELECT count(*) FROM regprc.registration_list "
                  "WHERE client_status_code = 'APPROVED'"),
            0);
  EXPECT_GT(Count("mosip_regprc",
                  "SELECT count(*) FROM regprc.anonymous_profile WHERE process_stage = "
                  "'PrintingStage' AND profile::json->>'status' = 'PROCESSED'"),
            0);
  EXPECT_EQ(Count("mosip_ida",
                  "SELECT count(DISTINCT auth_type_code) FROM ida.auth_transaction WHERE "
                  "auth_type_code IN ('OTP-REQUEST', 'OTP-AUTH', 'DEMO-AUTH', "
                  "'FINGERPRINT-AUTH', 'IRIS-AUTH', 'FACE-AUTH')"),
            6);
  EXPECT_GT(Count("mosip_ida",
                  "SELECT count(*) FROM ida.auth_transaction "
                  "WHERE auth_type_code LIKE '%KYC-AUTH%'"),
            0);
  EXPECT_GE(Count("mosip_prereg", "SELECT count(DISTINCT status_code) FROM prereg.otp_transaction"),
            2);
  EXPECT_EQ(
      Count("mosip_master",
            "SELECT count(*) FROM master.registration_center WHERE "
            "latitude::numeric BETWEEN -90 AND 90 AND longitude::numeric BETWEEN -180 AND 180"),
      60);

  // The same seed again collides on MOSIP's primary keys.
  EXPECT_EQ(Generate(db, {"--databases", "mosip_ida", "--seed", "5", "--authentications", "400"},
                     &out, &err),
            1);
  EXPECT_NE(err.find("duplicate key"), std::string::npos) << err;
  // Another seed adds to the same databases; the master data stays as it is.
  ASSERT_EQ(Generate(db, {"--databases", "master,ida", "--seed", "6", "--authentications", "50"},
                     &out, &err),
            0)
      << err;
  EXPECT_EQ(Count("mosip_master", "SELECT count(*) FROM master.doc_type"), 30);
  EXPECT_EQ(Count("mosip_master", "SELECT count(*) FROM master.registration_center"), 60);
  EXPECT_EQ(Count("mosip_ida", "SELECT count(*) FROM ida.auth_transaction"), 450);
  // Another run over the same days books kiosks in the slots the first one
  // opened: each new appointment takes one (unless a slot ran out).
  const std::string free_sql = "SELECT sum(available_kiosks) FROM prereg.reg_available_slot";
  const std::string booked_sql =
      "SELECT (SELECT count(*) FROM prereg.reg_appointment) + "
      "(SELECT count(*) FROM prereg.reg_appointment_consumed)";
  const int64_t free_before = Count("mosip_prereg", free_sql);
  const int64_t booked_before = Count("mosip_prereg", booked_sql);
  const int64_t slots = Count("mosip_prereg", "SELECT count(*) FROM prereg.reg_available_slot");
  ASSERT_EQ(Generate(db,
                     {"--databases", "prereg", "--seed", "6", "--applications", "100", "--days",
                      "20", "--profiles", "0"},
                     &out, &err),
            0)
      << err;
  const int64_t booked = Count("mosip_prereg", booked_sql) - booked_before;
  EXPECT_GT(booked, 0);
  EXPECT_EQ(Count("mosip_prereg", "SELECT count(*) FROM prereg.reg_available_slot"), slots);
  if (Count("mosip_prereg",
            "SELECT count(*) FROM prereg.reg_available_slot WHERE available_kiosks = 0") == 0) {
    EXPECT_EQ(Count("mosip_prereg", free_sql), free_before - booked);
  } else {
    EXPECT_LT(Count("mosip_prereg", free_sql), free_before);
  }
}

TEST_F(GenerateMosipTest, OneDatabaseHoldsEverySchemaAndDashboardJoinsFindTheirRows) {
  const std::string db = NewDatabase();
  std::string out, err;
  std::vector<std::string> args = kSmallRun;
  args.push_back("--single-database");
  ASSERT_EQ(Generate(db, args, &out, &err), 0) << err;
  for (const auto& [database, tables] : kTables) {
    for (const std::string& table : tables) {
      EXPECT_GT(Count(db, "SELECT count(*) FROM " + table), 0) << table;
    }
  }
  // The Kafka Connect joins MOSIP's dashboards depend on: doc_type_name
  // (doc_typ_code, lang_code), regcntr_name (regcntr_id, lang_code), the
  // profiles' centre coordinates (enrollmentCenterId, eng).
  EXPECT_EQ(Count(db,
                  "SELECT count(*) FROM prereg.applicant_document d WHERE NOT EXISTS (SELECT 1 "
                  "FROM master.doc_type t WHERE t.code = d.doc_typ_code "
                  "AND t.lang_code = d.lang_code)"),
            0);
  EXPECT_EQ(Count(db,
                  "SELECT count(*) FROM prereg.reg_appointment a WHERE NOT EXISTS (SELECT 1 "
                  "FROM master.registration_center c WHERE c.id = a.regcntr_id "
                  "AND c.lang_code = a.lang_code)"),
            0);
  EXPECT_EQ(Count(db,
                  "SELECT count(*) FROM regprc.anonymous_profile p WHERE NOT EXISTS (SELECT 1 "
                  "FROM master.registration_center c WHERE c.id = "
                  "p.profile::json->>'enrollmentCenterId' AND c.lang_code = 'eng')"),
            0);
  EXPECT_GT(Count(db,
                  "SELECT count(*) FROM prereg.reg_available_slot s JOIN "
                  "master.registration_center c ON c.id = s.regcntr_id "
                  "AND c.lang_code = 'eng' WHERE s.available_kiosks < c.number_of_kiosks"),
            0);

  // The same seed into another database writes the same rows.
  const std::string again = NewDatabase("_again");
  ASSERT_EQ(Generate(again, args, &out, &err), 0) << err;
  for (const char* table :
       {"prereg.applicant_demographic", "prereg.reg_appointment", "regprc.registration",
        "ida.auth_transaction", "audit.app_audit_log", "idrepo.anonymous_profile"}) {
    const std::string digest =
        "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM " + std::string(table) + " t";
    EXPECT_EQ(pg_->Psql(digest, db), pg_->Psql(digest, again)) << table;
  }
}

TEST_F(GenerateMosipTest, BadFlagsFailWithConfigurationErrors) {
  const std::string db = NewDatabase();
  std::string out, err;
  EXPECT_EQ(Generate(db, {"--databases", "mosip_nowhere"}, &out, &err), 2);
  EXPECT_NE(err.find("--databases"), std::string::npos) << err;
  EXPECT_EQ(Generate(db, {"--count", "10"}, &out, &err), 2);
  EXPECT_NE(err.find("--profiles"), std::string::npos) << err;
  EXPECT_EQ(Generate(db, {"--days", "0"}, &out, &err), 2);
  // A dry run touches no database.
  ASSERT_EQ(Generate(db, {"--dry-run", "--databases", "ida,master"}, &out, &err), 0) << err;
  EXPECT_EQ(Summary(out)["table.ida.auth_transaction"], "2000");
  EXPECT_EQ(Summary(out)["table.master.doc_type"], "30");
  EXPECT_EQ(pg_->Psql("SELECT to_regclass('ida.auth_transaction') IS NULL", db), "t");
}

}  // namespace
}  // namespace walcast::testing
