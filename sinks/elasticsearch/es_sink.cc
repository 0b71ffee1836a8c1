#include "sinks/elasticsearch/es_sink.h"

#include <utility>

#include "core/log.h"

namespace walcast::sinks::elasticsearch {
namespace {

// Elasticsearch index names: lower case, no path or wildcard characters.
bool UrlSafeIndexName(std::string_view index) {
  if (index.empty()) return false;
  for (const char c : index) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                    c == '-' || c == '+';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

ElasticsearchSink::ElasticsearchSink(std::unique_ptr<HttpTransport> transport,
                                     std::unique_ptr<DocumentMapper> mapper,
                                     ElasticsearchSinkOptions options)
    : options_(std::move(options)),
      mapper_(std::move(mapper)),
      worker_(std::move(transport), options_.worker),
      builder_({}, VersionType::kExternalGte) {
  name_ = options_.worker.name;
}

ElasticsearchSink::~ElasticsearchSink() { worker_.Stop(); }

int64_t ElasticsearchSink::VersionOf(const TransactionInfo& txn) {
  const uint64_t lsn = txn.commit_lsn.value();
  const uint64_t version = txn.snapshot && lsn > 0 ? lsn - 1 : lsn;
  // LSNs stay below 2^63 (Elasticsearch's limit) for any real server.
  return static_cast<int64_t>(version & ~(uint64_t{1} << 63));
}

Status ElasticsearchSink::OnBegin(const TransactionInfo& /*txn*/) { return worker_.failure(); }

Status ElasticsearchSink::OnChange(const TransactionInfo& txn, const ChangeEvent& event) {
  action_.Clear();
  const Status mapped = mapper_->Map(txn, event, &action_);
  if (mapped.code() == Status::Code::kRejected) {
    WALCAST_RETURN_IF_ERROR(AppendDeadLetter(txn, action_, mapped));
  } else if (!mapped.ok()) {
    return mapped;
  } else {
    const int64_t version = VersionOf(txn);
    switch (action_.kind) {
      case DocumentAction::Kind::kSkip:
        return Status::Ok();
      case DocumentAction::Kind::kIndex:
        WALCAST_RETURN_IF_ERROR(builder_.Index(action_.index, action_.id, action_.source, version));
        break;
      case DocumentAction::Kind::kDelete:
        WALCAST_RETURN_IF_ERROR(builder_.Delete(action_.index, action_.id, version));
        break;
      case DocumentAction::Kind::kTruncate:
        return Truncate(action_.index);
    }
    origins_.push_back({std::move(action_.table), std::move(action_.key), txn.commit_lsn});
  }
  if (builder_.Full(options_.limits)) return Dispatch();
  return Status::Ok();
}

Status ElasticsearchSink::AppendDeadLetter(const TransactionInfo& txn,
                                           const DocumentAction& action, const Status& reason) {
  if (options_.worker.dead_letter_index.empty()) {
    return Status::Fatal(name_ + ": a change of " + action.table +
                         " cannot be indexed and no dead-letter index is configured: " +
                         reason.message());
  }
  // The reason may quote the row: it goes to the dead-letter index only.
  log::Warn(name_ + ": change not indexable; written to the dead-letter index",
            {{"table", action.table},
             {"lsn", txn.commit_lsn.ToString()},
             {"dead_letter_index", options_.worker.dead_letter_index}});
  const ItemOrigin origin{action.table, action.key, txn.commit_lsn};
  const DeadLetter letter{.index = action.index,
                          .id = action.id,
                          .operation = action.kind == DocumentAction::Kind::kDelete ? "delete"
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
  return Status::Ok();
}

Status ElasticsearchSink::OnCommit(const TransactionInfo& txn) {
  committed_through_ = txn.end_lsn;
  if (builder_.Full(options_.limits)) return Dispatch();
  return worker_.failure();
}

Status ElasticsearchSink::Dispatch() {
  if (builder_.empty() && committed_through_ == dispatched_through_) return Status::Ok();
  BulkJob job;
  job.request = builder_.Take();
  job.origins = std::move(origins_);
  origins_.clear();
  const Lsn through = committed_through_;
  if (through != dispatched_through_) {
    job.done = [acker = acker(), through](const Status& status) {
      if (status.ok()) acker.AckThrough(through);
    };
  }
  dispatched_through_ = through;
  return worker_.Submit(std::move(job));
}

Status ElasticsearchSink::Truncate(const std::string& index) {
  if (!UrlSafeIndexName(index)) {
    return Status::InvalidArgument(name_ + ": cannot truncate index '" + index + "'");
  }
  WALCAST_RETURN_IF_ERROR(Dispatch());
  BulkJob job;
  job.task = [index, name = name_](HttpTransport& transport) -> Status {
    // conflicts=proceed: a document changed meanwhile is left alone (a
    // change after the truncate); refresh so later searches see the result.
    const std::string path = "/" + index + "/_delete_by_query?conflicts=proceed&refresh=true";
    WALCAST_ASSIGN_OR_RETURN(
        HttpResponse response,
        transport.Send(HttpMethod::kPost, path, R"({"query":{"match_all":{}}})", ContentType::kJson));
    if (response.ok() || response.status == 404) {
      log::Info(name + ": truncate applied", {{"index", index}});
      return Status::Ok();
    }
    const std::string what = name + ": _delete_by_query on " + index + " answered HTTP " +
                             std::to_string(response.status);
    if (response.status == 429 || response.status >= 500) return Status::Unavailable(what);
    return Status::Fatal(what);
  };
  return worker_.Submit(std::move(job));
}

void ElasticsearchSink::OnRewind() {
  // Everything not yet dispatched belongs to transactions above the
  // watermark; they come again. Jobs already with the worker go on (they
  // write what the replay writes again).
  builder_.Take();
  origins_.clear();
  committed_through_ = dispatched_through_;
}

Status ElasticsearchSink::OnTick(std::chrono::steady_clock::time_point now) {
  WALCAST_RETURN_IF_ERROR(worker_.failure());
  if (builder_.Due(options_.limits, now) ||
      (builder_.empty() && committed_through_ != dispatched_through_)) {
    return Dispatch();
  }
  return Status::Ok();
}

Status ElasticsearchSink::Flush(std::chrono::milliseconds timeout) {
  WALCAST_RETURN_IF_ERROR(Dispatch());
  return worker_.Drain(timeout);
}

Status ElasticsearchSink::Close(std::chrono::milliseconds timeout) {
  if (closed_) return Status::Ok();
  closed_ = true;
  Status status = Flush(timeout);
  worker_.Stop();
  return status;
}

}  // namespace walcast::sinks::elasticsearch
