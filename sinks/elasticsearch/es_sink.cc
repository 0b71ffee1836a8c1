#include "sinks/elasticsearch/es_sink.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
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

void WriteString(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// POST /INDEX/_delete_by_query with `query_json` ({"query": …}); a missing
// index counts as done.
Status DeleteByQuery(HttpTransport& transport, const std::string& index,
                     std::string_view query_json) {
  if (!UrlSafeIndexName(index)) {
    return Status::InvalidArgument("elasticsearch: cannot delete from index '" + index + "'");
  }
  // conflicts=proceed: a document changed meanwhile is left alone (a change
  // that came later); refresh so later searches see the result.
  const std::string path = "/" + index + "/_delete_by_query?conflicts=proceed&refresh=true";
  WALCAST_ASSIGN_OR_RETURN(HttpResponse response,
                           transport.Send(HttpMethod::kPost, path, query_json, ContentType::kJson));
  if (response.ok() || response.status == 404) return Status::Ok();
  const std::string what = "elasticsearch: _delete_by_query on " + index + " answered HTTP " +
                           std::to_string(response.status);
  if (response.status == 429 || response.status >= 500) return Status::Unavailable(what);
  return Status::Fatal(what);
}

}  // namespace

Status DeleteSuperseded(HttpTransport& transport, const std::vector<SupersedeDelete>& deletes) {
  std::map<std::pair<std::string, std::string>, std::vector<const std::string*>> grouped;
  for (const SupersedeDelete& d : deletes) grouped[{d.index, d.field}].push_back(&d.value);
  for (const auto& [where, values] : grouped) {
    const auto& [index, field] = where;
    if (!UrlSafeIndexName(index)) {
      return Status::InvalidArgument("elasticsearch: cannot delete from index '" + index + "'");
    }
    WALCAST_ASSIGN_OR_RETURN(HttpResponse refreshed,
                             transport.Send(HttpMethod::kPost, "/" + index + "/_refresh", {},
                                            ContentType::kJson));
    if (!refreshed.ok() && refreshed.status != 404) {
      return Status::Unavailable("elasticsearch: _refresh on " + index + " answered HTTP " +
                                 std::to_string(refreshed.status));
    }
    rapidjson::StringBuffer query;
    rapidjson::Writer<rapidjson::StringBuffer> w(query);
    w.StartObject();
    w.Key("query");
    w.StartObject();
    w.Key("terms");
    w.StartObject();
    WriteString(w, field);
    w.StartArray();
    for (const std::string* value : values) WriteString(w, *value);
    w.EndArray();
    w.EndObject();
    w.EndObject();
    w.EndObject();
    WALCAST_RETURN_IF_ERROR(
        DeleteByQuery(transport, index, std::string_view(query.GetString(), query.GetSize())));
  }
  return Status::Ok();
}

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
  } else if (action_.kind == DocumentAction::Kind::kTruncate) {
    return Truncate(action_.index);
  } else if (action_.kind != DocumentAction::Kind::kSkip) {
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
  } else {
    WALCAST_RETURN_IF_ERROR(builder_.Index(action.index, action.id, action.source, version));
    if (!action.supersede_field.empty() && !action.supersede_value.empty()) {
      supersedes_.push_back({action.index, action.supersede_field, action.supersede_value});
    }
  }
  origins_.push_back({action.table, action.key, lsn});
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
  if (builder_.empty() && committed_through_ == dispatched_through_) return Status::Ok();
  BulkJob job;
  job.request = builder_.Take();
  job.origins = std::move(origins_);
  origins_.clear();
  if (!supersedes_.empty()) {
    job.after = [supersedes = std::move(supersedes_)](HttpTransport& transport) {
      return DeleteSuperseded(transport, supersedes);
    };
    supersedes_.clear();
  }
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
  WALCAST_RETURN_IF_ERROR(Dispatch());
  BulkJob job;
  job.task = [index, name = name_](HttpTransport& transport) -> Status {
    WALCAST_RETURN_IF_ERROR(DeleteByQuery(transport, index, R"({"query":{"match_all":{}}})"));
    log::Info(name + ": truncate applied", {{"index", index}});
    return Status::Ok();
  };
  return worker_.Submit(std::move(job));
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
