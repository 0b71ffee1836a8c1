// How much a metric state commit costs as the state grows: the same kind of
// batch is committed on an empty state (the baseline, same run) and again
// after the state holds --rows rows and as many distinct hashed channels
// (Annexure A profiles, each with its own phone hash; config/metrics/
// mosip.json). Prints key=value figures; no assertions (STYLE.md,
// "Benchmarks"). bench/RESULTS.md records a run.
//
//   build/bench/metrics_state_commit [--rows 1000000] [--batch 2000]
//                                    [--batches 30] [--dir /tmp/x] [--no-sync]

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/event.h"
#include "metrics/definition.h"
#include "metrics/engine.h"

namespace walcast::metrics {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::shared_ptr<const Relation> IdrepoRelation() {
  auto r = std::make_shared<Relation>();
  r->oid = 16401;
  r->schema = "idrepo";
  r->name = "anonymous_profile";
  for (const char* c : {"id", "profile", "cr_by", "cr_dtimes", "upd_by", "upd_dtimes", "is_deleted",
                        "del_dtimes"}) {
    Column col;
    col.name = c;
    r->columns.push_back(col);
  }
  r->primary_key = {0};
  return r;
}

// A 64-hex-digit stand-in for a SHA-256 channel hash, distinct per n.
std::string Hash(uint64_t n, uint64_t salt) {
  char buf[72];
  uint64_t x = n * 0x9E3779B97F4A7C15ULL ^ salt;
  std::snprintf(buf, sizeof(buf), "%016llX%016llX%016llX%016llX",
                static_cast<unsigned long long>(x), static_cast<unsigned long long>(n),
                static_cast<unsigned long long>(~x), static_cast<unsigned long long>(salt));
  return buf;
}

const char* const kGenders[] = {"Female", "Male", "Others"};
const char* const kZones[] = {"Zone-North", "Zone-South", "Zone-East", "Zone-West", "Zone-Hills"};
const char* const kLanguages[] = {"eng", "fra", "ara"};

// An Annexure A snapshot of person n with phone hash `phone`.
std::string Snapshot(uint64_t n, const std::string& phone, bool email) {
  std::string j = "{\"yearOfBirth\":\"" + std::to_string(1940 + n % 80) + "\",\"gender\":\"" +
                  kGenders[n % 3] + "\",\"location\":[\"" + kZones[n % 5] + "\",\"" +
                  std::to_string(10000 + n % 400) + "\"],\"preferredLanguages\":[\"" +
                  kLanguages[n % 3] + "\"],\"channel\":[{\"hashedchannel\":\"" + phone +
                  "\",\"name\":\"phone\"}";
  if (email) j += ",{\"hashedchannel\":\"" + Hash(n, 0xE) + "\",\"name\":\"email\"}";
  j += "],\"exceptions\":[],\"verified\":[\"phone\"]}";
  return j;
}

ChangeEvent Event(Op op, const std::shared_ptr<const Relation>& rel, const std::string& id,
                  std::string profile, uint64_t lsn) {
  ChangeEvent e;
  e.op = op;
  e.lsn = Lsn(lsn);
  e.relation = rel;
  e.after = Tuple{Datum::Text(id),     Datum::Text(std::move(profile)),
                  Datum::Text("seed"), Datum::Text("2025-03-14 10:00:00"),
                  Datum::Null(),       Datum::Null(),
                  Datum::Text("f"),    Datum::Null()};
  return e;
}

struct Options {
  uint64_t rows = 1000000;
  uint64_t batch = 2000;
  int batches = 30;
  std::string dir;
  bool sync = true;
};

struct Phase {
  std::vector<double> commit_ms;
  double apply_us_per_row = 0;
  size_t batch_bytes = 0;
};

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// Resident set now, from /proc/self/statm (pages).
long RssKb() {
  long pages = 0;
  long resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * 4;
}

long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// A typical batch: a third new identities (fresh hashes), a third updates
// that move an identity of the first `pool` to another phone (retracting its
// old hash), a third updates that change nothing profiled. On the empty
// state the updates find nothing to retract (their counts go negative):
// the same work, minus the state.
Phase Measure(MetricsEngine* engine, const std::shared_ptr<const Relation>& rel, uint64_t pool,
              const Options& o, uint64_t* next_id, uint64_t* lsn) {
  Phase phase;
  Clock::duration apply{};
  uint64_t applied = 0;
  for (int b = 0; b < o.batches; ++b) {
    const Clock::time_point t0 = Clock::now();
    for (uint64_t i = 0; i < o.batch; ++i) {
      const uint64_t n = (*next_id)++;
      ChangeEvent e;
      if (i % 3 == 0) {
        e = Event(Op::kCreate, rel, "p" + std::to_string(n),
                  "{\"processName\":\"new\",\"old\":null,\"new\":" +
                      Snapshot(n, Hash(n, 0xA), n % 2 == 0) + "}",
                  ++*lsn);
      } else {
        const uint64_t who = (n * 7919) % pool;
        const std::string before = Snapshot(who, Hash(who, 0xA), who % 2 == 0);
        const std::string after = i % 3 == 1 ? Snapshot(who, Hash(n, 0xB), who % 2 == 0) : before;
        e = Event(Op::kCreate, rel, "p" + std::to_string(n),
                  "{\"processName\":\"update\",\"old\":" + before + ",\"new\":" + after + "}",
                  ++*lsn);
      }
      const Status s = engine->Apply(e);
      if (!s.ok()) {
        std::fprintf(stderr, "apply: %s\n", s.ToString().c_str());
        std::exit(1);
      }
    }
    const Clock::time_point t1 = Clock::now();
    const Status s = engine->Commit(Lsn(++*lsn));
    const Clock::time_point t2 = Clock::now();
    if (!s.ok()) {
      std::fprintf(stderr, "commit: %s\n", s.ToString().c_str());
      std::exit(1);
    }
    apply += t1 - t0;
    applied += o.batch;
    phase.commit_ms.push_back(Seconds(t2 - t1) * 1000);
    // Acknowledge, as the sink does after each write, so the dirty set stays small.
    Result<Outbox> out = engine->PendingOutput(1 << 20);
    if (out.ok()) (void)engine->Acknowledge(*out);
  }
  phase.apply_us_per_row = Seconds(apply) * 1e6 / static_cast<double>(applied);
  return phase;
}

int Run(const Options& o) {
  Result<MetricSet> set =
      LoadMetricDefinitions(std::string(WALCAST_SOURCE_DIR) + "/config/metrics/mosip.json");
  if (!set.ok()) {
    std::fprintf(stderr, "%s\n", set.status().ToString().c_str());
    return 1;
  }
  std::filesystem::remove_all(o.dir);
  EngineOptions options;
  options.store.dir = o.dir;
  options.store.sync = o.sync;
  options.instance = "bench/slot";
  Result<std::unique_ptr<MetricsEngine>> opened = MetricsEngine::Open(*set, options);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<MetricsEngine> engine = std::move(opened).value();
  const auto rel = IdrepoRelation();
  uint64_t lsn = 0x1000;
  std::printf("rss_open_kb=%ld\n", RssKb());

  // Baseline: the batches on an empty state.
  uint64_t next_id = 1ULL << 40;
  const Phase empty = Measure(engine.get(), rel, o.rows, o, &next_id, &lsn);

  // Fill: one snapshot-like transaction of `rows` identities, each with its
  // own phone hash (half with an email too), spilled as the engine goes.
  const Clock::time_point f0 = Clock::now();
  for (uint64_t n = 0; n < o.rows; ++n) {
    const Status s = engine->Apply(Event(Op::kRead, rel, "p" + std::to_string(n),
                                         "{\"processName\":\"new\",\"old\":null,\"new\":" +
                                             Snapshot(n, Hash(n, 0xA), n % 2 == 0) + "}",
                                         lsn));
    if (!s.ok()) {
      std::fprintf(stderr, "fill: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  if (!engine->Commit(Lsn(++lsn)).ok()) return 1;
  const double fill_s = Seconds(Clock::now() - f0);
  const long rss_after_fill = RssKb();
  Result<Outbox> out = engine->PendingOutput(1 << 20);
  if (out.ok()) (void)engine->Acknowledge(*out);

  const Phase full = Measure(engine.get(), rel, o.rows, o, &next_id, &lsn);

  const StateStore& store = engine->store();
  uint64_t disk = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(o.dir)) {
    if (f.is_regular_file()) disk += f.file_size();
  }
  std::printf("rows_in_state=%llu\n", static_cast<unsigned long long>(o.rows));
  std::printf("distinct_hashed_channels=%llu\n",
              static_cast<unsigned long long>(o.rows + o.rows / 2));
  std::printf("fill_seconds=%.1f\nfill_rows_per_s=%.0f\n", fill_s,
              static_cast<double>(o.rows) / fill_s);
  std::printf("batch_rows=%llu\nbatches=%d\nsync=%s\n", static_cast<unsigned long long>(o.batch),
              o.batches, o.sync ? "true" : "false");
  std::printf("commit_ms_p50_empty=%.2f\ncommit_ms_p95_empty=%.2f\n",
              Percentile(empty.commit_ms, 0.5), Percentile(empty.commit_ms, 0.95));
  std::printf("commit_ms_p50_full=%.2f\ncommit_ms_p95_full=%.2f\n", Percentile(full.commit_ms, 0.5),
              Percentile(full.commit_ms, 0.95));
  std::printf("commit_ratio_full_to_empty=%.2f\n",
              Percentile(full.commit_ms, 0.5) / Percentile(empty.commit_ms, 0.5));
  std::printf("apply_us_per_row_empty=%.1f\napply_us_per_row_full=%.1f\n", empty.apply_us_per_row,
              full.apply_us_per_row);
  std::printf("state_keys_estimate=%llu\n",
              static_cast<unsigned long long>(store.Property("rocksdb.estimate-num-keys")));
  std::printf("state_disk_bytes=%llu\n", static_cast<unsigned long long>(disk));
  std::printf("block_cache_usage_bytes=%llu\n",
              static_cast<unsigned long long>(store.Property("rocksdb.block-cache-usage")));
  std::printf("memtables_bytes=%llu\n",
              static_cast<unsigned long long>(store.Property("rocksdb.cur-size-all-mem-tables")));
  std::printf("rss_after_fill_kb=%ld\nrss_end_kb=%ld\npeak_rss_kb=%ld\n", rss_after_fill, RssKb(),
              PeakRssKb());
  engine.reset();
  std::filesystem::remove_all(o.dir);
  return 0;
}

}  // namespace
}  // namespace walcast::metrics

int main(int argc, char** argv) {
  walcast::metrics::Options o;
  o.dir = (std::filesystem::temp_directory_path() / "walcast-metrics-bench").string();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--rows") {
      o.rows = std::strtoull(next(), nullptr, 10);
    } else if (a == "--batch") {
      o.batch = std::strtoull(next(), nullptr, 10);
    } else if (a == "--batches") {
      o.batches = std::atoi(next());
    } else if (a == "--dir") {
      o.dir = next();
    } else if (a == "--no-sync") {
      o.sync = false;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--rows N] [--batch N] [--batches N] [--dir DIR] [--no-sync]\n",
                   argv[0]);
      return 2;
    }
  }
  return walcast::metrics::Run(o);
}
