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
      parser_(options_.parser),
      debezium_(options_.debezium) {}

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
  return BuildRow({relation, options_.rules.For(relation.schema, relation.name), commit_time_us},
                  row, out);
}

Status RawDocumentBuilder::BuildChange(const TransactionInfo& txn, const ChangeEvent& event,
                                       const Tuple& row, RawDocument* out) {
  if (!event.relation) return Status::Internal("a row change without a relation");
  const Relation& relation = *event.relation;
  return BuildRow({relation, options_.rules.For(relation.schema, relation.name), txn.commit_time_us,
                   &txn, &event},
                  row, out);
}

Status RawDocumentBuilder::BuildChangeId(const TransactionInfo& txn, const ChangeEvent& event,
                                         const Tuple& row, std::string* id) {
  if (!event.relation) return Status::Internal("a row change without a relation");
  const Relation& relation = *event.relation;
  return IdOf({relation, options_.rules.For(relation.schema, relation.name), txn.commit_time_us,
               &txn, &event},
              row, id);
}

Status RawDocumentBuilder::IdOf(const RowContext& context, const Tuple& row, std::string* id) {
  if (context.rules.id == IdMode::kKey) return BuildId(context.relation, row, id);
  id->clear();
  const std::string table = TableName(context.relation);
  if (context.event == nullptr || !context.event->relation) {
    return Status::InvalidArgument("table " + table +
                                   ": a connect-key-json _id is built from the change");
  }
  // The key Debezium writes, which Kafka Connect's StringConverter hands
  // to the sink as it is and key.ignore=false makes the _id.
  std::optional<std::string> key;
  const Status encoded = debezium_.EncodeRowKey(
      context.event->relation, row,
      context.txn->snapshot ? debezium::ValueSource::kSnapshot : debezium::ValueSource::kStreaming,
      &key);
  if (encoded.code() == Status::Code::kCorruption) {
    return Status::Rejected("table " + table + ": " + encoded.message());
  }
  WALCAST_RETURN_IF_ERROR(encoded);
  if (!key) {
    return Status::InvalidArgument("table " + table +
                                   " has no key columns: a connect-key-json _id needs one");
  }
  if (key->size() > kMaxIdBytes) {
    return Status::Rejected("table " + table + ": the key is " + std::to_string(key->size()) +
                            " bytes, over Elasticsearch's _id limit of 512");
  }
  *id = std::move(*key);
  return Status::Ok();
}

Status RawDocumentBuilder::BuildRow(const RowContext& context, const Tuple& row, RawDocument* out) {
  const Relation& relation = context.relation;
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
  WALCAST_RETURN_IF_ERROR(IdOf(context, row, &out->id));
  const std::optional<int64_t> created =
      TimestampMicros(relation, row, FindColumn(relation, "cr_dtimes"));

  // The profile first: a rejected one stops the row before anything is
  // written.
  int profile_column = -1;
  WALCAST_RETURN_IF_ERROR(ParseProfile(relation, row, out, &profile_column));

  buffer_.Clear();
  writer_.Reset(buffer_);
  spans_.clear();
  writer_.StartObject();
  WALCAST_RETURN_IF_ERROR(
      WriteColumns(context, row, profile_column, created.value_or(context.commit_time_us), out));
  WriteSourceFields(context);
  WriteTimestampGen(context, row);
  if (options_.lookups != nullptr) {
    WriteLookupFields(writer_, *options_.lookups, relation, row,
                      profile_column >= 0 ? &profile_ : nullptr);
  }
  writer_.EndObject();
  out->source.assign(buffer_.GetString(), buffer_.GetSize());
  return Status::Ok();
}

void RawDocumentBuilder::NoteField(std::string_view name, size_t begin) {
  // The writer puts the ':' between key and value in front of the value.
  spans_.push_back({name, begin + 1, buffer_.GetSize()});
}

void RawDocumentBuilder::WriteSourceFields(const RowContext& context) {
  if (context.txn == nullptr || context.event == nullptr) return;
  const TransactionInfo& txn = *context.txn;
  for (const SourceField& field : context.rules.source_fields) {
    json::Key(writer_, field.name);
    const size_t begin = buffer_.GetSize();
    // ExtractNewRecordState copies the envelope's values: source.ts_ms is
    // the commit time, lsn the change's own LSN (debezium/encoder.h).
    std::optional<int64_t> millis;  // for a conversion
    switch (field.kind) {
      case SourceField::Kind::kOp: {
        const char op = static_cast<char>(context.event->op);
        writer_.String(&op, 1);
        break;
      }
      case SourceField::Kind::kTsMs:
      case SourceField::Kind::kTsUs:
      case SourceField::Kind::kTsNs:
        millis = txn.commit_time_us / 1000;  // written below
        break;
      case SourceField::Kind::kName:
        json::String(writer_, options_.debezium.topic_prefix);
        break;
      case SourceField::Kind::kDb:
        json::String(writer_, options_.debezium.database);
        break;
      case SourceField::Kind::kSchema:
        json::String(writer_, context.relation.schema);
        break;
      case SourceField::Kind::kTable:
        json::String(writer_, context.relation.name);
        break;
      case SourceField::Kind::kTxId:
        if (txn.xid != 0) {
          writer_.Int64(static_cast<int64_t>(txn.xid));
        } else {
          writer_.Null();
        }
        break;
      case SourceField::Kind::kLsn:
        writer_.Int64(static_cast<int64_t>(context.event->lsn.value()));
        break;
    }
    if (millis) {
      if (const DateFormat* format = context.rules.ConversionOf(field.name)) {
        scratch_.clear();
        format->Format(*millis, &scratch_);
        json::String(writer_, scratch_);
      } else if (field.kind == SourceField::Kind::kTsMs) {
        writer_.Int64(*millis);
      } else if (field.kind == SourceField::Kind::kTsUs) {
        writer_.Int64(txn.commit_time_us);
      } else {
        writer_.Int64(txn.commit_time_us * 1000);
      }
    }
    NoteField(field.name, begin);
  }
}

void RawDocumentBuilder::WriteTimestampGen(const RowContext& context, const Tuple& row) {
  const TableRules& rules = context.rules;
  for (const std::string& candidate : rules.timestamp_gen) {
    for (const FieldSpan& span : spans_) {
      if (span.name != candidate) continue;
      const std::string_view value(buffer_.GetString() + span.begin, span.end - span.begin);
      // TimestampSelector takes the first candidate that is neither null
      // nor "".
      if (value == "null" || value == "\"\"") break;
      // A timestamp column holding infinity is no time (walcast's shape
      // never took one).
      const int column = FindColumn(context.relation, candidate);
      if (column >= 0) {
        const Column& c = context.relation.columns[static_cast<size_t>(column)];
        const Datum& datum = row[static_cast<size_t>(column)];
        if (IsTimestampColumn(c) && datum.kind == Datum::Kind::kText &&
            !TimestampMicros(context.relation, row, column)) {
          break;
        }
      }
      scratch_.assign(value);
      json::Key(writer_, rules.timestamp_gen_field);
      writer_.RawValue(scratch_.data(), scratch_.size(), rapidjson::kStringType);
      return;
    }
  }
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

Status RawDocumentBuilder::WriteColumns(const RowContext& context, const Tuple& row,
                                        int profile_column, int64_t fallback_time_us,
                                        RawDocument* out) {
  const Relation& relation = context.relation;
  const TableRules& rules = context.rules;
  const bool debezium_values = rules.values == ValueMode::kDebezium;
  const std::vector<std::optional<debezium::ColumnCodec>>* codecs = nullptr;
  if (debezium_values) {
    if (context.event != nullptr && context.event->relation) {
      WALCAST_ASSIGN_OR_RETURN(codecs, debezium_.ValueCodecs(context.event->relation));
    } else {
      local_codecs_.clear();
      for (const Column& column : relation.columns) {
        local_codecs_.push_back(
            debezium::ColumnCodec::For(column, !column.not_null, options_.debezium.values));
        if (local_codecs_.back() && column.default_expr) {
          local_codecs_.back()->ApplyDefaultExpression(*column.default_expr);
        }
      }
      codecs = &local_codecs_;
    }
  }
  const debezium::ValueSource source = context.txn != nullptr && context.txn->snapshot
                                           ? debezium::ValueSource::kSnapshot
                                           : debezium::ValueSource::kStreaming;
  // Debezium's column options (column.exclude.list, masks, hashes,
  // truncation) shape the documents as they shape the Kafka records, so
  // no sink receives what the configuration filters or masks.
  const std::vector<debezium::ColumnMapping>* mappings = nullptr;
  if (!options_.debezium.columns.empty()) {
    if (context.event != nullptr && context.event->relation) {
      WALCAST_ASSIGN_OR_RETURN(mappings, debezium_.ColumnMappings(context.event->relation));
    } else {
      local_mappings_.clear();
      for (const Column& column : relation.columns) {
        local_mappings_.push_back(
            debezium::MapColumn(options_.debezium.columns, relation.schema, relation.name, column));
      }
      mappings = &local_mappings_;
    }
  }
  for (size_t i = 0; i < relation.columns.size(); ++i) {
    const Column& column = relation.columns[i];
    if (mappings != nullptr && !(*mappings)[i].included) continue;
    std::optional<Datum> mapped;
    if (mappings != nullptr && (*mappings)[i].kind != debezium::ColumnMapping::Kind::kNone) {
      mapped = debezium::MapDatum((*mappings)[i], column, row[i]);
    }
    const Datum& datum = mapped ? *mapped : row[i];
    if (datum.kind == Datum::Kind::kUnchangedToast) {
      out->partial = true;
      continue;
    }
    const bool is_profile = static_cast<int>(i) == profile_column;
    // Debezium leaves columns of types it does not know out of `after`.
    if (debezium_values && !is_profile && !(*codecs)[i]) continue;
    if (!IsValidUtf8(column.name)) {
      return Status::Rejected("table " + TableName(relation) +
                              ": a column name is not valid UTF-8");
    }
    json::Key(writer_, column.name);
    const size_t begin = buffer_.GetSize();
    bool ok = true;
    const DateFormat* format = is_profile ? nullptr : rules.ConversionOf(column.name);
    const std::optional<int64_t> millis =
        format != nullptr ? TemporalMillis(column, datum) : std::nullopt;
    if (is_profile) {
      ok = profiles_.WriteProfile(profile_, out->update_id, fallback_time_us);
    } else if (millis) {
      // TimestampConverterAdv: the instant as text in UTC.
      scratch_.clear();
      format->Format(*millis, &scratch_);
      json::String(writer_, scratch_);
    } else if (debezium_values) {
      const Status written = (*codecs)[i]->Write(datum, &writer_, source);
      if (!written.ok()) {
        return Status::Rejected("table " + TableName(relation) + ": " + written.message());
      }
    } else {
      ok = columns_.Write(column, datum);
    }
    if (!ok) {
      return Status::Rejected("table " + TableName(relation) + ": column " + column.name +
                              " is not valid UTF-8");
    }
    NoteField(column.name, begin);
  }
  return Status::Ok();
}

}  // namespace walcast::sinks::elasticsearch
