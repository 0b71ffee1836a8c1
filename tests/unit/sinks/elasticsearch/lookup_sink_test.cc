// The Elasticsearch sink with lookups: it feeds the store and corrects
// documents after the writes before them, acknowledging only then.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include "core/ack_tracker.h"
#include "sinks/elasticsearch/es_sink.h"
#include "tests/unit/sinks/elasticsearch/lookup_test_util.h"
#include "tests/unit/sinks/elasticsearch/scripted_transport.h"

namespace walcast::sinks::elasticsearch {
namespace {

using namespace lookup_testing;  // NOLINT(google-build-using-namespace): test helpers
using std::chrono::milliseconds;

// Indexes every row as {"id": column 0} in "mosip.<schema>.<table>".
class IdMapper : public DocumentMapper {
 public:
  Status Map(const TransactionInfo& /*txn*/, const ChangeEvent& e, DocumentAction* out) override {
    out->table = e.relation->schema + "." + e.relation->name;
    out->index = "mosip." + out->table;
    out->id = out->key = (*e.after)[0].data;
    out->kind = DocumentAction::Kind::kIndex;
    out->source = R"({"id":")" + out->id + "\"}";
    return Status::Ok();
  }
};

TransactionInfo Txn(uint64_t commit) {
  TransactionInfo t;
  t.commit_lsn = Lsn(commit);
  t.end_lsn = Lsn(commit + 8);
  return t;
}

TEST(LookupSinkTest, LookupChangeIsCorrectedAfterTheBulkAndBeforeTheAck) {
  auto store = std::make_shared<LookupStore>(MosipLookupPreset(), 100);
  auto transport = std::make_unique<ScriptedTransport>();
  ScriptedTransport* script = transport.get();
  ElasticsearchSinkOptions options;
  options.worker.client.backoff.initial = milliseconds(1);
  options.worker.client.backoff.max = milliseconds(2);
  options.lookups = store;
  options.lookup_index_prefix = "mosip";
  ElasticsearchSink sink(std::move(transport), std::make_unique<IdMapper>(), options);
  AckTracker tracker(Lsn(1));
  sink.Attach(Sink::Acker(&tracker, tracker.RegisterSink("elasticsearch")));

  script->Answer(200, R"({"errors":false,"items":[{"index":{"status":201}}]})");  // the row
  script->Answer(503, "{}");  // the correction's refresh: an outage, retried
  script->Answer(200);        // _refresh of prereg.applicant_document
  script->Answer(404);        // its search: no index yet
  // documents_names reads master.doc_type too: its two profile indices.
  script->Answer(200);  // _refresh of regprc.anonymous_profile
  script->Answer(200, R"({"_scroll_id":"s","hits":{"hits":[]}})");
  script->Answer(200);  // clearing the scroll
  script->Answer(404);  // _refresh of idrepo.anonymous_profile: no index

  const TransactionInfo txn = Txn(100);
  tracker.Track(txn.end_lsn);
  ASSERT_TRUE(sink.OnBegin(txn).ok());
  ASSERT_TRUE(sink.OnChange(txn, Insert(DocType(), Row({"POA", "eng", "Proof of Address"}))).ok());
  ASSERT_TRUE(sink.OnCommit(txn).ok());
  EXPECT_EQ(store->Find(0, {"POA", "eng"}), "Proof of Address") << "fed on the reader thread";
  const Status flushed = sink.Flush(milliseconds(5000));
  ASSERT_TRUE(flushed.ok()) << flushed.ToString();

  ASSERT_EQ(script->requests().size(), 8u);
  EXPECT_EQ(script->requests()[0].path.rfind("/_bulk", 0), 0u);
  EXPECT_NE(script->requests()[2].path.find("mosip.prereg.applicant_document/_refresh"),
            std::string::npos);
  EXPECT_NE(script->requests()[3].path.find("mosip.prereg.applicant_document/_search"),
            std::string::npos);
  EXPECT_NE(script->requests()[5].path.find("mosip.regprc.anonymous_profile/_search"),
            std::string::npos);
  EXPECT_EQ(tracker.watermark(), txn.end_lsn);
  ASSERT_TRUE(sink.Close(milliseconds(1000)).ok());
}

TEST(LookupSinkTest, SinkOfAnotherPipelineCorrectsItsOwnIndicesOnItsTick) {
  // Two pipelines (databases) of one process share the store: the master
  // pipeline's sink feeds it, the prereg pipeline's sink corrects.
  auto store = std::make_shared<LookupStore>(MosipLookupPreset(), 100);
  const auto make = [&](ScriptedTransport** script, const std::string& prefix) {
    auto transport = std::make_unique<ScriptedTransport>();
    *script = transport.get();
    ElasticsearchSinkOptions options;
    options.lookups = store;
    options.lookup_index_prefix = prefix;
    return std::make_unique<ElasticsearchSink>(std::move(transport), std::make_unique<IdMapper>(),
                                               options);
  };
  ScriptedTransport* master_script = nullptr;
  ScriptedTransport* prereg_script = nullptr;
  std::unique_ptr<ElasticsearchSink> master = make(&master_script, "master_db");
  std::unique_ptr<ElasticsearchSink> prereg = make(&prereg_script, "prereg_db");
  AckTracker master_tracker(Lsn(1));
  AckTracker prereg_tracker(Lsn(1));
  master->Attach(Sink::Acker(&master_tracker, master_tracker.RegisterSink("elasticsearch")));
  prereg->Attach(Sink::Acker(&prereg_tracker, prereg_tracker.RegisterSink("elasticsearch")));

  master_script->Answer(200, R"({"errors":false,"items":[{"index":{"status":201}}]})");
  for (int i = 0; i < 3; ++i) master_script->Answer(404);  // its three target patterns
  std::thread master_reader([&] {
    const TransactionInfo txn = Txn(100);
    master_tracker.Track(txn.end_lsn);
    EXPECT_TRUE(master->OnBegin(txn).ok());
    EXPECT_TRUE(
        master->OnChange(txn, Insert(DocType(), Row({"POA", "eng", "Proof of Address"}))).ok());
    EXPECT_TRUE(master->OnCommit(txn).ok());
    EXPECT_TRUE(master->Flush(milliseconds(5000)).ok());
  });
  master_reader.join();
  EXPECT_EQ(master_tracker.watermark(), Lsn(108));

  for (int i = 0; i < 3; ++i) prereg_script->Answer(404);
  ASSERT_TRUE(prereg->OnTick(std::chrono::steady_clock::now()).ok());
  ASSERT_TRUE(prereg->Flush(milliseconds(5000)).ok());
  ASSERT_EQ(prereg_script->requests().size(), 3u);
  EXPECT_NE(prereg_script->requests()[0].path.find("prereg_db.prereg.applicant_document/_refresh"),
            std::string::npos);
  EXPECT_NE(prereg_script->requests()[1].path.find("prereg_db.regprc.anonymous_profile/_refresh"),
            std::string::npos);
  EXPECT_EQ(master_script->requests().size(), 4u);
  ASSERT_TRUE(master->Close(milliseconds(1000)).ok());
  ASSERT_TRUE(prereg->Close(milliseconds(1000)).ok());
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
