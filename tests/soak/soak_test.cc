// The soak (docs/reliability.md, "The soak"): MOSIP profile changes
// (WALCAST_SOAK_CHANGES, default 1,000,000 inserts, updates and deletes,
// counted by PostgreSQL's pg_stat_user_tables over the captured tables) go
// through walcast with every output on: Kafka in Debezium's format, raw
// documents and the MOSIP metrics to OpenSearch. Meanwhile walcast is killed
// with SIGKILL WALCAST_SOAK_KILLS times (default 50): some kills land in the
// initial snapshot, some while a 50,000-row transaction is written or
// decoded, some right after the slot's confirmed position moves (a
// checkpoint has just been made durable and confirmed), the rest at random
// while changes stream. The Kafka broker and the search node are each
// stopped and started once under load.
//
// At the end: every key's last Kafka record equals its row (or is a delete
// for a row that is gone); every index holds exactly the table's rows; one
// metric document per aggregate and each equal to its SQL. Duplicates on
// Kafka (allowed: at-least-once) are counted and printed with the other
// figures on one `soak ...` line. Not in the default run: label `soak`.

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tests/integration/metrics_es_test.h"
#include "tests/integration/profile_churn.h"
#include "tests/support/kafka_cluster.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::atoll(value) : fallback;
}

// The profile tables the soak compares row by row.
const std::vector<std::string>& ProfileTables() {
  static const std::vector<std::string> tables = {
      "idrepo.anonymous_profile", "regprc.anonymous_profile", "prereg.anonymous_profile"};
  return tables;
}

// What the test last saw of one key on a topic.
struct KeyState {
  bool present = false;  // false after a delete or a tombstone
  RowFacts facts;
  std::string read_lsn;  // a snapshot read's source.lsn, if that was last
};

// Why a kill was made where it was.
enum class KillKind { kSnapshot, kBigTransaction, kCheckpoint, kStreaming };

class SoakTest : public MetricsEsTest {
 protected:
  void SetUp() override {
    MetricsEsTest::SetUp();
    if (HasFatalFailure()) return;
    WALCAST_REQUIRE_KAFKA(kafka);
    kafka_ = kafka;
    WriteConfig({});
  }

  std::map<std::string, std::string> BaseConfig() const override {
    std::map<std::string, std::string> kv = MetricsEsTest::BaseConfig();
    kv["sinks"] = "kafka,elasticsearch";
    if (kafka_ != nullptr) kv["kafka.bootstrap.servers"] = kafka_->bootstrap();
    kv["kafka.linger.ms"] = "5";
    // Smaller records: the check reads every record of a million changes.
    kv["key.converter.schemas.enable"] = "false";
    kv["value.converter.schemas.enable"] = "false";
    // Row-for-row documents (MOSIP's delete-on-supersede would remove some).
    kv["elasticsearch.delete.superseded"] = "false";
    return kv;
  }

  std::string CapturedTables() const {
    return "'idrepo.anonymous_profile','idrepo.channel_info','regprc.anonymous_profile',"
           "'prereg.anonymous_profile'";
  }

  // Inserts, updates and deletes so far in the captured tables.
  int64_t Changes() {
    const std::string out =
        Sql("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables "
            "WHERE schemaname || '.' || relname IN (" +
            CapturedTables() + ")");
    return std::atoll(out.c_str());
  }

  // The table's rows by id.
  std::map<std::string, RowFacts> TableRows(const std::string& table) {
    return ParseRowFacts(Sql(RowFactsSql(table, "id")));
  }

  // Reads `table`'s topic: each key's last state, the records read, and
  // the duplicates (a record whose key, operation and source LSN an
  // earlier record had; a second snapshot read of a key counts too).
  void ReadTopic(const std::string& table, std::unordered_map<std::string, KeyState>* keys,
                 int64_t* records, int64_t* duplicates) {
    std::unordered_set<std::string> seen;
    *records =
        static_cast<int64_t>(kafka_->ConsumeEach(db_ + "." + table, 5s, 600s, [&](KafkaRecord&& r) {
          if (!r.key) {
            ADD_FAILURE() << table << ": a record without a key";
            return;
          }
          rapidjson::Document key;
          key.Parse(r.key->c_str());
          if (!key.IsObject() || !key.HasMember("id") || !key["id"].IsString()) {
            ADD_FAILURE() << table << ": unexpected key " << *r.key;
            return;
          }
          const std::string id = key["id"].GetString();
          KeyState& state = (*keys)[id];
          if (!r.value) {  // the tombstone after a delete
            state.present = false;
            return;
          }
          rapidjson::Document value;
          value.Parse(r.value->c_str());
          if (!value.IsObject() || !value.HasMember("op") || !value.HasMember("source")) {
            ADD_FAILURE() << table << ": unexpected value " << r.value->substr(0, 300);
            return;
          }
          const std::string op = value["op"].GetString();
          const auto& source = value["source"];
          const std::string lsn = source.HasMember("lsn") && source["lsn"].IsInt64()
                                      ? std::to_string(source["lsn"].GetInt64())
                                      : "-";
          if (!seen.insert(id + "|" + op + "|" + (op == "r" ? "" : lsn)).second) ++*duplicates;
          state.read_lsn = op == "r" ? lsn : "";
          if (op == "d") {
            state.present = false;
          } else {
            state.present = true;
            state.facts = RowFactsOf(value["after"]);
          }
        }));
  }

  // The LSNs (as source.lsn writes them) of the snapshots a kill
  // interrupted: started, never completed.
  std::set<std::string> InterruptedSnapshots() const {
    std::set<std::string> lsns;
    for (int i = 0; i <= generation_; ++i) {
      const std::string log = Log("walcast" + std::to_string(i));
      const size_t started = log.find("snapshot started");
      if (started == std::string::npos || log.find("snapshot completed") != std::string::npos) {
        continue;
      }
      const size_t at = log.find(" lsn=", started) + 5;
      const auto lsn = Lsn::Parse(log.substr(at, log.find_first_of(" \n", at) - at));
      if (lsn) lsns.insert(std::to_string(lsn->value()));
    }
    return lsns;
  }

  // Every key's last record equals the table; returns the rows compared.
  // A key whose row is gone may still end on a read of a snapshot a kill
  // interrupted (the row was deleted before the snapshot was taken again,
  // and the new slot never streams that delete; Debezium does the same):
  // those are counted in `*stale`, any other such key fails.
  int64_t ExpectTopicEqualsTable(const std::string& table, int64_t* records, int64_t* duplicates,
                                 int64_t* stale) {
    std::unordered_map<std::string, KeyState> keys;
    ReadTopic(table, &keys, records, duplicates);
    const auto rows = TableRows(table);
    int shown = 0;
    int64_t lost = 0;
    for (const auto& [id, facts] : rows) {
      const auto it = keys.find(id);
      if (it == keys.end() || !it->second.present || !(it->second.facts == facts)) {
        ++lost;
        if (shown++ < 5) {
          ADD_FAILURE() << table << ": row " << id << " is "
                        << (it == keys.end() ? "not on Kafka"
                            : !it->second.present
                                ? "deleted on Kafka"
                                : "different on Kafka: upd_by '" + it->second.facts.upd_by +
                                      "' vs '" + facts.upd_by + "'");
        }
      }
    }
    const std::set<std::string> interrupted = InterruptedSnapshots();
    for (const auto& [id, state] : keys) {
      if (!state.present || rows.contains(id)) continue;
      if (interrupted.contains(state.read_lsn)) {
        ++*stale;
      } else if (shown++ < 10) {
        ADD_FAILURE() << table << ": key " << id << " is on Kafka but not in the table";
      }
    }
    EXPECT_EQ(lost, 0) << table << ": rows whose last Kafka record is not the row";
    return static_cast<int64_t>(rows.size());
  }

  // The index holds exactly the table's rows; returns its document count.
  int64_t ExpectIndexEqualsTable(const std::string& table) {
    const auto rows = TableRows(table);
    const std::string index = db_ + "." + table;
    EXPECT_TRUE(es_->Refresh(index));
    std::unordered_map<std::string, RowFacts> docs;
    int64_t hits = 0;
    for (const EsCluster::Hit& hit : es_->Scroll(index, R"({"match_all":{}})")) {
      ++hits;
      rapidjson::Document src;
      src.Parse(hit.source.c_str());
      if (!src.IsObject()) {
        ADD_FAILURE() << index << ": document " << hit.id << " is not an object";
        continue;
      }
      docs[hit.id] = RowFactsOf(src);
    }
    EXPECT_EQ(hits, static_cast<int64_t>(docs.size())) << index << ": an _id came twice";
    EXPECT_EQ(docs.size(), rows.size()) << index;
    int shown = 0;
    for (const auto& [id, facts] : rows) {
      const auto it = docs.find(id);
      if ((it == docs.end() || !(it->second == facts)) && shown++ < 5) {
        ADD_FAILURE() << index << ": row " << id
                      << (it == docs.end() ? " has no document" : " differs from its document");
      }
    }
    for (const auto& [id, facts] : docs) {
      if (!rows.contains(id) && shown++ < 10) {
        // Its version is the commit LSN that wrote it (snapshot: minus 1).
        const std::string stored = es_->Get(index, id);
        const size_t at = stored.find("\"_version\":");
        ADD_FAILURE() << index << ": document " << id << " has no row; upd_by '" << facts.upd_by
                      << "', version "
                      << (at == std::string::npos ? "?" : stored.substr(at + 11, 12));
      }
    }
    return hits;
  }

  // Starts the next walcast ("walcast<N>") after a kill.
  void Restart() {
    ++generation_;
    walcast_ = Start("walcast" + std::to_string(generation_));
  }

  std::string Current() const { return "walcast" + std::to_string(generation_); }

  // SIGKILL to the running walcast, counted under `kind`, and a new one.
  void Kill(KillKind kind) {
    peak_rss_kb_ = std::max(peak_rss_kb_, walcast_->PeakRssKb());
    walcast_->Signal(SIGKILL);
    EXPECT_EQ(walcast_->Wait(30s), 128 + SIGKILL) << Log(Current()).substr(0, 3000);
    ++kills_[kind];
    ++total_kills_;
    Restart();
  }

  bool WaitStreaming() {
    if (WaitForLog(Current(), "streaming started", walcast_.get(), 600s)) return true;
    ADD_FAILURE() << Current() << " did not stream:\n" << Log(Current()).substr(0, 6000);
    return false;
  }

  KafkaCluster* kafka_ = nullptr;
  std::unique_ptr<ChildProcess> walcast_;
  int generation_ = 0;
  std::map<KillKind, int> kills_;
  int total_kills_ = 0;
  int server_restarts_ = 0;
  long peak_rss_kb_ = 0;
};

TEST_F(SoakTest, MillionChangesFiftyKillsTwoServerRestarts) {
  const int64_t target = EnvInt("WALCAST_SOAK_CHANGES", 1000000);
  const int planned_kills = static_cast<int>(EnvInt("WALCAST_SOAK_KILLS", 50));
  const uint32_t seed = static_cast<uint32_t>(EnvInt("WALCAST_SOAK_SEED", 1));
  ASSERT_GE(target, 1000);
  ASSERT_GE(planned_kills, 4);
  std::mt19937 random(seed);
  const auto began = Clock::now();

  // A twentieth of the changes, in profiles, exist before walcast starts: the
  // initial snapshot reads them. Profiles are TOASTed: updates that leave them
  // alone need the old row for the metrics.
  const int64_t initial = std::max<int64_t>(target / 20, 200);
  Generate({"--count", std::to_string(initial), "--seed", std::to_string(seed * 1000), "--shape",
            "all", "--batch-rows", "5000"});
  Sql("ALTER TABLE idrepo.anonymous_profile REPLICA IDENTITY FULL;"
      "ALTER TABLE regprc.anonymous_profile REPLICA IDENTITY FULL;"
      "ALTER TABLE prereg.anonymous_profile REPLICA IDENTITY FULL");
  const int64_t big_rows = std::clamp<int64_t>(target / 20, 500, 50000);

  // The plan: a tenth of the kills in the snapshot, then, in turn, kills
  // during a big transaction, right after a checkpoint is confirmed, and
  // at random while changes stream, spread over the changes.
  const int snapshot_kills = std::max(1, planned_kills / 10);
  const int broker_restart_after = planned_kills / 3;
  const int node_restart_after = 2 * planned_kills / 3;
  std::atomic<int> kills_done{0};
  std::atomic<bool> want_big{false};
  std::atomic<int> big_started{0};
  // WAL positions just before the last big transaction and after its commit
  // (0 until it committed).
  std::atomic<uint64_t> big_from{0};
  std::atomic<uint64_t> big_to{0};
  std::atomic<bool> workload_done{false};
  std::atomic<int64_t> changes{0};
  // Kill i may happen once this many changes are made.
  auto threshold = [&](int i) {
    const int streaming = planned_kills - snapshot_kills;
    return initial + (target - initial) * std::max(0, i - snapshot_kills + 1) / (streaming + 1);
  };

  std::thread workload([&] {
    int64_t step = 0;
    while (!HasFailure()) {
      const int64_t now = Changes();
      changes = now;
      if (now >= target) break;
      ++step;
      const std::string step_seed = std::to_string(seed * 1000 + step);
      if (want_big.exchange(false)) {
        // One big transaction: inserts or an update of many rows.
        big_to = 0;
        big_from = Lsn::Parse(Sql("SELECT pg_current_wal_lsn()")).value_or(Lsn()).value();
        ++big_started;
        if (step % 2 == 0) {
          Generate({"--count", std::to_string(big_rows), "--seed", step_seed, "--shape", "all",
                    "--batch-rows", std::to_string(big_rows * 2)});
        } else {
          Sql("UPDATE idrepo.anonymous_profile SET upd_by = 'big" + step_seed +
              "', upd_dtimes = now() WHERE id IN (SELECT id FROM idrepo.anonymous_profile "
              "ORDER BY random() LIMIT " +
              std::to_string(big_rows) + ")");
        }
        big_to = Lsn::Parse(Sql("SELECT pg_current_wal_lsn()")).value_or(Lsn()).value();
        continue;
      }
      // Ahead of the kills: wait for them (the load keeps to their pace).
      const int done = kills_done.load();
      if (done < planned_kills && now >= threshold(done) + big_rows) {
        std::this_thread::sleep_for(100ms);  // pacing, not waiting for a result
        continue;
      }
      Generate({"--count", "1500", "--seed", step_seed, "--shape", "all", "--batch-rows", "50"});
      Sql(ProfileChurnSql(static_cast<int>(step), 300, 100));
    }
    changes = Changes();
    workload_done = true;
  });

  walcast_ = Start("walcast0");
  for (int i = 0; i < planned_kills && !HasFailure(); ++i) {
    if (i < snapshot_kills) {
      // Somewhere in the snapshot (a restart after a kill in it takes a
      // new one), at most about 0.3 ms per row in.
      ASSERT_TRUE(PollUntil(
          [&] {
            const std::string log = Log(Current());
            return log.find("snapshot started") != std::string::npos ||
                   log.find("streaming started") != std::string::npos || !walcast_->Running();
          },
          600s));
      ASSERT_TRUE(walcast_->Running()) << Log(Current());
      std::this_thread::sleep_for(std::chrono::milliseconds(
          random() % static_cast<uint32_t>(std::max<int64_t>(300, initial * 3 / 10))));
      const bool in_snapshot = Log(Current()).find("snapshot completed") == std::string::npos;
      Kill(in_snapshot ? KillKind::kSnapshot : KillKind::kStreaming);
    } else {
      if (!WaitStreaming()) break;
      while (!workload_done && changes.load() < threshold(i)) {
        std::this_thread::sleep_for(100ms);  // pacing on the load
      }
      const int kind = i % 5;
      if (kind == 0 && !workload_done) {
        // Inside a big transaction: once walcast has confirmed everything
        // before it, while the slot has not passed its commit (it is
        // being decoded, streamed or shipped).
        const int before = big_started.load();
        want_big = true;
        ASSERT_TRUE(PollUntil([&] { return big_started.load() > before || workload_done; }, 600s));
        const bool reached =
            PollUntil([&] { return ConfirmedFlush().value() >= big_from.load(); }, 900s);
        std::this_thread::sleep_for(std::chrono::milliseconds(random() % 1500));
        const uint64_t to = big_to.load();
        const bool inside = reached && (to == 0 || ConfirmedFlush().value() < to);
        Kill(inside ? KillKind::kBigTransaction : KillKind::kStreaming);
      } else if (kind % 2 == 1) {
        // Right after the slot's confirmed position moves: a checkpoint
        // was just made durable and confirmed, the next is being built.
        const Lsn at = ConfirmedFlush();
        const bool moved = PollUntil([&] { return ConfirmedFlush() != at; }, 30s);
        std::this_thread::sleep_for(std::chrono::milliseconds(random() % 150));
        Kill(moved ? KillKind::kCheckpoint : KillKind::kStreaming);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(300 + random() % 3000));
        Kill(KillKind::kStreaming);
      }
    }
    kills_done = i + 1;
    if (i + 1 == broker_restart_after || i + 1 == node_restart_after) {
      // One server down for 20 s under load, then back.
      ASSERT_TRUE(WaitStreaming());
      const bool broker = i + 1 == broker_restart_after;
      ASSERT_TRUE(broker ? kafka_->Stop() : es_->Stop());
      std::this_thread::sleep_for(20s);  // the outage's length is the experiment
      ASSERT_TRUE(broker ? kafka_->Start() : es_->Start());
      ++server_restarts_;
    }
  }
  workload.join();
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(WaitStreaming());
  ASSERT_TRUE(WaitConfirmed(walcast_.get(), 3600s, Current()));
  peak_rss_kb_ = std::max(peak_rss_kb_, walcast_->PeakRssKb());
  walcast_->Signal(SIGTERM);
  ASSERT_EQ(walcast_->Wait(60s), 0) << Log(Current()).substr(0, 6000);
  const double streamed_s = std::chrono::duration<double>(Clock::now() - began).count();

  // Kafka and the indices.
  int64_t rows = 0;
  int64_t records = 0;
  int64_t duplicates = 0;
  int64_t stale_keys = 0;
  int64_t documents = 0;
  double kafka_check_s = 0;
  double index_check_s = 0;
  auto seconds_since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  for (const std::string& table : ProfileTables()) {
    SCOPED_TRACE(table);
    int64_t table_records = 0;
    auto t = Clock::now();
    rows += ExpectTopicEqualsTable(table, &table_records, &duplicates, &stale_keys);
    kafka_check_s += seconds_since(t);
    records += table_records;
    t = Clock::now();
    documents += ExpectIndexEqualsTable(table);
    index_check_s += seconds_since(t);
  }
  const auto metrics_began = Clock::now();

  // The metrics: one document per aggregate, each equal to its SQL.
  ASSERT_NO_FATAL_FAILURE(LoadMetricDocuments());
  EXPECT_EQ(Sql("SELECT count(*) FROM (SELECT 1 FROM walcast_test.docs GROUP BY doc->>'metric', "
                "doc->'keys', doc->>'bucket_start' HAVING count(*) > 1) d"),
            "0");
  Sql(ReadSource("sql/metrics/00_functions.sql"));
  const std::vector<std::string> ids = MetricIds("config/metrics/mosip.json");
  const int compared = ExpectMetricsEqualSql(ids);
  EXPECT_GE(compared, static_cast<int>(ids.size()) - 3);
  const double metrics_check_s = seconds_since(metrics_began);
  const double total_s = seconds_since(began);

  std::printf(
      "soak rows=%lld changes=%lld kills=%d snapshot_kills=%d big_transaction_kills=%d "
      "checkpoint_kills=%d streaming_kills=%d server_restarts=%d kafka_records=%lld "
      "kafka_duplicates=%lld kafka_stale_snapshot_keys=%lld index_documents=%lld "
      "metrics_compared=%d load_and_catch_up_s=%.0f "
      "kafka_check_s=%.0f index_check_s=%.0f metrics_check_s=%.0f total_s=%.0f "
      "walcast_peak_rss_kb=%ld\n",
      static_cast<long long>(rows), static_cast<long long>(changes.load()), total_kills_,
      kills_[KillKind::kSnapshot], kills_[KillKind::kBigTransaction], kills_[KillKind::kCheckpoint],
      kills_[KillKind::kStreaming], server_restarts_, static_cast<long long>(records),
      static_cast<long long>(duplicates), static_cast<long long>(stale_keys),
      static_cast<long long>(documents), compared, streamed_s, kafka_check_s, index_check_s,
      metrics_check_s, total_s, peak_rss_kb_);
  std::fflush(stdout);
  EXPECT_EQ(total_kills_, planned_kills);
  EXPECT_EQ(server_restarts_, 2);
  if (HasFailure()) {
    for (int i = 0; i <= generation_; ++i) {
      std::cerr << "--- walcast" << i << "\n" << Log("walcast" + std::to_string(i)).substr(0, 3000);
    }
  }
}

}  // namespace
}  // namespace walcast::testing
