#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace walcast::testing {

// One record header. `value` is nullopt for a header with a null value.
struct KafkaHeader {
  std::string name;
  std::optional<std::string> value;

  bool operator==(const KafkaHeader&) const = default;
};

// One record as read back from the broker. Keys, values and header values are
// raw bytes held in std::string (they may contain NULs). `key` is nullopt for
// a null key, `value` is nullopt for a tombstone; an empty key or value is "".
struct KafkaRecord {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<KafkaHeader> headers;

  bool operator==(const KafkaRecord&) const = default;
};

// GoogleTest printer: topic/partition@offset, then key, value and headers
// with non-printable bytes escaped and null shown as <null>.
void PrintTo(const KafkaRecord& record, std::ostream* os);

// A throwaway single-node Kafka (KRaft, broker and controller in one JVM,
// scripts/kafka.sh) in a temp dir on free loopback ports; removed at the end.
// Topics auto-create with one partition (KAFKA_NUM_PARTITIONS); internal
// topics have replication factor 1. Started once per test binary by
// KafkaEnvironment.
//
// Thread: the test's main thread. Every call blocks (Stop and Start run the
// script; Consume and CreateTopic talk to the broker through their own
// short-lived librdkafka clients, so they need no polling from the caller).
class KafkaCluster {
 public:
  // Starts a broker; on failure returns nullptr and fills *error with the
  // reason and the broker's log tail. `secured`: scripts/kafka.sh's secured
  // broker (KAFKA_SECURITY=1): a SASL_SSL listener with SCRAM-SHA-512 user
  // `walcast` (password kScramPassword), an SSL listener requiring a client
  // certificate (DIR/tls: ca.pem, walcast.pem, walcast.key encrypted with
  // kTlsKeyPassword; principal User:walcast), the StandardAuthorizer with
  // no ACL at all; bootstrap() stays the PLAINTEXT listener, whose
  // principal is a super user (the helpers below use it).
  static std::unique_ptr<KafkaCluster> Start(std::string* error, bool secured = false);
  static constexpr const char* kScramPassword = "walcast-scram-secret";
  static constexpr const char* kTlsKeyPassword = "walcast-key-secret";
  // Stops the broker and removes its directory.
  ~KafkaCluster();
  KafkaCluster(const KafkaCluster&) = delete;
  KafkaCluster& operator=(const KafkaCluster&) = delete;

  // "127.0.0.1:PORT"; the same across Stop()/Start().
  const std::string& bootstrap() const { return bootstrap_; }
  const std::string& dir() const { return dir_; }
  // Secured broker only: "127.0.0.1:PORT" of the SASL_SSL and SSL listeners,
  // and the path of a file of the test CA (e.g. "ca.pem", "walcast.key").
  const std::string& sasl_ssl_bootstrap() const { return sasl_ssl_bootstrap_; }
  const std::string& ssl_bootstrap() const { return ssl_bootstrap_; }
  std::string TlsPath(const std::string& name) const { return dir_ + "/tls/" + name; }

  // Runs Kafka's kafka-acls.sh with `args` (e.g. {"--add",
  // "--allow-principal", "User:walcast", "--operation", "WRITE", "--topic",
  // "t"}) against the super-user listener (scripts/kafka.sh acls); fails
  // with its output unless it exits 0. The authorizer applies a change
  // within moments, not at once.
  ::testing::AssertionResult Acls(const std::vector<std::string>& args);

  // The broker's log4j file, for failure messages.
  std::string LogPath() const { return dir_ + "/logs/server.log"; }

  // Creates `name` with `partitions` partitions (replication factor 1) through
  // the admin API and waits until every partition has a leader. Fails (with
  // the broker's error, e.g. TOPIC_ALREADY_EXISTS) if the topic exists or the
  // broker does not answer within 30 s.
  ::testing::AssertionResult CreateTopic(const std::string& name, int partitions);

  // Names of every topic on the broker, internal ones (e.g.
  // __consumer_offsets) included, sorted. Fails the current test
  // (ADD_FAILURE) and returns an empty list if the broker does not answer
  // within 30 s.
  std::vector<std::string> Topics();

  // Controlled shutdown of the broker; data and ports are kept. Clients see
  // connection refused until Start().
  ::testing::AssertionResult Stop();
  // Starts the stopped broker again with the same data, port and cluster id;
  // returns once it serves requests.
  ::testing::AssertionResult Start();

  // Reads `topic` from the beginning of each partition it has when the read
  // starts (assigned directly: no consumer group, no commits; read_committed)
  // until at least `at_least` records have arrived or `timeout` passes,
  // waiting for the topic to appear if it does not exist yet. Returns what was
  // read, sorted by (partition, offset); fewer than `at_least` records means
  // the timeout passed (the caller asserts on the size; the last client
  // error, if any, is printed to stderr).
  std::vector<KafkaRecord> Consume(const std::string& topic, size_t at_least,
                                   std::chrono::milliseconds timeout);
  // Reads `topic` from the beginning until every partition has reached its
  // end and then no new record has arrived for `quiet_period`. A topic that
  // does not appear within `quiet_period` reads as empty. Fails the current
  // test (ADD_FAILURE) and returns what it has if the partitions' ends are
  // not reached within `timeout` (e.g. the broker is down).
  std::vector<KafkaRecord> ConsumeAll(const std::string& topic,
                                      std::chrono::milliseconds quiet_period,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // ConsumeAll for topics too large to hold: hands each record to `each`
  // (on the calling thread, in offset order within a partition) instead of
  // returning it; returns how many were read.
  size_t ConsumeEach(const std::string& topic, std::chrono::milliseconds quiet_period,
                     std::chrono::milliseconds timeout,
                     const std::function<void(KafkaRecord&&)>& each);

 private:
  KafkaCluster(std::string dir, std::string bootstrap)
      : dir_(std::move(dir)), bootstrap_(std::move(bootstrap)) {}

  std::string dir_;
  std::string bootstrap_;
  std::string sasl_ssl_bootstrap_;
  std::string ssl_bootstrap_;
};

// GoogleTest environment owning the broker for a whole test binary. If the
// broker cannot start, every test that uses it fails with the reason (never a
// skip).
class KafkaEnvironment : public ::testing::Environment {
 public:
  // `secured`: KafkaCluster::Start's secured broker.
  explicit KafkaEnvironment(bool secured = false) : secured_(secured) {}
  void SetUp() override;
  void TearDown() override;
  // The running broker, or nullptr if it did not start (see StartError()).
  static KafkaCluster* Get();
  static const std::string& StartError();

 private:
  bool secured_;
};

}  // namespace walcast::testing

// Fails the current test unless the broker is up; declares `kafka`.
#define WALCAST_REQUIRE_KAFKA(kafka)                                                     \
  ::walcast::testing::KafkaCluster* kafka = ::walcast::testing::KafkaEnvironment::Get(); \
  ASSERT_NE(kafka, nullptr) << "Kafka did not start: "                                   \
                            << ::walcast::testing::KafkaEnvironment::StartError()
