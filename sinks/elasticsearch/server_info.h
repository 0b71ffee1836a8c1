#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "sinks/elasticsearch/http_transport.h"

namespace walcast::sinks::elasticsearch {

enum class Distribution { kElasticsearch, kOpenSearch };

std::string_view DistributionName(Distribution distribution);

// Which server walcast talks to.
struct ServerInfo {
  Distribution distribution = Distribution::kElasticsearch;
  std::string version;  // as the server spells it, e.g. "7.17.29", "2.19.6"
  int major = 0;
  int minor = 0;

  // Composable index templates (PUT _index_template/NAME): Elasticsearch
  // 7.8 and later, every OpenSearch.
  bool SupportsComposableTemplates() const {
    return distribution == Distribution::kOpenSearch || major > 7 || (major == 7 && minor >= 8);
  }
};

// Parses the answer to GET /: {"version": {"number": "8.19.21",
// "distribution": "opensearch"?, …}, …}. OpenSearch names itself in
// version.distribution; Elasticsearch does not. kCorruption if there is no
// version.number of the form MAJOR.MINOR[.…].
Result<ServerInfo> ParseServerInfo(std::string_view root_json);

// Asks the server who it is with GET /. A node without the root endpoint
// (Elasticsearch without its rest-root module, as in Elastic's
// integration-test distribution; 404 or 405) is asked GET /_nodes/_local
// instead and taken for Elasticsearch: every OpenSearch serves GET /.
// Errors: the transport's (kUnavailable, kTimeout, …), StatusFromHttp's
// code for another non-2xx answer (kPermissionDenied for 401/403,
// kUnavailable for a node still starting, which answers 503),
// kCorruption for an answer without a version.
Result<ServerInfo> DetectServer(HttpTransport& transport);

}  // namespace walcast::sinks::elasticsearch
