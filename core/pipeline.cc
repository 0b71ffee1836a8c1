#include "core/pipeline.h"

namespace walcast {

void Pipeline::AddSink(std::unique_ptr<Sink> sink, RowView view) {
  const int id = tracker_->RegisterSink(sink->name());
  sink->Attach(Sink::Acker(tracker_, id), problems_);
  sinks_.push_back(std::move(sink));
  views_.push_back(view);
}

Status Pipeline::OnBegin(const TransactionInfo& txn) {
  in_transaction_ = true;
  for (auto& sink : sinks_) WALCAST_RETURN_IF_ERROR(sink->OnBegin(txn));
  return Status::Ok();
}

Status Pipeline::OnChange(const TransactionInfo& txn, const ChangeEvent& event) {
  if (event.relation) {
    counters_.CountEvent(event.relation->oid, event.relation->schema, event.relation->name,
                         static_cast<char>(event.op));
  } else {
    counters_.CountEvent(0, {}, {}, static_cast<char>(event.op));
  }
  // The transform runs once per change, whatever the number of sinks, and
  // before any of them: a change it rejects reaches no sink at all.
  const ChangeEvent* transformed = &event;
  if (transform_ != nullptr && transform_->Applies(event)) {
    WALCAST_RETURN_IF_ERROR(transform_->Apply(txn, event, &transformed_));
    transformed = &transformed_;
  }
  for (size_t i = 0; i < sinks_.size(); ++i) {
    const ChangeEvent& view = views_[i] == RowView::kOriginal ? event : *transformed;
    WALCAST_RETURN_IF_ERROR(sinks_[i]->OnChange(txn, view));
  }
  return Status::Ok();
}

Status Pipeline::OnCommit(const TransactionInfo& txn) {
  in_transaction_ = false;
  // Track before any sink can acknowledge, so no ack is ever dropped.
  if (!tracker_->Track(txn.end_lsn, txn.commit_time_us)) {
    return Status::Internal("transaction end " + txn.end_lsn.ToString() +
                            " is not after the last tracked LSN");
  }
  counters_.CountTransaction();
  for (auto& sink : sinks_) WALCAST_RETURN_IF_ERROR(sink->OnCommit(txn));
  return Status::Ok();
}

Status Pipeline::Tick(std::chrono::steady_clock::time_point now) {
  for (auto& sink : sinks_) WALCAST_RETURN_IF_ERROR(sink->OnTick(now));
  for (auto& ticker : tickers_) WALCAST_RETURN_IF_ERROR(ticker(now));
  return Status::Ok();
}

void Pipeline::ResetOpenTransaction() {
  if (!in_transaction_) return;
  in_transaction_ = false;
  for (auto& sink : sinks_) sink->OnReset();
}

void Pipeline::Rewind() {
  in_transaction_ = false;
  for (auto& sink : sinks_) sink->OnRewind();
}

Status Pipeline::Flush(std::chrono::milliseconds timeout) {
  for (auto& sink : sinks_) WALCAST_RETURN_IF_ERROR(sink->Flush(timeout));
  return Status::Ok();
}

Status Pipeline::Close(std::chrono::milliseconds timeout) {
  Status first;
  for (auto& sink : sinks_) {
    Status s = sink->Close(timeout);
    if (first.ok() && !s.ok()) first = s;
  }
  return first;
}

}  // namespace walcast
