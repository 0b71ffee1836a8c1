// The projections against a real PostgreSQL: Sunbird's program-user tables
// are captured while walcast is killed with SIGKILL at random points; after
// the workload the projection state must equal what the tables hold (every
// live enrolment once, with its latest locations; soft-deleted and deleted
// ones gone) — exactly once across the crashes.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "projections/definition.h"
#include "projections/engine.h"
#include "tests/integration/program_users_workload.h"
#include "tests/support/walcast_process_test.h"

namespace walcast {
namespace {

constexpr const char* kSalt = "integration-salt";

class ProjectionsIntegrationTest : public testing::WalcastProcessTest {
 protected:
  std::map<std::string, std::string> BaseConfig() const override {
    std::map<std::string, std::string> c = WalcastProcessTest::BaseConfig();
    c["table.include.list"] = "sunbird\\..*";
    c["sinks"] = "";
    c["projections.definitions.file"] = Definitions();
    c["projections.decrypt.key.file"] = dir_ + "/sunbird.key";
    c["checkpoint.interval.ms"] = "100";
    return c;
  }
  static std::string Definitions() {
    return std::string(WALCAST_SOURCE_DIR) +
           "/config/examples/sunbird-program-users/projections.json";
  }
  void SetUp() override {
    WalcastProcessTest::SetUp();
    std::ofstream(dir_ + "/sunbird.key") << kSalt << "\n";
    Sql("CREATE SCHEMA sunbird;"
        "CREATE TABLE sunbird.program_users (id text PRIMARY KEY, doc jsonb);"
        "CREATE TABLE sunbird.user_consent (user_id text, object_id text, status text, "
        "last_updated_on timestamptz, PRIMARY KEY (user_id, object_id));"
        "CREATE TABLE sunbird.users (userid text PRIMARY KEY, firstname text, lastname text, "
        "email text, phone text, username text)");
  }

  // One transaction of the workload: enrolments inserted, moved, soft
  // deleted and deleted, consents flipped.
  void Round(int i) { Sql(testing::EnrolmentRoundSql(i, /*consents=*/true)); }

  // A SUBMITTED job_request row `id` for the program-user report of
  // `program`, in Sunbird's request format.
  void SubmitJob(const std::string& id, const std::string& program) {
    Sql("INSERT INTO sunbird.job_request (tag, request_id, job_id, status, request_data) VALUES "
        "('t', '" +
        id +
        "', 'program-user-exhaust', 'SUBMITTED', '{\"program\":[{\"name\":\"User "
        "Detail Report\",\"id\":\"program-user-exhaust\",\"filters\":[{\"table_name\":"
        "\"program_enrollment\",\"table_filters\":[{\"name\":\"program_id\",\"operator\":"
        "\"=\",\"value\":\"" +
        program + "\"}]}]}]}')");
  }

  // Polls until job_request row `id` is SUCCESS (true) or walcast exits.
  bool WaitForSuccess(const std::string& id, testing::ChildProcess* walcast) {
    return testing::PollUntil(
               [&] {
                 return Sql("SELECT status FROM sunbird.job_request WHERE request_id = '" + id +
                            "'") == "SUCCESS" ||
                        !walcast->Running();
               },
               std::chrono::seconds(60)) &&
           walcast->Running();
  }
};

TEST_F(ProjectionsIntegrationTest, StateIsExactAfterKillNine) {
  std::unique_ptr<testing::ChildProcess> walcast = Start("walcast0");
  const int kills = KillRepeatedly(
      &walcast,
      [&] {
        for (int i = 0; i < 300; ++i) Round(i);
      },
      17, std::chrono::milliseconds(300), /*first_in_snapshot=*/true, 4);
  EXPECT_GE(kills, 4);
  ASSERT_TRUE(
      WaitConfirmed(walcast.get(), std::chrono::seconds(120), "walcast" + std::to_string(kills)));
  walcast->Signal(SIGTERM);
  ASSERT_EQ(walcast->Wait(std::chrono::seconds(30)), 0) << Log("walcast" + std::to_string(kills));

  // What the tables hold.
  const std::map<std::string, std::string> expected =
      testing::ParseKeyedLines(Sql(testing::ExpectedEnrolmentsSql()));
  const std::map<std::string, std::string> consents = testing::ParseKeyedLines(
      Sql("SELECT user_id || '/' || object_id || '|' || status FROM sunbird.user_consent"));
  ASSERT_GT(expected.size(), 900u);

  // What walcast's state holds.
  Result<projections::ProjectionSet> set = projections::LoadProjectionDefinitions(Definitions());
  ASSERT_TRUE(set.ok());
  projections::ProjectionEngineOptions options;
  options.store.dir = dir_ + "/state/projections-" + db_;
  Result<std::unique_ptr<projections::SunbirdCipher>> cipher =
      projections::SunbirdCipher::Create(kSalt);
  ASSERT_TRUE(cipher.ok());
  Result<std::unique_ptr<projections::ProjectionEngine>> engine =
      projections::ProjectionEngine::Open(*set, options, cipher->get());
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  std::map<std::string, std::string> actual;
  ASSERT_TRUE((*engine)
                  ->Scan("program_enrollment", {},
                         [&](const projections::ProjectedRow& row) {
                           const std::string key =
                               *row.Find("program_id") + "/" + *row.Find("user_id");
                           EXPECT_EQ(actual.count(key), 0u) << key;
                           actual[key] = *row.Find("user_locations.district_name");
                           return true;
                         })
                  .ok());
  EXPECT_EQ(actual, expected);
  std::map<std::string, std::string> actual_consents;
  ASSERT_TRUE((*engine)
                  ->Scan("user_consent", {},
                         [&](const projections::ProjectedRow& row) {
                           actual_consents[*row.Find("user_id") + "/" + *row.Find("object_id")] =
                               *row.Find("status");
                           return true;
                         })
                  .ok());
  EXPECT_EQ(actual_consents, consents);
  Result<std::vector<metrics::DeadLetter>> dead = (*engine)->DeadLetters();
  ASSERT_TRUE(dead.ok());
  EXPECT_TRUE(dead->empty());
}

// A job_request row for the configured report makes walcast write the CSV
// and mark the row SUCCESS with its location, once: a kill -9 and restart
// afterwards neither rewrites the row nor runs the job again. The CSV
// follows the consent rules for every row (checked against SQL), and
// `walcast exhaust` writes the same file from the stopped state.
TEST_F(ProjectionsIntegrationTest, JobRequestWritesTheReportOnce) {
  const int http_port = testing::FreeLoopbackPort();
  WriteConfig({{"exhaust.definitions.file",
                std::string(WALCAST_SOURCE_DIR) +
                    "/config/examples/sunbird-program-users/program-user-exhaust.json"},
               {"exhaust.job.table", "sunbird.job_request"},
               {"exhaust.output.dir", dir_ + "/reports"},
               {"http.port", std::to_string(http_port)}});
  std::string out;
  std::string err;
  ASSERT_EQ(RunToEnd({"generate-program-users", "--count", "600", "--programs", "3"}, &out, &err),
            0)
      << err;
  std::unique_ptr<testing::ChildProcess> walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get())) << Log("walcast");
  const std::string program = "60250000000000000000000000000000";
  SubmitJob("req-1", program.substr(0, 24));
  ASSERT_TRUE(WaitForSuccess("req-1", walcast.get())) << Log("walcast");
  const std::string done =
      Sql("SELECT download_urls[1] || '|' || dt_job_completed FROM sunbird.job_request WHERE "
          "request_id = 'req-1'");
  const std::string file = done.substr(0, done.find('|'));
  EXPECT_EQ(file, dir_ + "/reports/req-1.csv");
  std::ifstream in(file, std::ios::binary);
  std::ostringstream csv;
  csv << in.rdbuf();
  size_t rows = 0;
  size_t consented = 0;
  size_t filled = 0;
  std::istringstream lines(csv.str());
  for (std::string line; std::getline(lines, line);) {
    if (rows++ == 0) {
      EXPECT_EQ(line.substr(0, 37), "User UUID,User Name(On user consent),");
      continue;
    }
    if (line.find(",Yes,") != std::string::npos) ++consented;
    if (line.find("@example.org") != std::string::npos) ++filled;
  }
  EXPECT_EQ(std::to_string(rows - 1),
            Sql("SELECT count(*) FROM sunbird.program_users WHERE doc->>'programId' = '" +
                program.substr(0, 24) + "'"));
  EXPECT_EQ(std::to_string(consented),
            Sql("SELECT count(*) FROM sunbird.user_consent WHERE status = 'active' AND "
                "object_id = '" +
                program.substr(0, 24) + "'"));
  EXPECT_EQ(filled, consented);  // e-mail decrypted exactly where consent is active

  // POST /exhaust submits the same kind of request as a job_request row.
  std::string answer;
  ASSERT_EQ(
      testing::RunCommand("curl -s -X POST --data-binary @" + std::string(WALCAST_SOURCE_DIR) +
                              "/tests/data/exhaust/http_request.json http://127.0.0.1:" +
                              std::to_string(http_port) + "/exhaust",
                          &answer),
      0);
  const size_t at = answer.find("\"request_id\":\"");
  ASSERT_NE(at, std::string::npos) << answer;
  const std::string http_id = answer.substr(at + 14, answer.find('"', at + 14) - at - 14);
  ASSERT_TRUE(WaitForSuccess(http_id, walcast.get())) << Log("walcast");
  std::ifstream by_http(dir_ + "/reports/" + http_id + ".csv", std::ios::binary);
  std::ostringstream http_csv;
  http_csv << by_http.rdbuf();
  EXPECT_EQ(http_csv.str(), csv.str());

  // A crash after the job: the row is not touched again.
  walcast->Signal(SIGKILL);
  walcast->Wait(std::chrono::seconds(10));
  walcast = Start("walcast1");
  ASSERT_TRUE(WaitForLog("walcast1", "streaming started", walcast.get())) << Log("walcast1");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), std::chrono::seconds(60), "walcast1"));
  EXPECT_EQ(Sql("SELECT download_urls[1] || '|' || dt_job_completed FROM sunbird.job_request "
                "WHERE request_id = 'req-1'"),
            done);
  walcast->Signal(SIGTERM);
  ASSERT_EQ(walcast->Wait(std::chrono::seconds(30)), 0) << Log("walcast1");

  // The command line writes the same report from the stopped state.
  ASSERT_EQ(RunToEnd({"exhaust", "program-user-exhaust", "--program-id", program.substr(0, 24),
                      "-o", dir_ + "/cli.csv"},
                     &out, &err),
            0)
      << err;
  std::ifstream cli(dir_ + "/cli.csv", std::ios::binary);
  std::ostringstream cli_csv;
  cli_csv << cli.rdbuf();
  EXPECT_EQ(cli_csv.str(), csv.str());
  EXPECT_NE(out.find("rows=" + std::to_string(rows - 1)), std::string::npos) << out;
}

// A report is written off the reader thread. Here its CSV goes into a FIFO
// nobody reads, so the report stays under way, blocked, for as long as the
// test wants: meanwhile new rows keep streaming and the slot confirms them
// (the projection sink committed and acknowledged them before the report
// completed). A kill -9 in the middle of the report leaves no CSV under its
// name and the row SUBMITTED; after the restart the job runs again, once,
// and writes the whole report.
TEST_F(ProjectionsIntegrationTest, ReportRunsOffTheReaderThreadAndSurvivesKillNine) {
  WriteConfig({{"exhaust.definitions.file",
                std::string(WALCAST_SOURCE_DIR) +
                    "/config/examples/sunbird-program-users/program-user-exhaust.json"},
               {"exhaust.job.table", "sunbird.job_request"},
               {"exhaust.output.dir", dir_ + "/reports"}});
  std::string out;
  std::string err;
  ASSERT_EQ(RunToEnd({"generate-program-users", "--count", "3000", "--programs", "3"}, &out, &err),
            0)
      << err;
  std::filesystem::create_directories(dir_ + "/reports");
  const std::string partial = dir_ + "/reports/req-2.csv.partial";
  ASSERT_EQ(::mkfifo(partial.c_str(), 0600), 0);
  std::unique_ptr<testing::ChildProcess> walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get())) << Log("walcast");
  const std::string program = std::string("60250000000000000000000000000000").substr(0, 24);
  SubmitJob("req-2", program);
  ASSERT_TRUE(WaitForLog("walcast", "exhaust job started", walcast.get())) << Log("walcast");

  // The report is under way; the stream goes on.
  for (int i = 0; i < 20; ++i) Round(100000 + i);
  ASSERT_TRUE(WaitConfirmed(walcast.get(), std::chrono::seconds(60)));
  EXPECT_EQ(Sql("SELECT status FROM sunbird.job_request WHERE request_id = 'req-2'"), "SUBMITTED");
  EXPECT_EQ(Log("walcast").find("exhaust job done"), std::string::npos);

  // kill -9 in the middle of the report: nothing marked done.
  walcast->Signal(SIGKILL);
  EXPECT_EQ(walcast->Wait(std::chrono::seconds(10)), 128 + SIGKILL);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/reports/req-2.csv"));
  EXPECT_EQ(Sql("SELECT status FROM sunbird.job_request WHERE request_id = 'req-2'"), "SUBMITTED");

  // After the restart (the FIFO gone, so the file can be written) the job
  // is redone, once.
  std::filesystem::remove(partial);
  walcast = Start("walcast1");
  ASSERT_TRUE(WaitForSuccess("req-2", walcast.get())) << Log("walcast1");
  const std::string done =
      Sql("SELECT download_urls[1] || '|' || dt_job_completed FROM sunbird.job_request WHERE "
          "request_id = 'req-2'");
  EXPECT_EQ(done.substr(0, done.find('|')), dir_ + "/reports/req-2.csv");
  std::ifstream in(dir_ + "/reports/req-2.csv", std::ios::binary);
  size_t lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  EXPECT_EQ(std::to_string(lines - 1),
            Sql("SELECT count(*) FROM sunbird.program_users WHERE doc->>'programId' = '" + program +
                "'"));
  ASSERT_TRUE(WaitConfirmed(walcast.get(), std::chrono::seconds(60), "walcast1"));
  const std::string log1 = Log("walcast1");
  const size_t first = log1.find("exhaust job done");
  ASSERT_NE(first, std::string::npos) << log1;
  EXPECT_EQ(log1.find("exhaust job done", first + 1), std::string::npos) << log1;

  // Another restart: the done marker holds, the job does not run again.
  walcast->Signal(SIGKILL);
  walcast->Wait(std::chrono::seconds(10));
  walcast = Start("walcast2");
  ASSERT_TRUE(WaitForLog("walcast2", "streaming started", walcast.get())) << Log("walcast2");
  Round(200000);
  ASSERT_TRUE(WaitConfirmed(walcast.get(), std::chrono::seconds(60), "walcast2"));
  EXPECT_EQ(Log("walcast2").find("exhaust job started"), std::string::npos) << Log("walcast2");
  EXPECT_EQ(Sql("SELECT download_urls[1] || '|' || dt_job_completed FROM sunbird.job_request "
                "WHERE request_id = 'req-2'"),
            done);
  walcast->Signal(SIGTERM);
  ASSERT_EQ(walcast->Wait(std::chrono::seconds(30)), 0) << Log("walcast2");
}

}  // namespace
}  // namespace walcast
