#include "app/elasticsearch_factory.h"

#include <map>
#include <utility>

#include "app/sink_factory.h"
#include "core/log.h"
#include "mosip/profile.h"
#include "sinks/elasticsearch/document_rules.h"
#include "sinks/elasticsearch/es_sink.h"
#include "sinks/elasticsearch/lookup_config.h"
#include "sinks/elasticsearch/lookup_index.h"
#include "sinks/elasticsearch/row_mapper.h"
#include "sinks/elasticsearch/server_info.h"

namespace walcast::app {

namespace es = sinks::elasticsearch;

Result<ElasticsearchTarget> ElasticsearchTargetFrom(const Config& config) {
  ElasticsearchTarget t;
  t.http.base_url = config.GetString("elasticsearch.url");
  if (t.http.base_url.empty()) {
    return Status::InvalidArgument("config key 'elasticsearch.url' is required with "
                                   "sinks=elasticsearch");
  }
  t.http.credentials.username = config.GetString("elasticsearch.username");
  t.http.credentials.password = config.GetString("elasticsearch.password");
  t.http.credentials.api_key_id = config.GetString("elasticsearch.api.key.id");
  t.http.credentials.api_key = config.GetString("elasticsearch.api.key");
  t.http.credentials.bearer_token = config.GetString("elasticsearch.bearer.token");
  t.http.ca_file = config.GetString("elasticsearch.ca.file");
  t.http.client_cert_file = config.GetString("elasticsearch.client.cert.file");
  t.http.client_key_file = config.GetString("elasticsearch.client.key.file");
  t.http.connect_timeout =
      std::chrono::milliseconds(config.GetInt("elasticsearch.connect.timeout.ms"));
  t.http.request_timeout =
      std::chrono::milliseconds(config.GetInt("elasticsearch.request.timeout.ms"));
  t.templates.prefix = config.GetString("elasticsearch.index.prefix");
  if (t.templates.prefix.empty()) t.templates.prefix = config.GetString("topic.prefix");
  t.templates.profile_tables = SplitList(config.GetString("elasticsearch.profile.tables"));
  t.templates.number_of_shards = static_cast<int>(config.GetInt("elasticsearch.index.shards"));
  t.concurrency = static_cast<size_t>(config.GetInt("elasticsearch.bulk.concurrency"));
  const std::string& letters = config.GetString("elasticsearch.dead.letter.index");
  t.dead_letter_index = letters == "none"  ? ""
                        : letters.empty() ? es::DeadLetterIndexName(t.templates.prefix)
                                          : letters;
  return t;
}

Status InstallElasticsearchTemplates(const ElasticsearchTarget& target, std::string* report) {
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<es::HttpClient> client,
                           es::HttpClient::Create(target.http));
  const std::string where = "elasticsearch at " + target.http.base_url;
  Result<es::ServerInfo> server = es::DetectServer(*client);
  if (!server.ok()) {
    return Status(server.status().code(), where + ": " + server.status().message());
  }
  if (!server->SupportsComposableTemplates()) {
    return Status::InvalidArgument(where + " is " + std::string(es::DistributionName(
                                                        server->distribution)) +
                                   " " + server->version +
                                   "; walcast needs Elasticsearch 7.8+ or OpenSearch");
  }
  Result<int> installed = es::InstallTemplates(*client, target.templates);
  if (!installed.ok()) {
    return Status(installed.status().code(), where + ": " + installed.status().message());
  }
  *report = std::string(es::DistributionName(server->distribution)) + " " + server->version +
            ": " + std::to_string(*installed) + " index template(s) installed, " +
            std::to_string(es::AllTemplates(target.templates).size() - *installed) +
            " already there";
  return Status::Ok();
}

Result<std::shared_ptr<es::SharedBulkClient>> BulkClientFor(const ElasticsearchTarget& target,
                                                            es::BulkClientPool* pool) {
  const es::HttpClientOptions& http = target.http;
  const es::TransportFactory make = [&http]() -> Result<std::unique_ptr<es::HttpTransport>> {
    WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<es::HttpClient> client, es::HttpClient::Create(http));
    return std::unique_ptr<es::HttpTransport>(std::move(client));
  };
  if (pool == nullptr) return es::SharedBulkClient::Create(target.concurrency, make);
  // Every setting of the connections; it holds secrets and is never logged.
  std::string key;
  for (const std::string* part :
       {&http.base_url, &http.credentials.username, &http.credentials.password,
        &http.credentials.api_key, &http.credentials.api_key_id, &http.credentials.bearer_token,
        &http.ca_file, &http.client_cert_file, &http.client_key_file}) {
    key.append(*part).push_back('\0');
  }
  key += std::to_string(http.insecure_skip_tls_verify) + "," +
         std::to_string(http.connect_timeout.count()) + "," +
         std::to_string(http.request_timeout.count()) + "," + std::to_string(http.gzip_min_bytes) +
         "," + std::to_string(target.concurrency);
  return pool->Get(key, target.concurrency, make);
}

Result<std::unique_ptr<Sink>> MakeElasticsearchSink(const Config& config) {
  WALCAST_ASSIGN_OR_RETURN(std::shared_ptr<es::LookupStore> lookups, MakeLookupStore(config));
  return MakeElasticsearchSink(config, std::move(lookups));
}

Result<std::unique_ptr<Sink>> MakeElasticsearchSink(const Config& config,
                                                    std::shared_ptr<es::LookupStore> lookups,
                                                    es::BulkClientPool* clients) {
  WALCAST_ASSIGN_OR_RETURN(ElasticsearchTarget target, ElasticsearchTargetFrom(config));
  if (config.GetBool("elasticsearch.templates")) {
    std::string report;
    WALCAST_RETURN_IF_ERROR(InstallElasticsearchTemplates(target, &report));
    log::Info("elasticsearch: " + report, {{"url", target.http.base_url}});
  }
  es::RowMapperOptions mapper;
  mapper.index_prefix = target.templates.prefix;
  mapper.documents.profile_tables = target.templates.profile_tables;
  Result<mosip::AgeGroups> ages = mosip::AgeGroups::Parse(config.GetString("elasticsearch.age.groups"));
  if (!ages.ok()) {
    return Status::InvalidArgument("config key 'elasticsearch.age.groups': " +
                                   ages.status().message());
  }
  mapper.documents.age_groups = std::move(*ages);
  mapper.delete_superseded = config.GetBool("elasticsearch.delete.superseded");
  // Per-table document rules and the preset (docs/elasticsearch.md §4.6);
  // the Debezium settings give the key JSON and values they may ask for.
  WALCAST_ASSIGN_OR_RETURN(mapper.documents.rules,
                           es::DocumentRules::Parse(config.WithPrefix("elasticsearch.")));
  WALCAST_ASSIGN_OR_RETURN(mapper.documents.debezium,
                           EncoderOptionsFrom(config, config.GetString("database.dbname")));

  es::ElasticsearchSinkOptions options;
  mapper.documents.lookups = lookups.get();
  options.lookups = std::move(lookups);
  options.lookup_index_prefix = target.templates.prefix;
  options.worker.dead_letter_index = target.dead_letter_index;
  options.limits.max_actions = static_cast<size_t>(config.GetInt("elasticsearch.bulk.max.actions"));
  options.limits.max_bytes = static_cast<size_t>(config.GetInt("elasticsearch.bulk.max.bytes"));
  options.limits.max_age =
      std::chrono::milliseconds(config.GetInt("elasticsearch.bulk.flush.interval.ms"));
  WALCAST_ASSIGN_OR_RETURN(std::shared_ptr<es::SharedBulkClient> client,
                           BulkClientFor(target, clients));
  return std::unique_ptr<Sink>(std::make_unique<es::ElasticsearchSink>(
      std::move(client), std::make_unique<es::RowMapper>(std::move(mapper)), std::move(options)));
}

Result<std::shared_ptr<es::LookupStore>> MakeLookupStore(const Config& config) {
  std::map<std::string, std::string> values = config.WithPrefix("elasticsearch.");
  // The document-rules preset turns MOSIP's lookups on unless they are set
  // on their own.
  if (values["lookup.preset"].empty() && !values["preset"].empty()) {
    values["lookup.preset"] = values["preset"];
  }
  Result<std::vector<es::LookupSpec>> specs = es::ParseLookups(values);
  if (!specs.ok()) return specs.status();
  if (specs->empty()) return std::shared_ptr<es::LookupStore>();
  auto store = std::make_shared<es::LookupStore>(
      std::move(*specs), static_cast<size_t>(config.GetInt("elasticsearch.lookup.max.rows")));
  WALCAST_ASSIGN_OR_RETURN(ElasticsearchTarget target, ElasticsearchTargetFrom(config));
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<es::HttpClient> client,
                           es::HttpClient::Create(target.http));
  const Status loaded = es::LoadLookupTables(*client, target.templates.prefix, store.get());
  if (!loaded.ok()) {
    return Status(loaded.code(), "elasticsearch at " + target.http.base_url +
                                     ": reading the lookup tables back: " + loaded.message());
  }
  return store;
}

Result<std::shared_ptr<es::LookupStore>> SharedLookupStores::For(const Config& config) {
  std::string signature;
  for (const auto& [key, value] : config.WithPrefix("elasticsearch.")) {
    if (key.rfind("lookup", 0) == 0 || key == "preset" || key == "url" || key == "index.prefix") {
      signature.append(key).append("=").append(value).append("\n");
    }
  }
  std::lock_guard lock(mu_);
  auto it = stores_.find(signature);
  if (it != stores_.end()) return it->second;
  WALCAST_ASSIGN_OR_RETURN(std::shared_ptr<es::LookupStore> store, MakeLookupStore(config));
  stores_.emplace(signature, store);
  return store;
}

}  // namespace walcast::app
