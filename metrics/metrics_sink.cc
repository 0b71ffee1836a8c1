#include "metrics/metrics_sink.h"

#include <algorithm>
#include <limits>
#include <set>

namespace walcast::metrics {

MetricsSink::MetricsSink(const MetricSet& set, MetricsSinkOptions options,
                         MetricDocumentWriter* writer, std::unique_ptr<MetricsEngine> engine)
    : set_(set), options_(std::move(options)), writer_(writer), engine_(std::move(engine)) {}

MetricsSink::~MetricsSink() = default;

Result<std::unique_ptr<MetricsSink>> MetricsSink::Create(const MetricSet& set,
                                                         MetricsSinkOptions options,
                                                         MetricDocumentWriter* writer) {
  if (writer == nullptr) return Status::InvalidArgument("metrics: no document writer");
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<MetricsEngine> engine,
                           MetricsEngine::Open(set, options.engine));
  // The restored state is committed: a transaction at or below applied_lsn
  // is acknowledged once the re-queued documents are durable.
  const Lsn applied = engine->applied_lsn();
  std::unique_ptr<MetricsSink> sink(
      new MetricsSink(set, std::move(options), writer, std::move(engine)));
  sink->committed_ = applied;
  sink->last_end_ = applied;
  sink->Publish();
  return sink;
}

bool AppliedBefore(const TransactionInfo& txn, Lsn applied) {
  if (!applied.valid()) return false;
  if (txn.end_lsn.valid()) return txn.end_lsn <= applied;
  return txn.commit_lsn.valid() && txn.commit_lsn < applied;
}

Status MetricsSink::OnBegin(const TransactionInfo& txn) {
  in_transaction_ = true;
  skipping_ = AppliedBefore(txn, engine_->applied_lsn());
  return Status::Ok();
}

Status MetricsSink::OnChange(const TransactionInfo& /*txn*/, const ChangeEvent& event) {
  if (skipping_) return Status::Ok();
  return engine_->Apply(event);
}

Status MetricsSink::OnCommit(const TransactionInfo& txn) {
  in_transaction_ = false;
  if (skipping_) {
    skipping_ = false;
    ++stats_.transactions_skipped;
    committed_ = std::max(committed_, txn.end_lsn);
  }
  last_end_ = std::max(last_end_, txn.end_lsn);
  return Status::Ok();
}

void MetricsSink::OnReset() {
  engine_->DropUnappliedCounts();
  in_transaction_ = false;
  skipping_ = false;
}

void MetricsSink::OnRewind() {
  // The tracker forgets what is not acknowledged; those transactions come
  // again and are either skipped (committed here) or applied again
  // (idempotent). Later acknowledgements cover them by LSN.
  engine_->DropUnappliedCounts();
  in_transaction_ = false;
  skipping_ = false;
}

Status MetricsSink::Commit(std::chrono::steady_clock::time_point now) {
  // Inside a transaction (Flush at a stop) the partial changes are written
  // without moving applied_lsn: the transaction comes again and its rows
  // apply idempotently.
  const uint64_t commits_before = engine_->stats().commits;
  const auto started = std::chrono::steady_clock::now();
  WALCAST_RETURN_IF_ERROR(engine_->Commit(in_transaction_ ? Lsn() : last_end_));
  if (engine_->stats().commits != commits_before) {
    last_commit_duration_ = std::chrono::steady_clock::now() - started;
    commit_duration_total_ += last_commit_duration_;
    ++checkpoint_commits_;
  }
  if (!in_transaction_) committed_ = std::max(committed_, last_end_);
  last_commit_ = now;
  return Status::Ok();
}

Status MetricsSink::StartWrite(std::chrono::steady_clock::time_point now) {
  if (in_flight_ || now < retry_at_) return Status::Ok();
  // After a Reset nothing is written until the new snapshot is committed:
  // documents are versioned by the committed position, and the zeroed
  // aggregates have none until then.
  if (!committed_.valid()) return Status::Ok();
  // walcast_bad_profiles moves when a transaction commits, which may change
  // nothing else: its dead letters may have been written already (the
  // engine spills inside large transactions) and its rows changed no
  // aggregate. The figure is then the only document to write.
  const bool bad_changed = !BadProfilesWritten();
  if (!engine_->HasPendingOutput() && !bad_changed) {
    // Nothing to index: the committed state is all there is to make durable.
    if (committed_ > acknowledged_) {
      acker().AckThrough(committed_);
      acknowledged_ = committed_;
    }
    return Status::Ok();
  }
  WALCAST_ASSIGN_OR_RETURN(Outbox outbox,
                           engine_->PendingOutput(std::numeric_limits<size_t>::max()));
  std::vector<MetricDocument> docs;
  docs.reserve(outbox.aggregates.size() + outbox.dead_letters.size());
  const int64_t now_us = UnixMicrosNow();
  const std::string& instance = engine_->instance();
  for (const AggregateValue& v : outbox.aggregates) {
    docs.push_back(BuildMetricDocument(instance, set_.Find(v.key.metric), v, now_us));
    docs.back().version = committed_.value();
  }
  for (const auto& [seq, item] : outbox.dead_letters) {
    docs.push_back(BuildDeadLetterDocument(instance, item, now_us));
  }
  // walcast_bad_profiles, whenever it changed since the last write (and on
  // the first write after a start).
  const uint64_t bad = engine_->stats().bad_profiles;
  if (bad_changed) {
    docs.push_back(BuildBadProfilesDocument(instance, bad, now_us));
    docs.back().version = committed_.value();
  }
  {
    std::lock_guard lock(completion_->mu);
    completion_->status.reset();
  }
  in_flight_ = InFlight{std::move(outbox), committed_, docs.size(), bad};
  // The callback holds the completion, not the sink: it may run after Close.
  writer_->Write(std::move(docs), [completion = completion_](Status status) {
    {
      std::lock_guard lock(completion->mu);
      completion->status = std::move(status);
    }
    completion->cv.notify_all();
  });
  return Status::Ok();
}

Status MetricsSink::Collect(std::chrono::steady_clock::time_point now) {
  if (!in_flight_) return Status::Ok();
  Status status;
  {
    std::lock_guard lock(completion_->mu);
    if (!completion_->status) return Status::Ok();
    status = std::move(*completion_->status);
    completion_->status.reset();
  }
  InFlight done = std::move(*in_flight_);
  in_flight_.reset();
  if (status.ok()) {
    WALCAST_RETURN_IF_ERROR(UpdateTopFigures(done.outbox));
    if (!done.outbox.dead_letters.empty()) {
      // The error names only: the parser's message may point into a profile.
      const DeadLetter& first = done.outbox.dead_letters.front().second;
      ReportProblem("dead_letter", std::to_string(done.outbox.dead_letters.size()) +
                                       " row(s) the metrics could not use (" + first.error +
                                       "), table " + first.table + ", first at " +
                                       first.lsn.ToString());
    }
    WALCAST_RETURN_IF_ERROR(engine_->Acknowledge(done.outbox));
    ++stats_.writes;
    stats_.documents_written += done.outbox.aggregates.size();
    stats_.dead_letters_written += done.outbox.dead_letters.size();
    bad_profiles_written_ = done.bad_profiles;
    retry_delay_ = std::chrono::milliseconds(0);
    // The outbox held every document of the state committed up to target.
    if (done.target > acknowledged_) {
      acker().AckThrough(done.target);
      acknowledged_ = done.target;
    }
    return Status::Ok();
  }
  ++write_failures_;
  if (status.IsRetryable()) {
    ++stats_.write_retries;
    retry_delay_ = retry_delay_.count() == 0 ? options_.retry_initial
                                             : std::min(retry_delay_ * 2, options_.retry_max);
    retry_at_ = now + retry_delay_;
    int suppressed = 0;
    if (retry_log_.Allow(&suppressed)) {
      log::Warn("metrics: document write failed; retrying", {{"error", status.ToString()},
                                                             {"documents", done.documents},
                                                             {"retry_ms", retry_delay_.count()},
                                                             {"suppressed", suppressed}});
      ReportProblem("retry", "document write failed: " + status.ToString());
    }
    return Status::Ok();
  }
  log::Error("metrics: document write failed", {{"error", status.ToString()}});
  ReportProblem("error", "document write failed: " + status.ToString());
  return status;
}

Status MetricsSink::OnTick(std::chrono::steady_clock::time_point now) {
  if (closed_) return Status::Ok();
  WALCAST_RETURN_IF_ERROR(Collect(now));
  if (!in_transaction_ && now - last_commit_ >= options_.checkpoint_interval &&
      (engine_->HasUncommitted() || last_end_ > committed_)) {
    WALCAST_RETURN_IF_ERROR(Commit(now));
  }
  Status started = StartWrite(now);
  Publish();
  return started;
}

Status MetricsSink::UpdateTopFigures(const Outbox& written) {
  std::set<std::string> touched;
  if (!top_seeded_) {
    // Once per run, off the start-up path: every committed aggregate.
    WALCAST_ASSIGN_OR_RETURN(std::vector<AggregateValue> all, engine_->ReadAggregates());
    for (const AggregateValue& v : all) {
      aggregate_counts_[v.key.metric][v.id] = v.count;
      touched.insert(v.key.metric);
    }
    top_seeded_ = true;
  }
  for (const AggregateValue& v : written.aggregates) {
    aggregate_counts_[v.key.metric][v.id] = v.count;
    touched.insert(v.key.metric);
  }
  if (touched.empty()) return Status::Ok();
  for (const std::string& metric : touched) {
    MetricTopFigure figure{metric, 0, 0, 0};
    for (const auto& [id, count] : aggregate_counts_[metric]) {
      // Documents clamp negative counts at 0 (metrics.md §2); so do these.
      const int64_t clamped = std::max<int64_t>(0, count);
      figure.total += clamped;
      figure.largest_bucket = std::max(figure.largest_bucket, clamped);
      ++figure.buckets;
    }
    auto it = std::find_if(top_.begin(), top_.end(),
                           [&](const MetricTopFigure& f) { return f.metric == metric; });
    if (it == top_.end()) {
      top_.push_back(std::move(figure));
    } else {
      *it = std::move(figure);
    }
  }
  std::stable_sort(top_.begin(), top_.end(),
                   [](const MetricTopFigure& a, const MetricTopFigure& b) {
                     return a.total != b.total ? a.total > b.total : a.metric < b.metric;
                   });
  return Status::Ok();
}

void MetricsSink::Publish() {
  if (!engine_) return;
  MetricsSinkFigures f;
  f.bad_profiles = engine_->stats().bad_profiles;
  f.state_commits = engine_->stats().commits;
  f.last_commit_seconds = std::chrono::duration<double>(last_commit_duration_).count();
  f.commit_seconds_total = std::chrono::duration<double>(commit_duration_total_).count();
  f.checkpoint_commits = checkpoint_commits_;
  f.documents_written = stats_.documents_written;
  f.dead_letters_written = stats_.dead_letters_written;
  f.documents_in_flight = in_flight_ ? in_flight_->documents : 0;
  f.documents_pending = engine_->PendingOutputItems();
  f.write_retries = stats_.write_retries;
  f.write_failures = write_failures_;
  f.top = top_;
  std::lock_guard lock(figures_mu_);
  published_ = std::move(f);
}

MetricsSinkFigures MetricsSink::figures() const {
  std::lock_guard lock(figures_mu_);
  return published_;
}

SinkCounters MetricsSink::counters() const {
  const MetricsSinkFigures f = figures();
  SinkCounters c;
  c.reported = SinkCounters::kInFlight | SinkCounters::kQueued | SinkCounters::kAcked |
               SinkCounters::kRetried | SinkCounters::kFailed | SinkCounters::kDeadLettered;
  c.in_flight = f.documents_in_flight;
  c.queued = f.documents_pending;
  c.acked = f.documents_written;
  c.retried = f.write_retries;
  c.failed = f.write_failures;
  c.dead_lettered = f.dead_letters_written;
  return c;
}

bool MetricsSink::BadProfilesWritten() const {
  return bad_profiles_written_ && *bad_profiles_written_ == engine_->stats().bad_profiles;
}

bool MetricsSink::Idle() const {
  // Documents held back until a state is committed (after a Reset) count
  // as done: nothing depends on them being written before that.
  return !in_flight_ && !engine_->HasUncommitted() &&
         ((!engine_->HasPendingOutput() && BadProfilesWritten()) || !committed_.valid()) &&
         acknowledged_ >= committed_;
}

Status MetricsSink::Flush(std::chrono::milliseconds timeout) {
  if (closed_) return Status::Ok();
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + timeout;
  WALCAST_RETURN_IF_ERROR(Collect(Clock::now()));
  WALCAST_RETURN_IF_ERROR(Commit(Clock::now()));
  for (;;) {
    const Clock::time_point now = Clock::now();
    WALCAST_RETURN_IF_ERROR(Collect(now));
    WALCAST_RETURN_IF_ERROR(StartWrite(now));
    Publish();
    if (Idle()) return Status::Ok();
    if (now >= deadline) {
      return Status::Timeout("metrics: documents not acknowledged by the writer within " +
                             std::to_string(timeout.count()) + " ms");
    }
    // Wait for the write in flight, or for the retry time.
    const Clock::time_point until = in_flight_ ? deadline : std::min(deadline, retry_at_);
    std::unique_lock lock(completion_->mu);
    completion_->cv.wait_until(lock, until, [&] { return completion_->status.has_value(); });
  }
}

Status MetricsSink::Close(std::chrono::milliseconds timeout) {
  if (closed_) return Status::Ok();
  Status s = Flush(timeout);
  Publish();
  stats_ = stats();
  closed_ = true;
  engine_.reset();  // closes RocksDB and releases its lock
  return s;
}

Status MetricsSink::Reset() {
  if (closed_) return Status::InvalidArgument("metrics: sink is closed");
  if (in_transaction_ || in_flight_) {
    return Status::InvalidArgument("metrics: reset inside a transaction or during a write");
  }
  WALCAST_RETURN_IF_ERROR(engine_->Reset());
  // Nothing of the old state is left to acknowledge or to skip.
  committed_ = last_end_ = Lsn();
  bad_profiles_written_.reset();
  return Status::Ok();
}

Lsn MetricsSink::applied_lsn() const {
  return engine_ ? engine_->applied_lsn() : stats_.applied_lsn;
}

MetricsSinkStats MetricsSink::stats() const {
  MetricsSinkStats s = stats_;
  if (engine_) {
    s.engine = engine_->stats();
    s.applied_lsn = engine_->applied_lsn();
  }
  s.acknowledged_lsn = acknowledged_;
  return s;
}

}  // namespace walcast::metrics
