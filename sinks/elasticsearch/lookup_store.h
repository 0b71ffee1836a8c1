#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "sinks/elasticsearch/lookup_config.h"

namespace walcast::sinks::elasticsearch {

// A lookup key whose value changed (appeared, changed or went away):
// documents holding that key need their field rewritten.
struct LookupChange {
  size_t lookup = 0;             // index in LookupStore::specs()
  std::vector<std::string> key;  // in key_columns order

  bool operator<(const LookupChange& other) const {
    return std::tie(lookup, key) < std::tie(other.lookup, other.key);
  }
  bool operator==(const LookupChange& other) const = default;
};

// The current rows of every lookup table, kept from their change streams:
// the initial snapshot's rows and every INSERT, UPDATE, DELETE and TRUNCATE
// (Apply), or the lookup table's documents read back from its index at
// start (PutRow). For each lookup it maps the row's key to its value (the
// value template filled from the row); a row whose key or value columns
// hold NULL has no entry.
//
// Several rows may share a key (regcntr_name keys master.registration_center
// by id alone, one row per language): the row with the smallest row id
// wins, so the choice does not depend on arrival order.
//
// Cost: about (key + value + row id + 150 bytes) per row and lookup; rows
// over all lookups are bounded by `max_rows` (Apply fails beyond it).
//
// Subscribers (one per Elasticsearch sink) receive the keys to correct in
// documents already written (TakeChanges): every key a streamed change
// (Apply, RemoveRow) touched, even with an unchanged value, so that a
// change replayed after a crash corrects again what the crash may have
// left uncorrected; and every key whose value a PutRow changed.
//
// Thread-safe: one store may be shared by the sinks of several pipelines
// (threads). Find takes a shared lock; Apply, PutRow and TakeChanges an
// exclusive one.
class LookupStore {
 public:
  // `specs` must be valid (ParseLookups); max_rows >= 1.
  LookupStore(std::vector<LookupSpec> specs, size_t max_rows);
  LookupStore(const LookupStore&) = delete;
  LookupStore& operator=(const LookupStore&) = delete;

  // Immutable after construction: readable without the lock.
  const std::vector<LookupSpec>& specs() const { return specs_; }
  // Whether "schema.table" is the table of some lookup.
  bool IsLookupTable(std::string_view table) const;
  // The distinct lookup tables, "schema.table".
  std::vector<std::string> Tables() const;

  // Applies one change of `event.relation`'s table (nothing for other
  // tables and for messages). The row id is the document _id of the row
  // (RawDocumentBuilder::BuildId), so rows read back from the index
  // (PutRow) and streamed changes of the same row meet. A change whose row
  // has no usable key, or whose lookup columns are unchanged TOAST, leaves
  // the store as it was. kFatal: the store holds max_rows rows already.
  Status Apply(const ChangeEvent& event);

  // Reads a column of a row: its text, or nullopt for NULL or missing.
  using ColumnGetter = std::function<std::optional<std::string>(std::string_view column)>;
  // Puts (or replaces) row `row_id` of `table` from `get`. kFatal as Apply.
  Status PutRow(std::string_view table, const std::string& row_id, const ColumnGetter& get);
  // Removes row `row_id` of `table`, if present.
  void RemoveRow(std::string_view table, const std::string& row_id);

  // The value of `key` in lookup `lookup`, or nullopt.
  std::optional<std::string> Find(size_t lookup, const std::vector<std::string>& key) const;

  // Registers a subscriber; changes from now on are queued for it.
  int Subscribe();
  // The changes queued for `subscriber` since the last call (each key
  // once, in key order); clears its queue.
  std::vector<LookupChange> TakeChanges(int subscriber);

  // Rows held over all lookups.
  size_t rows() const;

 private:
  struct Entry {
    std::string key;  // encoded (EncodeKey)
    std::string value;
  };
  struct Index {
    std::unordered_map<std::string, Entry> rows;                       // row id -> entry
    std::map<std::string, std::map<std::string, std::string>> by_key;  // key -> row id -> value
  };

  // The row's entry for `spec`, or nullopt when a key or value column is
  // NULL or missing.
  static std::optional<Entry> MakeEntry(const LookupSpec& spec, const ColumnGetter& get);
  // Removes the row's entry (if any) and inserts `entry` (if any), noting
  // the keys whose value changed, or with `note_always` every key the row
  // had or has. Exclusive lock held.
  Status ReplaceLocked(size_t lookup, const std::string& row_id, std::optional<Entry> entry,
                       bool note_always);
  std::optional<std::string> FindLocked(size_t lookup, const std::string& key) const;
  void NoteChangeLocked(size_t lookup, const std::string& key);

  const std::vector<LookupSpec> specs_;
  const size_t max_rows_;
  mutable std::shared_mutex mu_;
  std::vector<Index> indexes_;  // one per spec
  size_t rows_ = 0;
  std::vector<std::set<LookupChange>> pending_;  // one per subscriber
};

// The store's key encoding: each part as "<length>:<bytes>", so no two
// part lists encode alike.
std::string EncodeLookupKey(const std::vector<std::string>& parts);

}  // namespace walcast::sinks::elasticsearch
