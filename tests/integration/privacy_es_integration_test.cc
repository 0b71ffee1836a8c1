// The privacy rules end to end into Elasticsearch / OpenSearch
// (docs/privacy.md): the PII canaries of privacy_process_test.h through the
// GDPR rules into raw documents; every search document, walcast's log and
// its state directory hold none of them; each document decrypts back with
// `walcast privacy decrypt`, and after `privacy forget` the forgotten
// subject's document no longer does while the others' still do. With
// metrics on (they read the profiles before the rules), the metric state
// (every key and value of its RocksDB store), the metric documents, the
// Prometheus text and the status page hold none either.

#include <httplib.h>
#include <rocksdb/db.h>
#include <signal.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/privacy_process_test.h"
#include "tests/support/es_cluster.h"
#include "tests/support/process.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

class PrivacyEsTest : public PrivacyProcessTest {
 protected:
  void SetUp() override {
    PrivacyProcessTest::SetUp();
    if (HasFatalFailure()) return;
    es_ = EsEnvironment::Get();
    ASSERT_NE(es_, nullptr) << "Elasticsearch did not start: " << EsEnvironment::StartError();
    WriteConfig({});
  }

  std::map<std::string, std::string> BaseConfig() const override {
    std::map<std::string, std::string> kv = PrivacyProcessTest::BaseConfig();
    kv["sinks"] = "elasticsearch";
    if (es_ != nullptr) kv["elasticsearch.url"] = es_->url();
    kv["elasticsearch.bulk.flush.interval.ms"] = "200";
    return kv;
  }

  EsCluster* es_ = nullptr;
};

TEST_F(PrivacyEsTest, NoCanaryInAnyDocumentAndForgetWorks) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, email text, profile jsonb)");
  ASSERT_NO_FATAL_FAILURE(StreamEveryone());

  const std::string index = db_ + ".public.t";
  ASSERT_TRUE(es_->Refresh(index));
  const std::vector<EsCluster::Hit> hits = es_->Scroll(index, R"({"match_all":{}})");
  ASSERT_EQ(hits.size(), People().size());
  std::map<std::string, std::string> source_by_id;
  for (const EsCluster::Hit& hit : hits) {
    ExpectNoCanary("search document " + hit.id, hit.source);
    ExpectNoCanary("a document id", hit.id);
    source_by_id[hit.id] = hit.source;
  }
  for (const auto& [path, content] : LocalArtifacts()) ExpectNoCanary(path, content);

  for (const Person& p : People()) {
    const std::string& source = source_by_id[std::to_string(p.id)];
    ASSERT_FALSE(source.empty()) << p.id;
    std::string out, err;
    ASSERT_EQ(Decrypt(source, &out, &err), 0) << err;
    EXPECT_NE(out.find(JsonEscape(p.email)), std::string::npos) << out;
    EXPECT_NE(out.find(JsonEscape(p.phone)), std::string::npos) << out;
  }

  std::string out, err;
  ASSERT_EQ(RunToEnd({"privacy", "forget", "--subject", People()[1].uuid}, &out, &err), 0) << err;
  for (const Person& p : People()) {
    std::string o, e;
    const int rc = Decrypt(source_by_id[std::to_string(p.id)], &o, &e);
    if (p.id == People()[1].id) {
      EXPECT_EQ(rc, 1) << e;
      ExpectNoCanary("decrypt of a forgotten subject", o);
    } else {
      EXPECT_EQ(rc, 0) << e;
      EXPECT_NE(o.find(JsonEscape(p.email)), std::string::npos) << o;
    }
  }
}

// Every key and value of every column family of the RocksDB store at `path`,
// opened read-only (walcast has stopped): "<cf>/<key>" and the value.
std::vector<std::pair<std::string, std::string>> StoreEntries(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<std::string> families;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &families);
  EXPECT_TRUE(s.ok()) << path << ": " << s.ToString();
  if (!s.ok()) return out;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& f : families) descriptors.emplace_back(f, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, descriptors, &handles, &raw);
  EXPECT_TRUE(s.ok()) << path << ": " << s.ToString();
  if (!s.ok()) return out;
  std::unique_ptr<rocksdb::DB> db(raw);
  for (rocksdb::ColumnFamilyHandle* h : handles) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), h));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.emplace_back(h->GetName() + "/" + it->key().ToString(), it->value().ToString());
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  }
  for (rocksdb::ColumnFamilyHandle* h : handles) db->DestroyColumnFamilyHandle(h);
  return out;
}

TEST_F(PrivacyEsTest, MetricsReadThePlaintextButTheirStateAndOutputsHoldNone) {
  // The GDPR example's kinds of metric over the test table: a count by a
  // clear field, the top email domains (from the email the rules encrypt)
  // and the average age (from the date of birth the rules rewrite).
  const std::string definitions = dir_ + "/metrics.json";
  std::ofstream(definitions) << R"({"format": 1,
    "tables": {"document": "public.t"}, "document_column": "profile",
    "age_reference": "2025-01-01",
    "metrics": [
      {"id": "users_by_nationality", "source": "document",
       "keys": [{"field": "path.nat", "as": "nationality"}], "measure": "count"},
      {"id": "top_email_domains", "source": "document",
       "measure": {"top_k": "domain.email", "k": 3}},
      {"id": "average_age", "source": "document", "measure": {"avg": "years_since.dob.date"}}
    ]})";
  const int http_port = FreeLoopbackPort();
  WriteConfig({{"metrics.definitions.file", definitions},
               {"metrics.index", db_ + ".metrics"},
               {"http.port", std::to_string(http_port)}});
  Sql("CREATE TABLE t(id int PRIMARY KEY, email text, profile jsonb)");
  auto walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get())) << Log("walcast");
  for (const Person& p : People()) Insert(p);
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 60s));

  // What the HTTP endpoint shows while walcast runs.
  httplib::Client http("127.0.0.1", http_port);
  for (const std::string path : {"/metrics", "/status.json", "/"}) {
    auto r = http.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    ExpectNoCanary("GET " + path, r->body);
  }
  walcast->Signal(SIGTERM);
  ASSERT_EQ(walcast->Wait(30s), 0) << Log("walcast");

  // The metrics were computed from the plaintext: the domain of every email
  // (all three share one) and the nationality are there.
  const std::string index = db_ + ".metrics";
  ASSERT_TRUE(es_->Refresh(index));
  const std::vector<EsCluster::Hit> docs = es_->Scroll(index, R"({"match_all":{}})");
  bool domain_counted = false;
  for (const EsCluster::Hit& hit : docs) {
    ExpectNoCanary("metric document " + hit.id, hit.source);
    if (hit.source.find(R"("email_domain":"canary-mail.example")") != std::string::npos &&
        hit.source.find(R"("count":3)") != std::string::npos) {
      domain_counted = true;
    }
  }
  EXPECT_TRUE(domain_counted) << "no top_email_domains document counts the three emails";
  EXPECT_GE(docs.size(), 3u);

  // The metric state, entry by entry (its files may be compressed, so the
  // raw scan of LocalArtifacts alone could miss a value), then every file.
  size_t stores = 0, entries = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_)) {
    if (entry.path().filename() != "CURRENT") continue;
    const std::string store = entry.path().parent_path().string();
    ++stores;
    for (const auto& [key, value] : StoreEntries(store)) {
      ++entries;
      ExpectNoCanary(store + " key " + key, key);
      ExpectNoCanary(store + " value of " + key, value);
    }
  }
  EXPECT_GE(stores, 1u) << "no RocksDB store under " << dir_;
  EXPECT_GT(entries, 0u);
  for (const auto& [path, content] : LocalArtifacts()) ExpectNoCanary(path, content);
}

}  // namespace
}  // namespace walcast::testing
