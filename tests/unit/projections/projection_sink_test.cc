// ProjectionSink with outputs, in a Pipeline with a real AckTracker and a
// real RocksDB state; the output is a fake that records each write and is
// completed (or failed) by the test.

#include "projections/projection_sink.h"

#include <gtest/gtest.h>

#include "core/pipeline.h"
#include "tests/unit/projections/projections_test_util.h"

namespace walcast::projections {
namespace {

using std::chrono::milliseconds;
using testing::Enrolment;
using testing::Text;

class FakeOutput : public ProjectionOutput {
 public:
  struct Call {
    std::vector<ProjectionChange> changes;
    Lsn version;
    std::function<void(Status)> done;
  };
  const std::string& name() const override { return name_; }
  void Write(std::vector<ProjectionChange> changes, Lsn version,
             std::function<void(Status)> done) override {
    calls->push_back({std::move(changes), version, std::move(done)});
  }
  std::shared_ptr<std::vector<Call>> calls = std::make_shared<std::vector<Call>>();

 private:
  std::string name_ = "fake";
};

class ProjectionSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_ = testing::ExampleSet(R"({"elasticsearch_index": "e"})");
    Result<std::unique_ptr<SunbirdCipher>> c = SunbirdCipher::Create("test-salt");
    ASSERT_TRUE(c.ok());
    cipher_ = std::move(*c);
    Start();
  }
  void Start() {
    pipeline_.reset();
    tracker_ = std::make_unique<AckTracker>(Lsn(1));
    pipeline_ = std::make_unique<Pipeline>(tracker_.get());
    ProjectionSinkOptions options;
    options.engine.store.dir = dir_.Sub("state");
    options.engine.store.sync = false;
    options.checkpoint_interval = milliseconds(100);
    options.retry_initial = milliseconds(10);
    Result<std::unique_ptr<ProjectionSink>> sink =
        ProjectionSink::Create(set_, options, cipher_.get());
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    auto output = std::make_unique<FakeOutput>();
    calls_ = output->calls;
    (*sink)->AddOutput(std::move(output));
    pipeline_->AddSink(std::move(*sink));
  }
  void Enrol(const std::string& user, const std::string& district, uint64_t end) {
    TransactionInfo txn;
    txn.xid = end;
    txn.commit_lsn = Lsn(end - 8);
    ASSERT_TRUE(pipeline_->OnBegin(txn).ok());
    Enrolment e;
    e.user_id = user;
    e.district = district;
    ASSERT_TRUE(pipeline_
                    ->OnChange(txn, testing::Event(Op::kCreate, testing::ProgramUsers(),
                                                   {Text("e-" + user), Text(e.Json())}, end - 16))
                    .ok());
    txn.end_lsn = Lsn(end);
    ASSERT_TRUE(pipeline_->OnCommit(txn).ok());
  }
  Status Tick(milliseconds at) { return pipeline_->Tick(t0_ + at); }

  testing::TempDir dir_;
  ProjectionSet set_;
  std::unique_ptr<SunbirdCipher> cipher_;
  std::unique_ptr<AckTracker> tracker_;
  std::unique_ptr<Pipeline> pipeline_;
  std::shared_ptr<std::vector<FakeOutput::Call>> calls_;
  std::chrono::steady_clock::time_point t0_ =
      std::chrono::steady_clock::now() + std::chrono::hours(1);
};

// The watermark moves only once the output made the changes durable.
TEST_F(ProjectionSinkTest, AcknowledgesOnlyWhatTheOutputsWrote) {
  Enrol("u1", "Pune", 100);
  Enrol("u2", "Nashik", 200);
  ASSERT_TRUE(Tick(milliseconds(200)).ok());
  ASSERT_EQ(calls_->size(), 1u);
  EXPECT_EQ((*calls_)[0].changes.size(), 2u);
  EXPECT_EQ((*calls_)[0].version, Lsn(200));
  EXPECT_LT(tracker_->watermark(), Lsn(200));
  ASSERT_TRUE(Tick(milliseconds(250)).ok());
  EXPECT_EQ(calls_->size(), 1u);  // one write in flight at a time

  (*calls_)[0].done(Status::Ok());
  ASSERT_TRUE(Tick(milliseconds(300)).ok());
  EXPECT_EQ(tracker_->watermark(), Lsn(200));
  ASSERT_TRUE(Tick(milliseconds(500)).ok());
  EXPECT_EQ(calls_->size(), 1u);  // nothing left to write
}

// A temporary failure resends the same changes; the watermark waits.
TEST_F(ProjectionSinkTest, TemporaryFailureResendsTheChanges) {
  Enrol("u1", "Pune", 100);
  ASSERT_TRUE(Tick(milliseconds(200)).ok());
  ASSERT_EQ(calls_->size(), 1u);
  (*calls_)[0].done(Status::Unavailable("down"));
  ASSERT_TRUE(Tick(milliseconds(201)).ok());
  EXPECT_LT(tracker_->watermark(), Lsn(100));
  ASSERT_TRUE(Tick(milliseconds(400)).ok());
  ASSERT_EQ(calls_->size(), 2u);
  EXPECT_EQ((*calls_)[1].changes.size(), 1u);
  (*calls_)[1].done(Status::Ok());
  ASSERT_TRUE(Tick(milliseconds(500)).ok());
  EXPECT_EQ(tracker_->watermark(), Lsn(100));
}

// A crash before the output finished: the restarted sink writes the
// committed outbox again.
TEST_F(ProjectionSinkTest, OutboxIsWrittenAgainAfterACrash) {
  Enrol("u1", "Pune", 100);
  ASSERT_TRUE(Tick(milliseconds(200)).ok());
  ASSERT_EQ(calls_->size(), 1u);
  Start();  // the old pipeline is gone; its write never completed
  ASSERT_TRUE(Tick(milliseconds(400)).ok());
  ASSERT_EQ(calls_->size(), 1u);
  ASSERT_EQ((*calls_)[0].changes.size(), 1u);
  EXPECT_EQ(*(*calls_)[0].changes[0].after->Find("user_locations.district_name"), "Pune");
}

// A fatal output error stops the pipeline.
TEST_F(ProjectionSinkTest, FatalOutputErrorStops) {
  Enrol("u1", "Pune", 100);
  ASSERT_TRUE(Tick(milliseconds(200)).ok());
  (*calls_)[0].done(Status::Fatal("mapping refused"));
  EXPECT_EQ(Tick(milliseconds(300)).code(), Status::Code::kFatal);
}

}  // namespace
}  // namespace walcast::projections
