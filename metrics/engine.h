#pragma once

// MetricsEngine applies change events to the metrics under metrics.md §2's
// operation table, with a per-row state store keyed by (table, primary key)
// that remembers what each row contributed:
//
//   c, or r for an unseen row   add the row's contributions, store them
//   c or r for a stored row     ignore (replay, re-snapshot)
//   u                           retract the stored contributions, add the new ones
//   u with is_deleted = true    retract (the row stays stored, inactive)
//   d                           retract and forget the row
//   t (truncate)                retract and forget every row of the table
//
// Contributions are a pure function of the row and the definitions, and an
// aggregate is always the sum of its rows' stored contributions, so applying
// a row's changes again (a replayed transaction, a stream reset mid-way)
// leaves the same state. Counts are kept exact, negatives included; the
// documents clamp them at 0 and state_negative_corrections counts how often
// a count went below 0 (metrics.md §2's caveat).
//
// Everything is persisted by Commit() in one RocksDB batch: the aggregates,
// the row states, applied_lsn, the counters, the dirty set (aggregates whose
// documents are not acknowledged yet) and the dead letters not yet
// acknowledged. Between commits the changes sit in an in-memory overlay
// bounded by max_batch_rows rows; past that the engine persists them early
// without moving applied_lsn (safe because replays are idempotent).
//
// Thread: one thread (the reader thread) for every call.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/log.h"
#include "core/lsn.h"
#include "core/status.h"
#include "metrics/codec.h"
#include "metrics/contributions.h"
#include "metrics/definition.h"
#include "metrics/extractor.h"
#include "mosip/profile.h"
#include "metrics/state_store.h"

namespace walcast::metrics {

struct EngineOptions {
  StateStoreOptions store;
  // Identifies this walcast (topic.prefix and slot); stored with the state,
  // which refuses to open under another instance.
  std::string instance;
  // Rows changed in memory before they are written to RocksDB
  // (metrics.batch.max.rows).
  size_t max_batch_rows = 5000;
  // Aggregates kept in memory between commits (a cache; they are on disk).
  size_t max_cached_aggregates = 100000;
  // When the definitions changed since the state was built: false refuses
  // to open (kInvalidArgument); true wipes the state (Reset) and reports it
  // through reset_at_open(), so the caller can take a fresh snapshot.
  bool reset_on_definition_change = false;
  mosip::ProfileParserOptions parser;
};

// A row walcast could not use: its profile was refused, or an update came
// for a row the state does not know without the profile (unchanged TOAST).
// Never holds the profile text.
struct DeadLetter {
  std::string table;                                     // "schema.table"
  std::vector<std::pair<std::string, std::string>> key;  // primary key columns and values
  Lsn lsn;                                               // the change's WAL position
  char op = 'c';
  std::string error;   // ProfileErrorName(), or "unchanged_toast", "null_profile"
  std::string reason;  // the parser's message: field path or byte offset

  std::string Encode() const;
  static std::optional<DeadLetter> Decode(std::string_view bytes);
  bool operator==(const DeadLetter&) const = default;
};

// One aggregate as committed, for its document.
struct AggregateValue {
  uint64_t id = 0;
  uint64_t version = 0;  // which commit's value this is (for Acknowledge)
  AggregateKey key;
  int64_t count = 0;  // exact; may be negative (documents clamp)
  int64_t sum = 0;    // micro-units
  std::string label;  // top_k: the value at this rank ("" while the rank is empty)
};

// What has to reach the document writer: every dirty aggregate and every
// unacknowledged dead letter, as committed.
struct Outbox {
  std::vector<AggregateValue> aggregates;
  std::vector<std::pair<uint64_t, DeadLetter>> dead_letters;  // sequence number, item
  bool empty() const { return aggregates.empty() && dead_letters.empty(); }
};

struct EngineStats {
  uint64_t bad_profiles = 0;                // walcast_bad_profiles (persisted)
  uint64_t state_negative_corrections = 0;  // persisted
  uint64_t rows_applied = 0;                // changes that altered a row's state (this run)
  uint64_t rows_ignored = 0;                // c/r for a stored row, d for an unknown one (this run)
  uint64_t commits = 0;                     // batches written (this run)
  uint64_t spills = 0;                      // of which written inside a transaction
};

class MetricsEngine {
 public:
  // Opens the state in options.store.dir (creating it) and restores
  // applied_lsn, the counters, the dirty set and pending dead letters.
  // Borrows `set`, which must outlive the engine. Errors: kUnavailable /
  // kCorruption from RocksDB; kInvalidArgument when the state belongs to
  // another instance, or to other definitions (unless
  // reset_on_definition_change).
  static Result<std::unique_ptr<MetricsEngine>> Open(const MetricSet& set, EngineOptions options);
  ~MetricsEngine();
  MetricsEngine(const MetricsEngine&) = delete;
  MetricsEngine& operator=(const MetricsEngine&) = delete;

  // The end LSN of the last transaction whose changes are committed.
  Lsn applied_lsn() const { return applied_lsn_; }
  bool reset_at_open() const { return reset_at_open_; }

  // Applies one change. A bad row is not an error: it is counted, kept as a
  // dead letter for the next Outbox, and the call returns OK. Errors:
  // kInvalidArgument (a captured table without a primary key), kUnavailable
  // / kCorruption / kInternal from the state; after an error the engine is
  // unusable (every later call returns it) and must be reopened.
  Status Apply(const ChangeEvent& event);

  // Writes everything applied so far in one batch; with a valid
  // applied_lsn above the current one, moves applied_lsn to it. Errors as
  // for Apply.
  Status Commit(Lsn applied_lsn = Lsn());

  // The changes applied since the last Commit that moved applied_lsn will
  // come again (the stream broke, a sink rewound): they are replayed from
  // at most applied_lsn. Bad profiles are counted into stats() only by such
  // a Commit, so a change applied, partly committed (a checkpoint inside its
  // transaction) and then replayed is counted once.
  void DropUnappliedCounts() { open_bad_profiles_ = 0; }
  // Whether Apply changed anything not yet written.
  bool HasUncommitted() const { return uncommitted_; }
  size_t batch_rows() const { return rows_.size(); }

  // Reads up to max_items dirty aggregates (committed values) and pending
  // dead letters.
  Result<Outbox> PendingOutput(size_t max_items) const;
  bool HasPendingOutput() const { return !dirty_.empty() || pending_dead_letters_ > 0; }
  // How many items PendingOutput would return without a limit.
  size_t PendingOutputItems() const { return dirty_.size() + pending_dead_letters_; }
  // The outbox's items are durable at the writer: forget the dirty entries
  // not changed since (same version) and the dead letters, durably.
  Status Acknowledge(const Outbox& outbox);

  // Every committed aggregate of `metric` (all metrics when empty), in id
  // order; versions are 0. For status pages and tests: it reads them all.
  Result<std::vector<AggregateValue>> ReadAggregates(std::string_view metric = {}) const;

  // Wipes the state for a fresh initial snapshot: rows, value weights,
  // applied_lsn and counters go; every aggregate is set to 0 and marked
  // dirty, so its document is rewritten. Commits at once.
  Status Reset();

  const EngineStats& stats() const { return stats_; }
  const MetricSet& definitions() const { return set_; }
  const std::string& instance() const { return options_.instance; }
  const StateStore& store() const { return *store_; }

 private:
  struct TableInfo;
  struct CachedAggregate {
    std::string canonical;
    int64_t count = 0;
    int64_t sum = 0;
    std::string label;     // top_k ranks
    bool changed = false;  // since the last commit
  };
  struct Group {
    std::string canonical;
    const MetricDefinition* def = nullptr;
    // Per histogram bucket (count_distinct), or per rank 1..k (top_k).
    std::vector<std::pair<std::string, uint64_t>> bucket_aggregates;
  };

  MetricsEngine(const MetricSet& set, EngineOptions options, std::unique_ptr<StateStore> store);
  Status Restore();
  Status Fail(Status s);

  const TableInfo* TableFor(const Relation& relation);
  Status ApplyRow(const TableInfo& table, const ChangeEvent& event);
  Status Truncate(const TableInfo& table);
  // The state a row's new version gets; `stored` is the row's current state.
  Status NewState(const TableInfo& table, const ChangeEvent& event, const Tuple& after,
                  const std::vector<std::pair<std::string, std::string>>& key,
                  const std::optional<RowState>& stored, RowState* out);
  Status AddRow(const RowState& state, int sign);
  Result<CachedAggregate*> LoadAggregate(uint64_t id, const std::string& canonical);
  Status ApplyAggregate(uint64_t id, const std::string& canonical, int64_t count, int64_t sum);
  // top_k: sets the group's rank aggregates from its values' weights (the
  // committed ones overlaid with this batch's), k largest first, ties by
  // value. A pure function of the weights, so replays rank the same.
  Status RankTopK(uint64_t group_id);
  Status ApplyDistinct(const DistinctDelta& delta, int sign);
  Result<Group*> LoadGroup(uint64_t id, const std::string& canonical);
  Result<std::optional<RowState>> LoadRow(const std::string& key);
  void StoreRow(const std::string& key, const std::optional<RowState>& state);
  void AddDeadLetter(DeadLetter item);
  Status WriteBatch(std::optional<Lsn> applied);

  const MetricSet& set_;
  const EngineOptions options_;
  std::unique_ptr<StateStore> store_;
  ContributionExtractor extractor_;
  mosip::ProfileParser parser_;
  mosip::Profile profile_;  // reused for every row
  rapidjson::Document document_;  // the document source's row, reused
  Status failed_;
  bool reset_at_open_ = false;

  std::unordered_map<uint32_t, std::unique_ptr<TableInfo>> tables_;  // by relation OID
  std::unordered_map<std::string, const MetricDefinition*> metric_by_id_;

  // The overlay: what Apply changed since the last write.
  std::unordered_map<std::string, std::optional<std::string>> rows_;  // encoded RowState or deleted
  std::unordered_map<std::string, int64_t> values_;                   // 'v' keys -> weight
  std::unordered_map<uint64_t, CachedAggregate> aggregates_;          // cache + changed entries
  std::unordered_map<uint64_t, Group> groups_;
  std::vector<uint64_t> new_groups_;
  std::vector<uint64_t> ranks_to_update_;  // top_k groups whose weights changed
  std::vector<std::pair<uint64_t, DeadLetter>> new_dead_letters_;
  bool uncommitted_ = false;

  // Committed, not yet acknowledged by the writer.
  std::unordered_map<uint64_t, uint64_t> dirty_;  // aggregate id -> version
  size_t pending_dead_letters_ = 0;               // 'q' keys on disk
  uint64_t next_version_ = 1;
  uint64_t next_dead_letter_ = 1;
  uint64_t open_bad_profiles_ = 0;  // since the last Commit that moved applied_lsn

  Lsn applied_lsn_;
  EngineStats stats_;
  log::RateLimiter dead_letter_log_{std::chrono::seconds(10)};
};

}  // namespace walcast::metrics
