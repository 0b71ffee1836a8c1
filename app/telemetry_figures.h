#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/telemetry.h"

namespace walcast::app {

// One pipeline's figures at one instant: what /metrics and the status page
// show (docs/operations.md). A plain value, read from the live objects by
// the pipeline's runner and rendered by RenderPrometheus / the status JSON.
struct SinkFigures {
  std::string name;  // the sink's name: kafka, elasticsearch, metrics, stdout
  SinkCounters counters;
};

struct SnapshotTableFigures {
  uint64_t rows_read = 0;
  // The server's estimate (pg_class.reltuples) when the snapshot started,
  // the exact count once the table is read; none outside a snapshot.
  std::optional<uint64_t> rows_expected;
};

// The metrics' own figures (metrics/metrics_sink.h MetricsSinkFigures),
// when the pipeline computes metrics.
struct MetricStateFigures {
  uint64_t bad_profiles = 0;
  uint64_t commits = 0;             // checkpoint commits of the metric state
  double last_commit_seconds = 0;   // the last one's duration
  double commit_seconds_total = 0;  // their durations summed
  // A metric's total (its aggregates' counts summed), buckets and largest
  // bucket, largest total first; never a bucket's key.
  struct Top {
    std::string metric;
    int64_t total = 0;
    uint64_t buckets = 0;
    int64_t largest_bucket = 0;
  };
  std::vector<Top> top;
};

struct PipelineFigures {
  std::string name;      // the pipeline (connector) name
  std::string database;  // database.dbname
  std::string slot;
  // starting, snapshotting, streaming, retrying, stopped
  std::string state;
  std::string last_error;  // empty when the last attempt did not fail

  std::map<EventCounters::Key, uint64_t> events;  // (schema.table, op) -> count
  uint64_t transactions = 0;
  uint64_t received_bytes = 0;  // replication payload bytes
  uint64_t reconnects = 0;
  uint64_t watermark_lsn = 0;       // durable in every sink
  uint64_t confirmed_flush_lsn = 0;  // last confirmed to the server
  uint64_t server_wal_end_lsn = 0;   // from the server's last keepalive
  double lag_seconds = 0;            // now - commit time of the oldest unconfirmed transaction
  LatencyHistogram::Reading ack_latency;
  std::vector<SinkFigures> sinks;
  std::map<std::string, SnapshotTableFigures> snapshot;  // schema.table -> progress
  std::optional<MetricStateFigures> metric_state;        // none without metrics
  // Recent problems (failed attempts, sink failures, dead letters), newest
  // first (core/telemetry.h ProblemRing).
  std::vector<Problem> problems;
  // Events per second over the last seconds, as the HTTP endpoint measured
  // it between its own reads (EventRate); 0 until it has two reads.
  double events_per_second = 0;

  // server_wal_end - watermark, 0 when not known or not behind.
  uint64_t lag_bytes() const {
    return server_wal_end_lsn > watermark_lsn ? server_wal_end_lsn - watermark_lsn : 0;
  }
};

}  // namespace walcast::app
