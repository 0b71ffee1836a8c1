#include "sinks/elasticsearch/bulk_client.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/sinks/elasticsearch/scripted_transport.h"

namespace walcast::sinks::elasticsearch {
namespace {

using std::chrono::milliseconds;

// A client over `transport` with waits recorded, not slept, and the highest
// jitter draw, so each wait equals its ceiling: 10, 20, 40, 80, 80, … ms.
class BulkClientTest : public ::testing::Test {
 protected:
  BulkClient Client(int max_attempts = -1) {
    return BulkClient(
        transport_,
        {.backoff = {.initial = milliseconds(10), .max = milliseconds(80)},
         .max_attempts = max_attempts},
        [] { return 0.999999; }, [this](milliseconds d) { waits_.push_back(d.count()); });
  }

  static BulkRequest ThreeIndexActions() {
    BulkRequestBuilder builder;
    for (int i = 1; i <= 3; ++i) {
      EXPECT_TRUE(
          builder.Index("p", std::to_string(i), "{\"n\":" + std::to_string(i) + "}", i).ok());
    }
    return builder.Take();
  }

  ScriptedTransport transport_;
  std::vector<int64_t> waits_;
};

TEST_F(BulkClientTest, PostsNdjsonToBulkOnce) {
  const BulkRequest request = ThreeIndexActions();
  transport_.Answer(200, R"({"errors":false,"items":[{"index":{"status":201}},
                       {"index":{"status":201}},{"index":{"status":200}}]})");
  BulkClient client = Client();
  const Result<BulkResult> result = client.Send(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->attempts, 1);
  EXPECT_TRUE(result->Rejected().empty());
  ASSERT_EQ(transport_.requests().size(), 1u);
  const ScriptedTransport::Request& sent = transport_.requests()[0];
  EXPECT_EQ(sent.method, HttpMethod::kPost);
  EXPECT_TRUE(sent.path.starts_with("/_bulk?")) << sent.path;
  EXPECT_EQ(sent.type, ContentType::kNdjson);
  EXPECT_EQ(sent.body, request.body());
  EXPECT_TRUE(waits_.empty());
}

TEST_F(BulkClientTest, EmptyRequestSendsNothing) {
  BulkClient client = Client();
  const Result<BulkResult> result = client.Send(BulkRequest());
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->attempts, 0);
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(BulkClientTest, RetriesConnectionErrorsTimeoutsAnd429And5xxWithGrowingWaits) {
  const BulkRequest request = ThreeIndexActions();
  transport_.Fail(Status::Unavailable("connection refused"));
  transport_.Fail(Status::Timeout("operation timed out"));
  transport_.Answer(429, R"({"error":{"type":"es_rejected_execution_exception"},"status":429})");
  transport_.Answer(503, R"({"error":{"type":"master_not_discovered_exception"},"status":503})");
  transport_.Answer(502, "<html>Bad Gateway</html>");
  transport_.Answer(200, R"({"items":[{"index":{"status":201}},{"index":{"status":201}},
                                      {"index":{"status":201}}]})");
  BulkClient client = Client();
  const Result<BulkResult> result = client.Send(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->attempts, 6);
  EXPECT_EQ(waits_, (std::vector<int64_t>{10, 20, 40, 80, 80}));
  for (const auto& sent : transport_.requests()) EXPECT_EQ(sent.body, request.body());
}

TEST_F(BulkClientTest, ResendsOnlyRetryableItems) {
  const BulkRequest request = ThreeIndexActions();
  transport_.Answer(200, R"({"errors":true,"items":[
      {"index":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}},
      {"index":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"bad"}}},
      {"index":{"status":503,"error":{"type":"unavailable_shards_exception","reason":"primary"}}}]})");
  transport_.Answer(200, R"({"errors":true,"items":[
      {"index":{"status":201,"_version":1}},
      {"index":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"again"}}}]})");
  transport_.Answer(200, R"({"errors":true,"items":[
      {"index":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"newer"}}}]})");
  BulkClient client = Client();
  const Result<BulkResult> result = client.Send(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->attempts, 3);
  ASSERT_EQ(result->items.size(), 3u);
  EXPECT_EQ(result->items[0].disposition, ItemDisposition::kApplied);
  EXPECT_EQ(result->items[0].version, 1);
  EXPECT_EQ(result->items[1].disposition, ItemDisposition::kRejected);
  EXPECT_EQ(result->items[1].error_type, "mapper_parsing_exception");
  // Its first send did arrive after all: a newer-or-equal version is there.
  EXPECT_EQ(result->items[2].disposition, ItemDisposition::kSuperseded);
  EXPECT_EQ(result->Rejected(), std::vector<size_t>{1});

  ASSERT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(transport_.requests()[1].body, request.Select({0, 2}).body());
  EXPECT_EQ(transport_.requests()[2].body, request.Select({2}).body());
  // Each answer made progress, so each wait starts from the initial backoff.
  EXPECT_EQ(waits_, (std::vector<int64_t>{10, 10}));
}

TEST_F(BulkClientTest, GivesUpAfterMaxAttemptsWithTheLastFailure) {
  transport_.Fail(Status::Unavailable("connection refused"));
  transport_.Answer(503, "{}");
  transport_.Answer(503, "{}");
  BulkClient client = Client(3);
  const Result<BulkResult> result = client.Send(ThreeIndexActions());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(result.status().message().find("503"), std::string::npos) << result.status().message();
  EXPECT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(waits_.size(), 2u);
}

TEST_F(BulkClientTest, KeepGoingFalseStopsBeforeWaiting) {
  transport_.Fail(Status::Timeout("operation timed out"));
  BulkClient client = Client();
  const Result<BulkResult> result = client.Send(ThreeIndexActions(), [] { return false; });
  EXPECT_EQ(result.status().code(), Status::Code::kTimeout);
  EXPECT_EQ(transport_.requests().size(), 1u);
  EXPECT_TRUE(waits_.empty());
}

TEST_F(BulkClientTest, PermanentRequestErrorsAreNotRetried) {
  const std::vector<std::pair<long, Status::Code>> cases = {
      {401, Status::Code::kPermissionDenied}, {403, Status::Code::kPermissionDenied},
      {413, Status::Code::kInvalidArgument},  {400, Status::Code::kInvalidArgument},
      {404, Status::Code::kNotFound},         {409, Status::Code::kRejected},
  };
  for (const auto& [http_status, code] : cases) {
    ScriptedTransport transport;
    transport.Answer(http_status, R"({"error":"nope"})");
    BulkClient client(
        transport, {}, [] { return 0.0; }, [](milliseconds) {});
    EXPECT_EQ(client.Send(ThreeIndexActions()).status().code(), code) << "HTTP " << http_status;
    EXPECT_EQ(transport.requests().size(), 1u);
  }
}

TEST_F(BulkClientTest, FatalTransportErrorsAndCorruptAnswersAreNotRetried) {
  transport_.Fail(Status::Fatal("SSL certificate problem: unable to get local issuer certificate"));
  BulkClient client = Client();
  EXPECT_EQ(client.Send(ThreeIndexActions()).status().code(), Status::Code::kFatal);

  transport_.Answer(200, R"({"items":[{"index":{"status":201}}]})");  // one item for three
  EXPECT_EQ(client.Send(ThreeIndexActions()).status().code(), Status::Code::kCorruption);
  EXPECT_EQ(transport_.requests().size(), 2u);
  EXPECT_TRUE(waits_.empty());
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
