#pragma once

// The metrics as the app runs them (metrics.definitions.file set): the
// definitions, the Elasticsearch writer of their documents and the
// MetricsSink over both. docs/metrics.md has the protocol; this file only
// wires it to the configuration.

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "metrics/definition.h"
#include "metrics/document.h"
#include "metrics/metrics_sink.h"
#include "sinks/elasticsearch/bulk_client_pool.h"
#include "sinks/elasticsearch/bulk_worker.h"
#include "sinks/elasticsearch/http_transport.h"

namespace walcast::app {

// Writes metric documents (and the metrics' dead letters) to Elasticsearch
// through a bulk worker of its own (a lane of a client it may share with
// the raw-document sinks of every pipeline): metric documents to `metrics_index`,
// dead letters to `dead_letter_index`, each a full replace by its
// deterministic _id, so writing a document again is harmless. Metric
// documents carry their version (MetricDocument::version) as an external_gte
// version: an older figure arriving late is refused by the server and counts
// as written. One Write is
// split into bulk requests of at most `max_actions` actions / `max_bytes`
// bytes and is done when all of them are. The bulk worker waits out an
// unreachable server; a document the server refuses becomes a dead letter
// (without a dead-letter index that stops the pipeline).
class ElasticsearchMetricWriter : public metrics::MetricDocumentWriter {
 public:
  struct Options {
    std::string metrics_index;
    std::string dead_letter_index;  // "": no dead-letter index
    size_t max_actions = 1000;
    size_t max_bytes = 5 << 20;
    sinks::elasticsearch::BulkWorkerOptions worker;
  };
  ElasticsearchMetricWriter(std::unique_ptr<sinks::elasticsearch::HttpTransport> transport,
                            Options options);
  ElasticsearchMetricWriter(std::shared_ptr<sinks::elasticsearch::SharedBulkClient> client,
                            Options options);
  ~ElasticsearchMetricWriter() override;
  void Write(std::vector<metrics::MetricDocument> docs, std::function<void(Status)> done) override;

  // One versioned action of WriteActions: index `json` (a delete when
  // nullopt) as `id` in `index`; `version` > 0 is sent as external_gte.
  struct Action {
    std::string index;
    std::string id;
    std::optional<std::string> json;
    uint64_t version = 0;
    const char* origin = "metric";  // names the document in dead letters and logs
  };
  // Writes the actions in bulk requests (the limits above) and calls done
  // once, from any thread, when all are durable or failed, as Write. A
  // delete of a missing document or of a newer version counts as written.
  // The projections' Elasticsearch output writes through it.
  void WriteActions(std::vector<Action> actions, std::function<void(Status)> done);
  sinks::elasticsearch::BulkWorkerStats stats() const { return worker_.stats(); }

 private:
  class WriteOutcome;  // metrics_factory.cc

  // Hands the batch in `job` (with `builder`'s request) to the worker and
  // starts a fresh one; a refused submission is reported to `outcome`.
  Status SubmitBatch(sinks::elasticsearch::BulkRequestBuilder* builder,
                     sinks::elasticsearch::BulkJob* job,
                     const std::shared_ptr<WriteOutcome>& outcome);

  Options options_;
  sinks::elasticsearch::BulkWorker worker_;
};

// Everything the metrics need at run time. The sink borrows `set` and
// `writer`, so this object must outlive the pipeline that owns the sink.
struct MetricsRuntime {
  metrics::MetricSet set;
  std::unique_ptr<ElasticsearchMetricWriter> writer;
  // Until the app hands it to the pipeline; `sink_ptr` stays valid as long
  // as the pipeline lives.
  std::unique_ptr<metrics::MetricsSink> sink;
  metrics::MetricsSink* sink_ptr = nullptr;
};

// Loads metrics.definitions.file; kInvalidArgument (and the loader's
// errors) name the key.
Result<metrics::MetricSet> LoadMetricSet(const Config& config);

// Loads metrics.definitions.file, opens the metric state and connects the
// writer to elasticsearch.url (installing the index templates first when
// elasticsearch.templates is true) through a client from `clients`
// (BulkClientFor; null: its own). kInvalidArgument names the key;
// MetricsEngine::Open's errors pass through.
Result<std::unique_ptr<MetricsRuntime>> OpenMetrics(
    const Config& config, sinks::elasticsearch::BulkClientPool* clients = nullptr);

}  // namespace walcast::app
