// End-to-end test of several pipelines in one walcast process
// (docs/pipelines.md): six connector configs over six databases, five in
// the shared PostgreSQL cluster and one in a second cluster that is stopped
// for 30 s mid-load. The other five must go on streaming while it is down,
// and afterwards every row of every database must be in Kafka.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/lsn.h"
#include "rapidjson/document.h"
#include "tests/support/kafka_cluster.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/process.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kPipelines = 6;
constexpr int kOutagePipeline = kPipelines - 1;  // the one in the second cluster

// One change record read back: the row's id and the event's source.lsn.
struct Change {
  int64_t id = 0;
  uint64_t lsn = 0;
};

// Parses Debezium envelopes ({schema, payload}); tombstones are skipped
// (the test only inserts).
std::vector<Change> Changes(const std::vector<KafkaRecord>& records) {
  std::vector<Change> out;
  for (const KafkaRecord& r : records) {
    if (!r.value) continue;
    rapidjson::Document doc;
    doc.Parse(r.value->c_str());
    EXPECT_TRUE(doc.IsObject() && doc.HasMember("payload")) << *r.value;
    if (!doc.IsObject() || !doc.HasMember("payload")) continue;
    const auto& payload = doc["payload"];
    out.push_back({payload["after"]["id"].GetInt64(), payload["source"]["lsn"].GetUint64()});
  }
  return out;
}

class MultiPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_ = PostgresEnvironment::Get();
    ASSERT_NE(pg_, nullptr) << "PostgreSQL did not start: " << PostgresEnvironment::StartError();
    kafka_ = KafkaEnvironment::Get();
    ASSERT_NE(kafka_, nullptr) << "Kafka did not start: " << KafkaEnvironment::StartError();
    std::string error;
    second_ = PostgresCluster::Start(&error);
    ASSERT_NE(second_, nullptr) << "the second PostgreSQL cluster did not start: " << error;
    char tmpl[] = "/tmp/walcast-multi-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    for (int i = 0; i < kPipelines; ++i) {
      PostgresCluster* cluster = ClusterOf(i);
      dbs_.push_back(cluster->CreateDatabase("multi" + std::to_string(i)));
      cluster->Psql("CREATE TABLE t(id int PRIMARY KEY, v int)", dbs_.back());
    }
    WriteConfigs();
  }

  void TearDown() override {
    if (walcast_ != nullptr && walcast_->Running()) {
      walcast_->Signal(SIGKILL);
      (void)walcast_->Wait(10s);
    }
    if (pg_ != nullptr) {
      for (int i = 0; i < kOutagePipeline && i < static_cast<int>(dbs_.size()); ++i) {
        (void)pg_->Psql(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
            "WHERE slot_name = '" +
            dbs_[i] + "' AND NOT active");
      }
    }
    second_.reset();  // removes the second cluster, its slot with it
    std::string ignored;
    RunCommand("rm -rf '" + dir_ + "'", &ignored);
  }

  PostgresCluster* ClusterOf(int i) const { return i == kOutagePipeline ? second_.get() : pg_; }
  std::string Name(int i) const { return "p" + std::to_string(i); }
  std::string Topic(int i) const { return dbs_[i] + ".public.t"; }
  std::string Sql(int i, const std::string& sql) const { return ClusterOf(i)->Psql(sql, dbs_[i]); }

  // Pipeline i's Connect body: database i, its own slot and publication.
  void WriteConnector(int i, const std::string& topic_prefix, const std::string& tables) {
    std::ofstream f(dir_ + "/" + Name(i) + ".json");
    f << "{\"name\": \"" << Name(i) << "\", \"config\": {"
      << "\"connector.class\": \"io.debezium.connector.postgresql.PostgresConnector\", "
      << "\"database.hostname\": \"127.0.0.1\", "
      << "\"database.port\": \"" << ClusterOf(i)->port() << "\", "
      << "\"database.dbname\": \"" << dbs_[i] << "\", "
      << "\"slot.name\": \"" << dbs_[i] << "\", "
      << "\"publication.name\": \"pub_" << dbs_[i] << "\", "
      << "\"topic.prefix\": \"" << topic_prefix << "\", "
      << "\"table.include.list\": \"" << tables << "\"}}\n";
  }

  // One Connect body per pipeline, and the shared worker settings.
  void WriteConfigs() {
    for (int i = 0; i < kPipelines; ++i) {
      WriteConnector(i, dbs_[i], "public\\\\.t");
      args_.push_back("--config");
      args_.push_back(dir_ + "/" + Name(i) + ".json");
    }
    std::ofstream w(dir_ + "/worker.properties");
    w << "database.user=postgres\n"
      << "sinks=kafka\n"
      << "kafka.bootstrap.servers=" << kafka_->bootstrap() << "\n"
      << "kafka.linger.ms=5\n"
      << "state.dir=" << dir_ << "/state\n"
      << "status.update.interval.ms=100\n"
      << "reconnect.backoff.initial.ms=50\n"
      << "reconnect.backoff.max.ms=1000\n";
    args_.push_back("--config");
    args_.push_back(dir_ + "/worker.properties");
  }

  std::vector<std::string> Argv(const std::string& command) const {
    std::vector<std::string> argv = {WalcastBinary()};
    argv.insert(argv.end(), args_.begin(), args_.end());
    argv.push_back(command);
    return argv;
  }

  std::unique_ptr<ChildProcess> StartWalcast() {
    return std::make_unique<ChildProcess>(
        Argv("run"), dir_ + "/walcast.out", dir_ + "/walcast.err",
        std::vector<std::string>{"WALCAST_DATABASE_PASSWORD=postgres"});
  }

  std::string Log() const { return ReadFile(dir_ + "/walcast.err"); }

  // Inserts ids [first, last] in transactions of 50 rows.
  void Insert(int i, int first, int last) {
    std::string sql;
    for (int k = first; k <= last; k += 50) {
      sql += "INSERT INTO t SELECT g, g FROM generate_series(" + std::to_string(k) + ", " +
             std::to_string(std::min(last, k + 49)) + ") g;\n";
    }
    Sql(i, sql);
  }

  size_t Count(int i, size_t at_least, std::chrono::milliseconds timeout) {
    return Changes(kafka_->Consume(Topic(i), at_least, timeout)).size();
  }

  Lsn ConfirmedFlush(int i) const {
    return Lsn::Parse(ClusterOf(i)->Psql("SELECT confirmed_flush_lsn FROM pg_replication_slots "
                                         "WHERE slot_name = '" +
                                         dbs_[i] + "'"))
        .value_or(Lsn());
  }

  // The second cluster, as PostgresCluster::Restart does it, in two steps.
  bool StopSecond() {
    std::string out;
    return RunCommand(ShellQuote(SourcePath("scripts/pg_cluster.sh")) + " stop " +
                          ShellQuote(second_->dir()) + " 2>&1",
                      &out) == 0;
  }
  bool StartSecond(std::string* out) {
    return RunCommand(ShellQuote(SourcePath("scripts/pg_cluster.sh")) + " resume " +
                          ShellQuote(second_->dir()) + " 2>&1",
                      out) == 0;
  }

  PostgresCluster* pg_ = nullptr;
  KafkaCluster* kafka_ = nullptr;
  std::unique_ptr<PostgresCluster> second_;
  std::string dir_;
  std::vector<std::string> dbs_;
  std::vector<std::string> args_;
  std::unique_ptr<ChildProcess> walcast_;
};

TEST_F(MultiPipelineTest, OneDatabaseDownLeavesTheOthersStreamingAndLosesNothing) {
  constexpr int kBefore = 1000;  // rows per database before the outage
  constexpr int kDuring = 600;   // rows per database during it (the five) or after (the sixth)
  constexpr int kTotal = kBefore + kDuring;
  walcast_ = StartWalcast();
  for (int i = 0; i < kPipelines; ++i) {
    ASSERT_TRUE(PollUntil(
                    [&] {
                      return Log().find("streaming started pipeline=" + Name(i)) !=
                                 std::string::npos ||
                             !walcast_->Running();
                    },
                    60s) &&
                walcast_->Running())
        << Log();
  }

  // Six pipelines, one broker, one producer (docs/pipelines.md, "Shared
  // clients").
  EXPECT_EQ(walcast_->ThreadsNamed("rdk:main"), 1);
  {
    std::vector<std::thread> writers;
    for (int i = 0; i < kPipelines; ++i) writers.emplace_back([&, i] { Insert(i, 1, kBefore); });
    for (std::thread& w : writers) w.join();
  }
  const Lsn written = Lsn::Parse(Sql(kOutagePipeline, "SELECT pg_current_wal_lsn()")).value();
  ASSERT_EQ(Count(kOutagePipeline, kBefore, 60s), static_cast<size_t>(kBefore)) << Log();
  ASSERT_TRUE(PollUntil([&] { return ConfirmedFlush(kOutagePipeline) >= written; }, 30s))
      << "the sixth slot did not confirm its rows before the outage\n"
      << Log();

  // The outage: the sixth database is gone for 30 s while the five others
  // take more rows, which must reach Kafka before it is back.
  const Lsn watermark = ConfirmedFlush(kOutagePipeline);
  const auto outage_start = std::chrono::steady_clock::now();
  ASSERT_TRUE(StopSecond());
  for (int step = 0; step < 3; ++step) {
    const int first = kBefore + 1 + step * (kDuring / 3);
    std::vector<std::thread> writers;
    for (int i = 0; i < kOutagePipeline; ++i) {
      writers.emplace_back([&, i] { Insert(i, first, first + kDuring / 3 - 1); });
    }
    for (std::thread& w : writers) w.join();
    const size_t expected = static_cast<size_t>(first + kDuring / 3 - 1);
    for (int i = 0; i < kOutagePipeline; ++i) {
      EXPECT_EQ(Count(i, expected, 15s), expected)
          << "pipeline " << Name(i) << " did not stream while " << Name(kOutagePipeline)
          << " was down\n"
          << Log();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - outage_start, 30s)
        << "the outage was over before the checks ended";
  }
  // The failing pipeline's retries neither replace nor add a producer.
  EXPECT_EQ(walcast_->ThreadsNamed("rdk:main"), 1);
  // `status` reports the one that is down and the five that answer.
  {
    ChildProcess status(Argv("status"), dir_ + "/status.out", dir_ + "/status.err",
                        {"WALCAST_DATABASE_PASSWORD=postgres"});
    EXPECT_EQ(status.Wait(60s), 1) << ReadFile(dir_ + "/status.err");
    const std::string out = ReadFile(dir_ + "/status.out");
    for (int i = 0; i < kPipelines; ++i) {
      const std::string header = "pipeline:            " + Name(i) +
                                 "\nreachable:           " + (i == kOutagePipeline ? "no" : "yes");
      EXPECT_NE(out.find(header), std::string::npos) << header << "\n" << out;
    }
  }
  ASSERT_TRUE(walcast_->Running()) << Log();
  std::this_thread::sleep_until(outage_start + 30s);
  std::string out;
  ASSERT_TRUE(StartSecond(&out)) << out;
  Insert(kOutagePipeline, kBefore + 1, kTotal);

  // Every row of every database, each once; the sixth may repeat only what
  // lies above the watermark it had confirmed when its database went away
  // (at-least-once after a reconnect).
  for (int i = 0; i < kPipelines; ++i) {
    ASSERT_GE(Count(i, kTotal, 90s), static_cast<size_t>(kTotal)) << Name(i) << "\n" << Log();
  }
  walcast_->Signal(SIGTERM);
  EXPECT_EQ(walcast_->Wait(60s), 0) << Log();
  for (int i = 0; i < kPipelines; ++i) {
    const std::vector<Change> changes = Changes(kafka_->ConsumeAll(Topic(i), 2s));
    std::map<int64_t, int> seen;
    uint64_t last_lsn = 0;
    for (const Change& c : changes) {
      last_lsn = std::max(last_lsn, c.lsn);
      if (++seen[c.id] > 1) {
        EXPECT_EQ(i, kOutagePipeline) << Name(i) << " repeated id " << c.id;
        EXPECT_GE(c.lsn, watermark.value())
            << Name(i) << ": id " << c.id << " below the watermark emitted again";
      }
    }
    EXPECT_EQ(seen.size(), static_cast<size_t>(kTotal)) << Name(i);
    EXPECT_EQ(seen.begin()->first, 1) << Name(i);
    EXPECT_EQ(seen.rbegin()->first, kTotal) << Name(i);
    // The clean stop confirmed everything it published.
    EXPECT_GT(ConfirmedFlush(i).value(), last_lsn) << Name(i);
  }
  // Each pipeline kept its state apart.
  for (int i = 0; i < kPipelines; ++i) {
    EXPECT_FALSE(ReadFile(dir_ + "/state/" + Name(i) + "/" + dbs_[i] + ".snapshot").empty())
        << Name(i);
  }
}

// A database that does not answer when walcast starts is retried (the
// supervisor's backoff) while the other pipeline streams, and streams once
// it answers.
TEST_F(MultiPipelineTest, DatabaseDownAtStartIsRetriedWhileTheOtherStreams) {
  ASSERT_TRUE(StopSecond());
  args_ = {"--config", dir_ + "/" + Name(0) + ".json",
           "--config", dir_ + "/" + Name(kOutagePipeline) + ".json",
           "--config", dir_ + "/worker.properties"};
  walcast_ = StartWalcast();
  const auto logged = [&](const std::string& text) {
    return PollUntil([&] { return Log().find(text) != std::string::npos || !walcast_->Running(); },
                     60s) &&
           walcast_->Running();
  };
  ASSERT_TRUE(logged("pipeline failed; retrying pipeline=" + Name(kOutagePipeline))) << Log();
  ASSERT_TRUE(logged("streaming started pipeline=" + Name(0))) << Log();
  Insert(0, 1, 100);
  EXPECT_EQ(Count(0, 100, 30s), 100u) << Log();

  std::string out;
  ASSERT_TRUE(StartSecond(&out)) << out;
  ASSERT_TRUE(logged("streaming started pipeline=" + Name(kOutagePipeline))) << Log();
  Insert(kOutagePipeline, 1, 100);
  EXPECT_EQ(Count(kOutagePipeline, 100, 30s), 100u) << Log();
  walcast_->Signal(SIGTERM);
  EXPECT_EQ(walcast_->Wait(60s), 0) << Log();
}

// Two patterns that differ as written but match one table under one
// topic.prefix pass the start-up check; the pipelines' claims on the tables
// they resolved catch them, and the process stops as for a bad key.
TEST_F(MultiPipelineTest, PipelinesThatWouldWriteOneTopicStopTheProcess) {
  WriteConnector(0, "shared", "public\\\\.t");
  WriteConnector(1, "shared", "public\\\\.(t|u)");
  args_ = {"--config", dir_ + "/" + Name(0) + ".json", "--config", dir_ + "/" + Name(1) + ".json",
           "--config", dir_ + "/worker.properties"};
  walcast_ = StartWalcast();
  EXPECT_EQ(walcast_->Wait(60s), 2) << Log();
  EXPECT_NE(Log().find("would both write topic 'shared.public.t'"), std::string::npos) << Log();
}

}  // namespace
}  // namespace walcast::testing
