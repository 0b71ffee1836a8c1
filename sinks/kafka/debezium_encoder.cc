#include "sinks/kafka/debezium_encoder.h"

#include <algorithm>

#include "sinks/kafka/pg_text.h"

namespace walcast::sinks::kafka {
namespace {

constexpr char kSnapshotAllowed[] =
    "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental";
constexpr size_t kMaxCachedTables = 4096;

ConnectSchema SourceSchema() {
  using T = ConnectType;
  ConnectSchema s = ConnectSchema::Of(T::kStruct, false, "io.debezium.connector.postgresql.Source", 1);
  auto add = [&](const char* name, ConnectSchema f) { s.fields.push_back({name, std::move(f)}); };
  add("version", ConnectSchema::Of(T::kString, false));
  add("connector", ConnectSchema::Of(T::kString, false));
  add("name", ConnectSchema::Of(T::kString, false));
  add("ts_ms", ConnectSchema::Of(T::kInt64, false));
  ConnectSchema snapshot = ConnectSchema::Of(T::kString, true, "io.debezium.data.Enum", 1);
  snapshot.parameters.emplace_back("allowed", kSnapshotAllowed);
  snapshot.default_json = "\"false\"";
  add("snapshot", std::move(snapshot));
  add("db", ConnectSchema::Of(T::kString, false));
  add("sequence", ConnectSchema::Of(T::kString, true));
  add("ts_us", ConnectSchema::Of(T::kInt64, true));
  add("ts_ns", ConnectSchema::Of(T::kInt64, true));
  add("schema", ConnectSchema::Of(T::kString, false));
  add("table", ConnectSchema::Of(T::kString, false));
  add("txId", ConnectSchema::Of(T::kInt64, true));
  add("lsn", ConnectSchema::Of(T::kInt64, true));
  add("xmin", ConnectSchema::Of(T::kInt64, true));
  return s;
}

ConnectSchema TransactionBlockSchema() {
  using T = ConnectType;
  ConnectSchema s = ConnectSchema::Of(T::kStruct, true, "event.block", 1);
  s.fields.push_back({"id", ConnectSchema::Of(T::kString, false)});
  s.fields.push_back({"total_order", ConnectSchema::Of(T::kInt64, false)});
  s.fields.push_back({"data_collection_order", ConnectSchema::Of(T::kInt64, false)});
  return s;
}

// The literal text of a column default as pg_get_expr prints it, for the
// forms Debezium turns into a schema default: quoted literals with an
// optional cast ('abc'::character varying), bare numbers and booleans.
// nullopt for expressions (functions, operators) and NULL.
std::optional<std::string> DefaultLiteral(std::string_view expr) {
  while (expr.size() >= 2 && expr.front() == '(' && expr.back() == ')') {
    expr = expr.substr(1, expr.size() - 2);
  }
  if (!expr.empty() && expr.front() == '\'') {
    std::string literal;
    size_t i = 1;
    for (; i < expr.size(); ++i) {
      if (expr[i] == '\'') {
        if (i + 1 < expr.size() && expr[i + 1] == '\'') {
          literal.push_back('\'');
          ++i;
          continue;
        }
        break;
      }
      literal.push_back(expr[i]);
    }
    if (i >= expr.size()) return std::nullopt;
    const std::string_view rest = expr.substr(i + 1);
    if (!rest.empty() && rest.substr(0, 2) != "::") return std::nullopt;
    return literal;
  }
  const size_t cast = expr.find("::");
  const std::string_view bare = expr.substr(0, cast);
  if (bare == "true") return std::string("t");
  if (bare == "false") return std::string("f");
  if (bare.empty() || bare == "NULL") return std::nullopt;
  for (char c : bare) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == 'e' ||
          c == '+')) {
      return std::nullopt;
    }
  }
  return std::string(bare);
}

void WriteStr(JsonWriter* w, std::string_view s) {
  w->String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void WriteKey(JsonWriter* w, std::string_view s) {
  w->Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace

struct DebeziumEncoder::TableSchema {
  std::string schema_name;  // PostgreSQL schema
  std::string table_name;
  std::string collection;  // "schema.table"
  std::string topic;
  std::vector<std::string> column_names;
  std::vector<std::optional<ColumnCodec>> value_codecs;  // by column index
  std::vector<size_t> key_indexes;
  std::vector<ColumnCodec> key_codecs;  // parallel to key_indexes
  std::string key_schema_json;
  std::string envelope_schema_json;
};

DebeziumEncoder::DebeziumEncoder(EncoderOptions options)
    : options_(std::move(options)), writer_(buffer_) {
  AppendSchemaJson(SourceSchema(), &source_schema_json_);
  AppendSchemaJson(TransactionBlockSchema(), &transaction_block_schema_json_);
}

DebeziumEncoder::~DebeziumEncoder() = default;

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

std::string DebeziumEncoder::MessageTopic() const { return Route(options_.topic_prefix + ".message"); }

std::string DebeziumEncoder::HeartbeatTopic() const {
  return "__debezium-heartbeat." + options_.topic_prefix;
}

std::string DebeziumEncoder::TransactionTopic() const {
  return Route(options_.topic_prefix + ".transaction");
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

  // Key columns: message.key.columns for this table, else the primary key.
  std::vector<size_t> key = relation->primary_key;
  for (const KeyColumnsRule& rule : options_.key_columns) {
    if (!std::regex_match(table->collection, rule.table)) continue;
    key.clear();
    for (const std::string& name : rule.columns) {
      auto it = std::find_if(relation->columns.begin(), relation->columns.end(),
                             [&](const Column& c) { return c.name == name; });
      if (it == relation->columns.end()) {
        return Status::InvalidArgument("message.key.columns names column '" + name +
                                       "', which table " + table->collection + " does not have");
      }
      key.push_back(static_cast<size_t>(it - relation->columns.begin()));
    }
    break;
  }

  ConnectSchema value = ConnectSchema::Of(ConnectType::kStruct, true, base + ".Value");
  for (size_t i = 0; i < relation->columns.size(); ++i) {
    const Column& column = relation->columns[i];
    const bool in_key = std::find(key.begin(), key.end(), i) != key.end();
    std::optional<ColumnCodec> codec =
        ColumnCodec::For(column, !column.not_null && !in_key, options_.values);
    if (codec && column.default_expr) {
      std::optional<std::string> literal = DefaultLiteral(*column.default_expr);
      if (!literal && codec->is_integer() &&
          column.default_expr->rfind("nextval(", 0) == 0) {
        literal = "0";
      }
      if (literal) {
        if (std::optional<std::string> json = codec->RenderText(*literal)) {
          codec->set_default_json(std::move(*json));
        }
      }
    }
    if (codec) value.fields.push_back({column.name, codec->schema()});
    table->column_names.push_back(column.name);
    table->value_codecs.push_back(std::move(codec));
  }
  for (size_t index : key) {
    if (!table->value_codecs[index]) continue;  // a key column of an unmapped type
    ColumnCodec codec = *table->value_codecs[index];
    codec.set_optional(false);
    table->key_indexes.push_back(index);
    table->key_codecs.push_back(std::move(codec));
  }

  if (!table->key_indexes.empty()) {
    ConnectSchema key_schema = ConnectSchema::Of(ConnectType::kStruct, false, base + ".Key");
    for (size_t k = 0; k < table->key_indexes.size(); ++k) {
      key_schema.fields.push_back(
          {relation->columns[table->key_indexes[k]].name, table->key_codecs[k].schema()});
    }
    AppendSchemaJson(key_schema, &table->key_schema_json);
  }

  ConnectSchema envelope = ConnectSchema::Of(ConnectType::kStruct, false, base + ".Envelope", 2);
  envelope.fields.push_back({"before", value});
  envelope.fields.push_back({"after", value});
  envelope.fields.push_back({"source", SourceSchema()});
  envelope.fields.push_back({"transaction", TransactionBlockSchema()});
  envelope.fields.push_back({"op", ConnectSchema::Of(ConnectType::kString, false)});
  envelope.fields.push_back({"ts_ms", ConnectSchema::Of(ConnectType::kInt64, true)});
  envelope.fields.push_back({"ts_us", ConnectSchema::Of(ConnectType::kInt64, true)});
  envelope.fields.push_back({"ts_ns", ConnectSchema::Of(ConnectType::kInt64, true)});
  AppendSchemaJson(envelope, &table->envelope_schema_json);

  const TableSchema* result = table.get();
  tables_[relation.get()] = {relation, std::move(table)};
  return result;
}

std::string DebeziumEncoder::TransactionId(const TransactionInfo& txn) const {
  return std::to_string(txn.xid) + ":" + std::to_string(txn.commit_lsn.value());
}

void DebeziumEncoder::WriteSource(const TransactionInfo& txn, const ChangeEvent& event,
                                  const std::string& schema, const std::string& table) {
  JsonWriter* w = &writer_;
  const int64_t ts_us = txn.commit_time_us;
  w->StartObject();
  WriteKey(w, "version");
  WriteStr(w, options_.source_version);
  WriteKey(w, "connector");
  WriteStr(w, "postgresql");
  WriteKey(w, "name");
  WriteStr(w, options_.topic_prefix);
  WriteKey(w, "ts_ms");
  w->Int64(ts_us / 1000);
  WriteKey(w, "snapshot");
  WriteStr(w, txn.snapshot ? "true" : "false");
  WriteKey(w, "db");
  WriteStr(w, options_.database);
  WriteKey(w, "sequence");
  if (txn.snapshot) {
    w->Null();
  } else {
    std::string sequence = "[";
    sequence += last_commit_lsn_.empty() ? "null" : "\"" + last_commit_lsn_ + "\"";
    sequence += ",\"" + std::to_string(event.lsn.value()) + "\"]";
    WriteStr(w, sequence);
  }
  WriteKey(w, "ts_us");
  w->Int64(ts_us);
  WriteKey(w, "ts_ns");
  w->Int64(ts_us * 1000);
  WriteKey(w, "schema");
  WriteStr(w, schema);
  WriteKey(w, "table");
  WriteStr(w, table);
  WriteKey(w, "txId");
  if (txn.xid != 0) {
    w->Int64(txn.xid);
  } else {
    w->Null();
  }
  WriteKey(w, "lsn");
  w->Int64(static_cast<int64_t>(event.lsn.value()));
  WriteKey(w, "xmin");
  w->Null();
  w->EndObject();
}

void DebeziumEncoder::WriteTransactionBlock(const TransactionInfo& txn, TransactionOrder* order,
                                            const std::string& collection) {
  JsonWriter* w = &writer_;
  if (!options_.provide_transaction_metadata || order == nullptr || txn.snapshot) {
    w->Null();
    return;
  }
  ++order->total;
  auto [it, inserted] = order->per_collection.emplace(collection, 0);
  if (inserted) order->collections.push_back(collection);
  ++it->second;
  w->StartObject();
  WriteKey(w, "id");
  WriteStr(w, TransactionId(txn));
  WriteKey(w, "total_order");
  w->Int64(order->total);
  WriteKey(w, "data_collection_order");
  w->Int64(it->second);
  w->EndObject();
}

void DebeziumEncoder::WriteTimestamps(int64_t now_us) {
  JsonWriter* w = &writer_;
  WriteKey(w, "ts_ms");
  w->Int64(now_us / 1000);
  WriteKey(w, "ts_us");
  w->Int64(now_us);
  WriteKey(w, "ts_ns");
  w->Int64(now_us * 1000);
}

Status DebeziumEncoder::EncodeKey(const TableSchema& table, const Tuple& tuple,
                                  std::optional<std::string>* key) {
  if (table.key_indexes.empty()) {
    key->reset();
    return Status::Ok();
  }
  buffer_.Clear();
  writer_.Reset(buffer_);
  JsonWriter* w = &writer_;
  if (options_.key_schemas) {
    w->StartObject();
    WriteKey(w, "schema");
    w->RawValue(table.key_schema_json.data(), table.key_schema_json.size(), rapidjson::kObjectType);
    WriteKey(w, "payload");
  }
  w->StartObject();
  for (size_t k = 0; k < table.key_indexes.size(); ++k) {
    const size_t index = table.key_indexes[k];
    if (index >= tuple.size()) {
      return Status::Corruption("a tuple of " + table.collection + " lacks key column '" +
                                table.column_names[index] + "'");
    }
    WriteKey(w, table.column_names[index]);
    WALCAST_RETURN_IF_ERROR(table.key_codecs[k].Write(tuple[index], w));
  }
  w->EndObject();
  if (options_.key_schemas) w->EndObject();
  key->emplace(buffer_.GetString(), buffer_.GetSize());
  return Status::Ok();
}

Status DebeziumEncoder::EncodeRow(const TableSchema& table, const ChangeEvent& event, Op op,
                                  const std::optional<Tuple>& before,
                                  const std::optional<Tuple>& after, const TransactionInfo& txn,
                                  int64_t now_us, TransactionOrder* order, std::string* value) {
  buffer_.Clear();
  writer_.Reset(buffer_);
  JsonWriter* w = &writer_;
  if (options_.value_schemas) {
    w->StartObject();
    WriteKey(w, "schema");
    w->RawValue(table.envelope_schema_json.data(), table.envelope_schema_json.size(),
                rapidjson::kObjectType);
    WriteKey(w, "payload");
  }
  w->StartObject();
  auto write_tuple = [&](const std::optional<Tuple>& tuple) -> Status {
    if (!tuple) {
      w->Null();
      return Status::Ok();
    }
    if (tuple->size() != table.value_codecs.size()) {
      return Status::Corruption("a tuple of " + table.collection + " has " +
                                std::to_string(tuple->size()) + " columns, the relation " +
                                std::to_string(table.value_codecs.size()));
    }
    w->StartObject();
    for (size_t i = 0; i < tuple->size(); ++i) {
      if (!table.value_codecs[i]) continue;
      WriteKey(w, table.column_names[i]);
      WALCAST_RETURN_IF_ERROR(table.value_codecs[i]->Write((*tuple)[i], w));
    }
    w->EndObject();
    return Status::Ok();
  };
  WriteKey(w, "before");
  WALCAST_RETURN_IF_ERROR(write_tuple(before));
  WriteKey(w, "after");
  WALCAST_RETURN_IF_ERROR(write_tuple(after));
  WriteKey(w, "source");
  WriteSource(txn, event, table.schema_name, table.table_name);
  WriteKey(w, "transaction");
  WriteTransactionBlock(txn, order, table.collection);
  WriteKey(w, "op");
  const char op_char = static_cast<char>(op);
  w->String(&op_char, 1);
  WriteTimestamps(now_us);
  w->EndObject();
  if (options_.value_schemas) w->EndObject();
  value->assign(buffer_.GetString(), buffer_.GetSize());
  return Status::Ok();
}

Status DebeziumEncoder::Encode(const TransactionInfo& txn, const ChangeEvent& event,
                               int64_t now_us, TransactionOrder* order,
                               std::vector<EncodedRecord>* out) {
  if (event.op == Op::kMessage) {
    // Logical decoding messages: key {prefix}, value with a `message` block.
    EncodedRecord record;
    record.topic = MessageTopic();
    buffer_.Clear();
    writer_.Reset(buffer_);
    JsonWriter* w = &writer_;
    if (options_.key_schemas) {
      w->StartObject();
      WriteKey(w, "schema");
      std::string key_schema;
      ConnectSchema ks = ConnectSchema::Of(ConnectType::kStruct, false,
                                           "io.debezium.connector.postgresql.MessageKey");
      ks.fields.push_back({"prefix", ConnectSchema::Of(ConnectType::kString, true)});
      AppendSchemaJson(ks, &key_schema);
      w->RawValue(key_schema.data(), key_schema.size(), rapidjson::kObjectType);
      WriteKey(w, "payload");
    }
    w->StartObject();
    WriteKey(w, "prefix");
    WriteStr(w, event.message_prefix);
    w->EndObject();
    if (options_.key_schemas) w->EndObject();
    record.key.emplace(buffer_.GetString(), buffer_.GetSize());

    buffer_.Clear();
    writer_.Reset(buffer_);
    if (options_.value_schemas) {
      ConnectSchema message = ConnectSchema::Of(ConnectType::kStruct, true);
      message.fields.push_back({"prefix", ConnectSchema::Of(ConnectType::kString, true)});
      message.fields.push_back({"content", ConnectSchema::Of(ConnectType::kBytes, true)});
      ConnectSchema env = ConnectSchema::Of(ConnectType::kStruct, false,
                                            "io.debezium.connector.postgresql.MessageValue");
      ConnectSchema source;
      env.fields.push_back({"op", ConnectSchema::Of(ConnectType::kString, false)});
      env.fields.push_back({"ts_ms", ConnectSchema::Of(ConnectType::kInt64, true)});
      env.fields.push_back({"source", SourceSchema()});
      env.fields.push_back({"message", message});
      std::string schema;
      AppendSchemaJson(env, &schema);
      w->StartObject();
      WriteKey(w, "schema");
      w->RawValue(schema.data(), schema.size(), rapidjson::kObjectType);
      WriteKey(w, "payload");
    }
    w->StartObject();
    WriteKey(w, "op");
    WriteStr(w, "m");
    WriteKey(w, "ts_ms");
    w->Int64(now_us / 1000);
    WriteKey(w, "source");
    TransactionInfo source_txn = txn;
    if (!event.message_transactional) source_txn.xid = 0;
    WriteSource(source_txn, event, "", "");
    WriteKey(w, "message");
    w->StartObject();
    WriteKey(w, "prefix");
    WriteStr(w, event.message_prefix);
    WriteKey(w, "content");
    std::string content;
    AppendBase64(event.message_content, &content);
    WriteStr(w, content);
    w->EndObject();
    w->EndObject();
    if (options_.value_schemas) w->EndObject();
    record.value.emplace(buffer_.GetString(), buffer_.GetSize());
    out->push_back(std::move(record));
    return Status::Ok();
  }

  if (!event.relation) return Status::Internal("change event without a relation");
  WALCAST_ASSIGN_OR_RETURN(const TableSchema* table, SchemaFor(event.relation));

  if (event.op == Op::kTruncate) {
    if (options_.skip_truncate) return Status::Ok();
    EncodedRecord record;
    record.topic = table->topic;
    std::string value;
    WALCAST_RETURN_IF_ERROR(
        EncodeRow(*table, event, Op::kTruncate, std::nullopt, std::nullopt, txn, now_us, order,
                  &value));
    record.value = std::move(value);
    out->push_back(std::move(record));
    return Status::Ok();
  }

  auto emit = [&](Op op, const std::optional<Tuple>& before, const std::optional<Tuple>& after,
                  const std::optional<std::string>& key) -> Status {
    EncodedRecord record;
    record.topic = table->topic;
    record.key = key;
    std::string value;
    WALCAST_RETURN_IF_ERROR(
        EncodeRow(*table, event, op, before, after, txn, now_us, order, &value));
    record.value = std::move(value);
    out->push_back(std::move(record));
    return Status::Ok();
  };
  auto tombstone = [&](const std::optional<std::string>& key) {
    if (!options_.tombstones_on_delete || !key) return;
    EncodedRecord record;
    record.topic = table->topic;
    record.key = key;
    out->push_back(std::move(record));
  };

  switch (event.op) {
    case Op::kCreate:
    case Op::kRead: {
      if (event.op == Op::kCreate && options_.skip_create) return Status::Ok();
      if (!event.after) return Status::Corruption("insert into " + table->collection + " without a row");
      std::optional<std::string> key;
      WALCAST_RETURN_IF_ERROR(EncodeKey(*table, *event.after, &key));
      return emit(event.op, std::nullopt, event.after, key);
    }
    case Op::kUpdate: {
      if (!event.after) return Status::Corruption("update of " + table->collection + " without a row");
      std::optional<std::string> key;
      WALCAST_RETURN_IF_ERROR(EncodeKey(*table, *event.after, &key));
      if (event.before && !table->key_indexes.empty()) {
        std::optional<std::string> old_key;
        WALCAST_RETURN_IF_ERROR(EncodeKey(*table, *event.before, &old_key));
        if (old_key != key) {
          // A key change is a delete of the old key and a create of the new
          // one, linked by headers, as Debezium emits it.
          if (!options_.skip_delete) {
            WALCAST_RETURN_IF_ERROR(emit(Op::kDelete, event.before, std::nullopt, old_key));
            if (key) out->back().headers.emplace_back("__debezium.newkey", *key);
            tombstone(old_key);
          }
          if (!options_.skip_create) {
            WALCAST_RETURN_IF_ERROR(emit(Op::kCreate, std::nullopt, event.after, key));
            if (old_key) out->back().headers.emplace_back("__debezium.oldkey", *old_key);
          }
          return Status::Ok();
        }
      }
      if (options_.skip_update) return Status::Ok();
      // pgoutput sends a key-only old tuple only when the key changed; an
      // unchanged key under REPLICA IDENTITY DEFAULT has no `before`.
      const std::optional<Tuple> before = event.before_is_key_only ? std::nullopt : event.before;
      return emit(Op::kUpdate, before, event.after, key);
    }
    case Op::kDelete: {
      if (options_.skip_delete) return Status::Ok();
      if (!event.before) {
        return Status::Corruption("delete from " + table->collection + " without an old row");
      }
      std::optional<std::string> key;
      WALCAST_RETURN_IF_ERROR(EncodeKey(*table, *event.before, &key));
      WALCAST_RETURN_IF_ERROR(emit(Op::kDelete, event.before, std::nullopt, key));
      tombstone(key);
      return Status::Ok();
    }
    default:
      return Status::Internal("unexpected operation");
  }
}

EncodedRecord DebeziumEncoder::Heartbeat(int64_t now_ms) const {
  EncodedRecord record;
  record.topic = HeartbeatTopic();
  std::string key, value;
  if (options_.key_schemas) {
    key = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,"
          "\"field\":\"serverName\"}],\"optional\":false,\"name\":"
          "\"io.debezium.connector.common.ServerNameKey\",\"version\":1},\"payload\":";
  }
  key += "{\"serverName\":";
  AppendJsonString(options_.topic_prefix, &key);
  key += "}";
  if (options_.key_schemas) key += "}";
  if (options_.value_schemas) {
    value = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,"
            "\"field\":\"ts_ms\"}],\"optional\":false,\"name\":"
            "\"io.debezium.connector.common.Heartbeat\",\"version\":1},\"payload\":";
  }
  value += "{\"ts_ms\":" + std::to_string(now_ms) + "}";
  if (options_.value_schemas) value += "}";
  record.key = std::move(key);
  record.value = std::move(value);
  return record;
}

namespace {

std::string TransactionKeyJson(bool schemas, const std::string& id) {
  std::string key;
  if (schemas) {
    key = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,"
          "\"field\":\"id\"}],\"optional\":false,\"name\":"
          "\"io.debezium.connector.common.TransactionMetadataKey\",\"version\":1},\"payload\":";
  }
  key += "{\"id\":";
  AppendJsonString(id, &key);
  key += "}";
  if (schemas) key += "}";
  return key;
}

const char kTransactionValueSchema[] =
    "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":"
    "\"status\"},{\"type\":\"string\",\"optional\":false,\"field\":\"id\"},{\"type\":"
    "\"int64\",\"optional\":true,\"field\":\"event_count\"},{\"type\":\"array\",\"items\":"
    "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":"
    "\"data_collection\"},{\"type\":\"int64\",\"optional\":false,\"field\":\"event_count\"}],"
    "\"optional\":false,\"name\":\"event.collection\",\"version\":1},\"optional\":true,"
    "\"field\":\"data_collections\"},{\"type\":\"int64\",\"optional\":false,\"field\":"
    "\"ts_ms\"}],\"optional\":false,\"name\":"
    "\"io.debezium.connector.common.TransactionMetadataValue\",\"version\":1}";

}  // namespace

EncodedRecord DebeziumEncoder::TransactionRecord(const TransactionInfo& txn,
                                                 const TransactionOrder* end) const {
  EncodedRecord record;
  record.topic = TransactionTopic();
  const std::string id = TransactionId(txn);
  record.key = TransactionKeyJson(options_.key_schemas, id);
  std::string value;
  if (options_.value_schemas) {
    value = std::string("{\"schema\":") + kTransactionValueSchema + ",\"payload\":";
  }
  value += end ? "{\"status\":\"END\",\"id\":" : "{\"status\":\"BEGIN\",\"id\":";
  AppendJsonString(id, &value);
  if (end == nullptr) {
    value += ",\"event_count\":null,\"data_collections\":null";
  } else {
    value += ",\"event_count\":" + std::to_string(end->total) + ",\"data_collections\":[";
    bool first = true;
    for (const std::string& collection : end->collections) {
      if (!first) value += ",";
      first = false;
      value += "{\"data_collection\":";
      AppendJsonString(collection, &value);
      value += ",\"event_count\":" + std::to_string(end->per_collection.at(collection)) + "}";
    }
    value += "]";
  }
  value += ",\"ts_ms\":" + std::to_string(txn.commit_time_us / 1000) + "}";
  if (options_.value_schemas) value += "}";
  record.value = std::move(value);
  return record;
}

EncodedRecord DebeziumEncoder::TransactionBegin(const TransactionInfo& txn) const {
  return TransactionRecord(txn, nullptr);
}

EncodedRecord DebeziumEncoder::TransactionEnd(const TransactionInfo& txn,
                                              const TransactionOrder& order) const {
  return TransactionRecord(txn, &order);
}

void DebeziumEncoder::NoteCommit(const TransactionInfo& txn) {
  last_commit_lsn_ = std::to_string(txn.commit_lsn.value());
}

}  // namespace walcast::sinks::kafka
