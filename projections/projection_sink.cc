#include "projections/projection_sink.h"

#include <algorithm>

#include "metrics/metrics_sink.h"

namespace walcast::projections {

ProjectionSink::ProjectionSink(ProjectionSinkOptions options,
                               std::unique_ptr<ProjectionEngine> engine)
    : options_(std::move(options)), engine_(std::move(engine)) {}

ProjectionSink::~ProjectionSink() = default;

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
  if (last_end_.valid() && last_end_ > acknowledged_) {
    acker().AckThrough(last_end_);
    acknowledged_ = last_end_;
  }
  return Status::Ok();
}

Status ProjectionSink::OnTick(std::chrono::steady_clock::time_point now) {
  if (closed_ || in_transaction_ || now - last_commit_ < options_.checkpoint_interval) {
    return Status::Ok();
  }
  if (!engine_->HasUncommitted() && last_end_ <= acknowledged_) return Status::Ok();
  return Commit(now);
}

Status ProjectionSink::Flush(std::chrono::milliseconds /*timeout*/) {
  if (closed_) return Status::Ok();
  return Commit(std::chrono::steady_clock::now());
}

Status ProjectionSink::Close(std::chrono::milliseconds timeout) {
  if (closed_) return Status::Ok();
  const Status s = Flush(timeout);
  closed_ = true;
  return s;
}

}  // namespace walcast::projections
