#pragma once

// ProjectionEngine keeps every configured projection (definition.h) of the
// captured tables' rows in walcast's RocksDB state (metrics::StateStore),
// exactly once across crashes with the metric state's protocol
// (docs/projections.md, DESIGN.md "The checkpoint protocol" 4):
//
//   c, r, u   the row's projection replaces the entry under its key (a key
//             that changed removes the old entry); soft delete (the
//             definition's soft_delete is true) removes the entry
//   d         the entry the source row made is removed
//   t         every entry of the table's projections is removed
//
// Applying a change twice leaves the same state (the entry is a function of
// the row), so a transaction replayed after a crash is harmless; changes
// are persisted by Commit() in one WriteBatch together with applied_lsn, and
// between commits sit in an overlay bounded by max_batch_rows entries (past
// it they are written early without moving applied_lsn).
//
// A row that cannot be projected (no document, malformed JSON, a key field
// missing, an encrypted field that does not decrypt) becomes a dead letter
// kept in the state with its table, key, LSN and reason (never the row's
// values); an undecryptable field keeps the row, with the field as stored.
//
// State key layout, inside metrics::StateStore's ('m' meta, 'r' rows, 'q'
// dead letters):
//   m applied_lsn | m projections_fingerprint
//   r H(projection) key              ProjectedRow
//   r H(projection "\x01source") pk  the entry's key, for deletes
//   r H(projection "\x01out") key    outbox: changed, not yet written by the
//                                    outputs; OutboxItem (what they hold)
//   q lsn(8) projection              metrics::DeadLetter
//
// Thread: one thread (the reader thread) for every call.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/event.h"
#include "core/log.h"
#include "core/lsn.h"
#include "core/status.h"
#include "metrics/engine.h"
#include "metrics/state_store.h"
#include "projections/definition.h"
#include "projections/output.h"
#include "projections/reader.h"
#include "projections/row.h"
#include "projections/sunbird_cipher.h"

namespace walcast::projections {

struct ProjectionEngineOptions {
  metrics::StateStoreOptions store;
  size_t max_batch_rows = 5000;  // projections.batch.max.rows
};

struct ProjectionStats {
  uint64_t rows_applied = 0;  // entries written or removed (this run)
  uint64_t dead_letters = 0;  // this run
  uint64_t commits = 0;
};

class ProjectionEngine : public ProjectionReader {
 public:
  // Opens (or creates) the state and restores applied_lsn. Borrows `set`
  // and `cipher` (may be null when no projection has encrypted fields);
  // both must outlive the engine. Errors: kInvalidArgument (the state was
  // built from other definitions; encrypted fields without a key), and the
  // store's kUnavailable / kCorruption.
  static Result<std::unique_ptr<ProjectionEngine>> Open(const ProjectionSet& set,
                                                        ProjectionEngineOptions options,
                                                        const SunbirdCipher* cipher);
  ~ProjectionEngine() override;
  ProjectionEngine(const ProjectionEngine&) = delete;
  ProjectionEngine& operator=(const ProjectionEngine&) = delete;

  Lsn applied_lsn() const { return applied_lsn_; }

  // Applies one change of a captured table (others are ignored). A bad row
  // is a dead letter, not an error. Errors: kInvalidArgument (a projected
  // table without a primary key), the store's errors; after an error the
  // engine is unusable.
  Status Apply(const ChangeEvent& event);
  // Writes everything applied so far in one batch; a valid `applied` above
  // the current applied_lsn moves it (in the same batch).
  Status Commit(Lsn applied = Lsn());
  bool HasUncommitted() const { return !overlay_.empty(); }

  // ProjectionReader over the latest commit (the overlay is not seen).
  Result<std::optional<ProjectedRow>> Get(std::string_view projection,
                                          const std::vector<std::string>& key) const override;
  Status Scan(std::string_view projection, const std::vector<std::string>& key_prefix,
              const std::function<bool(const ProjectedRow&)>& fn) const override;
  // The state as committed now, for a reader on another thread (an exhaust
  // report worker); it must not outlive the engine.
  std::unique_ptr<ProjectionSnapshot> TakeSnapshot() const;
  // Every committed dead letter, in LSN order.
  Result<std::vector<metrics::DeadLetter>> DeadLetters() const;

  // Wipes every entry, source mapping and dead letter and applied_lsn (a
  // fresh initial snapshot follows); other meta keys (the exhaust jobs'
  // done markers) and the outputs' outbox stay, the outbox gaining every
  // wiped entry (the outputs drop what the snapshot no longer has).
  // Commits at once.
  Status Reset();

  const ProjectionStats& stats() const { return stats_; }
  const ProjectionSet& definitions() const { return set_; }
  const SunbirdCipher* cipher() const { return cipher_; }
  // The store, for state that must commit with the projections (the
  // exhaust jobs); writes go through Commit's batch via `extra`.
  metrics::StateStore& store() { return *store_; }
  // Puts or deletes (nullopt) a key in the next Commit's batch.
  void Stage(std::string key, std::optional<std::string> value);

  // The outbox of the projections with outputs (output.h): up to `max`
  // entries changed since the outputs last acknowledged them, each with
  // what the outputs hold and the committed entry. Reads the committed
  // state: call it right after Commit(). Errors: the store's.
  Result<std::vector<ProjectionChange>> PendingChanges(size_t max) const;
  // The outputs made `changes` (from PendingChanges) durable: each leaves
  // the outbox, unless its entry changed since, in which case the outbox
  // records that the outputs now hold `after`. Goes into the next Commit's
  // batch. Errors: the store's.
  Status AcknowledgeChanges(const std::vector<ProjectionChange>& changes);

 private:
  ProjectionEngine(const ProjectionSet& set, ProjectionEngineOptions options,
                   const SunbirdCipher* cipher, std::unique_ptr<metrics::StateStore> store);
  Status Restore();
  Status Fail(Status s);
  Status ApplyTo(const ProjectionDefinition& def, const ChangeEvent& event);
  Status Upsert(const ProjectionDefinition& def, const ChangeEvent& event,
                const std::string& source_key);
  Status Remove(const ProjectionDefinition& def, const std::string& source_key);
  Status Truncate(const ProjectionDefinition& def);
  // Puts into `batch` the removal of every committed entry of `def` (and
  // their source mappings); with outputs, an outbox item for each entry
  // that has none, so the outputs remove it too.
  Status RemoveAll(const ProjectionDefinition& def, metrics::StateStore::Batch* batch);
  void AddDeadLetter(const ProjectionDefinition& def, const ChangeEvent& event,
                     const std::string& error, const std::string& reason);
  Result<std::optional<std::string>> Load(const std::string& key) const;
  Status Spill();
  // Stages an entry's new value (nullopt: removed); for a projection with
  // outputs, first records in the outbox what the outputs hold, unless an
  // outbox item for the entry exists already.
  Status StageEntry(const ProjectionDefinition& def, const std::string& entry_key,
                    std::optional<std::string> value);

  const ProjectionSet& set_;
  const ProjectionEngineOptions options_;
  const SunbirdCipher* cipher_;
  std::unique_ptr<metrics::StateStore> store_;
  Status failed_;
  std::unordered_map<std::string, std::optional<std::string>> overlay_;
  Lsn applied_lsn_;
  ProjectionStats stats_;
  log::RateLimiter dead_letter_log_{std::chrono::seconds(10)};
};

// The state keys of the layout above.
std::string EntryKey(std::string_view projection, const std::vector<std::string>& key);
std::string SourceKey(std::string_view projection, std::string_view source_key);
std::string OutboxKey(std::string_view projection, std::string_view encoded_key);

}  // namespace walcast::projections
