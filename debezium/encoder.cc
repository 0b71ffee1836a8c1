#include "debezium/encoder.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include "core/encoding.h"
#include "debezium/connect_string.h"
#include "debezium/java_hash_map.h"
#include "pg/text.h"

namespace walcast::debezium {
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
  add("origin", ConnectSchema::Of(T::kString, true));
  add("origin_lsn", ConnectSchema::Of(T::kInt64, true));
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
  ConnectSchema key_schema;             // the key struct, for key headers
  std::string key_schema_json;
  std::string envelope_schema_json;
};

namespace {

// Debezium's source.snapshot value. Streamed changes carry "false" (a null
// that JsonConverter replaces with the field's default).
const char* SnapshotMarkName(SnapshotMark mark) {
  switch (mark) {
    case SnapshotMark::kFirst: return "first";
    case SnapshotMark::kFirstInCollection: return "first_in_data_collection";
    case SnapshotMark::kTrue: return "true";
    case SnapshotMark::kLastInCollection: return "last_in_data_collection";
    case SnapshotMark::kLast: return "last";
    case SnapshotMark::kNone: break;
  }
  return "false";
}

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

// The data collection Debezium counts a logical decoding message under in
// transaction metadata: a new LogicalDecodingMessageId per message, named by
// Object.toString, so class name, '@' and the identity hash in hex. The
// hash is the JVM's and differs on every run; walcast derives one from the
// message's LSN, distinct per message as Debezium's objects are.
std::string MessageCollection(Lsn lsn) {
  char hash[16];
  std::snprintf(hash, sizeof(hash), "%x",
                static_cast<unsigned>((lsn.value() * 0x9E3779B97F4A7C15ULL) >> 33));
  return std::string(
             "io.debezium.connector.postgresql.LogicalDecodingMessageMonitor$"
             "LogicalDecodingMessageId@") +
         hash;
}

}  // namespace

DebeziumEncoder::DebeziumEncoder(EncoderOptions options)
    : options_(std::move(options)), run_id_(RandomUuid()), writer_(buffer_) {
  using T = ConnectType;
  ConnectSchema server_key = ConnectSchema::Of(
      T::kStruct, false, "io.debezium.connector.common.ServerNameKey", 1);
  server_key.fields.push_back({"serverName", ConnectSchema::Of(T::kString, false)});
  AppendSchemaJson(server_key, &heartbeat_key_schema_json_);
  ConnectSchema heartbeat =
      ConnectSchema::Of(T::kStruct, false, "io.debezium.connector.common.Heartbeat", 1);
  heartbeat.fields.push_back({"ts_ms", ConnectSchema::Of(T::kInt64, false)});
  AppendSchemaJson(heartbeat, &heartbeat_value_schema_json_);
  ConnectSchema tx_key = ConnectSchema::Of(
      T::kStruct, false, "io.debezium.connector.common.TransactionMetadataKey", 1);
  tx_key.fields.push_back({"id", ConnectSchema::Of(T::kString, false)});
  AppendSchemaJson(tx_key, &transaction_key_schema_json_);
  // Debezium 3.7.0 marks the collection items optional
  // (tests/data/debezium/txmeta.jsonl).
  ConnectSchema collection = ConnectSchema::Of(T::kStruct, true, "event.collection", 1);
  collection.fields.push_back({"data_collection", ConnectSchema::Of(T::kString, false)});
  collection.fields.push_back({"event_count", ConnectSchema::Of(T::kInt64, false)});
  ConnectSchema collections = ConnectSchema::Of(T::kArray, true);
  collections.items.push_back(std::move(collection));
  ConnectSchema tx_value = ConnectSchema::Of(
      T::kStruct, false, "io.debezium.connector.common.TransactionMetadataValue", 1);
  tx_value.fields.push_back({"status", ConnectSchema::Of(T::kString, false)});
  tx_value.fields.push_back({"id", ConnectSchema::Of(T::kString, false)});
  tx_value.fields.push_back({"event_count", ConnectSchema::Of(T::kInt64, true)});
  tx_value.fields.push_back({"data_collections", std::move(collections)});
  tx_value.fields.push_back({"ts_ms", ConnectSchema::Of(T::kInt64, false)});
  AppendSchemaJson(tx_value, &transaction_value_schema_json_);
  ConnectSchema key = ConnectSchema::Of(ConnectType::kStruct, false,
                                        "io.debezium.connector.postgresql.MessageKey", 1);
  key.fields.push_back({"prefix", ConnectSchema::Of(ConnectType::kString, true)});
  AppendSchemaJson(key, &message_key_schema_json_);
  ConnectSchema message =
      ConnectSchema::Of(ConnectType::kStruct, false, "io.debezium.connector.postgresql.Message", 1);
  message.fields.push_back({"prefix", ConnectSchema::Of(ConnectType::kString, true)});
  message.fields.push_back(
      {"content", ConnectSchema::Of(options_.values.binary == BinaryMode::kBytes
                                        ? ConnectType::kBytes
                                        : ConnectType::kString,
                                    true)});
  ConnectSchema value = ConnectSchema::Of(ConnectType::kStruct, false,
                                          "io.debezium.connector.postgresql.MessageValue", 1);
  value.fields.push_back({"op", ConnectSchema::Of(ConnectType::kString, false)});
  value.fields.push_back({"ts_ms", ConnectSchema::Of(ConnectType::kInt64, true)});
  value.fields.push_back({"source", SourceSchema()});
  value.fields.push_back({"transaction", TransactionBlockSchema()});
  value.fields.push_back({"message", std::move(message)});
  AppendSchemaJson(value, &message_value_schema_json_);
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
    std::optional<ColumnCodec> codec = ColumnCodec::For(column, !column.not_null, options_.values);
    if (codec && column.default_expr) codec->ApplyDefaultExpression(*column.default_expr);
    if (codec) value.fields.push_back({column.name, codec->schema()});
    table->column_names.push_back(column.name);
    table->value_codecs.push_back(std::move(codec));
  }
  for (size_t index : key) {
    if (!table->value_codecs[index]) continue;  // a key column of an unmapped type
    // Same schema as in the value (a nullable unique-index column stays
    // optional in the key, as in Debezium).
    ColumnCodec codec = *table->value_codecs[index];
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
    table->key_schema = std::move(key_schema);
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

void DebeziumEncoder::AddContextHeaders(EncodedRecord* record) const {
  if (!options_.extended_headers) return;
  record->headers.emplace_back("__debezium.context.connectorLogicalName", options_.topic_prefix);
  record->headers.emplace_back("__debezium.context.taskId", "0");
  record->headers.emplace_back("__debezium.context.connectorName", "postgresql");
  record->headers.emplace_back("__debezium.context.runId", run_id_);
}

void DebeziumEncoder::WriteSource(const TransactionInfo& txn, const ChangeEvent& event,
                                  const std::string& schema, const std::string& table) {
  JsonWriter* w = &writer_;
  const int64_t ts_us = txn.commit_time_us;
  last_source_ts_us_ = ts_us;
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
  WriteStr(w, SnapshotMarkName(txn.snapshot ? event.snapshot : SnapshotMark::kNone));
  WriteKey(w, "db");
  WriteStr(w, options_.database);
  WriteKey(w, "sequence");
  if (txn.snapshot) {
    // Snapshot rows: no last commit, the consistent point as the position.
    WriteStr(w, "[null,\"" + std::to_string(event.lsn.value()) + "\"]");
  } else if (txn.xid == 0 && event.op == Op::kMessage) {
    // A non-transactional message counts as committed at its own LSN
    // before Debezium writes it.
    const std::string lsn = std::to_string(event.lsn.value());
    WriteStr(w, "[\"" + lsn + "\",\"" + lsn + "\"]");
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
    w->Int64(static_cast<int64_t>(txn.xid));
  } else {
    w->Null();
  }
  WriteKey(w, "lsn");
  w->Int64(static_cast<int64_t>(event.lsn.value()));
  WriteKey(w, "xmin");
  w->Null();
  WriteKey(w, "origin");
  if (txn.origin.empty()) {
    w->Null();
  } else {
    WriteStr(w, txn.origin);
  }
  WriteKey(w, "origin_lsn");
  if (txn.origin.empty()) {
    w->Null();
  } else {
    w->Int64(static_cast<int64_t>(txn.origin_lsn.value()));
  }
  w->EndObject();
}

void DebeziumEncoder::WriteTransactionBlock(const TransactionInfo& txn, Lsn change_lsn,
                                            TransactionOrder* order,
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
  WriteStr(w, std::to_string(txn.xid) + ":" + std::to_string(change_lsn.value()));
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
                                  std::optional<std::string>* key, bool with_schema) {
  with_schema = with_schema && options_.key_schemas;
  if (table.key_indexes.empty()) {
    key->reset();
    return Status::Ok();
  }
  buffer_.Clear();
  writer_.Reset(buffer_);
  JsonWriter* w = &writer_;
  if (with_schema) {
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
    WALCAST_RETURN_IF_ERROR(table.key_codecs[k].Write(tuple[index], w, source_));
  }
  w->EndObject();
  if (with_schema) w->EndObject();
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
      WALCAST_RETURN_IF_ERROR(table.value_codecs[i]->Write((*tuple)[i], w, source_));
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
  WriteTransactionBlock(txn, event.lsn, order, table.collection);
  WriteKey(w, "op");
  const char op_char = static_cast<char>(op);
  w->String(&op_char, 1);
  WriteTimestamps(now_us);
  w->EndObject();
  if (options_.value_schemas) w->EndObject();
  value->assign(buffer_.GetString(), buffer_.GetSize());
  return Status::Ok();
}

bool DebeziumEncoder::MessagePrefixPublished(const std::string& prefix) const {
  auto matches = [&](const std::vector<std::regex>& list) {
    return std::any_of(list.begin(), list.end(),
                       [&](const std::regex& re) { return std::regex_match(prefix, re); });
  };
  if (!options_.message_prefix_include.empty() && !matches(options_.message_prefix_include)) {
    return false;
  }
  return !matches(options_.message_prefix_exclude);
}

Status DebeziumEncoder::Encode(const TransactionInfo& txn, const ChangeEvent& event,
                               int64_t now_us, TransactionOrder* order,
                               std::vector<EncodedRecord>* out) {
  source_ = txn.snapshot ? ValueSource::kSnapshot : ValueSource::kStreaming;
  if (event.op == Op::kMessage) {
    if (!MessagePrefixPublished(event.message_prefix)) return Status::Ok();
    // Logical decoding message: key {prefix}; value {op, ts_ms, source,
    // transaction, message}; no headers.
    EncodedRecord record;
    record.topic = MessageTopic();
    buffer_.Clear();
    writer_.Reset(buffer_);
    JsonWriter* w = &writer_;
    if (options_.key_schemas) {
      w->StartObject();
      WriteKey(w, "schema");
      w->RawValue(message_key_schema_json_.data(), message_key_schema_json_.size(),
                  rapidjson::kObjectType);
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
      w->StartObject();
      WriteKey(w, "schema");
      w->RawValue(message_value_schema_json_.data(), message_value_schema_json_.size(),
                  rapidjson::kObjectType);
      WriteKey(w, "payload");
    }
    w->StartObject();
    WriteKey(w, "op");
    WriteStr(w, "m");
    WriteKey(w, "ts_ms");
    w->Int64(now_us / 1000);
    WriteKey(w, "source");
    TransactionInfo source_txn = txn;
    if (!event.message_transactional) {
      // No transaction: no xid, and the source time stays that of the
      // previous event, as in Debezium.
      source_txn.xid = 0;
      source_txn.commit_time_us = last_source_ts_us_;
    }
    WriteSource(source_txn, event, "", "");
    WriteKey(w, "transaction");
    if (event.message_transactional) {
      WriteTransactionBlock(txn, event.lsn, order, MessageCollection(event.lsn));
    } else {
      w->Null();
    }
    WriteKey(w, "message");
    w->StartObject();
    WriteKey(w, "prefix");
    WriteStr(w, event.message_prefix);
    WriteKey(w, "content");
    std::string content;
    switch (options_.values.binary) {
      case BinaryMode::kBytes:
      case BinaryMode::kBase64:
        AppendBase64(event.message_content, &content);
        break;
      case BinaryMode::kBase64UrlSafe:
        AppendBase64(event.message_content, &content, true);
        break;
      case BinaryMode::kHex:
        AppendHex(event.message_content, &content);
        break;
    }
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
    AddContextHeaders(&record);
    out->push_back(std::move(record));
    return Status::Ok();
  }

  // `header` (name, value) comes before the context headers when set.
  auto emit = [&](Op op, const std::optional<Tuple>& before, const std::optional<Tuple>& after,
                  const std::optional<std::string>& key,
                  std::optional<std::pair<std::string, std::string>> header =
                      std::nullopt) -> Status {
    EncodedRecord record;
    record.topic = table->topic;
    record.key = key;
    std::string value;
    WALCAST_RETURN_IF_ERROR(
        EncodeRow(*table, event, op, before, after, txn, now_us, order, &value));
    record.value = std::move(value);
    if (header) record.headers.push_back(std::move(*header));
    AddContextHeaders(&record);
    out->push_back(std::move(record));
    return Status::Ok();
  };
  // A tombstone carries the headers of the delete before it. A table
  // without a key gets one too, with a null key, as in Debezium
  // (tests/data/debezium/noschemas.jsonl, no_pk_full).
  auto tombstone = [&](const std::optional<std::string>& key) {
    if (!options_.tombstones_on_delete) return;
    EncodedRecord record;
    record.topic = table->topic;
    record.key = key;
    record.headers = out->back().headers;
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
      WALCAST_RETURN_IF_ERROR(EncodeKey(*table, *after, &key));
      if (event.before && !table->key_indexes.empty()) {
        std::optional<std::string> old_key;
        WALCAST_RETURN_IF_ERROR(EncodeKey(*table, *event.before, &old_key));
        if (old_key != key) {
          // The headers hold each key as the worker's default
          // SimpleHeaderConverter prints a struct (connect_string.h).
          std::optional<std::string> key_json;
          std::optional<std::string> old_key_json;
          WALCAST_RETURN_IF_ERROR(EncodeKey(*table, *after, &key_json, false));
          WALCAST_RETURN_IF_ERROR(EncodeKey(*table, *event.before, &old_key_json, false));
          std::string key_header;
          std::string old_key_header;
          WALCAST_RETURN_IF_ERROR(AppendConnectString(table->key_schema, *key_json, &key_header));
          WALCAST_RETURN_IF_ERROR(
              AppendConnectString(table->key_schema, *old_key_json, &old_key_header));
          // A key change is a delete of the old key and a create of the new
          // one, linked by headers, as Debezium emits it.
          if (!options_.skip_delete) {
            WALCAST_RETURN_IF_ERROR(emit(Op::kDelete, event.before, std::nullopt, old_key,
                                         std::make_pair("__debezium.newkey", key_header)));
            tombstone(old_key);
          }
          if (!options_.skip_create) {
            WALCAST_RETURN_IF_ERROR(emit(Op::kCreate, std::nullopt, after, key,
                                         std::make_pair("__debezium.oldkey", old_key_header)));
          }
          return Status::Ok();
        }
      }
      if (options_.skip_update) return Status::Ok();
      // pgoutput sends a key-only old tuple only when the key changed; an
      // unchanged key under REPLICA IDENTITY DEFAULT has no `before`.
      const std::optional<Tuple> before = event.before_is_key_only ? std::nullopt : event.before;
      return emit(Op::kUpdate, before, after, key);
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

namespace {

// `payload`, wrapped as {"schema":…,"payload":…} when `with_schema`.
std::string Enveloped(bool with_schema, const std::string& schema_json, std::string payload) {
  if (!with_schema) return payload;
  return "{\"schema\":" + schema_json + ",\"payload\":" + payload + "}";
}

}  // namespace

EncodedRecord DebeziumEncoder::Heartbeat(int64_t now_ms) const {
  EncodedRecord record;
  record.topic = HeartbeatTopic();
  std::string key = "{\"serverName\":";
  AppendJsonString(options_.topic_prefix, &key);
  key += "}";
  record.key = Enveloped(options_.key_schemas, heartbeat_key_schema_json_, std::move(key));
  record.value = Enveloped(options_.value_schemas, heartbeat_value_schema_json_,
                           "{\"ts_ms\":" + std::to_string(now_ms) + "}");
  return record;
}

EncodedRecord DebeziumEncoder::TransactionRecord(const TransactionInfo& txn,
                                                 const TransactionOrder* end) const {
  EncodedRecord record;
  record.topic = TransactionTopic();
  // BEGIN is identified by the Begin message's LSN, END by the commit's end.
  const std::string id = std::to_string(txn.xid) + ":" +
                         std::to_string(end ? txn.end_lsn.value() : txn.begin_lsn.value());
  std::string key = "{\"id\":";
  AppendJsonString(id, &key);
  key += "}";
  record.key = Enveloped(options_.key_schemas, transaction_key_schema_json_, std::move(key));
  std::string value = end ? "{\"status\":\"END\",\"id\":" : "{\"status\":\"BEGIN\",\"id\":";
  AppendJsonString(id, &value);
  if (end == nullptr) {
    value += ",\"event_count\":null,\"data_collections\":null";
  } else {
    value += ",\"event_count\":" + std::to_string(end->total) + ",\"data_collections\":[";
    bool first = true;
    for (const size_t index : JavaHashMapOrder(end->collections)) {
      const std::string& collection = end->collections[index];
      if (!first) value += ",";
      first = false;
      value += "{\"data_collection\":";
      AppendJsonString(collection, &value);
      value += ",\"event_count\":" + std::to_string(end->per_collection.at(collection)) + "}";
    }
    value += "]";
  }
  value += ",\"ts_ms\":" + std::to_string(txn.commit_time_us / 1000) + "}";
  record.value = Enveloped(options_.value_schemas, transaction_value_schema_json_, std::move(value));
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
  // The snapshot is no commit Debezium streamed: the first streamed
  // transaction has no last commit. A non-transactional message (xid 0,
  // delivered as a transaction of its own) is committed at its own LSN.
  if (txn.snapshot) return;
  last_commit_lsn_ = std::to_string((txn.xid == 0 ? txn.commit_lsn : txn.end_lsn).value());
}

}  // namespace walcast::debezium
