#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/config.h"
#include "core/sink.h"
#include "core/status.h"
#include "sinks/elasticsearch/bulk_client_pool.h"
#include "sinks/elasticsearch/http_client.h"
#include "sinks/elasticsearch/lookup_store.h"
#include "sinks/elasticsearch/templates.h"

namespace walcast::app {

// Where walcast's Elasticsearch settings point: the client options, the
// index prefix (elasticsearch.index.prefix, else topic.prefix) and the
// template settings. kInvalidArgument (naming the key) when
// elasticsearch.url is missing or a setting is malformed.
struct ElasticsearchTarget {
  sinks::elasticsearch::HttpClientOptions http;
  // elasticsearch.bulk.concurrency: connections, and bulk requests in flight.
  size_t concurrency = 1;
  sinks::elasticsearch::TemplateOptions templates;
  std::string dead_letter_index;  // "" with elasticsearch.dead.letter.index=none
};
Result<ElasticsearchTarget> ElasticsearchTargetFrom(const Config& config);

// Installs walcast's index templates that are missing on the target and
// says what it did on `out`-style log lines. Errors name the URL (never
// credentials).
Status InstallElasticsearchTemplates(const ElasticsearchTarget& target, std::string* report);

// The bulk client for `target`: from `pool` (shared with every sink and
// metric writer asking with the same URL, credentials, TLS, timeouts and
// concurrency), or, with a null pool, one of its own. Errors as
// HttpClient::Create.
Result<std::shared_ptr<sinks::elasticsearch::SharedBulkClient>> BulkClientFor(
    const ElasticsearchTarget& target, sinks::elasticsearch::BulkClientPool* pool);

// The raw-document sink (sinks=elasticsearch), templates installed first
// when elasticsearch.templates is true, with its own lookup store
// (MakeLookupStore) and bulk client.
Result<std::unique_ptr<Sink>> MakeElasticsearchSink(const Config& config);

// Lookups and joins (docs/elasticsearch.md "Lookups and joins"). The store
// of the lookups `config` declares (elasticsearch.lookup.preset, or
// elasticsearch.preset=mosip when that is not set; elasticsearch.lookups;
// elasticsearch.lookup.<name>.*), filled with the lookup tables as already
// indexed (LoadLookupTables), or null when it declares none. Create it once
// per process and hand it to the sink of every pipeline, so a lookup table
// captured by one pipeline (database) serves the documents of the others.
// kInvalidArgument names a bad key; other errors are the load's (the URL
// named, never credentials).
Result<std::shared_ptr<sinks::elasticsearch::LookupStore>> MakeLookupStore(const Config& config);

// The raw-document sink using `lookups` (may be null: no lookups) and a
// client from `clients` (BulkClientFor; null: its own).
Result<std::unique_ptr<Sink>> MakeElasticsearchSink(
    const Config& config, std::shared_ptr<sinks::elasticsearch::LookupStore> lookups,
    sinks::elasticsearch::BulkClientPool* clients = nullptr);

// The lookup stores of a process with several pipelines: one store per
// distinct lookup declaration (the elasticsearch.lookup*, elasticsearch.preset,
// elasticsearch.url and elasticsearch.index.prefix values), created by the
// first pipeline that needs it and shared by every pipeline declaring the
// same, so the pipeline that captures master.doc_type fills the store the
// prereg and regprc pipelines read. Thread-safe.
class SharedLookupStores {
 public:
  // The store for `config` (null when it declares no lookups). Errors as
  // MakeLookupStore; a failed creation is not remembered (the next call,
  // e.g. the pipeline's retry, tries again).
  Result<std::shared_ptr<sinks::elasticsearch::LookupStore>> For(const Config& config);

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<sinks::elasticsearch::LookupStore>> stores_;
};

}  // namespace walcast::app
