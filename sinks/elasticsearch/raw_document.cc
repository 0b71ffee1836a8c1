#include "sinks/elasticsearch/raw_document.h"

#include <optional>
#include <string>
#include <utility>

#include "core/json_writer.h"
#include "sinks/elasticsearch/lookup_fields.h"

namespace walcast::sinks::elasticsearch {
namespace {

constexpr size_t kMaxIdBytes = 512;  // Elasticsearch's limit on _id

}  // namespace

// Whether "schema.table" matches `pattern` ('*' is any run of characters).
bool GlobMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {

int FindColumn(const Relation& relation, std::string_view name) {
  for (size_t i = 0; i < relation.columns.size(); ++i) {
    if (relation.columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

// "schema.table", for error messages.
std::string TableName(const Relation& relation) { return relation.schema + "." + relation.name; }

void AppendKeyPart(std::string_view text, std::string* id) {
  for (const char c : text) {
    if (c == '\\' || c == '|') id->push_back('\\');
    id->push_back(c);
  }
}

}  // namespace

RawDocumentBuilder::RawDocumentBuilder(RawDocumentOptions options)
    : options_(std::move(options)),
      writer_(buffer_),
      columns_(&writer_),
      profiles_(&writer_, &options_),
      parser_(options_.parser) {}

bool RawDocumentBuilder::IsProfileTable(const Relation& relation) const {
  // PostgreSQL names are at most 63 bytes: "schema.table" fits on the stack.
  char buf[160];
  const size_t size = relation.schema.size() + 1 + relation.name.size();
  std::string heap;
  std::string_view name;
  if (size <= sizeof(buf)) {
    relation.schema.copy(buf, relation.schema.size());
    buf[relation.schema.size()] = '.';
    relation.name.copy(buf + relation.schema.size() + 1, relation.name.size());
    name = std::string_view(buf, size);
  } else {
    heap = TableName(relation);
    name = heap;
  }
  for (const std::string& pattern : options_.profile_tables) {
    if (GlobMatch(pattern, name)) return true;
  }
  return false;
}

const std::vector<size_t>& RawDocumentBuilder::KeyColumns(const Relation& relation,
                                                         std::vector<size_t>* scratch) {
  // The primary key, else the replica identity (pgoutput's key flags are
  // the primary key under DEFAULT and the index's columns under INDEX).
  if (!relation.primary_key.empty()) return relation.primary_key;
  scratch->clear();
  if (relation.replica_identity == ReplicaIdentity::kDefault ||
      relation.replica_identity == ReplicaIdentity::kIndex) {
    for (size_t i = 0; i < relation.columns.size(); ++i) {
      if (relation.columns[i].is_key) scratch->push_back(i);
    }
  }
  return *scratch;
}

Status RawDocumentBuilder::BuildId(const Relation& relation, const Tuple& row, std::string* id) {
  id->clear();
  std::vector<size_t> replica_identity;
  const std::vector<size_t>* key = &KeyColumns(relation, &replica_identity);
  if (key->empty()) {
    return Status::InvalidArgument("table " + TableName(relation) +
                                   " has no primary key: raw documents need one for their _id");
  }
  for (const size_t column : *key) {
    if (column >= row.size()) {
      return Status::InvalidArgument("table " + TableName(relation) + ": the row has " +
                                     std::to_string(row.size()) + " columns, the key needs " +
                                     std::to_string(column + 1));
    }
    const Datum& datum = row[column];
    if (datum.kind != Datum::Kind::kText) {
      id->clear();
      return Status::Rejected("table " + TableName(relation) + ": key column " +
                              relation.columns[column].name + " has no value");
    }
    if (key->size() == 1) {
      id->assign(datum.data);
    } else {
      if (column != key->front()) id->push_back('|');
      AppendKeyPart(datum.data, id);
    }
  }
  if (id->size() > kMaxIdBytes) {
    const size_t size = id->size();
    id->clear();
    return Status::Rejected("table " + TableName(relation) + ": the key is " +
                            std::to_string(size) + " bytes, over Elasticsearch's _id limit of 512");
  }
  return Status::Ok();
}

Status RawDocumentBuilder::Build(const Relation& relation, const Tuple& row, int64_t commit_time_us,
                                 RawDocument* out) {
  out->source.clear();
  out->is_profile = false;
  out->shape = mosip::ProfileShape::kIdRepo;
  out->update_id.clear();
  out->superseded_update_id.clear();
  out->profile_error = mosip::ProfileError::kNone;
  out->partial = false;
  if (row.size() != relation.columns.size()) {
    return Status::InvalidArgument("table " + TableName(relation) + ": the row has " +
                                   std::to_string(row.size()) + " columns, the relation " +
                                   std::to_string(relation.columns.size()));
  }
  WALCAST_RETURN_IF_ERROR(BuildId(relation, row, &out->id));
  const std::optional<int64_t> created =
      TimestampMicros(relation, row, FindColumn(relation, "cr_dtimes"));
  const std::optional<int64_t> updated =
      TimestampMicros(relation, row, FindColumn(relation, "upd_dtimes"));

  // The profile first: a rejected one stops the row before anything is
  // written.
  int profile_column = -1;
  WALCAST_RETURN_IF_ERROR(ParseProfile(relation, row, out, &profile_column));

  buffer_.Clear();
  writer_.Reset(buffer_);
  writer_.StartObject();
  WALCAST_RETURN_IF_ERROR(
      WriteColumns(relation, row, profile_column, created.value_or(commit_time_us), out));
  const std::optional<int64_t> generated = updated ? updated : created;
  if (generated && FormatMillisUtc(*generated, &scratch_)) {
    writer_.Key("@timestamp_gen");
    json::String(writer_, scratch_);
  }
  if (options_.lookups != nullptr) {
    WriteLookupFields(writer_, *options_.lookups, relation, row,
                      profile_column >= 0 ? &profile_ : nullptr);
  }
  writer_.EndObject();
  out->source.assign(buffer_.GetString(), buffer_.GetSize());
  return Status::Ok();
}

Status RawDocumentBuilder::ParseProfile(const Relation& relation, const Tuple& row,
                                        RawDocument* out, int* parsed_column) {
  *parsed_column = -1;
  if (!IsProfileTable(relation)) return Status::Ok();
  const int column = FindColumn(relation, options_.profile_column);
  out->is_profile = column >= 0;
  if (column < 0 || row[static_cast<size_t>(column)].kind != Datum::Kind::kText) {
    return Status::Ok();
  }
  mosip::ProfileRowContext context;
  const int stage = FindColumn(relation, "process_stage");
  if (stage >= 0 && row[static_cast<size_t>(stage)].kind == Datum::Kind::kText) {
    context.process_stage_column = row[static_cast<size_t>(stage)].data;
  }
  const std::string& text = row[static_cast<size_t>(column)].data;
  const Status parsed = parser_.Parse(text, context, &profile_);
  if (!parsed.ok()) {
    out->profile_error = parser_.last_error();
    return Status::Rejected("table " + TableName(relation) + ": profile rejected (" +
                            std::string(mosip::ProfileErrorName(out->profile_error)) +
                            "): " + parsed.message());
  }
  out->shape = profile_.shape;
  if (profile_.shape == mosip::ProfileShape::kIdRepo ||
      profile_.shape == mosip::ProfileShape::kAnnexureA) {
    const bool idrepo = profile_.shape == mosip::ProfileShape::kIdRepo;
    WALCAST_RETURN_IF_ERROR(update_ids_.Compute(text, idrepo ? "newProfile" : "new",
                                                idrepo ? "oldProfile" : "old", &out->update_id,
                                                &out->superseded_update_id));
  }
  *parsed_column = column;
  return Status::Ok();
}

Status RawDocumentBuilder::WriteColumns(const Relation& relation, const Tuple& row,
                                        int profile_column, int64_t fallback_time_us,
                                        RawDocument* out) {
  for (size_t i = 0; i < relation.columns.size(); ++i) {
    const Column& column = relation.columns[i];
    const Datum& datum = row[i];
    if (datum.kind == Datum::Kind::kUnchangedToast) {
      out->partial = true;
      continue;
    }
    if (!IsValidUtf8(column.name)) {
      return Status::Rejected("table " + TableName(relation) +
                              ": a column name is not valid UTF-8");
    }
    json::Key(writer_, column.name);
    const bool ok = static_cast<int>(i) == profile_column
                        ? profiles_.WriteProfile(profile_, out->update_id, fallback_time_us)
                        : columns_.Write(column, datum);
    if (!ok) {
      return Status::Rejected("table " + TableName(relation) + ": column " + column.name +
                              " is not valid UTF-8");
    }
  }
  return Status::Ok();
}

}  // namespace walcast::sinks::elasticsearch
