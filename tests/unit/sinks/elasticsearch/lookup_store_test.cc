#include "sinks/elasticsearch/lookup_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/unit/sinks/elasticsearch/lookup_test_util.h"

namespace walcast::sinks::elasticsearch {
namespace {

using namespace lookup_testing;  // NOLINT(google-build-using-namespace): test helpers

LookupStore MosipStore(size_t max_rows = 1000) {
  return LookupStore(MosipLookupPreset(), max_rows);
}

TEST(LookupStoreTest, FollowsInsertsUpdatesAndDeletes) {
  LookupStore store = MosipStore();
  EXPECT_TRUE(store.IsLookupTable("master.doc_type"));
  EXPECT_FALSE(store.IsLookupTable("prereg.applicant_document"));
  EXPECT_EQ(store.Tables(),
            (std::vector<std::string>{"master.doc_type", "master.registration_center"}));

  ASSERT_TRUE(store.Apply(Insert(DocType(), Row({"POA", "eng", "Proof of Address"}))).ok());
  ASSERT_TRUE(store.Apply(Insert(DocType(), Row({"POA", "fra", "Justificatif"}))).ok());
  EXPECT_EQ(store.Find(kDocTypeName, {"POA", "eng"}), "Proof of Address");
  EXPECT_EQ(store.Find(kDocTypeName, {"POA", "fra"}), "Justificatif");
  EXPECT_FALSE(store.Find(kDocTypeName, {"POI", "eng"}));

  ASSERT_TRUE(
      store.Apply(Update(DocType(), std::nullopt, Row({"POA", "eng", "Address proof"}))).ok());
  EXPECT_EQ(store.Find(kDocTypeName, {"POA", "eng"}), "Address proof");

  ASSERT_TRUE(store.Apply(Delete(DocType(), Row({"POA", "eng", std::nullopt}))).ok());
  EXPECT_FALSE(store.Find(kDocTypeName, {"POA", "eng"}));
  EXPECT_EQ(store.Find(kDocTypeName, {"POA", "fra"}), "Justificatif");
  // documents_names reads the same table: one entry per lookup and row.
  EXPECT_EQ(store.rows(), 2u);
}

TEST(LookupStoreTest, KeyChangeMovesTheRow) {
  LookupStore store = MosipStore();
  ASSERT_TRUE(store.Apply(Insert(DocType(), Row({"POA", "eng", "Proof of Address"}))).ok());
  ASSERT_TRUE(store
                  .Apply(Update(DocType(), Row({"POA", "eng", std::nullopt}),
                                Row({"POB", "eng", "Proof of Birth"})))
                  .ok());
  EXPECT_FALSE(store.Find(kDocTypeName, {"POA", "eng"}));
  EXPECT_EQ(store.Find(kDocTypeName, {"POB", "eng"}), "Proof of Birth");
  EXPECT_EQ(store.rows(), 2u);
}

TEST(LookupStoreTest, TemplateValuesNeedEveryColumn) {
  LookupStore store = MosipStore();
  ASSERT_TRUE(
      store.Apply(Insert(Centre(), Row({"10005", "eng", "Rabat", "34.0209", "-6.8416"}))).ok());
  EXPECT_EQ(store.Find(kGeo, {"10005", "eng"}), "34.0209,-6.8416");
  EXPECT_EQ(store.Find(kCentreName, {"10005"}), "Rabat");
  // A centre whose position is not known yet has a name but no point.
  ASSERT_TRUE(
      store.Apply(Insert(Centre(), Row({"10006", "eng", "Sale", std::nullopt, "-6.8"}))).ok());
  EXPECT_FALSE(store.Find(kGeo, {"10006", "eng"}));
  EXPECT_EQ(store.Find(kCentreName, {"10006"}), "Sale");
  // The position arrives: the entry appears.
  ASSERT_TRUE(
      store.Apply(Update(Centre(), std::nullopt, Row({"10006", "eng", "Sale", "34.05", "-6.8"})))
          .ok());
  EXPECT_EQ(store.Find(kGeo, {"10006", "eng"}), "34.05,-6.8");
}

TEST(LookupStoreTest, RowsSharingAKeyResolveToTheSmallestRowId) {
  LookupStore store = MosipStore();
  // regcntr_name keys by id alone: one centre, three languages.
  ASSERT_TRUE(store.Apply(Insert(Centre(), Row({"10005", "fra", "Rabat FR", "1", "2"}))).ok());
  ASSERT_TRUE(store.Apply(Insert(Centre(), Row({"10005", "ara", "Rabat AR", "1", "2"}))).ok());
  ASSERT_TRUE(store.Apply(Insert(Centre(), Row({"10005", "eng", "Rabat", "1", "2"}))).ok());
  EXPECT_EQ(store.Find(kCentreName, {"10005"}), "Rabat AR") << "10005|ara < 10005|eng";
  ASSERT_TRUE(
      store.Apply(Delete(Centre(), Row({"10005", "ara", std::nullopt, std::nullopt, std::nullopt})))
          .ok());
  EXPECT_EQ(store.Find(kCentreName, {"10005"}), "Rabat");
}

TEST(LookupStoreTest, TruncateEmptiesTheTablesLookups) {
  LookupStore store = MosipStore();
  ASSERT_TRUE(store.Apply(Insert(DocType(), Row({"POA", "eng", "Proof of Address"}))).ok());
  ASSERT_TRUE(store.Apply(Insert(Centre(), Row({"1", "eng", "A", "1", "2"}))).ok());
  ChangeEvent truncate;
  truncate.op = Op::kTruncate;
  truncate.relation = DocType();
  ASSERT_TRUE(store.Apply(truncate).ok());
  EXPECT_FALSE(store.Find(kDocTypeName, {"POA", "eng"}));
  EXPECT_EQ(store.Find(kCentreName, {"1"}), "A");
  EXPECT_EQ(store.rows(), 2u);
}

TEST(LookupStoreTest, UnchangedToastKeepsTheEntry) {
  LookupStore store = MosipStore();
  ASSERT_TRUE(store.Apply(Insert(DocType(), Row({"POA", "eng", "Proof of Address"}))).ok());
  Tuple after = Row({"POA", "eng", std::nullopt});
  after[2] = Datum::UnchangedToast();
  ASSERT_TRUE(store.Apply(Update(DocType(), std::nullopt, after)).ok());
  EXPECT_EQ(store.Find(kDocTypeName, {"POA", "eng"}), "Proof of Address");
}

TEST(LookupStoreTest, OtherTablesAndMessagesAreIgnored) {
  LookupStore store = MosipStore();
  ASSERT_TRUE(store.Apply(Insert(ApplicantDocument(), Row({"d1", "POA", "eng"}))).ok());
  ChangeEvent message;
  message.op = Op::kMessage;
  ASSERT_TRUE(store.Apply(message).ok());
  EXPECT_EQ(store.rows(), 0u);
}

TEST(LookupStoreTest, FullStoreStopsWithFatal) {
  LookupStore store = MosipStore(/*max_rows=*/3);
  ASSERT_TRUE(store.Apply(Insert(DocType(), Row({"A", "eng", "a"}))).ok());  // 2 lookups
  const Status full = store.Apply(Insert(DocType(), Row({"B", "eng", "b"})));
  EXPECT_EQ(full.code(), Status::Code::kFatal);
  EXPECT_NE(full.message().find("elasticsearch.lookup.max.rows"), std::string::npos);
  // Replacing a row it holds is no growth.
  EXPECT_TRUE(store.Apply(Update(DocType(), std::nullopt, Row({"A", "eng", "a2"}))).ok());
}

TEST(LookupStoreTest, SubscribersGetTheKeysToCorrect) {
  LookupStore store = MosipStore();
  const int first = store.Subscribe();
  const int second = store.Subscribe();
  ASSERT_TRUE(store.Apply(Insert(DocType(), Row({"POA", "eng", "Proof of Address"}))).ok());
  ASSERT_TRUE(store.Apply(Insert(DocType(), Row({"POA", "eng", "Proof of Address"}))).ok());
  const std::vector<LookupChange> changes = store.TakeChanges(first);
  // Once per key and lookup however often it changed.
  EXPECT_EQ(changes, (std::vector<LookupChange>{{kDocTypeName, {"POA", "eng"}},
                                                {kDocumentsNames, {"POA", "eng"}}}));
  EXPECT_TRUE(store.TakeChanges(first).empty());
  EXPECT_EQ(store.TakeChanges(second).size(), 2u) << "each subscriber has its own queue";

  // A streamed change notes its key even when the value stays (a replay
  // after a crash corrects again); reading the index back does not.
  ASSERT_TRUE(
      store.Apply(Update(DocType(), std::nullopt, Row({"POA", "eng", "Proof of Address"}))).ok());
  EXPECT_EQ(store.TakeChanges(first).size(), 2u);
  ASSERT_TRUE(store.PutRow("master.doc_type", "POA|eng", ProofOfAddressColumn).ok());
  EXPECT_TRUE(store.TakeChanges(first).empty());
}

TEST(LookupStoreTest, PutRowAndStreamedChangesMeetOnTheDocumentId) {
  LookupStore store = MosipStore();
  ASSERT_TRUE(store.PutRow("master.doc_type", "POA|eng", ProofOfAddressColumn).ok());
  ASSERT_TRUE(store.Apply(Delete(DocType(), Row({"POA", "eng", std::nullopt}))).ok());
  EXPECT_FALSE(store.Find(kDocTypeName, {"POA", "eng"}));
  EXPECT_EQ(store.rows(), 0u);
}

TEST(LookupStoreTest, ReadersRunWhileAnotherThreadWrites) {
  LookupStore store = MosipStore(100000);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) {
      const std::string code = "C" + std::to_string(i % 50);
      EXPECT_TRUE(store.Apply(Insert(DocType(), Row({code, "eng", "v" + std::to_string(i)}))).ok());
    }
    done = true;
  });
  size_t seen = 0;
  while (!done) {
    const std::optional<std::string> v = store.Find(kDocTypeName, {"C7", "eng"});
    if (v) {
      EXPECT_EQ(v->front(), 'v');
      ++seen;
    }
  }
  writer.join();
  EXPECT_EQ(store.Find(kDocTypeName, {"C49", "eng"}), "v1999");
  EXPECT_EQ(store.rows(), 100u);
  (void)seen;
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
