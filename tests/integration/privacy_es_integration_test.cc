// The privacy rules end to end into Elasticsearch / OpenSearch
// (docs/privacy.md): the PII canaries of privacy_process_test.h through the
// GDPR rules into raw documents; every search document, walcast's log and
// its state directory hold none of them; each document decrypts back with
// `walcast privacy decrypt`, and after `privacy forget` the forgotten
// subject's document no longer does while the others' still do.

#include <signal.h>

#include <string>

#include "tests/integration/privacy_process_test.h"
#include "tests/support/es_cluster.h"

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
  auto walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get())) << Log("walcast");
  for (const Person& p : People()) Insert(p);
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 60s));
  walcast->Signal(SIGTERM);
  ASSERT_EQ(walcast->Wait(30s), 0) << Log("walcast");

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

}  // namespace
}  // namespace walcast::testing
