#include "app/metrics_factory.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <utility>

#include "app/elasticsearch_factory.h"
#include "core/config.h"
#include "core/log.h"
#include "metrics/options.h"
#include "sinks/elasticsearch/http_client.h"
#include "sinks/elasticsearch/templates.h"

namespace walcast::app {

namespace es = sinks::elasticsearch;

ElasticsearchMetricWriter::ElasticsearchMetricWriter(std::unique_ptr<es::HttpTransport> transport,
                                                     Options options)
    : ElasticsearchMetricWriter(es::SharedBulkClient::Wrap(std::move(transport)),
                                std::move(options)) {}

ElasticsearchMetricWriter::ElasticsearchMetricWriter(std::shared_ptr<es::SharedBulkClient> client,
                                                     Options options)
    : options_(std::move(options)), worker_(std::move(client), [&] {
        es::BulkWorkerOptions w = options_.worker;
        w.name = "metrics";
        w.dead_letter_index = options_.dead_letter_index;
        // The documents are in memory already; a Write never blocks the
        // reader on a full queue (that would stall a stop during an outage).
        w.max_queued = SIZE_MAX;
        return w;
      }()) {}

ElasticsearchMetricWriter::~ElasticsearchMetricWriter() { worker_.Stop(); }

// One outcome for all the bulk requests of one Write: the first error,
// reported once, when the last request is over. The submitting loop holds
// one share until it is done, so `done` cannot run while requests are still
// being submitted. Thread: any (bulk worker callbacks and the caller).
class ElasticsearchMetricWriter::WriteOutcome {
 public:
  explicit WriteOutcome(std::function<void(Status)> done) : done_(std::move(done)) {}

  void Expect() {
    std::lock_guard lock(mu_);
    ++pending_;
  }
  void Finish(const Status& status) {
    std::function<void(Status)> call;
    Status result;
    {
      std::lock_guard lock(mu_);
      if (!status.ok() && first_error_.ok()) first_error_ = status;
      if (--pending_ > 0) return;
      call = std::move(done_);
      result = first_error_;
    }
    call(result);
  }

 private:
  std::mutex mu_;
  size_t pending_ = 1;
  Status first_error_;
  std::function<void(Status)> done_;
};

Status ElasticsearchMetricWriter::SubmitBatch(es::BulkRequestBuilder* builder, es::BulkJob* job,
                                              const std::shared_ptr<WriteOutcome>& outcome) {
  if (job->origins.empty()) return Status::Ok();
  job->request = builder->Take();
  job->done = [outcome](const Status& status) { outcome->Finish(status); };
  outcome->Expect();
  const Status submitted = worker_.Submit(std::move(*job));
  *job = es::BulkJob();
  if (!submitted.ok()) {
    // The worker dropped the job without calling its `done`.
    outcome->Finish(submitted);
    return submitted;
  }
  return Status::Ok();
}

void ElasticsearchMetricWriter::Write(std::vector<metrics::MetricDocument> docs,
                                      std::function<void(Status)> done) {
  std::vector<Action> actions;
  actions.reserve(docs.size());
  for (metrics::MetricDocument& doc : docs) {
    const bool letter = doc.kind == metrics::MetricDocument::Kind::kDeadLetter;
    if (letter && options_.dead_letter_index.empty()) {
      done(Status::Fatal(
          "metrics: a profile could not be counted and elasticsearch.dead.letter.index is none"));
      return;
    }
    actions.push_back({letter ? options_.dead_letter_index : options_.metrics_index,
                       std::move(doc.id), std::move(doc.json), doc.version,
                       letter ? "metrics dead letter" : "metric"});
  }
  WriteActions(std::move(actions), std::move(done));
}

void ElasticsearchMetricWriter::WriteActions(std::vector<Action> actions,
                                             std::function<void(Status)> done) {
  auto outcome = std::make_shared<WriteOutcome>(std::move(done));
  // Versions are committed positions: the same figure may be written again
  // with the same version (a resend, a restart), never an older one.
  es::BulkRequestBuilder builder({}, es::VersionType::kExternalGte);
  es::BulkJob job;
  for (const Action& a : actions) {
    const std::optional<int64_t> version =
        a.version > 0 ? std::optional<int64_t>(static_cast<int64_t>(a.version)) : std::nullopt;
    const Status added = a.json ? builder.Index(a.index, a.id, *a.json, version)
                                : builder.Delete(a.index, a.id, version);
    if (!added.ok()) {
      outcome->Finish(added);
      return;
    }
    job.origins.push_back({a.origin, a.id, Lsn()});
    if (job.origins.size() >= options_.max_actions || builder.bytes() >= options_.max_bytes) {
      if (!SubmitBatch(&builder, &job, outcome).ok()) {
        outcome->Finish(Status::Ok());
        return;
      }
    }
  }
  (void)SubmitBatch(&builder, &job, outcome);
  outcome->Finish(Status::Ok());
}

Result<metrics::MetricSet> LoadMetricSet(const Config& config) {
  Result<metrics::MetricSet> set =
      metrics::LoadMetricDefinitions(config.GetString("metrics.definitions.file"));
  if (!set.ok()) {
    return Status(set.status().code(),
                  "config key 'metrics.definitions.file': " + set.status().message());
  }
  return set;
}

Result<std::unique_ptr<MetricsRuntime>> OpenMetrics(const Config& config,
                                                    es::BulkClientPool* clients) {
  auto runtime = std::make_unique<MetricsRuntime>();
  WALCAST_ASSIGN_OR_RETURN(runtime->set, LoadMetricSet(config));
  Result<metrics::MetricsSinkOptions> options = metrics::MetricsSinkOptionsFromConfig(config);
  if (!options.ok()) {
    return Status(options.status().code(), "config key " + options.status().message());
  }

  Result<ElasticsearchTarget> target = ElasticsearchTargetFrom(config);
  if (!target.ok()) {
    return Status::InvalidArgument(
        "config key 'elasticsearch.url' is required with metrics.definitions.file: metric "
        "documents are written to Elasticsearch");
  }
  // With sinks=elasticsearch the sink installs the same templates at start,
  // before any metric document is written; one installer is enough.
  const std::vector<std::string> sinks = config.GetList("sinks");
  const bool sink_installs = std::find(sinks.begin(), sinks.end(), "elasticsearch") != sinks.end();
  if (config.GetBool("elasticsearch.templates") && !sink_installs) {
    std::string report;
    WALCAST_RETURN_IF_ERROR(InstallElasticsearchTemplates(*target, &report));
    log::Info("metrics: " + report, {{"url", target->http.base_url}});
  }
  ElasticsearchMetricWriter::Options writer;
  writer.metrics_index = config.Has("metrics.index") && !config.GetString("metrics.index").empty()
                             ? LowerAscii(config.GetString("metrics.index"))
                             : es::MetricsIndexName(target->templates.prefix);
  writer.dead_letter_index = target->dead_letter_index;
  writer.max_actions = static_cast<size_t>(config.GetInt("elasticsearch.bulk.max.actions"));
  writer.max_bytes = static_cast<size_t>(config.GetInt("elasticsearch.bulk.max.bytes"));
  WALCAST_ASSIGN_OR_RETURN(std::shared_ptr<es::SharedBulkClient> client,
                           BulkClientFor(*target, clients));
  runtime->writer = std::make_unique<ElasticsearchMetricWriter>(std::move(client), writer);

  WALCAST_ASSIGN_OR_RETURN(
      runtime->sink,
      metrics::MetricsSink::Create(runtime->set, std::move(*options), runtime->writer.get()));
  runtime->sink_ptr = runtime->sink.get();
  log::Info("metrics: state opened",
            {{"metrics", runtime->set.metrics.size()},
             {"applied_lsn", runtime->sink_ptr->applied_lsn().ToString()},
             {"bad_profiles", runtime->sink_ptr->stats().engine.bad_profiles}});
  return runtime;
}

}  // namespace walcast::app
