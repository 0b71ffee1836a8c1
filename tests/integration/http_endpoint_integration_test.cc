// The HTTP endpoint of a running walcast (http.port) against a real
// PostgreSQL 15 and, for the metrics and the Elasticsearch sink, the
// binary's OpenSearch node: probes, /metrics parsed by prometheus_client
// (Debian's python3-prometheus-client) with counters equal to the rows
// written, /status.json and the status page.

#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "rapidjson/document.h"
#include "tests/integration/es_process_test.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/process.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

class HttpEndpointTest : public EsProcessTest {
 protected:
  // Metrics on MOSIP's idrepo profiles, into the test node; the raw
  // documents too with `raw_documents`.
  void WriteMetricsConfig(int port, bool raw_documents) {
    WriteConfig({{"http.port", std::to_string(port)},
                 {"sinks", raw_documents ? "elasticsearch" : ""},
                 // One bulk item per row: no deletes of superseded profiles.
                 {"elasticsearch.delete.superseded", "false"},
                 {"table.include.list", "idrepo\\.anonymous_profile"},
                 {"metrics.definitions.file",
                  std::string(WALCAST_SOURCE_DIR) + "/config/metrics/mosip.json"},
                 {"checkpoint.interval.ms", "200"}});
  }

  // A row whose profile is not JSON: counted as a bad profile and
  // dead-lettered by the metrics, never logged or shown.
  void InsertBadProfile(const std::string& id) {
    Sql("INSERT INTO idrepo.anonymous_profile(id, profile, cr_by, cr_dtimes) VALUES ('" + id +
        "', '{\"processName\": \"NEW\", truncated', 'test', now())");
  }

  // /metrics through prometheus_client: sample text -> value.
  std::map<std::string, double> Samples(const std::string& text) {
    const std::string file = dir_ + "/metrics.txt";
    std::ofstream(file) << text;
    std::string out;
    const int rc = RunCommand("/usr/bin/python3 " WALCAST_SOURCE_DIR
                              "/tests/integration/prometheus_samples.py '" + file + "'",
                              &out);
    EXPECT_EQ(rc, 0) << out;
    std::map<std::string, double> samples;
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
      const size_t space = line.rfind(' ');
      if (space != std::string::npos) samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    return samples;
  }
};

TEST_F(HttpEndpointTest, ProbesMetricsAndStatusFollowTheStream) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, v text)");
  const int port = FreeLoopbackPort();
  WriteConfig({{"http.port", std::to_string(port)}});
  auto p = Start("run");
  httplib::Client http("127.0.0.1", port);
  ASSERT_TRUE(PollUntil([&] { return static_cast<bool>(http.Get("/healthz")); }, 30s))
      << ReadFile(dir_ + "/run.err");
  ASSERT_TRUE(WaitForLog("run", "streaming started", p.get()));
  ASSERT_TRUE(PollUntil(
      [&] {
        auto r = http.Get("/readyz");
        return r && r->status == 200;
      },
      30s));

  for (int tx = 0; tx < 5; ++tx) {
    std::string sql = "BEGIN;";
    for (int i = 0; i < 5; ++i) {
      const int id = tx * 5 + i;
      sql += "INSERT INTO t VALUES (" + std::to_string(id) + ", 'row');";
    }
    Sql(sql + "COMMIT;");
  }
  Sql("UPDATE t SET v = 'changed' WHERE id < 3; DELETE FROM t WHERE id = 24;");

  const std::string pipeline = "pipeline=\"" + db_ + "\"";
  const std::string create =
      "walcast_events_total{op=\"create\"," + pipeline + ",table=\"public.t\"}";
  std::map<std::string, double> samples;
  ASSERT_TRUE(PollUntil(
      [&] {
        auto r = http.Get("/metrics");
        if (!r || r->status != 200) return false;
        samples = Samples(r->body);
        return samples[create] == 25 &&
               samples["walcast_events_total{op=\"delete\"," + pipeline + ",table=\"public.t\"}"] == 1;
      },
      30s))
      << "create=" << samples[create];
  EXPECT_EQ(samples["walcast_events_total{op=\"update\"," + pipeline + ",table=\"public.t\"}"], 3);
  // Six transactions wrote rows (the server may send more, e.g. for DDL).
  const double transactions = samples["walcast_transactions_total{" + pipeline + "}"];
  EXPECT_GE(transactions, 6);
  EXPECT_EQ(samples["walcast_pipeline_up{" + pipeline + "}"], 1);
  EXPECT_EQ(samples["walcast_commit_to_ack_seconds_count{" + pipeline + "}"], transactions);
  EXPECT_GT(samples["walcast_received_bytes_total{" + pipeline + "}"], 0);
  EXPECT_GT(samples["walcast_watermark_lsn{" + pipeline + "}"], 0);
  EXPECT_EQ(samples["walcast_sink_acked_total{" + pipeline + ",sink=\"stdout\"}"], transactions);
  // The stdout sink writes synchronously and never retries: no such series
  // rather than zeros; nor, without metrics, theirs.
  for (const char* absent : {"walcast_sink_in_flight", "walcast_sink_queued",
                             "walcast_sink_retried_total", "walcast_sink_failed_total",
                             "walcast_bad_profiles_total", "walcast_metric_state_commits_total"}) {
    for (const auto& [sample, value] : samples) {
      EXPECT_NE(sample.rfind(absent, 0), 0u) << sample << " " << value;
    }
  }
  // The initial snapshot found t empty: expected 0, exactly what it read.
  const std::string t = "{" + pipeline + ",table=\"public.t\"}";
  EXPECT_EQ(samples.count("walcast_snapshot_rows_expected" + t), 1u);
  EXPECT_EQ(samples["walcast_snapshot_rows_expected" + t], 0);

  auto status = http.Get("/status.json");
  ASSERT_TRUE(status);
  rapidjson::Document doc;
  ASSERT_FALSE(doc.Parse(status->body.c_str()).HasParseError()) << status->body;
  EXPECT_TRUE(doc["ready"].GetBool());
  ASSERT_EQ(doc["pipelines"].Size(), 1u);
  EXPECT_STREQ(doc["pipelines"][0]["state"].GetString(), "streaming");
  EXPECT_STREQ(doc["pipelines"][0]["slot"].GetString(), db_.c_str());
  EXPECT_EQ(doc["pipelines"][0]["events_total"].GetUint64(), 29u);

  auto page = http.Get("/");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("status.json"), std::string::npos);
  // Row values never leave through the endpoint.
  EXPECT_EQ(http.Get("/metrics")->body.find("changed"), std::string::npos);
  EXPECT_EQ(status->body.find("changed"), std::string::npos);

  p->Signal(SIGTERM);
  EXPECT_EQ(p->Wait(30s), 0) << ReadFile(dir_ + "/run.err");
  EXPECT_FALSE(http.Get("/healthz"));  // the endpoint stops with the process
}

// With the Elasticsearch sink and the metrics: the per-sink, snapshot and
// metric-state series carry the rows written, and /status.json the bad
// profile's dead letter and the metric index's totals.
TEST_F(HttpEndpointTest, SinkSnapshotAndMetricSeriesMatchTheRowsWritten) {
  Generate({"--count", "120", "--seed", "5", "--shape", "all"});
  Sql("ANALYZE idrepo.anonymous_profile");  // the snapshot's estimate, exact here
  const int snapshot_rows = std::stoi(Sql("SELECT count(*) FROM idrepo.anonymous_profile"));
  ASSERT_GT(snapshot_rows, 0);
  const int port = FreeLoopbackPort();
  WriteMetricsConfig(port, /*raw_documents=*/true);
  auto p = Start("run");
  ASSERT_TRUE(WaitForLog("run", "streaming started", p.get(), 120s)) << ReadFile(dir_ + "/run.err");
  Generate({"--count", "30", "--seed", "6", "--shape", "all"});
  InsertBadProfile("bad-profile-1");
  const int rows = std::stoi(Sql("SELECT count(*) FROM idrepo.anonymous_profile"));
  ASSERT_TRUE(WaitConfirmed(p.get(), 60s, "run"));

  httplib::Client http("127.0.0.1", port);
  const std::string pipeline = "pipeline=\"" + db_ + "\"";
  const std::string es = "{" + pipeline + ",sink=\"elasticsearch\"}";
  const std::string metrics = "{" + pipeline + ",sink=\"metrics\"}";
  const std::string table = "{" + pipeline + ",table=\"idrepo.anonymous_profile\"}";
  std::map<std::string, double> s;
  ASSERT_TRUE(PollUntil(
      [&] {
        auto r = http.Get("/metrics");
        if (!r || r->status != 200) return false;
        s = Samples(r->body);
        return s["walcast_sink_acked_total" + es] == rows &&
               s["walcast_bad_profiles_total{" + pipeline + "}"] == 1 &&
               s["walcast_sink_dead_letters_total" + metrics] == 1 &&
               s["walcast_sink_in_flight" + es] == 0 && s["walcast_sink_queued" + es] == 0 &&
               s["walcast_sink_queued" + metrics] == 0;
      },
      60s))
      << "acked=" << s["walcast_sink_acked_total" + es] << " of " << rows
      << " bad=" << s["walcast_bad_profiles_total{" + pipeline + "}"];
  // Every series below exists (a missing one would read 0 through operator[]).
  for (const std::string& series :
       {"walcast_sink_failed_total" + es, "walcast_sink_retried_total" + es,
        "walcast_sink_in_flight" + metrics, "walcast_sink_failed_total" + metrics,
        "walcast_snapshot_rows_expected" + table, "walcast_snapshot_rows_read_total" + table,
        "walcast_metric_state_commits_total{" + pipeline + "}",
        "walcast_metric_state_commit_seconds{" + pipeline + "}"}) {
    EXPECT_EQ(s.count(series), 1u) << series;
  }
  EXPECT_EQ(s["walcast_sink_failed_total" + es], 0);
  EXPECT_EQ(s["walcast_sink_retried_total" + es], 0);
  // The bad profile: a dead letter in place of its document (and a delete
  // of its _id, which counts among the rows acked).
  EXPECT_EQ(s["walcast_sink_dead_letters_total" + es], 1);
  EXPECT_EQ(s["walcast_snapshot_rows_read_total" + table], snapshot_rows);
  EXPECT_EQ(s["walcast_snapshot_rows_expected" + table], snapshot_rows);
  EXPECT_GT(s["walcast_metric_state_commits_total{" + pipeline + "}"], 0);
  EXPECT_GT(s["walcast_metric_state_commit_seconds_total{" + pipeline + "}"], 0);
  EXPECT_GT(s["walcast_sink_acked_total" + metrics], 0);  // metric documents written

  auto status = http.Get("/status.json");
  ASSERT_TRUE(status);
  rapidjson::Document doc;
  ASSERT_FALSE(doc.Parse(status->body.c_str()).HasParseError()) << status->body;
  const auto& pj = doc["pipelines"][0];
  ASSERT_TRUE(pj.HasMember("metrics")) << status->body;
  EXPECT_EQ(pj["metrics"]["bad_profiles"].GetUint64(), 1u);
  // idrepo_profiles counts the profiles read: every row but the bad one.
  bool found = false;
  for (const auto& top : pj["metrics"]["top"].GetArray()) {
    if (std::string(top["metric"].GetString()) != "idrepo_profiles") continue;
    found = true;
    EXPECT_EQ(top["total"].GetInt64(), rows - 1);
  }
  EXPECT_TRUE(found) << status->body;
  bool dead_letter = false;
  for (const auto& problem : pj["problems"].GetArray()) {
    dead_letter |= std::string(problem["sink"].GetString()) == "metrics" &&
                   std::string(problem["kind"].GetString()) == "dead_letter";
  }
  EXPECT_TRUE(dead_letter) << status->body;
  EXPECT_EQ(status->body.find("truncated"), std::string::npos);  // the profile's text

  p->Signal(SIGTERM);
  EXPECT_EQ(p->Wait(30s), 0) << ReadFile(dir_ + "/run.err");
}

TEST_F(HttpEndpointTest, AnUnreachableDatabaseEndsTheRunWithItsReasonAndFreesThePort) {
  const int port = FreeLoopbackPort();
  WriteConfig({{"http.port", std::to_string(port)}, {"database.port", "1"}});
  auto p = Start("run");
  // A single pipeline whose first attempt cannot connect ends the process.
  EXPECT_NE(p->Wait(30s), 0);
  EXPECT_NE(ReadFile(dir_ + "/run.err").find("cannot connect"), std::string::npos);
  httplib::Client http("127.0.0.1", port);
  EXPECT_FALSE(http.Get("/healthz"));
}

// A known password (a role of its own, scram over TCP) and known row values:
// after a run, neither appears in the log, /metrics, /status.json or the page.
TEST_F(HttpEndpointTest, SecretsAndRowValuesNeverLeaveThroughLogsMetricsOrThePage) {
  const std::string secret = "Zq9-s3cret-Xv";
  const std::string value = "Aadhaar-4711-private";
  const std::string role = "walcast_" + db_;
  Sql("CREATE TABLE t(id int PRIMARY KEY, v text)");
  Sql("CREATE ROLE " + role + " LOGIN REPLICATION PASSWORD '" + secret + "'");
  Sql("ALTER TABLE t OWNER TO " + role + "; GRANT CREATE ON DATABASE " + db_ + " TO " + role);
  const int port = FreeLoopbackPort();
  WriteConfig({{"http.port", std::to_string(port)}, {"database.user", role}});
  ChildProcess p({WalcastBinary(), "--config", dir_ + "/walcast.properties", "run"},
                 dir_ + "/run.out", dir_ + "/run.err", {"WALCAST_DATABASE_PASSWORD=" + secret});
  ASSERT_TRUE(WaitForLog("run", "streaming started", &p)) << ReadFile(dir_ + "/run.err");
  Sql("INSERT INTO t VALUES (1, '" + value + "'), (2, '" + value + "-2')");
  httplib::Client http("127.0.0.1", port);
  std::string metrics, status, page;
  ASSERT_TRUE(PollUntil(
      [&] {
        auto m = http.Get("/metrics");
        auto st = http.Get("/status.json");
        auto pg = http.Get("/");
        if (!m || !st || !pg) return false;
        metrics = m->body;
        status = st->body;
        page = pg->body;
        return status.find("\"events_total\":2") != std::string::npos;
      },
      30s))
      << status;
  // The stdout sink writes the rows (that is its output, not a log).
  ASSERT_NE(ReadFile(dir_ + "/run.out").find(value), std::string::npos);
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(30s), 0);
  const std::string log = ReadFile(dir_ + "/run.err");
  for (const std::string& needle : {secret, value}) {
    EXPECT_EQ(log.find(needle), std::string::npos) << "log holds " << needle;
    EXPECT_EQ(metrics.find(needle), std::string::npos) << "/metrics holds " << needle;
    EXPECT_EQ(status.find(needle), std::string::npos) << "/status.json holds " << needle;
    EXPECT_EQ(page.find(needle), std::string::npos) << "the page holds " << needle;
  }
}

// Headless Chromium (Debian's) loads the status page while rows stream in:
// the figures show live numbers, the metric index's totals and the recent
// dead letter render, and a screenshot lands in the build tree
// (WALCAST_BINARY_DIR/status_page.png; docs/status-page.png is one).
TEST_F(HttpEndpointTest, StatusPageShowsLiveFiguresInABrowser) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, v text)");
  Generate({"--count", "60", "--seed", "7", "--shape", "all"});
  const int port = FreeLoopbackPort();
  WriteConfig(
      {{"http.port", std::to_string(port)},
       {"table.include.list", "public\\.t,idrepo\\.anonymous_profile"},
       {"metrics.definitions.file", std::string(WALCAST_SOURCE_DIR) + "/config/metrics/mosip.json"},
       {"checkpoint.interval.ms", "200"}});
  auto p = Start("run");
  ASSERT_TRUE(WaitForLog("run", "streaming started", p.get(), 120s)) << ReadFile(dir_ + "/run.err");
  InsertBadProfile("bad-profile-page");
  httplib::Client http("127.0.0.1", port);
  // The dead letter is reported once the metrics wrote it.
  ASSERT_TRUE(PollUntil(
      [&] {
        auto r = http.Get("/status.json");
        return r && r->body.find("\"dead_letter\"") != std::string::npos;
      },
      60s));
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (int i = 0; writing.load(); ++i) {
      Sql("INSERT INTO t SELECT g, 'x' FROM generate_series(" + std::to_string(i * 50) + ", " +
          std::to_string(i * 50 + 49) + ") g");
      std::this_thread::sleep_for(50ms);
    }
  });
  const std::string chromium =
      "chromium --headless --no-sandbox --disable-gpu --disable-background-networking "
      "--disable-component-update --disable-sync --disable-dev-shm-usage --hide-scrollbars "
      "--virtual-time-budget=5000 ";
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  // The endpoint measures events/s between its reads: one read now, the
  // browser's two seconds later (the browser runs on virtual time, so its
  // own polls come within milliseconds of each other).
  ASSERT_TRUE(http.Get("/status.json"));
  std::this_thread::sleep_for(2s);
  std::string dom;
  const int rc = RunCommand(chromium + "--dump-dom " + url + " 2>/dev/null", &dom);
  const std::string shot = std::string(WALCAST_BINARY_DIR) + "/status_page.png";
  std::remove(shot.c_str());
  std::string ignored;
  RunCommand(
      chromium + "--window-size=1280,1060 --screenshot=" + shot + " " + url + " >/dev/null 2>&1",
      &ignored);
  writing.store(false);
  writer.join();
  ASSERT_EQ(rc, 0) << "chromium failed: " << dom;

  // <b data-figure="events/s">123.4</b>: the page computed a rate from two
  // polls, so it ran its script against the live endpoint.
  auto figure = [&](const std::string& name) {
    const std::string tag = "data-figure=\"" + name + "\">";
    const size_t at = dom.find(tag);
    if (at == std::string::npos) return std::string();
    return dom.substr(at + tag.size(), dom.find('<', at) - at - tag.size());
  };
  EXPECT_NE(dom.find("streaming"), std::string::npos) << dom.substr(0, 2000);
  const std::string rate = figure("events/s");
  ASSERT_FALSE(rate.empty()) << dom.substr(0, 2000);
  EXPECT_GT(std::stod(rate), 0) << "events/s " << rate;
  EXPECT_NE(figure("events"), "0");
  EXPECT_NE(figure("state commits"), "0");
  // The metric index's totals and the bad profile's dead letter rendered.
  // (the largest totals; /status.json names the largest one)
  rapidjson::Document status;
  ASSERT_FALSE(status.Parse(http.Get("/status.json")->body.c_str()).HasParseError());
  const auto& top = status["pipelines"][0]["metrics"]["top"];
  ASSERT_GT(top.Size(), 0u);
  EXPECT_NE(dom.find("<td>" + std::string(top[0]["metric"].GetString()) + "</td>"),
            std::string::npos)
      << dom.substr(0, 4000);
  EXPECT_NE(dom.find("class=\"metric\""), std::string::npos);
  EXPECT_NE(dom.find("class=\"problem\""), std::string::npos);
  EXPECT_NE(dom.find("dead letter"), std::string::npos);
  EXPECT_EQ(dom.find("truncated"), std::string::npos);  // never the profile's text
  std::ifstream png(shot, std::ios::binary | std::ios::ate);
  EXPECT_GT(static_cast<int64_t>(png.tellg()), 10000) << shot;

  p->Signal(SIGTERM);
  EXPECT_EQ(p->Wait(30s), 0) << ReadFile(dir_ + "/run.err");
}

}  // namespace
}  // namespace walcast::testing
