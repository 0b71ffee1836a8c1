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
  const bool hold = holding();
  for (size_t i = 0; i < sinks_.size(); ++i) {
    if (!hold || views_[i] == RowView::kOriginal) WALCAST_RETURN_IF_ERROR(sinks_[i]->OnBegin(txn));
  }
  if (hold) Hold(HeldKind::kBegin, txn);
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
  // Held from the first change that depends on something not yet durable,
  // and everything after it, so the outputs see the stream in order.
  const bool hold = holding() || (transform_ != nullptr && transform_->NeedsDurable());
  for (size_t i = 0; i < sinks_.size(); ++i) {
    if (views_[i] == RowView::kOriginal) {
      WALCAST_RETURN_IF_ERROR(sinks_[i]->OnChange(txn, event));
    } else if (!hold) {
      WALCAST_RETURN_IF_ERROR(sinks_[i]->OnChange(txn, *transformed));
    }
  }
  if (!hold) return Status::Ok();
  Hold(HeldKind::kChange, txn,
       transformed == &transformed_ ? std::move(transformed_) : ChangeEvent(event));
  return ReleaseIfDue(std::chrono::steady_clock::now());
}

Status Pipeline::OnCommit(const TransactionInfo& txn) {
  in_transaction_ = false;
  // Track before any sink can acknowledge, so no ack is ever dropped.
  if (!tracker_->Track(txn.end_lsn, txn.commit_time_us)) {
    return Status::Internal("transaction end " + txn.end_lsn.ToString() +
                            " is not after the last tracked LSN");
  }
  counters_.CountTransaction();
  const bool hold = holding();
  for (size_t i = 0; i < sinks_.size(); ++i) {
    if (!hold || views_[i] == RowView::kOriginal) WALCAST_RETURN_IF_ERROR(sinks_[i]->OnCommit(txn));
  }
  if (!hold) return Status::Ok();
  Hold(HeldKind::kCommit, txn);
  return ReleaseIfDue(std::chrono::steady_clock::now());
}

void Pipeline::Hold(HeldKind kind, const TransactionInfo& txn, ChangeEvent event) {
  if (held_.size() == sync_covers_) held_since_ = std::chrono::steady_clock::now();
  held_.push_back(Held{kind, txn, std::move(event)});
}

Status Pipeline::Deliver(size_t count) {
  for (; count > 0; --count) {
    const Held& e = held_.front();
    for (size_t i = 0; i < sinks_.size(); ++i) {
      if (views_[i] == RowView::kOriginal) continue;
      switch (e.kind) {
        case HeldKind::kBegin:
          WALCAST_RETURN_IF_ERROR(sinks_[i]->OnBegin(e.txn));
          break;
        case HeldKind::kChange:
          WALCAST_RETURN_IF_ERROR(sinks_[i]->OnChange(e.txn, e.event));
          break;
        case HeldKind::kCommit:
          WALCAST_RETURN_IF_ERROR(sinks_[i]->OnCommit(e.txn));
          break;
      }
    }
    held_.pop_front();
  }
  return Status::Ok();
}

Status Pipeline::FinishSync() {
  if (!sync_.valid()) return Status::Ok();
  Status s = sync_.get();
  const size_t covered = sync_covers_;
  sync_covers_ = 0;
  if (!held_.empty()) held_since_ = std::chrono::steady_clock::now();
  WALCAST_RETURN_IF_ERROR(s);
  return Deliver(covered);
}

Status Pipeline::ReleaseIfDue(std::chrono::steady_clock::time_point now) {
  if (sync_.valid()) {
    const bool done = sync_.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    if (!done && held_.size() < kMaxHeld * 4) return Status::Ok();
    WALCAST_RETURN_IF_ERROR(FinishSync());
  }
  if (held_.empty() || (held_.size() < kMaxHeld && now - held_since_ < kMaxHoldTime)) {
    return Status::Ok();
  }
  // Everything held now was applied before this MakeDurable starts.
  sync_covers_ = held_.size();
  RowTransform* transform = transform_.get();
  sync_ = std::async(std::launch::async, [transform] { return transform->MakeDurable(); });
  return Status::Ok();
}

Status Pipeline::Release() {
  WALCAST_RETURN_IF_ERROR(FinishSync());
  if (held_.empty()) return Status::Ok();
  WALCAST_RETURN_IF_ERROR(transform_->MakeDurable());
  return Deliver(held_.size());
}

Status Pipeline::Tick(std::chrono::steady_clock::time_point now) {
  if (holding()) WALCAST_RETURN_IF_ERROR(ReleaseIfDue(now));
  for (auto& sink : sinks_) WALCAST_RETURN_IF_ERROR(sink->OnTick(now));
  for (auto& ticker : tickers_) WALCAST_RETURN_IF_ERROR(ticker(now));
  return Status::Ok();
}

void Pipeline::ResetOpenTransaction() {
  // The open transaction's held part is dropped with the rest of it; the
  // complete transactions held before it go out now, or, if making them
  // durable fails, stay held for the next Release, whose error stops the
  // stream.
  while (held_.size() > sync_covers_ && held_.back().kind != HeldKind::kCommit) held_.pop_back();
  if (held_.size() == sync_covers_) {
    // The running MakeDurable covers part of the open transaction too:
    // hand on what it covers up to the last complete transaction.
    if (sync_.valid()) sync_.wait();
    size_t keep = held_.size();
    while (keep > 0 && held_[keep - 1].kind != HeldKind::kCommit) --keep;
    held_.resize(keep);
    sync_covers_ = std::min(sync_covers_, keep);
  }
  if (Status s = Release(); !s.ok()) {
    // Reported by the next Release.
  }
  if (!in_transaction_) return;
  in_transaction_ = false;
  for (auto& sink : sinks_) sink->OnReset();
}

void Pipeline::Rewind() {
  in_transaction_ = false;
  // Sent again from the watermark, like everything unacknowledged.
  if (sync_.valid()) sync_.wait();
  sync_ = {};
  sync_covers_ = 0;
  held_.clear();
  for (auto& sink : sinks_) sink->OnRewind();
}

Status Pipeline::Flush(std::chrono::milliseconds timeout) {
  WALCAST_RETURN_IF_ERROR(Release());
  for (auto& sink : sinks_) WALCAST_RETURN_IF_ERROR(sink->Flush(timeout));
  return Status::Ok();
}

Status Pipeline::Close(std::chrono::milliseconds timeout) {
  Status first = Release();
  for (auto& sink : sinks_) {
    Status s = sink->Close(timeout);
    if (first.ok() && !s.ok()) first = s;
  }
  return first;
}

}  // namespace walcast
