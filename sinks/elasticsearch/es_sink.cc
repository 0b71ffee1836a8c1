#include "sinks/elasticsearch/es_sink.h"

#include <utility>

#include "core/log.h"
#include "sinks/elasticsearch/lookup_index.h"

namespace walcast::sinks::elasticsearch {

ElasticsearchSink::ElasticsearchSink(std::unique_ptr<HttpTransport> transport,
                                     std::unique_ptr<DocumentMapper> mapper,
                                     ElasticsearchSinkOptions options)
    : ElasticsearchSink(SharedBulkClient::Wrap(std::move(transport)), std::move(mapper),
                        std::move(options)) {}

ElasticsearchSink::ElasticsearchSink(std::shared_ptr<SharedBulkClient> client,
                                     std::unique_ptr<DocumentMapper> mapper,
                                     ElasticsearchSinkOptions options)
    : options_(std::move(options)),
      mapper_(std::move(mapper)),
      worker_(std::move(client), WithProblemReports(options_.worker)),
      builder_({}, VersionType::kExternalGte) {
  name_ = options_.worker.name;
  if (options_.lookups != nullptr) lookup_subscriber_ = options_.lookups->Subscribe();
}

ElasticsearchSink::~ElasticsearchSink() { worker_.Stop(); }

BulkWorkerOptions ElasticsearchSink::WithProblemReports(BulkWorkerOptions options) {
  // The worker calls these on its thread, only after the pipeline attached
  // the sink (nothing is submitted before).
  options.on_problem = [this](const std::string& kind, const std::string& reason) {
    ReportProblem(kind, reason);
  };
  options.client.on_retry = [this](const Status& failure) {
    ReportProblem("retry", failure.ToString());
  };
  return options;
}

int64_t ElasticsearchSink::VersionOf(const TransactionInfo& txn) {
  const uint64_t lsn = txn.commit_lsn.value();
  const uint64_t version = txn.snapshot && lsn > 0 ? lsn - 1 : lsn;
  // LSNs stay below 2^63 (Elasticsearch's limit) for any real server.
  return static_cast<int64_t>(version & ~(uint64_t{1} << 63));
}

Status ElasticsearchSink::OnBegin(const TransactionInfo& /*txn*/) { return worker_.failure(); }

Status ElasticsearchSink::OnChange(const TransactionInfo& txn, const ChangeEvent& event) {
  WALCAST_RETURN_IF_ERROR(ApplyLookups(event));
  action_.Clear();
  const Status mapped = mapper_->Map(txn, event, &action_);
  if (mapped.code() == Status::Code::kRejected) {
    WALCAST_RETURN_IF_ERROR(AppendDeadLetter(txn, action_, mapped));
  } else if (!mapped.ok()) {
    return mapped;
  } else if (action_.kind == DocumentAction::Kind::kTruncate) {
    return Truncate(action_.index, VersionOf(txn));
  } else if (action_.kind != DocumentAction::Kind::kSkip) {
    if (txn.snapshot) NoteSnapshotIndex(txn, action_.index);
    WALCAST_RETURN_IF_ERROR(Append(action_, VersionOf(txn), txn.commit_lsn));
  }
  if (builder_.Full(options_.limits)) return Dispatch();
  return Status::Ok();
}

Status ElasticsearchSink::Append(const DocumentAction& action, int64_t version, Lsn lsn) {
  if (!action.previous_id.empty()) {
    WALCAST_RETURN_IF_ERROR(builder_.Delete(action.index, action.previous_id, version));
    origins_.push_back({action.table, action.key, lsn});
  }
  if (action.kind == DocumentAction::Kind::kDelete) {
    WALCAST_RETURN_IF_ERROR(builder_.Delete(action.index, action.id, version));
  } else if (action.kind == DocumentAction::Kind::kUpdate) {
    // Alone in its request, so that the worker's read of the stored
    // document sees every earlier write (ResolvePartialUpdates).
    WALCAST_RETURN_IF_ERROR(Dispatch());
    WALCAST_RETURN_IF_ERROR(builder_.Update(action.index, action.id, action.source, version));
  } else {
    WALCAST_RETURN_IF_ERROR(builder_.Index(action.index, action.id, action.source, version));
  }
  // A partial update that resent the profile (another TOASTed column was
  // left out) supersedes like a whole document.
  if (action.kind != DocumentAction::Kind::kDelete && !action.supersede_field.empty() &&
      !action.supersede_value.empty()) {
    supersedes_.push_back({action.index, action.supersede_field, action.supersede_value, version});
  }
  origins_.push_back({action.table, action.key, lsn});
  return action.kind == DocumentAction::Kind::kUpdate ? Dispatch() : Status::Ok();
}

Status ElasticsearchSink::AppendDeadLetter(const TransactionInfo& txn,
                                           const DocumentAction& action, const Status& reason) {
  if (options_.worker.dead_letter_index.empty()) {
    return Status::Fatal(name_ + ": a change of " + action.table +
                         " cannot be indexed and no dead-letter index is configured: " +
                         reason.message());
  }
  // The reason may quote the row: it goes to the dead-letter index only.
  if (int suppressed = 0; dead_letter_log_.Allow(&suppressed)) {
    log::Warn(name_ + ": change not indexable; written to the dead-letter index",
              {{"table", action.table},
               {"lsn", txn.commit_lsn.ToString()},
               {"dead_letter_index", options_.worker.dead_letter_index},
               {"suppressed", suppressed}});
  }
  // The status code's name only: the message may quote the row.
  ReportProblem("dead_letter", "change not indexable (" + std::string(CodeName(reason.code())) +
                                   "), table " + action.table + " at " + txn.commit_lsn.ToString());
  const ItemOrigin origin{action.table, action.key, txn.commit_lsn, /*dead_letter=*/true};
  const DeadLetter letter{.index = action.index,
                          .id = action.id,
                          .operation = action.kind == DocumentAction::Kind::kDelete   ? "delete"
                                       : action.kind == DocumentAction::Kind::kUpdate ? "update"
                                                                                      : "index",
                          .origin = &origin,
                          .status = 0,
                          .error_type = "walcast_mapping_exception",
                          .reason = reason.message(),
                          .document = {}};
  const std::string id = DeadLetterId(action.index.empty() ? action.table : action.index,
                                      action.id.empty() ? action.key : action.id, VersionOf(txn));
  WALCAST_RETURN_IF_ERROR(builder_.Index(options_.worker.dead_letter_index, id,
                                         DeadLetterJson(letter), std::nullopt));
  origins_.push_back(origin);
  if (action.index.empty() || action.id.empty()) return Status::Ok();
  DocumentAction remove;
  remove.kind = DocumentAction::Kind::kDelete;
  remove.index = action.index;
  remove.id = action.id;
  remove.table = action.table;
  remove.key = action.key;
  return Append(remove, VersionOf(txn), txn.commit_lsn);
}

Status ElasticsearchSink::OnCommit(const TransactionInfo& txn) {
  committed_through_ = txn.end_lsn;
  if (builder_.Full(options_.limits)) return Dispatch();
  return worker_.failure();
}

Status ElasticsearchSink::Dispatch() {
  if (builder_.empty() && committed_through_ == dispatched_through_ && corrections_.empty()) {
    return Status::Ok();
  }
  BulkJob job;
  job.request = builder_.Take();
  job.origins = std::move(origins_);
  origins_.clear();
  if (!supersedes_.empty()) {
    job.after = [supersedes = std::move(supersedes_)](HttpTransport& transport,
                                                      const BulkSend& send) {
      return DeleteSuperseded(transport, send, supersedes);
    };
    supersedes_.clear();
  }
  const Lsn through = committed_through_;
  if (through != dispatched_through_) {
    job.done = [acker = acker(), through, items = job.request.size()](const Status& status) {
      if (!status.ok()) return;
      log::Debug("elasticsearch: durable", {{"through", through.ToString()}, {"items", items}});
      acker.AckThrough(through);
    };
  }
  dispatched_through_ = through;
  return SubmitWithCorrections(std::move(job));
}

Status ElasticsearchSink::Truncate(const std::string& index, int64_t version) {
  WALCAST_RETURN_IF_ERROR(Dispatch());
  BulkJob job;
  job.task = [index, name = name_, version](HttpTransport& transport,
                                            const BulkSend& send) -> Status {
    WALCAST_RETURN_IF_ERROR(
        DeleteMatching(transport, send, index, R"({"match_all":{}})", version));
    log::Info(name + ": truncate applied", {{"index", index}});
    return Status::Ok();
  };
  return worker_.Submit(std::move(job));
}

void ElasticsearchSink::NoteSnapshotIndex(const TransactionInfo& txn, const std::string& index) {
  if (txn.commit_lsn != snapshot_lsn_) {
    snapshot_lsn_ = txn.commit_lsn;
    snapshot_indices_.clear();
  }
  if (!index.empty()) snapshot_indices_.insert(index);
}

Status ElasticsearchSink::SweepBeforeSnapshot() {
  // The snapshot's rows carry its LSN minus one (VersionOf), everything
  // written before its slot existed less: deleting up to one below that
  // spares this snapshot's rows and everything streamed after it. Run at
  // the end of the snapshot, not at its start: a bulk request that a
  // killed walcast left in flight is long finished by then.
  const uint64_t lsn = snapshot_lsn_.value();
  if (lsn < 2) return Status::Ok();
  const auto before = static_cast<int64_t>((lsn - 2) & ~(uint64_t{1} << 63));
  for (const std::string& index : snapshot_indices_) {
    log::Info(name_ + ": deleting the documents older than the snapshot",
              {{"index", index}, {"lsn", snapshot_lsn_.ToString()}});
    WALCAST_RETURN_IF_ERROR(Truncate(index, before));
  }
  snapshot_indices_.clear();
  return Status::Ok();
}

void ElasticsearchSink::OnRewind() {
  // Everything not yet dispatched belongs to transactions above the
  // watermark; they come again. Jobs already with the worker go on (they
  // write what the replay writes again).
  builder_.Take();
  origins_.clear();
  supersedes_.clear();
  committed_through_ = dispatched_through_;
}

Status ElasticsearchSink::OnTick(std::chrono::steady_clock::time_point now) {
  WALCAST_RETURN_IF_ERROR(worker_.failure());
  TakeLookupChanges();  // changes other pipelines made to a shared store
  if (builder_.Due(options_.limits, now) ||
      (builder_.empty() && committed_through_ != dispatched_through_) ||
      (builder_.empty() && !corrections_.empty())) {
    return Dispatch();
  }
  return Status::Ok();
}

Status ElasticsearchSink::Flush(std::chrono::milliseconds timeout) {
  WALCAST_RETURN_IF_ERROR(Dispatch());
  // Only the snapshot's own flush (walcast flushes once its rows are read)
  // sweeps; a Close during a snapshot must not delete what it has not
  // read again yet.
  if (!closed_ && !snapshot_indices_.empty()) WALCAST_RETURN_IF_ERROR(SweepBeforeSnapshot());
  return worker_.Drain(timeout);
}

Status ElasticsearchSink::Close(std::chrono::milliseconds timeout) {
  if (closed_) return Status::Ok();
  closed_ = true;
  Status status = Flush(timeout);
  worker_.Stop();
  const BulkWorkerStats stats = worker_.stats();
  log::Info("elasticsearch: stopped", {{"bulk_requests", stats.requests},
                                       {"documents", stats.items},
                                       {"dead_letters", stats.dead_letters},
                                       {"max_in_flight", stats.max_in_flight_jobs}});
  return status;
}

Status ElasticsearchSink::ApplyLookups(const ChangeEvent& event) {
  if (options_.lookups == nullptr || event.relation == nullptr ||
      !options_.lookups->IsLookupTable(event.relation->schema + "." + event.relation->name)) {
    return Status::Ok();  // other pipelines' changes are taken on ticks
  }
  WALCAST_RETURN_IF_ERROR(options_.lookups->Apply(event));
  TakeLookupChanges();
  return Status::Ok();
}

void ElasticsearchSink::TakeLookupChanges() {
  if (options_.lookups == nullptr) return;
  for (LookupChange& change : options_.lookups->TakeChanges(lookup_subscriber_)) {
    corrections_.insert(std::move(change));
  }
}

Status ElasticsearchSink::SubmitWithCorrections(BulkJob job) {
  if (corrections_.empty()) return worker_.Submit(std::move(job));
  // After the documents written before: every document built before the
  // store changed is in `job` or an earlier job, so the search sees it.
  BulkJob correct;
  correct.task = [store = options_.lookups, prefix = options_.lookup_index_prefix,
                  changes = std::vector<LookupChange>(corrections_.begin(), corrections_.end())](
                     HttpTransport& transport, const BulkSend& send) {
    return CorrectLookupFields(transport, send, *store, prefix, changes);
  };
  corrections_.clear();
  correct.done = std::move(job.done);
  job.done = nullptr;
  WALCAST_RETURN_IF_ERROR(worker_.Submit(std::move(job)));
  return worker_.Submit(std::move(correct));
}

SinkCounters ElasticsearchSink::counters() const {
  const BulkWorkerStats w = worker_.stats();
  SinkCounters c;
  c.reported = SinkCounters::kInFlight | SinkCounters::kQueued | SinkCounters::kAcked |
               SinkCounters::kRetried | SinkCounters::kFailed | SinkCounters::kDeadLettered;
  c.in_flight = w.in_flight_items;
  c.queued = w.queued_items;
  c.acked = w.items;
  c.dead_lettered = w.dead_letters;
  c.retried = worker_.counters().retries.load(std::memory_order_relaxed);
  c.failed = worker_.counters().failures.load(std::memory_order_relaxed);
  if (const int64_t since = worker_.counters().retrying_since_ms.load(std::memory_order_relaxed);
      since != 0) {
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    if (now - since >= 5000) {
      c.problem = "elasticsearch requests failing and retried for " +
                  std::to_string((now - since) / 1000) + " s";
    }
  }
  return c;
}

}  // namespace walcast::sinks::elasticsearch
