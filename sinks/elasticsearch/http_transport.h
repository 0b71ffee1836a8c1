#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace walcast::sinks::elasticsearch {

enum class HttpMethod { kGet, kHead, kPost, kPut, kDelete };

// What a request body is: application/json, or application/x-ndjson for
// _bulk.
enum class ContentType { kJson, kNdjson };

// One HTTP answer. Any status, 2xx or not, is a response; `body` is the
// decoded (gunzipped) body, empty for HEAD.
struct HttpResponse {
  long status = 0;
  std::string body;

  bool ok() const { return status >= 200 && status < 300; }
};

// Sends one HTTP request to an Elasticsearch or OpenSearch node. HttpClient
// (libcurl) is the real one; the bulk client takes this interface so its
// retry logic can be tested against scripted answers.
//
// Thread: one caller at a time; implementations are not thread-safe.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // Sends `body` (may be empty) to `path_and_query`, which starts with '/'.
  // Blocks until the answer, the request timeout or a transport failure.
  // A received answer is a value whatever its status. Errors mean no answer:
  // kUnavailable (connection refused or reset, name not resolved; retrying
  // may help), kTimeout (connect or request timeout; retrying may help),
  // kInvalidArgument (a TLS file that cannot be loaded) and kFatal (the
  // server's certificate failed verification, or another failure retrying
  // cannot fix).
  virtual Result<HttpResponse> Send(HttpMethod method, std::string_view path_and_query,
                                    std::string_view body, ContentType type) = 0;

  Result<HttpResponse> Get(std::string_view path) {
    return Send(HttpMethod::kGet, path, {}, ContentType::kJson);
  }
  Result<HttpResponse> Put(std::string_view path, std::string_view json) {
    return Send(HttpMethod::kPut, path, json, ContentType::kJson);
  }
};

}  // namespace walcast::sinks::elasticsearch
