#include "wal_reader/relation_cache.h"

namespace walcast::wal_reader {

std::optional<TypeInfo> RelationCache::ResolveType(uint32_t oid, int depth) {
  if (auto it = types_.find(oid); it != types_.end()) return it->second;
  if (resolver_ == nullptr) return std::nullopt;
  std::optional<TypeInfo> info = resolver_->Resolve(oid);
  if (!info) return info;
  // Arrays of domains of arrays are legal but a few levels are plenty; the
  // bound also stops a malformed catalog from recursing forever.
  const uint32_t inner_oid = info->elem_oid != 0 ? info->elem_oid
                             : info->typtype == 'd' ? info->base_oid
                                                    : 0;
  if (inner_oid != 0 && depth < 4) {
    if (std::optional<TypeInfo> inner = ResolveType(inner_oid, depth + 1)) {
      info->inner.push_back(std::move(*inner));
    }
  }
  types_[oid] = *info;
  return info;
}

std::shared_ptr<const Relation> RelationCache::Put(Relation relation) {
  for (Column& column : relation.columns) column.type = ResolveType(column.type_oid);
  // The catalog can be newer than the WAL being decoded (a column dropped
  // since): match by name and ignore what does not line up.
  if (std::optional<TableInfo> table = resolver_ ? resolver_->ResolveTable(relation.oid)
                                                 : std::nullopt) {
    for (Column& column : relation.columns) {
      for (const TableInfo::ColumnInfo& info : table->columns) {
        if (info.name != column.name) continue;
        column.not_null = info.not_null;
        column.default_expr = info.default_expr;
        break;
      }
    }
    for (const std::string& key : table->primary_key) {
      for (size_t i = 0; i < relation.columns.size(); ++i) {
        if (relation.columns[i].name == key) relation.primary_key.push_back(i);
      }
    }
    if (relation.primary_key.size() != table->primary_key.size()) relation.primary_key.clear();
  }
  auto shared = std::make_shared<const Relation>(std::move(relation));
  relations_[shared->oid] = shared;
  return shared;
}

std::shared_ptr<const Relation> RelationCache::Get(uint32_t relation_oid) const {
  auto it = relations_.find(relation_oid);
  return it == relations_.end() ? nullptr : it->second;
}

void RelationCache::PutType(uint32_t type_oid, std::string schema, std::string name) {
  // Resolved like a column's type, with its element or base type: the
  // Relation message that follows finds the entry and uses it as it is, so
  // a domain without its base type would have no mapping.
  if (!ResolveType(type_oid)) {
    TypeInfo info;
    info.oid = type_oid;
    types_[type_oid] = std::move(info);
  }
  // Keep what the catalog told us (category, labels); take the names.
  TypeInfo& info = types_[type_oid];
  info.schema = std::move(schema);
  info.name = std::move(name);
}

}  // namespace walcast::wal_reader
