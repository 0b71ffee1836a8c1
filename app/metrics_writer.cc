#include "app/metrics_writer.h"

#include <utility>

namespace walcast::app {

namespace es = sinks::elasticsearch;

ElasticsearchMetricWriter::ElasticsearchMetricWriter(std::unique_ptr<es::HttpTransport> transport,
                                                     std::string metrics_index,
                                                     std::string dead_letter_index,
                                                     es::BulkWorkerOptions options)
    : metrics_index_(std::move(metrics_index)),
      dead_letter_index_(std::move(dead_letter_index)),
      worker_(std::move(transport), [&] {
        options.name = "metrics";
        options.dead_letter_index = dead_letter_index_;
        return options;
      }()) {}

void ElasticsearchMetricWriter::Write(std::vector<metrics::MetricDocument> docs,
                                      std::function<void(Status)> done) {
  es::BulkRequestBuilder builder;
  es::BulkJob job;
  for (const metrics::MetricDocument& doc : docs) {
    const bool letter = doc.kind == metrics::MetricDocument::Kind::kDeadLetter;
    if (letter && dead_letter_index_.empty()) {
      done(Status::Fatal("metrics: a profile could not be counted and no dead-letter index is "
                         "configured"));
      return;
    }
    const Status added =
        builder.Index(letter ? dead_letter_index_ : metrics_index_, doc.id, doc.json, std::nullopt);
    if (!added.ok()) {
      done(added);
      return;
    }
    job.origins.push_back({letter ? "dead letter" : "metric", doc.id, Lsn()});
  }
  job.request = builder.Take();
  job.done = [done](const Status& status) { done(status); };
  const Status submitted = worker_.Submit(std::move(job));
  if (!submitted.ok()) done(submitted);
}

}  // namespace walcast::app
