#pragma once

// MetricsSink: the metrics as a pipeline sink. It applies each change as it
// arrives (MetricsEngine), commits the state every checkpoint interval in one
// RocksDB batch, hands the changed aggregates' documents (and dead letters)
// to a MetricDocumentWriter, and acknowledges a transaction's end LSN only
// when the state holding it is committed AND the writer has made the
// documents of that state durable. docs/metrics.md, "Exactly once", has the
// whole protocol.
//
// Transactions whose end LSN is at or below the state's applied_lsn were
// applied before a restart: their changes are skipped (never applied
// twice) and they are acknowledged with the next write.
//
// Thread: the pipeline's reader thread for every call; the writer's done
// callback may come from any thread (it only queues the outcome).

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/log.h"
#include "core/sink.h"
#include "metrics/document.h"
#include "metrics/engine.h"

namespace walcast::metrics {

// Whether a transaction beginning now was applied to a state committed up
// to `applied` (a restart replays from the slot's flush LSN, at or below
// it). At Begin the end LSN is known only for the snapshot; otherwise the
// commit LSN decides: a transaction applied earlier ended at or before
// applied, so its commit record starts below it, while every later one
// commits at or after it. Shared by every sink keeping state this way.
bool AppliedBefore(const TransactionInfo& txn, Lsn applied);

struct MetricsSinkOptions {
  EngineOptions engine;
  // How often the state is committed and documents are written
  // (checkpoint.interval.ms).
  std::chrono::milliseconds checkpoint_interval{1000};
  // Waits before resending documents after a kUnavailable / kTimeout from
  // the writer: doubling from initial up to max.
  std::chrono::milliseconds retry_initial{500};
  std::chrono::milliseconds retry_max{30000};
};

// One metric's figures for the status page: the sum of its aggregates'
// counts (e.g. registrations for a per-process count), how many aggregates
// (buckets) it has and the largest one's count. No bucket's key: keys come
// from profile values (locations, languages), which the page never shows.
struct MetricTopFigure {
  std::string metric;
  int64_t total = 0;
  uint64_t buckets = 0;
  int64_t largest_bucket = 0;
  bool operator==(const MetricTopFigure&) const = default;
};

// What the HTTP endpoint reads about the metrics (MetricsSink::figures()):
// a copy published by the reader thread after each commit and write, so it
// lags by at most a tick (200 ms).
struct MetricsSinkFigures {
  uint64_t bad_profiles = 0;        // walcast_bad_profiles, as committed
  uint64_t state_commits = 0;       // RocksDB batches written (this run)
  double last_commit_seconds = 0;   // the last checkpoint commit's duration
  double commit_seconds_total = 0;  // all checkpoint commits' durations
  uint64_t checkpoint_commits = 0;  // commits that duration covers
  uint64_t documents_written = 0;   // acknowledged by the writer
  uint64_t dead_letters_written = 0;
  uint64_t documents_in_flight = 0;  // in the write under way
  uint64_t documents_pending = 0;    // committed, waiting for the next write
  uint64_t write_retries = 0;
  uint64_t write_failures = 0;       // retried ones and the one that stopped
  std::vector<MetricTopFigure> top;  // largest total first
};

struct MetricsSinkStats {
  EngineStats engine;
  Lsn applied_lsn;
  Lsn acknowledged_lsn;               // highest LSN acknowledged to the tracker
  uint64_t transactions_skipped = 0;  // at or below applied_lsn at restart
  uint64_t writes = 0;                // writer rounds completed
  uint64_t documents_written = 0;     // metric documents acknowledged by the writer
  uint64_t dead_letters_written = 0;
  uint64_t write_retries = 0;
};

class MetricsSink : public Sink {
 public:
  // Opens the engine (MetricsEngine::Open's errors) and re-queues the
  // documents of every aggregate committed but not acknowledged before the
  // last stop. Borrows `set` and `writer`; both must outlive the sink.
  static Result<std::unique_ptr<MetricsSink>> Create(const MetricSet& set,
                                                     MetricsSinkOptions options,
                                                     MetricDocumentWriter* writer);
  ~MetricsSink() override;

  const std::string& name() const override { return name_; }
  Status OnBegin(const TransactionInfo& txn) override;
  Status OnChange(const TransactionInfo& txn, const ChangeEvent& event) override;
  Status OnCommit(const TransactionInfo& txn) override;
  // The open transaction comes again whole; what of it was applied stays
  // (applying a row again is idempotent), so there is nothing to drop.
  void OnReset() override;
  void OnRewind() override;
  // Commits when the checkpoint interval has passed (between transactions),
  // collects the writer's outcome, acknowledges, and starts the next write.
  // A writer error other than kUnavailable/kTimeout is returned (it stops the
  // pipeline; the documents go out again after a restart).
  Status OnTick(std::chrono::steady_clock::time_point now) override;
  // Commits, then waits until every document is acknowledged by the writer
  // and every committed transaction by the tracker (kTimeout otherwise).
  Status Flush(std::chrono::milliseconds timeout) override;
  Status Close(std::chrono::milliseconds timeout) override;

  // Wipes the metric state (MetricsEngine::Reset); the app calls it when a
  // fresh initial snapshot starts, between transactions.
  Status Reset();

  // The end LSN of the last transaction in the committed state.
  Lsn applied_lsn() const;
  MetricsSinkStats stats() const;
  // The published figures (above); any thread.
  MetricsSinkFigures figures() const;
  // Documents in flight / pending, written, retried, failed, dead letters
  // written (from figures()); any thread.
  SinkCounters counters() const override;
  const MetricsEngine& engine() const { return *engine_; }

 private:
  // The writer's outcome, shared with its callback (which may outlive the
  // sink when Close timed out with a write in flight).
  struct Completion {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Status> status;
  };
  struct InFlight {
    Outbox outbox;
    Lsn target;  // acknowledged once the outbox is durable
    size_t documents = 0;
    uint64_t bad_profiles = 0;  // the walcast_bad_profiles figure written
  };

  MetricsSink(const MetricSet& set, MetricsSinkOptions options, MetricDocumentWriter* writer,
              std::unique_ptr<MetricsEngine> engine);
  Status Commit(std::chrono::steady_clock::time_point now);
  Status StartWrite(std::chrono::steady_clock::time_point now);
  // Handles a finished write, if any. Returns the writer's error when it is
  // not one to retry.
  Status Collect(std::chrono::steady_clock::time_point now);
  bool Idle() const;
  // The walcast_bad_profiles figure last written is the committed one.
  bool BadProfilesWritten() const;
  // Copies the reader thread's figures for figures(); cheap, off the
  // per-row path (after commits, writes and ticks).
  void Publish();
  // Keeps the per-metric totals current with the aggregates of a written
  // outbox; the first call reads every committed aggregate once.
  Status UpdateTopFigures(const Outbox& written);

  std::string name_ = "metrics";
  const MetricSet& set_;
  const MetricsSinkOptions options_;
  MetricDocumentWriter* writer_;
  std::unique_ptr<MetricsEngine> engine_;
  std::shared_ptr<Completion> completion_ = std::make_shared<Completion>();
  std::optional<InFlight> in_flight_;

  bool in_transaction_ = false;
  bool skipping_ = false;
  Lsn last_end_;      // end LSN of the last applied (or skipped) transaction
  Lsn committed_;     // highest end LSN whose state is committed
  Lsn acknowledged_;  // highest LSN acknowledged to the tracker
  std::chrono::steady_clock::time_point last_commit_{};
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::milliseconds retry_delay_{0};
  bool closed_ = false;
  std::optional<uint64_t> bad_profiles_written_;
  MetricsSinkStats stats_;
  log::RateLimiter retry_log_{std::chrono::seconds(10)};

  // Reader thread: checkpoint commit timing, write failures, and each
  // metric's aggregate counts by aggregate id (for the top figures).
  std::chrono::nanoseconds last_commit_duration_{0};
  std::chrono::nanoseconds commit_duration_total_{0};
  uint64_t checkpoint_commits_ = 0;
  uint64_t write_failures_ = 0;
  bool top_seeded_ = false;
  std::map<std::string, std::unordered_map<uint64_t, int64_t>> aggregate_counts_;
  std::vector<MetricTopFigure> top_;

  mutable std::mutex figures_mu_;
  MetricsSinkFigures published_;  // guarded by figures_mu_
};

}  // namespace walcast::metrics
