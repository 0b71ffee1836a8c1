#include "sinks/elasticsearch/index_template.h"

#include <rapidjson/document.h>

#include <string>

namespace walcast::sinks::elasticsearch {
namespace {

bool ValidName(std::string_view name) {
  if (name.empty() || name[0] == '_' || name[0] == '-') return false;
  for (const char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// "type: reason" of an error answer, for the operator.
std::string ServerReason(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return "no reason given";
  const auto error = doc.FindMember("error");
  if (error == doc.MemberEnd() || !error->value.IsObject()) return "no reason given";
  std::string out;
  for (const char* key : {"type", "reason"}) {
    const auto it = error->value.FindMember(key);
    if (it != error->value.MemberEnd() && it->value.IsString()) {
      if (!out.empty()) out += ": ";
      out += it->value.GetString();
    }
  }
  return out.empty() ? "no reason given" : out;
}

Status AnswerError(const HttpResponse& response, const std::string& what) {
  const std::string message =
      "elasticsearch: " + what + " answered HTTP " + std::to_string(response.status);
  if (response.status == 401 || response.status == 403) return Status::PermissionDenied(message);
  if (response.status == 400) {
    return Status::InvalidArgument(message + ": " + ServerReason(response.body));
  }
  return Status::Unavailable(message);
}

}  // namespace

// NOLINTNEXTLINE(bugprone-easily-swappable-parameters): name, then body, as in the PUT.
Result<bool> EnsureIndexTemplate(HttpTransport& transport, std::string_view name,
                                 std::string_view template_json) {
  if (!ValidName(name)) {
    return Status::InvalidArgument("elasticsearch: bad index template name '" + std::string(name) +
                                   "'");
  }
  const std::string path = "/_index_template/" + std::string(name);
  WALCAST_ASSIGN_OR_RETURN(HttpResponse existing, transport.Get(path));
  if (existing.ok()) return false;
  if (existing.status != 404) return AnswerError(existing, "GET " + path);

  WALCAST_ASSIGN_OR_RETURN(HttpResponse put, transport.Put(path + "?create=true", template_json));
  if (put.ok()) return true;
  // 400 also means "already exists": look again rather than read the text.
  if (put.status == 400) {
    WALCAST_ASSIGN_OR_RETURN(HttpResponse again, transport.Get(path));
    if (again.ok()) return false;
  }
  return AnswerError(put, "PUT " + path);
}

}  // namespace walcast::sinks::elasticsearch
