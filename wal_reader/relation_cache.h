#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/event.h"

namespace walcast::wal_reader {

// What the catalog says about a table beyond what pgoutput sends.
struct TableInfo {
  struct ColumnInfo {
    std::string name;
    bool not_null = false;
    std::optional<std::string> default_expr;
  };
  std::vector<ColumnInfo> columns;
  // Key column names in key order: the primary key, else the first unique
  // index by name without expression columns.
  std::vector<std::string> primary_key;
};

// Looks up pg_type rows by OID, and table details by relation OID.
// Implemented over a SQL connection in production (CatalogTypeResolver) and
// by a map in tests.
class TypeResolver {
 public:
  virtual ~TypeResolver() = default;
  // nullopt when the OID is unknown or the catalog cannot be read; the
  // column then keeps only its OID.
  virtual std::optional<TypeInfo> Resolve(uint32_t oid) = 0;
  // nullopt when unknown or unreadable: the relation then has no primary
  // key, nullability or defaults.
  virtual std::optional<TableInfo> ResolveTable(uint32_t /*relation_oid*/) {
    return std::nullopt;
  }
};

// The relations the server has described, by relation OID. A new Relation
// message for an OID replaces the entry; events decoded earlier keep the
// old shared entry, so a schema change never rewrites history.
// Used by the reader thread only.
class RelationCache {
 public:
  // resolver may be null (then Column::type is filled only from pgoutput
  // Type messages); borrowed, must outlive the cache.
  explicit RelationCache(TypeResolver* resolver) : resolver_(resolver) {}

  // Stores `relation`, resolving each column's type OID.
  std::shared_ptr<const Relation> Put(Relation relation);
  // nullptr if the server never described this OID.
  std::shared_ptr<const Relation> Get(uint32_t relation_oid) const;
  // Records a pgoutput Type message (non-built-in types).
  void PutType(uint32_t type_oid, std::string schema, std::string name);

  size_t size() const { return relations_.size(); }

 private:
  std::optional<TypeInfo> ResolveType(uint32_t oid, int depth = 0);

  TypeResolver* resolver_;
  std::unordered_map<uint32_t, std::shared_ptr<const Relation>> relations_;
  std::unordered_map<uint32_t, TypeInfo> types_;
};

}  // namespace walcast::wal_reader
