#include "app/prometheus_text.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <functional>
#include <limits>

namespace walcast::app {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Builds one family with a metric per pipeline (or per pipeline and more
// labels, through `each`).
class Families {
 public:
  MetricFamily& Add(std::string name, std::string help, MetricType type) {
    families_.push_back(MetricFamily{std::move(name), std::move(help), type, {}});
    return families_.back();
  }
  std::vector<MetricFamily>& all() { return families_; }

 private:
  std::vector<MetricFamily> families_;
};

ClientMetric::Label L(std::string name, std::string value) {
  return ClientMetric::Label{std::move(name), std::move(value)};
}

ClientMetric Value(std::vector<ClientMetric::Label> labels, MetricType type, double v) {
  ClientMetric m;
  m.label = std::move(labels);
  if (type == MetricType::Counter) {
    m.counter.value = v;
  } else {
    m.gauge.value = v;
  }
  return m;
}

// A family with one value per pipeline.
void PerPipeline(Families* f, const std::vector<PipelineFigures>& pipelines, std::string name,
                 std::string help, MetricType type,
                 const std::function<double(const PipelineFigures&)>& value) {
  MetricFamily& family = f->Add(std::move(name), std::move(help), type);
  for (const PipelineFigures& p : pipelines) {
    family.metric.push_back(Value({L("pipeline", p.name)}, type, value(p)));
  }
}

// A family with one value per pipeline and sink, for the sinks that keep
// `figure` (SinkCounters::reported); none when no sink does.
void PerSink(Families* f, const std::vector<PipelineFigures>& pipelines, std::string name,
             std::string help, MetricType type, SinkCounters::Figure figure,
             const std::function<uint64_t(const SinkCounters&)>& value) {
  std::vector<ClientMetric> metrics;
  for (const PipelineFigures& p : pipelines) {
    for (const SinkFigures& s : p.sinks) {
      if (!s.counters.Reports(figure)) continue;
      metrics.push_back(Value({L("pipeline", p.name), L("sink", s.name)}, type,
                              static_cast<double>(value(s.counters))));
    }
  }
  if (metrics.empty()) return;
  f->Add(std::move(name), std::move(help), type).metric = std::move(metrics);
}

// A family with one value per pipeline that computes metrics.
void PerMetricState(Families* f, const std::vector<PipelineFigures>& pipelines, std::string name,
                    std::string help, MetricType type,
                    const std::function<double(const MetricStateFigures&)>& value) {
  std::vector<ClientMetric> metrics;
  for (const PipelineFigures& p : pipelines) {
    if (p.metric_state)
      metrics.push_back(Value({L("pipeline", p.name)}, type, value(*p.metric_state)));
  }
  if (metrics.empty()) return;
  f->Add(std::move(name), std::move(help), type).metric = std::move(metrics);
}

void AddPipelineFamilies(Families* f, const std::vector<PipelineFigures>& ps) {
  constexpr MetricType kCounter = MetricType::Counter;
  constexpr MetricType kGauge = MetricType::Gauge;
  MetricFamily& info = f->Add("walcast_pipeline_info",
                              "Each pipeline's database, slot and state (value 1)", kGauge);
  for (const PipelineFigures& p : ps) {
    info.metric.push_back(Value({L("pipeline", p.name), L("database", p.database),
                                 L("slot", p.slot), L("state", p.state)},
                                kGauge, 1));
  }
  PerPipeline(f, ps, "walcast_pipeline_up",
              "1 while the pipeline is snapshotting or streaming, 0 otherwise", kGauge,
              [](const PipelineFigures& p) {
                return p.state == "streaming" || p.state == "snapshotting" ? 1.0 : 0.0;
              });
  MetricFamily& events = f->Add("walcast_events_total",
                                "Change events handed to the sinks, by table and operation",
                                kCounter);
  for (const PipelineFigures& p : ps) {
    for (const auto& [key, n] : p.events) {
      events.metric.push_back(Value(
          {L("pipeline", p.name), L("table", key.first), L("op", OperationName(key.second))}, kCounter,
          static_cast<double>(n)));
    }
  }
  PerPipeline(f, ps, "walcast_transactions_total", "Transactions handed to the sinks", kCounter,
              [](const PipelineFigures& p) { return static_cast<double>(p.transactions); });
  PerPipeline(f, ps, "walcast_received_bytes_total",
              "Bytes of replication messages received from the server", kCounter,
              [](const PipelineFigures& p) { return static_cast<double>(p.received_bytes); });
  PerPipeline(f, ps, "walcast_reconnects_total", "Replication connections re-opened", kCounter,
              [](const PipelineFigures& p) { return static_cast<double>(p.reconnects); });
  PerPipeline(f, ps, "walcast_watermark_lsn",
              "Highest LSN durable in every sink (the checkpoint), as a number", kGauge,
              [](const PipelineFigures& p) { return static_cast<double>(p.watermark_lsn); });
  PerPipeline(f, ps, "walcast_confirmed_flush_lsn",
              "LSN last confirmed to the server as flushed, as a number", kGauge,
              [](const PipelineFigures& p) { return static_cast<double>(p.confirmed_flush_lsn); });
  PerPipeline(f, ps, "walcast_slot_lag_bytes",
              "Server WAL end minus the watermark: WAL the slot still holds for walcast", kGauge,
              [](const PipelineFigures& p) { return static_cast<double>(p.lag_bytes()); });
  PerPipeline(f, ps, "walcast_slot_lag_seconds",
              "Age of the commit time of the oldest transaction not yet durable in every sink",
              kGauge, [](const PipelineFigures& p) { return p.lag_seconds; });

  MetricFamily& latency = f->Add(
      "walcast_commit_to_ack_seconds",
      "From a transaction's commit reaching the sinks to the last sink making it durable",
      MetricType::Histogram);
  for (const PipelineFigures& p : ps) {
    ClientMetric m;
    m.label = {L("pipeline", p.name)};
    m.histogram.sample_count = p.ack_latency.count;
    m.histogram.sample_sum = p.ack_latency.sum_seconds;
    for (size_t i = 0; i < p.ack_latency.cumulative.size(); ++i) {
      const double bound = i < LatencyHistogram::kBounds.size()
                               ? LatencyHistogram::kBounds[i]
                               : std::numeric_limits<double>::infinity();
      m.histogram.bucket.push_back({p.ack_latency.cumulative[i], bound});
    }
    latency.metric.push_back(std::move(m));
  }
}

void AddSinkFamilies(Families* f, const std::vector<PipelineFigures>& ps) {
  constexpr MetricType kCounter = MetricType::Counter;
  constexpr MetricType kGauge = MetricType::Gauge;
  using C = SinkCounters;
  PerSink(f, ps, "walcast_sink_in_flight", "Records handed to the sink, not yet durable", kGauge,
          C::kInFlight, [](const C& c) { return c.in_flight; });
  PerSink(f, ps, "walcast_sink_queued", "Records or actions waiting in the sink's own queue",
          kGauge, C::kQueued, [](const C& c) { return c.queued; });
  PerSink(f, ps, "walcast_sink_acked_total", "Records the sink made durable", kCounter, C::kAcked,
          [](const C& c) { return c.acked; });
  PerSink(f, ps, "walcast_sink_retried_total", "Sends repeated after a retryable failure", kCounter,
          C::kRetried, [](const C& c) { return c.retried; });
  PerSink(f, ps, "walcast_sink_failed_total", "Requests or deliveries that failed", kCounter,
          C::kFailed, [](const C& c) { return c.failed; });
  PerSink(f, ps, "walcast_sink_dead_letters_total",
          "Records sent to the dead-letter destination, with their reason", kCounter,
          C::kDeadLettered, [](const C& c) { return c.dead_lettered; });
}

void AddSnapshotAndMetricFamilies(Families* f, const std::vector<PipelineFigures>& ps) {
  std::vector<ClientMetric> read;
  std::vector<ClientMetric> expected;
  for (const PipelineFigures& p : ps) {
    for (const auto& [table, t] : p.snapshot) {
      read.push_back(Value({L("pipeline", p.name), L("table", table)}, MetricType::Counter,
                           static_cast<double>(t.rows_read)));
      if (t.rows_expected) {
        expected.push_back(Value({L("pipeline", p.name), L("table", table)}, MetricType::Gauge,
                                 static_cast<double>(*t.rows_expected)));
      }
    }
  }
  if (!read.empty()) {
    f->Add("walcast_snapshot_rows_read_total", "Rows the initial snapshot has read, by table",
           MetricType::Counter)
        .metric = std::move(read);
  }
  if (!expected.empty()) {
    f->Add("walcast_snapshot_rows_expected",
           "Rows of the table: the server's estimate while its snapshot runs, the rows read once "
           "it is done",
           MetricType::Gauge)
        .metric = std::move(expected);
  }
  using M = MetricStateFigures;
  PerMetricState(f, ps, "walcast_bad_profiles_total",
                 "Profiles the metrics could not read (counted, dead-lettered, never logged)",
                 MetricType::Counter,
                 [](const M& m) { return static_cast<double>(m.bad_profiles); });
  PerMetricState(f, ps, "walcast_metric_state_commits_total",
                 "Checkpoint commits of the metric state (RocksDB)", MetricType::Counter,
                 [](const M& m) { return static_cast<double>(m.commits); });
  PerMetricState(f, ps, "walcast_metric_state_commit_seconds",
                 "Duration of the last checkpoint commit of the metric state", MetricType::Gauge,
                 [](const M& m) { return m.last_commit_seconds; });
  PerMetricState(f, ps, "walcast_metric_state_commit_seconds_total",
                 "Time spent in checkpoint commits of the metric state", MetricType::Counter,
                 [](const M& m) { return m.commit_seconds_total; });
}

}  // namespace

std::string RenderPrometheus(const std::vector<PipelineFigures>& pipelines) {
  Families families;
  AddPipelineFamilies(&families, pipelines);
  AddSinkFamilies(&families, pipelines);
  AddSnapshotAndMetricFamilies(&families, pipelines);
  return prometheus::TextSerializer().Serialize(families.all());
}

}  // namespace walcast::app
