#pragma once

// walcast's indices and their composable index templates (Elasticsearch
// 7.8+, 8, OpenSearch): what `walcast setup` installs, and the sink at
// start when they are missing. docs/elasticsearch.md §4 lists the indices
// and the mappings.
//
//   <prefix>.<schema>.<table>      raw documents (raw_document.h); the
//                                  profile tables' indices get MOSIP's
//                                  dashboard mappings
//   <prefix>.metrics.anon_profile  metric documents (and any <prefix>.metrics.*)
//   <prefix>.walcast.dead_letter   rows and documents that could not be indexed
//
// Four templates, told apart by priority where their patterns overlap:
//
//   walcast.<prefix>.raw          <prefix>.*                     priority 100
//   walcast.<prefix>.profiles     <prefix>.<profile table>*      priority 150
//   walcast.<prefix>.metrics      <prefix>.metrics.*             priority 200
//   walcast.<prefix>.dead_letter  <prefix>.walcast.dead_letter*  priority 200

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sinks/elasticsearch/http_transport.h"

namespace walcast::sinks::elasticsearch {

struct TemplateOptions {
  // topic.prefix: every index name starts with it (lower-cased, as index
  // names must be).
  std::string prefix = "walcast";
  // The profile tables, as RawDocumentOptions::profile_tables: "schema.table"
  // patterns with '*'.
  std::vector<std::string> profile_tables{"*.anonymous_profile"};
  // index.number_of_replicas for new indices; -1 leaves the server's default.
  int number_of_replicas = -1;
  // index.number_of_shards for new indices; 0 leaves the server's default
  // (1 on Elasticsearch 7+ and OpenSearch). A node indexes each shard's
  // writes on their own thread, so more shards let one busy index use more
  // of the node's cores.
  int number_of_shards = 0;
};

// "<prefix>.<schema>.<table>", lower-cased.
std::string RawIndexName(std::string_view prefix, std::string_view schema, std::string_view table);
// "<prefix>.metrics.anon_profile", lower-cased.
std::string MetricsIndexName(std::string_view prefix);
// "<prefix>.walcast.dead_letter", lower-cased.
std::string DeadLetterIndexName(std::string_view prefix);

// A composable index template: its name and the body of
// PUT _index_template/<name>.
struct IndexTemplate {
  std::string name;
  std::string body;
};

// Every row of `<prefix>.*`: the MOSIP date columns (cr_dtimes, upd_dtimes,
// del_dtimes, @timestamp_gen) as dates, strings as text with a .keyword
// sub-field (ignore_above 256), registrationCenterGeoLocation as a
// geo_point.
IndexTemplate RawTemplate(const TemplateOptions& options);
// The profile tables: the raw template's fields plus what MOSIP's
// dashboards read (metrics.md §4.5): every string under `profile` as text +
// .keyword, profile.updateId as a keyword, the yearOfBirth fields as
// integers (ints and numeric strings both index), profile.date /
// startDateTime / endDateTime as dates, biometric qualityScore and
// attempts as floats, documents_names as text + .keyword.
IndexTemplate ProfileTemplate(const TemplateOptions& options);
// Metric documents: keys.* and other strings as keywords, bucket_start and
// updated_at as dates, value/sum/avg/min/max as doubles, count as a long.
IndexTemplate MetricsTemplate(const TemplateOptions& options);
// Dead letters: lsn, table, key, index, id, operation, error_type as
// keywords, reason as a keyword (ignore_above 4096), status an integer,
// @timestamp a date, the refused document stored but not indexed; other
// fields are kept in _source unindexed (dynamic: false), so a dead letter
// is never refused for its mapping.
IndexTemplate DeadLetterTemplate(const TemplateOptions& options);

// The four templates above, in that order.
std::vector<IndexTemplate> AllTemplates(const TemplateOptions& options);

// Installs every template that is missing (EnsureIndexTemplate: an existing
// one, maybe edited by an operator, is left alone) and returns how many it
// installed. Stops at the first error, which is EnsureIndexTemplate's:
// kInvalidArgument for a prefix that makes a bad template name (only
// [a-z0-9._-]) or a template the server refuses (the message has its
// reason), kPermissionDenied, kUnavailable, kTimeout. Blocks on HTTP.
Result<int> InstallTemplates(HttpTransport& transport, const TemplateOptions& options);

}  // namespace walcast::sinks::elasticsearch
