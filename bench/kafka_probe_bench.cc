// Kafka-side measurements for bench/kafka_streaming.sh and
// bench/kafka_snapshot.sh (bench/RESULTS.md). Not part of walcast.
//
//   kafka_probe wait --bootstrap HOST:PORT --topic T --count N [--timeout-s S]
//       Polls T's high watermarks (summed over its partitions) every 50 ms
//       until they reach N, then prints `first_record_epoch_s=` (the first
//       poll that saw a record) and `done_epoch_s=` (the poll that saw N).
//       Exits 1 on timeout. A watermark query is one small request, so the
//       polling costs the process being measured next to nothing (a console
//       tool would start a JVM per poll).
//
//   kafka_probe latency --bootstrap HOST:PORT --topic T --pg CONNINFO --insert SQL
//                       [--tx-per-s 500] [--seconds 30] [--warmup-s 5] [--rows-per-tx 10]
//       Creates T (one partition, message.timestamp.type=LogAppendTime), then
//       commits one transaction every 1/tx-per-s seconds on an absolute
//       schedule: SQL run with $1 = the transaction's first row number
//       (SQL inserts rows-per-tx rows in one statement). Meanwhile a
//       consumer reads T from the beginning. Each record's latency is
//       Kafka's LogAppendTime minus the commit time in its value
//       (payload.source.ts_us: the commit timestamp PostgreSQL wrote in the
//       commit record); the time the consumer received it minus the commit
//       time is printed too. Records committed in the first warmup-s seconds
//       are left out. Prints key=value percentiles in milliseconds, and
//       each run of records over 100 ms (a stall) with its commit time.
//
// Both clocks are the same machine's CLOCK_REALTIME (PostgreSQL's commit
// timestamp and the broker's append time), so no clock skew enters.

#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::system_clock;

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using RdKafkaPtr = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;
struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "kafka_probe: %s\n", message.c_str());
  std::exit(1);
}

// --key value pairs.
std::map<std::string, std::string> ParseFlags(int argc, char** argv, int first) {
  std::map<std::string, std::string> flags;
  for (int i = first; i < argc; i += 2) {
    const std::string key = argv[i];
    if (key.rfind("--", 0) != 0 || i + 1 >= argc) Die("bad argument " + key);
    flags[key.substr(2)] = argv[i + 1];
  }
  return flags;
}

std::string Flag(const std::map<std::string, std::string>& flags, const std::string& key,
                 const char* fallback = nullptr) {
  auto it = flags.find(key);
  if (it != flags.end()) return it->second;
  if (fallback == nullptr) Die("--" + key + " is required");
  return fallback;
}

RdKafkaPtr NewClient(rd_kafka_type_t type, const std::string& bootstrap,
                     const std::vector<std::pair<std::string, std::string>>& extra) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  std::vector<std::pair<std::string, std::string>> settings = {{"bootstrap.servers", bootstrap},
                                                               {"log_level", "3"}};
  settings.insert(settings.end(), extra.begin(), extra.end());
  for (const auto& [k, v] : settings) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      Die(k + ": " + errstr);
    }
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    Die(std::string("rd_kafka_new: ") + errstr);
  }
  return RdKafkaPtr(rk);
}

// Sum of the high watermarks of `topic`'s partitions; -1 while the topic
// does not exist yet.
int64_t HighWatermark(rd_kafka_t* rk, const std::string& topic) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 5000);
  rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return -1;
  int64_t total = -1;
  if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    total = 0;
    for (int p = 0; p < md->topics[0].partition_cnt; ++p) {
      int64_t low = 0;
      int64_t high = 0;
      if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), md->topics[0].partitions[p].id, &low,
                                           &high, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        total = -1;
        break;
      }
      total += high;
    }
  }
  rd_kafka_metadata_destroy(md);
  return total;
}

int Wait(const std::map<std::string, std::string>& flags) {
  const std::string topic = Flag(flags, "topic");
  const int64_t count = std::stoll(Flag(flags, "count"));
  const auto deadline =
      Clock::now() + std::chrono::seconds(std::stoll(Flag(flags, "timeout-s", "1800")));
  // A consumer handle: its metadata requests never auto-create the topic.
  RdKafkaPtr rk = NewClient(RD_KAFKA_CONSUMER, Flag(flags, "bootstrap"),
                            {{"allow.auto.create.topics", "false"}});
  double first_s = 0;
  int64_t last = -1;
  while (Clock::now() < deadline) {
    const int64_t high = HighWatermark(rk.get(), topic);
    const double now_s = static_cast<double>(NowUs()) / 1e6;
    if (high > 0 && first_s == 0) first_s = now_s;
    if (high >= count) {
      std::printf("first_record_epoch_s=%.3f done_epoch_s=%.3f records=%lld\n", first_s, now_s,
                  static_cast<long long>(high));
      return 0;
    }
    last = high;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr, "kafka_probe: timeout; %s has %lld of %lld records\n", topic.c_str(),
               static_cast<long long>(last), static_cast<long long>(count));
  return 1;
}

void CreateLogAppendTimeTopic(const std::string& bootstrap, const std::string& topic) {
  RdKafkaPtr rk = NewClient(RD_KAFKA_PRODUCER, bootstrap, {});
  char errstr[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), 1, 1, errstr, sizeof(errstr));
  if (nt == nullptr) Die(errstr);
  rd_kafka_NewTopic_set_config(nt, "message.timestamp.type", "LogAppendTime");
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk.get());
  rd_kafka_CreateTopics(rk.get(), &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  std::string error;
  if (ev == nullptr) {
    error = "CreateTopics timed out";
  } else {
    const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t** topics = rd_kafka_CreateTopics_result_topics(res, &n);
    if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      error = rd_kafka_event_error_string(ev);
    } else if (n == 1 && rd_kafka_topic_result_error(topics[0]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      error = rd_kafka_topic_result_error_string(topics[0]);
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  if (!error.empty()) Die("create topic " + topic + ": " + error);
}

// payload.source.ts_us of a Debezium value (with or without schemas), or -1.
// The schema part names fields as "field":"ts_us", never "ts_us":, and the
// source block precedes the envelope's own ts_us.
int64_t SourceTsUs(std::string_view value) {
  size_t at = value.find("\"payload\":");
  if (at == std::string_view::npos) at = 0;
  at = value.find("\"source\":{", at);
  if (at == std::string_view::npos) return -1;
  at = value.find("\"ts_us\":", at);
  if (at == std::string_view::npos) return -1;
  return std::strtoll(value.data() + at + 8, nullptr, 10);
}

struct Sample {
  int64_t commit_us;
  int64_t append_latency_us;   // LogAppendTime (ms precision) - commit
  int64_t receive_latency_us;  // consumer receive time - commit
};

double Percentile(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return static_cast<double>(v[i]) / 1000.0;
}

// Reads the topic from the beginning and records, per record, its commit
// time (source.ts_us), the broker's append latency and the receive latency,
// until `expected` records arrived or 60 s passed after the loader's end.
struct LatencySamples {
  std::vector<Sample> samples;
  int64_t append_time_type_records = 0;
};
void ConsumeSamples(const std::string& bootstrap, const std::string& topic, int64_t expected,
                    const std::atomic<bool>& loader_done, const std::atomic<int64_t>& loader_end_us,
                    LatencySamples* out) {
  RdKafkaPtr rk = NewClient(RD_KAFKA_CONSUMER, bootstrap,
                            {{"group.id", "kafka-probe"},
                             {"enable.auto.commit", "false"},
                             {"fetch.wait.max.ms", "5"},
                             {"fetch.error.backoff.ms", "10"}});
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk.get(), parts);
  rd_kafka_topic_partition_list_destroy(parts);
  while (static_cast<int64_t>(out->samples.size()) < expected) {
    // Give up 60 s after the last commit.
    if (loader_done.load() && NowUs() - loader_end_us.load() > 60'000'000) break;
    std::unique_ptr<rd_kafka_message_t, MessageDeleter> m(rd_kafka_consumer_poll(rk.get(), 100));
    const int64_t received_us = NowUs();
    if (!m || m->err != RD_KAFKA_RESP_ERR_NO_ERROR || m->payload == nullptr) continue;
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    const int64_t ts_ms = rd_kafka_message_timestamp(m.get(), &type);
    if (type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME) ++out->append_time_type_records;
    const int64_t commit_us =
        SourceTsUs(std::string_view(static_cast<const char*>(m->payload), m->len));
    if (commit_us < 0) continue;
    out->samples.push_back({commit_us, ts_ms * 1000 - commit_us, received_us - commit_us});
  }
  rd_kafka_consumer_close(rk.get());
}

// The load: one statement (one transaction) per tick on an absolute
// schedule, so a slow commit does not lower the rate (the next ones catch up).
struct PacedLoad {
  int64_t start_us = 0;
  double seconds = 0;
  int64_t behind = 0;  // ticks that started more than one period late
};
PacedLoad RunPacedLoad(PGconn* pg, const std::string& insert, int tx_per_s, int64_t transactions,
                       int rows_per_tx) {
  PacedLoad load;
  const auto period = std::chrono::nanoseconds(1'000'000'000LL / tx_per_s);
  const auto start = std::chrono::steady_clock::now();
  load.start_us = NowUs();
  for (int64_t k = 0; k < transactions; ++k) {
    const auto due = start + k * period;
    const auto now = std::chrono::steady_clock::now();
    if (now < due) {
      std::this_thread::sleep_until(due);
    } else if (now - due > period) {
      ++load.behind;
    }
    const std::string first = std::to_string(k * rows_per_tx);
    const char* params[] = {first.c_str()};
    std::unique_ptr<PGresult, PgResultDeleter> r(
        PQexecParams(pg, insert.c_str(), 1, nullptr, params, nullptr, nullptr, 0));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      Die(std::string("insert: ") + PQresultErrorMessage(r.get()));
    }
  }
  load.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return load;
}

void PrintPercentiles(const char* name, const std::vector<int64_t>& v) {
  std::printf("%s p50=%.1f p90=%.1f p99=%.1f p999=%.1f max=%.1f\n", name, Percentile(v, 0.50),
              Percentile(v, 0.90), Percentile(v, 0.99), Percentile(v, 0.999), Percentile(v, 1.0));
}

// The stalls: runs of measured records (in commit order) whose append
// latency exceeded 100 ms, by commit time (epoch seconds), so they can be
// matched with walcast's log and the broker's. Prints the first ten and the
// count.
void PrintStalls(std::vector<Sample> samples, int64_t measured_from_us) {
  constexpr int64_t kStallUs = 100'000;
  std::sort(samples.begin(), samples.end(),
            [](const Sample& a, const Sample& b) { return a.commit_us < b.commit_us; });
  int64_t stalls = 0;
  int64_t rows = 0;
  int64_t first_us = 0;
  int64_t worst_us = 0;
  auto end_stall = [&] {
    if (rows == 0) return;
    if (++stalls <= 10) {
      std::printf("stall commit_epoch_s=%.3f rows=%lld worst_ms=%.1f\n",
                  static_cast<double>(first_us) / 1e6, static_cast<long long>(rows),
                  static_cast<double>(worst_us) / 1000.0);
    }
    rows = 0;
    worst_us = 0;
  };
  for (const Sample& s : samples) {
    if (s.commit_us < measured_from_us) continue;
    if (s.append_latency_us <= kStallUs) {
      end_stall();
      continue;
    }
    if (rows++ == 0) first_us = s.commit_us;
    worst_us = std::max(worst_us, s.append_latency_us);
  }
  end_stall();
  std::printf("stalls_over_100ms=%lld\n", static_cast<long long>(stalls));
}

int Latency(const std::map<std::string, std::string>& flags) {
  const std::string bootstrap = Flag(flags, "bootstrap");
  const std::string topic = Flag(flags, "topic");
  const int tx_per_s = std::stoi(Flag(flags, "tx-per-s", "500"));
  const int seconds = std::stoi(Flag(flags, "seconds", "30"));
  const int warmup_s = std::stoi(Flag(flags, "warmup-s", "5"));
  const int rows_per_tx = std::stoi(Flag(flags, "rows-per-tx", "10"));
  const int64_t transactions = static_cast<int64_t>(tx_per_s) * seconds;
  const int64_t expected = transactions * rows_per_tx;

  CreateLogAppendTimeTopic(bootstrap, topic);
  std::unique_ptr<PGconn, PgConnDeleter> pg(PQconnectdb(Flag(flags, "pg").c_str()));
  if (PQstatus(pg.get()) != CONNECTION_OK) Die(std::string("pg: ") + PQerrorMessage(pg.get()));

  LatencySamples got;
  got.samples.reserve(static_cast<size_t>(expected));
  std::atomic<bool> loader_done{false};
  std::atomic<int64_t> loader_end_us{0};
  std::thread consumer(
      [&] { ConsumeSamples(bootstrap, topic, expected, loader_done, loader_end_us, &got); });
  const PacedLoad load =
      RunPacedLoad(pg.get(), Flag(flags, "insert"), tx_per_s, transactions, rows_per_tx);
  loader_end_us.store(NowUs());
  loader_done.store(true);
  consumer.join();

  std::vector<int64_t> append;
  std::vector<int64_t> receive;
  const int64_t measured_from_us = load.start_us + static_cast<int64_t>(warmup_s) * 1'000'000;
  for (const Sample& s : got.samples) {
    if (s.commit_us < measured_from_us) continue;
    append.push_back(s.append_latency_us);
    receive.push_back(s.receive_latency_us);
  }
  std::printf(
      "offered_rows_per_s=%d achieved_rows_per_s=%.0f late_ticks=%lld rows_expected=%lld "
      "rows_received=%zu rows_measured=%zu log_append_time_records=%lld\n",
      tx_per_s * rows_per_tx, static_cast<double>(expected) / load.seconds,
      static_cast<long long>(load.behind), static_cast<long long>(expected), got.samples.size(),
      append.size(), static_cast<long long>(got.append_time_type_records));
  PrintPercentiles("commit_to_kafka_append_ms", append);
  PrintPercentiles("commit_to_consumer_ms", receive);
  PrintStalls(got.samples, measured_from_us);
  return static_cast<int64_t>(got.samples.size()) == expected ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Die("usage: kafka_probe wait|latency --flag value ...");
  const std::string cmd = argv[1];
  const std::map<std::string, std::string> flags = ParseFlags(argc, argv, 2);
  if (cmd == "wait") return Wait(flags);
  if (cmd == "latency") return Latency(flags);
  Die("unknown command " + cmd);
}
