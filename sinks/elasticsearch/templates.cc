#include "sinks/elasticsearch/templates.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/config.h"
#include "sinks/elasticsearch/index_template.h"

namespace walcast::sinks::elasticsearch {
namespace {

// Bumped whenever a mapping below changes; stored as the template's
// "version" so an operator can tell which walcast wrote it.
constexpr int kTemplateVersion = 1;

// text with a .keyword sub-field: what Elasticsearch's dynamic mapping
// gives a string, and what every MOSIP panel aggregates on (….keyword).
constexpr std::string_view kTextKeyword =
    R"({"type":"text","fields":{"keyword":{"type":"keyword","ignore_above":256}}})";

// Date columns may hold "infinity" (raw_document.cc writes what it cannot
// format as text): kept in _source rather than refusing the row.
constexpr std::string_view kDate = R"({"type":"date","ignore_malformed":true})";

// A JSON array of strings.
std::string StringArray(const std::vector<std::string>& items) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartArray();
  for (const std::string& s : items) w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  w.EndArray();
  return {buffer.GetString(), buffer.GetSize()};
}

// {"index_patterns":[…],"priority":N,"version":V,"template":{"settings":…,"mappings":…}}
std::string Body(const std::vector<std::string>& patterns, int priority,
                 const TemplateOptions& options, std::string_view mappings) {
  std::string body = R"({"index_patterns":)" + StringArray(patterns) + R"(,"priority":)" +
                     std::to_string(priority) + R"(,"version":)" +
                     std::to_string(kTemplateVersion) + R"(,"template":{)";
  std::string settings;
  if (options.number_of_replicas >= 0) {
    settings += R"("number_of_replicas":)" + std::to_string(options.number_of_replicas);
  }
  if (options.number_of_shards > 0) {
    if (!settings.empty()) settings += ",";
    settings += R"("number_of_shards":)" + std::to_string(options.number_of_shards);
  }
  if (!settings.empty()) body += R"("settings":{"index":{)" + settings + "}},";
  body += R"("mappings":)";
  body += mappings;
  body += "}}";
  return body;
}

std::string TemplateName(const TemplateOptions& options, std::string_view kind) {
  return "walcast." + LowerAscii(options.prefix) + "." + std::string(kind);
}

// The fields every raw document may have (MOSIP's common columns).
std::string CommonProperties() {
  std::string p;
  for (const char* field : {"cr_dtimes", "upd_dtimes", "del_dtimes", "@timestamp_gen"}) {
    p += "\"" + std::string(field) + "\":" + std::string(kDate) + ",";
  }
  p += R"("registrationCenterGeoLocation":{"type":"geo_point"})";
  return p;
}

std::string StringsAsTextKeyword() {
  return R"({"strings":{"match_mapping_type":"string","mapping":)" + std::string(kTextKeyword) +
         "}}";
}

}  // namespace

std::string RawIndexName(std::string_view prefix, std::string_view schema, std::string_view table) {
  return LowerAscii(std::string(prefix) + "." + std::string(schema) + "." + std::string(table));
}

std::string MetricsIndexName(std::string_view prefix) {
  return LowerAscii(std::string(prefix) + ".metrics.anon_profile");
}

std::string DeadLetterIndexName(std::string_view prefix) {
  return LowerAscii(std::string(prefix) + ".walcast.dead_letter");
}

IndexTemplate RawTemplate(const TemplateOptions& options) {
  const std::string mappings = R"({"dynamic_templates":[)" + StringsAsTextKeyword() +
                               R"(],"properties":{)" + CommonProperties() + "}}";
  return {TemplateName(options, "raw"),
          Body({LowerAscii(options.prefix) + ".*"}, 100, options, mappings)};
}

IndexTemplate ProfileTemplate(const TemplateOptions& options) {
  std::vector<std::string> patterns;
  for (const std::string& table : options.profile_tables) {
    patterns.push_back(LowerAscii(options.prefix) + "." + LowerAscii(table) + "*");
  }
  // yearOfBirth is a string in idrepo, prereg and Annexure A ("1988") and an
  // int in regprc: an integer field takes both (Elasticsearch coerces
  // numeric strings); ignore_malformed keeps a row whose text is no number.
  const std::string year = R"({"type":"integer","ignore_malformed":true})";
  const std::string side = R"({"properties":{"yearOfBirth":)" + year + "}}";
  const std::string mappings =
      R"({"dynamic_templates":[)"
      // Averages per modality: floats, whichever number comes first.
      R"({"biometric_quality":{"path_match":"profile.*biometricInfo.*.qualityScore",)"
      R"("mapping":{"type":"float"}}},)"
      R"({"biometric_attempts":{"path_match":"profile.*biometricInfo.*.attempts",)"
      R"("mapping":{"type":"float"}}},)" +
      StringsAsTextKeyword() + R"(],"properties":{)" + CommonProperties() +
      R"(,"documents_names":)" + std::string(kTextKeyword) +
      R"(,"profile":{"properties":{)"
      // MOSIP's sink creates this mapping up front (metrics.md §4.2).
      // Lucene refuses terms over 32766 bytes: a longer updateId (a profile
      // side over ~24 KB) is kept in _source without being indexed.
      R"("updateId":{"type":"keyword","ignore_above":32766},)"
      R"("yearOfBirth":)" +
      year + R"(,"date":)" + std::string(kDate) + R"(,"startDateTime":)" + std::string(kDate) +
      R"(,"endDateTime":)" + std::string(kDate) + R"(,"oldProfile":)" + side + R"(,"newProfile":)" +
      side + R"(,"old":)" + side + R"(,"new":)" + side + "}}}}";
  return {TemplateName(options, "profiles"), Body(patterns, 150, options, mappings)};
}

IndexTemplate MetricsTemplate(const TemplateOptions& options) {
  constexpr std::string_view kKeyword = R"({"type":"keyword","ignore_above":1024})";
  std::string mappings = R"({"dynamic_templates":[{"keys":{"path_match":"keys.*","mapping":)" +
                         std::string(kKeyword) +
                         R"(}},{"strings":{"match_mapping_type":"string","mapping":)" +
                         std::string(kKeyword) + R"(}}],"properties":{)";
  for (const char* field : {"metric", "mode", "source", "instance", "slot", "bucket"}) {
    mappings += "\"" + std::string(field) + "\":" + std::string(kKeyword) + ",";
  }
  mappings += R"("bucket_start":{"type":"date"},"updated_at":{"type":"date"},)";
  for (const char* field : {"value", "sum", "avg", "min", "max"}) {
    mappings += "\"" + std::string(field) + "\":{\"type\":\"double\"},";
  }
  mappings += R"("count":{"type":"long"}}})";
  return {TemplateName(options, "metrics"),
          Body({LowerAscii(options.prefix) + ".metrics.*"}, 200, options, mappings)};
}

IndexTemplate DeadLetterTemplate(const TemplateOptions& options) {
  std::string mappings = R"({"dynamic":false,"properties":{"@timestamp":{"type":"date"},)";
  for (const char* field :
       {"lsn", "table", "key", "index", "id", "operation", "error_type", "source", "instance"}) {
    mappings += "\"" + std::string(field) + R"(":{"type":"keyword","ignore_above":1024},)";
  }
  mappings += R"("reason":{"type":"keyword","ignore_above":4096},"status":{"type":"integer"},)"
              R"("document":{"type":"text","index":false}}})";
  return {TemplateName(options, "dead_letter"),
          Body({DeadLetterIndexName(options.prefix) + "*"}, 200, options, mappings)};
}

std::vector<IndexTemplate> AllTemplates(const TemplateOptions& options) {
  return {RawTemplate(options), ProfileTemplate(options), MetricsTemplate(options),
          DeadLetterTemplate(options)};
}

Result<int> InstallTemplates(HttpTransport& transport, const TemplateOptions& options) {
  int installed = 0;
  for (const IndexTemplate& t : AllTemplates(options)) {
    WALCAST_ASSIGN_OR_RETURN(const bool done, EnsureIndexTemplate(transport, t.name, t.body));
    if (done) ++installed;
  }
  return installed;
}

}  // namespace walcast::sinks::elasticsearch
