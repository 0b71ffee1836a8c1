#include "sinks/elasticsearch/lookup_index.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <functional>
#include <optional>
#include <string_view>

#include "core/config.h"
#include "core/json_writer.h"
#include "core/log.h"
#include "sinks/elasticsearch/http_status.h"
#include "sinks/elasticsearch/lookup_fields.h"
#include "sinks/elasticsearch/search_delete.h"

namespace walcast::sinks::elasticsearch {
namespace {

constexpr std::string_view kIndexOptions = "ignore_unavailable=true&allow_no_indices=true";
constexpr size_t kChangesPerSearch = 50;  // keeps each query far below max_clause_count
constexpr size_t kWritesPerRequest = 500;

// The profile's sides as walcast writes them (profile_json.cc): idrepo's
// newProfile/oldProfile, Annexure A's new/old; flat profiles hold their
// documents in the profile itself.
constexpr std::string_view kNewSides[] = {"newProfile", "new"};
constexpr std::string_view kOldSides[] = {"oldProfile", "old"};
constexpr std::string_view kDocumentFields[] = {"profile.documents", "profile.newProfile.documents",
                                                "profile.oldProfile.documents",
                                                "profile.new.documents", "profile.old.documents"};

using PageFn = std::function<Status(const rapidjson::Value& hits)>;

const rapidjson::Value* Member(const rapidjson::Value* object, std::string_view name) {
  if (object == nullptr || !object->IsObject()) return nullptr;
  const auto it = object->FindMember(rapidjson::Value(
      rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  return it == object->MemberEnd() ? nullptr : &it->value;
}

// A JSON value's text: strings as they are, numbers and booleans as JSON
// writes them; nullopt for null, missing, arrays and objects.
std::optional<std::string> JsonText(const rapidjson::Value* value) {
  if (value == nullptr || value->IsNull() || value->IsObject() || value->IsArray()) {
    return std::nullopt;
  }
  if (value->IsString()) return std::string(value->GetString(), value->GetStringLength());
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  value->Accept(w);
  return std::string(out.GetString(), out.GetSize());
}

// The document codes of a stored profile: the new side's, else the old
// side's, else a flat profile's own.
const rapidjson::Value* StoredDocuments(const rapidjson::Value* profile) {
  for (const auto* sides : {&kNewSides, &kOldSides}) {
    for (const std::string_view side : *sides) {
      const rapidjson::Value* snapshot = Member(profile, side);
      if (snapshot != nullptr && snapshot->IsObject()) return Member(snapshot, "documents");
    }
  }
  return Member(profile, "documents");
}

// The target keys' values in a stored document.
std::vector<LookupKeyInput> SourceInputs(const LookupSpec& spec, const rapidjson::Value& source) {
  std::vector<LookupKeyInput> inputs;
  const rapidjson::Value* profile = Member(&source, "profile");
  for (const LookupTargetKey& key : spec.target_keys) {
    LookupKeyInput& input = inputs.emplace_back();
    if (key.column == kProfileDocuments) {
      const rapidjson::Value* documents = StoredDocuments(profile);
      if (documents == nullptr || !documents->IsArray()) continue;
      input.list.emplace();
      for (const rapidjson::Value& code : documents->GetArray()) {
        if (code.IsString()) input.list->emplace_back(code.GetString(), code.GetStringLength());
      }
    } else if (key.column == kProfileCenter) {
      input.scalar = JsonText(Member(profile, "enrollmentCenterId"));
    } else {
      input.scalar = JsonText(Member(&source, key.column));
    }
  }
  return inputs;
}

std::vector<std::string_view> KeyFields(const LookupTargetKey& key) {
  if (key.column == kProfileDocuments)
    return {std::begin(kDocumentFields), std::end(kDocumentFields)};
  return {key.column};
}

using Writer = JsonWriter;  // column_json.h

// Documents whose key `key` may be `value`: a lenient match (a value that
// does not fit a numeric or date field matches nothing there instead of
// failing the search), or, when `value` is the default, no field at all.
void WriteKeyClause(Writer& w, const LookupTargetKey& key, const std::string& value) {
  w.StartObject();
  w.Key("bool");
  w.StartObject();
  w.Key("should");
  w.StartArray();
  for (const std::string_view field : KeyFields(key)) {
    w.StartObject();
    w.Key("match");
    w.StartObject();
    json::Key(w, field);
    w.StartObject();
    w.Key("query");
    json::String(w, value);
    w.Key("lenient");
    w.Bool(true);
    w.EndObject();
    w.EndObject();
    w.EndObject();
  }
  if (key.default_value && *key.default_value == value) {
    w.StartObject();
    w.Key("bool");
    w.StartObject();
    w.Key("must_not");
    w.StartObject();
    w.Key("exists");
    w.StartObject();
    w.Key("field");
    json::String(w, KeyFields(key).front());
    w.EndObject();
    w.EndObject();
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.Key("minimum_should_match");
  w.Int(1);
  w.EndObject();
  w.EndObject();
}

// The search body for documents holding any of `changes`' keys.
std::string CorrectionSearch(const LookupSpec& spec, const LookupChange* changes, size_t count) {
  rapidjson::StringBuffer out;
  Writer w(out);
  w.StartObject();
  w.Key("size");
  w.Int(static_cast<int>(kWritesPerRequest));
  w.Key("version");
  w.Bool(true);
  w.Key("query");
  w.StartObject();
  w.Key("bool");
  w.StartObject();
  w.Key("should");
  w.StartArray();
  for (size_t c = 0; c < count; ++c) {
    w.StartObject();
    w.Key("bool");
    w.StartObject();
    w.Key("filter");
    w.StartArray();
    for (size_t k = 0; k < spec.target_keys.size() && k < changes[c].key.size(); ++k) {
      WriteKeyClause(w, spec.target_keys[k], changes[c].key[k]);
    }
    w.EndArray();
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.Key("minimum_should_match");
  w.Int(1);
  w.EndObject();
  w.EndObject();
  w.EndObject();
  return std::string(out.GetString(), out.GetSize());
}

// Refreshes `index` (a name or pattern), then hands every page of the
// search to `on_page`.
Status ScrollAll(HttpTransport& transport, const std::string& index, std::string_view body,
                 const PageFn& on_page) {
  const std::string what = "lookups: search of " + index;
  WALCAST_ASSIGN_OR_RETURN(
      HttpResponse refreshed,
      transport.Send(HttpMethod::kPost, "/" + index + "/_refresh?" + std::string(kIndexOptions), {},
                     ContentType::kJson));
  if (refreshed.status == 404) return Status::Ok();
  WALCAST_RETURN_IF_ERROR(StatusFromHttp(refreshed, "lookups: _refresh of " + index));
  WALCAST_ASSIGN_OR_RETURN(HttpResponse page, transport.Send(HttpMethod::kPost,
                                                             "/" + index + "/_search?scroll=1m&" +
                                                                 std::string(kIndexOptions),
                                                             body, ContentType::kJson));
  if (page.status == 404) return Status::Ok();
  std::string scroll_id;
  Status status;
  while (true) {
    status = StatusFromHttp(page, what);
    if (!status.ok()) break;
    rapidjson::Document d;
    d.Parse(page.body.c_str());
    const rapidjson::Value* hits = Member(Member(&d, "hits"), "hits");
    if (hits == nullptr || !hits->IsArray()) {
      status = Status::Corruption(what + " answered no hits list");
      break;
    }
    if (const rapidjson::Value* id = Member(&d, "_scroll_id"); id != nullptr && id->IsString()) {
      scroll_id = id->GetString();
    }
    if (hits->Empty()) break;
    status = on_page(*hits);
    if (!status.ok() || scroll_id.empty()) break;
    Result<HttpResponse> answer = NextScrollPage(transport, scroll_id);
    if (!answer.ok()) {
      status = answer.status();
      break;
    }
    page = std::move(*answer);
  }
  if (!scroll_id.empty()) {
    // Frees the server's view early; it expires by itself otherwise.
    (void)transport.Send(HttpMethod::kDelete, "/_search/scroll",
                         R"({"scroll_id":[")" + scroll_id + R"("]})", ContentType::kJson);
  }
  return status;
}

// The stored field as JSON text, or "" when absent.
std::string FieldJson(const rapidjson::Value* field) {
  if (field == nullptr) return {};
  rapidjson::StringBuffer out;
  Writer w(out);
  field->Accept(w);
  return std::string(out.GetString(), out.GetSize());
}

std::string ValueJson(const LookupFieldValue& value) {
  if (value.kind == LookupFieldValue::Kind::kAbsent) return {};
  rapidjson::StringBuffer out;
  Writer w(out);
  WriteLookupValue(w, value);
  return std::string(out.GetString(), out.GetSize());
}

// The stored _source with `field` replaced by `value` (removed if absent).
std::string Rewritten(const rapidjson::Value& source, std::string_view field,
                      const LookupFieldValue& value) {
  rapidjson::StringBuffer out;
  Writer w(out);
  w.StartObject();
  for (const auto& member : source.GetObject()) {
    if (std::string_view(member.name.GetString(), member.name.GetStringLength()) == field) {
      continue;
    }
    w.Key(member.name.GetString(), member.name.GetStringLength());
    member.value.Accept(w);
  }
  if (value.kind != LookupFieldValue::Kind::kAbsent) {
    json::Key(w, field);
    WriteLookupValue(w, value);
  }
  w.EndObject();
  return std::string(out.GetString(), out.GetSize());
}

// Corrects the hits of one page for lookup `lookup`.
Status CorrectPage(const BulkSend& send, const LookupStore& store, size_t lookup,
                   const rapidjson::Value& hits) {
  const LookupSpec& spec = store.specs()[lookup];
  BulkRequestBuilder writes({}, VersionType::kExternalGte);
  for (const rapidjson::Value& hit : hits.GetArray()) {
    const rapidjson::Value* index = Member(&hit, "_index");
    const rapidjson::Value* id = Member(&hit, "_id");
    const rapidjson::Value* version = Member(&hit, "_version");
    const rapidjson::Value* source = Member(&hit, "_source");
    if (index == nullptr || !index->IsString() || id == nullptr || !id->IsString() ||
        version == nullptr || !version->IsInt64() || source == nullptr || !source->IsObject()) {
      continue;
    }
    const LookupFieldValue value = ResolveLookup(store, lookup, SourceInputs(spec, *source));
    if (ValueJson(value) == FieldJson(Member(source, spec.output_field))) continue;
    WALCAST_RETURN_IF_ERROR(writes.Index(index->GetString(), id->GetString(),
                                         Rewritten(*source, spec.output_field, value),
                                         version->GetInt64()));
  }
  if (writes.empty()) return Status::Ok();
  // A superseded write (409: a newer change rewrote the document
  // meanwhile) is left alone on purpose: that change was built with the
  // store as it is now.
  const BulkRequest request = writes.Take();
  WALCAST_ASSIGN_OR_RETURN(const BulkResult result, send(request));
  const std::vector<size_t> refused = result.Rejected();
  if (!refused.empty()) {
    // The documents keep their old field; the reason may quote values.
    log::Warn("elasticsearch: lookup corrections refused by the server",
              {{"lookup", spec.name},
               {"index", request.action(refused.front()).index},
               {"error_type", result.items[refused.front()].error_type},
               {"documents", refused.size()}});
  }
  return Status::Ok();
}

}  // namespace

Status LoadLookupTables(HttpTransport& transport, const std::string& index_prefix,
                        LookupStore* store) {
  for (const std::string& table : store->Tables()) {
    const std::string index = LowerAscii(index_prefix + "." + table);
    size_t rows = 0;
    WALCAST_RETURN_IF_ERROR(ScrollAll(transport, index, R"({"size":1000,"query":{"match_all":{}}})",
                                      [&](const rapidjson::Value& hits) -> Status {
                                        for (const rapidjson::Value& hit : hits.GetArray()) {
                                          const rapidjson::Value* id = Member(&hit, "_id");
                                          const rapidjson::Value* source = Member(&hit, "_source");
                                          if (id == nullptr || !id->IsString() || source == nullptr)
                                            continue;
                                          WALCAST_RETURN_IF_ERROR(store->PutRow(
                                              table, id->GetString(), [&](std::string_view column) {
                                                return JsonText(Member(source, column));
                                              }));
                                          ++rows;
                                        }
                                        return Status::Ok();
                                      }));
    log::Info("elasticsearch: lookup table loaded from its index",
              {{"table", table}, {"index", index}, {"rows", rows}});
  }
  return Status::Ok();
}

Status CorrectLookupFields(HttpTransport& transport, const BulkSend& send, const LookupStore& store,
                           const std::string& index_prefix,
                           const std::vector<LookupChange>& changes) {
  // Changes come sorted by lookup (LookupStore::TakeChanges).
  for (size_t begin = 0; begin < changes.size();) {
    const size_t lookup = changes[begin].lookup;
    size_t end = begin;
    while (end < changes.size() && changes[end].lookup == lookup &&
           end - begin < kChangesPerSearch) {
      ++end;
    }
    const LookupSpec& spec = store.specs()[lookup];
    const std::string body = CorrectionSearch(spec, &changes[begin], end - begin);
    for (const std::string& pattern : spec.target_tables) {
      WALCAST_RETURN_IF_ERROR(ScrollAll(
          transport, LowerAscii(index_prefix + "." + pattern), body,
          [&](const rapidjson::Value& hits) { return CorrectPage(send, store, lookup, hits); }));
    }
    begin = end;
  }
  return Status::Ok();
}

}  // namespace walcast::sinks::elasticsearch
