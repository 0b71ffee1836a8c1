// MetricsSink in a Pipeline with a real AckTracker, a real RocksDB state in a
// temporary directory and a fake document writer: acknowledgement only after
// the state commit and the writer's ack, skipping what the state already
// holds after a restart, re-emitting after a crash between the commit and
// the writer's ack, retries, dead letters.

#include "metrics/metrics_sink.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "core/pipeline.h"
#include "tests/unit/metrics/metrics_test_util.h"

namespace walcast::metrics {
namespace {

using testing::IdrepoProfile;
using testing::IdrepoRelation;
using testing::Person;
using testing::Row;
using testing::TempDir;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr char kDefinitions[] = R"({"metrics": [
  {"id": "profiles", "source": "idrepo", "measure": "count"},
  {"id": "by_gender", "source": "idrepo", "keys": ["gender"], "measure": "count", "mode": "state"}
]})";

// Holds each Write until the test completes it; what completed OK is
// "indexed" by _id, as Elasticsearch would hold it.
class FakeWriter : public MetricDocumentWriter {
 public:
  void Write(std::vector<MetricDocument> docs, std::function<void(Status)> done) override {
    ++writes;
    if (auto_complete) {
      Index(docs);
      done(Status::Ok());
      return;
    }
    pending_.push_back({std::move(docs), std::move(done)});
  }
  size_t pending() const { return pending_.size(); }
  const std::vector<MetricDocument>& front() const { return pending_.front().docs; }
  void Complete(const Status& status = Status::Ok()) {
    ASSERT_FALSE(pending_.empty());
    Call call = std::move(pending_.front());
    pending_.pop_front();
    if (status.ok()) Index(call.docs);
    call.done(status);
  }

  bool auto_complete = false;
  int writes = 0;
  std::map<std::string, MetricDocument> indexed;

 private:
  struct Call {
    std::vector<MetricDocument> docs;
    std::function<void(Status)> done;
  };
  void Index(const std::vector<MetricDocument>& docs) {
    for (const MetricDocument& d : docs) indexed[d.id] = d;
  }
  std::deque<Call> pending_;
};

class MetricsSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<MetricSet> set = ParseMetricDefinitions(kDefinitions);
    ASSERT_TRUE(set.ok()) << set.status().ToString();
    set_ = std::make_unique<MetricSet>(std::move(set).value());
    Start();
  }

  // A fresh process: a new tracker at `start`, pipeline and sink on the
  // same state directory.
  void Start(Lsn start = Lsn(1)) {
    pipeline_.reset();
    tracker_ = std::make_unique<AckTracker>(start);
    pipeline_ = std::make_unique<Pipeline>(tracker_.get(), &problems_);
    MetricsSinkOptions options;
    options.engine.store.dir = dir_.Sub("state");
    options.engine.store.sync = false;
    options.engine.instance = "mosip/walcast";
    options.engine.max_batch_rows = max_batch_rows_;
    options.checkpoint_interval = milliseconds(1000);
    options.retry_initial = milliseconds(10);
    Result<std::unique_ptr<MetricsSink>> sink = MetricsSink::Create(*set_, options, &writer_);
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    sink_ = sink->get();
    pipeline_->AddSink(std::move(sink).value());
  }

  // One transaction of inserts into idrepo.anonymous_profile.
  void Transaction(uint64_t commit_lsn, uint64_t end_lsn,
                   const std::vector<std::pair<std::string, std::string>>& rows,
                   bool snapshot = false) {
    TransactionInfo txn;
    txn.xid = end_lsn;
    txn.commit_lsn = Lsn(commit_lsn);
    txn.snapshot = snapshot;
    if (snapshot) txn.end_lsn = txn.begin_lsn = txn.commit_lsn;
    ASSERT_TRUE(pipeline_->OnBegin(txn).ok());
    for (const auto& [id, profile] : rows) {
      const Status s = pipeline_->OnChange(
          txn, Row(snapshot ? Op::kRead : Op::kCreate, IdrepoRelation(),
                   {{"id", id}, {"profile", profile}, {"cr_dtimes", "2025-03-14 10:00:00"}},
                   commit_lsn - 8));
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    txn.end_lsn = Lsn(end_lsn);
    ASSERT_TRUE(pipeline_->OnCommit(txn).ok());
  }

  Status Tick(milliseconds at) { return pipeline_->Tick(t0_ + at); }

  // The indexed metric document of `metric` whose keys JSON contains `keys`.
  std::string Indexed(const std::string& metric, const std::string& keys = "{}") {
    for (const auto& [id, doc] : writer_.indexed) {
      if (doc.json.find("\"metric\":\"" + metric + "\"") != std::string::npos &&
          doc.json.find("\"keys\":" + keys) != std::string::npos) {
        return doc.json;
      }
    }
    return {};
  }

  static std::string New(const std::string& gender) {
    Person p;
    p.gender = gender;
    return IdrepoProfile("New", "2025-03-14", std::nullopt, p);
  }

  size_t max_batch_rows_ = 5000;
  TempDir dir_;
  std::unique_ptr<MetricSet> set_;
  FakeWriter writer_;
  ProblemRing problems_;  // outlives the pipeline
  std::unique_ptr<AckTracker> tracker_;
  std::unique_ptr<Pipeline> pipeline_;
  MetricsSink* sink_ = nullptr;
  const Clock::time_point t0_ = Clock::now();
};

TEST_F(MetricsSinkTest, AcknowledgesOnlyAfterStateCommitAndWriterAck) {
  Transaction(0x1F0, 0x200, {{"a", New("Female")}});
  EXPECT_EQ(tracker_->watermark(), Lsn(1));
  ASSERT_TRUE(Tick(milliseconds(0)).ok());  // commits and hands the documents over
  EXPECT_EQ(sink_->applied_lsn(), Lsn(0x200));
  ASSERT_EQ(writer_.pending(), 1u);
  EXPECT_EQ(tracker_->watermark(), Lsn(1));  // committed, but not indexed yet
  writer_.Complete();
  ASSERT_TRUE(Tick(milliseconds(1)).ok());
  EXPECT_EQ(tracker_->watermark(), Lsn(0x200));
  EXPECT_NE(Indexed("by_gender", R"({"gender":"Female"})").find("\"value\":1"), std::string::npos);

  // The next transaction waits for the checkpoint interval.
  Transaction(0x2F0, 0x300, {{"b", New("Female")}});
  ASSERT_TRUE(Tick(milliseconds(500)).ok());
  EXPECT_EQ(writer_.pending(), 0u);
  EXPECT_EQ(sink_->applied_lsn(), Lsn(0x200));
  ASSERT_TRUE(Tick(milliseconds(1001)).ok());
  EXPECT_EQ(sink_->applied_lsn(), Lsn(0x300));
  ASSERT_EQ(writer_.pending(), 1u);
  // Only what changed is written: profiles and by_gender/Female.
  EXPECT_EQ(writer_.front().size(), 2u);
  writer_.Complete();
  ASSERT_TRUE(Tick(milliseconds(1002)).ok());
  EXPECT_EQ(tracker_->watermark(), Lsn(0x300));
  EXPECT_NE(Indexed("by_gender", R"({"gender":"Female"})").find("\"value\":2"), std::string::npos);
}

TEST_F(MetricsSinkTest, SkipsTransactionsTheStateAlreadyHolds) {
  writer_.auto_complete = true;
  Transaction(0x1F0, 0x200, {{"a", New("Female")}});
  Transaction(0x2F0, 0x300, {{"b", New("Male")}});
  ASSERT_TRUE(pipeline_->Flush(milliseconds(5000)).ok());
  EXPECT_EQ(tracker_->watermark(), Lsn(0x300));
  ASSERT_TRUE(pipeline_->Close(milliseconds(1000)).ok());

  // The slot resumes below the state (its flush LSN lagged): 0x200 and 0x300
  // come again and must not count twice.
  Start(Lsn(0x100));
  Transaction(0x1F0, 0x200, {{"a", New("Female")}});
  Transaction(0x2F0, 0x300, {{"b", New("Male")}});
  Transaction(0x3F0, 0x400, {{"c", New("Male")}});
  ASSERT_TRUE(pipeline_->Flush(milliseconds(5000)).ok());
  EXPECT_EQ(sink_->stats().transactions_skipped, 2u);
  EXPECT_EQ(tracker_->watermark(), Lsn(0x400));
  EXPECT_NE(Indexed("profiles").find("\"value\":3"), std::string::npos);
  EXPECT_NE(Indexed("by_gender", R"({"gender":"Male"})").find("\"value\":2"), std::string::npos);
}

TEST_F(MetricsSinkTest, SkipsTheSnapshotByItsEndLsn) {
  writer_.auto_complete = true;
  Transaction(0x500, 0x500, {{"a", New("Female")}, {"b", New("Male")}}, /*snapshot=*/true);
  ASSERT_TRUE(pipeline_->Flush(milliseconds(5000)).ok());
  ASSERT_TRUE(pipeline_->Close(milliseconds(1000)).ok());
  Start(Lsn(0x4FF));
  Transaction(0x500, 0x500, {{"a", New("Female")}, {"b", New("Male")}}, /*snapshot=*/true);
  ASSERT_TRUE(pipeline_->Flush(milliseconds(5000)).ok());
  EXPECT_EQ(sink_->stats().transactions_skipped, 1u);
  EXPECT_EQ(sink_->stats().engine.rows_ignored, 0u);  // skipped whole, not row by row
  EXPECT_NE(Indexed("profiles").find("\"value\":2"), std::string::npos);
}

TEST_F(MetricsSinkTest, CrashBetweenStateCommitAndWriterAckReEmitsTheDocuments) {
  Transaction(0x1F0, 0x200, {{"a", New("Female")}});
  ASSERT_TRUE(Tick(milliseconds(0)).ok());
  ASSERT_EQ(writer_.pending(), 1u);
  std::vector<std::string> ids;
  for (const MetricDocument& d : writer_.front()) ids.push_back(d.id);
  // kill -9: the state is committed, the writer never answered.
  FakeWriter lost;
  std::swap(lost, writer_);
  Start(Lsn(1));
  EXPECT_EQ(sink_->applied_lsn(), Lsn(0x200));
  writer_.auto_complete = true;
  ASSERT_TRUE(pipeline_->Flush(milliseconds(5000)).ok());
  std::vector<std::string> again;
  for (const auto& [id, doc] : writer_.indexed) again.push_back(id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(again, ids);  // the same documents, the same _ids
  EXPECT_NE(Indexed("by_gender", R"({"gender":"Female"})").find("\"value\":1"), std::string::npos);
  lost.Complete(Status::Unavailable("the old process is gone"));  // a late callback is harmless
}

TEST_F(MetricsSinkTest, RetriesWhenTheWriterIsUnavailable) {
  Transaction(0x1F0, 0x200, {{"a", New("Female")}});
  ASSERT_TRUE(Tick(milliseconds(0)).ok());
  writer_.Complete(Status::Unavailable("elasticsearch down"));
  ASSERT_TRUE(Tick(milliseconds(1)).ok());
  EXPECT_EQ(writer_.pending(), 0u);  // waiting before the retry
  EXPECT_EQ(tracker_->watermark(), Lsn(1));
  ASSERT_TRUE(Tick(milliseconds(20)).ok());
  ASSERT_EQ(writer_.pending(), 1u);
  EXPECT_EQ(writer_.front().size(), 3u);  // everything again: 2 metrics, walcast_bad_profiles
  writer_.Complete();
  ASSERT_TRUE(Tick(milliseconds(21)).ok());
  EXPECT_EQ(tracker_->watermark(), Lsn(0x200));
  EXPECT_EQ(sink_->stats().write_retries, 1u);
}

TEST_F(MetricsSinkTest, StopsOnAPermanentWriterError) {
  Transaction(0x1F0, 0x200, {{"a", New("Female")}});
  ASSERT_TRUE(Tick(milliseconds(0)).ok());
  writer_.Complete(Status::PermissionDenied("403 from elasticsearch"));
  EXPECT_EQ(Tick(milliseconds(1)).code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(tracker_->watermark(), Lsn(1));
}

TEST_F(MetricsSinkTest, FlushTimesOutWhileTheWriterHangs) {
  Transaction(0x1F0, 0x200, {{"a", New("Female")}});
  EXPECT_EQ(pipeline_->Flush(milliseconds(50)).code(), Status::Code::kTimeout);
  EXPECT_EQ(tracker_->watermark(), Lsn(1));
  writer_.Complete();
  EXPECT_TRUE(pipeline_->Flush(milliseconds(1000)).ok());
  EXPECT_EQ(tracker_->watermark(), Lsn(0x200));
}

TEST_F(MetricsSinkTest, DeadLettersReachTheWriterWithoutTheProfile) {
  writer_.auto_complete = true;
  const std::string bad =
      R"({"processName":"New","date":"2025-03-14","newProfile":{"secret-marker":)";
  Transaction(0x1F0, 0x200, {{"bad", bad}, {"a", New("Female")}});
  ASSERT_TRUE(pipeline_->Flush(milliseconds(5000)).ok());
  EXPECT_EQ(tracker_->watermark(), Lsn(0x200));
  const MetricDocument* dead = nullptr;
  for (const auto& [id, doc] : writer_.indexed) {
    if (doc.kind == MetricDocument::Kind::kDeadLetter) dead = &doc;
  }
  ASSERT_NE(dead, nullptr);
  EXPECT_NE(dead->json.find("\"table\":\"idrepo.anonymous_profile\""), std::string::npos);
  EXPECT_NE(dead->json.find("\"key\":\"bad\""), std::string::npos);
  EXPECT_NE(dead->json.find("\"lsn\":\"0/1E8\""), std::string::npos);
  EXPECT_NE(dead->json.find("\"error_type\":\"malformed_json\""), std::string::npos);
  EXPECT_EQ(dead->json.find("secret-marker"), std::string::npos);
  EXPECT_EQ(sink_->stats().engine.bad_profiles, 1u);
  EXPECT_EQ(sink_->stats().dead_letters_written, 1u);
  // walcast_bad_profiles is a document of the metric index too.
  EXPECT_NE(Indexed("walcast_bad_profiles").find("\"value\":1,"), std::string::npos)
      << Indexed("walcast_bad_profiles");
  // Written once: acknowledged dead letters are not sent again.
  const int writes = writer_.writes;
  Transaction(0x2F0, 0x300, {{"b", New("Male")}});
  ASSERT_TRUE(pipeline_->Flush(milliseconds(5000)).ok());
  EXPECT_EQ(writer_.writes, writes + 1);
  EXPECT_EQ(sink_->stats().dead_letters_written, 1u);
}

// What the HTTP endpoint reads (figures(), counters()) follows the
// commits and writes, from another thread's point of view: a published copy.
TEST_F(MetricsSinkTest, FiguresFollowCommitsWritesAndRetries) {
  const SinkCounters before = sink_->counters();
  EXPECT_TRUE(before.Reports(SinkCounters::kInFlight));
  EXPECT_TRUE(before.Reports(SinkCounters::kFailed));
  EXPECT_EQ(before.acked, 0u);
  const std::string bad = R"({"processName":"New","date":"2025-03-14","newProfile":{"x":)";
  Transaction(0x1F0, 0x200,
              {{"a", New("Female")}, {"b", New("Female")}, {"c", New("Male")}, {"bad", bad}});
  ASSERT_TRUE(Tick(milliseconds(0)).ok());  // commit, write handed over
  MetricsSinkFigures f = sink_->figures();
  EXPECT_EQ(f.checkpoint_commits, 1u);
  EXPECT_GT(f.last_commit_seconds, 0);
  EXPECT_EQ(f.commit_seconds_total, f.last_commit_seconds);
  EXPECT_EQ(f.bad_profiles, 1u);
  // profiles, by_gender Female and Male, the dead letter, walcast_bad_profiles
  EXPECT_EQ(f.documents_in_flight, 5u);
  EXPECT_EQ(sink_->counters().in_flight, 5u);
  writer_.Complete(Status::Unavailable("elasticsearch down"));
  ASSERT_TRUE(Tick(milliseconds(1)).ok());
  f = sink_->figures();
  EXPECT_EQ(f.documents_in_flight, 0u);
  EXPECT_EQ(f.documents_pending, 4u);  // 3 aggregates and the dead letter wait
  EXPECT_EQ(f.write_retries, 1u);
  EXPECT_EQ(sink_->counters().failed, 1u);
  ASSERT_TRUE(Tick(milliseconds(20)).ok());
  writer_.Complete();
  ASSERT_TRUE(Tick(milliseconds(21)).ok());
  f = sink_->figures();
  EXPECT_EQ(f.documents_written, 3u);
  EXPECT_EQ(f.dead_letters_written, 1u);
  EXPECT_EQ(f.documents_pending, 0u);
  const SinkCounters c = sink_->counters();
  EXPECT_EQ(c.acked, 3u);
  EXPECT_EQ(c.dead_lettered, 1u);
  EXPECT_EQ(c.retried, 1u);
  // The top figures: totals per metric, largest first, no bucket key.
  ASSERT_EQ(f.top.size(), 2u);
  EXPECT_EQ(f.top[0], (MetricTopFigure{"by_gender", 3, 2, 2}));
  EXPECT_EQ(f.top[1], (MetricTopFigure{"profiles", 3, 1, 3}));
  // The retry and the dead letter are the pipeline's recent problems,
  // without the profile's text.
  const std::vector<Problem> problems = problems_.Read();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].kind, "dead_letter");
  EXPECT_EQ(problems[0].sink, "metrics");
  EXPECT_NE(problems[0].reason.find("idrepo.anonymous_profile"), std::string::npos);
  EXPECT_EQ(problems[0].reason.find("newProfile"), std::string::npos);
  EXPECT_EQ(problems[1].kind, "retry");
}

// After a restart the totals include what the state held before.
TEST_F(MetricsSinkTest, TopFiguresCountTheRestoredState) {
  writer_.auto_complete = true;
  Transaction(0x1F0, 0x200, {{"a", New("Female")}, {"b", New("Male")}});
  ASSERT_TRUE(pipeline_->Flush(milliseconds(5000)).ok());
  ASSERT_TRUE(pipeline_->Close(milliseconds(5000)).ok());
  Start(Lsn(0x200));
  Transaction(0x2F0, 0x300, {{"c", New("Female")}});
  ASSERT_TRUE(pipeline_->Flush(milliseconds(5000)).ok());
  const MetricsSinkFigures f = sink_->figures();
  ASSERT_EQ(f.top.size(), 2u);
  EXPECT_EQ(f.top[0], (MetricTopFigure{"by_gender", 3, 2, 2}));
  EXPECT_EQ(f.top[1], (MetricTopFigure{"profiles", 3, 1, 3}));
}

TEST_F(MetricsSinkTest, ResetRewritesEveryAggregateAsZero) {
  writer_.auto_complete = true;
  Transaction(0x1F0, 0x200, {{"a", New("Female")}});
  ASSERT_TRUE(pipeline_->Flush(milliseconds(5000)).ok());
  ASSERT_TRUE(sink_->Reset().ok());
  EXPECT_EQ(sink_->applied_lsn(), Lsn());
  // The zeroed documents wait for the new snapshot's state: until then
  // there is no position to version them with.
  const int writes = writer_.writes;
  ASSERT_TRUE(pipeline_->Flush(milliseconds(5000)).ok());
  EXPECT_EQ(writer_.writes, writes);
  Transaction(0x2F0, 0x300, {{"b", New("Male")}});
  ASSERT_TRUE(pipeline_->Flush(milliseconds(5000)).ok());
  EXPECT_NE(Indexed("by_gender", R"({"gender":"Female"})").find("\"value\":0"), std::string::npos);
  EXPECT_NE(Indexed("by_gender", R"({"gender":"Male"})").find("\"value\":1"), std::string::npos);
  EXPECT_NE(Indexed("profiles").find("\"value\":1"), std::string::npos);
  for (const auto& [id, doc] : writer_.indexed) {
    if (doc.kind == MetricDocument::Kind::kMetric) {
      EXPECT_EQ(doc.version, 0x300u) << doc.json;
    }
  }
}

TEST_F(MetricsSinkTest, DocumentsAreVersionedByTheCommittedPosition) {
  writer_.auto_complete = true;
  auto version_of = [&](const std::string& metric, const std::string& keys) -> uint64_t {
    for (const auto& [id, doc] : writer_.indexed) {
      if (doc.json == Indexed(metric, keys)) return doc.version;
    }
    return 0;
  };
  Transaction(0x1F0, 0x200, {{"a", New("Female")}});
  ASSERT_TRUE(pipeline_->Flush(milliseconds(5000)).ok());
  EXPECT_EQ(version_of("by_gender", R"({"gender":"Female"})"), 0x200u);
  Transaction(0x2F0, 0x300, {{"b", New("Female")}});
  ASSERT_TRUE(pipeline_->Flush(milliseconds(5000)).ok());
  EXPECT_EQ(version_of("by_gender", R"({"gender":"Female"})"), 0x300u);
  EXPECT_NE(Indexed("by_gender", R"({"gender":"Female"})").find("\"value\":2"), std::string::npos);
}

// A large transaction's dead letters are persisted and written early (the
// engine spills inside it), but they count in walcast_bad_profiles only
// once the transaction commits. That commit may change no aggregate (the
// rows were all bad) and leave no dead letter to write: the figure's
// document must be written all the same, or it stays behind the state.
TEST_F(MetricsSinkTest, BadProfilesFigureFollowsACommitThatChangedNothingElse) {
  max_batch_rows_ = 1;
  Start();
  writer_.auto_complete = true;
  Transaction(0x1F0, 0x200, {{"a", New("Female")}});
  ASSERT_TRUE(pipeline_->Flush(milliseconds(5000)).ok());
  EXPECT_NE(Indexed("walcast_bad_profiles").find("\"value\":0,"), std::string::npos)
      << Indexed("walcast_bad_profiles");

  TransactionInfo txn;
  txn.xid = 0x300;
  txn.commit_lsn = Lsn(0x2F0);
  ASSERT_TRUE(pipeline_->OnBegin(txn).ok());
  for (const char* id : {"x", "y"}) {
    ASSERT_TRUE(pipeline_
                    ->OnChange(txn, Row(Op::kCreate, IdrepoRelation(),
                                        {{"id", id}, {"profile", "{not json"},
                                         {"cr_dtimes", "2025-03-14 10:00:00"}},
                                        0x2E0))
                    .ok());
  }
  // Mid-transaction: the spilled dead letters are written, not yet counted.
  ASSERT_TRUE(Tick(milliseconds(2000)).ok());
  ASSERT_TRUE(Tick(milliseconds(2001)).ok());  // collects the write
  EXPECT_EQ(sink_->stats().dead_letters_written, 2u);
  EXPECT_EQ(sink_->stats().engine.bad_profiles, 0u);
  txn.end_lsn = Lsn(0x300);
  ASSERT_TRUE(pipeline_->OnCommit(txn).ok());
  ASSERT_TRUE(pipeline_->Flush(milliseconds(5000)).ok());
  EXPECT_EQ(sink_->stats().engine.bad_profiles, 2u);
  EXPECT_NE(Indexed("walcast_bad_profiles").find("\"value\":2,"), std::string::npos)
      << Indexed("walcast_bad_profiles");
  EXPECT_EQ(tracker_->watermark(), Lsn(0x300));
}

}  // namespace
}  // namespace walcast::metrics
