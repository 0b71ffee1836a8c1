#pragma once

// ProjectionSink: the projections as a pipeline sink. It applies each
// change as it arrives (ProjectionEngine), commits the state with the end
// LSN of the last whole transaction every checkpoint interval in one
// RocksDB batch, and acknowledges through that LSN once the batch is
// written. Transactions at or below the state's applied_lsn were applied
// before a restart and are skipped (docs/projections.md, "Exactly once").
//
// With outputs (output.h), a transaction is acknowledged only once the
// state holding it is committed AND every output made the entries it
// changed durable: after a commit the sink reads the outbox (the entries
// changed since the outputs last wrote them, committed with them), hands
// it to every output with the state's applied_lsn as version, and when all
// are done removes those items from the outbox and acknowledges the LSN
// the outbox was read at (docs/projections.md, "Outputs"). After a crash
// the committed outbox is written again: outputs are idempotent.
//
// After each commit it calls the optional on_commit hook (the exhaust jobs
// are handed out there, between transactions, on the committed state).
//
// Thread: the pipeline's reader thread for every call.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/log.h"
#include "core/sink.h"
#include "projections/engine.h"
#include "projections/output.h"

namespace walcast::projections {

struct ProjectionSinkOptions {
  ProjectionEngineOptions engine;
  std::chrono::milliseconds checkpoint_interval{1000};  // checkpoint.interval.ms
  // Outputs: changed entries handed over per write (projections.output.batch.max).
  size_t output_batch = 1000;
  // Waits before resending after a kUnavailable / kTimeout from an output:
  // doubling from initial up to max.
  std::chrono::milliseconds retry_initial{500};
  std::chrono::milliseconds retry_max{30000};
};

class ProjectionSink : public Sink {
 public:
  // Opens the engine (ProjectionEngine::Open's errors). Borrows `set` and
  // `cipher` (may be null), which must outlive the sink.
  static Result<std::unique_ptr<ProjectionSink>> Create(const ProjectionSet& set,
                                                        ProjectionSinkOptions options,
                                                        const SunbirdCipher* cipher);
  ~ProjectionSink() override;

  const std::string& name() const override { return name_; }
  Status OnBegin(const TransactionInfo& txn) override;
  Status OnChange(const TransactionInfo& txn, const ChangeEvent& event) override;
  Status OnCommit(const TransactionInfo& txn) override;
  void OnReset() override;
  void OnRewind() override;
  Status OnTick(std::chrono::steady_clock::time_point now) override;
  Status Flush(std::chrono::milliseconds timeout) override;
  Status Close(std::chrono::milliseconds timeout) override;

  // Called after every commit that wrote something, between transactions,
  // and at least every checkpoint interval between transactions even when
  // nothing was written (so work handed elsewhere can finish); an error
  // stops the pipeline.
  void SetOnCommit(std::function<Status(ProjectionEngine&)> hook) { on_commit_ = std::move(hook); }
  // Called once when the sink closes (or is destroyed unclosed), before the
  // engine goes: whatever reads the engine's state from other threads stops.
  void SetOnClose(std::function<void()> hook) { on_close_ = std::move(hook); }

  // Adds an output; before the first event. The sink owns it.
  void AddOutput(std::unique_ptr<ProjectionOutput> output) {
    outputs_.push_back(std::move(output));
  }

  ProjectionEngine& engine() { return *engine_; }
  uint64_t transactions_skipped() const { return transactions_skipped_; }

 private:
  // The outputs' write under way: its outcome is shared with their
  // callbacks (which may outlive the sink when Close timed out).
  struct Completion {
    std::mutex mu;
    size_t remaining = 0;
    Status first_error;
  };
  struct InFlight {
    std::vector<ProjectionChange> changes;
    Lsn target;  // acknowledged once written; invalid when the outbox was read in part
    std::shared_ptr<Completion> completion;
  };

  ProjectionSink(ProjectionSinkOptions options, std::unique_ptr<ProjectionEngine> engine);
  Status Commit(std::chrono::steady_clock::time_point now);
  // Outputs: handles a finished write, then starts the next one (between
  // transactions) or acknowledges when the outbox is empty.
  Status Pump(std::chrono::steady_clock::time_point now);
  Status Collect(std::chrono::steady_clock::time_point now);

  std::string name_ = "projections";
  const ProjectionSinkOptions options_;
  std::unique_ptr<ProjectionEngine> engine_;
  std::function<Status(ProjectionEngine&)> on_commit_;
  std::function<void()> on_close_;
  std::vector<std::unique_ptr<ProjectionOutput>> outputs_;
  std::optional<InFlight> in_flight_;
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::milliseconds retry_delay_{0};
  log::RateLimiter retry_log_{std::chrono::seconds(10)};
  bool in_transaction_ = false;
  bool skipping_ = false;
  bool closed_ = false;
  Lsn last_end_;
  Lsn committed_;  // end LSN of the last whole transaction committed
  Lsn acknowledged_;
  uint64_t transactions_skipped_ = 0;
  std::chrono::steady_clock::time_point last_commit_{};
};

}  // namespace walcast::projections
