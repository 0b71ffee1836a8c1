#include "sinks/elasticsearch/bulk_request.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace walcast::sinks::elasticsearch {
namespace {

using std::chrono::milliseconds;
using TimePoint = std::chrono::steady_clock::time_point;

TEST(BulkRequestTest, WritesIndexAndDeleteLinesWithExternalVersions) {
  BulkRequestBuilder builder;
  ASSERT_TRUE(
      builder.Index("mosip.idrepo.anonymous_profile", "6c1d", R"({"id":"6c1d","n":1})", 42).ok());
  ASSERT_TRUE(builder.Delete("mosip.idrepo.anonymous_profile", "77", 43, "r1").ok());
  ASSERT_TRUE(builder.Index("metrics", "m1", R"({"v":2})", std::nullopt).ok());
  const BulkRequest request = builder.Take();
  EXPECT_EQ(
      request.body(),
      R"({"index":{"_index":"mosip.idrepo.anonymous_profile","_id":"6c1d","version":42,"version_type":"external"}})"
      "\n"
      R"({"id":"6c1d","n":1})"
      "\n"
      R"({"delete":{"_index":"mosip.idrepo.anonymous_profile","_id":"77","version":43,"version_type":"external","routing":"r1"}})"
      "\n"
      R"({"index":{"_index":"metrics","_id":"m1"}})"
      "\n"
      R"({"v":2})"
      "\n");
  ASSERT_EQ(request.size(), 3u);
  EXPECT_EQ(request.action(0),
            (BulkAction{BulkOp::kIndex, "mosip.idrepo.anonymous_profile", "6c1d", 42, ""}));
  EXPECT_EQ(request.action(1),
            (BulkAction{BulkOp::kDelete, "mosip.idrepo.anonymous_profile", "77", 43, "r1"}));
  EXPECT_EQ(request.action(2).version, std::nullopt);
}

TEST(BulkRequestTest, WritesPartialUpdatesWithTheirVersionKeptInTheAction) {
  BulkRequestBuilder builder;
  ASSERT_TRUE(builder.Update("p", "6c1d", "{\"n\":2,\n\"s\":\"x\"}", 42).ok());
  EXPECT_EQ(builder.Update("p", "6c1d", "", 42).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(builder.Update("p", "6c1d", "{}", -1).code(), Status::Code::kInvalidArgument);
  const BulkRequest request = builder.Take();
  // `_bulk` updates take no external version: the worker resolves it
  // (ResolvePartialUpdates). No upsert: a missing document stays missing.
  EXPECT_EQ(request.body(),
            R"({"update":{"_index":"p","_id":"6c1d","retry_on_conflict":3}})"
            "\n"
            R"({"doc":{"n":2, "s":"x"}})"
            "\n");
  ASSERT_EQ(request.size(), 1u);
  EXPECT_EQ(request.action(0).op, BulkOp::kUpdate);
  EXPECT_EQ(request.action(0).version, 42);
  EXPECT_EQ(request.Source(0), R"({"doc":{"n":2, "s":"x"}})");
}

TEST(BulkRequestTest, CopyKeepsAnActionsLines) {
  BulkRequestBuilder from;
  ASSERT_TRUE(from.Delete("p", "1", 7).ok());
  ASSERT_TRUE(from.Index("p", "2", R"({"v":1})", 8).ok());
  const BulkRequest source = from.Take();
  BulkRequestBuilder to;
  to.Copy(source, 1);
  to.Copy(source, 0);
  const BulkRequest copied = to.Take();
  ASSERT_EQ(copied.size(), 2u);
  EXPECT_EQ(copied.action(0), source.action(1));
  EXPECT_EQ(copied.action(1), source.action(0));
  EXPECT_EQ(copied.Source(0), R"({"v":1})");
  EXPECT_EQ(copied.body().size(), source.body().size());
}

TEST(BulkRequestTest, ExternalGteVersions) {
  BulkRequestBuilder builder({}, VersionType::kExternalGte);
  ASSERT_TRUE(builder.Index("i", "1", "{}", 7).ok());
  ASSERT_TRUE(builder.Delete("i", "1", 7).ok());
  ASSERT_TRUE(builder.Index("dlq", "x", "{}", std::nullopt).ok());
  const BulkRequest request = builder.Take();
  EXPECT_EQ(request.body(),
            R"({"index":{"_index":"i","_id":"1","version":7,"version_type":"external_gte"}})"
            "\n{}\n"
            R"({"delete":{"_index":"i","_id":"1","version":7,"version_type":"external_gte"}})"
            "\n"
            R"({"index":{"_index":"dlq","_id":"x"}})"
            "\n{}\n");
  EXPECT_EQ(request.action(1).version_type, VersionType::kExternalGte);
}

TEST(BulkRequestTest, EscapesIdsAndFlattensLineBreaksInDocuments) {
  BulkRequestBuilder builder;
  ASSERT_TRUE(builder.Index("i", "a\"b\\c\n", "{\n  \"text\": \"x\\ny\"\r\n}", 1).ok());
  EXPECT_EQ(builder.Take().body(),
            R"({"index":{"_index":"i","_id":"a\"b\\c\n","version":1,"version_type":"external"}})"
            "\n"
            R"({   "text": "x\ny"  })"
            "\n");
}

TEST(BulkRequestTest, RejectsEmptyNamesDocumentsAndNegativeVersions) {
  BulkRequestBuilder builder;
  EXPECT_EQ(builder.Index("", "1", "{}", 1).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(builder.Index("i", "", "{}", 1).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(builder.Index("i", "1", "", 1).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(builder.Delete("i", "1", -1).code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(builder.empty());
  EXPECT_EQ(builder.bytes(), 0u);
}

TEST(BulkRequestTest, TracksCountBytesAndAgeForFlushing) {
  TimePoint now{};
  BulkRequestBuilder builder([&now] { return now; });
  const BulkLimits limits{.max_actions = 3, .max_bytes = 1000, .max_age = milliseconds(500)};
  EXPECT_FALSE(builder.Due(limits, now + std::chrono::hours(1)));  // empty is never due

  now += milliseconds(100);
  ASSERT_TRUE(builder.Index("i", "1", R"({"a":1})", 1).ok());
  EXPECT_EQ(builder.count(), 1u);
  const size_t one = builder.bytes();
  EXPECT_EQ(one, std::string(
                     R"({"index":{"_index":"i","_id":"1","version":1,"version_type":"external"}})")
                         .size() +
                     1 + 7 + 1);
  EXPECT_FALSE(builder.Due(limits, now + milliseconds(499)));
  EXPECT_TRUE(builder.Due(limits, now + milliseconds(500)));  // age counts from the first action

  now += milliseconds(300);
  ASSERT_TRUE(builder.Delete("i", "2", 2).ok());
  EXPECT_FALSE(builder.Full(limits));
  EXPECT_TRUE(builder.Due(limits, TimePoint{} + milliseconds(600)));
  ASSERT_TRUE(builder.Delete("i", "3", 3).ok());
  EXPECT_TRUE(builder.Full(limits));  // max_actions

  const BulkRequest taken = builder.Take();
  EXPECT_EQ(taken.size(), 3u);
  EXPECT_TRUE(builder.empty());
  EXPECT_EQ(builder.bytes(), 0u);
  EXPECT_FALSE(builder.Due(limits, now + std::chrono::hours(1)));

  // A new batch starts its own clock; max_bytes makes it full.
  now += milliseconds(1000);
  ASSERT_TRUE(builder.Index("i", "4", "{\"pad\":\"" + std::string(1000, 'x') + "\"}", 4).ok());
  EXPECT_TRUE(builder.Full(limits));
  EXPECT_TRUE(builder.Due(limits, now));
}

TEST(BulkRequestTest, SelectKeepsTheChosenActionsLinesAndOrder) {
  BulkRequestBuilder builder;
  ASSERT_TRUE(builder.Index("i", "1", R"({"n":1})", 1).ok());
  ASSERT_TRUE(builder.Delete("i", "2", 2).ok());
  ASSERT_TRUE(builder.Index("i", "3", R"({"n":3})", 3).ok());
  const BulkRequest all = builder.Take();
  const BulkRequest some = all.Select({0, 2});
  ASSERT_EQ(some.size(), 2u);
  EXPECT_EQ(some.action(0).id, "1");
  EXPECT_EQ(some.action(1).id, "3");
  EXPECT_EQ(some.body(),
            R"({"index":{"_index":"i","_id":"1","version":1,"version_type":"external"}})"
            "\n"
            R"({"n":1})"
            "\n"
            R"({"index":{"_index":"i","_id":"3","version":3,"version_type":"external"}})"
            "\n"
            R"({"n":3})"
            "\n");
  EXPECT_EQ(some.Select({1}).action(0).id, "3");
  EXPECT_EQ(all.Source(0), R"({"n":1})");
  EXPECT_EQ(all.Source(1), "");  // a delete has no document
  EXPECT_EQ(some.Source(1), R"({"n":3})");
  EXPECT_TRUE(all.Select({}).empty());
  EXPECT_EQ(all.Select({}).body(), "");
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
