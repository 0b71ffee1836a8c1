#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "wal_reader/relation_cache.h"
#include "wal_reader/wal2json_message.h"

namespace walcast::wal_reader::wal2json {

// The column lists of one row message ("columns", "identity", "pk"). The
// string_views point into the message's JsonTree.
struct RowColumns {
  std::vector<MessageColumn> columns;   // I, U
  std::vector<MessageColumn> identity;  // U, D
  std::vector<MessageColumn> pk;
  bool has_identity = false;
  bool has_pk = false;
};

// wal2json sends no Relation messages, so the relation of each table is
// inferred from its rows: an INSERT lists every column; an UPDATE omits
// unchanged TOASTed ones; a DELETE lists only the replica identity, which
// under REPLICA IDENTITY FULL is the whole old row. Tables get stable
// synthetic OIDs (a hash of the name) and their relations go into the cache.
//
// Borrows the cache, which must outlive it. Reader thread only.
class Relations {
 public:
  // What is known about one schema.table.
  struct Table {
    uint32_t oid = 0;
    std::string schema;
    std::string name;
    std::shared_ptr<const Relation> relation;  // null until a message built it
    std::vector<std::string> type_names;       // "type" per relation column, for change checks
    // Relation column index by name; keys view relation->columns[i].name.
    std::unordered_map<std::string_view, size_t> index;
  };

  explicit Relations(RelationCache* cache) : cache_(cache) {}

  // The table the message's "schema" and "table" name, created on first
  // sight. kCorruption when either is missing.
  Result<Table*> Find(const MessageView& view);

  // Works out the relation a row message implies and, when it differs from
  // the known one, stores a new one in the cache (events already decoded
  // keep the old one). Returns whether `row.identity` is a whole old row
  // (REPLICA IDENTITY FULL).
  bool Update(Table* table, char action, const RowColumns& row);

  // A table first seen truncated: a relation without columns until a row
  // shows them.
  void EnsureRelation(Table* table);

 private:
  // A column of the relation a message implies, before it is built.
  struct WantedColumn {
    std::string_view name;
    std::string_view type_name;
    uint32_t type_oid = 0;
    bool is_key = false;
  };

  uint32_t AllocateOid(const std::string& key);
  ReplicaIdentity InferIdentity(const Table& table, char action, const RowColumns& row,
                                bool* identity_full);
  void StartWanted(const Table& table, char action, const RowColumns& row);
  void Merge(const std::vector<MessageColumn>& reference, bool (*keep)(const WantedColumn&),
             const Table& table);
  void MergeUnchangedToast(const Table& table);
  bool SameShape(const Table& table, ReplicaIdentity ri) const;
  void Replace(Table* table, ReplicaIdentity ri);

  RelationCache* cache_;
  std::unordered_map<std::string, Table> tables_;  // by "schema\0table"
  std::unordered_map<uint32_t, std::string> oid_owners_;

  // Scratch for the message being decoded, kept to reuse their storage.
  std::vector<MessageColumn> known_;
  std::vector<WantedColumn> wanted_;
  std::unordered_map<std::string_view, size_t> wanted_index_;
  std::unordered_set<std::string_view> names_;
};

}  // namespace walcast::wal_reader::wal2json
