#include "sinks/elasticsearch/http_status.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace walcast::sinks::elasticsearch {
namespace {

using Code = Status::Code;

struct Row {
  long status;
  Code code;
  bool retry;
};

// docs/elasticsearch.md §3's table: one code and one retry decision per
// status, for every request of the client.
TEST(HttpStatusTest, EachStatusHasOneCodeAndOneRetryDecision) {
  const std::vector<Row> table = {
      {200, Code::kOk, false},
      {201, Code::kOk, false},
      {0, Code::kUnavailable, true},  // no answer
      {301, Code::kInvalidArgument, false},
      {400, Code::kInvalidArgument, false},
      {401, Code::kPermissionDenied, false},
      {403, Code::kPermissionDenied, false},
      {404, Code::kNotFound, false},
      {405, Code::kInternal, false},
      {408, Code::kTimeout, true},
      {409, Code::kRejected, false},
      {413, Code::kInvalidArgument, false},
      {429, Code::kUnavailable, true},
      {500, Code::kUnavailable, true},
      {502, Code::kUnavailable, true},
      {503, Code::kUnavailable, true},
      {504, Code::kTimeout, true},
  };
  for (const Row& row : table) {
    EXPECT_EQ(CodeFromHttp(row.status), row.code) << "HTTP " << row.status;
    const Status status = StatusFromHttp(HttpResponse{row.status, "{}"}, "GET /");
    EXPECT_EQ(status.code(), row.code) << "HTTP " << row.status;
    EXPECT_EQ(status.IsRetryable(), row.retry) << "HTTP " << row.status;
  }
}

TEST(HttpStatusTest, ATransportFailurePassesThrough) {
  for (const Status& failure :
       {Status::Unavailable("connection refused"), Status::Timeout("operation timed out"),
        Status::Fatal("SSL certificate problem")}) {
    const Result<HttpResponse> answer(failure);
    EXPECT_EQ(StatusFromHttp(answer, "GET /"), failure);
  }
  const Result<HttpResponse> ok(HttpResponse{200, "{}"});
  EXPECT_TRUE(StatusFromHttp(ok, "GET /").ok());
}

TEST(HttpStatusTest, MessageHasTheErrorTypeAndTheReasonOnlyWhenAsked) {
  const HttpResponse refused{
      400, R"({"error":{"type":"mapper_parsing_exception","reason":"value [secret]"},"status":400})"};
  const Status omitted = StatusFromHttp(refused, "search of i");
  EXPECT_EQ(omitted.message(),
            "elasticsearch: search of i answered HTTP 400 (mapper_parsing_exception)");
  const Status included = StatusFromHttp(refused, "PUT /_index_template/t", ServerReason::kInclude);
  EXPECT_EQ(included.message(),
            "elasticsearch: PUT /_index_template/t answered HTTP 400 (mapper_parsing_exception): "
            "value [secret]");
  // A proxy's page or an old node's plain string: no type to quote.
  EXPECT_EQ(StatusFromHttp(HttpResponse{502, "<html>Bad Gateway</html>"}, "POST /_bulk").message(),
            "elasticsearch: POST /_bulk answered HTTP 502");
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
