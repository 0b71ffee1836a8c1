// ElasticsearchMetricWriter (app/metrics_factory.h): metric documents and
// dead letters go to their indices in bulk requests of bounded size, and the
// write is reported once, when every request is over.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/metrics_factory.h"
#include "tests/unit/sinks/elasticsearch/scripted_transport.h"

namespace walcast::app {
namespace {

using metrics::MetricDocument;
using sinks::elasticsearch::ScriptedTransport;

std::string BulkOk(int items) {
  std::string out = R"({"errors":false,"items":[)";
  for (int i = 0; i < items; ++i) out += std::string(i ? "," : "") + R"({"index":{"status":201}})";
  return out + "]}";
}

MetricDocument Doc(MetricDocument::Kind kind, int n) {
  // Metric documents carry the committed position as their version.
  return {kind, "id" + std::to_string(n), R"({"n":)" + std::to_string(n) + "}",
          kind == MetricDocument::Kind::kMetric ? 0x16B3748u : 0u};
}

// The writer's single `done` call.
struct Outcome {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Status> calls;
  std::function<void(Status)> Callback() {
    return [this](Status s) {
      std::lock_guard lock(mu);
      calls.push_back(std::move(s));
      cv.notify_all();
    };
  }
  bool Wait() {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return !calls.empty(); });
  }
};

ElasticsearchMetricWriter::Options WriterOptions(std::string dead_letters = "w.walcast.dead_letter") {
  ElasticsearchMetricWriter::Options o;
  o.metrics_index = "w.metrics.anon_profile";
  o.dead_letter_index = std::move(dead_letters);
  o.max_actions = 2;
  return o;
}

TEST(ElasticsearchMetricWriterTest, SplitsIntoBoundedRequestsAndReportsOnce) {
  auto transport = std::make_unique<ScriptedTransport>();
  ScriptedTransport* script = transport.get();
  script->Answer(200, BulkOk(2));
  script->Answer(200, BulkOk(2));
  script->Answer(200, BulkOk(1));
  Outcome outcome;
  ElasticsearchMetricWriter writer(std::move(transport), WriterOptions());
  writer.Write({Doc(MetricDocument::Kind::kMetric, 1), Doc(MetricDocument::Kind::kMetric, 2),
                Doc(MetricDocument::Kind::kMetric, 3), Doc(MetricDocument::Kind::kDeadLetter, 4),
                Doc(MetricDocument::Kind::kMetric, 5)},
               outcome.Callback());
  ASSERT_TRUE(outcome.Wait());
  EXPECT_EQ(writer.stats().items, 5u);
  ASSERT_EQ(outcome.calls.size(), 1u);
  EXPECT_TRUE(outcome.calls[0].ok()) << outcome.calls[0].ToString();
  ASSERT_EQ(script->requests().size(), 3u);
  std::string all;
  for (const auto& r : script->requests()) {
    EXPECT_EQ(r.path.rfind("/_bulk", 0), 0u) << r.path;
    all += r.body;
  }
  // Full replaces by _id, metric documents versioned (>=) by their
  // position; the dead letter in its own index, unversioned.
  EXPECT_NE(all.find(R"({"index":{"_index":"w.metrics.anon_profile","_id":"id1",)"
                     R"("version":23803720,"version_type":"external_gte"}})"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find(R"({"index":{"_index":"w.walcast.dead_letter","_id":"id4"}})"),
            std::string::npos)
      << all;
}

TEST(ElasticsearchMetricWriterTest, AnOutageIsWaitedOut) {
  auto transport = std::make_unique<ScriptedTransport>();
  ScriptedTransport* script = transport.get();
  script->Answer(503, R"({"error":"unavailable"})");
  script->Answer(200, BulkOk(1));
  ElasticsearchMetricWriter::Options options = WriterOptions();
  options.worker.client.backoff.initial = std::chrono::milliseconds(1);
  Outcome outcome;
  ElasticsearchMetricWriter writer(std::move(transport), options);
  writer.Write({Doc(MetricDocument::Kind::kMetric, 1)}, outcome.Callback());
  ASSERT_TRUE(outcome.Wait());
  EXPECT_TRUE(outcome.calls[0].ok()) << outcome.calls[0].ToString();
  EXPECT_EQ(script->requests().size(), 2u);
}

TEST(ElasticsearchMetricWriterTest, ADeadLetterWithoutADeadLetterIndexStops) {
  auto transport = std::make_unique<ScriptedTransport>();
  ScriptedTransport* script = transport.get();
  Outcome outcome;
  ElasticsearchMetricWriter writer(std::move(transport), WriterOptions(""));
  writer.Write({Doc(MetricDocument::Kind::kMetric, 1), Doc(MetricDocument::Kind::kDeadLetter, 2)},
               outcome.Callback());
  ASSERT_TRUE(outcome.Wait());
  ASSERT_EQ(outcome.calls.size(), 1u);
  EXPECT_EQ(outcome.calls[0].code(), Status::Code::kFatal);
  EXPECT_NE(outcome.calls[0].message().find("dead.letter"), std::string::npos);
  EXPECT_TRUE(script->requests().empty());
}

TEST(ElasticsearchMetricWriterTest, ARefusedCredentialIsReportedNotRetried) {
  auto transport = std::make_unique<ScriptedTransport>();
  ScriptedTransport* script = transport.get();
  script->Answer(401, R"({"error":"unauthorized"})");
  Outcome outcome;
  ElasticsearchMetricWriter writer(std::move(transport), WriterOptions());
  writer.Write({Doc(MetricDocument::Kind::kMetric, 1)}, outcome.Callback());
  ASSERT_TRUE(outcome.Wait());
  EXPECT_FALSE(outcome.calls[0].ok());
  EXPECT_FALSE(outcome.calls[0].IsRetryable()) << outcome.calls[0].ToString();
}

}  // namespace
}  // namespace walcast::app
