#include "projections/projection_sink.h"

#include <algorithm>
#include <thread>

#include "metrics/metrics_sink.h"

namespace walcast::projections {

ProjectionSink::ProjectionSink(ProjectionSinkOptions options,
                               std::unique_ptr<ProjectionEngine> engine)
    : options_(std::move(options)), engine_(std::move(engine)) {}

ProjectionSink::~ProjectionSink() {
  if (on_close_) on_close_();
}

Result<std::unique_ptr<ProjectionSink>> ProjectionSink::Create(const ProjectionSet& set,
                                                               ProjectionSinkOptions options,
                                                               const SunbirdCipher* cipher) {
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<ProjectionEngine> engine,
                           ProjectionEngine::Open(set, options.engine, cipher));
  const Lsn applied = engine->applied_lsn();
  std::unique_ptr<ProjectionSink> sink(new ProjectionSink(std::move(options), std::move(engine)));
  sink->last_end_ = applied;
  return sink;
}

Status ProjectionSink::OnBegin(const TransactionInfo& txn) {
  in_transaction_ = true;
  skipping_ = metrics::AppliedBefore(txn, engine_->applied_lsn());
  return Status::Ok();
}

Status ProjectionSink::OnChange(const TransactionInfo& /*txn*/, const ChangeEvent& event) {
  if (skipping_) return Status::Ok();
  return engine_->Apply(event);
}

Status ProjectionSink::OnCommit(const TransactionInfo& txn) {
  in_transaction_ = false;
  if (skipping_) ++transactions_skipped_;
  skipping_ = false;
  last_end_ = std::max(last_end_, txn.end_lsn);
  return Status::Ok();
}

void ProjectionSink::OnReset() {
  // What of the open transaction was applied stays: it comes again whole
  // and applies idempotently.
  in_transaction_ = false;
  skipping_ = false;
}

void ProjectionSink::OnRewind() { OnReset(); }

Status ProjectionSink::Commit(std::chrono::steady_clock::time_point now) {
  // Inside a transaction the partial changes are written without moving
  // applied_lsn: the transaction comes again.
  const Lsn target = in_transaction_ ? Lsn() : last_end_;
  WALCAST_RETURN_IF_ERROR(engine_->Commit(target));
  last_commit_ = now;
  if (in_transaction_) return Status::Ok();
  if (on_commit_) WALCAST_RETURN_IF_ERROR(on_commit_(*engine_));
  committed_ = std::max(committed_, last_end_);
  if (!outputs_.empty()) return Pump(now);
  if (committed_.valid() && committed_ > acknowledged_) {
    acker().AckThrough(committed_);
    acknowledged_ = committed_;
  }
  return Status::Ok();
}

Status ProjectionSink::Collect(std::chrono::steady_clock::time_point now) {
  if (!in_flight_) return Status::Ok();
  Status outcome;
  {
    std::lock_guard<std::mutex> lock(in_flight_->completion->mu);
    if (in_flight_->completion->remaining > 0) return Status::Ok();
    outcome = in_flight_->completion->first_error;
  }
  InFlight done = std::move(*in_flight_);
  in_flight_.reset();
  if (!outcome.ok()) {
    if (!outcome.IsRetryable()) return outcome;
    retry_delay_ = std::min(options_.retry_max, std::max(options_.retry_initial, retry_delay_ * 2));
    retry_at_ = now + retry_delay_;
    int suppressed = 0;
    if (retry_log_.Allow(&suppressed)) {
      log::Warn("projection outputs: write failed; retrying",
                {{"error", outcome.ToString()},
                 {"retry_ms", static_cast<int64_t>(retry_delay_.count())},
                 {"suppressed", suppressed}});
    }
    return Status::Ok();
  }
  retry_delay_ = std::chrono::milliseconds(0);
  WALCAST_RETURN_IF_ERROR(engine_->AcknowledgeChanges(done.changes));
  // Written now, so the next read of the outbox does not see them again;
  // with the whole transactions applied since (their LSN moves too).
  WALCAST_RETURN_IF_ERROR(engine_->Commit(in_transaction_ ? Lsn() : last_end_));
  if (!in_transaction_) committed_ = std::max(committed_, last_end_);
  if (done.target.valid() && done.target > acknowledged_) {
    acker().AckThrough(done.target);
    acknowledged_ = done.target;
  }
  return Status::Ok();
}

Status ProjectionSink::Pump(std::chrono::steady_clock::time_point now) {
  WALCAST_RETURN_IF_ERROR(Collect(now));
  // The outbox is read from the committed state, all of it up to
  // committed_ (= applied_lsn, the writes' version): not while changes wait
  // in the overlay (the next checkpoint commit calls again).
  if (in_flight_ || in_transaction_ || now < retry_at_ || engine_->HasUncommitted()) {
    return Status::Ok();
  }
  WALCAST_ASSIGN_OR_RETURN(std::vector<ProjectionChange> changes,
                           engine_->PendingChanges(options_.output_batch));
  if (changes.empty()) {
    if (committed_.valid() && committed_ > acknowledged_) {
      acker().AckThrough(committed_);
      acknowledged_ = committed_;
    }
    return Status::Ok();
  }
  InFlight write;
  // Every entry changed up to committed_ is in this read when it was not cut
  // at the batch size; then writing it makes committed_ durable everywhere.
  write.target = changes.size() < options_.output_batch ? committed_ : Lsn();
  write.completion = std::make_shared<Completion>();
  write.completion->remaining = outputs_.size();
  write.changes = std::move(changes);
  const Lsn version = engine_->applied_lsn();
  const std::shared_ptr<Completion> completion = write.completion;
  in_flight_ = std::move(write);
  for (const std::unique_ptr<ProjectionOutput>& output : outputs_) {
    output->Write(in_flight_->changes, version, [completion](Status status) {
      std::lock_guard<std::mutex> lock(completion->mu);
      if (!status.ok() && completion->first_error.ok()) completion->first_error = status;
      --completion->remaining;
    });
  }
  return Status::Ok();
}

Status ProjectionSink::OnTick(std::chrono::steady_clock::time_point now) {
  if (closed_) return Status::Ok();
  for (const std::unique_ptr<ProjectionOutput>& output : outputs_) {
    WALCAST_RETURN_IF_ERROR(output->Poll());
  }
  if (!outputs_.empty()) WALCAST_RETURN_IF_ERROR(Pump(now));
  if (in_transaction_ || now - last_commit_ < options_.checkpoint_interval) {
    return Status::Ok();
  }
  if (!engine_->HasUncommitted() && last_end_ <= acknowledged_) {
    last_commit_ = now;
    return on_commit_ ? on_commit_(*engine_) : Status::Ok();
  }
  return Commit(now);
}

Status ProjectionSink::Flush(std::chrono::milliseconds timeout) {
  if (closed_) return Status::Ok();
  WALCAST_RETURN_IF_ERROR(Commit(std::chrono::steady_clock::now()));
  if (outputs_.empty()) return Status::Ok();
  // Until every output wrote the whole outbox (the transaction in progress,
  // if any, is not acknowledged anyway).
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    for (const std::unique_ptr<ProjectionOutput>& output : outputs_) {
      WALCAST_RETURN_IF_ERROR(output->Poll());
    }
    WALCAST_RETURN_IF_ERROR(Pump(now));
    if (!in_flight_ && (in_transaction_ || acknowledged_ >= committed_)) return Status::Ok();
    if (now >= deadline) return Status::Timeout("projection outputs: flush timed out");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Status ProjectionSink::Close(std::chrono::milliseconds timeout) {
  if (closed_) return Status::Ok();
  Status s = Flush(timeout);
  for (const std::unique_ptr<ProjectionOutput>& output : outputs_) {
    const Status closed = output->Close(timeout);
    if (s.ok()) s = closed;
  }
  closed_ = true;
  if (on_close_) {
    on_close_();
    on_close_ = nullptr;
  }
  return s;
}

}  // namespace walcast::projections
