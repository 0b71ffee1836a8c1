#include "core/pipeline.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace walcast
