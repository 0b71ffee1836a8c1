#include "sinks/elasticsearch/es_sink.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>
#include <utility>

#include "core/json_writer.h"
#include "core/log.h"
#include "sinks/elasticsearch/http_status.h"

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

// Deletes the documents of `index` that match `query_json` (a query
// object) and whose version is at most `version`, with versioned bulk
// deletes: a document written by a later change survives, and a replay
// deletes nothing newer. Scrolls over a refreshed view, so it needs only
// the core search and bulk APIs (no _delete_by_query, which lives in a
// module not every distribution loads). A missing index counts as done.
Status DeleteMatching(HttpTransport& transport, const std::string& index,
                      std::string_view query_json, int64_t version) {
  if (!UrlSafeIndexName(index)) {
    return Status::InvalidArgument("elasticsearch: cannot delete from index '" + index + "'");
  }
  WALCAST_ASSIGN_OR_RETURN(HttpResponse refreshed,
                           transport.Send(HttpMethod::kPost, "/" + index + "/_refresh", {},
                                          ContentType::kJson));
  if (refreshed.status == 404) return Status::Ok();
  if (!refreshed.ok()) return StatusFromHttp(refreshed, "_refresh on " + index);
  std::string body = R"({"size":1000,"_source":false,"version":true,"query":)";
  body.append(query_json).push_back('}');
  WALCAST_ASSIGN_OR_RETURN(HttpResponse page,
                           transport.Send(HttpMethod::kPost, "/" + index + "/_search?scroll=1m",
                                          body, ContentType::kJson));
  if (page.status == 404) return Status::Ok();
  BulkClientOptions client_options;
  client_options.max_attempts = 5;
  BulkClient client(transport, client_options);
  std::string scroll_id;
  Status status;
  while (status.ok()) {
    if (!page.ok()) {
      status = StatusFromHttp(page, "search of " + index);
      break;
    }
    rapidjson::Document d;
    d.Parse(page.body.c_str());
    if (!d.IsObject() || !d.HasMember("hits") || !d["hits"].HasMember("hits") ||
        !d["hits"]["hits"].IsArray()) {
      status = Status::Corruption("elasticsearch: search of " + index + " answered no hits list");
      break;
    }
    if (d.HasMember("_scroll_id") && d["_scroll_id"].IsString()) {
      scroll_id = d["_scroll_id"].GetString();
    }
    const auto& hits = d["hits"]["hits"];
    if (hits.Empty()) break;
    BulkRequestBuilder deletes({}, VersionType::kExternalGte);
    for (const auto& hit : hits.GetArray()) {
      if (!hit.HasMember("_id") || !hit["_id"].IsString()) continue;
      if (hit.HasMember("_version") && hit["_version"].IsInt64() &&
          hit["_version"].GetInt64() > version) {
        continue;  // written by a later change
      }
      status = deletes.Delete(index, hit["_id"].GetString(), version);
      if (!status.ok()) break;
    }
    if (!status.ok()) break;
    if (!deletes.empty()) {
      Result<BulkResult> sent = client.Send(deletes.Take());
      if (!sent.ok()) {
        status = sent.status();
        break;
      }
    }
    rapidjson::StringBuffer next;
    rapidjson::Writer<rapidjson::StringBuffer> w(next);
    w.StartObject();
    w.Key("scroll");
    w.String("1m");
    w.Key("scroll_id");
    json::String(w, scroll_id);
    w.EndObject();
    Result<HttpResponse> more = transport.Send(
        HttpMethod::kPost, "/_search/scroll", std::string_view(next.GetString(), next.GetSize()),
        ContentType::kJson);
    if (!more.ok()) {
      status = more.status();
      break;
    }
    page = std::move(*more);
  }
  if (!scroll_id.empty()) {
    // Frees the server's view early; it expires by itself otherwise.
    (void)transport.Send(HttpMethod::kDelete, "/_search/scroll",
                         R"({"scroll_id":[")" + scroll_id + R"("]})", ContentType::kJson);
  }
  return status;
}

}  // namespace

Status DeleteSuperseded(HttpTransport& transport, const std::vector<SupersedeDelete>& deletes) {
  struct Group {
    std::vector<const std::string*> values;
    int64_t version = 0;
  };
  std::map<std::pair<std::string, std::string>, Group> grouped;
  for (const SupersedeDelete& d : deletes) {
    Group& g = grouped[{d.index, d.field}];
    g.values.push_back(&d.value);
    g.version = std::max(g.version, d.version);
  }
  for (const auto& [where, group] : grouped) {
    const auto& [index, field] = where;
    rapidjson::StringBuffer query;
    rapidjson::Writer<rapidjson::StringBuffer> w(query);
    w.StartObject();
    w.Key("terms");
    w.StartObject();
    json::String(w, field);
    w.StartArray();
    for (const std::string* value : group.values) json::String(w, *value);
    w.EndArray();
    w.EndObject();
    w.EndObject();
    // The superseding documents themselves carry the new updateId: only
    // their predecessors match.
    WALCAST_RETURN_IF_ERROR(DeleteMatching(
        transport, index, std::string_view(query.GetString(), query.GetSize()), group.version));
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
    return Truncate(action_.index, VersionOf(txn));
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
      supersedes_.push_back(
          {action.index, action.supersede_field, action.supersede_value, version});
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
    job.done = [acker = acker(), through, items = job.request.size()](const Status& status) {
      if (!status.ok()) return;
      log::Debug("elasticsearch: durable", {{"through", through.ToString()}, {"items", items}});
      acker.AckThrough(through);
    };
  }
  dispatched_through_ = through;
  return worker_.Submit(std::move(job));
}

Status ElasticsearchSink::Truncate(const std::string& index, int64_t version) {
  WALCAST_RETURN_IF_ERROR(Dispatch());
  BulkJob job;
  job.task = [index, name = name_, version](HttpTransport& transport) -> Status {
    WALCAST_RETURN_IF_ERROR(DeleteMatching(transport, index, R"({"match_all":{}})", version));
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
  const BulkWorkerStats stats = worker_.stats();
  log::Info("elasticsearch: stopped", {{"bulk_requests", stats.requests},
                                       {"documents", stats.items},
                                       {"dead_letters", stats.dead_letters}});
  return status;
}

}  // namespace walcast::sinks::elasticsearch
