// End-to-end test of the privacy rules (docs/privacy.md) through the
// binary, PostgreSQL and Kafka: randomuser.me-shaped profiles carrying known
// PII canaries go through the GDPR rules into Kafka and stdout; then every
// Kafka record, the stdout records, walcast's log and every file of its
// state directory are searched for each canary (as written, lower-cased and
// JSON-escaped): zero hits. Each encrypted field decrypts back with
// `walcast privacy decrypt`; after `privacy forget` the forgotten subject's
// fields no longer decrypt while the others' still do, also after a
// restart and a kill -9.

#include <signal.h>

#include <map>
#include <string>
#include <vector>

#include "rapidjson/document.h"
#include "tests/integration/privacy_process_test.h"
#include "tests/support/kafka_cluster.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

class PrivacyTest : public PrivacyProcessTest {
 protected:
  void SetUp() override {
    PrivacyProcessTest::SetUp();
    if (HasFatalFailure()) return;
    kafka_ = KafkaEnvironment::Get();
    ASSERT_NE(kafka_, nullptr) << "Kafka did not start: " << KafkaEnvironment::StartError();
    WriteConfig({});
  }

  std::map<std::string, std::string> BaseConfig() const override {
    std::map<std::string, std::string> kv = PrivacyProcessTest::BaseConfig();
    kv["sinks"] = "kafka,stdout";
    if (kafka_ != nullptr) kv["kafka.bootstrap.servers"] = kafka_->bootstrap();
    kv["kafka.linger.ms"] = "5";
    return kv;
  }

  std::string Topic() const { return db_ + ".public.t"; }

  // The value of the last Kafka record of row `id`.
  std::string LastRecordOf(const std::vector<KafkaRecord>& records, int id) {
    std::string last;
    for (const KafkaRecord& r : records) {
      if (!r.value) continue;
      rapidjson::Document doc;
      doc.Parse(r.value->c_str());
      if (doc.HasParseError() || !doc["payload"]["after"].IsObject()) continue;
      if (doc["payload"]["after"]["id"].GetInt() == id) last = *r.value;
    }
    return last;
  }

  KafkaCluster* kafka_ = nullptr;
};

TEST_F(PrivacyTest, NoCanaryLeavesAndForgottenSubjectsStayForgotten) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, email text, profile jsonb)");
  ASSERT_NO_FATAL_FAILURE(StreamEveryone());

  const std::vector<KafkaRecord> records = kafka_->ConsumeAll(Topic(), 2s);
  ASSERT_EQ(records.size(), People().size());
  for (const KafkaRecord& r : records) {
    ExpectNoCanary("a Kafka key", r.key.value_or(""));
    ExpectNoCanary("a Kafka record", r.value.value_or(""));
    // The schema says string for the encrypted column; the profile is JSON.
    EXPECT_NE(r.value->find(R"({"type":"string","optional":true,"field":"email"})"),
              std::string::npos)
        << *r.value;
    EXPECT_NE(r.value->find(R"(\"date\":\"1984-03-01T01:30:00.000Z\")"), std::string::npos)
        << *r.value;
    EXPECT_NE(r.value->find(R"(\"date_parts\":{\"year\":1984,\"month\":3,\"day\":1})"),
              std::string::npos)
        << *r.value;
    EXPECT_EQ(r.value->find(R"(\"age\")"), std::string::npos) << *r.value;
  }
  for (const auto& [path, content] : LocalArtifacts()) ExpectNoCanary(path, content);

  // Each encrypted field decrypts back to its value.
  std::map<int, std::string> before_forget;
  for (const Person& p : People()) {
    const std::string record = LastRecordOf(records, p.id);
    ASSERT_FALSE(record.empty()) << p.id;
    before_forget[p.id] = record;
    std::string out, err;
    ASSERT_EQ(Decrypt(record, &out, &err), 0) << err;
    for (const std::string& value :
         {JsonEscape(p.email), JsonEscape(JsonEscape(p.first + " " + p.last)),
          JsonEscape(JsonEscape(p.phone)), JsonEscape(JsonEscape(p.cell)),
          JsonEscape(JsonEscape("4242|" + p.street + "|" + p.city + "|Somestate|" + p.postcode +
                                "|Norway"))}) {
      EXPECT_NE(out.find(value), std::string::npos) << value << " not in " << out;
    }
  }

  // Forget the first subject.
  std::string out, err;
  ASSERT_EQ(RunToEnd({"privacy", "forget", "--subject", People()[0].uuid}, &out, &err), 0) << err;
  EXPECT_NE(out.find("1 key(s) destroyed"), std::string::npos) << out;
  ExpectNoCanary("the forget command's log", err);

  auto check_forgotten = [&](const std::string& when) {
    for (const Person& p : People()) {
      std::string o, e;
      const int rc = Decrypt(before_forget[p.id], &o, &e);
      if (p.id == People()[0].id) {
        EXPECT_EQ(rc, 1) << when;
        EXPECT_NE(e.find("does not exist (forgotten)"), std::string::npos) << when << e;
        // The column email was encrypted under the subject's key too.
        ExpectNoCanary(when + ": decrypt of a forgotten subject", o);
      } else {
        EXPECT_EQ(rc, 0) << when << e;
        EXPECT_NE(o.find(JsonEscape(p.email)), std::string::npos) << when;
      }
    }
  };
  check_forgotten("after forget");

  // A restart: the forgotten subject comes back with new data and a new key;
  // the old ciphertexts stay unreadable.
  auto walcast = Start("walcast1");
  ASSERT_TRUE(WaitForLog("walcast1", "streaming started", walcast.get())) << Log("walcast1");
  Insert(People()[0]);
  Insert(People()[1]);
  ASSERT_TRUE(WaitConfirmed(walcast.get(), 60s, "walcast1"));
  walcast->Signal(SIGKILL);
  EXPECT_EQ(walcast->Wait(10s), 128 + SIGKILL);
  check_forgotten("after a restart and kill -9");

  const std::vector<KafkaRecord> all = kafka_->ConsumeAll(Topic(), 2s);
  ASSERT_GE(all.size(), People().size() + 2);
  for (const KafkaRecord& r : all) ExpectNoCanary("a Kafka record", r.value.value_or(""));
  for (const auto& [path, content] : LocalArtifacts()) ExpectNoCanary(path, content);
  // The new record of the forgotten subject decrypts under its new key.
  const std::string fresh = LastRecordOf(all, People()[0].id);
  ASSERT_NE(fresh, before_forget[People()[0].id]);
  ASSERT_EQ(Decrypt(fresh, &out, &err), 0) << err;
  EXPECT_NE(out.find(JsonEscape(People()[0].email)), std::string::npos);

  // And again after a start following the kill.
  walcast = Start("walcast2");
  ASSERT_TRUE(WaitForLog("walcast2", "streaming started", walcast.get())) << Log("walcast2");
  walcast->Signal(SIGTERM);
  EXPECT_EQ(walcast->Wait(30s), 0) << Log("walcast2");
  check_forgotten("after another restart");
}

TEST_F(PrivacyTest, ReportListsWhatEachSinkReceives) {
  std::string out, err;
  ASSERT_EQ(RunToEnd({"privacy", "report"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("## kafka"), std::string::npos) << out;
  EXPECT_NE(out.find("## stdout"), std::string::npos) << out;
  EXPECT_NE(out.find("| public.t | profile | email | encrypted | AES-256-GCM, per-subject key "
                     "(forgettable) |"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("| public.t | profile | dob.age | removed | derivable from dob.date |"),
            std::string::npos)
      << out;
  ASSERT_EQ(RunToEnd({"privacy", "report", "--json"}, &out, &err), 0) << err;
  rapidjson::Document doc;
  doc.Parse(out.c_str());
  ASSERT_FALSE(doc.HasParseError()) << out;
  EXPECT_EQ(doc["sinks"].Size(), 2u);
}

TEST_F(PrivacyTest, KeysInTheConfigFileAreRefused) {
  WriteConfig({{"privacy.keys", "current=k1;k1=AAAA"}});
  std::string out, err;
  EXPECT_EQ(RunToEnd({"privacy", "report"}, &out, &err), 2);
  EXPECT_NE(err.find("privacy.keys"), std::string::npos) << err;
}

TEST_F(PrivacyTest, BadJsonStopsWithTheReasonAndNoValue) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, email text, profile text)");
  // Hashing needs no subject, so the profile's rules are the first to fail.
  WriteConfig({{"privacy.rule.mail.op", "hash"}});
  auto walcast = Start("walcast");
  ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get())) << Log("walcast");
  Sql("INSERT INTO t VALUES (9, 'x@y', '{broken Zebulonqa')");
  EXPECT_TRUE(PollUntil([&] { return !walcast->Running(); }, 60s));
  EXPECT_EQ(walcast->Wait(10s), 1);
  const std::string log = Log("walcast");
  EXPECT_NE(log.find("the column's value is not JSON"), std::string::npos) << log;
  EXPECT_EQ(log.find("Zebulonqa"), std::string::npos) << log;
  EXPECT_TRUE(kafka_->ConsumeAll(Topic(), 2s).empty());
}

TEST_F(PrivacyTest, OnAWorkerThreadEveryRowArrivesInOrderWithoutACanary) {
  Sql("CREATE TABLE t(id int PRIMARY KEY, email text, profile jsonb)");
  WriteConfig({{"privacy.transform.thread", "true"}});
  ASSERT_NO_FATAL_FAILURE(StreamEveryone());
  EXPECT_NE(Log("walcast").find("thread=true"), std::string::npos) << Log("walcast");

  // One transaction per person: the records come in their commit order.
  const std::vector<KafkaRecord> records = kafka_->ConsumeAll(Topic(), 2s);
  ASSERT_EQ(records.size(), People().size());
  for (size_t i = 0; i < records.size(); ++i) {
    ExpectNoCanary("a Kafka record", records[i].value.value_or(""));
    EXPECT_EQ(LastRecordOf({records[i]}, People()[i].id), records[i].value.value_or("")) << i;
    std::string out, err;
    ASSERT_EQ(Decrypt(records[i].value.value_or(""), &out, &err), 0) << err;
    EXPECT_NE(out.find(JsonEscape(People()[i].email)), std::string::npos) << out;
  }
  for (const auto& [path, content] : LocalArtifacts()) ExpectNoCanary(path, content);
}

}  // namespace
}  // namespace walcast::testing
