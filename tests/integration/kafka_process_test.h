#pragma once

// A WalcastProcessTest with the binary's Kafka broker (KafkaEnvironment):
// sinks=kafka, topics named after the test database, a short linger.

#include <map>
#include <string>

#include "tests/support/kafka_cluster.h"
#include "tests/support/walcast_process_test.h"

namespace walcast::testing {

class KafkaProcessTest : public WalcastProcessTest {
 protected:
  void SetUp() override {
    WalcastProcessTest::SetUp();
    if (HasFatalFailure()) return;
    WALCAST_REQUIRE_KAFKA(kafka);
    kafka_ = kafka;
    WriteConfig({});
  }

  std::map<std::string, std::string> BaseConfig() const override {
    std::map<std::string, std::string> kv = WalcastProcessTest::BaseConfig();
    kv["sinks"] = "kafka";
    kv["topic.prefix"] = db_;
    if (kafka_ != nullptr) kv["kafka.bootstrap.servers"] = kafka_->bootstrap();
    // Tests read topics from the start; short linger keeps them quick.
    kv["kafka.linger.ms"] = "5";
    return kv;
  }

  KafkaCluster* kafka_ = nullptr;
};

}  // namespace walcast::testing
