#include "sinks/elasticsearch/lookup_index.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "tests/unit/sinks/elasticsearch/lookup_test_util.h"
#include "tests/unit/sinks/elasticsearch/scripted_transport.h"

namespace walcast::sinks::elasticsearch {
namespace {

using namespace lookup_testing;  // NOLINT(google-build-using-namespace): test helpers

// A search answer whose hits are `hits_json` (a JSON array), with a scroll.
std::string Page(const std::string& hits_json) {
  return R"({"_scroll_id":"s1","hits":{"hits":)" + hits_json + "}}";
}

class LookupIndexTest : public ::testing::Test {
 protected:
  LookupIndexTest() : store_(MosipLookupPreset(), 100) {}

  // A BulkSend that records each request.
  BulkSend Recorder() {
    return [this](const BulkRequest& request) -> Result<BulkResult> {
      sent_.push_back(request);
      return BulkResult{};
    };
  }

  LookupStore store_;
  ScriptedTransport transport_;
  std::vector<BulkRequest> sent_;
};

TEST_F(LookupIndexTest, LateLookupRowRewritesTheDocumentWithItsOwnVersion) {
  ASSERT_TRUE(store_.Apply(Insert(DocType(), Row({"POA", "eng", "Proof of Address"}))).ok());
  transport_.Answer(200);  // _refresh
  transport_.Answer(200, Page(R"([
      {"_index":"mosip.prereg.applicant_document","_id":"d1","_version":77,
       "_source":{"id":"d1","doc_typ_code":"POA","lang_code":null}},
      {"_index":"mosip.prereg.applicant_document","_id":"d2","_version":78,
       "_source":{"id":"d2","doc_typ_code":"POA","lang_code":"eng",
                  "doc_type_name":"Proof of Address"}}])"));
  transport_.Answer(200, Page("[]"));  // the scroll's next page
  transport_.Answer(200);              // clearing the scroll
  ASSERT_TRUE(
      CorrectLookupFields(transport_, Recorder(), store_, "mosip", {{kDocTypeName, {"POA", "eng"}}})
          .ok());
  ASSERT_EQ(transport_.requests().size(), 4u);
  EXPECT_EQ(transport_.requests()[0].path.rfind("/mosip.prereg.applicant_document/_refresh", 0),
            0u);
  // The search: the code, and the language or none (its default is eng).
  rapidjson::Document search;
  search.Parse(transport_.requests()[1].body.c_str());
  ASSERT_FALSE(search.HasParseError());
  const std::string body = transport_.requests()[1].body;
  EXPECT_NE(body.find(R"("doc_typ_code":{"query":"POA","lenient":true})"), std::string::npos);
  EXPECT_NE(body.find(R"({"exists":{"field":"lang_code"})"), std::string::npos);

  // d2 is right already: only d1 is written, whole, with its own version.
  ASSERT_EQ(sent_.size(), 1u);
  ASSERT_EQ(sent_[0].size(), 1u);
  EXPECT_EQ(sent_[0].action(0).id, "d1");
  EXPECT_EQ(sent_[0].action(0).version, 77);
  EXPECT_EQ(sent_[0].action(0).version_type, VersionType::kExternalGte);
  rapidjson::Document written;
  const std::string_view source = sent_[0].Source(0);
  written.Parse(source.data(), source.size());
  EXPECT_STREQ(written["doc_type_name"].GetString(), "Proof of Address");
  EXPECT_STREQ(written["doc_typ_code"].GetString(), "POA") << "the rest is kept";
}

TEST_F(LookupIndexTest, DeletedLookupRowRemovesTheField) {
  transport_.Answer(200);
  transport_.Answer(200, Page(R"([
      {"_index":"mosip.prereg.applicant_document","_id":"d2","_version":78,
       "_source":{"doc_typ_code":"POA","lang_code":"eng","doc_type_name":"Old"}}])"));
  transport_.Answer(200, Page("[]"));
  transport_.Answer(200);
  ASSERT_TRUE(
      CorrectLookupFields(transport_, Recorder(), store_, "mosip", {{kDocTypeName, {"POA", "eng"}}})
          .ok());
  ASSERT_EQ(sent_.size(), 1u);
  rapidjson::Document written;
  const std::string_view source = sent_[0].Source(0);
  written.Parse(source.data(), source.size());
  EXPECT_FALSE(written.HasMember("doc_type_name"));
}

TEST_F(LookupIndexTest, RefusedCorrectionLeavesTheDocumentAndGoesOn) {
  ASSERT_TRUE(store_.Apply(Insert(DocType(), Row({"POA", "eng", "Proof of Address"}))).ok());
  transport_.Answer(200);
  transport_.Answer(200, Page(R"([
      {"_index":"mosip.prereg.applicant_document","_id":"d1","_version":77,
       "_source":{"doc_typ_code":"POA","lang_code":"eng"}}])"));
  transport_.Answer(200, Page("[]"));
  transport_.Answer(200);
  const BulkSend refuse = [this](const BulkRequest& request) -> Result<BulkResult> {
    sent_.push_back(request);
    BulkResult result;
    result.items.push_back({400, ItemDisposition::kRejected, "mapper_parsing_exception",
                            "failed to parse field [doc_type_name]", -1});
    return result;
  };
  EXPECT_TRUE(
      CorrectLookupFields(transport_, refuse, store_, "mosip", {{kDocTypeName, {"POA", "eng"}}})
          .ok());
  EXPECT_EQ(sent_.size(), 1u);
}

TEST_F(LookupIndexTest, MissingTargetIndexIsNothingToCorrect) {
  transport_.Answer(404);
  ASSERT_TRUE(
      CorrectLookupFields(transport_, Recorder(), store_, "mosip", {{kDocTypeName, {"POA", "eng"}}})
          .ok());
  EXPECT_TRUE(sent_.empty());
}

TEST_F(LookupIndexTest, OutageIsReportedForTheWorkerToRetry) {
  transport_.Answer(200);
  transport_.Answer(503, R"({"error":"unavailable"})");
  EXPECT_EQ(
      CorrectLookupFields(transport_, Recorder(), store_, "mosip", {{kDocTypeName, {"POA", "eng"}}})
          .code(),
      Status::Code::kUnavailable);
  transport_.Answer(200);
  transport_.Answer(200, R"({"took":1})");
  EXPECT_EQ(
      CorrectLookupFields(transport_, Recorder(), store_, "mosip", {{kDocTypeName, {"POA", "eng"}}})
          .code(),
      Status::Code::kCorruption);
}

TEST_F(LookupIndexTest, LookupTablesAreReadBackFromTheirIndices) {
  // master.doc_type, then master.registration_center.
  transport_.Answer(200);
  transport_.Answer(200, Page(R"([
      {"_index":"mosip.master.doc_type","_id":"POA|eng",
       "_source":{"code":"POA","lang_code":"eng","name":"Proof of Address"}}])"));
  transport_.Answer(200, Page("[]"));
  transport_.Answer(200);
  transport_.Answer(404);  // no centre indexed yet
  ASSERT_TRUE(LoadLookupTables(transport_, "mosip", &store_).ok());
  EXPECT_EQ(store_.Find(kDocTypeName, {"POA", "eng"}), "Proof of Address");
  EXPECT_EQ(transport_.requests()[0].path.rfind("/mosip.master.doc_type/_refresh", 0), 0u);
  // The row id is the document's _id: a streamed delete finds it.
  ASSERT_TRUE(store_.Apply(Delete(DocType(), Row({"POA", "eng", std::nullopt}))).ok());
  EXPECT_FALSE(store_.Find(kDocTypeName, {"POA", "eng"}));
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
