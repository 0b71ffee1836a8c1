#include "debezium/encoder.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include "core/encoding.h"
#include "core/json_writer.h"
#include "debezium/connect_string.h"
#include "debezium/record_schemas.h"
#include "rapidjson/document.h"

namespace walcast::debezium {
namespace {

constexpr size_t kMaxCachedTables = 4096;

// A random (version 4) UUID.
std::string RandomUuid() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  uint64_t hi = gen();
  uint64_t lo = gen();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(hi >> 32), static_cast<unsigned>((hi >> 16) & 0xffff),
                static_cast<unsigned>(hi & 0xffff), static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::string SchemaJson(const ConnectSchema& schema) {
  std::string json;
  AppendSchemaJson(schema, &json);
  return json;
}

}  // namespace

struct DebeziumEncoder::TableSchema {
  std::string schema_name;  // PostgreSQL schema
  std::string table_name;
  std::string collection;  // "schema.table"
  std::string topic;
  std::vector<std::string> column_names;
  std::vector<std::optional<ColumnCodec>> value_codecs;  // by column index
  std::vector<ColumnMapping> mappings;                    // by column index
  std::vector<size_t> key_indexes;
  std::vector<ColumnCodec> key_codecs;  // parallel to key_indexes
  ConnectSchema key_schema;             // the key struct, for key headers
  std::string key_schema_json;
  std::string envelope_schema_json;
};

DebeziumEncoder::DebeziumEncoder(EncoderOptions options)
    : options_(std::move(options)),
      heartbeat_key_schema_json_(SchemaJson(HeartbeatKeySchema())),
      heartbeat_value_schema_json_(SchemaJson(HeartbeatValueSchema())),
      transaction_key_schema_json_(SchemaJson(TransactionKeySchema())),
      transaction_value_schema_json_(SchemaJson(TransactionValueSchema())),
      message_key_schema_json_(SchemaJson(MessageKeySchema())),
      message_value_schema_json_(SchemaJson(MessageValueSchema(options_.values.binary))),
      run_id_(RandomUuid()),
      writer_(buffer_) {}

DebeziumEncoder::~DebeziumEncoder() = default;

std::unique_ptr<DebeziumEncoder> DebeziumEncoder::ForAnotherThread() const {
  auto other = std::make_unique<DebeziumEncoder>(options_);
  other->run_id_ = run_id_;
  other->last_commit_lsn_ = last_commit_lsn_;
  other->last_source_ts_us_ = last_source_ts_us_;
  return other;
}

std::string DebeziumEncoder::Route(std::string topic) const {
  for (const TopicRoute& route : options_.routes) {
    if (std::regex_match(topic, route.regex)) {
      return std::regex_replace(topic, route.regex, route.replacement,
                                std::regex_constants::format_first_only);
    }
  }
  return topic;
}

std::string DebeziumEncoder::TopicFor(const std::string& schema, const std::string& table) const {
  return Route(options_.topic_prefix + "." + schema + "." + table);
}

std::string DebeziumEncoder::MessageTopic() const {
  return Route(options_.topic_prefix + ".message");
}

std::string DebeziumEncoder::HeartbeatTopic() const {
  return "__debezium-heartbeat." + options_.topic_prefix;
}

std::string DebeziumEncoder::TransactionTopic() const {
  return Route(options_.topic_prefix + ".transaction");
}

Result<std::vector<size_t>> DebeziumEncoder::KeyColumns(const Relation& relation,
                                                        const std::string& collection) const {
  for (const KeyColumnsRule& rule : options_.key_columns) {
    if (!std::regex_match(collection, rule.table)) continue;
    std::vector<size_t> key;
    for (const std::string& name : rule.columns) {
      auto it = std::find_if(relation.columns.begin(), relation.columns.end(),
                             [&](const Column& c) { return c.name == name; });
      if (it == relation.columns.end()) {
        return Status::InvalidArgument("message.key.columns names column '" + name +
                                       "', which table " + collection + " does not have");
      }
      key.push_back(static_cast<size_t>(it - relation.columns.begin()));
    }
    return key;
  }
  return relation.primary_key;
}

Result<const DebeziumEncoder::TableSchema*> DebeziumEncoder::SchemaFor(
    const std::shared_ptr<const Relation>& relation) {
  if (auto it = tables_.find(relation.get()); it != tables_.end()) return it->second.second.get();
  if (tables_.size() >= kMaxCachedTables) tables_.clear();

  auto table = std::make_unique<TableSchema>();
  table->schema_name = relation->schema;
  table->table_name = relation->name;
  table->collection = relation->schema + "." + relation->name;
  table->topic = TopicFor(relation->schema, relation->name);
  const std::string base = options_.topic_prefix + "." + table->collection;
  WALCAST_ASSIGN_OR_RETURN(const std::vector<size_t> key, KeyColumns(*relation, table->collection));

  ConnectSchema value = ConnectSchema::Of(ConnectType::kStruct, true, base + ".Value");
  // The key's codecs: no column filter or mapper touches the key, as in
  // Debezium (TableSchemaBuilder builds it without them).
  std::vector<std::optional<ColumnCodec>> unmapped;
  for (const Column& column : relation->columns) {
    std::optional<ColumnCodec> codec = ColumnCodec::For(column, !column.not_null, options_.values);
    if (codec && column.default_expr) codec->ApplyDefaultExpression(*column.default_expr);
    unmapped.push_back(codec);
    ColumnMapping mapping =
        MapColumn(options_.columns, relation->schema, relation->name, column);
    if (!mapping.included) codec.reset();
    if (codec) {
      for (auto& [name, parameter] : mapping.parameters) {
        codec->add_schema_parameter(name, parameter);
      }
      value.fields.push_back({column.name, codec->schema()});
    }
    table->column_names.push_back(column.name);
    table->value_codecs.push_back(std::move(codec));
    table->mappings.push_back(std::move(mapping));
  }
  // The key struct has the value's field schemas (a nullable unique-index
  // column stays optional in the key, as in Debezium); a key column of an
  // unmapped type is left out.
  ConnectSchema key_schema = ConnectSchema::Of(ConnectType::kStruct, false, base + ".Key");
  for (size_t index : key) {
    if (!unmapped[index]) continue;
    table->key_indexes.push_back(index);
    table->key_codecs.push_back(*unmapped[index]);
    key_schema.fields.push_back({relation->columns[index].name, table->key_codecs.back().schema()});
  }
  if (!table->key_indexes.empty()) {
    AppendSchemaJson(key_schema, &table->key_schema_json);
    table->key_schema = std::move(key_schema);
  }
  AppendSchemaJson(EnvelopeSchema(base + ".Envelope", value), &table->envelope_schema_json);

  const TableSchema* result = table.get();
  tables_[relation.get()] = {relation, std::move(table)};
  return result;
}

void DebeziumEncoder::AddContextHeaders(EncodedRecord* record) const {
  if (!options_.extended_headers) return;
  record->headers.reserve(record->headers.size() + 4);  // one allocation, not three
  record->headers.emplace_back("__debezium.context.connectorLogicalName", options_.topic_prefix);
  record->headers.emplace_back("__debezium.context.taskId", "0");
  record->headers.emplace_back("__debezium.context.connectorName", "postgresql");
  record->headers.emplace_back("__debezium.context.runId", run_id_);
}

void DebeziumEncoder::StartRecord(bool with_schema, const std::string& schema_json) {
  buffer_.Clear();
  writer_.Reset(buffer_);
  if (!with_schema) return;
  writer_.StartObject();
  json::Key(writer_, "schema");
  writer_.RawValue(schema_json.data(), schema_json.size(), rapidjson::kObjectType);
  json::Key(writer_, "payload");
}

Status DebeziumEncoder::EncodeKey(const TableSchema& table, const Tuple& tuple,
                                  std::optional<std::string>* key, bool with_schema) {
  with_schema = with_schema && options_.key_schemas;
  if (table.key_indexes.empty()) {
    key->reset();
    return Status::Ok();
  }
  StartRecord(with_schema, table.key_schema_json);
  writer_.StartObject();
  for (size_t k = 0; k < table.key_indexes.size(); ++k) {
    const size_t index = table.key_indexes[k];
    if (index >= tuple.size()) {
      return Status::Corruption("a tuple of " + table.collection + " lacks key column '" +
                                table.column_names[index] + "'");
    }
    json::Key(writer_, table.column_names[index]);
    WALCAST_RETURN_IF_ERROR(table.key_codecs[k].Write(tuple[index], &writer_, source_));
  }
  writer_.EndObject();
  if (with_schema) writer_.EndObject();
  key->emplace(buffer_.GetString(), buffer_.GetSize());
  return Status::Ok();
}

Status DebeziumEncoder::EncodeRowKey(const std::shared_ptr<const Relation>& relation,
                                     const Tuple& tuple, ValueSource source,
                                     std::optional<std::string>* key) {
  if (!relation) return Status::Internal("a row key without a relation");
  WALCAST_ASSIGN_OR_RETURN(const TableSchema* table, SchemaFor(relation));
  source_ = source;
  return EncodeKey(*table, tuple, key);
}

Result<const std::vector<std::optional<ColumnCodec>>*> DebeziumEncoder::ValueCodecs(
    const std::shared_ptr<const Relation>& relation) {
  if (!relation) return Status::Internal("value codecs without a relation");
  WALCAST_ASSIGN_OR_RETURN(const TableSchema* table, SchemaFor(relation));
  return &table->value_codecs;
}

Result<const std::vector<ColumnMapping>*> DebeziumEncoder::ColumnMappings(
    const std::shared_ptr<const Relation>& relation) {
  if (!relation) return Status::Internal("column mappings without a relation");
  WALCAST_ASSIGN_OR_RETURN(const TableSchema* table, SchemaFor(relation));
  return &table->mappings;
}

Status DebeziumEncoder::KeyHeader(const TableSchema& table, const Tuple& tuple,
                                  std::string* header) {
  // The worker's default SimpleHeaderConverter prints the key struct
  // (connect_string.h), from the key's JSON without schema.
  std::optional<std::string> key_json;
  WALCAST_RETURN_IF_ERROR(EncodeKey(table, tuple, &key_json, false));
  return AppendConnectString(table.key_schema, *key_json, header);
}

Status DebeziumEncoder::WriteTuple(const TableSchema& table, const std::optional<Tuple>& tuple) {
  if (!tuple) {
    writer_.Null();
    return Status::Ok();
  }
  if (tuple->size() != table.value_codecs.size()) {
    return Status::Corruption("a tuple of " + table.collection + " has " +
                              std::to_string(tuple->size()) + " columns, the relation " +
                              std::to_string(table.value_codecs.size()));
  }
  writer_.StartObject();
  for (size_t i = 0; i < tuple->size(); ++i) {
    if (!table.value_codecs[i]) continue;
    json::Key(writer_, table.column_names[i]);
    if (table.mappings[i].kind != ColumnMapping::Kind::kNone) {
      WALCAST_RETURN_IF_ERROR(WriteMapped(*table.value_codecs[i], table.mappings[i], (*tuple)[i]));
      continue;
    }
    WALCAST_RETURN_IF_ERROR(table.value_codecs[i]->Write((*tuple)[i], &writer_, source_));
  }
  writer_.EndObject();
  return Status::Ok();
}

Result<std::optional<std::string>> DebeziumEncoder::ConvertedString(const ColumnCodec& codec,
                                                                    const Datum& datum) {
  scratch_.Clear();
  JsonWriter scratch_writer(scratch_);
  WALCAST_RETURN_IF_ERROR(codec.Write(datum, &scratch_writer, source_));
  rapidjson::Document parsed;
  parsed.Parse(scratch_.GetString(), scratch_.GetSize());
  if (parsed.HasParseError() || !parsed.IsString()) return std::optional<std::string>();
  return std::optional<std::string>(std::in_place, parsed.GetString(),
                                    parsed.GetStringLength());
}

Status DebeziumEncoder::WriteMapped(const ColumnCodec& codec, const ColumnMapping& mapping,
                                    const Datum& datum) {
  // Debezium maps the converted value: a mask replaces even a null; a hash
  // or a truncation keeps the null of an optional column (JsonConverter
  // then writes the schema default, unmapped), while a required column's
  // null has become its default or fallback ("" for text) by then, which
  // is mapped; an unchanged TOAST value is its placeholder.
  if (mapping.kind == ColumnMapping::Kind::kMask) {
    writer_.String(mapping.mask.data(), static_cast<rapidjson::SizeType>(mapping.mask.size()));
    return Status::Ok();
  }
  if (mapping.kind == ColumnMapping::Kind::kNone ||
      (datum.kind == Datum::Kind::kNull && codec.schema().optional)) {
    return codec.Write(datum, &writer_, source_);
  }
  // Bits (io.debezium.data.Bits) are a byte[], not a ByteBuffer: a
  // truncation leaves them, as every value that is not a string.
  const ConnectType type = codec.schema().type;
  const bool buffer = type == ConnectType::kBytes && codec.schema().name.empty();
  if (type != ConnectType::kString && !(buffer && mapping.kind == ColumnMapping::Kind::kTruncate)) {
    return codec.Write(datum, &writer_, source_);
  }
  WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> text, ConvertedString(codec, datum));
  if (!text) {
    writer_.RawValue(scratch_.GetString(), scratch_.GetSize(), rapidjson::kNullType);
    return Status::Ok();
  }
  const auto chars = static_cast<size_t>(mapping.truncate_chars);
  std::string out;
  if (mapping.kind == ColumnMapping::Kind::kHash) {
    out = mapping.hasher->Hash(*text);
    if (chars > 0 && out.size() > chars) out.resize(chars);
  } else if (type == ConnectType::kString) {
    out = TruncateUtf16(*text, chars);
  } else {
    std::string bytes;
    if (!text->empty() && !DecodeBase64(*text, &bytes)) {
      return Status::Internal("a bytes value is not base64");
    }
    if (bytes.size() > chars) bytes.resize(chars);
    AppendBase64(bytes, &out);
  }
  writer_.String(out.data(), static_cast<rapidjson::SizeType>(out.size()));
  return Status::Ok();
}

Status DebeziumEncoder::EncodeRow(const Change& change, Op op, const std::optional<Tuple>& before,
                                  const std::optional<Tuple>& after, std::string* value) {
  const TableSchema& table = *change.table;
  StartRecord(options_.value_schemas, table.envelope_schema_json);
  writer_.StartObject();
  json::Key(writer_, "before");
  WALCAST_RETURN_IF_ERROR(WriteTuple(table, before));
  json::Key(writer_, "after");
  WALCAST_RETURN_IF_ERROR(WriteTuple(table, after));
  json::Key(writer_, "source");
  WriteSource(change.txn, change.event, table.schema_name, table.table_name);
  json::Key(writer_, "transaction");
  WriteTransactionBlock(change.txn, change.event.lsn, change.order, table.collection);
  json::Key(writer_, "op");
  const char op_char = static_cast<char>(op);
  writer_.String(&op_char, 1);
  WriteTimestamps(change.now_us);
  writer_.EndObject();
  if (options_.value_schemas) writer_.EndObject();
  value->assign(buffer_.GetString(), buffer_.GetSize());
  return Status::Ok();
}

Status DebeziumEncoder::Encode(const TransactionInfo& txn, const ChangeEvent& event,
                               int64_t now_us, TransactionOrder* order,
                               std::vector<EncodedRecord>* out) {
  source_ = txn.snapshot ? ValueSource::kSnapshot : ValueSource::kStreaming;
  Change change{txn, event, now_us, order, nullptr, out};
  if (event.op == Op::kMessage) return EncodeMessage(change);

  if (!event.relation) return Status::Internal("change event without a relation");
  WALCAST_ASSIGN_OR_RETURN(change.table, SchemaFor(event.relation));
  switch (event.op) {
    case Op::kTruncate:
      // A truncate has no key and no before/after.
      if (options_.skip_truncate) return Status::Ok();
      return EmitRow(change, Op::kTruncate, std::nullopt, std::nullopt, std::nullopt);
    case Op::kCreate:
    case Op::kRead:
      return EncodeInsert(change);
    case Op::kUpdate:
      return EncodeUpdate(change);
    case Op::kDelete:
      return EncodeDelete(change);
    default:
      return Status::Internal("unexpected operation");
  }
}

Status DebeziumEncoder::EncodeInsert(const Change& change) {
  const ChangeEvent& event = change.event;
  if (event.op == Op::kCreate && options_.skip_create) return Status::Ok();
  if (!event.after) {
    return Status::Corruption("insert into " + change.table->collection + " without a row");
  }
  std::optional<std::string> key;
  WALCAST_RETURN_IF_ERROR(EncodeKey(*change.table, *event.after, &key));
  return EmitRow(change, event.op, std::nullopt, event.after, key);
}

Status DebeziumEncoder::EncodeUpdate(const Change& change) {
  const ChangeEvent& event = change.event;
  const TableSchema& table = *change.table;
  if (!event.after) return Status::Corruption("update of " + table.collection + " without a row");
  // With a full old row (REPLICA IDENTITY FULL) an unchanged TOASTed
  // value is known: take it from there, as Debezium does.
  std::optional<Tuple> after = event.after;
  if (event.before && !event.before_is_key_only && event.before->size() == after->size()) {
    for (size_t i = 0; i < after->size(); ++i) {
      if ((*after)[i].kind == Datum::Kind::kUnchangedToast &&
          (*event.before)[i].kind != Datum::Kind::kUnchangedToast) {
        (*after)[i] = (*event.before)[i];
      }
    }
  }
  std::optional<std::string> key;
  WALCAST_RETURN_IF_ERROR(EncodeKey(table, *after, &key));
  if (event.before && !table.key_indexes.empty()) {
    std::optional<std::string> old_key;
    WALCAST_RETURN_IF_ERROR(EncodeKey(table, *event.before, &old_key));
    if (old_key != key) return EncodeKeyChange(change, *after, key, old_key);
  }
  if (options_.skip_update) return Status::Ok();
  // pgoutput sends a key-only old tuple only when the key changed; an
  // unchanged key under REPLICA IDENTITY DEFAULT has no `before`.
  const std::optional<Tuple> before = event.before_is_key_only ? std::nullopt : event.before;
  return EmitRow(change, Op::kUpdate, before, after, key);
}

Status DebeziumEncoder::EncodeKeyChange(const Change& change, const Tuple& after,
                                        const std::optional<std::string>& key,
                                        const std::optional<std::string>& old_key) {
  const Tuple& before = *change.event.before;
  std::string key_header;
  std::string old_key_header;
  WALCAST_RETURN_IF_ERROR(KeyHeader(*change.table, after, &key_header));
  WALCAST_RETURN_IF_ERROR(KeyHeader(*change.table, before, &old_key_header));
  // A key change is a delete of the old key and a create of the new one,
  // linked by headers, as Debezium emits it.
  if (!options_.skip_delete) {
    WALCAST_RETURN_IF_ERROR(EmitRow(change, Op::kDelete, before, std::nullopt, old_key,
                                    std::make_pair("__debezium.newkey", key_header)));
    EmitTombstone(change, old_key);
  }
  if (!options_.skip_create) {
    WALCAST_RETURN_IF_ERROR(EmitRow(change, Op::kCreate, std::nullopt, after, key,
                                    std::make_pair("__debezium.oldkey", old_key_header)));
  }
  return Status::Ok();
}

Status DebeziumEncoder::EncodeDelete(const Change& change) {
  const ChangeEvent& event = change.event;
  if (options_.skip_delete) return Status::Ok();
  if (!event.before) {
    return Status::Corruption("delete from " + change.table->collection + " without an old row");
  }
  std::optional<std::string> key;
  WALCAST_RETURN_IF_ERROR(EncodeKey(*change.table, *event.before, &key));
  WALCAST_RETURN_IF_ERROR(EmitRow(change, Op::kDelete, event.before, std::nullopt, key));
  EmitTombstone(change, key);
  return Status::Ok();
}

Status DebeziumEncoder::EmitRow(const Change& change, Op op, const std::optional<Tuple>& before,
                                const std::optional<Tuple>& after,
                                const std::optional<std::string>& key,
                                std::optional<std::pair<std::string, std::string>> header) {
  EncodedRecord record;
  record.topic = change.table->topic;
  record.key = key;
  std::string value;
  WALCAST_RETURN_IF_ERROR(EncodeRow(change, op, before, after, &value));
  record.value = std::move(value);
  if (header) record.headers.push_back(std::move(*header));
  AddContextHeaders(&record);
  change.out->push_back(std::move(record));
  return Status::Ok();
}

void DebeziumEncoder::EmitTombstone(const Change& change, const std::optional<std::string>& key) {
  // A table without a key gets one too, with a null key, as in Debezium
  // (tests/data/debezium/noschemas.jsonl, no_pk_full).
  if (!options_.tombstones_on_delete) return;
  EncodedRecord record;
  record.topic = change.table->topic;
  record.key = key;
  record.headers = change.out->back().headers;
  change.out->push_back(std::move(record));
}

}  // namespace walcast::debezium
