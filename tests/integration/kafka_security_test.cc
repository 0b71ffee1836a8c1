// walcast against a secured Kafka broker (scripts/kafka.sh, KAFKA_SECURITY=1):
// SASL_SSL with SCRAM-SHA-512 and mTLS, the StandardAuthorizer, and ACLs
// that allow walcast's principal its own topics only
// (docs/kafka-security.md). The broker is shared by the tests; each test has
// its own database, slot and topic prefix, and grants its own ACLs.

#include <gtest/gtest.h>
#include <httplib.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/lsn.h"
#include "tests/support/kafka_cluster.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/walcast_process_test.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSecretsFile = "kafka-secrets.properties";

// Ids of the rows in `records` (keys {"id":N} without schemas) with how
// often each came.
std::map<int, int> CountIds(const std::vector<KafkaRecord>& records) {
  std::map<int, int> count;
  for (const KafkaRecord& r : records) {
    if (!r.key || !r.value) continue;
    ++count[std::stoi(r.key->substr(r.key->find(':') + 1))];
  }
  return count;
}

// Occurrences of `needle` in `text`.
size_t Occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

class KafkaSecurityTest : public WalcastProcessTest {
 protected:
  void SetUp() override {
    WalcastProcessTest::SetUp();
    if (HasFatalFailure()) return;
    kafka_ = KafkaEnvironment::Get();
    ASSERT_NE(kafka_, nullptr) << "Kafka did not start: " << KafkaEnvironment::StartError();
    http_port_ = FreeLoopbackPort();
    // The passwords live in a file the config refers to, never in the config.
    std::ofstream(dir_ + "/" + kSecretsFile) << "scram=" << KafkaCluster::kScramPassword << "\n"
                                             << "key=" << KafkaCluster::kTlsKeyPassword << "\n";
    Sql("CREATE TABLE t(id int PRIMARY KEY, v int)");
    ASSERT_TRUE(kafka_->CreateTopic(Topic(), 1));
  }

  std::map<std::string, std::string> BaseConfig() const override {
    std::map<std::string, std::string> kv = WalcastProcessTest::BaseConfig();
    kv["sinks"] = "kafka";
    kv["topic.prefix"] = db_;
    kv["key.converter.schemas.enable"] = "false";
    kv["value.converter.schemas.enable"] = "false";
    kv["kafka.linger.ms"] = "5";
    kv["http.port"] = std::to_string(http_port_);
    // Dead letters would be a loss here: an ACL error must never become one.
    kv["errors.tolerance"] = "all";
    kv["errors.deadletterqueue.topic.name"] = db_ + ".dlq";
    kv["reconnect.backoff.max.ms"] = "1000";
    if (kafka_ != nullptr) kv["kafka.ssl.ca.location"] = kafka_->TlsPath("ca.pem");
    return kv;
  }

  // SASL_SSL as user walcast, the password read from the secrets file
  // through Kafka's ${file:...} syntax: SCRAM-SHA-512, or PLAIN with a
  // librdkafka that cannot complete SCRAM with a Kafka 4 broker (before
  // 2.6.1; docs/kafka-security.md). The broker is Kafka 3 when KAFKA_VERSION
  // (which scripts/kafka.sh starts) says so: the kafka_security_test_kafka3
  // run, which is how SCRAM is tested with Debian's librdkafka.
  static const char* SaslMechanism() {
    const char* broker = std::getenv("KAFKA_VERSION");
    const bool kafka3 = broker != nullptr && std::string_view(broker).starts_with("3.");
    return kafka3 || rd_kafka_version() >= 0x020601ff ? "SCRAM-SHA-512" : "PLAIN";
  }
  std::map<std::string, std::string> Sasl() const {
    return {{"kafka.bootstrap.servers", kafka_->sasl_ssl_bootstrap()},
            {"kafka.security.protocol", "SASL_SSL"},
            {"kafka.sasl.mechanism", SaslMechanism()},
            {"kafka.sasl.username", "walcast"},
            {"kafka.sasl.password", "${file:" + dir_ + "/" + kSecretsFile + ":scram}"}};
  }

  // SSL with walcast's client certificate (principal User:walcast).
  std::map<std::string, std::string> MutualTls() const {
    return {{"kafka.bootstrap.servers", kafka_->ssl_bootstrap()},
            {"kafka.security.protocol", "SSL"},
            {"kafka.ssl.certificate.location", kafka_->TlsPath("walcast.pem")},
            {"kafka.ssl.key.location", kafka_->TlsPath("walcast.key")},
            {"kafka.ssl.key.password", "${file:" + dir_ + "/" + kSecretsFile + ":key}"}};
  }

  std::string Topic() const { return db_ + ".public.t"; }

  // kafka-acls.sh arguments for walcast's ACLs on its own topic prefix
  // (and, exactly once, its transactional id), as docs/kafka-security.md
  // gives them.
  std::vector<std::string> WriteAcl() const {
    return {"--allow-principal",       "User:walcast", "--operation", "WRITE", "--topic", db_ + ".",
            "--resource-pattern-type", "prefixed"};
  }
  ::testing::AssertionResult GrantWalcastItsTopics(bool exactly_once) {
    const std::vector<std::string> walcast = {"--add", "--allow-principal", "User:walcast"};
    std::vector<std::vector<std::string>> grants = {
        {"--operation", "DESCRIBE", "--topic", db_ + ".", "--resource-pattern-type", "prefixed"},
        {"--operation", "IdempotentWrite", "--cluster"},
        WriteAcl(),
    };
    if (exactly_once) {
      grants.push_back({"--operation", "CREATE", "--operation", "READ", "--topic",
                        db_ + ".walcast.checkpoints"});
      grants.push_back({"--operation", "WRITE", "--operation", "DESCRIBE", "--transactional-id",
                        "walcast-" + db_ + "-" + db_});
      grants.push_back({"--operation", "READ", "--group", "walcast-checkpoint-reader"});
    }
    for (std::vector<std::string> args : grants) {
      if (args.front() == "--allow-principal") args.erase(args.begin(), args.begin() + 2);
      args.insert(args.begin(), walcast.begin(), walcast.end());
      ::testing::AssertionResult r = kafka_->Acls(args);
      if (!r) return r;
    }
    return ::testing::AssertionSuccess();
  }

  // Rows first..last, ten per transaction.
  void Insert(int first, int last) {
    std::string sql;
    for (int k = first; k <= last; k += 10) {
      sql += "INSERT INTO t SELECT i, i FROM generate_series(" + std::to_string(k) + ", " +
             std::to_string(std::min(last, k + 9)) + ") i;\n";
    }
    Sql(sql);
  }

  std::pair<int, std::string> Ready() const { return Get("/readyz"); }
  // GET `path` from walcast's HTTP endpoint: the status (0: no answer) and body.
  std::pair<int, std::string> Get(const std::string& path) const {
    httplib::Client http("127.0.0.1", http_port_);
    auto res = http.Get(path);
    if (!res) return {0, ""};
    return {res->status, res->body};
  }

  // kafka-acls --add (`grant`) or --remove of walcast's WRITE ACL.
  ::testing::AssertionResult ChangeWriteAcl(bool grant) {
    std::vector<std::string> args = WriteAcl();
    if (grant) {
      args.insert(args.begin(), "--add");
    } else {
      args.insert(args.begin(), {"--remove", "--force"});
    }
    return kafka_->Acls(args);
  }

  // Grants walcast its ACLs, starts it (*walcast, log "walcast") with
  // `transport` (and exactly.once), streams rows 1..100 until confirmed,
  // then takes the WRITE ACL away and writes 101..200; *written is the WAL
  // position after them.
  void StreamThenTakeWriteAway(const std::map<std::string, std::string>& transport,
                               bool exactly_once, std::unique_ptr<ChildProcess>* walcast,
                               Lsn* written) {
    ASSERT_TRUE(GrantWalcastItsTopics(exactly_once));
    std::map<std::string, std::string> config = transport;
    if (exactly_once) config["exactly.once"] = "true";
    WriteConfig(config);
    *walcast = Start("walcast");
    ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast->get(), 90s)) << Log("walcast");
    Insert(1, 100);
    ASSERT_TRUE(WaitConfirmed(walcast->get(), 60s));
    ASSERT_TRUE(ChangeWriteAcl(false));
    Insert(101, 200);
    *written = *Lsn::Parse(Sql("SELECT pg_current_wal_lsn()"));
  }

  // At least once: streams 1..100, takes the WRITE ACL away while 101..200
  // are written,
  // checks that walcast says so once and holds the slot back, restores it,
  // and checks that every row arrives, none dead-lettered.
  void AclTakenAwayAndRestored(const std::map<std::string, std::string>& transport);

  KafkaCluster* kafka_ = nullptr;
  int http_port_ = 0;
};

void KafkaSecurityTest::AclTakenAwayAndRestored(
    const std::map<std::string, std::string>& transport) {
  std::unique_ptr<ChildProcess> walcast;
  Lsn written;
  ASSERT_NO_FATAL_FAILURE(StreamThenTakeWriteAway(transport, false, &walcast, &written));
  // One clear error naming the topic and the missing operation.
  ASSERT_TRUE(WaitForLog("walcast", "operation=WRITE", walcast.get(), 60s)) << Log("walcast");
  const std::string line = Log("walcast").substr(Log("walcast").find("not authorized"));
  EXPECT_NE(line.find("error=TOPIC_AUTHORIZATION_FAILED topic=" + Topic()), std::string::npos)
      << line;
  EXPECT_TRUE(PollUntil([&] { return Ready().first == 503; }, 30s)) << Ready().second;
  EXPECT_NE(Ready().second.find("TOPIC_AUTHORIZATION_FAILED on '" + Topic() + "'"),
            std::string::npos)
      << Ready().second;
  // Replays go on meanwhile, quietly, and nothing unacknowledged is confirmed.
  std::this_thread::sleep_for(8s);
  EXPECT_TRUE(walcast->Running()) << Log("walcast");
  EXPECT_LT(ConfirmedFlush(), written);
  // One error line. The first replay's warning (rate-limited) may quote the
  // same cause, when a produce call met the refusal before a delivery
  // report did; it is the replay's note, not the error again.
  EXPECT_EQ(Occurrences(Log("walcast"), "ERROR kafka: not authorized"), 1u) << Log("walcast");
  EXPECT_LE(Occurrences(Log("walcast"), "not authorized"), 2u) << Log("walcast");

  ASSERT_TRUE(ChangeWriteAcl(true));
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 120s));
  EXPECT_TRUE(PollUntil([&] { return Ready().first == 200; }, 30s)) << Ready().second;
  EXPECT_NE(Log("walcast").find("authorized again"), std::string::npos) << Log("walcast");
  // No secret on the HTTP endpoint either.
  for (const char* path : {"/metrics", "/status.json", "/"}) {
    const std::string body = Get(path).second;
    EXPECT_FALSE(body.empty()) << path;
    EXPECT_EQ(body.find(KafkaCluster::kScramPassword), std::string::npos) << path;
  }
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log("walcast");

  const std::map<int, int> seen = CountIds(kafka_->ConsumeAll(Topic(), 3s));
  ASSERT_EQ(seen.size(), 200u) << "rows missing";
  EXPECT_EQ(seen.begin()->first, 1);
  EXPECT_EQ(seen.rbegin()->first, 200);
  for (const auto& [id, n] : seen) {
    // At least once: repeats only among the rows written while the ACL was
    // away (nothing confirmed was resent).
    if (id <= 100) {
      EXPECT_EQ(n, 1) << "row " << id;
    }
  }
  EXPECT_TRUE(kafka_->ConsumeAll(db_ + ".dlq", 2s).empty()) << "rows dead-lettered";
  // No secret in anything walcast printed.
  for (const std::string& out : {Log("walcast"), ReadFile(dir_ + "/walcast.out")}) {
    EXPECT_EQ(out.find(KafkaCluster::kScramPassword), std::string::npos);
    EXPECT_EQ(out.find(KafkaCluster::kTlsKeyPassword), std::string::npos);
  }
}

TEST_F(KafkaSecurityTest, SaslWriteAclTakenAwayIsRetriedUntilRestored) {
  AclTakenAwayAndRestored(Sasl());
}

// Exactly once with a librdkafka before 2.6 against Kafka 4: the refused
// Kafka transaction cannot even be aborted (the broker answers
// INVALID_TXN_STATE and librdkafka makes the producer fatal), so walcast
// stops instead of waiting. Nothing is lost: the slot stays before the
// refused rows, and a restart once the ACL is back writes each row once.
TEST_F(KafkaSecurityTest, MutualTlsExactlyOnceWriteAclTakenAwayLosesAndRepeatsNothing) {
  std::unique_ptr<ChildProcess> walcast;
  Lsn written;
  ASSERT_NO_FATAL_FAILURE(StreamThenTakeWriteAway(MutualTls(), true, &walcast, &written));
  // librdkafka names the refusal; walcast either waits or stops.
  EXPECT_TRUE(PollUntil(
      [&] { return Log("walcast").find("TOPIC_AUTHORIZATION_FAILED") != std::string::npos; }, 60s))
      << Log("walcast");
  EXPECT_TRUE(PollUntil([&] { return Ready().first != 200; }, 30s)) << Ready().second;
  EXPECT_LT(ConfirmedFlush(), written);

  ASSERT_TRUE(ChangeWriteAcl(true));
  const bool restarted = !walcast->Running();
  if (restarted) walcast = Start("walcast-restarted");
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 120s, restarted ? "walcast-restarted" : "walcast"));
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0);

  const std::map<int, int> seen = CountIds(kafka_->ConsumeAll(Topic(), 3s));
  ASSERT_EQ(seen.size(), 200u) << "rows missing";
  for (const auto& [id, n] : seen) EXPECT_EQ(n, 1) << "row " << id;
  EXPECT_TRUE(kafka_->ConsumeAll(db_ + ".dlq", 2s).empty()) << "rows dead-lettered";
  EXPECT_EQ(Log("walcast").find(KafkaCluster::kTlsKeyPassword), std::string::npos);
}

TEST_F(KafkaSecurityTest, WrongSaslPasswordGivesOneClearErrorAndConfirmsNothing) {
  ASSERT_TRUE(GrantWalcastItsTopics(false));
  std::map<std::string, std::string> config = Sasl();
  config["kafka.sasl.password"] = "not-the-password";
  WriteConfig(config);
  auto walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get(), 90s)) << Log("walcast");
  // One transaction of rows that never reach Kafka. walcast may confirm
  // WAL it has nothing pending for (a keepalive's position, even inside
  // that transaction before its commit: a transaction committing after the
  // confirmed position is sent again), but never the commit itself, which
  // ends before `after`.
  Insert(1, 10);
  const Lsn after = *Lsn::Parse(Sql("SELECT pg_current_wal_lsn()"));
  ASSERT_TRUE(WaitForLog("walcast", "authentication failed", walcast.get(), 60s)) << Log("walcast");
  EXPECT_NE(Log("walcast").find("SASL authentication error"), std::string::npos) << Log("walcast");
  EXPECT_TRUE(PollUntil([&] { return Ready().first == 503; }, 30s)) << Ready().second;
  std::this_thread::sleep_for(5s);
  EXPECT_EQ(Occurrences(Log("walcast"), "authentication failed"), 1u) << Log("walcast");
  EXPECT_LT(ConfirmedFlush(), after);
  EXPECT_EQ(Log("walcast").find("not-the-password"), std::string::npos);
  walcast->Signal(SIGTERM);
  (void)walcast->Wait(30s);
}

}  // namespace
}  // namespace walcast::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new walcast::testing::PostgresEnvironment);
  ::testing::AddGlobalTestEnvironment(new walcast::testing::KafkaEnvironment(/*secured=*/true));
  return RUN_ALL_TESTS();
}
