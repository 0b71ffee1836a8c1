#pragma once

// ProjectionSink: the projections as a pipeline sink. It applies each
// change as it arrives (ProjectionEngine), commits the state with the end
// LSN of the last whole transaction every checkpoint interval in one
// RocksDB batch, and acknowledges through that LSN once the batch is
// written. Transactions at or below the state's applied_lsn were applied
// before a restart and are skipped (docs/projections.md, "Exactly once").
//
// After each commit it calls the optional on_commit hook (the exhaust jobs
// run there, between transactions, on the committed state).
//
// Thread: the pipeline's reader thread for every call.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/sink.h"
#include "projections/engine.h"

namespace walcast::projections {

struct ProjectionSinkOptions {
  ProjectionEngineOptions engine;
  std::chrono::milliseconds checkpoint_interval{1000};  // checkpoint.interval.ms
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

  // Called after every commit that wrote something, between transactions;
  // an error stops the pipeline.
  void SetOnCommit(std::function<Status(ProjectionEngine&)> hook) { on_commit_ = std::move(hook); }

  ProjectionEngine& engine() { return *engine_; }
  uint64_t transactions_skipped() const { return transactions_skipped_; }

 private:
  ProjectionSink(ProjectionSinkOptions options, std::unique_ptr<ProjectionEngine> engine);
  Status Commit(std::chrono::steady_clock::time_point now);

  std::string name_ = "projections";
  const ProjectionSinkOptions options_;
  std::unique_ptr<ProjectionEngine> engine_;
  std::function<Status(ProjectionEngine&)> on_commit_;
  bool in_transaction_ = false;
  bool skipping_ = false;
  bool closed_ = false;
  Lsn last_end_;
  Lsn acknowledged_;
  uint64_t transactions_skipped_ = 0;
  std::chrono::steady_clock::time_point last_commit_{};
};

}  // namespace walcast::projections
