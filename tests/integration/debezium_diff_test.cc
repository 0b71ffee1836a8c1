// The differential test (docs/differential-test.md): real Debezium
// (PostgreSQL connector, scripts/versions.env, under a Kafka Connect
// standalone worker from scripts/debezium.sh) and walcast read the same
// PostgreSQL database with the same settings, each into its own Kafka broker,
// through the same snapshot and the same workload
// (tests/data/debezium/setup.sql and workload.sql). Every topic of both
// brokers is then read back and compared record by record
// (tests/support/record_diff.h); every difference is printed and fails the
// test.

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/lsn.h"
#include "rapidjson/document.h"
#include "tests/support/kafka_cluster.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/process.h"
#include "tests/support/record_diff.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;
using Settings = std::vector<std::pair<std::string, std::string>>;

// One connector configuration, run by both tools. `shared` settings go to
// both as they are (Debezium's names are walcast's); `debezium_only` are
// Kafka Connect settings walcast has no key for.
struct Variant {
  std::string name;    // connector name; slot and publication suffix
  std::string prefix;  // topic.prefix
  Settings shared;
  Settings debezium_only;
  // walcast settings with no effect on its output (snapshot.max.threads:
  // the sinks encode the snapshot on several threads, still in order).
  Settings walcast_only = {};
};

std::vector<Variant> Variants() {
  const Settings common = {
      {"table.include.list", "public\\..*,idrepo\\..*"},
      {"skipped.operations", "none"},  // truncates too
      {"transforms", "route"},
      {"transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter"},
  };
  Variant schemas{"schemas", "dbserver1", common, {}};
  // MOSIP's routing of the anonymous profiles.
  schemas.shared.emplace_back("transforms.route.regex", ".*\\.anonymous_profile");
  schemas.shared.emplace_back("transforms.route.replacement", "Profiles");
  // Without schemas, with transaction metadata, and a route with a group
  // reference (the two variants write to the same broker, so not both to
  // "Profiles").
  Variant plain{"txmeta", "dbtx", common, {}};
  plain.shared.emplace_back("transforms.route.regex", "(.*)\\.idrepo\\.anonymous_profile");
  plain.shared.emplace_back("transforms.route.replacement", "$1.Profiles");
  plain.shared.emplace_back("provide.transaction.metadata", "true");
  plain.shared.emplace_back("key.converter.schemas.enable", "false");
  plain.shared.emplace_back("value.converter.schemas.enable", "false");
  // Connector-level converter settings take effect only with the converter
  // named at the same level.
  plain.debezium_only = {{"key.converter", "org.apache.kafka.connect.json.JsonConverter"},
                         {"value.converter", "org.apache.kafka.connect.json.JsonConverter"}};
  plain.walcast_only = {{"snapshot.max.threads", "2"}};
  // The handling modes users switch most, each away from its default.
  Variant modes{"modes", "dbmodes", {common[0], common[1]}, {}};
  modes.shared.emplace_back("decimal.handling.mode", "string");
  modes.shared.emplace_back("time.precision.mode", "connect");
  modes.shared.emplace_back("binary.handling.mode", "hex");
  modes.shared.emplace_back("interval.handling.mode", "string");
  // column.include.list, on one table of the column options' schema.
  modes.shared[0].second += ",cols\\.accounts";
  modes.shared.emplace_back("column.include.list",
                            "(public|idrepo)\\..*,cols\\.accounts\\.(ID|email|owner)");
  // Debezium's column options (tests/data/debezium/columns_setup.sql says
  // what each column is for), and message.key.columns.
  Variant columns{"columns", "dbcols", {}, {}};
  columns.shared = {
      {"table.include.list", "cols\\..*,public\\.capture_done"},
      {"column.exclude.list", "cols\\.people\\.secret,COLS\\.PEOPLE\\.internal_note"},
      {"column.mask.with.6.chars",
       "COLS\\.PEOPLE\\.NAME,cols\\.people\\.age,cols\\.people\\.mood,cols\\.accounts\\.owner"},
      {"column.mask.hash.SHA-256.with.salt.CzQMA0cB5K",
       "cols\\.people\\.email,cols\\.accounts\\.email"},
      {"column.mask.hash.v2.SHA-256.with.salt.pepper.salt",
       "cols\\.people\\.phone,cols\\.accounts\\.notes"},
      {"column.mask.hash.MD5.with.salt.s", "cols\\.people\\.city"},
      {"column.truncate.to.5.chars", "cols\\.people\\.(bio|nick|tags|doc)"},
      {"column.truncate.to.3.chars", "cols\\.people\\.data"},
      {"column.propagate.source.type", "cols\\.people\\.(id|score)"},
      {"datatype.propagate.source.type", ".+\\.timestamptz,.+\\.INT2"},
      {"message.key.columns", "cols.accounts:email"},
  };
  // The column mappers run in each snapshot encoding thread's encoder.
  columns.walcast_only = {{"snapshot.max.threads", "2"}};
  // WALCAST_DIFF_VARIANTS (a comma list of names) keeps only those: the
  // pg-matrix runs on other PostgreSQL versions take `schemas` alone, which
  // carries the whole workload; the others vary the encoder and the column
  // options, not what the server sends.
  const char* only = std::getenv("WALCAST_DIFF_VARIANTS");
  std::vector<Variant> all = {schemas, plain, modes, columns};
  if (only == nullptr || *only == '\0') return all;
  const std::string wanted = std::string(",") + only + ",";
  std::erase_if(
      all, [&](const Variant& v) { return wanted.find("," + v.name + ",") == std::string::npos; });
  return all;
}

size_t CountOccurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// The transaction id's first part (the server's xid) in a transaction-metadata
// key, {"id":"<xid>:<lsn>"} with or without a schema; -1 if there is none.
int64_t KeyXid(const KafkaRecord& r) {
  const std::string field = "\"id\":\"";
  const size_t at = r.key ? r.key->find(field) : std::string::npos;
  if (at == std::string::npos) return -1;
  return std::strtoll(r.key->c_str() + at + field.size(), nullptr, 10);
}

// PostgreSQL 14 sends transactions without a published change, and those
// between walcast's slot and Debezium's reach walcast only (see the line-up
// before the workload). On a transaction-metadata topic walcast then starts
// with their BEGIN and END (event_count 0), which Debezium never saw. Those
// leading records, and only those (older than Debezium's first transaction,
// and without events), are left out of the comparison; the offsets after
// them move up by as many.
void DropTransactionsOnlyWalcastSaw(const TopicRecords& debezium, TopicRecords* walcast) {
  for (auto& [topic, records] : *walcast) {
    const auto theirs = debezium.find(topic);
    if (!topic.ends_with(".transaction") || theirs == debezium.end() || theirs->second.empty()) {
      continue;
    }
    const int64_t first = KeyXid(theirs->second.front());
    const auto empty = [](const KafkaRecord& r) {
      return r.value && (r.value->find("\"event_count\":null") != std::string::npos ||
                         r.value->find("\"event_count\":0,") != std::string::npos);
    };
    size_t drop = 0;
    while (drop < records.size() && records[drop].partition == records.front().partition &&
           KeyXid(records[drop]) >= 0 && KeyXid(records[drop]) < first && empty(records[drop])) {
      ++drop;
    }
    if (drop == 0) continue;
    std::cout << "LEFT OUT the first " << drop << " records of walcast's " << topic
              << ": transactions without changes before Debezium's first\n";
    const int32_t partition = records.front().partition;
    records.erase(records.begin(), records.begin() + static_cast<std::ptrdiff_t>(drop));
    for (KafkaRecord& r : records) {
      if (r.partition == partition) r.offset -= static_cast<int64_t>(drop);
    }
  }
}

// Broker-internal topics, not written by either tool.
bool InternalTopic(const std::string& topic) {
  return topic == "__consumer_offsets" || topic == "__transaction_state" ||
         topic == "__share_group_state";
}

// One line per record, as tests/data/debezium/*.jsonl, for reading after a
// failure.
void WriteRecords(const TopicRecords& topics, const std::string& path) {
  std::ofstream out(path);
  for (const auto& [topic, records] : topics) {
    for (const KafkaRecord& r : records) {
      out << topic << "\t" << r.partition << "\t" << r.offset
          << "\tkey=" << r.key.value_or("<null>") << "\tvalue=" << r.value.value_or("<null>")
          << "\theaders=";
      for (const KafkaHeader& h : r.headers)
        out << h.name << ":" << h.value.value_or("<null>") << ";";
      out << "\n";
    }
  }
}

class DebeziumDiffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_ = PostgresEnvironment::Get();
    ASSERT_NE(pg_, nullptr) << "PostgreSQL did not start: " << PostgresEnvironment::StartError();
    walcast_kafka_ = KafkaEnvironment::Get();
    ASSERT_NE(walcast_kafka_, nullptr) << "Kafka did not start: " << KafkaEnvironment::StartError();
    char tmpl[] = "/tmp/walcast-dbzdiff-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }

  void TearDown() override {
    StopDebezium();
    walcast_.clear();  // kills what still runs
    std::string ignored;
    if (HasFailure()) {
      std::cout << "work directory kept: " << dir_ << "\n";
    } else {
      RunCommand("rm -rf " + ShellQuote(dir_), &ignored);
    }
  }

  std::string ConnectDir() const { return dir_ + "/connect"; }

  // Runs scripts/debezium.sh ARGS; returns its exit status, output in *out.
  int DebeziumScript(const std::string& args, std::string* out) {
    return RunCommand("WALCAST_DEBEZIUM_OWNER_PID=" + std::to_string(getpid()) + " " +
                          ShellQuote(SourcePath("scripts/debezium.sh")) + " " + args + " 2>&1",
                      out);
  }

  void StopDebezium() {
    if (!debezium_started_) return;
    debezium_started_ = false;
    std::string out;
    if (DebeziumScript("stop " + ShellQuote(ConnectDir()), &out) != 0) {
      ADD_FAILURE() << "scripts/debezium.sh stop failed: " << out;
    }
  }

  // Writes Debezium's connector file through scripts/debezium.sh connector.
  ::testing::AssertionResult WriteConnector(const Variant& v, std::string* path) {
    *path = dir_ + "/dbz-" + v.name + ".properties";
    std::string args = "connector " + ShellQuote(*path) + " --name " + ShellQuote("dbz-" + v.name) +
                       " --pg-port " + std::to_string(pg_->port()) + " --db " + ShellQuote(db_) +
                       " --slot " + ShellQuote("dbz_" + v.name) + " --publication " +
                       ShellQuote("dbz_pub_" + v.name) + " " +
                       ShellQuote("topic.prefix=" + v.prefix);
    for (const Settings* settings : {&v.shared, &v.debezium_only}) {
      for (const auto& [k, value] : *settings) args += " " + ShellQuote(k + "=" + value);
    }
    std::string out;
    if (DebeziumScript(args, &out) != 0) {
      return ::testing::AssertionFailure() << "scripts/debezium.sh connector failed: " << out;
    }
    return ::testing::AssertionSuccess();
  }

  // Starts walcast with the variant's settings, writing to walcast's broker.
  void StartWalcast(const Variant& v) {
    const std::string config = dir_ + "/walcast-" + v.name + ".properties";
    {
      std::ofstream f(config);
      // The settings scripts/debezium.sh connector gives Debezium.
      f << "plugin.name=pgoutput\npublication.autocreate.mode=filtered\nsnapshot.mode=initial\n";
      f << "database.hostname=127.0.0.1\ndatabase.port=" << pg_->port()
        << "\ndatabase.user=postgres\ndatabase.dbname=" << db_ << "\n";
      f << "slot.name=wc_" << v.name << "\npublication.name=wc_pub_" << v.name << "\n";
      f << "topic.prefix=" << v.prefix << "\n";
      for (const Settings* settings : {&v.shared, &v.walcast_only}) {
        for (const auto& [k, value] : *settings) f << k << "=" << value << "\n";
      }
      f << "sinks=kafka\nkafka.bootstrap.servers=" << walcast_kafka_->bootstrap() << "\n";
      f << "kafka.linger.ms=5\nstatus.update.interval.ms=200\n";
      f << "state.dir=" << dir_ << "/state-" << v.name << "\n";
    }
    walcast_[v.name] = std::make_unique<ChildProcess>(
        std::vector<std::string>{WalcastBinary(), "--config", config, "run"},
        dir_ + "/walcast-" + v.name + ".out", dir_ + "/walcast-" + v.name + ".err",
        std::vector<std::string>{"WALCAST_DATABASE_PASSWORD=postgres"});
  }

  std::string WalcastLog(const std::string& name) const {
    return ReadFile(dir_ + "/walcast-" + name + ".err");
  }

  // Reads every topic of `kafka` but the broker's own, a few at a time
  // (each read waits for the end of its partitions).
  TopicRecords ReadAll(KafkaCluster* kafka) {
    std::vector<std::string> topics;
    for (const std::string& topic : kafka->Topics()) {
      if (!InternalTopic(topic)) topics.push_back(topic);
    }
    std::vector<std::vector<KafkaRecord>> records(topics.size());
    constexpr size_t kReaders = 8;
    std::vector<std::thread> readers;
    for (size_t r = 0; r < kReaders; ++r) {
      readers.emplace_back([&, r] {
        for (size_t i = r; i < topics.size(); i += kReaders) {
          records[i] = kafka->ConsumeAll(topics[i], 300ms);
        }
      });
    }
    for (std::thread& t : readers) t.join();
    TopicRecords out;
    for (size_t i = 0; i < topics.size(); ++i) out[topics[i]] = std::move(records[i]);
    return out;
  }

  // Starts the Connect worker with `connector_files` on Debezium's broker
  // and waits until Debezium and every walcast of `variants` stream.
  void StartDebeziumAndWaitForStreaming(const std::vector<std::string>& connector_files,
                                        const std::vector<Variant>& variants) {
    std::string args = "start " + ShellQuote(ConnectDir()) + " --bootstrap " +
                       ShellQuote(debezium_kafka_->bootstrap()) + " --schemas true";
    for (const std::string& f : connector_files) args += " --connector " + ShellQuote(f);
    std::string out;
    debezium_started_ = true;
    ASSERT_EQ(DebeziumScript(args, &out), 0) << "Debezium did not start:\n" << out;
    ASSERT_TRUE(PollUntil(
        [&] {
          return CountOccurrences(ReadFile(ConnectDir() + "/connect.log"), "Starting streaming") >=
                 variants.size();
        },
        120s))
        << "Debezium's snapshots did not finish; see " << ConnectDir() << "/connect.log";
    for (const Variant& v : variants) {
      ChildProcess* p = walcast_[v.name].get();
      ASSERT_TRUE(PollUntil(
                      [&] {
                        return WalcastLog(v.name).find("streaming started") != std::string::npos ||
                               !p->Running();
                      },
                      120s) &&
                  p->Running())
          << "walcast (" << v.name << ") did not start streaming:\n"
          << WalcastLog(v.name);
    }
  }

  // Waits until each walcast of `variants` confirmed `end` on its slot, then
  // stops it with SIGTERM (a clean exit).
  void StopWalcastsAt(const std::vector<Variant>& variants, Lsn end) {
    for (const Variant& v : variants) {
      ChildProcess* p = walcast_[v.name].get();
      const std::string slot = "wc_" + v.name;
      ASSERT_TRUE(PollUntil(
                      [&] {
                        return Lsn::Parse(
                                   pg_->Psql("SELECT confirmed_flush_lsn FROM pg_replication_slots "
                                             "WHERE slot_name = '" +
                                             slot + "'"))
                                       .value_or(Lsn()) >= end ||
                               !p->Running();
                      },
                      120s) &&
                  p->Running())
          << "walcast (" << v.name << ") did not confirm " << end.ToString() << ":\n"
          << WalcastLog(v.name);
      p->Signal(SIGTERM);
      EXPECT_EQ(p->Wait(30s), 0) << WalcastLog(v.name);
    }
  }

  PostgresCluster* pg_ = nullptr;
  KafkaCluster* walcast_kafka_ = nullptr;
  std::unique_ptr<KafkaCluster> debezium_kafka_;
  std::string dir_;
  std::string db_;
  bool debezium_started_ = false;
  std::map<std::string, std::unique_ptr<ChildProcess>> walcast_;
};

TEST_F(DebeziumDiffTest, WalcastWritesWhatDebeziumWrites) {
  const auto started = std::chrono::steady_clock::now();
  auto elapsed_s = [&] {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                            started)
        .count();
  };
  // Debezium's broker starts while the database is prepared.
  std::string kafka_error;
  std::thread broker([&] { debezium_kafka_ = KafkaCluster::Start(&kafka_error); });

  db_ = pg_->CreateDatabase("dbzdiff");
  pg_->Psql("\\i " + SourcePath("tests/data/debezium/setup.sql"), db_);
  pg_->Psql("\\i " + SourcePath("tests/data/debezium/columns_setup.sql"), db_);
  const std::vector<Variant> variants = Variants();
  std::vector<std::string> connector_files;
  for (const Variant& v : variants) {
    std::string file;
    EXPECT_TRUE(WriteConnector(v, &file));
    connector_files.push_back(file);
    StartWalcast(v);
    // One at a time past publication setup: two CREATE PUBLICATIONs over
    // the same tables at once can deadlock in the server.
    ChildProcess* p = walcast_[v.name].get();
    EXPECT_TRUE(PollUntil(
        [&] {
          return WalcastLog(v.name).find("walcast starting") != std::string::npos || !p->Running();
        },
        60s))
        << WalcastLog(v.name);
  }
  broker.join();
  ASSERT_FALSE(HasFailure());
  ASSERT_NE(debezium_kafka_, nullptr) << "Debezium's Kafka did not start: " << kafka_error;

  // The workload starts once both tools stream: their snapshots hold
  // exactly setup.sql's rows.
  StartDebeziumAndWaitForStreaming(connector_files, variants);
  if (HasFatalFailure()) return;
  std::cout << "both streaming after " << elapsed_s() << " s; running workload.sql\n";
  // PostgreSQL 14 sends transactions without a published change (15 skips
  // them), and both tools count their commits in source.sequence. Those
  // between walcast's slot and Debezium's (Debezium creating its
  // publication) reach walcast only; one more, seen by both, puts the two
  // on the same last commit before the workload.
  pg_->Psql("CREATE SCHEMA diff_sync; CREATE TABLE diff_sync.both_streaming (id int);", db_);
  pg_->Psql("\\i " + SourcePath("tests/data/debezium/columns_workload.sql"), db_);
  pg_->Psql("\\i " + SourcePath("tests/data/debezium/workload.sql"), db_);
  ASSERT_FALSE(HasFailure());
  const Lsn end = Lsn::Parse(pg_->Psql("SELECT pg_current_wal_lsn()", db_)).value();

  // workload.sql ends with an insert into capture_done: once that is in
  // Kafka, Debezium has read everything; stopping its worker flushes its
  // producer. walcast has everything once its slot confirms the end.
  for (const Variant& v : variants) {
    const std::string topic = v.prefix + ".public.capture_done";
    ASSERT_EQ(debezium_kafka_->Consume(topic, 1, 120s).size(), 1u)
        << "Debezium did not write " << topic << "; see " << ConnectDir() << "/connect.log";
  }
  StopDebezium();
  StopWalcastsAt(variants, end);
  if (HasFatalFailure()) return;
  std::cout << "workload delivered by both after " << elapsed_s() << " s; comparing\n";

  const TopicRecords debezium = ReadAll(debezium_kafka_.get());
  TopicRecords walcast = ReadAll(walcast_kafka_);
  WriteRecords(debezium, dir_ + "/debezium.records");
  WriteRecords(walcast, dir_ + "/walcast.records");
  DropTransactionsOnlyWalcastSaw(debezium, &walcast);

  // The comparison is only worth something if the workload reached every
  // kind of record.
  std::set<std::string> ops;
  for (const auto& [topic, records] : debezium) {
    for (const KafkaRecord& r : records) {
      if (!r.value) continue;
      rapidjson::Document doc;
      doc.Parse(r.value->c_str());
      if (!doc.IsObject()) continue;
      const rapidjson::Value& payload = doc.HasMember("payload") ? doc["payload"] : doc;
      if (payload.IsObject() && payload.HasMember("op") && payload["op"].IsString()) {
        ops.insert(payload["op"].GetString());
      } else if (payload.IsObject() && payload.HasMember("status")) {
        ops.insert(std::string("tx:") + payload["status"].GetString());
      }
    }
  }
  std::set<std::string> expected_ops = {"c", "d", "m", "r", "t", "u"};
  const std::map<std::string, std::vector<std::string>> expected_topics = {
      {"schemas", {"Profiles", "dbserver1.public.all_types", "dbserver1.message"}},
      {"txmeta", {"dbtx.Profiles", "dbtx.transaction"}},
      {"modes", {"dbmodes.cols.accounts"}},
      {"columns", {"dbcols.cols.people", "dbcols.cols.accounts"}}};
  for (const Variant& v : variants) {
    if (v.name == "txmeta") expected_ops.insert({"tx:BEGIN", "tx:END"});
    if (!expected_topics.contains(v.name)) continue;
    for (const std::string& topic : expected_topics.at(v.name)) {
      EXPECT_TRUE(debezium.count(topic) > 0) << "Debezium wrote nothing to " << topic;
    }
  }
  EXPECT_EQ(ops, expected_ops);

  const DiffReport report = DiffTopics(debezium, walcast);
  for (const RecordDifference& n : report.normalised) std::cout << "NORMALISED " << n << "\n";
  for (const RecordDifference& d : report.differences) std::cout << "DIFFERENCE " << d << "\n";
  std::cout << "compared " << report.records_compared << " records in " << debezium.size()
            << " topics: " << report.differences.size() << " differences, "
            << report.normalised.size() << " normalised, " << elapsed_s() << " s in all\n";
  // The workload makes over 100 records per variant.
  EXPECT_GT(report.records_compared, static_cast<int64_t>(100 * variants.size()));
  EXPECT_EQ(report.differences.size(), 0u)
      << "walcast's records differ from Debezium's (each DIFFERENCE line above); all records: "
      << dir_ << "/{debezium,walcast}.records";
}

// Where the snapshot's "first" and "last" markers go when tables are empty
// or hold one row. Debezium marks each row by its place (the last row of the
// last table is "last", the first row of the first table "first", the last
// one wins when they are the same row) and holds back one record until the
// snapshot ends, then marks that one "last" whatever table it came from. One
// database, connector and walcast per case; tables are snapshotted in name
// order (one include expression).
struct SnapshotEdgeCase {
  std::string name;  // also topic.prefix, slot and publication suffix
  std::vector<std::pair<std::string, int>> tables;  // name, rows
  int walcast_threads = 1;                          // walcast's snapshot.max.threads
};

TEST_F(DebeziumDiffTest, SnapshotMarkersOfEmptyAndOneRowTablesAreDebeziums) {
  const std::vector<SnapshotEdgeCase> cases = {
      {"edge_last_empty", {{"t_a", 3}, {"t_b", 2}, {"t_c", 0}}},
      // walcast encoding on 2 threads (in batches of 128 rows) in this case
      // and the fourth: many batches, then a table shorter than a batch.
      {"edge_first_empty", {{"t_a", 0}, {"t_b", 700}, {"t_c", 1}}, 2},
      {"edge_one_row", {{"t_a", 1}}},
      {"edge_one_row_then_empty", {{"t_a", 1}, {"t_b", 0}}, 2},
      {"edge_all_empty", {{"t_a", 0}, {"t_b", 0}}},
  };
  // Each case takes two of the server's 20 replication slots (both tools),
  // after the 8 of WalcastWritesWhatDebeziumWrites.
  std::string kafka_error;
  std::thread broker([&] { debezium_kafka_ = KafkaCluster::Start(&kafka_error); });

  std::vector<Variant> variants;
  std::map<std::string, std::string> db_of;
  std::vector<std::string> connector_files;
  for (const SnapshotEdgeCase& c : cases) {
    Variant v{c.name, c.name, {{"table.include.list", "public\\..*"}}, {}};
    v.walcast_only = {{"snapshot.max.threads", std::to_string(c.walcast_threads)}};
    // WriteConnector and StartWalcast read the database from db_.
    db_ = pg_->CreateDatabase(c.name);
    db_of[c.name] = db_;
    std::string sql;
    for (const auto& [table, rows] : c.tables) {
      sql += "CREATE TABLE " + table + " (id int PRIMARY KEY, note text);\n";
      sql += "INSERT INTO " + table + " SELECT g, 'row ' || g FROM generate_series(1, " +
             std::to_string(rows) + ") g;\n";
    }
    pg_->Psql(sql, db_);
    std::string file;
    EXPECT_TRUE(WriteConnector(v, &file));
    connector_files.push_back(file);
    StartWalcast(v);
    variants.push_back(v);
  }
  broker.join();
  ASSERT_FALSE(HasFailure());
  ASSERT_NE(debezium_kafka_, nullptr) << "Debezium's Kafka did not start: " << kafka_error;
  StartDebeziumAndWaitForStreaming(connector_files, variants);
  if (HasFatalFailure()) return;

  // One streamed insert per case: once Debezium wrote it, every snapshot
  // record before it was polled, and stopping the worker flushes them.
  // Before it, a transaction both tools see puts them on the same last
  // commit in source.sequence: on PostgreSQL 14 the empty transactions
  // between walcast's slot and Debezium's reach walcast only (as in
  // WalcastWritesWhatDebeziumWrites).
  for (const Variant& v : variants) {
    pg_->Psql("CREATE TABLE both_streaming (id int)", db_of[v.name]);
    pg_->Psql("INSERT INTO t_a VALUES (100, 'streamed')", db_of[v.name]);
  }
  const Lsn end = Lsn::Parse(pg_->Psql("SELECT pg_current_wal_lsn()")).value();
  for (const Variant& v : variants) {
    const std::string topic = v.prefix + ".public.t_a";
    ASSERT_TRUE(PollUntil(
        [&] {
          for (const KafkaRecord& r : debezium_kafka_->ConsumeAll(topic, 300ms)) {
            if (r.value && r.value->find("\"streamed\"") != std::string::npos) return true;
          }
          return false;
        },
        120s))
        << "Debezium did not write the streamed row to " << topic;
  }
  StopDebezium();
  StopWalcastsAt(variants, end);
  if (HasFatalFailure()) return;

  TopicRecords debezium = ReadAll(debezium_kafka_.get());
  TopicRecords walcast = ReadAll(walcast_kafka_);
  // walcast's broker is the binary's: it also holds the other tests' topics.
  for (TopicRecords* side : {&debezium, &walcast}) {
    std::erase_if(*side, [](const auto& topic) { return topic.first.rfind("edge_", 0) != 0; });
  }
  WriteRecords(debezium, dir_ + "/debezium.records");
  WriteRecords(walcast, dir_ + "/walcast.records");
  // The cases are only worth something if Debezium marked one "last" record
  // in each case with a row, and none in the all-empty case.
  size_t last_marks = 0;
  for (const auto& [topic, records] : debezium) {
    for (const KafkaRecord& r : records) {
      if (r.value && r.value->find("\"snapshot\":\"last\"") != std::string::npos) ++last_marks;
    }
  }
  EXPECT_EQ(last_marks, cases.size() - 1);
  DropTransactionsOnlyWalcastSaw(debezium, &walcast);

  const DiffReport report = DiffTopics(debezium, walcast);
  for (const RecordDifference& d : report.differences) std::cout << "DIFFERENCE " << d << "\n";
  std::cout << "compared " << report.records_compared << " records in " << debezium.size()
            << " topics: " << report.differences.size() << " differences\n";
  EXPECT_EQ(report.differences.size(), 0u)
      << "walcast's snapshot markers differ from Debezium's (each DIFFERENCE line above); all "
         "records: "
      << dir_ << "/{debezium,walcast}.records";
}

}  // namespace
}  // namespace walcast::testing
