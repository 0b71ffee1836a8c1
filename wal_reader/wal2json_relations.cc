#include "wal_reader/wal2json_relations.h"

#include <charconv>
#include <optional>
#include <utility>

#include "pg/type_oids.h"

namespace walcast::wal_reader::wal2json {
namespace {

// atttypmod from format_type_with_typemod() output ("include-typmod" is on by
// default), for the types whose typmod decides their meaning; -1 otherwise.
// Encodings from PostgreSQL's *typmodin functions.
int32_t TypeModifierFromName(std::string_view type) {
  while (type.ends_with("[]")) type.remove_suffix(2);  // attypmod applies to the element
  auto args = [&](std::string_view prefix, int32_t* a, std::optional<int32_t>* b) {
    if (!type.starts_with(prefix)) return false;
    std::string_view rest = type.substr(prefix.size());
    const size_t close = rest.find(')');
    if (close == std::string_view::npos) return false;
    std::string_view inside = rest.substr(0, close);
    const size_t comma = inside.find(',');
    std::string_view first = inside.substr(0, comma);
    auto [p1, e1] = std::from_chars(first.data(), first.data() + first.size(), *a);
    if (e1 != std::errc() || p1 != first.data() + first.size()) return false;
    if (comma != std::string_view::npos) {
      std::string_view second = inside.substr(comma + 1);
      int32_t value = 0;
      auto [p2, e2] = std::from_chars(second.data(), second.data() + second.size(), value);
      if (e2 != std::errc() || p2 != second.data() + second.size()) return false;
      *b = value;
    }
    return true;
  };
  constexpr int32_t kVarHdrSz = 4;
  int32_t a = 0;
  std::optional<int32_t> b;
  if (args("character varying(", &a, &b) || args("character(", &a, &b)) return a + kVarHdrSz;
  if (args("numeric(", &a, &b)) return ((a << 16) | (b.value_or(0) & 0x7ff)) + kVarHdrSz;
  if (args("bit varying(", &a, &b) || args("bit(", &a, &b)) return a;
  if (args("timestamp(", &a, &b) || args("time(", &a, &b)) return a;
  if (args("interval(", &a, &b)) return (0x7fff << 16) | (a & 0xffff);  // INTERVAL_FULL_RANGE
  return -1;
}

// FNV-1a over "schema\0table": the same table gets the same synthetic OID in
// every run, barring a collision between two tables (see AllocateOid).
uint32_t HashTableName(std::string_view key) {
  uint32_t hash = 2166136261u;
  for (char c : key) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 16777619u;
  }
  return hash;
}

bool InPk(const RowColumns& row, std::string_view name) {
  for (const MessageColumn& p : row.pk) {
    if (p.name == name) return true;
  }
  return false;
}

// is_key follows "pk" when the message has one, else what we knew.
bool KeyFlag(const Relations::Table& table, const RowColumns& row, std::string_view name) {
  if (row.has_pk) return InPk(row, name);
  auto it = table.index.find(name);
  return it != table.index.end() && table.relation->columns[it->second].is_key;
}

}  // namespace

Result<Relations::Table*> Relations::Find(const MessageView& view) {
  WALCAST_ASSIGN_OR_RETURN(const std::string_view schema, view.String("schema"));
  WALCAST_ASSIGN_OR_RETURN(const std::string_view name, view.String("table"));
  std::string key;
  key.reserve(schema.size() + 1 + name.size());
  key.append(schema).push_back('\0');
  key.append(name);
  auto it = tables_.find(key);
  if (it == tables_.end()) {
    Table table;
    table.oid = AllocateOid(key);
    table.schema = std::string(schema);
    table.name = std::string(name);
    it = tables_.emplace(std::move(key), std::move(table)).first;
  }
  return &it->second;
}

uint32_t Relations::AllocateOid(const std::string& key) {
  uint32_t oid = HashTableName(key);
  // OID 0 means "none"; on a collision probe upwards, so the later table's
  // OID depends on which of the two appeared first.
  while (oid == 0 || oid_owners_.contains(oid)) ++oid;
  oid_owners_.emplace(oid, key);
  return oid;
}

void Relations::EnsureRelation(Table* table) {
  if (table->relation) return;
  wanted_.clear();
  Replace(table, ReplicaIdentity::kDefault);
}

bool Relations::Update(Table* table, char action, const RowColumns& row) {
  bool identity_full = false;
  const ReplicaIdentity ri = InferIdentity(*table, action, row, &identity_full);
  StartWanted(*table, action, row);
  if (action == 'U' || action == 'D') {
    // Identity columns exist for certain (under FULL they are the whole row).
    Merge(
        row.identity, [](const WantedColumn&) { return true; }, *table);
    if (row.has_pk) {
      for (WantedColumn& w : wanted_) w.is_key = InPk(row, w.name);
    }
  }
  const Relation* current = table->relation.get();
  const bool has_columns = current != nullptr && !current->columns.empty();
  if (action == 'U' && has_columns && !identity_full) MergeUnchangedToast(*table);
  // Unchanged shape: keep the cached relation, which earlier events share.
  if (!SameShape(*table, ri)) Replace(table, ri);
  wanted_.clear();
  wanted_index_.clear();
  return identity_full;
}

// Replica identity: identity == pk means DEFAULT; identity holding every
// column means FULL (wal2json prints the whole old row then); anything else
// is USING INDEX. A table whose every column is in the primary key looks
// like DEFAULT either way.
ReplicaIdentity Relations::InferIdentity(const Table& table, char action, const RowColumns& row,
                                         bool* identity_full) {
  const Relation* current = table.relation.get();
  const bool has_columns = current != nullptr && !current->columns.empty();
  *identity_full = false;
  if (!row.has_identity || row.identity.empty()) {
    return current != nullptr ? current->replica_identity : ReplicaIdentity::kDefault;
  }
  names_.clear();
  for (const MessageColumn& c : row.identity) names_.insert(c.name);
  bool pk_in_identity = true;
  for (const MessageColumn& p : row.pk) pk_in_identity = pk_in_identity && names_.contains(p.name);
  const bool equals_pk = !row.pk.empty() && row.pk.size() == row.identity.size() && pk_in_identity;
  if (!equals_pk && pk_in_identity) {
    *identity_full = true;
    if (action == 'U') {
      for (const MessageColumn& c : row.columns) {
        *identity_full = *identity_full && names_.contains(c.name);
      }
    } else if (has_columns && current->replica_identity != ReplicaIdentity::kFull) {
      for (const Column& c : current->columns) {
        *identity_full = *identity_full && names_.contains(c.name);
      }
    }
  }
  if (*identity_full) return ReplicaIdentity::kFull;
  if (equals_pk || !row.has_pk) return ReplicaIdentity::kDefault;
  return ReplicaIdentity::kIndex;
}

// The columns the message names: all of them for INSERT and UPDATE, the
// known ones for DELETE.
void Relations::StartWanted(const Table& table, char action, const RowColumns& row) {
  wanted_.clear();
  wanted_index_.clear();
  if (action == 'I' || action == 'U') {
    for (const MessageColumn& c : row.columns) {
      wanted_.push_back(WantedColumn{c.name, c.type_name, c.type_oid, KeyFlag(table, row, c.name)});
      wanted_index_.emplace(c.name, wanted_.size() - 1);
    }
  } else if (const Relation* current = table.relation.get(); current != nullptr) {
    for (size_t i = 0; i < current->columns.size(); ++i) {
      const Column& c = current->columns[i];
      wanted_.push_back(
          WantedColumn{c.name, table.type_names[i], c.type_oid, KeyFlag(table, row, c.name)});
      wanted_index_.emplace(wanted_.back().name, i);
    }
  }
}

// A known column an UPDATE leaves out is an unchanged TOAST value, unless its
// type cannot be TOASTed: then the column was dropped.
void Relations::MergeUnchangedToast(const Table& table) {
  const Relation& current = *table.relation;
  known_.clear();
  for (size_t i = 0; i < current.columns.size(); ++i) {
    known_.push_back(MessageColumn{current.columns[i].name, table.type_names[i],
                                   current.columns[i].type_oid, nullptr});
  }
  Merge(
      known_, [](const WantedColumn& w) { return !pg::IsFixedLengthType(w.type_oid); }, table);
}

// Inserts the entries of `reference` that `wanted_` lacks and `keep` accepts,
// each right after the nearest earlier reference column already in
// `wanted_`, so the reference order survives around the columns the message
// named.
void Relations::Merge(const std::vector<MessageColumn>& reference,
                      bool (*keep)(const WantedColumn&), const Table& table) {
  for (size_t j = 0; j < reference.size(); ++j) {
    const MessageColumn& r = reference[j];
    if (wanted_index_.contains(r.name)) continue;
    WantedColumn w{r.name, r.type_name, r.type_oid, false};
    if (auto it = table.index.find(r.name); it != table.index.end()) {
      w.is_key = table.relation->columns[it->second].is_key;
    }
    if (!keep(w)) continue;
    size_t pos = 0;
    for (size_t k = j; k-- > 0;) {
      if (auto it = wanted_index_.find(reference[k].name); it != wanted_index_.end()) {
        pos = it->second + 1;
        break;
      }
    }
    wanted_.insert(wanted_.begin() + static_cast<std::ptrdiff_t>(pos), w);
    wanted_index_.clear();
    for (size_t i = 0; i < wanted_.size(); ++i) wanted_index_.emplace(wanted_[i].name, i);
  }
}

bool Relations::SameShape(const Table& table, ReplicaIdentity ri) const {
  const Relation* current = table.relation.get();
  if (current == nullptr || ri != current->replica_identity ||
      wanted_.size() != current->columns.size()) {
    return false;
  }
  for (size_t i = 0; i < wanted_.size(); ++i) {
    const Column& c = current->columns[i];
    if (wanted_[i].name != c.name || wanted_[i].type_oid != c.type_oid ||
        wanted_[i].type_name != table.type_names[i] || wanted_[i].is_key != c.is_key) {
      return false;
    }
  }
  return true;
}

// Builds a relation from `wanted_` and stores it in the cache.
void Relations::Replace(Table* table, ReplicaIdentity ri) {
  Relation relation;
  relation.oid = table->oid;
  relation.schema = table->schema;
  relation.name = table->name;
  relation.replica_identity = ri;
  std::vector<std::string> type_names;
  relation.columns.reserve(wanted_.size());
  type_names.reserve(wanted_.size());
  for (const WantedColumn& w : wanted_) {
    Column column;
    column.name = std::string(w.name);
    column.type_oid = w.type_oid;
    column.type_modifier = TypeModifierFromName(w.type_name);
    column.is_key = w.is_key;
    relation.columns.push_back(std::move(column));
    type_names.emplace_back(w.type_name);
  }
  // `wanted_` may view the old relation's strings: copy them all first.
  table->relation = cache_->Put(std::move(relation));
  table->type_names = std::move(type_names);
  table->index.clear();
  for (size_t i = 0; i < table->relation->columns.size(); ++i) {
    table->index.emplace(table->relation->columns[i].name, i);
  }
}

}  // namespace walcast::wal_reader::wal2json
