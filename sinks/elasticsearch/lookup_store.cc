#include "sinks/elasticsearch/lookup_store.h"

#include <mutex>

#include "sinks/elasticsearch/raw_document.h"

namespace walcast::sinks::elasticsearch {
namespace {

std::vector<std::string> DecodeKey(std::string_view encoded) {
  std::vector<std::string> parts;
  while (!encoded.empty()) {
    const size_t colon = encoded.find(':');
    const size_t size = std::stoul(std::string(encoded.substr(0, colon)));
    parts.emplace_back(encoded.substr(colon + 1, size));
    encoded.remove_prefix(colon + 1 + size);
  }
  return parts;
}

// The entry of one lookup for a row, or nullopt when a key or value column
// is NULL or missing.
std::optional<std::string> EntryKey(const LookupSpec& spec, const LookupStore::ColumnGetter& get) {
  std::vector<std::string> parts;
  for (const std::string& column : spec.key_columns) {
    std::optional<std::string> value = get(column);
    if (!value) return std::nullopt;
    parts.push_back(std::move(*value));
  }
  return EncodeLookupKey(parts);
}

std::optional<std::string> EntryValue(const LookupSpec& spec,
                                      const LookupStore::ColumnGetter& get) {
  std::string value;
  for (const LookupValuePart& part : spec.value) {
    if (!part.is_column) {
      value += part.text;
      continue;
    }
    const std::optional<std::string> column = get(part.text);
    if (!column) return std::nullopt;
    value += *column;
  }
  return value;
}

int FindColumn(const Relation& relation, std::string_view name) {
  for (size_t i = 0; i < relation.columns.size(); ++i) {
    if (relation.columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

// Whether any column `spec` reads is an unchanged TOASTed value in `row`.
bool ReadsUnchangedToast(const LookupSpec& spec, const Relation& relation, const Tuple& row) {
  const auto toasted = [&](const std::string& column) {
    const int i = FindColumn(relation, column);
    return i >= 0 && static_cast<size_t>(i) < row.size() &&
           row[static_cast<size_t>(i)].kind == Datum::Kind::kUnchangedToast;
  };
  for (const std::string& column : spec.key_columns) {
    if (toasted(column)) return true;
  }
  for (const std::string& column : spec.ValueColumns()) {
    if (toasted(column)) return true;
  }
  return false;
}

}  // namespace

std::string EncodeLookupKey(const std::vector<std::string>& parts) {
  std::string encoded;
  for (const std::string& part : parts) {
    encoded += std::to_string(part.size());
    encoded.push_back(':');
    encoded += part;
  }
  return encoded;
}

LookupStore::LookupStore(std::vector<LookupSpec> specs, size_t max_rows)
    : specs_(std::move(specs)), max_rows_(max_rows), indexes_(specs_.size()) {}

bool LookupStore::IsLookupTable(std::string_view table) const {
  for (const LookupSpec& spec : specs_) {
    if (spec.table == table) return true;
  }
  return false;
}

std::vector<std::string> LookupStore::Tables() const {
  std::set<std::string> tables;
  for (const LookupSpec& spec : specs_) tables.insert(spec.table);
  return {tables.begin(), tables.end()};
}

Status LookupStore::Apply(const ChangeEvent& event) {
  if (event.relation == nullptr || event.op == Op::kMessage) return Status::Ok();
  const Relation& relation = *event.relation;
  const std::string table = relation.schema + "." + relation.name;
  if (!IsLookupTable(table)) return Status::Ok();
  if (event.op == Op::kTruncate) {
    std::unique_lock lock(mu_);
    for (size_t l = 0; l < specs_.size(); ++l) {
      if (specs_[l].table != table) continue;
      for (const auto& [key, rows] : indexes_[l].by_key) NoteChangeLocked(l, key);
      rows_ -= indexes_[l].rows.size();
      indexes_[l] = Index{};
    }
    return Status::Ok();
  }
  std::string old_id;
  if (event.before && !RawDocumentBuilder::BuildId(relation, *event.before, &old_id).ok()) {
    old_id.clear();
  }
  if (event.op == Op::kDelete) {
    if (!old_id.empty()) RemoveRow(table, old_id);
    return Status::Ok();
  }
  if (!event.after || event.after->size() != relation.columns.size()) return Status::Ok();
  const Tuple& row = *event.after;
  std::string id;
  if (!RawDocumentBuilder::BuildId(relation, row, &id).ok()) return Status::Ok();
  const ColumnGetter get = [&](std::string_view column) -> std::optional<std::string> {
    const int i = FindColumn(relation, column);
    if (i < 0 || row[static_cast<size_t>(i)].kind != Datum::Kind::kText) return std::nullopt;
    return row[static_cast<size_t>(i)].data;
  };
  std::unique_lock lock(mu_);
  for (size_t l = 0; l < specs_.size(); ++l) {
    const LookupSpec& spec = specs_[l];
    if (spec.table != table || ReadsUnchangedToast(spec, relation, row)) continue;
    // A key change moves the row: its old id goes.
    if (!old_id.empty() && old_id != id) {
      WALCAST_RETURN_IF_ERROR(ReplaceLocked(l, old_id, std::nullopt, true));
    }
    WALCAST_RETURN_IF_ERROR(ReplaceLocked(l, id, MakeEntry(spec, get), true));
  }
  return Status::Ok();
}

Status LookupStore::PutRow(std::string_view table, const std::string& row_id,
                           const ColumnGetter& get) {
  std::unique_lock lock(mu_);
  for (size_t l = 0; l < specs_.size(); ++l) {
    const LookupSpec& spec = specs_[l];
    if (spec.table != table) continue;
    WALCAST_RETURN_IF_ERROR(ReplaceLocked(l, row_id, MakeEntry(spec, get), false));
  }
  return Status::Ok();
}

void LookupStore::RemoveRow(std::string_view table, const std::string& row_id) {
  std::unique_lock lock(mu_);
  for (size_t l = 0; l < specs_.size(); ++l) {
    // Removing never fails.
    if (specs_[l].table == table) (void)ReplaceLocked(l, row_id, std::nullopt, true);
  }
}

std::optional<LookupStore::Entry> LookupStore::MakeEntry(const LookupSpec& spec,
                                                         const ColumnGetter& get) {
  std::optional<std::string> key = EntryKey(spec, get);
  std::optional<std::string> value = EntryValue(spec, get);
  if (!key || !value) return std::nullopt;
  return Entry{std::move(*key), std::move(*value)};
}

Status LookupStore::ReplaceLocked(size_t lookup, const std::string& row_id,
                                  std::optional<Entry> entry, bool note_always) {
  Index& index = indexes_[lookup];
  auto row = index.rows.find(row_id);
  if (row == index.rows.end() && entry && rows_ >= max_rows_) {
    return Status::Fatal("elasticsearch: the lookup store holds " + std::to_string(rows_) +
                         " rows, its limit (elasticsearch.lookup.max.rows); lookup '" +
                         specs_[lookup].name + "' needs more");
  }
  if (row != index.rows.end()) {
    if (entry && row->second.key == entry->key && row->second.value == entry->value) {
      if (note_always) NoteChangeLocked(lookup, entry->key);
      return Status::Ok();
    }
    const std::string key = row->second.key;
    const std::optional<std::string> before = FindLocked(lookup, key);
    auto rows = index.by_key.find(key);
    rows->second.erase(row_id);
    if (rows->second.empty()) index.by_key.erase(rows);
    index.rows.erase(row);
    --rows_;
    if (note_always || FindLocked(lookup, key) != before) NoteChangeLocked(lookup, key);
  }
  if (!entry) return Status::Ok();
  const std::optional<std::string> before = FindLocked(lookup, entry->key);
  index.by_key[entry->key][row_id] = entry->value;
  const std::string key = entry->key;
  index.rows.emplace(row_id, std::move(*entry));
  ++rows_;
  if (note_always || FindLocked(lookup, key) != before) NoteChangeLocked(lookup, key);
  return Status::Ok();
}

std::optional<std::string> LookupStore::FindLocked(size_t lookup, const std::string& key) const {
  const Index& index = indexes_[lookup];
  const auto rows = index.by_key.find(key);
  if (rows == index.by_key.end() || rows->second.empty()) return std::nullopt;
  return rows->second.begin()->second;
}

void LookupStore::NoteChangeLocked(size_t lookup, const std::string& key) {
  if (pending_.empty()) return;
  LookupChange change{lookup, DecodeKey(key)};
  for (std::set<LookupChange>& queue : pending_) queue.insert(change);
}

std::optional<std::string> LookupStore::Find(size_t lookup,
                                             const std::vector<std::string>& key) const {
  std::shared_lock lock(mu_);
  return FindLocked(lookup, EncodeLookupKey(key));
}

int LookupStore::Subscribe() {
  std::unique_lock lock(mu_);
  pending_.emplace_back();
  return static_cast<int>(pending_.size() - 1);
}

std::vector<LookupChange> LookupStore::TakeChanges(int subscriber) {
  std::unique_lock lock(mu_);
  std::set<LookupChange>& queue = pending_.at(static_cast<size_t>(subscriber));
  std::vector<LookupChange> changes(queue.begin(), queue.end());
  queue.clear();
  return changes;
}

size_t LookupStore::rows() const {
  std::shared_lock lock(mu_);
  return rows_;
}

}  // namespace walcast::sinks::elasticsearch
