#pragma once

// Metric documents: what the metrics write to Elasticsearch, one document per
// aggregate with its absolute value and a deterministic _id, so re-indexing
// is idempotent and walcast instances never overwrite each other (DESIGN.md,
// "Scaling out"; metrics.md §4.5 "Suggested approach"). Dead letters travel
// the same way as documents of their own kind. docs/metrics.md shows both.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "metrics/definition.h"
#include "metrics/engine.h"

namespace walcast::metrics {

struct MetricDocument {
  enum class Kind : uint8_t {
    kMetric,      // goes to the metric index (e.g. <prefix>.metrics.anon_profile)
    kDeadLetter,  // goes to the dead-letter index
  };
  Kind kind = Kind::kMetric;
  std::string id;    // _id: 32 hex digits
  std::string json;  // the document's source
  // The position of the committed state the document shows (its LSN), 0
  // for none. Writers index with it as an external version (>=), so a write
  // from a process that is gone (killed while its request was on the way)
  // never overwrites a newer figure.
  uint64_t version = 0;
  bool operator==(const MetricDocument&) const = default;
};

// Indexes metric documents; implemented by app/ on top of the Elasticsearch
// bulk client (the index per Kind is its choice). Write indexes `docs` (full
// replace by _id) and calls done(status) exactly once, from any thread, when
// every document is durable (OK) or failed. A kUnavailable or kTimeout
// status means "try again later" (the sink resends them); any other error
// stops the pipeline. The sink has at most one Write in flight.
class MetricDocumentWriter {
 public:
  virtual ~MetricDocumentWriter() = default;
  virtual void Write(std::vector<MetricDocument> docs, std::function<void(Status)> done) = 0;
};

// _id of an aggregate's document: the first 128 bits of SHA-256 over the
// instance and the aggregate key (metric, mode, bucket start, group keys),
// in hex.
std::string MetricDocumentId(std::string_view instance, const AggregateKey& key);

// {"instance", "metric", "mode", "source", "measure", "time", "keys": {...},
//  "bucket_start", "value", "count", "sum", "updated_at"}. Counts are clamped
// at 0 (metrics.md §2); value is the measure's figure (count, sum, avg, or
// the number of distinct values). `def` may be null for an aggregate of a
// metric no longer defined (its fields are then left out).
MetricDocument BuildMetricDocument(std::string_view instance, const MetricDefinition* def,
                                   const AggregateValue& value, int64_t now_us);

// The walcast_bad_profiles figure of an instance (profiles that could not be
// counted since the state was built) as a document of the metric index:
// metric "walcast_bad_profiles", mode "status", value and count the figure,
// one _id per instance.
inline constexpr std::string_view kBadProfilesMetric = "walcast_bad_profiles";
MetricDocument BuildBadProfilesDocument(std::string_view instance, uint64_t bad_profiles,
                                        int64_t now_us);

// {"@timestamp" (epoch ms), "source": "metrics", "instance", "table", "key",
// "lsn", "operation", "error_type", "reason"}: the fields of the shared
// dead-letter index. `key` is a one-column key's value, else the JSON text
// of the key columns. _id from (instance, table, key, lsn), so a replayed
// dead letter lands on the same document.
MetricDocument BuildDeadLetterDocument(std::string_view instance, const DeadLetter& item,
                                       int64_t now_us);

// "2025-03-14T09:12:44.120Z".
std::string FormatTimestamp(int64_t unix_us);

}  // namespace walcast::metrics
