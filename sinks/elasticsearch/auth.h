#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace walcast::sinks::elasticsearch {

// How walcast proves who it is to Elasticsearch or OpenSearch. At most one
// scheme may be set. The values are secrets: never log them. Every member
// has an initializer, so designated initializers may leave any out.
struct Credentials {
  // HTTP basic auth (the elastic user, an internal OpenSearch user).
  std::string username{};
  std::string password{};
  // An Elasticsearch API key: either the "encoded" value the create-API-key
  // call returns (base64 of "id:api_key"), or the id and the key apart.
  std::string api_key{};
  std::string api_key_id{};
  // An OAuth2 / JWT / service-account bearer token.
  std::string bearer_token{};

  bool empty() const {
    return username.empty() && password.empty() && api_key.empty() && api_key_id.empty() &&
           bearer_token.empty();
  }
};

// The Authorization header line for `credentials` ("Authorization: Basic …",
// "Authorization: ApiKey …" or "Authorization: Bearer …"), or "" when none
// is set. kInvalidArgument when more than one scheme is set, or a half of a
// pair is missing (a password without a user, an API key id without the
// key).
Result<std::string> AuthorizationHeader(const Credentials& credentials);

}  // namespace walcast::sinks::elasticsearch
