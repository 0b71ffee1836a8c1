#include "sinks/elasticsearch/http_status.h"

#include <rapidjson/document.h>

#include <string>

namespace walcast::sinks::elasticsearch {
namespace {

// The error's type and reason from an error answer,
// {"error": {"type": …, "reason": …}, "status": …}; empty when the body
// is not one (a proxy's HTML page, a plain string from an old node).
void ErrorOf(std::string_view body, std::string* type, std::string* reason) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return;
  const auto error = doc.FindMember("error");
  if (error == doc.MemberEnd() || !error->value.IsObject()) return;
  for (const auto& [key, out] : {std::pair{"type", type}, std::pair{"reason", reason}}) {
    const auto it = error->value.FindMember(key);
    if (it != error->value.MemberEnd() && it->value.IsString()) {
      out->assign(it->value.GetString(), it->value.GetStringLength());
    }
  }
}

}  // namespace

Status::Code CodeFromHttp(long status) {
  using Code = Status::Code;
  if (status >= 200 && status < 300) return Code::kOk;
  switch (status) {
    case 0:
      return Code::kUnavailable;
    case 400:
    case 413:
      return Code::kInvalidArgument;
    case 401:
    case 403:
      return Code::kPermissionDenied;
    case 404:
      return Code::kNotFound;
    case 408:
    case 504:
      return Code::kTimeout;
    case 409:
      return Code::kRejected;
    case 429:
      return Code::kUnavailable;
    default:
      break;
  }
  if (status >= 500 && status < 600) return Code::kUnavailable;
  if (status >= 300 && status < 400) return Code::kInvalidArgument;
  return Code::kInternal;
}

Status StatusFromHttp(const HttpResponse& response, std::string_view what, ServerReason reason) {
  const Status::Code code = CodeFromHttp(response.status);
  if (code == Status::Code::kOk) return Status::Ok();
  std::string message = "elasticsearch: ";
  message.append(what).append(" answered HTTP ").append(std::to_string(response.status));
  std::string type;
  std::string text;
  ErrorOf(response.body, &type, &text);
  if (!type.empty()) message.append(" (").append(type).append(")");
  if (response.status == 413) message.append(": the request exceeds http.max_content_length");
  if (reason == ServerReason::kInclude && !text.empty()) message.append(": ").append(text);
  return Status(code, std::move(message));
}

Status StatusFromHttp(const Result<HttpResponse>& answer, std::string_view what,
                      ServerReason reason) {
  if (!answer.ok()) return answer.status();
  return StatusFromHttp(*answer, what, reason);
}

}  // namespace walcast::sinks::elasticsearch
