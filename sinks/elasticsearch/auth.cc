#include "sinks/elasticsearch/auth.h"

#include "core/encoding.h"

namespace walcast::sinks::elasticsearch {
namespace {

std::string Header(std::string_view scheme, std::string_view credentials, bool encode) {
  std::string out = "Authorization: ";
  out.append(scheme).push_back(' ');
  if (encode) {
    AppendBase64(credentials, &out);
  } else {
    out.append(credentials);
  }
  return out;
}

}  // namespace

Result<std::string> AuthorizationHeader(const Credentials& c) {
  const bool basic = !c.username.empty() || !c.password.empty();
  const bool api_key = !c.api_key.empty() || !c.api_key_id.empty();
  const bool bearer = !c.bearer_token.empty();
  if (static_cast<int>(basic) + static_cast<int>(api_key) + static_cast<int>(bearer) > 1) {
    return Status::InvalidArgument(
        "elasticsearch: set one of username/password, api key or bearer token, not several");
  }
  if (basic) {
    if (c.username.empty()) {
      return Status::InvalidArgument("elasticsearch: a password is set but no username");
    }
    return Header("Basic", c.username + ":" + c.password, true);
  }
  if (api_key) {
    if (c.api_key.empty()) {
      return Status::InvalidArgument("elasticsearch: an API key id is set but no API key");
    }
    // Elasticsearch's header carries base64("id:api_key"); the create call
    // returns that as "encoded", which is used as given.
    if (c.api_key_id.empty()) return Header("ApiKey", c.api_key, false);
    return Header("ApiKey", c.api_key_id + ":" + c.api_key, true);
  }
  if (bearer) return "Authorization: Bearer " + c.bearer_token;
  return std::string();
}

}  // namespace walcast::sinks::elasticsearch
