#pragma once

// A WalcastProcessTest with the binary's Elasticsearch / OpenSearch node
// (EsEnvironment): the tests of the raw-document sink and of the metrics.

#include <map>
#include <string>

#include "tests/support/es_cluster.h"
#include "tests/support/walcast_process_test.h"

namespace walcast::testing {

class EsProcessTest : public WalcastProcessTest {
 protected:
  void SetUp() override {
    WalcastProcessTest::SetUp();
    if (HasFatalFailure()) return;
    es_ = EsEnvironment::Get();
    ASSERT_NE(es_, nullptr) << "Elasticsearch did not start: " << EsEnvironment::StartError();
    WriteConfig({});
  }

  // Indices named after the test database; writes every 200 ms.
  std::map<std::string, std::string> BaseConfig() const override {
    std::map<std::string, std::string> kv = WalcastProcessTest::BaseConfig();
    kv["topic.prefix"] = db_;
    if (es_ != nullptr) kv["elasticsearch.url"] = es_->url();
    kv["elasticsearch.bulk.flush.interval.ms"] = "200";
    return kv;
  }

  EsCluster* es_ = nullptr;
};

}  // namespace walcast::testing
