#include "app/http_endpoint.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "app/prometheus_text.h"

namespace walcast::app {
namespace {

PipelineFigures Streaming(const std::string& name) {
  PipelineFigures p;
  p.name = name;
  p.database = "mosip_idrepo";
  p.slot = "walcast_" + name;
  p.state = "streaming";
  p.events[{"idrepo.anonymous_profile", 'c'}] = 7;
  p.events[{"idrepo.anonymous_profile", 'u'}] = 2;
  p.transactions = 5;
  p.received_bytes = 4096;
  p.watermark_lsn = 0x1000;
  p.confirmed_flush_lsn = 0x0F00;
  p.server_wal_end_lsn = 0x1800;
  p.lag_seconds = 0.25;
  LatencyHistogram h;
  h.Observe(std::chrono::milliseconds(3));
  h.Observe(std::chrono::milliseconds(30));
  p.ack_latency = h.Read();
  SinkFigures kafka{"kafka", {}};
  kafka.counters.reported = SinkCounters::kInFlight | SinkCounters::kAcked |
                            SinkCounters::kRetried | SinkCounters::kFailed |
                            SinkCounters::kDeadLettered;
  kafka.counters.in_flight = 3;
  kafka.counters.acked = 9;
  kafka.counters.retried = 2;
  kafka.counters.failed = 4;
  kafka.counters.dead_lettered = 1;
  p.sinks.push_back(kafka);
  SinkFigures out{"stdout", {}};
  out.counters.reported = SinkCounters::kAcked;
  out.counters.acked = 5;
  p.sinks.push_back(out);
  p.snapshot["idrepo.anonymous_profile"] = {100, 120};
  p.snapshot["idrepo.channel_info"] = {4, std::nullopt};
  return p;
}

// With metrics: their state figures, top metrics and a problem.
PipelineFigures WithMetrics(const std::string& name) {
  PipelineFigures p = Streaming(name);
  MetricStateFigures m;
  m.bad_profiles = 2;
  m.commits = 6;
  m.last_commit_seconds = 0.004;
  m.commit_seconds_total = 0.02;
  m.top.push_back({"idrepo_by_process", 40, 3, 25});
  m.top.push_back({"idrepo_by_gender", 38, 2, 20});
  p.metric_state = m;
  p.problems.push_back({1700000000000, "metrics", "dead_letter",
                        "2 row(s) the metrics could not use (invalid_json), table "
                        "idrepo.anonymous_profile, first at 0/16B3748",
                        1});
  return p;
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(PrometheusTextTest, CountersGaugesAndTheHistogramCarryPipelineLabels) {
  const std::string text = RenderPrometheus({Streaming("idrepo")});
  EXPECT_NE(text.find("# TYPE walcast_events_total counter"), std::string::npos) << text;
  EXPECT_NE(text.find("walcast_events_total{pipeline=\"idrepo\",table=\"idrepo.anonymous_profile\","
                      "op=\"create\"} 7"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("walcast_slot_lag_bytes{pipeline=\"idrepo\"} 2048"), std::string::npos);
  EXPECT_NE(text.find("walcast_sink_dead_letters_total{pipeline=\"idrepo\",sink=\"kafka\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("walcast_commit_to_ack_seconds_bucket{pipeline=\"idrepo\",le=\"0.005\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("walcast_commit_to_ack_seconds_bucket{pipeline=\"idrepo\",le=\"+Inf\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("walcast_commit_to_ack_seconds_count{pipeline=\"idrepo\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("walcast_snapshot_rows_read_total{pipeline=\"idrepo\","
                      "table=\"idrepo.anonymous_profile\"} 100"),
            std::string::npos);
  EXPECT_NE(text.find("walcast_pipeline_up{pipeline=\"idrepo\"} 1"), std::string::npos);
}

TEST(PrometheusTextTest, OnlyFiguresASinkKeepsAreExported) {
  const std::string text = RenderPrometheus({Streaming("idrepo")});
  EXPECT_TRUE(Has(text, "walcast_sink_in_flight{pipeline=\"idrepo\",sink=\"kafka\"} 3")) << text;
  EXPECT_TRUE(Has(text, "walcast_sink_retried_total{pipeline=\"idrepo\",sink=\"kafka\"} 2"));
  EXPECT_TRUE(Has(text, "walcast_sink_failed_total{pipeline=\"idrepo\",sink=\"kafka\"} 4"));
  EXPECT_TRUE(Has(text, "walcast_sink_acked_total{pipeline=\"idrepo\",sink=\"stdout\"} 5"));
  // stdout keeps no in-flight, retried or failed figure; no sink keeps a
  // queue here: no series at all rather than zeros.
  EXPECT_FALSE(Has(text, "walcast_sink_in_flight{pipeline=\"idrepo\",sink=\"stdout\"}"));
  EXPECT_FALSE(Has(text, "walcast_sink_failed_total{pipeline=\"idrepo\",sink=\"stdout\"}"));
  EXPECT_FALSE(Has(text, "walcast_sink_queued")) << text;
  // Without metrics there are no metric-state series either.
  EXPECT_FALSE(Has(text, "walcast_bad_profiles_total"));
  EXPECT_FALSE(Has(text, "walcast_metric_state_commits_total"));
}

TEST(PrometheusTextTest, SnapshotEstimatesAndMetricStateWhereKnown) {
  const std::string text = RenderPrometheus({WithMetrics("idrepo")});
  EXPECT_TRUE(Has(text,
                  "walcast_snapshot_rows_expected{pipeline=\"idrepo\","
                  "table=\"idrepo.anonymous_profile\"} 120"))
      << text;
  EXPECT_TRUE(Has(text,
                  "walcast_snapshot_rows_read_total{pipeline=\"idrepo\","
                  "table=\"idrepo.channel_info\"} 4"));
  EXPECT_FALSE(Has(text, "table=\"idrepo.channel_info\"} 0"));
  EXPECT_FALSE(Has(text,
                   "walcast_snapshot_rows_expected{pipeline=\"idrepo\","
                   "table=\"idrepo.channel_info\"}"));
  EXPECT_TRUE(Has(text, "walcast_bad_profiles_total{pipeline=\"idrepo\"} 2"));
  EXPECT_TRUE(Has(text, "walcast_metric_state_commits_total{pipeline=\"idrepo\"} 6"));
  EXPECT_TRUE(Has(text, "walcast_metric_state_commit_seconds{pipeline=\"idrepo\"} 0.004"));
  EXPECT_TRUE(Has(text, "walcast_metric_state_commit_seconds_total{pipeline=\"idrepo\"} 0.02"));
}

TEST(StatusJsonTest, ProblemsAndMetricTopFiguresAndOnlyKeptSinkFigures) {
  rapidjson::Document doc;
  const std::string json = StatusJson({WithMetrics("idrepo"), Streaming("other")});
  ASSERT_FALSE(doc.Parse(json.c_str()).HasParseError()) << json;
  const auto& p = doc["pipelines"][0];
  ASSERT_EQ(p["problems"].Size(), 1u);
  EXPECT_STREQ(p["problems"][0]["kind"].GetString(), "dead_letter");
  EXPECT_STREQ(p["problems"][0]["sink"].GetString(), "metrics");
  EXPECT_EQ(p["problems"][0]["unix_ms"].GetInt64(), 1700000000000);
  ASSERT_TRUE(p.HasMember("metrics"));
  EXPECT_EQ(p["metrics"]["bad_profiles"].GetUint64(), 2u);
  ASSERT_EQ(p["metrics"]["top"].Size(), 2u);
  EXPECT_STREQ(p["metrics"]["top"][0]["metric"].GetString(), "idrepo_by_process");
  EXPECT_EQ(p["metrics"]["top"][0]["total"].GetInt64(), 40);
  EXPECT_EQ(p["metrics"]["top"][0]["largest_bucket"].GetInt64(), 25);
  EXPECT_FALSE(doc["pipelines"][1].HasMember("metrics"));
  EXPECT_EQ(doc["pipelines"][1]["problems"].Size(), 0u);
  const auto& stdout_sink = p["sinks"][1];
  EXPECT_EQ(stdout_sink["acked"].GetUint64(), 5u);
  EXPECT_FALSE(stdout_sink.HasMember("in_flight"));
  EXPECT_EQ(p["sinks"][0]["failed"].GetUint64(), 4u);
  EXPECT_FALSE(p["snapshot"][1].HasMember("rows_expected"));
  EXPECT_EQ(p["snapshot"][0]["rows_expected"].GetUint64(), 120u);
}

TEST(ProbeUrlTest, TheConfiguredEndpointOverLoopback) {
  EXPECT_EQ(*ProbeUrl("127.0.0.1", 8080, "/readyz"), "http://127.0.0.1:8080/readyz");
  EXPECT_EQ(*ProbeUrl("0.0.0.0", 9000, "/healthz"), "http://127.0.0.1:9000/healthz");
  EXPECT_EQ(*ProbeUrl("::", 9000, "/readyz"), "http://[::1]:9000/readyz");
  EXPECT_EQ(*ProbeUrl("10.0.0.7", 81, "/"), "http://10.0.0.7:81/");
  EXPECT_EQ(ProbeUrl("127.0.0.1", 0, "/readyz").status().code(), Status::Code::kInvalidArgument);
}

TEST(ReadinessTest, EveryPipelineStreamingWithHealthySinks) {
  EXPECT_FALSE(ReadinessOf({}).ready);
  EXPECT_TRUE(ReadinessOf({Streaming("a"), Streaming("b")}).ready);
  PipelineFigures retrying = Streaming("b");
  retrying.state = "retrying";
  retrying.last_error = "connection refused";
  const Readiness r = ReadinessOf({Streaming("a"), retrying});
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.reason, "pipeline b is retrying: connection refused");
  PipelineFigures stuck = Streaming("c");
  stuck.sinks[0].counters.problem = "broker unreachable for 12 s";
  EXPECT_EQ(ReadinessOf({stuck}).reason, "pipeline c, sink kafka: broker unreachable for 12 s");
}

TEST(HttpEndpointTest, ServesProbesMetricsStatusAndThePage) {
  std::vector<PipelineFigures> figures;
  std::mutex mu;
  Result<std::unique_ptr<HttpEndpoint>> endpoint =
      HttpEndpoint::Start({"127.0.0.1", 0}, [&] {
        std::lock_guard lock(mu);
        return figures;
      });
  ASSERT_TRUE(endpoint.ok()) << endpoint.status().message();
  httplib::Client client("127.0.0.1", (*endpoint)->port());

  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  auto not_ready = client.Get("/readyz");
  ASSERT_TRUE(not_ready);
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_NE(not_ready->body.find("no pipeline"), std::string::npos);

  {
    std::lock_guard lock(mu);
    figures.push_back(Streaming("idrepo"));
  }
  auto ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);

  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics->body.find("walcast_transactions_total{pipeline=\"idrepo\"} 5"),
            std::string::npos);

  auto status = client.Get("/status.json");
  ASSERT_TRUE(status);
  rapidjson::Document doc;
  ASSERT_FALSE(doc.Parse(status->body.c_str()).HasParseError()) << status->body;
  ASSERT_TRUE(doc["ready"].GetBool());
  const auto& p = doc["pipelines"][0];
  EXPECT_STREQ(p["name"].GetString(), "idrepo");
  EXPECT_EQ(p["events_total"].GetUint64(), 9u);
  EXPECT_EQ(p["lag_bytes"].GetUint64(), 0x800u);
  EXPECT_EQ(p["sinks"][0]["acked"].GetUint64(), 9u);

  auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<canvas"), std::string::npos);
  EXPECT_EQ(page->body.find("http://"), std::string::npos);  // nothing loaded from elsewhere
  EXPECT_EQ(page->body.find("https://"), std::string::npos);
}

TEST(HttpEndpointTest, APortInUseIsAConfigurationError) {
  Result<std::unique_ptr<HttpEndpoint>> first =
      HttpEndpoint::Start({"127.0.0.1", 0}, [] { return std::vector<PipelineFigures>{}; });
  ASSERT_TRUE(first.ok());
  Result<std::unique_ptr<HttpEndpoint>> second = HttpEndpoint::Start(
      {"127.0.0.1", (*first)->port()}, [] { return std::vector<PipelineFigures>{}; });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(second.status().message().find("cannot listen"), std::string::npos);
}

}  // namespace
}  // namespace walcast::app

namespace walcast::app {
namespace {

TEST(EventRateTest, RateOverTheSpanBackToASampleAtLeastAWindowOld) {
  using std::chrono::milliseconds;
  EventRate rate(milliseconds(1000));
  const auto t0 = std::chrono::steady_clock::time_point() + std::chrono::hours(1);
  auto at = [](uint64_t events) {
    PipelineFigures p;
    p.name = "a";
    p.events[{"s.t", 'c'}] = events;
    return std::vector<PipelineFigures>{p};
  };
  auto first = at(100);
  rate.Update(t0, &first);
  EXPECT_EQ(first[0].events_per_second, 0);  // one read: no rate yet
  auto soon = at(150);
  rate.Update(t0 + milliseconds(10), &soon);  // nothing a window old: the oldest
  EXPECT_DOUBLE_EQ(soon[0].events_per_second, 5000);
  auto later = at(400);
  rate.Update(t0 + milliseconds(2000), &later);  // back to t0 + 10 ms, within the window rule
  EXPECT_NEAR(later[0].events_per_second, 250.0 / 1.99, 1e-9);
  auto restarted = at(5);  // a new attempt counts from zero
  rate.Update(t0 + milliseconds(2100), &restarted);
  EXPECT_EQ(restarted[0].events_per_second, 0);
}

}  // namespace
}  // namespace walcast::app
