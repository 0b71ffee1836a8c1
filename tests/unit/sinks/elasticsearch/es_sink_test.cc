#include "sinks/elasticsearch/es_sink.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <thread>

#include "core/ack_tracker.h"
#include "tests/unit/sinks/elasticsearch/gated_endpoint.h"
#include "tests/unit/sinks/elasticsearch/scripted_transport.h"

namespace walcast::sinks::elasticsearch {
namespace {

using std::chrono::milliseconds;

// Maps table "t": create/read/update → index "i" with _id = column 0 and
// {"v": column 1}; delete → delete; truncate → truncate. Table "bad" is
// refused (a profile that does not parse); table "other" is skipped;
// updates of table "partial" are partial updates (unsent TOAST values).
class FakeMapper : public DocumentMapper {
 public:
  Status Map(const TransactionInfo& /*txn*/, const ChangeEvent& e, DocumentAction* out) override {
    out->table = e.relation->schema + "." + e.relation->name;
    out->index = "i";
    if (e.relation->name == "other") return Status::Ok();
    const Tuple& row = e.after ? *e.after : *e.before;
    out->id = out->key = row[0].data;
    if (e.relation->name == "bad") return Status::Rejected("profile: malformed JSON at offset 3");
    if (e.relation->name == "partial" && e.op == Op::kUpdate) {
      out->kind = DocumentAction::Kind::kUpdate;
      out->source = R"({"v":")" + row[1].data + "\"}";
      if (row[1].data == "supersedes") {
        out->supersede_field = "profile.updateId";
        out->supersede_value = "old";
      }
      return Status::Ok();
    }
    switch (e.op) {
      case Op::kTruncate:
        out->kind = DocumentAction::Kind::kTruncate;
        break;
      case Op::kDelete:
        out->kind = DocumentAction::Kind::kDelete;
        break;
      default:
        out->kind = DocumentAction::Kind::kIndex;
        out->source = R"({"v":")" + row[1].data + "\"}";
    }
    return Status::Ok();
  }
};

std::shared_ptr<const Relation> Table(const std::string& name) {
  auto r = std::make_shared<Relation>();
  r->schema = "public";
  r->name = name;
  r->columns.resize(2);
  r->columns[0].name = "id";
  r->columns[0].is_key = true;
  r->columns[1].name = "v";
  r->primary_key = {0};
  return r;
}

ChangeEvent Row(Op op, const std::string& table, const std::string& id, const std::string& v = "") {
  ChangeEvent e;
  e.op = op;
  e.relation = Table(table);
  if (op == Op::kDelete || op == Op::kTruncate) {
    e.before = Tuple{Datum::Text(id), Datum::Null()};
  } else {
    e.after = Tuple{Datum::Text(id), Datum::Text(v)};
  }
  return e;
}

TransactionInfo Txn(uint64_t commit, bool snapshot = false) {
  TransactionInfo t;
  t.xid = commit;
  t.commit_lsn = Lsn(commit);
  t.end_lsn = Lsn(commit + 8);
  t.snapshot = snapshot;
  return t;
}

std::string BulkOk(int items, int status = 200) {
  std::string out = R"({"errors":false,"items":[)";
  for (int i = 0; i < items; ++i) {
    out += std::string(i ? "," : "") + R"({"index":{"status":)" + std::to_string(status) + "}}";
  }
  return out + "]}";
}

class ElasticsearchSinkTest : public ::testing::Test {
 protected:
  void Make(ElasticsearchSinkOptions options = {}) {
    auto transport = std::make_unique<ScriptedTransport>();
    transport_ = transport.get();
    options.worker.client.backoff.initial = milliseconds(1);
    options.worker.client.backoff.max = milliseconds(2);
    sink_ = std::make_unique<ElasticsearchSink>(std::move(transport),
                                                std::make_unique<FakeMapper>(), options);
    sink_->Attach(Sink::Acker(&tracker_, tracker_.RegisterSink("elasticsearch")));
  }

  // Hands one transaction to the sink as the pipeline does.
  Status Apply(const TransactionInfo& txn, const std::vector<ChangeEvent>& events) {
    tracker_.Track(txn.end_lsn);
    WALCAST_RETURN_IF_ERROR(sink_->OnBegin(txn));
    for (const ChangeEvent& e : events) WALCAST_RETURN_IF_ERROR(sink_->OnChange(txn, e));
    return sink_->OnCommit(txn);
  }

  // Whether the watermark reaches `lsn` (acknowledged on the worker
  // thread) before `timeout` passes. AckTracker offers no notification, so
  // this polls it against the deadline.
  bool WatermarkReaches(Lsn lsn, milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (tracker_.watermark() < lsn) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(milliseconds(1));
    }
    return true;
  }

  AckTracker tracker_{Lsn(1)};
  ScriptedTransport* transport_ = nullptr;
  std::unique_ptr<ElasticsearchSink> sink_;
};

TEST_F(ElasticsearchSinkTest, BatchesTransactionsWithCommitLsnVersionsAndAcksAfterTheBulk) {
  Make();
  transport_->Answer(
      200,
      R"({"errors":false,"items":[{"index":{"status":201}},{"index":{"status":201}},{"delete":{"status":200}}]})");
  ASSERT_TRUE(Apply(Txn(100), {Row(Op::kCreate, "t", "a", "1"), Row(Op::kCreate, "t", "b", "2")}).ok());
  ASSERT_TRUE(Apply(Txn(200), {Row(Op::kDelete, "t", "a")}).ok());
  EXPECT_EQ(tracker_.watermark(), Lsn(1));  // nothing sent yet
  ASSERT_TRUE(sink_->Flush(milliseconds(5000)).ok());
  ASSERT_EQ(transport_->requests().size(), 1u);
  EXPECT_EQ(transport_->requests()[0].path.rfind("/_bulk", 0), 0u);
  EXPECT_EQ(transport_->requests()[0].body,
            R"({"index":{"_index":"i","_id":"a","version":100,"version_type":"external_gte"}})"
            "\n"
            R"({"v":"1"})"
            "\n"
            R"({"index":{"_index":"i","_id":"b","version":100,"version_type":"external_gte"}})"
            "\n"
            R"({"v":"2"})"
            "\n"
            R"({"delete":{"_index":"i","_id":"a","version":200,"version_type":"external_gte"}})"
            "\n");
  EXPECT_EQ(tracker_.watermark(), Lsn(208));
  EXPECT_EQ(sink_->stats().items, 3u);
}

TEST_F(ElasticsearchSinkTest, PartialUpdateIsMergedIntoTheStoredDocumentInARequestOfItsOwn) {
  Make();
  // The write before it goes first, then the update alone: the stored
  // document is read and written back whole with the update's field and
  // the transaction's version; then what follows.
  transport_->Answer(200, BulkOk(1));
  transport_->Answer(200, R"({"_index":"i","_id":"a","_version":90,"found":true,)"
                          R"("_source":{"v":"0","big":"stored","derived":[1,2]}})");
  transport_->Answer(200, BulkOk(1));
  transport_->Answer(200, BulkOk(1));
  ASSERT_TRUE(Apply(Txn(100), {Row(Op::kCreate, "partial", "b", "1"),
                               Row(Op::kUpdate, "partial", "a", "2"),
                               Row(Op::kCreate, "partial", "c", "3")})
                  .ok());
  ASSERT_TRUE(sink_->Flush(milliseconds(5000)).ok());
  const auto& requests = transport_->requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].body,
            R"({"index":{"_index":"i","_id":"b","version":100,"version_type":"external_gte"}})"
            "\n"
            R"({"v":"1"})"
            "\n");
  EXPECT_EQ(requests[1].method, HttpMethod::kGet);
  EXPECT_EQ(requests[1].path, "/i/_doc/a?_source=true");
  EXPECT_EQ(requests[2].body,
            R"({"index":{"_index":"i","_id":"a","version":100,"version_type":"external_gte"}})"
            "\n"
            R"({"v":"2","big":"stored","derived":[1,2]})"
            "\n");
  EXPECT_EQ(requests[3].body.rfind(R"({"index":{"_index":"i","_id":"c")", 0), 0u);
  EXPECT_EQ(tracker_.watermark(), Lsn(108));
  EXPECT_EQ(sink_->stats().dead_letters, 0u);
}

TEST_F(ElasticsearchSinkTest, PartialUpdateOfAMissingDocumentIsADeadLetterNotADelete) {
  ElasticsearchSinkOptions options;
  options.worker.dead_letter_index = "dl";
  Make(options);
  transport_->Answer(404, R"({"_index":"i","_id":"a","found":false})");
  transport_->Answer(
      200,
      R"({"errors":true,"items":[{"update":{"status":404,"error":{"type":"document_missing_exception","reason":"[a]: document missing"}}}]})");
  transport_->Answer(200, BulkOk(1));  // the dead letter
  ASSERT_TRUE(Apply(Txn(100), {Row(Op::kUpdate, "partial", "a", "2")}).ok());
  ASSERT_TRUE(sink_->Flush(milliseconds(5000)).ok());
  const auto& requests = transport_->requests();
  ASSERT_EQ(requests.size(), 3u);
  // Sent as the update it is: never created from part of its fields.
  EXPECT_EQ(requests[1].body,
            R"({"update":{"_index":"i","_id":"a","retry_on_conflict":3}})"
            "\n"
            R"({"doc":{"v":"2"}})"
            "\n");
  EXPECT_NE(requests[2].body.find("document_missing_exception"), std::string::npos);
  EXPECT_EQ(requests[2].body.find(R"("delete")"), std::string::npos);
  EXPECT_EQ(sink_->stats().dead_letters, 1u);
  EXPECT_EQ(tracker_.watermark(), Lsn(108));
}

TEST_F(ElasticsearchSinkTest, PartialUpdateThatResentTheProfileSupersedesAfterItIsDurable) {
  Make();
  transport_->Answer(200, R"({"found":true,"_version":5,"_source":{"v":"0"}})");
  transport_->Answer(200, BulkOk(1));
  transport_->Answer(200, "{}");  // _refresh
  transport_->Answer(200, R"({"_scroll_id":"s","hits":{"hits":[]}})");
  transport_->Answer(200, "{}");  // clear scroll
  ASSERT_TRUE(Apply(Txn(100), {Row(Op::kUpdate, "partial", "a", "supersedes")}).ok());
  ASSERT_TRUE(sink_->Flush(milliseconds(5000)).ok());
  const auto& requests = transport_->requests();
  ASSERT_GE(requests.size(), 4u);
  EXPECT_EQ(requests[0].method, HttpMethod::kGet);
  EXPECT_NE(requests[1].body.find(R"({"v":"supersedes"})"), std::string::npos);
  EXPECT_EQ(requests[2].path, "/i/_refresh");
  EXPECT_NE(requests[3].body.find(R"("profile.updateId":["old"])"), std::string::npos)
      << requests[3].body;
  EXPECT_EQ(tracker_.watermark(), Lsn(108));
}

TEST_F(ElasticsearchSinkTest, PartialUpdateWaitsOutAnOutageOfTheRead) {
  Make();
  transport_->Fail(Status::Unavailable("connection refused"));
  transport_->Answer(200, R"({"found":true,"_version":5,"_source":{"v":"0"}})");
  transport_->Answer(200, BulkOk(1));
  ASSERT_TRUE(Apply(Txn(100), {Row(Op::kUpdate, "partial", "a", "2")}).ok());
  ASSERT_TRUE(sink_->Flush(milliseconds(5000)).ok());
  ASSERT_EQ(transport_->requests().size(), 3u);
  EXPECT_NE(transport_->requests()[2].body.find(R"({"v":"2"})"), std::string::npos);
  EXPECT_EQ(tracker_.watermark(), Lsn(108));
}

TEST_F(ElasticsearchSinkTest, SnapshotRowsRankBelowEveryStreamedChange) {
  EXPECT_EQ(ElasticsearchSink::VersionOf(Txn(5000, /*snapshot=*/true)), 4999);
  EXPECT_EQ(ElasticsearchSink::VersionOf(Txn(5000)), 5000);
}

TEST_F(ElasticsearchSinkTest, SkippedChangesAndEmptyTransactionsAreAcknowledgedWithoutRequests) {
  Make();
  ASSERT_TRUE(Apply(Txn(100), {Row(Op::kCreate, "other", "x", "1")}).ok());
  ASSERT_TRUE(Apply(Txn(200), {}).ok());
  ASSERT_TRUE(sink_->OnTick(std::chrono::steady_clock::now()).ok());
  ASSERT_TRUE(sink_->Flush(milliseconds(5000)).ok());
  EXPECT_TRUE(transport_->requests().empty());
  EXPECT_EQ(tracker_.watermark(), Lsn(208));
}

TEST_F(ElasticsearchSinkTest, UnmappableChangeBecomesADeadLetterAndThePipelineGoesOn) {
  ElasticsearchSinkOptions options;
  options.worker.dead_letter_index = "dlq";
  Make(options);
  transport_->Answer(
      200,
      R"({"errors":false,"items":[{"index":{"status":201}},{"delete":{"status":404}},{"index":{"status":201}}]})");
  ASSERT_TRUE(Apply(Txn(100), {Row(Op::kCreate, "bad", "k1", "x"), Row(Op::kCreate, "t", "a", "1")}).ok());
  ASSERT_TRUE(sink_->Flush(milliseconds(5000)).ok());
  ASSERT_EQ(transport_->requests().size(), 1u);
  const std::string& body = transport_->requests()[0].body;
  const size_t first_line_end = body.find('\n');
  EXPECT_EQ(body.substr(0, first_line_end), R"({"index":{"_index":"dlq","_id":"i/k1@100"}})");
  const size_t second_line_end = body.find('\n', first_line_end + 1);
  rapidjson::Document letter;
  letter.Parse(body.substr(first_line_end + 1, second_line_end - first_line_end - 1).c_str());
  ASSERT_TRUE(letter.IsObject());
  EXPECT_STREQ(letter["table"].GetString(), "public.bad");
  EXPECT_STREQ(letter["key"].GetString(), "k1");
  EXPECT_STREQ(letter["lsn"].GetString(), "0/64");
  EXPECT_STREQ(letter["reason"].GetString(), "profile: malformed JSON at offset 3");
  // An earlier version of the row must not linger in its index.
  const size_t third_line_end = body.find('\n', second_line_end + 1);
  EXPECT_EQ(body.substr(second_line_end + 1, third_line_end - second_line_end - 1),
            R"({"delete":{"_index":"i","_id":"k1","version":100,"version_type":"external_gte"}})");
  EXPECT_EQ(tracker_.watermark(), Lsn(108));
  // The dead letter counts as one, not as an item indexed (/metrics).
  EXPECT_EQ(sink_->stats().dead_letters, 1u);
  EXPECT_EQ(sink_->stats().items, 2u);
  const SinkCounters c = sink_->counters();
  EXPECT_EQ(c.dead_lettered, 1u);
  EXPECT_EQ(c.acked, 2u);
  EXPECT_EQ(c.in_flight, 0u);
  EXPECT_EQ(c.queued, 0u);
  EXPECT_EQ(c.failed, 0u);
}

TEST_F(ElasticsearchSinkTest, DocumentTheServerRefusesGoesToTheDeadLetterIndex) {
  ElasticsearchSinkOptions options;
  options.worker.dead_letter_index = "dlq";
  Make(options);
  transport_->Answer(
      200,
      R"({"errors":true,"items":[{"index":{"status":201}},{"index":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [v]"}}}]})");
  transport_->Answer(200, BulkOk(1, 201));
  ASSERT_TRUE(Apply(Txn(100), {Row(Op::kCreate, "t", "a", "1"), Row(Op::kCreate, "t", "b", "zz")}).ok());
  ASSERT_TRUE(sink_->Flush(milliseconds(5000)).ok());
  ASSERT_EQ(transport_->requests().size(), 2u);
  const std::string& body = transport_->requests()[1].body;
  EXPECT_EQ(body.substr(0, body.find('\n')), R"({"index":{"_index":"dlq","_id":"i/b@100"}})");
  rapidjson::Document letter;
  letter.Parse(body.substr(body.find('\n') + 1).c_str());
  ASSERT_TRUE(letter.IsObject());
  EXPECT_STREQ(letter["error_type"].GetString(), "mapper_parsing_exception");
  EXPECT_STREQ(letter["document"].GetString(), R"({"v":"zz"})");
  EXPECT_EQ(letter["status"].GetInt(), 400);
  EXPECT_EQ(tracker_.watermark(), Lsn(108));
  EXPECT_EQ(sink_->stats().dead_letters, 1u);
}

TEST_F(ElasticsearchSinkTest, RefusedDocumentWithoutDeadLetterIndexStopsTheSink) {
  Make();
  transport_->Answer(
      200,
      R"({"errors":true,"items":[{"index":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"bad"}}}]})");
  ASSERT_TRUE(Apply(Txn(100), {Row(Op::kCreate, "t", "a", "1")}).ok());
  const Status flushed = sink_->Flush(milliseconds(5000));
  EXPECT_EQ(flushed.code(), Status::Code::kFatal);
  EXPECT_EQ(tracker_.watermark(), Lsn(1));
  EXPECT_EQ(sink_->OnBegin(Txn(200)).code(), Status::Code::kFatal);
}

TEST_F(ElasticsearchSinkTest, OutageIsWaitedOutNotLost) {
  Make();
  transport_->Fail(Status::Unavailable("connection refused"));
  transport_->Answer(503, R"({"error":"unavailable"})");
  transport_->Answer(200, BulkOk(1));
  ASSERT_TRUE(Apply(Txn(100), {Row(Op::kCreate, "t", "a", "1")}).ok());
  ASSERT_TRUE(sink_->Flush(milliseconds(5000)).ok());
  EXPECT_EQ(transport_->requests().size(), 3u);
  EXPECT_EQ(tracker_.watermark(), Lsn(108));
}

TEST_F(ElasticsearchSinkTest, FullBatchGoesMidTransactionButAcksOnlyCommittedTransactions) {
  ElasticsearchSinkOptions options;
  options.limits.max_actions = 2;
  Make(options);
  transport_->Answer(200, BulkOk(2));
  transport_->Answer(200, BulkOk(2));
  ASSERT_TRUE(Apply(Txn(100), {Row(Op::kCreate, "t", "a", "1")}).ok());
  const TransactionInfo big = Txn(200);
  tracker_.Track(big.end_lsn);
  ASSERT_TRUE(sink_->OnBegin(big).ok());
  ASSERT_TRUE(sink_->OnChange(big, Row(Op::kCreate, "t", "b", "2")).ok());  // batch full: sent
  ASSERT_TRUE(sink_->OnChange(big, Row(Op::kUpdate, "t", "b", "3")).ok());
  // Wait for the first batch to be durable without dispatching the open
  // transaction.
  ASSERT_TRUE(WatermarkReaches(Lsn(108), milliseconds(5000)));
  EXPECT_EQ(tracker_.watermark(), Lsn(108));  // the open transaction is not acknowledged
  ASSERT_TRUE(sink_->OnChange(big, Row(Op::kUpdate, "t", "b", "4")).ok());  // full again
  ASSERT_TRUE(sink_->OnCommit(big).ok());
  ASSERT_TRUE(sink_->Flush(milliseconds(5000)).ok());
  ASSERT_EQ(transport_->requests().size(), 2u);
  // The row's later versions share the commit LSN and follow in order.
  EXPECT_NE(transport_->requests()[1].body.find(R"({"v":"3"})"), std::string::npos);
  EXPECT_LT(transport_->requests()[1].body.find(R"({"v":"3"})"),
            transport_->requests()[1].body.find(R"({"v":"4"})"));
  EXPECT_EQ(tracker_.watermark(), Lsn(208));
}

TEST_F(ElasticsearchSinkTest, TruncateWaitsForEarlierWritesThenDeletesWhatNoLaterChangeWrote) {
  Make();
  transport_->Answer(200, BulkOk(1));
  transport_->Answer(200, "{}");  // _refresh
  transport_->Answer(
      200,
      R"({"_scroll_id":"s1","hits":{"hits":[{"_id":"a","_version":100},{"_id":"z","_version":300}]}})");
  transport_->Answer(200, R"({"errors":false,"items":[{"delete":{"status":200}}]})");
  transport_->Answer(200, R"({"_scroll_id":"s1","hits":{"hits":[]}})");
  transport_->Answer(200, "{}");  // clear scroll
  ASSERT_TRUE(Apply(Txn(100), {Row(Op::kCreate, "t", "a", "1")}).ok());
  ASSERT_TRUE(Apply(Txn(200), {Row(Op::kTruncate, "t", "-")}).ok());
  ASSERT_TRUE(sink_->Flush(milliseconds(5000)).ok());
  const auto& r = transport_->requests();
  ASSERT_EQ(r.size(), 6u);
  EXPECT_EQ(r[0].path.rfind("/_bulk", 0), 0u);
  EXPECT_EQ(r[1].path, "/i/_refresh");
  EXPECT_EQ(r[2].path, "/i/_search?scroll=1m");
  EXPECT_EQ(r[2].body, R"({"size":1000,"_source":false,"version":true,"query":{"match_all":{}}})");
  // "z" was written by a change after the truncate (version 300 > 200).
  EXPECT_EQ(r[3].body,
            R"({"delete":{"_index":"i","_id":"a","version":200,"version_type":"external_gte"}})"
            "\n");
  EXPECT_EQ(r[4].path, "/_search/scroll");
  EXPECT_EQ(r[5].method, HttpMethod::kDelete);
  EXPECT_EQ(tracker_.watermark(), Lsn(208));
}

TEST_F(ElasticsearchSinkTest, TruncateBulkDeletesWaitOutAnOutageLikeABulkRequest) {
  Make();
  transport_->Answer(200, "{}");  // _refresh
  transport_->Answer(200, R"({"_scroll_id":"s1","hits":{"hits":[{"_id":"a","_version":100}]}})");
  transport_->Answer(503, R"({"error":{"type":"unavailable_shards_exception"},"status":503})");
  transport_->Answer(200, R"({"errors":false,"items":[{"delete":{"status":200}}]})");
  transport_->Answer(200, R"({"_scroll_id":"s1","hits":{"hits":[]}})");
  transport_->Answer(200, "{}");  // clear scroll
  ASSERT_TRUE(Apply(Txn(200), {Row(Op::kTruncate, "t", "-")}).ok());
  ASSERT_TRUE(sink_->Flush(milliseconds(5000)).ok());
  const auto& r = transport_->requests();
  ASSERT_EQ(r.size(), 6u);
  // Only the bulk delete went again, not the refresh and the search.
  EXPECT_EQ(r[2].body, r[3].body);
  EXPECT_EQ(r[3].path.rfind("/_bulk", 0), 0u);
  EXPECT_EQ(tracker_.watermark(), Lsn(208));
}

TEST_F(ElasticsearchSinkTest, CloseEndsARetryWaitAndSendsNothingMore) {
  auto transport = std::make_unique<ScriptedTransport>();
  transport_ = transport.get();
  ElasticsearchSinkOptions options;
  // A wait that would outlast the test: only Stop can end it.
  options.worker.client.backoff = {.initial = std::chrono::hours(1), .max = std::chrono::hours(1)};
  sink_ = std::make_unique<ElasticsearchSink>(std::move(transport),
                                              std::make_unique<FakeMapper>(), options);
  sink_->Attach(Sink::Acker(&tracker_, tracker_.RegisterSink("elasticsearch")));
  transport_->Fail(Status::Unavailable("connection refused"));
  ASSERT_TRUE(Apply(Txn(100), {Row(Op::kCreate, "t", "a", "1")}).ok());
  EXPECT_EQ(sink_->Close(milliseconds(50)).code(), Status::Code::kTimeout);
  EXPECT_EQ(transport_->requests().size(), 1u);
  EXPECT_EQ(tracker_.watermark(), Lsn(1));
}

// Maps every row of "t" to an index action that supersedes documents whose
// profile.updateId is "old-" + the row's value.
class SupersedingMapper : public FakeMapper {
 public:
  Status Map(const TransactionInfo& txn, const ChangeEvent& e, DocumentAction* out) override {
    WALCAST_RETURN_IF_ERROR(FakeMapper::Map(txn, e, out));
    out->supersede_field = "profile.updateId";
    out->supersede_value = "old-" + (*e.after)[1].data;
    if ((*e.after)[0].data == "moved") out->previous_id = "was";
    return Status::Ok();
  }
};

TEST_F(ElasticsearchSinkTest, SupersededDocumentsAreDeletedAfterTheBulkAndMovedKeysFirst) {
  auto transport = std::make_unique<ScriptedTransport>();
  transport_ = transport.get();
  sink_ = std::make_unique<ElasticsearchSink>(std::move(transport),
                                              std::make_unique<SupersedingMapper>(),
                                              ElasticsearchSinkOptions{});
  sink_->Attach(Sink::Acker(&tracker_, tracker_.RegisterSink("elasticsearch")));
  transport_->Answer(
      200,
      R"({"errors":false,"items":[{"index":{"status":201}},{"delete":{"status":200}},{"index":{"status":201}}]})");
  transport_->Answer(200, "{}");  // _refresh
  transport_->Answer(
      200, R"({"_scroll_id":"s2","hits":{"hits":[{"_id":"p1","_version":50},{"_id":"p2","_version":60}]}})");
  transport_->Answer(
      200, R"({"errors":false,"items":[{"delete":{"status":200}},{"delete":{"status":200}}]})");
  transport_->Answer(200, R"({"_scroll_id":"s2","hits":{"hits":[]}})");
  transport_->Answer(200, "{}");  // clear scroll
  ASSERT_TRUE(Apply(Txn(100), {Row(Op::kCreate, "t", "a", "1"), Row(Op::kCreate, "t", "moved", "2")}).ok());
  ASSERT_TRUE(sink_->Flush(milliseconds(5000)).ok());
  ASSERT_EQ(transport_->requests().size(), 6u);
  EXPECT_NE(transport_->requests()[0].body.find(
                R"({"delete":{"_index":"i","_id":"was","version":100,"version_type":"external_gte"}})"
                "\n"
                R"({"index":{"_index":"i","_id":"moved")"),
            std::string::npos);
  EXPECT_EQ(transport_->requests()[1].path, "/i/_refresh");
  EXPECT_EQ(transport_->requests()[2].body,
            R"({"size":1000,"_source":false,"version":true,)"
            R"("query":{"terms":{"profile.updateId":["old-1","old-2"]}}})");
  EXPECT_NE(transport_->requests()[3].body.find(
                R"({"delete":{"_index":"i","_id":"p2","version":100,"version_type":"external_gte"}})"),
            std::string::npos);
  EXPECT_EQ(tracker_.watermark(), Lsn(108));
}

TEST_F(ElasticsearchSinkTest, RewindDropsWhatWasNotSent) {
  Make();
  transport_->Answer(200, BulkOk(1));
  ASSERT_TRUE(Apply(Txn(100), {Row(Op::kCreate, "t", "a", "1")}).ok());
  tracker_.Rewind();
  sink_->OnRewind();
  ASSERT_TRUE(Apply(Txn(100), {Row(Op::kCreate, "t", "a", "1")}).ok());
  ASSERT_TRUE(sink_->Flush(milliseconds(5000)).ok());
  ASSERT_EQ(transport_->requests().size(), 1u);
  EXPECT_EQ(transport_->requests()[0].body.find(R"("_id":"a")"),
            transport_->requests()[0].body.rfind(R"("_id":"a")"));  // sent once
  EXPECT_EQ(tracker_.watermark(), Lsn(108));
}

// Several requests in flight (a client with two connections): the
// checkpoint only ever covers contiguous durable requests.
TEST_F(ElasticsearchSinkTest, WatermarkNeverPassesARequestStillInFlight) {
  GatedEndpoint endpoint;
  Result<std::shared_ptr<SharedBulkClient>> client = SharedBulkClient::Create(
      2, [&endpoint]() -> Result<std::unique_ptr<HttpTransport>> { return endpoint.Connect(); });
  ASSERT_TRUE(client.ok());
  ElasticsearchSinkOptions options;
  options.limits.max_actions = 1;  // one request per transaction
  options.worker.client.backoff.initial = milliseconds(1);
  sink_ = std::make_unique<ElasticsearchSink>(*client, std::make_unique<FakeMapper>(), options);
  sink_->Attach(Sink::Acker(&tracker_, tracker_.RegisterSink("elasticsearch")));
  ASSERT_TRUE(Apply(Txn(100), {Row(Op::kCreate, "t", "a", "1")}).ok());
  ASSERT_TRUE(Apply(Txn(200), {Row(Op::kCreate, "t", "b", "2")}).ok());
  ASSERT_TRUE(sink_->OnTick(std::chrono::steady_clock::now()).ok());
  ASSERT_TRUE(endpoint.WaitHeld(2, milliseconds(10000)));
  // The later transaction is durable first: nothing moves.
  endpoint.Release(R"("_id":"b")");
  ASSERT_TRUE(endpoint.WaitAnswered(1, milliseconds(10000)));
  EXPECT_FALSE(WatermarkReaches(Lsn(108), milliseconds(100)));
  EXPECT_EQ(tracker_.watermark(), Lsn(1));
  // Then the earlier one: both at once.
  endpoint.Release(R"("_id":"a")");
  ASSERT_TRUE(sink_->Flush(milliseconds(10000)).ok());
  EXPECT_EQ(tracker_.watermark(), Lsn(208));
  EXPECT_EQ(sink_->stats().max_in_flight_jobs, 2u);
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
