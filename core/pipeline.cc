#include "core/pipeline.h"

#include <algorithm>

namespace walcast {

Pipeline::~Pipeline() {
  if (worker_.joinable()) {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    worker_.join();
  }
  if (sync_.valid()) sync_.wait();
}

void Pipeline::SetRowTransform(std::unique_ptr<RowTransform> transform, bool on_worker) {
  transform_ = std::move(transform);
  if (on_worker && transform_ != nullptr && !worker_.joinable()) {
    worker_ = std::thread([this] { Work(); });
  }
}

void Pipeline::Work() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
    if (stop_) return;
    Held* h = jobs_.front();
    jobs_.pop_front();
    lock.unlock();
    // The reader leaves a held change alone until it is ready.
    ChangeEvent out;
    Status s;
    const bool applies = transform_->Applies(h->event);
    if (applies) s = transform_->Apply(h->txn, h->event, &out);
    const bool needs_durable = transform_->NeedsDurable();
    lock.lock();
    // A change the transform failed on never goes out, not even as it came.
    if (applies) h->event = s.ok() ? std::move(out) : ChangeEvent();
    h->status = std::move(s);
    h->needs_durable = needs_durable;
    h->seq = ++applied_;
    h->ready = true;
    done_cv_.notify_all();
  }
}

Status Pipeline::OnChangeOnWorker(const TransactionInfo& txn, const ChangeEvent& event) {
  for (size_t i = 0; i < sinks_.size(); ++i) {
    if (views_[i] == RowView::kOriginal) WALCAST_RETURN_IF_ERROR(sinks_[i]->OnChange(txn, event));
  }
  Held held;
  held.kind = HeldKind::kChange;
  held.txn = txn;
  held.event = event;
  held.ready = false;
  {
    std::lock_guard lock(mu_);
    held_.push_back(std::move(held));
    jobs_.push_back(&held_.back());
    ++submitted_;
  }
  work_cv_.notify_one();
  return Pump(std::chrono::steady_clock::now());
}

size_t Pipeline::Deliverable() {
  size_t n = 0;
  for (const Held& h : held_) {
    if (!h.ready || !h.status.ok()) break;
    if (h.kind == HeldKind::kChange && h.needs_durable && h.seq > durable_through_) break;
    ++n;
  }
  return n;
}

Status Pipeline::Pump(std::chrono::steady_clock::time_point now) {
  for (;;) {
    if (sync_.valid() && sync_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      WALCAST_RETURN_IF_ERROR(sync_.get());
      durable_through_ = std::max(durable_through_, sync_through_);
    }
    size_t n = 0;
    Status failed;
    {
      std::lock_guard lock(mu_);
      n = Deliverable();
      if (n < held_.size() && held_[n].ready) failed = held_[n].status;
    }
    // Only the reader adds and removes held_'s elements; the worker writes
    // into those not ready yet, which Deliver does not touch.
    WALCAST_RETURN_IF_ERROR(Deliver(n));
    if (!failed.ok()) return failed;
    bool front_waits = false;  // transformed, but waiting for a MakeDurable
    {
      std::lock_guard lock(mu_);
      front_waits = !held_.empty() && held_.front().ready;
    }
    if (front_waits && !blocked_) blocked_since_ = now;
    blocked_ = front_waits;
    if (front_waits && !sync_.valid() &&
        (held_.size() >= kMaxHeld || now - blocked_since_ >= kMaxHoldTime)) {
      {
        std::lock_guard lock(mu_);
        // Every change transformed so far was transformed before this
        // MakeDurable starts.
        sync_through_ = applied_;
      }
      RowTransform* transform = transform_.get();
      sync_ = std::async(std::launch::async, [transform] { return transform->MakeDurable(); });
      blocked_since_ = now;
    }
    if (held_.size() < kMaxHeld * 4) return Status::Ok();
    // Bounded memory: wait for the sync or the worker, then hand on.
    if (sync_.valid()) {
      sync_.wait();
    } else {
      std::unique_lock lock(mu_);
      done_cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return held_.front().ready; });
    }
    now = std::chrono::steady_clock::now();
  }
}

void Pipeline::WaitForWorker() {
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return applied_ == submitted_; });
}

Status Pipeline::ReleaseFromWorker() {
  WaitForWorker();
  if (sync_.valid()) {
    WALCAST_RETURN_IF_ERROR(sync_.get());
    durable_through_ = std::max(durable_through_, sync_through_);
  }
  const bool needs_durable = std::any_of(held_.begin(), held_.end(), [&](const Held& h) {
    return h.kind == HeldKind::kChange && h.needs_durable && h.seq > durable_through_;
  });
  if (needs_durable) {
    // Everything is transformed (above), so this covers it all.
    WALCAST_RETURN_IF_ERROR(transform_->MakeDurable());
    durable_through_ = applied_;
  }
  blocked_ = false;
  const size_t n = Deliverable();
  WALCAST_RETURN_IF_ERROR(Deliver(n));
  if (!held_.empty()) return held_.front().status;  // a change the transform failed on
  return Status::Ok();
}

void Pipeline::AddSink(std::unique_ptr<Sink> sink, RowView view) {
  const int id = tracker_->RegisterSink(sink->name());
  sink->Attach(Sink::Acker(tracker_, id), problems_);
  sinks_.push_back(std::move(sink));
  views_.push_back(view);
}

Status Pipeline::OnBegin(const TransactionInfo& txn) {
  in_transaction_ = true;
  const bool hold = holding() || on_worker();
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
  if (on_worker()) return OnChangeOnWorker(txn, event);
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
  const bool hold = holding() || on_worker();
  for (size_t i = 0; i < sinks_.size(); ++i) {
    if (!hold || views_[i] == RowView::kOriginal) WALCAST_RETURN_IF_ERROR(sinks_[i]->OnCommit(txn));
  }
  if (!hold) return Status::Ok();
  Hold(HeldKind::kCommit, txn);
  if (on_worker()) return Pump(std::chrono::steady_clock::now());
  return ReleaseIfDue(std::chrono::steady_clock::now());
}

void Pipeline::Hold(HeldKind kind, const TransactionInfo& txn, ChangeEvent event) {
  if (held_.size() == sync_covers_) held_since_ = std::chrono::steady_clock::now();
  Held held;
  held.kind = kind;
  held.txn = txn;
  held.event = std::move(event);
  std::lock_guard lock(mu_);  // the worker reads held_'s elements
  held_.push_back(std::move(held));
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
  if (on_worker()) return ReleaseFromWorker();
  WALCAST_RETURN_IF_ERROR(FinishSync());
  if (held_.empty()) return Status::Ok();
  WALCAST_RETURN_IF_ERROR(transform_->MakeDurable());
  return Deliver(held_.size());
}

Status Pipeline::Tick(std::chrono::steady_clock::time_point now) {
  if (on_worker()) {
    WALCAST_RETURN_IF_ERROR(Pump(now));
  } else if (holding()) {
    WALCAST_RETURN_IF_ERROR(ReleaseIfDue(now));
  }
  for (auto& sink : sinks_) WALCAST_RETURN_IF_ERROR(sink->OnTick(now));
  for (auto& ticker : tickers_) WALCAST_RETURN_IF_ERROR(ticker(now));
  return Status::Ok();
}

void Pipeline::ResetOpenTransaction() {
  if (on_worker()) {
    // The open transaction's held part is dropped with the rest of it (what
    // of it went out already, the sinks drop on OnReset); the complete
    // transactions before it go out, or stay held for the next Release.
    WaitForWorker();
    while (!held_.empty() && held_.back().kind != HeldKind::kCommit) held_.pop_back();
    if (Status s = ReleaseFromWorker(); !s.ok()) {
      // Reported by the next Release.
    }
    if (!in_transaction_) return;
    in_transaction_ = false;
    for (auto& sink : sinks_) sink->OnReset();
    return;
  }
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
  if (on_worker()) WaitForWorker();
  blocked_ = false;
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
