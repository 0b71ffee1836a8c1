// One Elasticsearch client shared by the pipelines of one walcast process,
// and several bulk requests in flight (docs/pipelines.md §4,
// docs/elasticsearch.md §5), against the test node (WALCAST_ES_FLAVOUR):
// each pipeline's documents, acknowledgements and dead letters stay its
// own, and out-of-order completion never lets an older version win.

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "tests/integration/es_process_test.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

class EsSharedClientTest : public EsProcessTest {
 protected:
  // `v` of every document of `index` by _id.
  std::map<std::string, std::string> Docs(const std::string& index) {
    std::map<std::string, std::string> docs;
    EXPECT_TRUE(es_->Refresh(index));
    for (const EsCluster::Hit& hit : es_->Scroll(index, R"({"match_all":{}})")) {
      rapidjson::Document src;
      src.Parse(hit.source.c_str());
      docs[hit.id] = src.HasMember("v") && src["v"].IsString() ? src["v"].GetString() : "?";
    }
    return docs;
  }

  // `v` of every row of public.t in `db` by id, as text.
  std::map<std::string, std::string> Rows(const std::string& db) {
    std::map<std::string, std::string> rows;
    const std::string text =
        pg_->Psql("SELECT string_agg(id || '|' || coalesce(v, ''), E'\\n' ORDER BY id) FROM t", db);
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      const std::string line = text.substr(start, end - start);
      rows[line.substr(0, line.find('|'))] = line.substr(line.find('|') + 1);
      start = end + 1;
    }
    return rows;
  }

  Lsn Confirmed(const std::string& slot) {
    return Lsn::Parse(pg_->Psql("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE "
                                "slot_name = '" +
                                slot + "'"))
        .value_or(Lsn());
  }

  // A Connect body for database `db`: slot `db`, prefix `db`.
  std::string WriteConnector(const std::string& name, const std::string& db) {
    const std::string path = dir_ + "/" + name + ".json";
    std::ofstream f(path);
    f << "{\"name\": \"" << name << "\", \"config\": {"
      << "\"connector.class\": \"io.debezium.connector.postgresql.PostgresConnector\", "
      << "\"database.hostname\": \"127.0.0.1\", "
      << "\"database.port\": \"" << pg_->port() << "\", "
      << "\"database.dbname\": \"" << db << "\", \"slot.name\": \"" << db << "\", "
      << "\"publication.name\": \"pub_" << db << "\", \"topic.prefix\": \"" << db << "\", "
      << "\"table.include.list\": \"public\\\\.t\"}}\n";
    return path;
  }
};

TEST_F(EsSharedClientTest, TwoPipelinesShareOneClientAndKeepTheirOwnDocumentsAndDeadLetters) {
  const std::string a = db_;
  const std::string b = pg_->CreateDatabase(db_ + "_b");
  for (const std::string& db : {a, b}) {
    pg_->Psql("CREATE TABLE t(id int PRIMARY KEY, v text)", db);
  }
  // Pipeline b's index takes integers only: its text values are refused by
  // the node, pipeline a's are not.
  const auto created = es_->Request("PUT", "/" + b + ".public.t",
                                    R"({"mappings":{"properties":{"v":{"type":"integer"}}}})");
  ASSERT_EQ(created.status, 200) << created.body;
  std::ofstream(dir_ + "/worker.properties") << "database.user=postgres\n"
                                             << "sinks=elasticsearch\n"
                                             << "elasticsearch.url=" << es_->url() << "\n"
                                             << "elasticsearch.bulk.concurrency=2\n"
                                             << "elasticsearch.bulk.max.actions=25\n"
                                             << "elasticsearch.bulk.flush.interval.ms=100\n"
                                             << "state.dir=" << dir_ << "/state\n"
                                             << "status.update.interval.ms=100\n";
  ChildProcess walcast({WalcastBinary(), "--config", WriteConnector("pa", a), "--config",
                        WriteConnector("pb", b), "--config", dir_ + "/worker.properties", "run"},
                       dir_ + "/walcast.out", dir_ + "/walcast.err",
                       {"WALCAST_DATABASE_PASSWORD=postgres"});
  ASSERT_TRUE(PollUntil(
      [&] {
        const std::string log = Log("walcast");
        size_t n = 0;
        for (size_t at = log.find("streaming started"); at != std::string::npos;
             at = log.find("streaming started", at + 1)) {
          ++n;
        }
        return n >= 2 || !walcast.Running();
      },
      60s));
  ASSERT_TRUE(walcast.Running()) << Log("walcast");

  std::string load_a;
  std::string load_b;
  for (int k = 1; k <= 300; k += 50) {
    const std::string range = std::to_string(k) + ", " + std::to_string(k + 49);
    load_a += "INSERT INTO t SELECT g, 'a' || g FROM generate_series(" + range + ") g;\n";
  }
  for (int k = 1; k <= 200; k += 40) {
    const std::string range = std::to_string(k) + ", " + std::to_string(k + 39);
    load_b += "INSERT INTO t SELECT g, g::text FROM generate_series(" + range + ") g;\n";
  }
  load_a += "UPDATE t SET v = v || '-2' WHERE id % 3 = 0;\n";
  load_b +=
      "INSERT INTO t SELECT g, 'bad' || g FROM generate_series(1001, 1005) g;\n"
      "UPDATE t SET v = (id * 10)::text WHERE id % 2 = 0 AND id <= 200;\n";
  pg_->Psql(load_a, a);
  pg_->Psql(load_b, b);
  const Lsn end = Lsn::Parse(pg_->Psql("SELECT pg_current_wal_lsn()")).value();
  ASSERT_TRUE(PollUntil(
      [&] { return (Confirmed(a) >= end && Confirmed(b) >= end) || !walcast.Running(); }, 120s));
  ASSERT_TRUE(walcast.Running()) << Log("walcast");

  // One client, two connections, for both pipelines.
  EXPECT_EQ(walcast.ThreadsNamed("es:bulk"), 2);

  // Each pipeline's documents are its table's rows.
  EXPECT_EQ(Docs(a + ".public.t"), Rows(a));
  std::map<std::string, std::string> rows_b = Rows(b);
  std::erase_if(rows_b, [](const auto& row) { return row.second.starts_with("bad"); });
  ASSERT_TRUE(es_->Refresh(b + ".public.t"));
  EXPECT_EQ(es_->Count(b + ".public.t"), static_cast<int64_t>(rows_b.size()));
  for (const auto& [id, v] : rows_b) {
    EXPECT_NE(es_->Get(b + ".public.t", id).find(R"("v":")" + v + "\""), std::string::npos)
        << "b row " << id;
  }
  // The refused rows are b's dead letters, none are a's.
  ASSERT_TRUE(es_->Refresh(b + ".walcast.dead_letter"));
  EXPECT_EQ(es_->Count(b + ".walcast.dead_letter"), 5);
  EXPECT_EQ(es_->Count(a + ".walcast.dead_letter"), 0);
  const std::string letters =
      es_->Search(b + ".walcast.dead_letter", R"({"query":{"term":{"key":"1003"}}})");
  EXPECT_NE(letters.find(R"("table":"public.t")"), std::string::npos) << letters;

  walcast.Signal(SIGTERM);
  EXPECT_EQ(walcast.Wait(60s), 0) << Log("walcast");
}

TEST_F(EsSharedClientTest, RequestsInFlightAtOnceLeaveTheLastVersionOfEveryRow) {
  // Requests of three actions, four at once, into an index of two shards,
  // over transactions that change
  // each row twice in a row (an update and another, a delete and an insert:
  // both changes have the transaction's version, so only the order they are
  // sent in tells them apart, and a request boundary often falls between
  // them). Whatever order the node finishes the requests in, each document
  // is the row's last version.
  WriteConfig({{"sinks", "elasticsearch"},
               {"elasticsearch.bulk.concurrency", "4"},
               {"elasticsearch.bulk.max.actions", "3"},
               {"elasticsearch.bulk.flush.interval.ms", "20"},
               {"elasticsearch.index.shards", "2"}});
  Sql("CREATE TABLE t(id int PRIMARY KEY, v text)");
  auto walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get(), 60s)) << Log("walcast");
  Sql("INSERT INTO t SELECT g, 'r0' FROM generate_series(1, 300) g");
  for (int round = 1; round <= 3; ++round) {
    const std::string r = "r" + std::to_string(round);
    Sql("DO $$ BEGIN FOR k IN 1..300 LOOP "
        "IF k % 3 = " +
        std::to_string(round % 3) +
        " THEN "
        "DELETE FROM t WHERE id = k; INSERT INTO t VALUES (k, '" +
        r +
        "c'); "
        "ELSE UPDATE t SET v = '" +
        r +
        "a' WHERE id = k; "
        "UPDATE t SET v = '" +
        r +
        "b' WHERE id = k; END IF; "
        "END LOOP; END $$");
  }
  Sql("DELETE FROM t WHERE id % 10 = 0");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 180s));
  EXPECT_EQ(Docs(db_ + ".public.t"), Rows(db_));
  // The index was created with the configured shard count.
  const auto settings = es_->Request("GET", "/" + db_ + ".public.t/_settings");
  EXPECT_NE(settings.body.find(R"("number_of_shards":"2")"), std::string::npos) << settings.body;
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(60s), 0) << Log("walcast");
  // Several were in flight at once (logged at stop; not asserted: it
  // depends on the node's speed).
  const std::string log = Log("walcast");
  const size_t at = log.find("max_in_flight=");
  std::cout << "requests in flight at most: "
            << (at == std::string::npos ? "?" : log.substr(at + 14, 2)) << "\n";
}

}  // namespace
}  // namespace walcast::testing
