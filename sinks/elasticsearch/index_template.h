#pragma once

#include <string_view>

#include "core/status.h"
#include "sinks/elasticsearch/http_transport.h"

namespace walcast::sinks::elasticsearch {

// Installs the composable index template `name` (PUT _index_template/NAME,
// body `template_json`: {"index_patterns": […], "template": {…}, …}) unless
// a template of that name exists; an existing one is left as it is, so an
// operator's edits survive restarts. Returns true if it installed the
// template, false if one was there. Needs Elasticsearch 7.8+ or OpenSearch
// (ServerInfo::SupportsComposableTemplates).
//
// Safe against a concurrent installer (another walcast instance): the PUT
// uses create=true, and losing that race counts as "was there".
//
// Errors: the transport's (kUnavailable, kTimeout, …), kInvalidArgument
// for a name with characters other than [a-z0-9._-], and for an answer
// other than the expected ones StatusFromHttp's code with the server's
// reason: kInvalidArgument for a template the server refuses (400),
// kPermissionDenied for 401/403, kUnavailable or kTimeout (retry) for 408,
// 429 and 5xx.
Result<bool> EnsureIndexTemplate(HttpTransport& transport, std::string_view name,
                                 std::string_view template_json);

}  // namespace walcast::sinks::elasticsearch
