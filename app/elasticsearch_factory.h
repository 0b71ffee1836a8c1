#pragma once

#include <memory>
#include <string>

#include "core/config.h"
#include "core/sink.h"
#include "core/status.h"
#include "sinks/elasticsearch/http_client.h"
#include "sinks/elasticsearch/templates.h"

namespace walcast::app {

// Where walcast's Elasticsearch settings point: the client options, the
// index prefix (elasticsearch.index.prefix, else topic.prefix) and the
// template settings. kInvalidArgument (naming the key) when
// elasticsearch.url is missing or a setting is malformed.
struct ElasticsearchTarget {
  sinks::elasticsearch::HttpClientOptions http;
  sinks::elasticsearch::TemplateOptions templates;
  std::string dead_letter_index;  // "" with elasticsearch.dead.letter.index=none
};
Result<ElasticsearchTarget> ElasticsearchTargetFrom(const Config& config);

// Installs walcast's index templates that are missing on the target and
// says what it did on `out`-style log lines. Errors name the URL (never
// credentials).
Status InstallElasticsearchTemplates(const ElasticsearchTarget& target, std::string* report);

// The raw-document sink (sinks=elasticsearch), templates installed first
// when elasticsearch.templates is true.
Result<std::unique_ptr<Sink>> MakeElasticsearchSink(const Config& config);

}  // namespace walcast::app
