// Proves the Elasticsearch test harness (tests/support/es_cluster.h) and the
// sink's low-level client (sinks/elasticsearch/) against the real server of
// the flavour under test (WALCAST_ES_FLAVOUR: es7, es8 or opensearch): server
// detection, index templates, external versions (newer wins, older is a 409
// counted as done), a mapping rejection as a permanent item error, versioned
// deletes, and retries across a stopped and restarted node.

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "sinks/elasticsearch/bulk_client.h"
#include "sinks/elasticsearch/bulk_request.h"
#include "sinks/elasticsearch/http_client.h"
#include "sinks/elasticsearch/index_template.h"
#include "sinks/elasticsearch/server_info.h"
#include "tests/support/es_cluster.h"

namespace walcast::sinks::elasticsearch {
namespace {

using std::chrono::milliseconds;
using walcast::testing::EsCluster;

std::unique_ptr<HttpClient> ClientFor(const EsCluster& es) {
  Result<std::unique_ptr<HttpClient>> client =
      HttpClient::Create({.base_url = es.url(),
                          .connect_timeout = milliseconds(2000),
                          .request_timeout = milliseconds(30000)});
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return client.ok() ? std::move(client).value() : nullptr;
}

// Short waits: the tests retry against one local node.
BulkClientOptions FastRetries(int max_attempts = 50) {
  return {.backoff = {.initial = milliseconds(50), .max = milliseconds(500)},
          .max_attempts = max_attempts};
}

// An index name unique to the running test (the node is shared by the
// binary); index names must be lowercase.
std::string IndexFor() {
  std::string name =
      std::string("harness-") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

// The stored document's _version and its field `field` (an integer), or
// found=false.
struct Stored {
  bool found = false;
  int64_t version = -1;
  int64_t value = -1;
};

Stored Fetch(const EsCluster& es, const std::string& index, const std::string& id,
             const char* field = "n") {
  rapidjson::Document doc;
  doc.Parse(es.Get(index, id).c_str());
  Stored s;
  if (doc.HasParseError() || !doc.IsObject()) return s;
  s.found = doc.HasMember("found") && doc["found"].IsTrue();
  if (s.found) {
    s.version = doc["_version"].GetInt64();
    const rapidjson::Value& source = doc["_source"];
    if (source.HasMember(field) && source[field].IsInt64()) s.value = source[field].GetInt64();
  }
  return s;
}

std::string Doc(int64_t n) { return "{\"n\":" + std::to_string(n) + "}"; }

// Each test gets the shared node, a client of its own and a fresh index
// name, deleted afterwards.
class EsHarnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WALCAST_REQUIRE_ES(es);
    client_ = ClientFor(*es);
    ASSERT_TRUE(client_);
    es_ = es;
    index_ = IndexFor();
  }
  void TearDown() override {
    if (es_ != nullptr) {
      EXPECT_TRUE(es_->DeleteIndex(index_));
    }
  }

  // Sends what `builder` holds with short retries.
  Result<BulkResult> Send(BulkRequestBuilder& builder) {
    BulkClient bulk(*client_, FastRetries());
    return bulk.Send(builder.Take());
  }

  EsCluster* es_ = nullptr;
  std::unique_ptr<HttpClient> client_;
  std::string index_;
};

TEST_F(EsHarnessTest, DetectsTheFlavoursDistributionAndVersion) {
  const Result<ServerInfo> info = DetectServer(*client_);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  if (es_->flavour() == "opensearch") {
    EXPECT_EQ(info->distribution, Distribution::kOpenSearch);
    EXPECT_EQ(info->major, 2);
  } else {
    EXPECT_EQ(info->distribution, Distribution::kElasticsearch);
    EXPECT_EQ(info->major, es_->flavour() == "es7" ? 7 : 8) << info->version;
  }
  EXPECT_TRUE(info->SupportsComposableTemplates());
}

TEST_F(EsHarnessTest, InstallsAnIndexTemplateOnce) {
  const std::string name = index_;
  const std::string index = index_ + "-a";
  const std::string body = R"({"index_patterns":[")" + name + R"(-*"],"template":{
      "settings":{"number_of_replicas":0},
      "mappings":{"properties":{
        "yearOfBirth":{"type":"integer"},
        "gender":{"type":"text","fields":{"keyword":{"type":"keyword","ignore_above":256}}}}}}})";
  Result<bool> installed = EnsureIndexTemplate(*client_, name, body);
  ASSERT_TRUE(installed.ok()) << installed.status().ToString();
  EXPECT_TRUE(*installed);
  installed = EnsureIndexTemplate(*client_, name, R"({"index_patterns":["x"]})");
  ASSERT_TRUE(installed.ok()) << installed.status().ToString();
  EXPECT_FALSE(*installed) << "an existing template is left as it is";

  // A new index matching the pattern takes the template's mappings.
  BulkRequestBuilder builder;
  ASSERT_TRUE(builder.Index(index, "1", R"({"yearOfBirth":1990,"gender":"Female"})", 1).ok());
  const Result<BulkResult> sent = Send(builder);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_TRUE(sent->Rejected().empty());
  const EsCluster::Answer mapping = es_->Request("GET", "/" + index + "/_mapping");
  ASSERT_EQ(mapping.status, 200) << mapping.body;
  rapidjson::Document doc;
  doc.Parse(mapping.body.c_str());
  const rapidjson::Value& properties = doc[index.c_str()]["mappings"]["properties"];
  EXPECT_STREQ(properties["yearOfBirth"]["type"].GetString(), "integer");
  EXPECT_STREQ(properties["gender"]["fields"]["keyword"]["type"].GetString(), "keyword");
  EXPECT_TRUE(es_->DeleteIndex(index));
  EXPECT_EQ(es_->Request("DELETE", "/_index_template/" + name).status, 200);
}

TEST_F(EsHarnessTest, ExternalVersionsNewerWinsOlderIsSuperseded) {
  BulkRequestBuilder builder;
  ASSERT_TRUE(builder.Index(index_, "p1", Doc(10), 10).ok());
  ASSERT_TRUE(builder.Index(index_, "p2", Doc(5), 5).ok());
  Result<BulkResult> sent = Send(builder);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(sent->items[0].disposition, ItemDisposition::kApplied);
  EXPECT_EQ(sent->items[1].disposition, ItemDisposition::kApplied);
  EXPECT_EQ(sent->items[0].version, 10);

  // A replay of older changes and of the same one, then newer ones.
  ASSERT_TRUE(builder.Index(index_, "p1", Doc(7), 7).ok());
  ASSERT_TRUE(builder.Index(index_, "p1", Doc(10), 10).ok());
  ASSERT_TRUE(builder.Index(index_, "p1", Doc(12), 12).ok());
  ASSERT_TRUE(builder.Index(index_, "p2", Doc(6), 6).ok());
  sent = Send(builder);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  ASSERT_EQ(sent->items.size(), 4u);
  EXPECT_EQ(sent->items[0].disposition, ItemDisposition::kSuperseded);
  EXPECT_EQ(sent->items[0].status, 409);
  EXPECT_EQ(sent->items[0].error_type, "version_conflict_engine_exception");
  EXPECT_EQ(sent->items[1].disposition, ItemDisposition::kSuperseded);
  EXPECT_EQ(sent->items[2].disposition, ItemDisposition::kApplied);
  EXPECT_EQ(sent->items[3].disposition, ItemDisposition::kApplied);
  EXPECT_EQ(sent->attempts, 1) << "a conflict is done, not retried";
  EXPECT_TRUE(sent->Rejected().empty());

  const Stored p1 = Fetch(*es_, index_, "p1");
  EXPECT_TRUE(p1.found);
  EXPECT_EQ(p1.version, 12);
  EXPECT_EQ(p1.value, 12);
  const Stored p2 = Fetch(*es_, index_, "p2");
  EXPECT_EQ(p2.version, 6);
  EXPECT_EQ(p2.value, 6);
  ASSERT_TRUE(es_->Refresh(index_));
  EXPECT_EQ(es_->Count(index_), 2);
}

TEST_F(EsHarnessTest, MappingRejectionIsAPermanentItemError) {
  const EsCluster::Answer created = es_->Request("PUT", "/" + index_,
                                                 R"({"settings":{"number_of_replicas":0},
          "mappings":{"properties":{"yearOfBirth":{"type":"integer"}}}})");
  ASSERT_EQ(created.status, 200) << created.body;

  BulkRequestBuilder builder;
  ASSERT_TRUE(builder.Index(index_, "good1", R"({"yearOfBirth":1990})", 1).ok());
  ASSERT_TRUE(builder.Index(index_, "bad", R"({"yearOfBirth":"nineteen-ninety"})", 1).ok());
  ASSERT_TRUE(builder.Index(index_, "good2", R"({"yearOfBirth":2001})", 1).ok());
  const Result<BulkResult> sent = Send(builder);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(sent->attempts, 1) << "a rejected item is not retried";
  EXPECT_EQ(sent->Rejected(), std::vector<size_t>{1});
  const BulkItemResult& bad = sent->items[1];
  EXPECT_EQ(bad.status, 400);
  // mapper_parsing_exception on Elasticsearch 7 and OpenSearch,
  // document_parsing_exception on Elasticsearch 8.
  EXPECT_TRUE(bad.error_type.ends_with("_parsing_exception")) << bad.error_type;
  EXPECT_NE(bad.error_reason.find("yearOfBirth"), std::string::npos) << bad.error_reason;
  EXPECT_TRUE(sent->items[0].done());
  EXPECT_TRUE(sent->items[2].done());
  ASSERT_TRUE(es_->Refresh(index_));
  EXPECT_EQ(es_->Count(index_), 2);
  EXPECT_FALSE(Fetch(*es_, index_, "bad").found);
}

TEST_F(EsHarnessTest, DeletesAreVersionedToo) {
  // Sends one action and returns its result.
  const auto send_one = [this](BulkRequestBuilder& builder) {
    const Result<BulkResult> sent = Send(builder);
    EXPECT_TRUE(sent.ok()) << sent.status().ToString();
    return sent.ok() && sent->items.size() == 1 ? sent->items[0] : BulkItemResult{};
  };
  BulkRequestBuilder builder;
  ASSERT_TRUE(builder.Index(index_, "d1", Doc(10), 10).ok());
  EXPECT_EQ(send_one(builder).disposition, ItemDisposition::kApplied);

  // An older delete (a replayed one) leaves the newer document.
  ASSERT_TRUE(builder.Delete(index_, "d1", 5).ok());
  EXPECT_EQ(send_one(builder).disposition, ItemDisposition::kSuperseded);
  EXPECT_TRUE(Fetch(*es_, index_, "d1").found);

  ASSERT_TRUE(builder.Delete(index_, "d1", 20).ok());
  EXPECT_EQ(send_one(builder).disposition, ItemDisposition::kApplied);
  EXPECT_FALSE(Fetch(*es_, index_, "d1").found);

  // Deleting what is gone is done, and the delete's version still guards
  // the document against older writes (until index.gc_deletes, 60 s).
  ASSERT_TRUE(builder.Delete(index_, "d1", 21).ok());
  const BulkItemResult again = send_one(builder);
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(again.disposition, ItemDisposition::kAlreadyDeleted);
  ASSERT_TRUE(builder.Index(index_, "d1", Doc(15), 15).ok());
  EXPECT_EQ(send_one(builder).disposition, ItemDisposition::kSuperseded);
  EXPECT_FALSE(Fetch(*es_, index_, "d1").found);

  ASSERT_TRUE(builder.Index(index_, "d1", Doc(30), 30).ok());
  EXPECT_EQ(send_one(builder).disposition, ItemDisposition::kApplied);
  const Stored d1 = Fetch(*es_, index_, "d1");
  EXPECT_TRUE(d1.found);
  EXPECT_EQ(d1.version, 30);
}

TEST_F(EsHarnessTest, LargeBatchGoesGzippedInOneRequest) {
  BulkRequestBuilder builder;
  for (int i = 0; i < 2000; ++i) {
    const std::string doc =
        R"({"n":)" + std::to_string(i) + R"(,"gender":"Female","city":"Rabat"})";
    ASSERT_TRUE(builder.Index(index_, std::to_string(i), doc, i).ok());
  }
  ASSERT_GT(builder.bytes(), 100000u);  // far above gzip_min_bytes
  const Result<BulkResult> sent = Send(builder);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(sent->attempts, 1);
  EXPECT_TRUE(sent->Rejected().empty());
  ASSERT_TRUE(es_->Refresh(index_));
  EXPECT_EQ(es_->Count(index_), 2000);
  EXPECT_EQ(Fetch(*es_, index_, "1999").value, 1999);
}

TEST_F(EsHarnessTest, BulkRetriesWhileTheNodeIsDownAndLandsWhenItIsBack) {
  BulkRequestBuilder builder;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(builder.Index(index_, "r" + std::to_string(i), Doc(i), 100 + i).ok());
  }
  const BulkRequest request = builder.Take();
  const std::string url = es_->url();

  ASSERT_TRUE(es_->Stop());
  // The sender has its own client (a client serves one thread); it retries
  // until the node is back, with no limit on attempts.
  std::atomic<int> waits{0};
  Result<BulkResult> sent = Status::Internal("not sent");
  std::thread sender([&] {
    auto client = ClientFor(*es_);
    if (!client) return;
    BulkClient bulk(*client, FastRetries(-1));
    sent = bulk.Send(request, [&waits] {
      ++waits;
      return true;
    });
  });
  // Restart only once the sender has failed at least twice.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (waits.load() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_GE(waits.load(), 2) << "the sender did not retry";
  ASSERT_TRUE(es_->Start());
  sender.join();
  EXPECT_EQ(es_->url(), url);

  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_GE(sent->attempts, 3);
  EXPECT_TRUE(sent->Rejected().empty());
  for (const BulkItemResult& item : sent->items) EXPECT_TRUE(item.done());
  ASSERT_TRUE(es_->Refresh(index_));
  EXPECT_EQ(es_->Count(index_), 20);
  EXPECT_EQ(Fetch(*es_, index_, "r7").version, 107);
}

}  // namespace
}  // namespace walcast::sinks::elasticsearch
