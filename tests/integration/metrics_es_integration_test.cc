// The metrics end to end, exactly once: the walcast binary streams MOSIP's
// tables (filled by `walcast generate-profiles`, every profile shape, some
// malformed) from the test PostgreSQL while it is killed with SIGKILL again
// and again, and writes its metric documents to the test Elasticsearch /
// OpenSearch node. Afterwards every default metric's documents must equal
// what its SQL (sql/metrics/<id>.sql) computes from the tables: keys, bucket,
// count and sum, with nothing missing, nothing extra and nothing counted
// twice; walcast_bad_profiles must equal the metrics' dead letters.
//
// Shares the node of es_sink_integration_test's binary.

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/metrics_es_test.h"
#include "tests/integration/profile_churn.h"
#include "tests/support/small_disk.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

TEST_F(MetricsEsTest, MetricsEqualTheirSqlAfterRepeatedKillNine) {
  Generate({"--count", "2000", "--seed", "11", "--shape", "all", "--malformed-ratio", "0.01"});
  Sql("ALTER TABLE idrepo.anonymous_profile REPLICA IDENTITY FULL;"
      "ALTER TABLE regprc.anonymous_profile REPLICA IDENTITY FULL");

  std::unique_ptr<ChildProcess> walcast = Start("walcast0");
  // The first kill may land in the initial snapshot (which starts over);
  // the others while changes stream.
  const int kills = KillRepeatedly(
      &walcast,
      [&] {
        // About 50,000 inserts, updates and deletes in all.
        for (int round = 2; round <= 15 && !HasFailure(); ++round) {
          Generate({"--count", "3000", "--seed", std::to_string(round + 10), "--shape", "all",
                    "--batch-rows", "50", "--malformed-ratio", "0.01"});
          Sql(ProfileChurnSql(round, 100, 40));
        }
      },
      7, 500ms, /*first_in_snapshot=*/true);
  ASSERT_GE(kills, 5);
  const std::string last = "walcast" + std::to_string(kills);
  ASSERT_TRUE(WaitForLog(last, "streaming started", walcast.get(), 120s)) << Log(last);
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 300s, last));
  walcast->Signal(SIGTERM);
  ASSERT_EQ(walcast->Wait(30s), 0) << Log(last);

  ASSERT_NO_FATAL_FAILURE(LoadMetricDocuments());
  // One document per aggregate.
  EXPECT_EQ(Duplicates(), "");
  Sql(ReadSource("sql/metrics/00_functions.sql"));
  const std::vector<std::string> ids = MetricIds("config/metrics/mosip.json");
  ASSERT_GT(ids.size(), 20u);
  const int compared = ExpectMetricsEqualSql(ids);
  // Nearly every metric has rows in this workload (a check that the
  // comparison compares something).
  EXPECT_GE(compared, static_cast<int>(ids.size()) - 3);

  // Exactly once for the bad profiles too: the persisted figure equals the
  // dead letters, whose _ids are per change, so replays cannot add any.
  // Those of a snapshot that a kill interrupted stay in the index (they
  // carry that snapshot's LSN) but its figures were wiped with it.
  std::set<std::string> discarded;
  for (int i = 0; i <= kills; ++i) {
    const std::string log = Log("walcast" + std::to_string(i));
    const size_t started = log.find("snapshot started");
    if (started == std::string::npos || log.find("snapshot completed") != std::string::npos) continue;
    const size_t at = log.find(" lsn=", started);
    discarded.insert(log.substr(at + 5, log.find_first_of(" \n", at + 5) - at - 5));
  }
  const std::string bad = Sql(
      "SELECT doc->>'value' FROM walcast_test.docs WHERE doc->>'metric' = 'walcast_bad_profiles'");
  const std::string letters = db_ + ".walcast.dead_letter";
  ASSERT_TRUE(es_->Refresh(letters));
  size_t counted = 0;
  for (const std::string& letter : Documents(letters, R"({"term":{"source":"metrics"}})")) {
    EXPECT_NE(letter.find(R"("instance":")" + Instance() + "\""), std::string::npos) << letter;
    const size_t at = letter.find(R"("lsn":")");
    ASSERT_NE(at, std::string::npos) << letter;
    const std::string lsn = letter.substr(at + 7, letter.find('"', at + 7) - at - 7);
    if (discarded.count(lsn) == 0) ++counted;
  }
  EXPECT_GT(counted, 10u);
  EXPECT_EQ(bad, std::to_string(counted));
  if (HasFailure()) {
    for (int i = 0; i <= kills; ++i) {
      std::cerr << "--- walcast" << i << "\n" << Log("walcast" + std::to_string(i)).substr(0, 3000);
    }
  }
}

// The GDPR user-profile example's metrics (config/examples/gdpr-user-profiles:
// the document source, averages, top_k) under the same kill -9 workload:
// users inserted, updated (moves, new emails) and deleted by
// `walcast generate-user-profiles` while walcast is killed again and again.
class GdprMetricsEsTest : public MetricsEsTest {
 protected:
  std::map<std::string, std::string> BaseConfig() const override {
    std::map<std::string, std::string> kv = MetricsEsTest::BaseConfig();
    kv["table.include.list"] = "public\\.user_profiles";
    kv["metrics.definitions.file"] =
        std::string(WALCAST_SOURCE_DIR) + "/config/examples/gdpr-user-profiles/metrics.json";
    kv["metrics.index"] = MetricsIndex();
    return kv;
  }
  std::string MetricsIndex() const override { return db_ + ".metrics.user_profiles"; }

  void GenerateUsers(const std::vector<std::string>& args) {
    Generate(args, "generate-user-profiles");
  }
};

TEST_F(GdprMetricsEsTest, UserProfileMetricsEqualTheirSqlAfterRepeatedKillNine) {
  GenerateUsers({"--count", "2000", "--seed", "1"});
  std::unique_ptr<ChildProcess> walcast = Start("walcast0");
  const int kills = KillRepeatedly(
      &walcast,
      [&] {
        for (int round = 2; round <= 12 && !HasFailure(); ++round) {
          GenerateUsers({"--count", "2000", "--seed", std::to_string(round), "--updates", "300",
                         "--deletes", "200", "--batch-rows", "100"});
          // Some of the first users move, change address or leave too.
          if (round % 3 == 0) {
            Sql("UPDATE public.user_profiles SET profile = jsonb_set(profile, '{email}', "
                "to_jsonb('moved' || round(random() * 1000)::text || '@proton.me')) "
                "WHERE id IN (SELECT id FROM public.user_profiles ORDER BY id LIMIT 150 OFFSET " +
                std::to_string(round * 50) + ")");
          }
        }
      },
      17, 500ms, /*first_in_snapshot=*/true);
  ASSERT_GE(kills, 5);
  const std::string last = "walcast" + std::to_string(kills);
  ASSERT_TRUE(WaitForLog(last, "streaming started", walcast.get(), 120s)) << Log(last);
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 300s, last));
  walcast->Signal(SIGTERM);
  ASSERT_EQ(walcast->Wait(30s), 0) << Log(last);

  ASSERT_NO_FATAL_FAILURE(LoadMetricDocuments());
  EXPECT_EQ(Duplicates(), "");
  const std::vector<std::string> ids = MetricIds("config/examples/gdpr-user-profiles/metrics.json");
  ASSERT_EQ(ids.size(), 7u);
  // Every metric has rows.
  EXPECT_EQ(ExpectMetricsEqualSql(ids, "config/examples/gdpr-user-profiles/sql"), 7);
  // The ranking has all ten ranks (there are more domains than that).
  EXPECT_EQ(Sql("SELECT count(*) FROM walcast_test.docs WHERE doc->>'metric' = "
                "'gdpr_top_email_domains' AND (doc->>'count')::bigint > 0"),
            "10");
  if (HasFailure()) {
    for (int i = 0; i <= kills; ++i) {
      std::cerr << "--- walcast" << i << "\n" << Log("walcast" + std::to_string(i)).substr(0, 3000);
    }
  }
}

TEST_F(MetricsEsTest, AFullStateDiskIsOneClearErrorAndTheResumeIsExact) {
  SmallDisk disk(dir_ + "/small", 48);
  ASSERT_TRUE(disk.mounted()) << "cannot mount a tmpfs for the test: " << disk.error();
  Generate({"--count", "1000", "--seed", "31", "--shape", "all"});
  // No reserve: RocksDB itself meets the full disk (the reserve's check is
  // tested in state_store_test).
  WriteConfig({{"state.dir", disk.path() + "/state"},
               {"stream.buffer.spill.dir", disk.path() + "/spill"},
               {"stream.buffer.memory.bytes", "65536"},
               {"metrics.state.min.free.bytes", "0"}});
  std::unique_ptr<ChildProcess> walcast = Start("walcast0");
  ASSERT_TRUE(WaitForLog("walcast0", "streaming started", walcast.get(), 120s)) << Log("walcast0");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 120s, "walcast0"));

  auto space_errors = [&](const std::string& name) {
    const std::string log = Log(name);
    int n = 0;
    for (size_t at = log.find("o space left"); at != std::string::npos;
         at = log.find("o space left", at + 1)) {
      ++n;
    }
    return n;
  };
  // The disk fills up while changes keep coming, in small and large
  // transactions.
  // RocksDB preallocates its log files, so the first writes may still fit:
  // the disk is filled again after each round.
  for (int round = 0; round < 8 && !HasFailure() && space_errors("walcast0") == 0; ++round) {
    disk.Fill();
    Generate({"--count", "3000", "--seed", std::to_string(40 + round), "--shape", "all",
              "--batch-rows", round % 2 == 0 ? "100" : "3000"});
    Sql(ProfileChurnSql(round + 2, 60, 20));
  }
  ASSERT_TRUE(PollUntil([&] { return space_errors("walcast0") > 0; }, 120s)) << Log("walcast0");
  // One clear error, not one per change (retries are rate-limited).
  std::this_thread::sleep_for(3s);
  EXPECT_LE(space_errors("walcast0"), 6) << Log("walcast0");

  // Space comes back; walcast resumes (by itself, or after a restart when
  // it stopped) and every metric is exact: nothing was confirmed to
  // PostgreSQL that the state had not made durable.
  disk.Free();
  std::string last = "walcast0";
  if (!walcast->Running() || !WaitConfirmed(walcast.get(), 20s, last)) {
    if (walcast->Running()) {
      walcast->Signal(SIGTERM);
      walcast->Wait(30s);
    }
    last = "walcast1";
    walcast = Start(last);
    ASSERT_TRUE(WaitForLog(last, "streaming started", walcast.get(), 120s)) << Log(last);
    ASSERT_TRUE(WaitConfirmed(walcast.get(), 300s, last));
  }
  // How it went, for docs/reliability.md: the error lines and the way back.
  {
    std::istringstream lines(Log("walcast0"));
    for (std::string line; std::getline(lines, line);) {
      if (line.find("o space left") != std::string::npos) std::cerr << "walcast0: " << line << "\n";
    }
    std::cerr << "resumed " << (last == "walcast0" ? "without a restart" : "after a restart")
              << "\n";
  }
  walcast->Signal(SIGTERM);
  ASSERT_EQ(walcast->Wait(30s), 0) << Log(last);

  ASSERT_NO_FATAL_FAILURE(LoadMetricDocuments());
  Sql(ReadSource("sql/metrics/00_functions.sql"));
  EXPECT_GE(ExpectMetricsEqualSql(MetricIds("config/metrics/mosip.json")), 20);
  if (HasFailure()) {
    std::cerr << "--- walcast0\n" << Log("walcast0").substr(0, 6000);
    if (last != "walcast0") std::cerr << "--- " << last << "\n" << Log(last).substr(0, 6000);
  }
}

TEST_F(MetricsEsTest, ChangedDefinitionsResetTheStateAndTakeANewSnapshot) {
  Generate({"--count", "500", "--seed", "3", "--shape", "idrepo"});
  // Row-for-row document counts: no delete-on-supersede.
  const std::map<std::string, std::string> raw = {{"sinks", "elasticsearch"},
                                                  {"elasticsearch.delete.superseded", "false"}};
  WriteConfig(raw);
  auto walcast = Start("first");
  ASSERT_TRUE(WaitForLog("first", "streaming started", walcast.get(), 120s)) << Log("first");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 120s, "first"));
  walcast->Signal(SIGTERM);
  ASSERT_EQ(walcast->Wait(30s), 0) << Log("first");

  // The same definitions minus one metric: the fingerprint changes.
  rapidjson::Document d;
  d.Parse(ReadSource("config/metrics/mosip.json").c_str());
  ASSERT_TRUE(d.IsObject());
  d["metrics"].Erase(d["metrics"].Begin());
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  d.Accept(w);
  const std::string changed = dir_ + "/changed.json";
  std::ofstream(changed) << buf.GetString();

  std::map<std::string, std::string> refused = raw;
  refused["metrics.definitions.file"] = changed;
  WriteConfig(refused);
  walcast = Start("refused");
  EXPECT_NE(walcast->Wait(60s), 0);
  EXPECT_NE(Log("refused").find("metrics.definitions.change"), std::string::npos)
      << Log("refused");

  Generate({"--count", "300", "--seed", "4", "--shape", "idrepo"});
  std::map<std::string, std::string> reset = refused;
  reset["metrics.definitions.change"] = "reset";
  WriteConfig(reset);
  walcast = Start("reset");
  ASSERT_TRUE(WaitForLog("reset", "streaming started", walcast.get(), 120s)) << Log("reset");
  EXPECT_NE(Log("reset").find("metric definitions changed"), std::string::npos) << Log("reset");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 120s, "reset"));
  walcast->Signal(SIGTERM);
  ASSERT_EQ(walcast->Wait(30s), 0) << Log("reset");

  // The new snapshot counted every row once: the state was wiped first.
  // The raw documents went along.
  ASSERT_TRUE(es_->Refresh(db_ + ".idrepo.anonymous_profile"));
  EXPECT_EQ(es_->Count(db_ + ".idrepo.anonymous_profile"),
            std::stoll(Sql("SELECT count(*) FROM idrepo.anonymous_profile")));
  ASSERT_NO_FATAL_FAILURE(LoadMetricDocuments());
  Sql(ReadSource("sql/metrics/00_functions.sql"));
  int64_t sql_rows = 0;
  EXPECT_EQ(CompareWithSql("idrepo_by_gender", &sql_rows), "");
  EXPECT_GT(sql_rows, 0);
}

}  // namespace
}  // namespace walcast::testing
