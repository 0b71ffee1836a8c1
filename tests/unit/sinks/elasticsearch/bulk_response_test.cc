#include "sinks/elasticsearch/bulk_response.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace walcast::sinks::elasticsearch {
namespace {

BulkRequest Request(const std::vector<std::pair<BulkOp, std::optional<int64_t>>>& actions) {
  BulkRequestBuilder builder;
  int id = 0;
  for (const auto& [op, version] : actions) {
    const std::string key = std::to_string(++id);
    const Status s = op == BulkOp::kIndex ? builder.Index("p", key, "{}", version)
                                          : builder.Delete("p", key, version);
    EXPECT_TRUE(s.ok());
  }
  return builder.Take();
}

TEST(BulkResponseTest, AllItemsApplied) {
  const BulkRequest request = Request({{BulkOp::kIndex, 5}, {BulkOp::kDelete, 6}});
  // A full answer, as Elasticsearch 7.17 writes it without filter_path.
  const Result<std::vector<BulkItemResult>> items = ParseBulkResponse(
      R"({"took":30,"errors":false,"items":[
        {"index":{"_index":"p","_type":"_doc","_id":"1","_version":5,"result":"created",
                  "_shards":{"total":2,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1,
                  "status":201}},
        {"delete":{"_index":"p","_type":"_doc","_id":"2","_version":6,"result":"deleted",
                   "status":200}}]})",
      request);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].status, 201);
  EXPECT_EQ((*items)[0].disposition, ItemDisposition::kApplied);
  EXPECT_EQ((*items)[0].version, 5);
  EXPECT_TRUE((*items)[0].error_type.empty());
  EXPECT_EQ((*items)[1].disposition, ItemDisposition::kApplied);
  EXPECT_TRUE((*items)[1].done());
}

TEST(BulkResponseTest, PartialFailureMapsEachItemToItsAction) {
  const BulkRequest request = Request(
      {{BulkOp::kIndex, 1}, {BulkOp::kIndex, 2}, {BulkOp::kIndex, 3}, {BulkOp::kDelete, 4}});
  const Result<std::vector<BulkItemResult>> items = ParseBulkResponse(
      R"({"errors":true,"items":[
        {"index":{"status":201,"_version":1}},
        {"index":{"status":400,"error":{"type":"mapper_parsing_exception",
          "reason":"failed to parse field [yearOfBirth] of type [integer] in document with id '2'",
          "caused_by":{"type":"number_format_exception","reason":"For input string: \"abc\""}}}},
        {"index":{"status":429,"error":{"type":"es_rejected_execution_exception",
          "reason":"rejected execution of coordinating operation"}}},
        {"delete":{"status":404,"_version":4,"result":"not_found"}}]})",
      request);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items->size(), 4u);
  EXPECT_EQ((*items)[0].disposition, ItemDisposition::kApplied);
  EXPECT_EQ((*items)[1].disposition, ItemDisposition::kRejected);
  EXPECT_FALSE((*items)[1].done());
  EXPECT_EQ((*items)[1].status, 400);
  EXPECT_EQ((*items)[1].error_type, "mapper_parsing_exception");
  EXPECT_EQ((*items)[1].error_reason,
            "failed to parse field [yearOfBirth] of type [integer] in document with id '2'; "
            "caused by number_format_exception: For input string: \"abc\"");
  EXPECT_EQ((*items)[2].disposition, ItemDisposition::kRetryable);
  EXPECT_EQ((*items)[2].error_type, "es_rejected_execution_exception");
  EXPECT_EQ((*items)[3].disposition, ItemDisposition::kAlreadyDeleted);
  EXPECT_TRUE((*items)[3].done());
}

TEST(BulkResponseTest, ExternalVersionConflictIsSuperseded) {
  const BulkRequest request = Request({{BulkOp::kIndex, 7}, {BulkOp::kDelete, 7}});
  const Result<std::vector<BulkItemResult>> items = ParseBulkResponse(
      R"({"errors":true,"items":[
        {"index":{"status":409,"error":{"type":"version_conflict_engine_exception",
          "reason":"[1]: version conflict, current version [9] is higher or equal to the one provided [7]"}}},
        {"delete":{"status":409,"error":{"type":"version_conflict_engine_exception",
          "reason":"[2]: version conflict, current version [7] is higher or equal to the one provided [7]"}}}]})",
      request);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  EXPECT_EQ((*items)[0].disposition, ItemDisposition::kSuperseded);
  EXPECT_EQ((*items)[1].disposition, ItemDisposition::kSuperseded);
  EXPECT_TRUE((*items)[0].done());
  EXPECT_EQ((*items)[0].error_type, "version_conflict_engine_exception");
}

TEST(BulkResponseTest, ClassifiesByStatusAndVersioning) {
  const BulkAction versioned{BulkOp::kIndex, "p", "1", 3, ""};
  const BulkAction unversioned{BulkOp::kIndex, "p", "1", std::nullopt, ""};
  const BulkAction del{BulkOp::kDelete, "p", "1", 3, ""};
  EXPECT_EQ(ClassifyItem(200, "", versioned), ItemDisposition::kApplied);
  EXPECT_EQ(ClassifyItem(201, "", unversioned), ItemDisposition::kApplied);
  // A conflict without a version is not "already newer": some other writer.
  EXPECT_EQ(ClassifyItem(409, "version_conflict_engine_exception", unversioned),
            ItemDisposition::kRejected);
  EXPECT_EQ(ClassifyItem(429, "circuit_breaking_exception", versioned),
            ItemDisposition::kRetryable);
  EXPECT_EQ(ClassifyItem(500, "", versioned), ItemDisposition::kRetryable);
  EXPECT_EQ(ClassifyItem(503, "unavailable_shards_exception", del), ItemDisposition::kRetryable);
  // The whole request's retry decision (CodeFromHttp) holds per item too.
  EXPECT_EQ(ClassifyItem(408, "", versioned), ItemDisposition::kRetryable);
  EXPECT_EQ(ClassifyItem(504, "", versioned), ItemDisposition::kRetryable);
  EXPECT_EQ(ClassifyItem(400, "mapper_parsing_exception", versioned), ItemDisposition::kRejected);
  // Whatever status a proxy gives it, a rejected execution is retried.
  EXPECT_EQ(ClassifyItem(400, "es_rejected_execution_exception", versioned),
            ItemDisposition::kRetryable);
  EXPECT_EQ(ClassifyItem(400, "document_parsing_exception", versioned), ItemDisposition::kRejected);
  EXPECT_EQ(ClassifyItem(404, "index_not_found_exception", versioned), ItemDisposition::kRejected);
  EXPECT_EQ(ClassifyItem(404, "", del), ItemDisposition::kAlreadyDeleted);
  EXPECT_EQ(ClassifyItem(403, "cluster_block_exception", versioned), ItemDisposition::kRejected);
}

TEST(BulkResponseTest, PartialUpdatesNoopIsDoneConflictIsRetriedMissingIsADeadLetter) {
  const BulkAction update{BulkOp::kUpdate, "p", "1", 3, ""};
  EXPECT_EQ(ClassifyItem(200, "", update), ItemDisposition::kApplied);  // "updated" or "noop"
  EXPECT_EQ(ClassifyItem(409, "version_conflict_engine_exception", update),
            ItemDisposition::kRetryable);
  // Never created from part of its fields: the row's document is missing.
  EXPECT_EQ(ClassifyItem(404, "document_missing_exception", update), ItemDisposition::kRejected);

  BulkRequestBuilder builder;
  ASSERT_TRUE(builder.Update("p", "1", R"({"v":1})", 3).ok());
  ASSERT_TRUE(builder.Update("p", "2", R"({"v":1})", 3).ok());
  const BulkRequest request = builder.Take();
  const auto items = ParseBulkResponse(
      R"({"errors":true,"items":[{"update":{"status":200,"result":"noop"}},
        {"update":{"status":404,"error":{"type":"document_missing_exception","reason":"[2]: document missing"}}}]})",
      request);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  EXPECT_EQ((*items)[0].disposition, ItemDisposition::kApplied);
  EXPECT_EQ((*items)[1].disposition, ItemDisposition::kRejected);
  EXPECT_EQ((*items)[1].error_type, "document_missing_exception");
}

TEST(BulkResponseTest, MalformedAnswersAreCorruption) {
  const BulkRequest two = Request({{BulkOp::kIndex, 1}, {BulkOp::kDelete, 2}});
  const auto code = [&two](std::string_view body) {
    return ParseBulkResponse(body, two).status().code();
  };
  EXPECT_EQ(code("<html>502 Bad Gateway</html>"), Status::Code::kCorruption);
  EXPECT_EQ(code(R"({"errors":false})"), Status::Code::kCorruption);
  EXPECT_EQ(code(R"({"items":[{"index":{"status":201}}]})"), Status::Code::kCorruption)
      << "fewer items than actions";
  EXPECT_EQ(code(R"({"items":[{"index":{"status":201}},{"index":{"status":200}}]})"),
            Status::Code::kCorruption)
      << "item 1 answers a delete";
  EXPECT_EQ(code(R"({"items":[{"index":{"status":201}},{"delete":{"result":"deleted"}}]})"),
            Status::Code::kCorruption)
      << "no status";
  EXPECT_EQ(code(R"({"items":[{"index":{"status":"201"}},{"delete":{"status":200}}]})"),
            Status::Code::kCorruption)
      << "status not a number";
}

TEST(BulkResponseTest, DispositionNames) {
  EXPECT_EQ(DispositionName(ItemDisposition::kSuperseded), "superseded");
  EXPECT_EQ(DispositionName(ItemDisposition::kRejected), "rejected");
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
