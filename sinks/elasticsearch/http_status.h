#pragma once

#include <string_view>

#include "core/status.h"
#include "sinks/elasticsearch/http_transport.h"

namespace walcast::sinks::elasticsearch {

// The one map from an Elasticsearch or OpenSearch answer to a Status, used
// by every request of the client, the sink and the metrics writer, so each
// HTTP status means the same thing and gets the same retry decision
// everywhere (docs/elasticsearch.md §3 has the table):
//
//   2xx           kOk
//   0 (no answer) kUnavailable       retry
//   400           kInvalidArgument   the request or a setting it carries
//                                    (an index name, a template) is refused
//   401, 403      kPermissionDenied  credentials or privileges
//   404           kNotFound          the index, template or endpoint is not
//                                    there (callers that expect it check
//                                    for it first)
//   408           kTimeout           retry
//   409           kRejected          a conflict with the stored state; the
//                                    same request fails the same way
//   413           kInvalidArgument   the body exceeds http.max_content_length
//   429           kUnavailable       retry: the node is overloaded
//   504           kTimeout           retry
//   other 5xx     kUnavailable       retry: a node or shard is unavailable
//   3xx           kInvalidArgument   a redirect (elasticsearch.url does not
//                                    point at a node; redirects are not
//                                    followed)
//   other         kInternal          a request walcast should not have sent
//
// Callers retry on Status::IsRetryable(), never on the status number. Bulk
// items have dispositions of their own (ClassifyItem) whose retry decision
// is this one's.
Status::Code CodeFromHttp(long status);

// Whether the message may carry the server's error reason. The error type
// ("mapper_parsing_exception") is always included; the reason may quote a
// value of the request, so requests that carry row data keep it out.
enum class ServerReason { kOmit, kInclude };

// OK for a 2xx answer; otherwise CodeFromHttp(response.status) with the
// message "elasticsearch: <what> answered HTTP <status> (<error type>)",
// followed by ": <reason>" when `reason` is kInclude and the body has one.
Status StatusFromHttp(const HttpResponse& response, std::string_view what,
                      ServerReason reason = ServerReason::kOmit);

// A transport failure (no answer) as it is, otherwise StatusFromHttp.
Status StatusFromHttp(const Result<HttpResponse>& answer, std::string_view what,
                      ServerReason reason = ServerReason::kOmit);

}  // namespace walcast::sinks::elasticsearch
