#include "wal_reader/relation_cache.h"

namespace walcast::wal_reader {

std::optional<TypeInfo> RelationCache::ResolveType(uint32_t oid) {
  if (auto it = types_.find(oid); it != types_.end()) return it->second;
  if (resolver_ == nullptr) return std::nullopt;
  std::optional<TypeInfo> info = resolver_->Resolve(oid);
  if (info) types_[oid] = *info;
  return info;
}

std::shared_ptr<const Relation> RelationCache::Put(Relation relation) {
  for (Column& column : relation.columns) column.type = ResolveType(column.type_oid);
  auto shared = std::make_shared<const Relation>(std::move(relation));
  relations_[shared->oid] = shared;
  return shared;
}

std::shared_ptr<const Relation> RelationCache::Get(uint32_t relation_oid) const {
  auto it = relations_.find(relation_oid);
  return it == relations_.end() ? nullptr : it->second;
}

void RelationCache::PutType(uint32_t type_oid, std::string schema, std::string name) {
  auto it = types_.find(type_oid);
  if (it != types_.end()) {
    // Keep what the catalog told us (category, labels); refresh the names.
    it->second.schema = std::move(schema);
    it->second.name = std::move(name);
    return;
  }
  std::optional<TypeInfo> info = resolver_ ? resolver_->Resolve(type_oid) : std::nullopt;
  if (!info) {
    info = TypeInfo{};
    info->oid = type_oid;
  }
  info->schema = std::move(schema);
  info->name = std::move(name);
  types_[type_oid] = *info;
}

}  // namespace walcast::wal_reader
