#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "wal_reader/relation_cache.h"

#include <pqxx/connection>

namespace walcast::wal_reader {

// Resolves type OIDs from pg_type over its own SQL connection: names,
// categories, array element types, domain base types and enum labels; and
// tables' key columns, NOT NULL flags and defaults.
// Lookups that fail (connection lost) return nullopt; the relation cache
// keeps the bare OID then. Reader thread only.
class CatalogTypeResolver : public TypeResolver {
 public:
  static Result<std::unique_ptr<CatalogTypeResolver>> Connect(const std::string& conninfo);
  ~CatalogTypeResolver() override;

  std::optional<TypeInfo> Resolve(uint32_t oid) override;
  std::optional<TableInfo> ResolveTable(uint32_t relation_oid) override;

 private:
  CatalogTypeResolver(std::string conninfo, std::unique_ptr<pqxx::connection> conn);
  std::string conninfo_;
  std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace walcast::wal_reader
