#include "sinks/elasticsearch/index_template.h"

#include <string>

#include "sinks/elasticsearch/http_status.h"

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
  if (existing.status != 404) {
    return StatusFromHttp(existing, "GET " + path, ServerReason::kInclude);
  }

  WALCAST_ASSIGN_OR_RETURN(HttpResponse put, transport.Put(path + "?create=true", template_json));
  if (put.ok()) return true;
  // 400 also means "already exists": look again rather than read the text.
  if (put.status == 400) {
    WALCAST_ASSIGN_OR_RETURN(HttpResponse again, transport.Get(path));
    if (again.ok()) return false;
  }
  // A template holds no row data: the server's reason may be quoted.
  return StatusFromHttp(put, "PUT " + path, ServerReason::kInclude);
}

}  // namespace walcast::sinks::elasticsearch
