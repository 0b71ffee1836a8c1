#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace walcast {

// Counters of one pipeline that /metrics and the status page read
// (docs/operations.md). Written on the threads that do the work, read on the
// HTTP endpoint's; every method is thread-safe and none blocks for long.
// Labels are table names and operation letters only, never a value.

// A fixed-bucket histogram of durations, in seconds, as Prometheus wants it:
// cumulative counts per upper bound, a total count and a sum.
class LatencyHistogram {
 public:
  // Upper bounds in seconds, from 1 ms to 1 min.
  static constexpr std::array<double, 14> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,  0.1,    0.25,  0.5,  1,
                                                     2.5,   5,      10,    60};
  struct Reading {
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    uint64_t count = 0;
    double sum_seconds = 0;
  };

  void Observe(std::chrono::nanoseconds d);
  Reading Read() const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> sum_ns_{0};
};

// The label of an operation letter (core/event.h Op): create, update,
// delete, read, truncate, message; "other" for any other letter.
const char* OperationName(char op);

// Change events per (schema.table, operation letter) and transactions, as
// the pipeline hands them to its sinks.
class EventCounters {
 public:
  using Key = std::pair<std::string, char>;  // "schema.table" ("" for messages), op

  // `table_oid` 0 for events without a table (logical messages). The name
  // is taken the first time an (oid, op) pair is seen, so a renamed table
  // keeps counting under its oid.
  void CountEvent(uint32_t table_oid, const std::string& schema, const std::string& table,
                  char op);
  void CountTransaction() { transactions_.fetch_add(1, std::memory_order_relaxed); }

  std::map<Key, uint64_t> events() const;
  uint64_t total_events() const { return total_.load(std::memory_order_relaxed); }
  uint64_t transactions() const { return transactions_.load(std::memory_order_relaxed); }

 private:
  mutable std::mutex mu_;
  std::map<std::pair<uint32_t, char>, uint64_t> counts_;
  std::map<uint32_t, std::string> names_;
  std::atomic<uint64_t> total_{0};
  std::atomic<uint64_t> transactions_{0};
};

// What a sink reports about its own work (Sink::counters()). Counts are
// totals since start; in_flight and queued are current values. A sink sets
// in `reported` the figures it keeps; /metrics exports only those, so that
// no series reads 0 only because nobody counts it.
struct SinkCounters {
  enum Figure : uint32_t {
    kInFlight = 1u << 0,
    kQueued = 1u << 1,
    kAcked = 1u << 2,
    kRetried = 1u << 3,
    kFailed = 1u << 4,
    kDeadLettered = 1u << 5,
  };
  uint32_t reported = 0;       // Figure bits
  uint64_t in_flight = 0;      // handed over, not yet durable
  uint64_t queued = 0;         // waiting in the sink's own queue (records, actions)
  uint64_t acked = 0;          // made durable
  uint64_t retried = 0;        // sends repeated after a retryable failure
  uint64_t failed = 0;         // requests or deliveries that failed
  uint64_t dead_lettered = 0;  // records sent to the dead-letter destination
  // Why the sink cannot currently make progress (e.g. "broker unreachable
  // for 12 s"); empty while it is healthy. Never holds a record's value.
  std::string problem;

  bool Reports(Figure figure) const { return (reported & figure) != 0; }
};

// One problem a pipeline met: a failed attempt, a sink failing, a dead
// letter. `reason` is an error name or a message built from names,
// positions and counts, never a row or profile value.
struct Problem {
  int64_t unix_ms = 0;
  std::string sink;  // the sink's name, or "pipeline"
  std::string kind;  // "error", "dead_letter", "retry"
  std::string reason;
  uint64_t repeats = 1;  // the same (sink, kind, reason) again right after
};

// The last few problems of one pipeline, for the status page (a bounded
// ring: the oldest goes first). Thread-safe; Add takes a short lock and is
// called on error paths only, never per row.
class ProblemRing {
 public:
  static constexpr size_t kCapacity = 20;

  // Records a problem at `unix_ms`; the same problem as the newest one only
  // counts a repeat and moves its time.
  void Add(int64_t unix_ms, std::string sink, std::string kind, std::string reason);
  // Newest first.
  std::vector<Problem> Read() const;

 private:
  mutable std::mutex mu_;
  std::vector<Problem> ring_;  // oldest first, at most kCapacity
};

}  // namespace walcast
