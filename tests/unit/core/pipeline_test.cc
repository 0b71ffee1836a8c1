#include "core/pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include "tests/support/recording_sink.h"

namespace walcast {
namespace {

// Replaces the first column's value by "x" and counts its calls.
class CountingTransform : public RowTransform {
 public:
  explicit CountingTransform(int* calls, bool reject = false) : calls_(calls), reject_(reject) {}
  Status Apply(const TransactionInfo&, const ChangeEvent& in, ChangeEvent* out) override {
    ++*calls_;
    if (reject_) return Status::Rejected("rule x on public.t.c: bad value");
    *out = in;
    (*out->after)[0] = Datum::Text("x");
    return Status::Ok();
  }
  bool Applies(const ChangeEvent& event) const override { return event.relation != nullptr; }

 private:
  int* calls_;
  bool reject_;
};

ChangeEvent Row(const std::string& value) {
  ChangeEvent e;
  auto r = std::make_shared<Relation>();
  r->schema = "public";
  r->name = "t";
  e.relation = r;
  e.after = Tuple{Datum::Text(value)};
  return e;
}

TEST(PipelineTest, TransformRunsOnceBeforeOutputsAndMetricsSeeTheOriginal) {
  AckTracker tracker{Lsn(0)};
  Pipeline pipeline(&tracker);
  int calls = 0;
  pipeline.SetRowTransform(std::make_unique<CountingTransform>(&calls));
  auto kafka = std::make_unique<testing::RecordingSink>("kafka");
  auto es = std::make_unique<testing::RecordingSink>("elasticsearch");
  auto metrics = std::make_unique<testing::RecordingSink>("metrics");
  testing::RecordingSink* kafka_ptr = kafka.get();
  testing::RecordingSink* es_ptr = es.get();
  testing::RecordingSink* metrics_ptr = metrics.get();
  pipeline.AddSink(std::move(kafka));
  pipeline.AddSink(std::move(es));
  pipeline.AddSink(std::move(metrics), RowView::kOriginal);

  TransactionInfo txn;
  txn.end_lsn = Lsn(0x20);
  ASSERT_TRUE(pipeline.OnBegin(txn).ok());
  ASSERT_TRUE(pipeline.OnChange(txn, Row("secret")).ok());
  ASSERT_TRUE(pipeline.OnCommit(txn).ok());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ((*kafka_ptr->records().at(0).event.after)[0].data, "x");
  EXPECT_EQ((*es_ptr->records().at(0).event.after)[0].data, "x");
  EXPECT_EQ((*metrics_ptr->records().at(0).event.after)[0].data, "secret");
}

TEST(PipelineTest, RejectedRowReachesNoSink) {
  AckTracker tracker{Lsn(0)};
  Pipeline pipeline(&tracker);
  int calls = 0;
  pipeline.SetRowTransform(std::make_unique<CountingTransform>(&calls, true));
  auto out = std::make_unique<testing::RecordingSink>("kafka");
  auto metrics = std::make_unique<testing::RecordingSink>("metrics");
  testing::RecordingSink* out_ptr = out.get();
  testing::RecordingSink* metrics_ptr = metrics.get();
  pipeline.AddSink(std::move(metrics), RowView::kOriginal);
  pipeline.AddSink(std::move(out));
  TransactionInfo txn;
  ASSERT_TRUE(pipeline.OnBegin(txn).ok());
  EXPECT_EQ(pipeline.OnChange(txn, Row("secret")).code(), Status::Code::kRejected);
  pipeline.ResetOpenTransaction();
  EXPECT_TRUE(out_ptr->records().empty());
  EXPECT_TRUE(metrics_ptr->records().empty());
}

// A transform that, like the privacy rules with subject keys, makes each
// row depend on something written without fsync: rows whose value starts
// with "new" create it; MakeDurable makes everything created before it
// durable and records what it covered.
class DurabilityTransform : public RowTransform {
 public:
  Status Apply(const TransactionInfo&, const ChangeEvent& in, ChangeEvent* out) override {
    *out = in;
    if ((*in.after)[0].data.rfind("new", 0) == 0) created_.fetch_add(1);
    return Status::Ok();
  }
  bool Applies(const ChangeEvent& event) const override { return event.relation != nullptr; }
  bool NeedsDurable() const override { return created_.load() != durable_.load(); }
  Status MakeDurable() override {
    durable_.store(created_.load());
    syncs_.fetch_add(1);
    return fail_ ? Status::Fatal("privacy key state: sync: disk gone") : Status::Ok();
  }
  int syncs() const { return syncs_.load(); }
  bool fail_ = false;

 private:
  std::atomic<int> created_{0}, durable_{0}, syncs_{0};
};

struct HoldingFixture {
  AckTracker tracker{Lsn(0)};
  Pipeline pipeline{&tracker};
  DurabilityTransform* transform = nullptr;
  testing::RecordingSink* out = nullptr;
  testing::RecordingSink* metrics = nullptr;
  uint64_t lsn = 0;

  explicit HoldingFixture(bool on_worker = false) {
    auto t = std::make_unique<DurabilityTransform>();
    transform = t.get();
    pipeline.SetRowTransform(std::move(t), on_worker);
    auto o = std::make_unique<testing::RecordingSink>("kafka");
    auto m = std::make_unique<testing::RecordingSink>("metrics");
    out = o.get();
    metrics = m.get();
    pipeline.AddSink(std::move(o));
    pipeline.AddSink(std::move(m), RowView::kOriginal);
  }
  // One transaction of these rows.
  Status Txn(std::initializer_list<const char*> values) {
    TransactionInfo txn;
    txn.end_lsn = Lsn(lsn += 0x10);
    WALCAST_RETURN_IF_ERROR(pipeline.OnBegin(txn));
    for (const char* v : values) WALCAST_RETURN_IF_ERROR(pipeline.OnChange(txn, Row(v)));
    return pipeline.OnCommit(txn);
  }
  std::vector<std::string> Values(const testing::RecordingSink* sink) const {
    std::vector<std::string> v;
    for (const auto& r : sink->records()) v.push_back((*r.event.after)[0].data);
    return v;
  }
};

TEST(PipelineTest, OutputsGetNothingBeforeItIsDurableAndEverythingInOrder) {
  HoldingFixture f;
  ASSERT_TRUE(f.Txn({"a"}).ok());
  EXPECT_EQ(f.Values(f.out), (std::vector<std::string>{"a"}));  // nothing to wait for
  ASSERT_TRUE(f.Txn({"new1", "b"}).ok());
  ASSERT_TRUE(f.Txn({"c"}).ok());  // after a held row: held too, to keep the order
  EXPECT_EQ(f.Values(f.out), (std::vector<std::string>{"a"}));
  // From "new1" on: its change, "b", the commit, then c's begin, change, commit.
  EXPECT_EQ(f.pipeline.held(), 6u);
  // The metric engine reads the original rows and is never held.
  EXPECT_EQ(f.Values(f.metrics), (std::vector<std::string>{"a", "new1", "b", "c"}));
  EXPECT_EQ(f.transform->syncs(), 0);

  ASSERT_TRUE(f.pipeline.Flush(std::chrono::milliseconds(100)).ok());
  EXPECT_EQ(f.transform->syncs(), 1);  // one MakeDurable for all of them
  EXPECT_EQ(f.Values(f.out), (std::vector<std::string>{"a", "new1", "b", "c"}));
  EXPECT_EQ(f.out->commits().size(), 3u);
  EXPECT_EQ(f.pipeline.held(), 0u);
}

// A tick after the hold time starts MakeDurable on its own thread; a later
// tick hands on what it covered.
void ExpectHeldRowsGoOutAfterTheHoldTime(bool on_worker) {
  HoldingFixture f(on_worker);
  ASSERT_TRUE(f.Txn({"new1"}).ok());
  EXPECT_TRUE(f.out->records().empty());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (f.out->records().empty() && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(f.pipeline.Tick(std::chrono::steady_clock::now()).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(f.Values(f.out), (std::vector<std::string>{"new1"}));
  EXPECT_EQ(f.transform->syncs(), 1);
}

TEST(PipelineTest, HeldRowsGoOutOnTheirOwnAfterTheHoldTime) {
  ExpectHeldRowsGoOutAfterTheHoldTime(false);
}

void ExpectABrokenTransactionsHeldRowsDropped(bool on_worker) {
  HoldingFixture f(on_worker);
  ASSERT_TRUE(f.Txn({"new1"}).ok());
  TransactionInfo open;
  open.end_lsn = Lsn(0x100);
  ASSERT_TRUE(f.pipeline.OnBegin(open).ok());
  ASSERT_TRUE(f.pipeline.OnChange(open, Row("new2")).ok());
  f.pipeline.ResetOpenTransaction();
  EXPECT_EQ(f.Values(f.out), (std::vector<std::string>{"new1"}));
  EXPECT_EQ(f.pipeline.held(), 0u);
  EXPECT_FALSE(f.pipeline.in_transaction());
  f.pipeline.Rewind();
  EXPECT_EQ(f.pipeline.held(), 0u);
}

TEST(PipelineTest, ABrokenTransactionsHeldRowsAreDroppedAndTheCompleteOnesGoOut) {
  ExpectABrokenTransactionsHeldRowsDropped(false);
}

TEST(PipelineTest, WhenMakingDurableFailsNothingHeldGoesOutAndTheErrorStopsTheStream) {
  HoldingFixture f;
  f.transform->fail_ = true;
  ASSERT_TRUE(f.Txn({"new1"}).ok());
  const Status s = f.pipeline.Flush(std::chrono::milliseconds(100));
  EXPECT_EQ(s.code(), Status::Code::kFatal) << s.ToString();
  EXPECT_TRUE(f.out->records().empty());
  // A rewind forgets what was held: it is sent again from the watermark.
  f.pipeline.Rewind();
  EXPECT_EQ(f.pipeline.held(), 0u);
}

void ExpectHeldEventsStayBounded(bool on_worker) {
  HoldingFixture f(on_worker);
  for (size_t i = 0; i < Pipeline::kMaxHeld * 5; ++i) {
    ASSERT_TRUE(f.Txn({"new"}).ok());
    ASSERT_LE(f.pipeline.held(), Pipeline::kMaxHeld * 4 + 3);
  }
  ASSERT_TRUE(f.pipeline.Flush(std::chrono::milliseconds(100)).ok());
  EXPECT_EQ(f.out->records().size(), Pipeline::kMaxHeld * 5);
}

TEST(PipelineTest, HeldEventsStayBoundedUnderASteadyStreamOfNewSubjects) {
  ExpectHeldEventsStayBounded(false);
}

// Ticks with a clock that never reaches the hold time until `done`.
void PumpUntil(Pipeline* pipeline, const std::function<bool()>& done) {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::seconds(10);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(pipeline->Tick(start).ok());
    std::this_thread::yield();
  }
}

TEST(PipelineTest, OnTheWorkerOutputsGetEverythingInCommitOrderAndAcksMoveByCommit) {
  HoldingFixture f(true);
  ASSERT_TRUE(f.Txn({"a", "b"}).ok());
  ASSERT_TRUE(f.Txn({"new1", "c"}).ok());
  ASSERT_TRUE(f.Txn({"d"}).ok());
  // The metric engine got every change at once, as decoded.
  EXPECT_EQ(f.Values(f.metrics), (std::vector<std::string>{"a", "b", "new1", "c", "d"}));
  ASSERT_TRUE(f.pipeline.Flush(std::chrono::milliseconds(100)).ok());
  EXPECT_EQ(f.Values(f.out), (std::vector<std::string>{"a", "b", "new1", "c", "d"}));
  const std::vector<TransactionInfo> commits = f.out->commits();
  ASSERT_EQ(commits.size(), 3u);
  for (size_t i = 0; i < commits.size(); ++i) EXPECT_EQ(commits[i].end_lsn, Lsn(0x10 * (i + 1)));
  EXPECT_EQ(f.transform->syncs(), 1);
  EXPECT_EQ(f.tracker.watermark(), Lsn(0x30));
  EXPECT_EQ(f.pipeline.held(), 0u);
}

TEST(PipelineTest, OnTheWorkerACrashBeforeTheKeyIsDurableLeavesNothingOutAndTheWatermarkBehind) {
  {
    HoldingFixture f(true);
    ASSERT_TRUE(f.Txn({"a"}).ok());
    ASSERT_TRUE(f.Txn({"new1", "b"}).ok());
    // The worker has transformed everything ("new1" made a key not yet
    // durable): "a" went out and was acknowledged, nothing after it.
    PumpUntil(&f.pipeline,
              [&] { return f.transform->NeedsDurable() && f.Values(f.out).size() == 1; });
    EXPECT_EQ(f.Values(f.out), (std::vector<std::string>{"a"}));
    EXPECT_EQ(f.pipeline.held(), 3u);  // new1, b, the commit
    EXPECT_EQ(f.transform->syncs(), 0);
    EXPECT_EQ(f.tracker.watermark(), Lsn(0x10));
    // The process dies here: the pipeline goes without a Flush.
  }
  // Restarted from the watermark, the second transaction comes again and
  // goes out once its key is durable.
  HoldingFixture f(true);
  f.lsn = 0x10;
  ASSERT_TRUE(f.Txn({"new1", "b"}).ok());
  ASSERT_TRUE(f.pipeline.Flush(std::chrono::milliseconds(100)).ok());
  EXPECT_EQ(f.Values(f.out), (std::vector<std::string>{"new1", "b"}));
  EXPECT_EQ(f.tracker.watermark(), Lsn(0x20));
}

TEST(PipelineTest, OnTheWorkerHeldRowsGoOutOnTheirOwnAfterTheHoldTime) {
  ExpectHeldRowsGoOutAfterTheHoldTime(true);
}

TEST(PipelineTest, OnTheWorkerARejectedRowNeverGoesOutAndStopsTheStream) {
  AckTracker tracker{Lsn(0)};
  Pipeline pipeline(&tracker);
  int calls = 0;
  pipeline.SetRowTransform(std::make_unique<CountingTransform>(&calls, true), true);
  auto out = std::make_unique<testing::RecordingSink>("kafka");
  testing::RecordingSink* out_ptr = out.get();
  pipeline.AddSink(std::move(out));
  TransactionInfo txn;
  txn.end_lsn = Lsn(0x10);
  ASSERT_TRUE(pipeline.OnBegin(txn).ok());
  // The error comes back from this call or a later one.
  Status s = pipeline.OnChange(txn, Row("secret"));
  if (s.ok()) s = pipeline.OnCommit(txn);
  if (s.ok()) s = pipeline.Flush(std::chrono::milliseconds(100));
  EXPECT_EQ(s.code(), Status::Code::kRejected) << s.ToString();
  EXPECT_TRUE(out_ptr->records().empty());
  EXPECT_EQ(tracker.watermark(), Lsn(0));
}

TEST(PipelineTest, OnTheWorkerABrokenTransactionsHeldRowsAreDropped) {
  ExpectABrokenTransactionsHeldRowsDropped(true);
}

TEST(PipelineTest, OnTheWorkerHeldEventsStayBounded) { ExpectHeldEventsStayBounded(true); }

}  // namespace
}  // namespace walcast
