#include "sinks/elasticsearch/partial_update.h"

#include <gtest/gtest.h>

#include "tests/unit/sinks/elasticsearch/scripted_transport.h"

namespace walcast::sinks::elasticsearch {
namespace {

BulkRequest OneUpdate(const std::string& id, const std::string& partial) {
  BulkRequestBuilder builder({}, VersionType::kExternalGte);
  EXPECT_TRUE(builder.Update("p", id, partial, 7).ok());
  EXPECT_TRUE(builder.Delete("p", "other", 7).ok());
  return builder.Take();
}

TEST(PartialUpdateTest, MergesTheFieldsIntoTheStoredDocumentAndKeepsTheOthers) {
  ScriptedTransport transport;
  transport.Answer(200, R"({"_id":"a|b","_version":3,"found":true,)"
                        R"("_source":{"v":1,"big":"kept","o":{"x":1}}})");
  const Result<BulkRequest> resolved =
      ResolvePartialUpdates(transport, OneUpdate("a|b", R"({"v":2,"n":null})"));
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  ASSERT_EQ(transport.requests().size(), 1u);
  EXPECT_EQ(transport.requests()[0].path, "/p/_doc/a%7Cb?_source=true");
  EXPECT_EQ(resolved->body(),
            R"({"index":{"_index":"p","_id":"a|b","version":7,"version_type":"external_gte"}})"
            "\n"
            R"({"v":2,"big":"kept","o":{"x":1},"n":null})"
            "\n"
            R"({"delete":{"_index":"p","_id":"other","version":7,"version_type":"external_gte"}})"
            "\n");
}

TEST(PartialUpdateTest, MissingDocumentOrIndexKeepsTheUpdate) {
  for (const char* answer : {R"({"_id":"a","found":false})",
                             R"({"error":{"type":"index_not_found_exception"},"status":404})"}) {
    ScriptedTransport transport;
    transport.Answer(404, answer);
    const BulkRequest request = OneUpdate("a", R"({"v":2})");
    const Result<BulkRequest> resolved = ResolvePartialUpdates(transport, request);
    ASSERT_TRUE(resolved.ok());
    EXPECT_EQ(resolved->body(), request.body());
    EXPECT_EQ(resolved->action(0).op, BulkOp::kUpdate);
  }
}

TEST(PartialUpdateTest, ReadErrorsKeepTheirCode) {
  ScriptedTransport transport;
  transport.Fail(Status::Unavailable("refused"));
  EXPECT_EQ(ResolvePartialUpdates(transport, OneUpdate("a", "{}")).status().code(),
            Status::Code::kUnavailable);
  transport.Answer(503, "{}");
  EXPECT_EQ(ResolvePartialUpdates(transport, OneUpdate("a", "{}")).status().code(),
            Status::Code::kUnavailable);
  transport.Answer(403, "{}");
  EXPECT_EQ(ResolvePartialUpdates(transport, OneUpdate("a", "{}")).status().code(),
            Status::Code::kPermissionDenied);
  transport.Answer(200, "not json");
  EXPECT_EQ(ResolvePartialUpdates(transport, OneUpdate("a", "{}")).status().code(),
            Status::Code::kCorruption);
}

TEST(PartialUpdateTest, PathSegmentsArePercentEncoded) {
  EXPECT_EQ(EscapePathSegment("6c1d-AZ_09.~"), "6c1d-AZ_09.~");
  EXPECT_EQ(EscapePathSegment("a b/c?d\\|é"), "a%20b%2Fc%3Fd%5C%7C%C3%A9");
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
