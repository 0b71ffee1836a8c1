#include "debezium/record_schemas.h"

#include <utility>

namespace walcast::debezium {
namespace {

constexpr char kSnapshotAllowed[] =
    "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental";

ConnectSchema Struct(bool optional, std::string name, std::optional<int> version = 1) {
  return ConnectSchema::Of(ConnectType::kStruct, optional, std::move(name), version);
}

void Add(ConnectSchema* s, const char* name, ConnectType type, bool optional) {
  s->fields.push_back({name, ConnectSchema::Of(type, optional)});
}

}  // namespace

ConnectSchema SourceSchema() {
  using T = ConnectType;
  ConnectSchema s = Struct(false, "io.debezium.connector.postgresql.Source");
  Add(&s, "version", T::kString, false);
  Add(&s, "connector", T::kString, false);
  Add(&s, "name", T::kString, false);
  Add(&s, "ts_ms", T::kInt64, false);
  ConnectSchema snapshot = ConnectSchema::Of(T::kString, true, "io.debezium.data.Enum", 1);
  snapshot.parameters.emplace_back("allowed", kSnapshotAllowed);
  snapshot.default_json = "\"false\"";
  s.fields.push_back({"snapshot", std::move(snapshot)});
  Add(&s, "db", T::kString, false);
  Add(&s, "sequence", T::kString, true);
  Add(&s, "ts_us", T::kInt64, true);
  Add(&s, "ts_ns", T::kInt64, true);
  Add(&s, "schema", T::kString, false);
  Add(&s, "table", T::kString, false);
  Add(&s, "txId", T::kInt64, true);
  Add(&s, "lsn", T::kInt64, true);
  Add(&s, "xmin", T::kInt64, true);
  Add(&s, "origin", T::kString, true);
  Add(&s, "origin_lsn", T::kInt64, true);
  return s;
}

ConnectSchema TransactionBlockSchema() {
  ConnectSchema s = Struct(true, "event.block");
  Add(&s, "id", ConnectType::kString, false);
  Add(&s, "total_order", ConnectType::kInt64, false);
  Add(&s, "data_collection_order", ConnectType::kInt64, false);
  return s;
}

ConnectSchema EnvelopeSchema(const std::string& name, const ConnectSchema& value) {
  ConnectSchema envelope = Struct(false, name, 2);
  envelope.fields.push_back({"before", value});
  envelope.fields.push_back({"after", value});
  envelope.fields.push_back({"source", SourceSchema()});
  envelope.fields.push_back({"transaction", TransactionBlockSchema()});
  Add(&envelope, "op", ConnectType::kString, false);
  Add(&envelope, "ts_ms", ConnectType::kInt64, true);
  Add(&envelope, "ts_us", ConnectType::kInt64, true);
  Add(&envelope, "ts_ns", ConnectType::kInt64, true);
  return envelope;
}

ConnectSchema HeartbeatKeySchema() {
  ConnectSchema s = Struct(false, "io.debezium.connector.common.ServerNameKey");
  Add(&s, "serverName", ConnectType::kString, false);
  return s;
}

ConnectSchema HeartbeatValueSchema() {
  ConnectSchema s = Struct(false, "io.debezium.connector.common.Heartbeat");
  Add(&s, "ts_ms", ConnectType::kInt64, false);
  return s;
}

ConnectSchema TransactionKeySchema() {
  ConnectSchema s = Struct(false, "io.debezium.connector.common.TransactionMetadataKey");
  Add(&s, "id", ConnectType::kString, false);
  return s;
}

ConnectSchema TransactionValueSchema() {
  // Debezium 3.7.0 marks the collection items optional
  // (tests/data/debezium/txmeta.jsonl).
  ConnectSchema collection = Struct(true, "event.collection");
  Add(&collection, "data_collection", ConnectType::kString, false);
  Add(&collection, "event_count", ConnectType::kInt64, false);
  ConnectSchema collections = ConnectSchema::Of(ConnectType::kArray, true);
  collections.items.push_back(std::move(collection));
  ConnectSchema s = Struct(false, "io.debezium.connector.common.TransactionMetadataValue");
  Add(&s, "status", ConnectType::kString, false);
  Add(&s, "id", ConnectType::kString, false);
  Add(&s, "event_count", ConnectType::kInt64, true);
  s.fields.push_back({"data_collections", std::move(collections)});
  Add(&s, "ts_ms", ConnectType::kInt64, false);
  return s;
}

ConnectSchema MessageKeySchema() {
  ConnectSchema s = Struct(false, "io.debezium.connector.postgresql.MessageKey");
  Add(&s, "prefix", ConnectType::kString, true);
  return s;
}

ConnectSchema MessageValueSchema(BinaryMode binary) {
  ConnectSchema message = Struct(false, "io.debezium.connector.postgresql.Message");
  Add(&message, "prefix", ConnectType::kString, true);
  Add(&message, "content",
      binary == BinaryMode::kBytes ? ConnectType::kBytes : ConnectType::kString, true);
  ConnectSchema s = Struct(false, "io.debezium.connector.postgresql.MessageValue");
  Add(&s, "op", ConnectType::kString, false);
  Add(&s, "ts_ms", ConnectType::kInt64, true);
  s.fields.push_back({"source", SourceSchema()});
  s.fields.push_back({"transaction", TransactionBlockSchema()});
  s.fields.push_back({"message", std::move(message)});
  return s;
}

}  // namespace walcast::debezium
