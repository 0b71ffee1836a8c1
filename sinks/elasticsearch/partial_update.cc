#include "sinks/elasticsearch/partial_update.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>
#include <string>
#include <string_view>

#include "sinks/elasticsearch/http_status.h"

namespace walcast::sinks::elasticsearch {
namespace {

bool Unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

// The stored document merged with the update's members, or nullopt when
// the document is missing.
Result<std::optional<std::string>> Merge(HttpTransport& transport, const BulkAction& action,
                                         std::string_view partial_line) {
  std::string path = "/" + EscapePathSegment(action.index) + "/_doc/" +
                     EscapePathSegment(action.id) + "?_source=true";
  if (!action.routing.empty()) path += "&routing=" + EscapePathSegment(action.routing);
  const Result<HttpResponse> answer = transport.Get(path);
  if (answer.ok() && answer->status == 404) return std::optional<std::string>();  // no document
  WALCAST_RETURN_IF_ERROR(StatusFromHttp(answer, "partial update: GET of the stored document"));

  rapidjson::Document stored;
  stored.Parse(answer->body.data(), answer->body.size());
  if (stored.HasParseError() || !stored.IsObject()) {
    return Status::Corruption("partial update: the stored document's answer is not JSON");
  }
  const auto found = stored.FindMember("found");
  if (found != stored.MemberEnd() && found->value.IsBool() && !found->value.GetBool()) {
    return std::optional<std::string>();
  }
  const auto source = stored.FindMember("_source");
  if (source == stored.MemberEnd() || !source->value.IsObject()) {
    return Status::Corruption("partial update: the stored document has no _source");
  }
  rapidjson::Document update;
  update.Parse(partial_line.data(), partial_line.size());
  if (update.HasParseError() || !update.IsObject() || !update.HasMember("doc") ||
      !update["doc"].IsObject()) {
    return Status::Internal("partial update: the update line is not {\"doc\":{…}}");
  }
  rapidjson::Value& target = source->value;
  for (auto& member : update["doc"].GetObject()) {
    const auto existing = target.FindMember(member.name);
    if (existing != target.MemberEnd()) {
      existing->value.CopyFrom(member.value, stored.GetAllocator());
    } else {
      target.AddMember(rapidjson::Value(member.name, stored.GetAllocator()),
                       rapidjson::Value(member.value, stored.GetAllocator()),
                       stored.GetAllocator());
    }
  }
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  target.Accept(w);
  return std::optional<std::string>(std::string(out.GetString(), out.GetSize()));
}

}  // namespace

std::string EscapePathSegment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (Unreserved(c)) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

Result<BulkRequest> ResolvePartialUpdates(HttpTransport& transport, const BulkRequest& request) {
  // One builder writes a request: its actions share one version type.
  BulkRequestBuilder builder(
      {}, request.empty() ? VersionType::kExternal : request.action(0).version_type);
  for (size_t i = 0; i < request.size(); ++i) {
    const BulkAction& action = request.action(i);
    if (action.op == BulkOp::kUpdate && action.version) {
      WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> merged,
                               Merge(transport, action, request.Source(i)));
      if (merged) {
        WALCAST_RETURN_IF_ERROR(
            builder.Index(action.index, action.id, *merged, action.version, action.routing));
        continue;
      }
    }
    builder.Copy(request, i);
  }
  return builder.Take();
}

}  // namespace walcast::sinks::elasticsearch
