#include "sinks/elasticsearch/bulk_response.h"

#include <rapidjson/document.h>

#include "sinks/elasticsearch/http_status.h"

namespace walcast::sinks::elasticsearch {
namespace {

std::string_view StringOr(const rapidjson::Value& object, const char* key) {
  const auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

// "reason; caused by type: reason" down the caused_by chain (bounded: a
// reason is for a human, not a stack trace).
std::string ErrorReason(const rapidjson::Value& error) {
  std::string out(StringOr(error, "reason"));
  const rapidjson::Value* cause = &error;
  for (int depth = 0; depth < 3; ++depth) {
    const auto it = cause->FindMember("caused_by");
    if (it == cause->MemberEnd() || !it->value.IsObject()) break;
    cause = &it->value;
    out += "; caused by ";
    out += StringOr(*cause, "type");
    out += ": ";
    out += StringOr(*cause, "reason");
  }
  return out;
}

}  // namespace

std::string_view DispositionName(ItemDisposition disposition) {
  switch (disposition) {
    case ItemDisposition::kApplied:
      return "applied";
    case ItemDisposition::kSuperseded:
      return "superseded";
    case ItemDisposition::kAlreadyDeleted:
      return "already deleted";
    case ItemDisposition::kRetryable:
      return "retryable";
    case ItemDisposition::kRejected:
      return "rejected";
  }
  return "unknown";
}

ItemDisposition ClassifyItem(int status, std::string_view error_type, const BulkAction& action) {
  if (status >= 200 && status < 300) return ItemDisposition::kApplied;
  // The retry decision is the one of the whole request (CodeFromHttp: 408,
  // 429, 5xx). A rejected execution is 429 on every version; the type is
  // checked too in case a proxy or an older node maps it to another status.
  if (Status(CodeFromHttp(status), {}).IsRetryable() ||
      error_type == "es_rejected_execution_exception") {
    return ItemDisposition::kRetryable;
  }
  // An update still sent as one (its document was missing when the worker
  // read it: ResolvePartialUpdates) carries no version: its 409 is a write
  // that raced the server's read more often than retry_on_conflict allowed,
  // so it is sent again.
  if (status == 409 && action.op == BulkOp::kUpdate) return ItemDisposition::kRetryable;
  if (status == 409 && action.version) return ItemDisposition::kSuperseded;
  if (status == 404 && action.op == BulkOp::kDelete) return ItemDisposition::kAlreadyDeleted;
  return ItemDisposition::kRejected;
}

Result<std::vector<BulkItemResult>> ParseBulkResponse(std::string_view body,
                                                      const BulkRequest& request) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Status::Corruption("bulk response is not a JSON object");
  }
  const auto items = doc.FindMember("items");
  if (items == doc.MemberEnd() || !items->value.IsArray()) {
    return Status::Corruption("bulk response has no items array");
  }
  const auto& array = items->value.GetArray();
  if (array.Size() != request.size()) {
    return Status::Corruption("bulk response has " + std::to_string(array.Size()) + " items for " +
                              std::to_string(request.size()) + " actions");
  }
  std::vector<BulkItemResult> out;
  out.reserve(array.Size());
  for (rapidjson::SizeType i = 0; i < array.Size(); ++i) {
    const BulkAction& action = request.action(i);
    const rapidjson::Value& item = array[i];
    // {"index": {…}}, {"delete": {…}} or {"update": {…}}: one member named
    // after the action.
    const char* expected = BulkOpName(action.op);
    if (!item.IsObject() || item.MemberCount() != 1 || !item.MemberBegin()->value.IsObject() ||
        std::string_view(item.MemberBegin()->name.GetString()) != expected) {
      return Status::Corruption("bulk response item " + std::to_string(i) + " is not a " +
                                expected + " result");
    }
    const rapidjson::Value& result = item.MemberBegin()->value;
    const auto status = result.FindMember("status");
    if (status == result.MemberEnd() || !status->value.IsInt()) {
      return Status::Corruption("bulk response item " + std::to_string(i) + " has no status");
    }
    BulkItemResult r;
    r.status = status->value.GetInt();
    if (const auto error = result.FindMember("error"); error != result.MemberEnd()) {
      if (error->value.IsObject()) {
        r.error_type = StringOr(error->value, "type");
        r.error_reason = ErrorReason(error->value);
      } else if (error->value.IsString()) {  // very old servers: a plain string
        r.error_reason = error->value.GetString();
      }
    }
    if (const auto v = result.FindMember("_version");
        v != result.MemberEnd() && v->value.IsInt64()) {
      r.version = v->value.GetInt64();
    }
    r.disposition = ClassifyItem(r.status, r.error_type, action);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace walcast::sinks::elasticsearch
