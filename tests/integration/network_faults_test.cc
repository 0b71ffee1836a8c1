// Network faults between walcast and each of its servers
// (docs/network-faults.md): walcast runs in a network namespace of its own
// (NetLab), reaching PostgreSQL, Kafka and OpenSearch over one veth pair
// each. During a steady load of inserts one server is cut off for 30 s,
// first by taking its link down, then by dropping its packets silently;
// the Toxiproxy tests instead put latency, a bandwidth limit and connection
// resets between walcast and that server. Afterwards every committed row
// must be on the Kafka topic (duplicates allowed: at-least-once) and in the
// index (no duplicate, no gap), the same walcast process must still be
// running, and, once it stops, every metric (on in every test) must equal
// what SQL computes from the table. ctest runs each server's tests as an entry of its own
// (--gtest_filter), so the three run in parallel.

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "rapidjson/document.h"
#include "tests/integration/es_process_test.h"
#include "tests/integration/metric_documents.h"
#include "tests/support/kafka_cluster.h"
#include "tests/support/net_lab.h"
#include "tests/support/toxiproxy.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kCut = 30s;
// How long walcast may take, after a fault ends, to deliver what was
// committed before it ended. Generous: TCP's retransmission backoff alone
// may wait ~25 s after a 30 s cut, and the machine is shared.
constexpr auto kRecovery = 120s;

class NetworkFaultsTest : public EsProcessTest {
 protected:
  void SetUp() override {
    EsProcessTest::SetUp();
    if (HasFatalFailure()) return;
    WALCAST_REQUIRE_KAFKA(kafka);
    kafka_ = kafka;
    std::string error;
    lab_ = NetLab::Create(&error);
    ASSERT_NE(lab_, nullptr) << error;
    // The namespace's connections reach PostgreSQL from the lab's addresses.
    const std::string hba = pg_->dir() + "/data/pg_hba.conf";
    if (ReadFile(hba).find("10.213.0.0/16") == std::string::npos) {
      std::string out;
      ASSERT_EQ(RunCommand("printf 'host all all 10.213.0.0/16 scram-sha-256\\nhost replication "
                           "all 10.213.0.0/16 scram-sha-256\\n' >> " +
                               ShellQuote(hba),
                           &out),
                0)
          << out;
      pg_->Psql("SELECT pg_reload_conf()");
    }
    // profile: a small JSON document, for the metrics every test turns on.
    Sql("CREATE TABLE t(id int PRIMARY KEY, v int, profile jsonb)");
    WriteConfig({});
  }

  void TearDown() override {
    StopLoad();
    if (walcast_ != nullptr && walcast_->Running()) {
      walcast_->Signal(SIGKILL);
      (void)walcast_->Wait(10s);
    }
    walcast_.reset();
    toxiproxy_.reset();
    lab_.reset();
    EsProcessTest::TearDown();
  }

  // Both sinks; the index and topic named after the test database.
  std::map<std::string, std::string> BaseConfig() const override {
    std::map<std::string, std::string> kv = EsProcessTest::BaseConfig();
    kv["sinks"] = "kafka,elasticsearch";
    if (kafka_ != nullptr) kv["kafka.bootstrap.servers"] = kafka_->bootstrap();
    kv["kafka.linger.ms"] = "5";
    return kv;
  }

  static int PortOf(const std::string& address) {
    return std::atoi(address.substr(address.rfind(':') + 1).c_str());
  }

  // The loopback port walcast uses for `server` ("postgres", "kafka",
  // "search").
  int ServerPort(const std::string& server) const {
    if (server == "postgres") return pg_->port();
    if (server == "kafka") return PortOf(kafka_->bootstrap());
    return PortOf(es_->url());
  }

  // Routes every server into the namespace: straight to the server, or, for
  // `proxied`, through a Toxiproxy proxy of the same name.
  void RouteServers(const std::string& proxied = "") {
    for (const std::string server : {"postgres", "kafka", "search"}) {
      int target = ServerPort(server);
      if (server == proxied) {
        std::string error;
        toxiproxy_ = Toxiproxy::Start(dir_, &error);
        ASSERT_NE(toxiproxy_, nullptr) << error;
        const int listen = FreeLoopbackPort();
        ASSERT_TRUE(toxiproxy_->AddProxy(server, listen, target));
        target = listen;
      }
      ASSERT_TRUE(lab_->Route(server, ServerPort(server), target));
    }
  }

  void StartWalcast() {
    std::vector<std::string> argv = {WalcastBinary(), "--config", dir_ + "/walcast.properties",
                                     "run"};
    walcast_ = std::make_unique<ChildProcess>(
        lab_->Wrap(argv), dir_ + "/walcast.out", dir_ + "/walcast.err",
        std::vector<std::string>{"WALCAST_DATABASE_PASSWORD=postgres"});
    ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast_.get(), 120s)) << Log("walcast");
    pid_ = walcast_->pid();
  }

  // Inserts 5 rows per transaction, about 10 transactions a second, on a
  // thread until StopLoad().
  void StartLoad() {
    loading_ = true;
    loader_ = std::thread([this] {
      while (loading_) {
        const int next = committed_.load();
        pg_->Psql(
            "INSERT INTO t SELECT g, g, jsonb_build_object('k', 'k' || g % 7) FROM "
            "generate_series(" +
                std::to_string(next + 1) + ", " + std::to_string(next + 5) + ") g",
            db_);
        committed_ = next + 5;
        std::this_thread::sleep_for(100ms);  // pacing the load, not waiting for a result
      }
    });
  }

  void StopLoad() {
    loading_ = false;
    if (loader_.joinable()) loader_.join();
  }

  std::string Topic() const { return db_ + ".public.t"; }
  std::string Index() const { return db_ + ".public.t"; }

  int64_t IndexCount() {
    if (!es_->Refresh(Index())) return -1;
    return es_->Count(Index());
  }

  // Waits until both sinks hold at least the first `rows` rows; returns the
  // seconds it took, or -1 after kRecovery.
  double WaitDelivered(int rows) {
    const auto start = Clock::now();
    if (!PollUntil([&] { return IndexCount() >= rows || !walcast_->Running(); }, kRecovery)) {
      return -1;
    }
    const auto left = std::max<Clock::duration>(kRecovery - (Clock::now() - start), 5s);
    if (!walcast_->Running() ||
        kafka_->Consume(Topic(), static_cast<size_t>(rows),
                        std::chrono::duration_cast<std::chrono::milliseconds>(left))
                .size() < static_cast<size_t>(rows)) {
      return -1;
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
  }

  // Runs `fault` ... `restore` for `length` under load, then waits for the
  // rows committed before the restore; records the recovery time as
  // `figure` (a test property and a line on stdout).
  //
  // `cut_off`, when given, counts the rows in the sink the fault cuts off
  // (the index when PostgreSQL is the one cut off): it must not move from
  // 5 s into the fault (what was in flight has landed) to its end, or the
  // fault did not cut anything.
  void Fault(const std::string& figure, const std::function<::testing::AssertionResult()>& fault,
             const std::function<::testing::AssertionResult()>& restore,
             std::chrono::seconds length, const std::function<int64_t()>& cut_off = nullptr) {
    ASSERT_TRUE(fault());
    int64_t before = 0;
    if (cut_off) {
      std::this_thread::sleep_for(5s);  // the fault's length is the experiment
      before = cut_off();
      std::this_thread::sleep_for(length - 5s);
      const int64_t after = cut_off();
      EXPECT_EQ(after, before) << figure << ": rows arrived while cut off";
      std::printf("figure %s_rows_committed_by_its_end=%d arrived_while_cut=%lld\n", figure.c_str(),
                  committed_.load(), static_cast<long long>(after - before));
    } else {
      std::this_thread::sleep_for(length);  // the fault's length is the experiment
    }
    ASSERT_TRUE(restore());
    const int rows = committed_.load();
    const double took = WaitDelivered(rows);
    ASSERT_GE(took, 0) << figure << ": rows committed before the restore did not arrive within "
                       << kRecovery.count() << " s\n"
                       << Log("walcast");
    RecordProperty(figure, std::to_string(took));
    std::printf("figure %s_recovery_s=%.1f\n", figure.c_str(), took);
  }

  // The end: load stopped, everything committed is in both sinks, the index
  // holds every row once, and the same walcast process runs.
  void CheckNothingLost() {
    StopLoad();
    const int rows = committed_.load();
    ASSERT_GT(rows, 0);
    ASSERT_TRUE(PollUntil([&] { return IndexCount() >= rows || !walcast_->Running(); }, kRecovery))
        << "index has " << IndexCount() << " of " << rows << " rows\n"
        << Log("walcast");
    EXPECT_EQ(IndexCount(), rows) << "the index holds documents for rows never committed";
    std::set<std::string> ids;
    for (const EsCluster::Hit& hit : es_->Scroll(Index(), R"({"match_all":{}})")) {
      ids.insert(hit.id);
    }
    EXPECT_EQ(ids.size(), static_cast<size_t>(rows));
    for (int id = 1; id <= rows; ++id) {
      if (!ids.contains(std::to_string(id))) {
        ADD_FAILURE() << "row " << id << " is missing from the index";
        break;
      }
    }

    // Waits until at least `rows` records are there, then reads them all.
    (void)kafka_->Consume(Topic(), static_cast<size_t>(rows), kRecovery);
    std::map<int, int> seen;
    for (const KafkaRecord& r : kafka_->ConsumeAll(Topic(), 3s)) {
      if (!r.value) continue;
      rapidjson::Document doc;
      doc.Parse(r.value->c_str());
      ASSERT_TRUE(doc.IsObject() && doc.HasMember("payload")) << *r.value;
      ++seen[doc["payload"]["after"]["id"].GetInt()];
    }
    int duplicates = 0;
    for (int id = 1; id <= rows; ++id) {
      const auto it = seen.find(id);
      if (it == seen.end()) {
        ADD_FAILURE() << "row " << id << " is missing from Kafka";
        break;
      }
      duplicates += it->second - 1;
    }
    EXPECT_EQ(seen.size(), static_cast<size_t>(rows));
    RecordProperty("rows", rows);
    RecordProperty("kafka_duplicates", duplicates);
    kafka_duplicates_ = duplicates;
    std::printf("figure rows=%d kafka_duplicates=%d index_docs=%lld\n", rows, duplicates,
                static_cast<long long>(IndexCount()));
    ASSERT_TRUE(walcast_->Running()) << Log("walcast");
    EXPECT_EQ(walcast_->pid(), pid_) << "walcast was restarted";
    // What walcast said about the faults (warnings and errors, no rows).
    int shown = 0;
    for (const std::string& line : ReadLines(dir_ + "/walcast.err")) {
      if (line.find(" WARN ") == std::string::npos && line.find(" ERROR ") == std::string::npos &&
          !line.starts_with("%")) {
        continue;
      }
      if (++shown <= 40) std::printf("walcast: %s\n", line.c_str());
    }
    std::printf("figure walcast_warnings=%d\n", shown);
  }

  // The metrics over t's documents, each with the SQL that computes it.
  static const std::map<std::string, std::string>& MetricSql() {
    static const std::map<std::string, std::string> sql = {
        {"nf_rows",
         "SELECT NULL::date AS bucket_start, '{}'::jsonb AS keys, count(*) AS value, "
         "count(*) AS count, 0 AS sum FROM t HAVING count(*) > 0"},
        {"nf_by_k",
         "SELECT NULL::date AS bucket_start, jsonb_build_object('k', profile->>'k') AS keys, "
         "count(*) AS value, count(*) AS count, 0 AS sum FROM t GROUP BY 2"},
        {"nf_sum_v_by_k",
         "SELECT NULL::date AS bucket_start, jsonb_build_object('k', profile->>'k') AS keys, "
         "sum(v) AS value, count(*) AS count, sum(v) AS sum FROM t GROUP BY 2"},
    };
    return sql;
  }

  std::string MetricsIndex() const { return db_ + ".metrics.t"; }

  // Writes the configuration: `settings` over the fixture's, with the
  // metrics on (MetricSql's), written to the search node. Every fault runs
  // with them: a fault must leave each metric equal to SQL too.
  void ConfigureWithMetrics(const std::map<std::string, std::string>& settings = {}) {
    const std::string path = dir_ + "/metrics.json";
    std::ofstream(path) << R"({"format": 1, "tables": {"document": "public.t"},
      "document_column": "profile",
      "metrics": [
        {"id": "nf_rows", "source": "document", "measure": "count"},
        {"id": "nf_by_k", "source": "document", "keys": [{"field": "path.k", "as": "k"}],
         "measure": "count"},
        {"id": "nf_sum_v_by_k", "source": "document", "keys": [{"field": "path.k", "as": "k"}],
         "measure": {"sum": "column.v"}}]})";
    std::map<std::string, std::string> kv = {{"metrics.definitions.file", path},
                                             {"metrics.index", MetricsIndex()},
                                             {"checkpoint.interval.ms", "200"}};
    for (const auto& [key, value] : settings) kv[key] = value;
    WriteConfig(kv);
  }

  // After CheckNothingLost: walcast stops (writing its last metric
  // documents), and every metric must equal its SQL, with one document per
  // aggregate.
  void CheckMetrics() {
    walcast_->Signal(SIGTERM);
    ASSERT_EQ(walcast_->Wait(60s), 0) << Log("walcast");
    ASSERT_TRUE(es_->Refresh(MetricsIndex()));
    std::vector<std::string> docs;
    for (EsCluster::Hit& hit : es_->Scroll(MetricsIndex(), R"({"match_all":{}})")) {
      docs.push_back(std::move(hit.source));
    }
    const SqlRunner sql = [this](const std::string& text) { return Sql(text); };
    ASSERT_NO_FATAL_FAILURE(LoadMetricDocuments(docs, sql));
    EXPECT_EQ(DuplicateMetricDocuments(sql), "");
    for (const auto& [id, query] : MetricSql()) {
      SCOPED_TRACE(id);
      int64_t sql_rows = 0;
      const std::string differences = CompareMetricWithSql(sql, id, query, &sql_rows);
      EXPECT_EQ(differences, "") << "first differences (keys @bucket):\n" << differences;
      EXPECT_GT(sql_rows, 0);
    }
    std::printf("figure metric_documents=%zu\n", docs.size());
  }

  // Link down for 30 s, then packets dropped for 30 s, between walcast and
  // `server`, under load, with `settings` and the metrics on; the metrics
  // are checked at the end against SQL.
  void CutOff(const std::string& server, const std::map<std::string, std::string>& settings = {}) {
    ConfigureWithMetrics(settings);
    ASSERT_NO_FATAL_FAILURE(RouteServers());
    ASSERT_NO_FATAL_FAILURE(StartWalcast());
    StartLoad();
    ASSERT_GE(WaitDelivered(10), 0) << Log("walcast");
    // Rows in the sink that `server` feeds or is: Kafka's own topic, else
    // the index (PostgreSQL cut off starves both).
    const std::function<int64_t()> rows_there = [&]() -> int64_t {
      if (server == "kafka") return static_cast<int64_t>(kafka_->ConsumeAll(Topic(), 2s).size());
      return IndexCount();
    };
    ASSERT_NO_FATAL_FAILURE(Fault(
        server + "_link_down", [&] { return lab_->SetLinkUp(server, false); },
        [&] { return lab_->SetLinkUp(server, true); }, kCut, rows_there));
    ASSERT_NO_FATAL_FAILURE(Fault(
        server + "_packets_dropped", [&] { return lab_->SetDropping(server, true); },
        [&] { return lab_->SetDropping(server, false); }, kCut, rows_there));
    ASSERT_NO_FATAL_FAILURE(CheckNothingLost());
    CheckMetrics();
  }

  // Every connection to `server` open at one moment goes silent for good
  // while new ones get through (a firewall or NAT that lost its state):
  // walcast must notice on its own and connect again. The metrics are on
  // and checked at the end.
  void DeadConnection(const std::string& server,
                      const std::map<std::string, std::string>& settings) {
    ConfigureWithMetrics(settings);
    ASSERT_NO_FATAL_FAILURE(RouteServers());
    ASSERT_NO_FATAL_FAILURE(StartWalcast());
    StartLoad();
    ASSERT_GE(WaitDelivered(10), 0) << Log("walcast");
    ASSERT_NO_FATAL_FAILURE(Fault(
        server + "_dead_connection",
        [&]() -> ::testing::AssertionResult {
          int dropped = 0;
          auto ok = lab_->DropEstablished(server, ServerPort(server), &dropped);
          if (ok && dropped == 0) return ::testing::AssertionFailure() << "no connection to drop";
          return ok;
        },
        [] { return ::testing::AssertionSuccess(); }, 5s));
    ASSERT_NO_FATAL_FAILURE(CheckNothingLost());
    CheckMetrics();
  }

  // Through Toxiproxy: 500 ms of latency each way, a 16 KB/s limit towards
  // walcast, then every connection reset for 5 s; the metrics on, checked
  // at the end.
  void Toxics(const std::string& server) {
    ConfigureWithMetrics();
    ASSERT_NO_FATAL_FAILURE(RouteServers(server));
    ASSERT_NO_FATAL_FAILURE(StartWalcast());
    StartLoad();
    ASSERT_GE(WaitDelivered(10), 0) << Log("walcast");
    auto toxic = [&](const std::string& name, const std::string& type, const std::string& stream,
                     const std::string& attributes) {
      return [=, this] { return toxiproxy_->AddToxic(server, name, type, stream, attributes); };
    };
    auto remove = [&](const std::string& name) {
      return [=, this] { return toxiproxy_->RemoveToxic(server, name); };
    };
    ASSERT_NO_FATAL_FAILURE(Fault(
        server + "_latency",
        [&] {
          auto up = toxic("lat_up", "latency", "upstream", R"({"latency":500,"jitter":100})")();
          if (!up) return up;
          return toxic("lat_down", "latency", "downstream", R"({"latency":500,"jitter":100})")();
        },
        [&] {
          auto up = remove("lat_up")();
          if (!up) return up;
          return remove("lat_down")();
        },
        15s));
    ASSERT_NO_FATAL_FAILURE(Fault(server + "_bandwidth",
                                  toxic("slow", "bandwidth", "downstream", R"({"rate":16})"),
                                  remove("slow"), 15s));
    ASSERT_NO_FATAL_FAILURE(Fault(server + "_resets",
                                  toxic("reset", "reset_peer", "downstream", R"({"timeout":0})"),
                                  remove("reset"), 5s));
    ASSERT_NO_FATAL_FAILURE(CheckNothingLost());
    CheckMetrics();
  }

  KafkaCluster* kafka_ = nullptr;
  std::unique_ptr<NetLab> lab_;
  std::unique_ptr<Toxiproxy> toxiproxy_;
  std::unique_ptr<ChildProcess> walcast_;
  pid_t pid_ = 0;
  int kafka_duplicates_ = -1;  // set by CheckNothingLost
  std::atomic<bool> loading_{false};
  std::atomic<int> committed_{0};
  std::thread loader_;
};

TEST_F(NetworkFaultsTest, PostgresCutOff) { CutOff("postgres"); }

TEST_F(NetworkFaultsTest, KafkaCutOff) { CutOff("kafka"); }

// With Kafka transactions carrying the checkpoint, not even Kafka may hold
// a duplicate (read_committed).
TEST_F(NetworkFaultsTest, KafkaCutOffExactlyOnce) {
  CutOff("kafka", {{"exactly.once", "true"}});
  EXPECT_EQ(kafka_duplicates_, 0);
}
TEST_F(NetworkFaultsTest, SearchCutOff) { CutOff("search"); }
TEST_F(NetworkFaultsTest, PostgresToxics) { Toxics("postgres"); }
TEST_F(NetworkFaultsTest, KafkaToxics) { Toxics("kafka"); }
TEST_F(NetworkFaultsTest, SearchToxics) { Toxics("search"); }

// Each server's open connections silenced for good, with the timeout that
// notices it shortened from its default (docs/network-faults.md).
// PostgreSQL: wal.receiver.timeout.ms notices; the server then keeps the
// slot with the old walsender until its wal_sender_timeout (60 s here),
// which walcast waits out by retrying.
TEST_F(NetworkFaultsTest, PostgresDeadConnectionIsReplaced) {
  DeadConnection("postgres", {{"wal.receiver.timeout.ms", "10000"}});
  EXPECT_NE(Log("walcast").find("(wal.receiver.timeout.ms)"), std::string::npos)
      << "the silent connection was not what walcast noticed\n"
      << Log("walcast");
}

// Kafka: librdkafka times the request out and reconnects.
TEST_F(NetworkFaultsTest, KafkaDeadConnectionIsReplaced) {
  DeadConnection("kafka", {{"kafka.socket.timeout.ms", "10000"}});
}

// The search node: the bulk request times out and is retried on a new
// connection.
TEST_F(NetworkFaultsTest, SearchDeadConnectionIsReplaced) {
  DeadConnection("search", {{"elasticsearch.request.timeout.ms", "15000"}});
}

}  // namespace
}  // namespace walcast::testing
