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
  kafka.counters.acked = 9;
  kafka.counters.dead_lettered = 1;
  p.sinks.push_back(kafka);
  p.snapshot["idrepo.anonymous_profile"] = {100, 120};
  return p;
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
