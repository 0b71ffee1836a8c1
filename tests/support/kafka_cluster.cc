#include "tests/support/kafka_cluster.h"

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <ostream>
#include <string_view>
#include <thread>

#include "tests/support/postgres_cluster.h"

namespace walcast::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::unique_ptr<KafkaCluster> g_cluster;
std::string g_error;

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct TopicDeleter {
  void operator()(rd_kafka_topic_t* rkt) const { rd_kafka_topic_destroy(rkt); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* ev) const { rd_kafka_event_destroy(ev); }
};
struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using RdKafkaPtr = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
using AdminOptionsPtr = std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter>;
using NewTopicPtr = std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// Runs `scripts/kafka.sh <command> <dir>`, capturing stdout and stderr. The
// owner pid lets the script kill the broker if this test binary dies without
// running its destructors (crash, ctest timeout).
int RunKafkaScript(const std::string& command, const std::string& dir, std::string* output,
                   const std::string& env = "") {
  return RunCommand(env + "WALCAST_KAFKA_OWNER_PID=" + std::to_string(getpid()) + " " +
                        ShellQuote(SourcePath("scripts/kafka.sh")) + " " + command + " " +
                        ShellQuote(dir) + " 2>&1",
                    output);
}

int RemainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

// A client for `bootstrap`; on failure returns nullptr and fills *error.
// Reconnects fast so that a restarted broker is seen within a second.
RdKafkaPtr NewClient(rd_kafka_type_t type, const std::string& bootstrap,
                     const std::vector<std::pair<std::string, std::string>>& extra,
                     std::string* error) {
  ConfPtr conf(rd_kafka_conf_new());
  std::array<char, 512> errstr{};
  std::vector<std::pair<std::string, std::string>> settings = {
      {"bootstrap.servers", bootstrap},
      {"reconnect.backoff.max.ms", "500"},
      {"log.connection.close", "false"},
  };
  settings.insert(settings.end(), extra.begin(), extra.end());
  for (const auto& [key, value] : settings) {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr.data(), errstr.size()) !=
        RD_KAFKA_CONF_OK) {
      *error = key + ": " + errstr.data();
      return nullptr;
    }
  }
  RdKafkaPtr rk(rd_kafka_new(type, conf.get(), errstr.data(), errstr.size()));
  if (!rk) {
    *error = std::string("rd_kafka_new: ") + errstr.data();
    return nullptr;
  }
  (void)conf.release();  // rd_kafka_new owns the conf on success only.
  return rk;
}

// Partition count of `topic` as this client's broker knows it, or 0 with the
// reason in *code (UNKNOWN_TOPIC_OR_PART: no such topic; LEADER_NOT_AVAILABLE:
// a partition has no leader yet, checked only with `need_leaders`; local
// codes such as __TIMED_OUT: the broker did not answer) and *error.
int PartitionCount(rd_kafka_t* rk, rd_kafka_topic_t* rkt, int timeout_ms, bool need_leaders,
                   rd_kafka_resp_err_t* code, std::string* error) {
  const rd_kafka_metadata_t* raw = nullptr;
  *code = rd_kafka_metadata(rk, 0, rkt, &raw, std::max(timeout_ms, 1));
  const MetadataPtr md(raw);
  if (*code == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt != 1) {
    *code = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  } else if (*code == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const rd_kafka_metadata_topic_t& t = md->topics[0];
    *code = t.err;
    for (int i = 0; *code == RD_KAFKA_RESP_ERR_NO_ERROR && need_leaders && i < t.partition_cnt;
         ++i) {
      if (t.partitions[i].leader < 0) *code = RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
    }
    if (*code == RD_KAFKA_RESP_ERR_NO_ERROR) return t.partition_cnt;
  }
  *error = std::string("metadata: ") + rd_kafka_err2name(*code) + ": " + rd_kafka_err2str(*code);
  return 0;
}

KafkaRecord ToRecord(const rd_kafka_message_t& m) {
  KafkaRecord r;
  r.topic = rd_kafka_topic_name(m.rkt);
  r.partition = m.partition;
  r.offset = m.offset;
  if (m.key != nullptr) r.key.emplace(static_cast<const char*>(m.key), m.key_len);
  if (m.payload != nullptr) r.value.emplace(static_cast<const char*>(m.payload), m.len);
  rd_kafka_headers_t* headers = nullptr;  // Owned by the message.
  if (rd_kafka_message_headers(&m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      KafkaHeader h{name, std::nullopt};
      if (value != nullptr) h.value.emplace(static_cast<const char*>(value), size);
      r.headers.push_back(std::move(h));
    }
  }
  return r;
}

// What ReadTopic stops on.
struct ReadGoal {
  size_t at_least = 0;                 // > 0: stop once this many records arrived
  std::chrono::milliseconds quiet{0};  // > 0: stop at every partition's end plus this long quiet
  std::chrono::milliseconds topic_wait{0};  // how long a missing topic is waited for
  // Set: each record goes to it, in offset order per partition, instead of
  // into ReadResult::records (for topics too large to hold).
  std::function<void(KafkaRecord&&)> each = nullptr;
};

struct ReadResult {
  std::vector<KafkaRecord> records;
  size_t count = 0;      // records read, kept or handed to ReadGoal::each
  bool reached = false;  // the goal was met (or the topic never appeared, for quiet reads)
  std::string last_error;
};

// NOLINTNEXTLINE(bugprone-easily-swappable-parameters): file-local, two call sites.
ReadResult ReadTopic(const std::string& bootstrap, const std::string& topic, const ReadGoal& goal,
                     std::chrono::milliseconds timeout) {
  ReadResult result;
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  // A group id is required by rd_kafka_consumer_poll even though partitions
  // are assigned directly and nothing is committed.
  RdKafkaPtr rk = NewClient(RD_KAFKA_CONSUMER, bootstrap,
                            {{"group.id", "walcast-test-reader"},
                             {"enable.auto.commit", "false"},
                             {"enable.auto.offset.store", "false"},
                             {"enable.partition.eof", "true"},
                             {"fetch.wait.max.ms", "100"}},
                            &result.last_error);
  if (!rk) return result;
  rd_kafka_poll_set_consumer(rk.get());

  // Find the partitions. A missing topic is waited for until topic_wait; a
  // broker that does not answer, until the deadline.
  int partitions = 0;
  {
    const TopicPtr rkt(rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr));
    const auto topic_deadline = std::min(deadline, start + goal.topic_wait);
    while (true) {
      rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
      partitions = PartitionCount(rk.get(), rkt.get(), std::min(RemainingMs(deadline), 2000), false,
                                  &code, &result.last_error);
      if (partitions > 0) break;
      if (code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART && Clock::now() >= topic_deadline) {
        result.reached = goal.quiet.count() > 0;  // a missing topic reads as empty
        break;
      }
      if (Clock::now() >= deadline) break;
      // The broker answers a missing topic at once: pause before asking
      // again rather than spin on it.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  if (partitions == 0) {
    rd_kafka_consumer_close(rk.get());
    return result;
  }

  PartitionListPtr list(rd_kafka_topic_partition_list_new(partitions));
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  if (const rd_kafka_resp_err_t err = rd_kafka_assign(rk.get(), list.get()); err) {
    result.last_error = std::string("assign: ") + rd_kafka_err2str(err);
    rd_kafka_consumer_close(rk.get());
    return result;
  }

  std::map<int32_t, bool> at_end;
  auto last_activity = start;
  while (true) {
    if (goal.at_least > 0 && result.count >= goal.at_least) {
      result.reached = true;
      break;
    }
    if (goal.quiet.count() > 0 && static_cast<int>(at_end.size()) == partitions &&
        std::all_of(at_end.begin(), at_end.end(), [](const auto& e) { return e.second; }) &&
        Clock::now() - last_activity >= goal.quiet) {
      result.reached = true;
      break;
    }
    if (Clock::now() >= deadline) break;
    const MessagePtr m(rd_kafka_consumer_poll(rk.get(), std::min(RemainingMs(deadline), 100)));
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end[m->partition] = true;
    } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Mostly transport errors while the broker is down; the consumer
      // retries on its own, so only remember the reason.
      result.last_error = rd_kafka_message_errstr(m.get());
    } else {
      at_end[m->partition] = false;
      last_activity = Clock::now();
      ++result.count;
      if (goal.each) {
        goal.each(ToRecord(*m));
      } else {
        result.records.push_back(ToRecord(*m));
      }
    }
  }
  rd_kafka_consumer_close(rk.get());
  std::stable_sort(
      result.records.begin(), result.records.end(), [](const KafkaRecord& a, const KafkaRecord& b) {
        return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
      });
  return result;
}

void PrintBytes(const std::optional<std::string>& bytes, std::ostream* os) {
  if (!bytes) {
    *os << "<null>";
    return;
  }
  static constexpr std::string_view kHex = "0123456789abcdef";
  *os << '"';
  for (const char c : *bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '"' && c != '\\') {
      *os << c;
    } else {
      *os << "\\x" << kHex[u >> 4] << kHex[u & 0xf];
    }
  }
  *os << '"';
}

}  // namespace

void PrintTo(const KafkaRecord& record, std::ostream* os) {
  *os << record.topic << "/" << record.partition << "@" << record.offset << " key=";
  PrintBytes(record.key, os);
  *os << " value=";
  PrintBytes(record.value, os);
  *os << " headers={";
  for (size_t i = 0; i < record.headers.size(); ++i) {
    *os << (i > 0 ? ", " : "") << record.headers[i].name << "=";
    PrintBytes(record.headers[i].value, os);
  }
  *os << "}";
}

std::unique_ptr<KafkaCluster> KafkaCluster::Start(std::string* error, bool secured) {
  std::string tmpl = "/tmp/walcast-kafka-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    *error = "mkdtemp failed";
    return nullptr;
  }
  const std::string dir = tmpl;
  std::string out;
  const std::string env = secured ? std::string("KAFKA_SECURITY=1 KAFKA_SCRAM_USERS=walcast=") +
                                        kScramPassword +
                                        " KAFKA_TLS_KEY_PASSWORD=" + kTlsKeyPassword + " "
                                  : "";
  const int rc = RunKafkaScript("start", dir, &out, env);
  const size_t pos = out.find("bootstrap=");
  if (rc != 0 || pos == std::string::npos) {
    *error = "scripts/kafka.sh start failed (exit " + std::to_string(rc) + "): " + out;
    RunKafkaScript("destroy", dir, nullptr);
    return nullptr;
  }
  auto line = [&](const std::string& key) {
    const size_t at = out.find("\n" + key + "=");
    if (at == std::string::npos) return std::string();
    const std::string rest = out.substr(at + key.size() + 2);
    return rest.substr(0, rest.find('\n'));
  };
  std::string bootstrap = out.substr(pos + 10);
  bootstrap = bootstrap.substr(0, bootstrap.find('\n'));
  std::unique_ptr<KafkaCluster> cluster(new KafkaCluster(dir, bootstrap));
  cluster->sasl_ssl_bootstrap_ = line("sasl_ssl_bootstrap");
  cluster->ssl_bootstrap_ = line("ssl_bootstrap");
  if (secured && (cluster->sasl_ssl_bootstrap_.empty() || cluster->ssl_bootstrap_.empty())) {
    *error = "scripts/kafka.sh start printed no secured listeners: " + out;
    return nullptr;  // the destructor removes the broker
  }
  return cluster;
}

KafkaCluster::~KafkaCluster() { RunKafkaScript("destroy", dir_, nullptr); }

::testing::AssertionResult KafkaCluster::Stop() {
  std::string out;
  const int rc = RunKafkaScript("stop", dir_, &out);
  if (rc != 0) {
    return ::testing::AssertionFailure()
           << "scripts/kafka.sh stop failed (exit " << rc << "): " << out;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult KafkaCluster::Start() {
  std::string out;
  const int rc = RunKafkaScript("start", dir_, &out);
  if (rc != 0 || out.find("bootstrap=" + bootstrap_ + "\n") == std::string::npos) {
    return ::testing::AssertionFailure() << "scripts/kafka.sh start failed (exit " << rc
                                         << ", expected bootstrap=" << bootstrap_ << "): " << out;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult KafkaCluster::CreateTopic(const std::string& name, int partitions) {
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  std::string error;
  RdKafkaPtr rk = NewClient(RD_KAFKA_PRODUCER, bootstrap_, {}, &error);
  if (!rk) return ::testing::AssertionFailure() << "CreateTopic(" << name << "): " << error;

  std::array<char, 512> errstr{};
  NewTopicPtr topic(
      rd_kafka_NewTopic_new(name.c_str(), partitions, 1, errstr.data(), errstr.size()));
  if (!topic)
    return ::testing::AssertionFailure() << "CreateTopic(" << name << "): " << errstr.data();
  AdminOptionsPtr options(rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS));
  // Wait for the controller to commit the topic, not just to accept it.
  if (rd_kafka_AdminOptions_set_operation_timeout(options.get(), RemainingMs(deadline),
                                                  errstr.data(),
                                                  errstr.size()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return ::testing::AssertionFailure() << "CreateTopic(" << name << "): " << errstr.data();
  }
  const QueuePtr queue(rd_kafka_queue_new(rk.get()));
  std::array<rd_kafka_NewTopic_t*, 1> topics = {topic.get()};
  rd_kafka_CreateTopics(rk.get(), topics.data(), topics.size(), options.get(), queue.get());
  const EventPtr event(rd_kafka_queue_poll(queue.get(), RemainingMs(deadline)));
  if (!event) {
    return ::testing::AssertionFailure() << "CreateTopic(" << name << "): no answer within 30 s";
  }
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return ::testing::AssertionFailure()
           << "CreateTopic(" << name << "): " << rd_kafka_event_error_string(event.get());
  }
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
  size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  for (size_t i = 0; i < count; ++i) {
    if (rd_kafka_topic_result_error(results[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* message = rd_kafka_topic_result_error_string(results[i]);
      return ::testing::AssertionFailure()
             << "CreateTopic(" << name
             << "): " << rd_kafka_err2name(rd_kafka_topic_result_error(results[i])) << ": "
             << (message != nullptr ? message : "");
    }
  }

  // The controller has the topic; wait until this broker's metadata has a
  // leader for every partition, so that a produce right after goes through.
  const TopicPtr rkt(rd_kafka_topic_new(rk.get(), name.c_str(), nullptr));
  rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
  while (PartitionCount(rk.get(), rkt.get(), std::min(RemainingMs(deadline), 2000), true, &code,
                        &error) != partitions) {
    if (Clock::now() >= deadline) {
      return ::testing::AssertionFailure()
             << "CreateTopic(" << name << "): not ready after 30 s: " << error;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // metadata answers at once
  }
  return ::testing::AssertionSuccess();
}

std::vector<std::string> KafkaCluster::Topics() {
  std::string error;
  RdKafkaPtr rk = NewClient(RD_KAFKA_PRODUCER, bootstrap_, {}, &error);
  if (!rk) {
    ADD_FAILURE() << "Topics(): " << error;
    return {};
  }
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk.get(), 1, nullptr, &raw, 30000);
  const MetadataPtr md(raw);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    ADD_FAILURE() << "Topics(): metadata: " << rd_kafka_err2name(err) << ": "
                  << rd_kafka_err2str(err);
    return {};
  }
  std::vector<std::string> names;
  for (int i = 0; i < md->topic_cnt; ++i) names.emplace_back(md->topics[i].topic);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<KafkaRecord> KafkaCluster::Consume(const std::string& topic, size_t at_least,
                                               std::chrono::milliseconds timeout) {
  ReadResult r =
      ReadTopic(bootstrap_, topic, {.at_least = at_least, .topic_wait = timeout}, timeout);
  if (!r.reached) {
    std::cerr << "KafkaCluster::Consume(" << topic << "): " << r.records.size() << " of "
              << at_least << " records after " << timeout.count()
              << " ms; last error: " << (r.last_error.empty() ? "none" : r.last_error) << "\n";
  }
  return std::move(r.records);
}

std::vector<KafkaRecord> KafkaCluster::ConsumeAll(const std::string& topic,
                                                  std::chrono::milliseconds quiet_period,
                                                  std::chrono::milliseconds timeout) {
  ReadResult r =
      ReadTopic(bootstrap_, topic, {.quiet = quiet_period, .topic_wait = quiet_period}, timeout);
  if (!r.reached) {
    ADD_FAILURE() << "KafkaCluster::ConsumeAll(" << topic << "): the end of every partition was "
                  << "not reached within " << timeout.count() << " ms (" << r.records.size()
                  << " records read); last error: "
                  << (r.last_error.empty() ? "none" : r.last_error)
                  << "; broker log: " << LogPath();
  }
  return std::move(r.records);
}

size_t KafkaCluster::ConsumeEach(const std::string& topic, std::chrono::milliseconds quiet_period,
                                 std::chrono::milliseconds timeout,
                                 const std::function<void(KafkaRecord&&)>& each) {
  const ReadResult r =
      ReadTopic(bootstrap_, topic,
                {.quiet = quiet_period, .topic_wait = quiet_period, .each = each}, timeout);
  if (!r.reached) {
    ADD_FAILURE() << "KafkaCluster::ConsumeEach(" << topic << "): the end of every partition was "
                  << "not reached within " << timeout.count() << " ms (" << r.count
                  << " records read); last error: "
                  << (r.last_error.empty() ? "none" : r.last_error)
                  << "; broker log: " << LogPath();
  }
  return r.count;
}

::testing::AssertionResult KafkaCluster::Acls(const std::vector<std::string>& args) {
  std::string command = "acls " + ShellQuote(dir_);
  for (const std::string& arg : args) command += " " + ShellQuote(arg);
  std::string out;
  // RunKafkaScript puts the directory last; kafka.sh acls takes it second.
  const int rc =
      RunCommand("WALCAST_KAFKA_OWNER_PID=" + std::to_string(getpid()) + " " +
                     ShellQuote(SourcePath("scripts/kafka.sh")) + " " + command + " 2>&1",
                 &out);
  if (rc != 0) {
    return ::testing::AssertionFailure()
           << "kafka-acls " << command << " failed (exit " << rc << "): " << out;
  }
  return ::testing::AssertionSuccess();
}

void KafkaEnvironment::SetUp() { g_cluster = KafkaCluster::Start(&g_error, secured_); }
void KafkaEnvironment::TearDown() { g_cluster.reset(); }
KafkaCluster* KafkaEnvironment::Get() { return g_cluster.get(); }
const std::string& KafkaEnvironment::StartError() { return g_error; }

}  // namespace walcast::testing
