#pragma once

#include <memory>
#include <string>
#include <vector>

#include "metrics/document.h"
#include "sinks/elasticsearch/bulk_worker.h"
#include "sinks/elasticsearch/http_transport.h"

namespace walcast::app {

// Writes metric documents (and the metrics' dead letters) to Elasticsearch
// through a bulk worker of its own: metric documents to `metrics_index`,
// dead letters to `dead_letter_index`, each a full replace by its
// deterministic _id, so writing a document again is harmless. A document
// the server refuses becomes a dead letter itself (bulk worker); without a
// dead-letter index that stops the pipeline.
class ElasticsearchMetricWriter : public metrics::MetricDocumentWriter {
 public:
  ElasticsearchMetricWriter(std::unique_ptr<sinks::elasticsearch::HttpTransport> transport,
                            std::string metrics_index, std::string dead_letter_index,
                            sinks::elasticsearch::BulkWorkerOptions options);
  void Write(std::vector<metrics::MetricDocument> docs, std::function<void(Status)> done) override;
  // Ends retries and joins the worker (at shutdown).
  void Stop() { worker_.Stop(); }

 private:
  std::string metrics_index_;
  std::string dead_letter_index_;
  sinks::elasticsearch::BulkWorker worker_;
};

}  // namespace walcast::app
