#include "app/commands.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <sstream>
#include <thread>

#include "app/elasticsearch_factory.h"
#include "app/heartbeat.h"
#include "app/metrics_factory.h"
#include "app/projections_factory.h"
#include "app/options.h"
#include "app/privacy_commands.h"
#include "app/run_plan.h"
#include "app/sink_factory.h"
#include "app/slot_ownership.h"
#include "app/snapshot_state.h"
#include "app/supervisor.h"
#include "core/ack_tracker.h"
#include "core/json_writer.h"
#include "core/log.h"
#include "core/pipeline.h"
#include "metrics/options.h"
#include "projections/options.h"
#include "wal_reader/catalog_type_resolver.h"
#include "wal_reader/libpq_replication_stream.h"
#include "wal_reader/reader.h"
#include "wal_reader/slot_manager.h"
#include "wal_reader/slot_policy.h"
#include "wal_reader/snapshot.h"

namespace walcast::app {
namespace {

using wal_reader::PublicationMode;
using wal_reader::SlotManager;
using wal_reader::TableFilter;

TableFilter FilterFrom(const Config& config) {
  TableFilter f;
  f.include = config.GetList("table.include.list");
  f.exclude = config.GetList("table.exclude.list");
  return f;
}

// Waits briefly for a slot still held by a walsender that is going away
// (e.g. our own previous process after kill -9), then refuses clearly.
Result<wal_reader::SlotInfo> WaitForInactiveSlot(SlotManager* manager, const std::string& slot,
                                                 const std::atomic<bool>* stop) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  for (;;) {
    WALCAST_ASSIGN_OR_RETURN(std::optional<wal_reader::SlotInfo> info, manager->GetSlot(slot));
    if (!info) return Status::NotFound("replication slot '" + slot + "' does not exist");
    if (!info->active) return *info;
    if (std::chrono::steady_clock::now() >= deadline || stop->load()) {
      return Status::Fatal("replication slot '" + slot + "' is in use by PID " +
                           std::to_string(info->active_pid) +
                           "; is another walcast running on this slot?");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

// The slot, plugin and publication settings `run` and `setup` share.
struct SlotSettings {
  std::string slot;
  std::string plugin;
  std::string publication;
  PublicationMode mode;
  TableFilter filter;
  bool failover = false;  // slot.failover
};

Result<SlotSettings> SlotSettingsFrom(const Config& config) {
  WALCAST_ASSIGN_OR_RETURN(
      PublicationMode mode,
      wal_reader::ParsePublicationMode(config.GetString("publication.autocreate.mode")));
  SlotSettings settings{config.GetString("slot.name"),        config.GetString("plugin.name"),
                        config.GetString("publication.name"), mode,
                        FilterFrom(config),                   config.GetBool("slot.failover")};
  WALCAST_RETURN_IF_ERROR(settings.filter.Validate());
  return settings;
}

// The snapshot's rows per table (SnapshotProgress::table_rows), copied from
// the Snapshotter while it runs and kept for the figures after it.
// Thread-safe.
class SnapshotTableRows {
 public:
  void Set(std::map<std::string, uint64_t> rows) {
    std::lock_guard lock(mu_);
    rows_ = std::move(rows);
  }
  std::map<std::string, uint64_t> Get() const {
    std::lock_guard lock(mu_);
    return rows_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> rows_;
};

// Reads the snapshot into the pipeline, waits until every sink has made it
// durable, then records it as completed. Returns OK with the watermark below
// the consistent point when a stop request interrupted it. `table_rows`
// receives the rows per table as the snapshot learns them.
Status RunSnapshot(const Config& config, const std::string& conninfo,
                   const wal_reader::LibpqReplicationStream::CreatedSlot& exported,
                   const std::vector<wal_reader::TableId>& tables, Pipeline* pipeline,
                   AckTracker* tracker, wal_reader::TypeResolver* resolver,
                   const SnapshotState& state, const std::atomic<bool>* stop,
                   SnapshotTableRows* table_rows) {
  wal_reader::SnapshotOptions options;
  options.conninfo = conninfo;
  options.snapshot_name = exported.snapshot_name;
  options.lsn = exported.consistent_point;
  options.threads = static_cast<int>(config.GetInt("snapshot.max.threads"));
  wal_reader::Snapshotter snapshotter(options, pipeline, resolver, stop);

  // `walcast status` reads the progress from state.dir.
  std::atomic<bool> done{false};
  std::thread progress([&] {
    while (!done.load()) {
      const auto& p = snapshotter.progress();
      (void)state.WriteProgress(p.rows_done.load(), p.rows_estimated.load(), p.tables_done.load(),
                                p.tables_total.load());
      table_rows->Set(p.table_rows());
      for (int i = 0; i < 10 && !done.load(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  });
  Status read = snapshotter.Run(tables);
  Status durable = Status::Ok();
  if (read.ok()) {
    // Deliveries of a big snapshot can take a while; wait as long as they
    // make progress and nobody asked to stop.
    while (!stop->load()) {
      durable = pipeline->Flush(std::chrono::seconds(10));
      if (durable.ok() || !durable.IsRetryable()) break;
    }
  }
  done.store(true);
  progress.join();
  table_rows->Set(snapshotter.progress().table_rows());
  if (!read.ok()) {
    if (stop->load()) {
      log::Warn("snapshot interrupted; the next start takes it again from the beginning",
                {{"rows_done", snapshotter.progress().rows_done.load()}});
      return Status::Ok();
    }
    return read;
  }
  WALCAST_RETURN_IF_ERROR(durable);
  if (tracker->watermark() < exported.consistent_point) return Status::Ok();  // stopped
  WALCAST_RETURN_IF_ERROR(state.MarkCompleted(exported.consistent_point));
  log::Info("snapshot completed", {{"lsn", exported.consistent_point.ToString()},
                                   {"rows", snapshotter.progress().rows_done.load()}});
  return Status::Ok();
}

// What `run` learned from the server before it streams.
struct Source {
  std::string conninfo;
  SlotSettings settings;
  std::unique_ptr<SlotManager> manager;
  wal_reader::ServerInfo server;
  std::vector<wal_reader::TableId> tables;
};

// Connects, checks wal_level, makes the publication current (pgoutput) and
// resolves the captured tables.
Result<Source> OpenSource(const Config& config) {
  Source source;
  source.conninfo = Conninfo(config);
  WALCAST_ASSIGN_OR_RETURN(source.settings, SlotSettingsFrom(config));
  WALCAST_ASSIGN_OR_RETURN(source.manager, SlotManager::Connect(source.conninfo));
  WALCAST_ASSIGN_OR_RETURN(source.server, source.manager->GetServerInfo());
  WALCAST_RETURN_IF_ERROR(SlotManager::CheckWalLevel(source.server));
  const SlotSettings& s = source.settings;
  WALCAST_RETURN_IF_ERROR(CheckFailoverSupported(s.failover, source.server.version));
  if (s.plugin == "pgoutput") {
    WALCAST_RETURN_IF_ERROR(source.manager->EnsurePublication(s.publication, s.mode, s.filter));
  }
  WALCAST_ASSIGN_OR_RETURN(source.tables, source.manager->ResolveTables(s.filter));
  return source;
}

// Opens the metrics (metrics.definitions.file) when configured. Their state
// is seeded by the snapshot, so a state that is empty (metrics switched on
// for a slot that already streams) or was wiped
// (metrics.definitions.change=reset) asks for one, and every new snapshot
// starts from a wiped state.
Result<std::unique_ptr<MetricsRuntime>> OpenMetricsFor(
    const Config& config, const Source& source, SnapshotDecision* snapshot, bool one_of_several,
    sinks::elasticsearch::BulkClientPool* clients) {
  if (!metrics::MetricsEnabled(config)) return std::unique_ptr<MetricsRuntime>();
  auto captured = [&](const std::string& table) {
    return std::any_of(source.tables.begin(), source.tables.end(),
                       [&](const wal_reader::TableId& t) { return t.Dotted() == table; });
  };
  if (one_of_several) {
    // The metric definitions are shared by every pipeline; each computes
    // the metrics of the tables it captures (its own state and instance).
    WALCAST_ASSIGN_OR_RETURN(metrics::MetricSet set, LoadMetricSet(config));
    if (std::none_of(set.tables.begin(), set.tables.end(), captured)) {
      log::Info("metrics: this pipeline captures none of their source tables; off for it");
      return std::unique_ptr<MetricsRuntime>();
    }
  }
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<MetricsRuntime> metrics, OpenMetrics(config, clients));
  const metrics::MetricsSink& sink = *metrics->sink_ptr;
  const char* reason = sink.engine().reset_at_open() ? "metric definitions changed"
                       : !sink.applied_lsn().valid() ? "the metric state is empty"
                                                      : nullptr;
  if (ApplyMetricsNeed(reason, snapshot)) {
    log::Warn("metrics start from the current position without a snapshot",
              {{"reason", reason}, {"snapshot.mode", config.GetString("snapshot.mode")}});
  }
  for (const std::string& table : metrics->set.tables) {
    if (table.empty() || captured(table)) continue;
    // With several pipelines another one may capture it.
    log::Write(one_of_several ? log::Level::kInfo : log::Level::kWarn,
               one_of_several ? "metrics: a source table is not captured by this pipeline"
                              : "metrics: a source table is not captured; add it to "
                                "table.include.list",
               {{"table", table}});
  }
  if (snapshot->take) WALCAST_RETURN_IF_ERROR(metrics->sink_ptr->Reset());
  return metrics;
}

// Opens the projections (projections.definitions.file) when configured. An
// empty state (projections switched on for a slot that already streams) asks
// for a snapshot, like the metrics.
Result<std::unique_ptr<ProjectionsRuntime>> OpenProjectionsFor(const Config& config,
                                                               SnapshotDecision* snapshot) {
  if (!projections::ProjectionsEnabled(config)) return std::unique_ptr<ProjectionsRuntime>();
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<ProjectionsRuntime> runtime, OpenProjections(config));
  const char* reason =
      runtime->sink_ptr->engine().applied_lsn().valid() ? nullptr : "the projection state is empty";
  if (ApplyMetricsNeed(reason, snapshot)) {
    log::Warn("projections start from the current position without a snapshot",
              {{"reason", reason}, {"snapshot.mode", config.GetString("snapshot.mode")}});
  }
  // A snapshot re-reads every row: entries of rows deleted since must go.
  if (snapshot->take) WALCAST_RETURN_IF_ERROR(runtime->sink_ptr->engine().Reset());
  return runtime;
}

// The slot streaming starts from. For a snapshot it is (re)created with an
// exported snapshot, so a slot left by an interrupted snapshot, or by
// `walcast setup`, is dropped first: only ever one walcast created (`owned`;
// CheckSlotOwnership refused the others). A slot walcast creates is recorded
// in `ownership`. `exporter` must stay open until the snapshot is read.
struct SlotStart {
  std::unique_ptr<wal_reader::LibpqReplicationStream> exporter;
  std::optional<wal_reader::LibpqReplicationStream::CreatedSlot> exported;
  wal_reader::SlotInfo slot;
};

Result<SlotStart> PrepareSlot(const Source& source, const SnapshotDecision& snapshot,
                              const std::optional<wal_reader::SlotInfo>& existing, bool owned,
                              const SnapshotState& snapshot_state, const SlotOwnership& ownership,
                              const std::atomic<bool>* stop) {
  const std::string& slot = source.settings.slot;
  SlotStart start;
  if (snapshot.take) {
    if (existing) {
      // CheckSlotOwnership refused a foreign slot with a snapshot to take.
      if (!owned) return Status::Internal("refusing to drop replication slot '" + slot + "'");
      WALCAST_RETURN_IF_ERROR(WaitForInactiveSlot(source.manager.get(), slot, stop).status());
      log::Warn("dropping the replication slot to take a consistent snapshot",
                {{"slot", slot}, {"reason", snapshot.reason}});
      WALCAST_RETURN_IF_ERROR(source.manager->DropSlot(slot));
    }
    WALCAST_RETURN_IF_ERROR(snapshot_state.Clear());
    // Recorded before the slot exists, so a crash right after creating it
    // never leaves walcast's own slot looking foreign.
    WALCAST_RETURN_IF_ERROR(ownership.MarkCreated(source.settings.plugin));
    WALCAST_ASSIGN_OR_RETURN(start.exporter,
                             wal_reader::LibpqReplicationStream::Connect(source.conninfo));
    WALCAST_ASSIGN_OR_RETURN(start.exported,
                             start.exporter->CreateSlotExportingSnapshot(
                                 slot, source.settings.plugin, source.settings.failover));
  } else if (existing) {
    // A restart: the slot was read a moment ago, so no query repeats it
    // (each one is a round trip before streaming starts).
    WALCAST_RETURN_IF_ERROR(
        wal_reader::CheckSlotReusable(*existing, source.settings.plugin, source.server.database));
    if (source.settings.failover && !existing->failover) {
      // A slot made before slot.failover was set, by walcast or not.
      WALCAST_ASSIGN_OR_RETURN(auto conn,
                               wal_reader::LibpqReplicationStream::Connect(source.conninfo));
      WALCAST_RETURN_IF_ERROR(conn->EnableFailover(slot));
      log::Info("failover turned on for the replication slot", {{"slot", slot}});
    }
    if (!owned) {
      log::Info("using a replication slot walcast did not create, from its position",
                {{"slot", slot}, {"confirmed_flush_lsn", existing->confirmed_flush.ToString()}});
    }
    if (!existing->active) {
      start.slot = *existing;
      return start;
    }
  } else {
    WALCAST_RETURN_IF_ERROR(ownership.MarkCreated(source.settings.plugin));
    WALCAST_RETURN_IF_ERROR(
        source.manager->EnsureSlot(slot, source.settings.plugin, source.settings.failover)
            .status());
  }
  WALCAST_ASSIGN_OR_RETURN(start.slot, WaitForInactiveSlot(source.manager.get(), slot, stop));
  return start;
}

Result<wal_reader::ReaderOptions> ReaderOptionsFrom(const Config& config, const Source& source) {
  wal_reader::ReaderOptions reader;
  reader.conninfo = source.conninfo;
  reader.slot = source.settings.slot;
  reader.plugin = source.settings.plugin;
  reader.status_interval = std::chrono::milliseconds(config.GetInt("status.update.interval.ms"));
  reader.receiver_timeout = std::chrono::milliseconds(config.GetInt("wal.receiver.timeout.ms"));
  reader.backoff_initial = std::chrono::milliseconds(config.GetInt("reconnect.backoff.initial.ms"));
  reader.backoff_max = std::chrono::milliseconds(config.GetInt("reconnect.backoff.max.ms"));
  reader.max_retries = static_cast<int>(config.GetInt("reconnect.max.attempts"));
  reader.pgoutput.stream_memory_limit_bytes =
      static_cast<size_t>(config.GetInt("stream.buffer.memory.bytes"));
  reader.pgoutput.spill_dir = config.GetString("stream.buffer.spill.dir");
  if (config.Has("stop.at.lsn")) {
    const std::optional<Lsn> stop_at = Lsn::Parse(config.GetString("stop.at.lsn"));
    if (!stop_at) {
      return Status::InvalidArgument("config key 'stop.at.lsn': '" +
                                     config.GetString("stop.at.lsn") + "' is not an LSN (X/X)");
    }
    reader.stop_at = *stop_at;
  }
  WALCAST_RETURN_IF_ERROR(SetPluginOptions(config, source.settings.publication, source.tables,
                                           source.server.version, &reader));
  return reader;
}

// heartbeat.action.query / heartbeat.logical.message: a statement run on
// the pipeline's ticks every heartbeat.interval.ms. Returns null when none
// is configured; the action must outlive the pipeline's ticks.
Result<std::unique_ptr<HeartbeatAction>> AddHeartbeatAction(const Config& config,
                                                            const std::string& conninfo,
                                                            Pipeline* pipeline) {
  const auto interval = std::chrono::milliseconds(config.GetInt("heartbeat.interval.ms"));
  std::string sql = config.GetString("heartbeat.action.query");
  if (sql.empty() && config.GetBool("heartbeat.logical.message")) sql = HeartbeatMessageSql();
  if (sql.empty()) return std::unique_ptr<HeartbeatAction>();
  if (interval.count() == 0) {
    return Status::InvalidArgument(
        "config key 'heartbeat.interval.ms' must be > 0 with heartbeat.action.query or "
        "heartbeat.logical.message");
  }
  auto action = std::make_unique<HeartbeatAction>(conninfo, sql, interval);
  pipeline->AddTicker([raw = action.get()](auto now) { return raw->Tick(now); });
  return action;
}

void LogMetricsStopped(const MetricsRuntime& metrics) {
  const metrics::MetricsSinkStats m = metrics.sink_ptr->stats();
  log::Info("metrics stopped", {{"applied_lsn", m.applied_lsn.ToString()},
                                {"walcast_bad_profiles", m.engine.bad_profiles},
                                {"documents_written", m.documents_written},
                                {"dead_letters_written", m.dead_letters_written},
                                {"bulk_requests", metrics.writer->stats().requests}});
}

// A pipeline's live objects the figures are read from (FillLiveFigures).
// `reader` is null before streaming, `metrics_sink` without metrics.
struct LiveObjects {
  const Config& config;
  const AckTracker& tracker;
  const Pipeline& pipeline;
  const SnapshotTableRows& snapshot_rows;
  const metrics::MetricsSink* metrics_sink = nullptr;
  const wal_reader::Reader* reader = nullptr;
};

// The metrics' figures (metrics/metrics_sink.h) as the endpoint shows them.
MetricStateFigures MetricStateFrom(const metrics::MetricsSinkFigures& m) {
  MetricStateFigures out;
  out.bad_profiles = m.bad_profiles;
  out.commits = m.checkpoint_commits;
  out.last_commit_seconds = m.last_commit_seconds;
  out.commit_seconds_total = m.commit_seconds_total;
  for (const metrics::MetricTopFigure& top : m.top) {
    out.top.push_back({top.metric, top.total, top.buckets, top.largest_bucket});
  }
  return out;
}

// The figures of a pipeline's live objects (app/pipeline_registry.h
// LiveFigures).
void FillLiveFigures(const LiveObjects& live, PipelineFigures* f) {
  const Pipeline& pipeline = live.pipeline;
  f->database = live.config.GetString("database.dbname");
  f->slot = live.config.GetString("slot.name");
  f->state = live.reader != nullptr ? "streaming" : "snapshotting";
  f->events = pipeline.counters().events();
  f->transactions = pipeline.counters().transactions();
  f->watermark_lsn = live.tracker.watermark().value();
  f->ack_latency = live.tracker.ack_latency().Read();
  if (const int64_t oldest = live.tracker.oldest_pending_commit_time_us(); oldest > 0) {
    const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    f->lag_seconds = std::max<double>(0, static_cast<double>(now_us - oldest) / 1e6);
  }
  for (const auto& [table, rows] : live.snapshot_rows.Get()) {
    f->snapshot[table].rows_expected = rows;
  }
  for (const auto& [key, n] : f->events) {
    if (key.second == static_cast<char>(Op::kRead)) f->snapshot[key.first].rows_read = n;
  }
  for (const auto& sink : pipeline.sinks()) f->sinks.push_back({sink->name(), sink->counters()});
  if (live.metrics_sink != nullptr) {
    f->metric_state = MetricStateFrom(live.metrics_sink->figures());
  }
  if (live.reader != nullptr) {
    const wal_reader::ReaderStats& r = live.reader->stats();
    f->received_bytes = r.bytes.load(std::memory_order_relaxed);
    f->reconnects = r.reconnects.load(std::memory_order_relaxed);
    f->server_wal_end_lsn = r.server_wal_end.load(std::memory_order_relaxed);
    f->confirmed_flush_lsn = r.confirmed_flush.load(std::memory_order_relaxed);
  }
}

// Publishes a pipeline's live figures while in scope and withdraws them (or
// publishes `after`, what outlives the scope) on exit. Nothing without a
// progress record.
class LiveFiguresScope {
 public:
  LiveFiguresScope(PipelineProgress* progress, LiveFigures::Fill fill,
                   LiveFigures::Fill after = nullptr)
      : progress_(progress), after_(std::move(after)) {
    if (progress_ != nullptr) progress_->live.Set(std::move(fill));
  }
  ~LiveFiguresScope() {
    if (progress_ != nullptr) progress_->live.Set(std::move(after_));
  }
  LiveFiguresScope(const LiveFiguresScope&) = delete;
  LiveFiguresScope& operator=(const LiveFiguresScope&) = delete;

 private:
  PipelineProgress* progress_;
  LiveFigures::Fill after_;
};

// Reports the pipeline to `progress` (see RunCommand): copies the watermark
// and the event count on each tick.
void AddProgressReport(PipelineProgress* progress, const AckTracker* tracker, Pipeline* pipeline) {
  const uint64_t events_before = progress->events.load();
  pipeline->AddTicker([progress, tracker, pipeline, events_before](auto) {
    progress->watermark.store(tracker->watermark().value(), std::memory_order_relaxed);
    progress->events.store(events_before + pipeline->counters().total_events(),
                           std::memory_order_relaxed);
    return Status::Ok();
  });
  progress->watermark.store(tracker->watermark().value(), std::memory_order_relaxed);
  progress->streaming.store(true);
}

// Connections a start opens while it reads the catalog: each needs only the
// conninfo and costs a full authentication round trip, so they overlap with
// the catalog queries instead of following them (bench/startup_shutdown.sh).
// The replication connection is opened early only on a restart that streams
// without a snapshot (a completed snapshot is recorded, or snapshot.mode
// takes none): a snapshot's exporting connection would otherwise need a
// second WAL sender. Its failure is not reported here: the reader connects
// again and reports its own.
class EarlyConnections {
 public:
  EarlyConnections(const std::string& conninfo, bool replication) {
    resolver_ = std::async(std::launch::async, [conninfo] {
      return wal_reader::CatalogTypeResolver::Connect(conninfo);
    });
    if (replication) {
      stream_ = std::async(std::launch::async, [conninfo] {
        return wal_reader::LibpqReplicationStream::Connect(conninfo);
      });
    }
  }

  Result<std::unique_ptr<wal_reader::CatalogTypeResolver>> TakeResolver() {
    return resolver_.get();
  }

  // Closes the early replication connection (a snapshot follows).
  void DropStream() {
    if (stream_.valid()) (void)stream_.get();
  }

  // The reader's connector: the early connection the first time it is
  // there and worked, a new one otherwise. Borrows this object.
  wal_reader::StreamConnector Connector(std::string conninfo) {
    return [this, conninfo = std::move(
                      conninfo)]() -> Result<std::unique_ptr<wal_reader::ReplicationStream>> {
      if (stream_.valid()) {
        Result<std::unique_ptr<wal_reader::LibpqReplicationStream>> early = stream_.get();
        if (early.ok())
          return std::unique_ptr<wal_reader::ReplicationStream>(std::move(early).value());
      }
      WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<wal_reader::LibpqReplicationStream> stream,
                               wal_reader::LibpqReplicationStream::Connect(conninfo));
      return std::unique_ptr<wal_reader::ReplicationStream>(std::move(stream));
    };
  }

 private:
  std::future<Result<std::unique_ptr<wal_reader::CatalogTypeResolver>>> resolver_;
  std::future<Result<std::unique_ptr<wal_reader::LibpqReplicationStream>>> stream_;
};

}  // namespace

Status RunCommand(const Config& config, const std::atomic<bool>* stop,
                  const PipelineContext* context) {
  PipelineProgress* progress = context != nullptr ? context->progress : nullptr;
  if (config.GetList("sinks").empty() && !metrics::MetricsEnabled(config) &&
      !projections::ProjectionsEnabled(config)) {
    return Status::InvalidArgument(
        "config key 'sinks' is empty and neither metrics.definitions.file nor "
        "projections.definitions.file is set: nothing to do");
  }
  // Before anything changes on the server (a bad key file is a
  // configuration error), and before the pipeline, which borrows it.
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<PrivacyRuntime> privacy, OpenPrivacy(config));
  const std::string snapshot_mode = config.GetString("snapshot.mode");
  const bool restart = snapshot_mode == "never" || snapshot_mode == "no_data" ||
                       SnapshotState(config.GetString("state.dir"), config.GetString("slot.name"))
                           .Completed()
                           .has_value();
  EarlyConnections early(Conninfo(config), restart);
  WALCAST_ASSIGN_OR_RETURN(Source source, OpenSource(config));
  const std::string& slot = source.settings.slot;
  // Before anything is created: a setting this server cannot honour
  // (pgoutput.origin, pgoutput.proto.version) leaves no slot behind.
  WALCAST_ASSIGN_OR_RETURN(wal_reader::ReaderOptions reader, ReaderOptionsFrom(config, source));
  // How long a stop waits for the sinks to make what they hold durable.
  const std::chrono::milliseconds shutdown_timeout(config.GetInt("shutdown.timeout.ms"));
  if (context != nullptr && context->topics != nullptr) {
    std::vector<std::string> tables;
    for (const wal_reader::TableId& t : source.tables) tables.push_back(t.Dotted());
    WALCAST_RETURN_IF_ERROR(
        context->topics->Claim(context->name, config.GetString("topic.prefix"), tables));
  }

  // The initial snapshot (snapshot.mode): needed when no completed snapshot
  // is recorded for this slot in state.dir.
  const SnapshotState snapshot_state(config.GetString("state.dir"), slot);
  WALCAST_ASSIGN_OR_RETURN(std::optional<wal_reader::SlotInfo> existing,
                           source.manager->GetSlot(slot));
  // Only a slot walcast created is ever dropped or re-created.
  const SlotOwnership ownership(config.GetString("state.dir"), slot);
  if (!existing) WALCAST_RETURN_IF_ERROR(ownership.Clear());  // a stale record
  const bool completed = snapshot_state.Completed().has_value();
  const bool owned = existing && (ownership.Recorded() || completed);
  WALCAST_RETURN_IF_ERROR(
      CheckSlotOwnership(snapshot_mode, source.settings.plugin, existing, owned));
  WALCAST_ASSIGN_OR_RETURN(SnapshotDecision snapshot,
                           DecideSnapshot(snapshot_mode, existing, completed));
  WALCAST_ASSIGN_OR_RETURN(
      std::unique_ptr<MetricsRuntime> metrics,
      OpenMetricsFor(config, source, &snapshot, context != nullptr && context->topics != nullptr,
                     context != nullptr && context->shared != nullptr
                         ? context->shared->bulk_clients
                         : nullptr));
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<ProjectionsRuntime> projected,
                           OpenProjectionsFor(config, &snapshot));
  if (snapshot.take) early.DropStream();
  WALCAST_ASSIGN_OR_RETURN(SlotStart start,
                           PrepareSlot(source, snapshot, existing, owned, snapshot_state,
                                       ownership, stop));
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<wal_reader::CatalogTypeResolver> resolver,
                           early.TakeResolver());

  // A snapshot is one transaction ending at the consistent point; the
  // tracker starts just below it so that the snapshot can be tracked.
  AckTracker tracker(start.exported ? Lsn(start.exported->consistent_point.value() - 1)
                                    : start.slot.confirmed_flush);
  Pipeline pipeline(&tracker, progress != nullptr ? &progress->problems : nullptr);
  if (privacy) WALCAST_RETURN_IF_ERROR(InstallPrivacyTransform(privacy.get(), &pipeline));
  WALCAST_RETURN_IF_ERROR(AddConfiguredSinks(config, source.server.database, &pipeline,
                                             source.server.current_wal,
                                             context != nullptr ? context->shared : nullptr));
  // Metric definitions read values no output may receive (privacy/).
  if (metrics) pipeline.AddSink(std::move(metrics->sink), RowView::kOriginal);
  // Projections feed reports (outputs): they get the rows the privacy rules made.
  if (projected) pipeline.AddSink(std::move(projected->sink));
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<HeartbeatAction> heartbeat,
                           AddHeartbeatAction(config, source.conninfo, &pipeline));
  // Past every configuration check: a failure from here on is retried.
  if (progress != nullptr) AddProgressReport(progress, &tracker, &pipeline);
  SnapshotTableRows snapshot_rows;
  const LiveObjects live{
      config, tracker, pipeline, snapshot_rows, metrics ? metrics->sink_ptr : nullptr, nullptr};
  const LiveFiguresScope snapshot_figures(progress,
                                          [&](PipelineFigures* f) { FillLiveFigures(live, f); });
  log::Info("walcast starting", {{"slot", slot},
                                 {"plugin", reader.plugin},
                                 {"tables", source.tables.size()},
                                 {"confirmed_flush_lsn", start.slot.confirmed_flush.ToString()},
                                 {"proto_version", reader.pgoutput.proto_version},
                                 {"streaming", reader.pgoutput.streaming ? "on" : "off"}});

  if (start.exported) {
    WALCAST_RETURN_IF_ERROR(RunSnapshot(config, source.conninfo, *start.exported, source.tables,
                                        &pipeline, &tracker, resolver.get(), snapshot_state, stop,
                                        &snapshot_rows));
    start.exporter.reset();
    if (!tracker.watermark().valid() || tracker.watermark() < start.exported->consistent_point) {
      // Interrupted: nothing is recorded, the next start takes it again.
      return pipeline.Close(shutdown_timeout);
    }
    if (snapshot_mode == "initial_only") {
      log::Info("snapshot.mode=initial_only: snapshot complete, not streaming", {{"slot", slot}});
      return pipeline.Close(shutdown_timeout);
    }
  }

  wal_reader::ReaderHooks hooks;
  hooks.connect = early.Connector(source.conninfo);
  wal_reader::Reader streamer(std::move(reader), &pipeline, &tracker, resolver.get(), stop,
                              std::move(hooks));
  LiveObjects streaming = live;
  streaming.reader = &streamer;
  const LiveFiguresScope streaming_figures(
      progress, [&](PipelineFigures* f) { FillLiveFigures(streaming, f); },
      [&](PipelineFigures* f) {
        FillLiveFigures(live, f);
        f->state = "stopping";
      });
  Status status = streamer.Run();
  if (status.code() == Status::Code::kFatal) {
    // The server invalidated the slot while walcast ran (it fell behind
    // max_slot_wal_keep_size): say so, rather than START_REPLICATION's
    // bare refusal.
    const Result<std::optional<wal_reader::SlotInfo>> now = source.manager->GetSlot(slot);
    if (now.ok() && *now && (*now)->wal_status == "lost") {
      status = Status::Fatal(wal_reader::LostSlotMessage(**now));
    }
  }
  const Status closed = pipeline.Close(shutdown_timeout);
  if (metrics) LogMetricsStopped(*metrics);
  if (status.ok() && config.GetBool("slot.drop.on.stop")) {
    if (existing && !owned) {
      log::Warn("slot.drop.on.stop: not dropping a replication slot walcast did not create",
                {{"slot", slot}});
    } else {
      status = source.manager->DropSlot(slot);
      if (status.ok()) status = ownership.Clear();
    }
  }
  if (progress != nullptr) {
    progress->watermark.store(tracker.watermark().value(), std::memory_order_relaxed);
  }
  if (!status.ok()) return status;
  return closed;
}

Status RunSingle(const Config& config, const std::atomic<bool>* stop, PipelineRegistry* registry) {
  const std::string name = config.GetString("slot.name");
  const int id = registry->Add(name);
  // The sink and the metrics share one Elasticsearch client.
  sinks::elasticsearch::BulkClientPool bulk_clients;
  SharedClients shared{nullptr, nullptr, &bulk_clients};
  const PipelineContext context{name, registry->BeginAttempt(id), nullptr, &shared};
  const Status status = RunCommand(config, stop, &context);
  registry->EndAttempt(id, status.ok() ? PipelineState::kStopped : PipelineState::kFailed,
                       status.ok() ? std::string() : status.ToString());
  return status;
}

Status RunPipelines(const std::vector<PipelineConfig>& pipelines, const std::atomic<bool>* stop,
                    PipelineRegistry* registry) {
  log::Info("walcast starting pipelines", {{"pipelines", pipelines.size()}});
  PipelineTopics topics;
  SharedLookupStores lookups;
  // Declared before the supervisor's pipelines use it, so it outlives them.
  sinks::kafka::ProducerPool producers;
  sinks::elasticsearch::BulkClientPool bulk_clients;
  SharedClients shared{&lookups, &producers, &bulk_clients};
  Supervisor supervisor(
      pipelines, registry,
      [&topics, &shared](const std::string& name, const Config& config,
                         const std::atomic<bool>* pipeline_stop, PipelineProgress* progress) {
        const PipelineContext context{name, progress, &topics, &shared};
        return RunCommand(config, pipeline_stop, &context);
      });
  return supervisor.Run(stop);
}

Status SetupCommand(const Config& config, bool check_only, std::ostream& out) {
  WALCAST_ASSIGN_OR_RETURN(const SlotSettings settings, SlotSettingsFrom(config));
  const auto& [slot, plugin, publication, mode, filter, failover] = settings;
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<SlotManager> manager,
                           SlotManager::Connect(Conninfo(config)));
  WALCAST_ASSIGN_OR_RETURN(const wal_reader::ServerInfo server, manager->GetServerInfo());
  WALCAST_RETURN_IF_ERROR(CheckFailoverSupported(failover, server.version));
  if (check_only) {
    WALCAST_ASSIGN_OR_RETURN(std::vector<wal_reader::Finding> findings,
                             manager->Preflight(slot, plugin, publication, mode, filter));
    int errors = 0;
    for (const auto& f : findings) {
      const char* tag = f.severity == wal_reader::Finding::Severity::kOk        ? "ok   "
                        : f.severity == wal_reader::Finding::Severity::kWarning ? "warn "
                                                                                : "FAIL ";
      if (f.severity == wal_reader::Finding::Severity::kError) ++errors;
      out << tag << f.check << ": " << f.detail << "\n";
      for (const auto& sql : f.fix_sql) out << "      fix: " << sql << "\n";
    }
    out << (errors == 0 ? "preflight passed\n"
                        : "preflight failed: " + std::to_string(errors) + " problem(s)\n");
    if (errors > 0) {
      return Status::InvalidArgument("preflight found " + std::to_string(errors) + " problem(s)");
    }
    return Status::Ok();
  }
  WALCAST_RETURN_IF_ERROR(manager->CheckWalLevel());
  if (plugin == "pgoutput") {
    WALCAST_RETURN_IF_ERROR(manager->EnsurePublication(publication, mode, filter));
    out << "publication " << publication << " ready\n";
  }
  WALCAST_ASSIGN_OR_RETURN(std::optional<wal_reader::SlotInfo> existing, manager->GetSlot(slot));
  if (!existing) {
    // `run` may drop it for its snapshot: record that walcast makes it
    // (before, so that a crash in between cannot orphan it).
    WALCAST_RETURN_IF_ERROR(SlotOwnership(config.GetString("state.dir"), slot).MarkCreated(plugin));
  }
  WALCAST_ASSIGN_OR_RETURN(wal_reader::SlotInfo info,
                           manager->EnsureSlot(slot, plugin, failover));
  out << "slot " << info.name << " ready (plugin " << info.plugin << ", confirmed_flush_lsn "
      << info.confirmed_flush.ToString() << ")\n";
  const std::vector<std::string> sinks = config.GetList("sinks");
  if (std::find(sinks.begin(), sinks.end(), "elasticsearch") != sinks.end() ||
      metrics::MetricsEnabled(config)) {
    WALCAST_ASSIGN_OR_RETURN(ElasticsearchTarget target, ElasticsearchTargetFrom(config));
    std::string report;
    WALCAST_RETURN_IF_ERROR(InstallElasticsearchTemplates(target, &report));
    out << report << "\n";
  }
  return Status::Ok();
}

Status StatusCommand(const Config& config, std::ostream& out) {
  const std::string slot = config.GetString("slot.name");
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<SlotManager> manager,
                           SlotManager::Connect(Conninfo(config)));
  WALCAST_ASSIGN_OR_RETURN(wal_reader::ServerInfo server, manager->GetServerInfo());
  WALCAST_ASSIGN_OR_RETURN(std::optional<wal_reader::SlotInfo> info, manager->GetSlot(slot));
  if (!info) return Status::NotFound("replication slot '" + slot + "' does not exist");
  const uint64_t lag = server.current_wal.value() > info->confirmed_flush.value()
                           ? server.current_wal.value() - info->confirmed_flush.value()
                           : 0;
  out << "slot:                " << info->name << "\n"
      << "plugin:              " << info->plugin << "\n"
      << "database:            " << info->database << "\n"
      << "active:              "
      << (info->active ? "yes (pid " + std::to_string(info->active_pid) + ")" : "no") << "\n"
      << "wal_status:          " << info->wal_status << "\n"
      << "restart_lsn:         " << info->restart_lsn.ToString() << "\n"
      << "confirmed_flush_lsn: " << info->confirmed_flush.ToString() << "\n"
      << "current_wal_lsn:     " << server.current_wal.ToString() << "\n"
      << "lag_bytes:           " << lag << "\n"
      << "snapshot:            " << SnapshotState(config.GetString("state.dir"), slot).Describe()
      << "\n";
  return Status::Ok();
}

namespace {

using JsonWriter = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void WriteSnapshotJson(JsonWriter& w, const SnapshotReport& r) {
  w.Key("snapshot");
  w.StartObject();
  w.Key("state");
  w.String(r.state == SnapshotReport::State::kCompleted ? "completed"
           : r.state == SnapshotReport::State::kRunning ? "running_or_interrupted"
                                                        : "none");
  if (r.state == SnapshotReport::State::kCompleted) {
    w.Key("completed_at_lsn");
    json::String(w, r.completed_at.ToString());
  } else if (r.state == SnapshotReport::State::kRunning) {
    w.Key("rows_done");
    w.Uint64(r.rows_done);
    w.Key("rows_estimated");
    w.Uint64(r.rows_estimated);
    w.Key("tables_done");
    w.Uint(r.tables_done);
    w.Key("tables_total");
    w.Uint(r.tables_total);
  }
  w.EndObject();
}

// One pipeline's object; false when its database or slot is missing.
bool WritePipelineStatusJson(JsonWriter& w, const PipelineConfig& pipeline) {
  const Config& config = pipeline.config;
  const std::string slot = config.GetString("slot.name");
  w.StartObject();
  w.Key("pipeline");
  json::String(w, pipeline.name);
  w.Key("database");
  json::String(w, config.GetString("database.dbname"));
  w.Key("slot");
  json::String(w, slot);
  Status error;
  Result<std::unique_ptr<SlotManager>> manager = SlotManager::Connect(Conninfo(config));
  std::optional<wal_reader::SlotInfo> info;
  wal_reader::ServerInfo server;
  if (!manager.ok()) {
    error = manager.status();
  } else if (Result<wal_reader::ServerInfo> s = (*manager)->GetServerInfo(); !s.ok()) {
    error = s.status();
  } else if (Result<std::optional<wal_reader::SlotInfo>> i = (*manager)->GetSlot(slot); !i.ok()) {
    error = i.status();
  } else if (!i->has_value()) {
    server = *s;
    error = Status::NotFound("replication slot '" + slot + "' does not exist");
  } else {
    server = *s;
    info = **i;
  }
  w.Key("reachable");
  w.Bool(manager.ok() && (info.has_value() || error.IsNotFound()));
  if (!error.ok()) {
    w.Key("error");
    json::String(w, error.ToString());
  }
  if (info) {
    w.Key("plugin");
    json::String(w, info->plugin);
    w.Key("active");
    w.Bool(info->active);
    w.Key("wal_status");
    json::String(w, info->wal_status);
    w.Key("restart_lsn");
    json::String(w, info->restart_lsn.ToString());
    w.Key("confirmed_flush_lsn");
    json::String(w, info->confirmed_flush.ToString());
    w.Key("current_wal_lsn");
    json::String(w, server.current_wal.ToString());
    w.Key("lag_bytes");
    w.Uint64(server.current_wal.value() > info->confirmed_flush.value()
                 ? server.current_wal.value() - info->confirmed_flush.value()
                 : 0);
  }
  WriteSnapshotJson(w, SnapshotState(config.GetString("state.dir"), slot).Report());
  w.EndObject();
  return info.has_value();
}

}  // namespace

Status StatusJsonCommand(const std::vector<PipelineConfig>& pipelines, std::ostream& out) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("pipelines");
  w.StartArray();
  std::string missing;
  for (const PipelineConfig& pipeline : pipelines) {
    if (!WritePipelineStatusJson(w, pipeline)) {
      missing += (missing.empty() ? "'" : ", '") + pipeline.name + "'";
    }
  }
  w.EndArray();
  w.EndObject();
  out << buffer.GetString() << "\n";
  if (!missing.empty()) {
    return Status::Unavailable("pipeline(s) " + missing +
                               ": database not reachable or replication slot missing");
  }
  return Status::Ok();
}

Status StatusPipelines(const std::vector<PipelineConfig>& pipelines, std::ostream& out) {
  std::string unreachable;
  for (size_t i = 0; i < pipelines.size(); ++i) {
    const Config& config = pipelines[i].config;
    std::ostringstream block;
    const Status status = StatusCommand(config, block);
    out << (i == 0 ? "" : "\n") << "pipeline:            " << pipelines[i].name << "\n";
    if (status.ok()) {
      out << "reachable:           yes\n" << block.str();
      continue;
    }
    unreachable += (unreachable.empty() ? "'" : ", '") + pipelines[i].name + "'";
    std::string reason = status.ToString();  // libpq's messages span lines
    std::replace_if(
        reason.begin(), reason.end(), [](char c) { return c == '\n' || c == '\t'; }, ' ');
    // What the pipeline would read, so that the line says where to look.
    // StatusCommand's kNotFound is a missing slot on a database that answered.
    out << "reachable:           " << (status.IsNotFound() ? "yes (" : "no (") << reason << ")\n"
        << "database:            " << config.GetString("database.dbname") << " on "
        << config.GetString("database.hostname") << ":" << config.GetString("database.port") << "\n"
        << "slot:                " << config.GetString("slot.name") << "\n"
        << "plugin:              " << config.GetString("plugin.name") << "\n";
  }
  if (!unreachable.empty()) {
    return Status::Unavailable("pipeline(s) " + unreachable +
                               ": database not reachable or replication slot missing");
  }
  return Status::Ok();
}

Status SetupPipelines(const std::vector<PipelineConfig>& pipelines, bool check_only,
                      std::ostream& out) {
  Status first;
  for (size_t i = 0; i < pipelines.size(); ++i) {
    out << (i == 0 ? "" : "\n") << "pipeline: " << pipelines[i].name << "\n";
    Status status = SetupCommand(pipelines[i].config, check_only, out);
    if (status.ok()) continue;
    status = Status(status.code(), "pipeline '" + pipelines[i].name + "': " + status.message());
    // A check changes nothing: report every pipeline's findings.
    if (!check_only) return status;
    if (first.ok()) first = status;
  }
  return first;
}

}  // namespace walcast::app
