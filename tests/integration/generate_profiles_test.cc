// `walcast generate-profiles` against a real PostgreSQL 15: it creates
// MOSIP's tables, the rows in each table parse in the shapes the summary
// promises, channel_info agrees with the identities, and the same seed
// writes the same rows (also to --output), whatever the batch size.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "mosip/profile.h"
#include "rapidjson/document.h"
#include "tests/integration/generate_command_test.h"

namespace walcast::testing {
namespace {


class GenerateProfilesTest : public GenerateCommandTest {
 protected:
  void SetUp() override {
    GenerateCommandTest::SetUp();
    if (!HasFatalFailure()) db_ = NewDatabase("");
  }

  // Runs `walcast --config <db>.properties generate-profiles ARGS`.
  int Generate(const std::string& db, const std::vector<std::string>& args, std::string* out,
               std::string* err = nullptr, const std::string& password = "postgres") {
    return RunWalcast(db, "generate-profiles", args, out, err, password);
  }

  // The key=value summary generate-profiles prints, as numbers.
  static std::map<std::string, int64_t> Summary(const std::string& text) {
    std::map<std::string, int64_t> kv;
    for (const auto& [key, value] : SummaryText(text)) kv[key] = std::atoll(value.c_str());
    return kv;
  }

  // "id\tprofile" lines of a table, ordered by id.
  std::vector<std::string> Rows(const std::string& db, const std::string& table,
                                const std::string& extra_column = "") {
    const std::string text = pg_->Psql(
        "SELECT id || E'\\t' || " + (extra_column.empty() ? "" : extra_column + " || E'\\t' || ") +
            "profile FROM " + table + " ORDER BY id",
        db);
    std::vector<std::string> rows;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) rows.push_back(line);
    }
    return rows;
  }

  std::string TableDigest(const std::string& db) {
    return pg_->Psql(
        "SELECT (SELECT md5(coalesce(string_agg(id || profile || cr_by || cr_dtimes || "
        "coalesce(upd_dtimes::text, '-'), '|' ORDER BY id), '')) FROM idrepo.anonymous_profile) "
        "|| (SELECT md5(coalesce(string_agg(id || process_stage || profile || cr_dtimes, '|' "
        "ORDER BY id), '')) FROM regprc.anonymous_profile) "
        "|| (SELECT md5(coalesce(string_agg(id || profile || cr_dtimes, '|' ORDER BY id), '')) "
        "FROM prereg.anonymous_profile) "
        "|| (SELECT md5(coalesce(string_agg(hashed_channel || channel_type || no_of_records || "
        "cr_dtimes, '|' ORDER BY hashed_channel), '')) FROM idrepo.channel_info)",
        db);
  }

  std::string db_;
};

TEST_F(GenerateProfilesTest, WritesEveryShapeIntoMosipTablesAndTheCountsAddUp) {
  std::string out, err;
  ASSERT_EQ(Generate(db_,
                     {"--count", "20000", "--seed", "7", "--malformed-ratio", "0.02",
                      "--batch-rows", "3000"},
                     &out, &err),
            0)
      << err;
  auto s = Summary(out);
  ASSERT_EQ(s["profiles"], 20000) << out;
  EXPECT_GT(s["malformed"], 200);

  // Row counts per table.
  const int64_t idrepo_rows = Count(db_, "SELECT count(*) FROM idrepo.anonymous_profile");
  const int64_t regprc_rows = Count(db_, "SELECT count(*) FROM regprc.anonymous_profile");
  const int64_t prereg_rows = Count(db_, "SELECT count(*) FROM prereg.anonymous_profile");
  EXPECT_EQ(idrepo_rows, s["table.idrepo.anonymous_profile"]);
  EXPECT_EQ(regprc_rows, s["table.regprc.anonymous_profile"]);
  EXPECT_EQ(prereg_rows, s["table.prereg.anonymous_profile"]);
  EXPECT_EQ(idrepo_rows + regprc_rows + prereg_rows, 20000);

  // Shapes per table, told apart by the parser (§2.5) on what is stored.
  mosip::ProfileParser parser;
  mosip::Profile profile;
  std::map<std::string, int64_t> shapes;
  int64_t refused = 0, sync = 0, lost = 0, updates = 0;
  for (const auto& [table, stage] :
       {std::pair<std::string, bool>{"idrepo.anonymous_profile", false},
        {"regprc.anonymous_profile", true},
        {"prereg.anonymous_profile", false}}) {
    for (const std::string& line : Rows(db_, table, stage ? "process_stage" : "")) {
      const size_t tab = line.find('\t');
      mosip::ProfileRowContext context;
      std::string_view json = std::string_view(line).substr(tab + 1);
      std::string column;
      if (stage) {
        const size_t tab2 = line.find('\t', tab + 1);
        column = line.substr(tab + 1, tab2 - tab - 1);
        context.process_stage_column = column;
        json = std::string_view(line).substr(tab2 + 1);
      }
      if (!parser.Parse(json, context, &profile).ok()) {
        ++refused;
        continue;
      }
      ++shapes[table + "/" + std::string(mosip::ShapeName(profile.shape))];
      if (profile.process_stage == "SYNC") ++sync;
      if (profile.process_name == "LOST" && profile.process_stage != "SYNC") ++lost;
      if (profile.shape == mosip::ProfileShape::kIdRepo && profile.is_update()) ++updates;
    }
  }
  EXPECT_EQ(refused, s["malformed"]);
  EXPECT_EQ(shapes["idrepo.anonymous_profile/idrepo"],
            s["kind.idrepo-new"] + s["kind.idrepo-update"] + s["kind.idrepo-empty"]);
  EXPECT_EQ(shapes["idrepo.anonymous_profile/annexure"],
            s["kind.annexure-new"] + s["kind.annexure-update"]);
  EXPECT_EQ(shapes["regprc.anonymous_profile/regprc"],
            s["kind.regprc-new"] + s["kind.regprc-update"] + s["kind.regprc-lost"] +
                s["kind.regprc-other"] + s["kind.regprc-sync"]);
  EXPECT_EQ(shapes["prereg.anonymous_profile/prereg"], s["kind.prereg"]);
  EXPECT_EQ(shapes.size(), 4u);
  EXPECT_EQ(sync, s["kind.regprc-sync"]);
  EXPECT_EQ(lost, s["kind.regprc-lost"]);
  EXPECT_EQ(updates, s["kind.idrepo-update"]);
  EXPECT_EQ(Count(db_,
                  "SELECT count(*) FROM regprc.anonymous_profile WHERE upd_dtimes = cr_dtimes "
                  "AND cr_by = 'SYSTEM'"),
            regprc_rows);

  // channel_info: every New adds one phone-ish and one email-ish record, and
  // changes only move them (§4.4), so each type sums to the New count.
  EXPECT_EQ(
      Count(db_, "SELECT sum(no_of_records) FROM idrepo.channel_info WHERE channel_type = 'phone'"),
      s["kind.idrepo-new"]);
  EXPECT_EQ(
      Count(db_, "SELECT sum(no_of_records) FROM idrepo.channel_info WHERE channel_type = 'email'"),
      s["kind.idrepo-new"]);
  EXPECT_EQ(Count(db_, "SELECT count(*) FROM idrepo.channel_info WHERE no_of_records < 0"), 0);
  EXPECT_EQ(Count(db_,
                  "SELECT count(*) FROM idrepo.channel_info WHERE hashed_channel IN "
                  "('NO_PHONE', 'NO_EMAIL')"),
            2);
  EXPECT_GT(Count(db_,
                  "SELECT count(*) FROM idrepo.channel_info WHERE no_of_records > 1 AND "
                  "hashed_channel NOT LIKE 'NO\\_%'"),
            0)
      << "some phones are shared";
  // Events spread over 2025 (the default --start-date and --days).
  EXPECT_EQ(pg_->Psql("SELECT min(cr_dtimes)::date >= '2025-01-01' AND max(cr_dtimes) < "
                      "'2026-01-01' FROM idrepo.anonymous_profile",
                      db_),
            "t");
}

TEST_F(GenerateProfilesTest, SameSeedWritesTheSameRowsWhateverTheBatchSize) {
  const std::vector<std::string> args = {"--count",           "6000", "--seed", "99",
                                         "--malformed-ratio", "0.03"};
  std::string out, err;
  ASSERT_EQ(Generate(db_, args, &out, &err), 0) << err;
  const std::string second = NewDatabase("_again");
  std::vector<std::string> small_batches = args;
  small_batches.insert(small_batches.end(), {"--batch-rows", "777"});
  ASSERT_EQ(Generate(second, small_batches, &out, &err), 0) << err;
  EXPECT_EQ(TableDigest(db_), TableDigest(second));

  const std::string other = NewDatabase("_other");
  ASSERT_EQ(Generate(other, {"--count", "6000", "--seed", "100"}, &out, &err), 0) << err;
  EXPECT_NE(TableDigest(db_), TableDigest(other));

  // --output writes the same rows without touching a database.
  const std::string file = dir_ + "/rows.jsonl";
  std::vector<std::string> to_file = args;
  to_file.insert(to_file.end(), {"--output", file});
  ASSERT_EQ(Generate(db_, to_file, &out, &err), 0) << err;
  std::map<std::string, std::vector<std::string>> from_file;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    ASSERT_FALSE(doc.HasParseError()) << line;
    const std::string table = doc["table"].GetString();
    if (table == "idrepo.channel_info") continue;
    from_file[table].push_back(std::string(doc["id"].GetString()) + "\t" +
                               doc["profile"].GetString());
  }
  for (auto& [table, rows] : from_file) {
    std::sort(rows.begin(), rows.end());
    EXPECT_EQ(rows, Rows(db_, table)) << table;
  }
  EXPECT_EQ(from_file.size(), 3u);
  EXPECT_EQ(Count(db_, "SELECT count(*) FROM idrepo.anonymous_profile") +
                Count(db_, "SELECT count(*) FROM regprc.anonymous_profile") +
                Count(db_, "SELECT count(*) FROM prereg.anonymous_profile"),
            6000)
      << "--output must not write to the database";
}

TEST_F(GenerateProfilesTest, CreatesOnlyTheTablesItNeedsAndReusesExistingOnes) {
  std::string out, err;
  ASSERT_EQ(Generate(db_, {"--count", "500", "--shape", "regprc"}, &out, &err), 0) << err;
  EXPECT_EQ(pg_->Psql("SELECT to_regclass('regprc.anonymous_profile') IS NOT NULL, "
                      "to_regclass('idrepo.anonymous_profile') IS NULL, "
                      "to_regclass('idrepo.channel_info') IS NULL",
                      db_),
            "t|t|t");
  EXPECT_EQ(Count(db_, "SELECT count(*) FROM regprc.anonymous_profile"), 500);

  // Tables made beforehand from sql/mosip are written into as they are.
  const std::string ready = NewDatabase("_ready");
  for (const char* f :
       {"sql/mosip/idrepo_anonymous_profile.sql", "sql/mosip/idrepo_channel_info.sql",
        "sql/mosip/regprc_anonymous_profile.sql", "sql/mosip/prereg_anonymous_profile.sql"}) {
    const std::string sql = ReadFile(SourcePath(f));
    ASSERT_FALSE(sql.empty()) << f;
    pg_->Psql(sql, ready);
    pg_->Psql(sql, ready);  // idempotent
  }
  ASSERT_EQ(Generate(ready, {"--count", "800", "--seed", "3"}, &out, &err), 0) << err;
  EXPECT_EQ(Summary(out)["profiles"], 800);
  // MOSIP's primary keys hold: the same seed again collides on them.
  EXPECT_EQ(Generate(ready, {"--count", "800", "--seed", "3"}, &out, &err), 1);
  EXPECT_NE(err.find("duplicate key"), std::string::npos) << err;
  ASSERT_EQ(Generate(ready, {"--count", "800", "--seed", "4"}, &out, &err), 0) << err;
  EXPECT_EQ(Count(ready,
                  "SELECT (SELECT count(*) FROM idrepo.anonymous_profile) + "
                  "(SELECT count(*) FROM regprc.anonymous_profile) + "
                  "(SELECT count(*) FROM prereg.anonymous_profile)"),
            1600);
}

TEST_F(GenerateProfilesTest, BadFlagsAndCredentialsFailWithConfigurationErrors) {
  std::string out, err;
  EXPECT_EQ(Generate(db_, {"--mix", "nope=1"}, &out, &err), 2);
  EXPECT_NE(err.find("--mix"), std::string::npos) << err;
  EXPECT_EQ(Generate(db_, {"--malformed-ratio", "1.5"}, &out, &err), 2);
  EXPECT_EQ(Generate(db_, {"--shape", "everything"}, &out, &err), 2);
  EXPECT_EQ(Generate(db_, {"--biometrics", "some"}, &out, &err), 2);
  EXPECT_EQ(Generate(db_, {"--start-date", "2025-02-30x"}, &out, &err), 2);
  EXPECT_EQ(Generate(db_, {"--count", "10"}, &out, &err, "wrong-password"), 2);
  EXPECT_NE(err.find("password authentication failed"), std::string::npos) << err;
  EXPECT_EQ(Generate(db_, {"--count", "10", "--output", dir_ + "/missing/dir/x.jsonl"}, &out, &err),
            1);
}

}  // namespace
}  // namespace walcast::testing
