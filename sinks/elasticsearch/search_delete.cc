#include "sinks/elasticsearch/search_delete.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "core/json_writer.h"
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

// One page of a scroll: the _id and _version of each hit.
struct Hit {
  std::string id;
  std::optional<int64_t> version;
};

// Reads a search or scroll answer into *hits, and its scroll id, when it
// has one, into *scroll_id.
Status ParsePage(const HttpResponse& answer, const std::string& index, std::vector<Hit>* hits,
                 std::string* scroll_id) {
  if (!answer.ok()) return StatusFromHttp(answer, "search of " + index);
  rapidjson::Document d;
  d.Parse(answer.body.c_str());
  if (!d.IsObject() || !d.HasMember("hits") || !d["hits"].HasMember("hits") ||
      !d["hits"]["hits"].IsArray()) {
    return Status::Corruption("elasticsearch: search of " + index + " answered no hits list");
  }
  if (d.HasMember("_scroll_id") && d["_scroll_id"].IsString()) {
    *scroll_id = d["_scroll_id"].GetString();
  }
  hits->clear();
  for (const auto& hit : d["hits"]["hits"].GetArray()) {
    if (!hit.HasMember("_id") || !hit["_id"].IsString()) continue;
    Hit& h = hits->emplace_back(Hit{hit["_id"].GetString(), std::nullopt});
    if (hit.HasMember("_version") && hit["_version"].IsInt64()) {
      h.version = hit["_version"].GetInt64();
    }
  }
  return Status::Ok();
}

// Deletes the hits no later change wrote, with `version`.
Status DeleteHits(const BulkSend& send, const std::string& index, const std::vector<Hit>& hits,
                  int64_t version) {
  BulkRequestBuilder deletes({}, VersionType::kExternalGte);
  for (const Hit& hit : hits) {
    if (hit.version && *hit.version > version) continue;  // written by a later change
    WALCAST_RETURN_IF_ERROR(deletes.Delete(index, hit.id, version));
  }
  if (deletes.empty()) return Status::Ok();
  return send(deletes.Take()).status();
}

// The first page of the matches over a refreshed view, or nullopt when the
// index does not exist.
Result<std::optional<HttpResponse>> OpenScroll(HttpTransport& transport, const std::string& index,
                                               std::string_view query_json) {
  WALCAST_ASSIGN_OR_RETURN(HttpResponse refreshed,
                           transport.Send(HttpMethod::kPost, "/" + index + "/_refresh", {},
                                          ContentType::kJson));
  if (refreshed.status == 404) return std::optional<HttpResponse>();
  WALCAST_RETURN_IF_ERROR(StatusFromHttp(refreshed, "_refresh on " + index));
  std::string body = R"({"size":1000,"_source":false,"version":true,"query":)";
  body.append(query_json).push_back('}');
  WALCAST_ASSIGN_OR_RETURN(HttpResponse page,
                           transport.Send(HttpMethod::kPost, "/" + index + "/_search?scroll=1m",
                                          body, ContentType::kJson));
  if (page.status == 404) return std::optional<HttpResponse>();
  return std::optional<HttpResponse>(std::move(page));
}


// Deletes page after page until a page has no hits.
Status DeletePages(HttpTransport& transport, const BulkSend& send, const std::string& index,
                   int64_t version, HttpResponse answer, std::string* scroll_id) {
  std::vector<Hit> hits;
  while (true) {
    WALCAST_RETURN_IF_ERROR(ParsePage(answer, index, &hits, scroll_id));
    if (hits.empty()) return Status::Ok();
    WALCAST_RETURN_IF_ERROR(DeleteHits(send, index, hits, version));
    WALCAST_ASSIGN_OR_RETURN(answer, NextScrollPage(transport, *scroll_id));
  }
}

// {"terms": {field: [values…]}}
std::string TermsQuery(const std::string& field, const std::vector<const std::string*>& values) {
  rapidjson::StringBuffer query;
  rapidjson::Writer<rapidjson::StringBuffer> w(query);
  w.StartObject();
  w.Key("terms");
  w.StartObject();
  json::String(w, field);
  w.StartArray();
  for (const std::string* value : values) json::String(w, *value);
  w.EndArray();
  w.EndObject();
  w.EndObject();
  return std::string(query.GetString(), query.GetSize());
}

}  // namespace

Result<HttpResponse> NextScrollPage(HttpTransport& transport, const std::string& scroll_id) {
  rapidjson::StringBuffer next;
  rapidjson::Writer<rapidjson::StringBuffer> w(next);
  w.StartObject();
  w.Key("scroll");
  w.String("1m");
  w.Key("scroll_id");
  json::String(w, scroll_id);
  w.EndObject();
  return transport.Send(HttpMethod::kPost, "/_search/scroll",
                        std::string_view(next.GetString(), next.GetSize()), ContentType::kJson);
}

Status DeleteMatching(HttpTransport& transport, const BulkSend& send, const std::string& index,
                      std::string_view query_json, int64_t version) {
  if (!UrlSafeIndexName(index)) {
    return Status::InvalidArgument("elasticsearch: cannot delete from index '" + index + "'");
  }
  WALCAST_ASSIGN_OR_RETURN(std::optional<HttpResponse> first,
                           OpenScroll(transport, index, query_json));
  if (!first) return Status::Ok();
  std::string scroll_id;
  const Status status = DeletePages(transport, send, index, version, std::move(*first), &scroll_id);
  if (!scroll_id.empty()) {
    // Frees the server's view early; it expires by itself otherwise.
    (void)transport.Send(HttpMethod::kDelete, "/_search/scroll",
                         R"({"scroll_id":[")" + scroll_id + R"("]})", ContentType::kJson);
  }
  return status;
}

Status DeleteSuperseded(HttpTransport& transport, const BulkSend& send,
                        const std::vector<SupersedeDelete>& deletes) {
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
    // The superseding documents themselves carry the new updateId: only
    // their predecessors match.
    WALCAST_RETURN_IF_ERROR(
        DeleteMatching(transport, send, index, TermsQuery(field, group.values), group.version));
  }
  return Status::Ok();
}

}  // namespace walcast::sinks::elasticsearch
