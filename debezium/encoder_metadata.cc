// The parts of DebeziumEncoder's output that are not a table's columns:
// the source and transaction blocks of every change, logical decoding
// message records, heartbeats and transaction metadata (BEGIN/END)
// records (docs/debezium-compat.md sections 1, 5 and 9).

#include <algorithm>
#include <cstdio>

#include "core/json_writer.h"
#include "debezium/connect_schema.h"
#include "debezium/encoder.h"
#include "core/java_hash_map.h"

namespace walcast::debezium {
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

// `payload`, wrapped as {"schema":…,"payload":…} when `with_schema`.
std::string Enveloped(bool with_schema, const std::string& schema_json, std::string payload) {
  if (!with_schema) return payload;
  return "{\"schema\":" + schema_json + ",\"payload\":" + payload + "}";
}

}  // namespace

void DebeziumEncoder::WriteSource(const TransactionInfo& txn, const ChangeEvent& event,
                                  const std::string& schema, const std::string& table) {
  JsonWriter& w = writer_;
  const int64_t ts_us = txn.commit_time_us;
  last_source_ts_us_ = ts_us;
  w.StartObject();
  json::Key(w, "version");
  json::String(w, options_.source_version);
  json::Key(w, "connector");
  json::String(w, "postgresql");
  json::Key(w, "name");
  json::String(w, options_.topic_prefix);
  json::Key(w, "ts_ms");
  w.Int64(ts_us / 1000);
  json::Key(w, "snapshot");
  json::String(w, SnapshotMarkName(txn.snapshot ? event.snapshot : SnapshotMark::kNone));
  json::Key(w, "db");
  json::String(w, options_.database);
  json::Key(w, "sequence");
  WriteSequence(txn, event);
  json::Key(w, "ts_us");
  w.Int64(ts_us);
  json::Key(w, "ts_ns");
  w.Int64(ts_us * 1000);
  json::Key(w, "schema");
  json::String(w, schema);
  json::Key(w, "table");
  json::String(w, table);
  json::Key(w, "txId");
  if (txn.xid != 0) {
    w.Int64(static_cast<int64_t>(txn.xid));
  } else {
    w.Null();
  }
  json::Key(w, "lsn");
  w.Int64(static_cast<int64_t>(event.lsn.value()));
  json::Key(w, "xmin");
  w.Null();
  json::Key(w, "origin");
  if (txn.origin.empty()) {
    w.Null();
  } else {
    json::String(w, txn.origin);
  }
  json::Key(w, "origin_lsn");
  if (txn.origin.empty()) {
    w.Null();
  } else {
    w.Int64(static_cast<int64_t>(txn.origin_lsn.value()));
  }
  w.EndObject();
}

void DebeziumEncoder::WriteSequence(const TransactionInfo& txn, const ChangeEvent& event) {
  const std::string lsn = std::to_string(event.lsn.value());
  if (txn.snapshot) {
    // Snapshot rows: no last commit, the consistent point as the position.
    json::String(writer_, "[null,\"" + lsn + "\"]");
  } else if (txn.xid == 0 && event.op == Op::kMessage) {
    // A non-transactional message counts as committed at its own LSN
    // before Debezium writes it.
    json::String(writer_, "[\"" + lsn + "\",\"" + lsn + "\"]");
  } else {
    std::string sequence = "[";
    sequence += last_commit_lsn_.empty() ? "null" : "\"" + last_commit_lsn_ + "\"";
    sequence += ",\"" + lsn + "\"]";
    json::String(writer_, sequence);
  }
}

void DebeziumEncoder::WriteTransactionBlock(const TransactionInfo& txn, Lsn change_lsn,
                                            TransactionOrder* order,
                                            const std::string& collection) {
  JsonWriter& w = writer_;
  if (!options_.provide_transaction_metadata || order == nullptr || txn.snapshot) {
    w.Null();
    return;
  }
  ++order->total;
  auto [it, inserted] = order->per_collection.emplace(collection, 0);
  if (inserted) order->collections.push_back(collection);
  ++it->second;
  w.StartObject();
  json::Key(w, "id");
  json::String(w, std::to_string(txn.xid) + ":" + std::to_string(change_lsn.value()));
  json::Key(w, "total_order");
  w.Int64(order->total);
  json::Key(w, "data_collection_order");
  w.Int64(it->second);
  w.EndObject();
}

void DebeziumEncoder::WriteTimestamps(int64_t now_us) {
  json::Key(writer_, "ts_ms");
  writer_.Int64(now_us / 1000);
  json::Key(writer_, "ts_us");
  writer_.Int64(now_us);
  json::Key(writer_, "ts_ns");
  writer_.Int64(now_us * 1000);
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

Status DebeziumEncoder::EncodeMessage(const Change& change) {
  const ChangeEvent& event = change.event;
  if (!MessagePrefixPublished(event.message_prefix)) return Status::Ok();
  // Key {prefix}; value {op, ts_ms, source, transaction, message}; no
  // headers.
  EncodedRecord record;
  record.topic = MessageTopic();
  StartRecord(options_.key_schemas, message_key_schema_json_);
  writer_.StartObject();
  json::Key(writer_, "prefix");
  json::String(writer_, event.message_prefix);
  writer_.EndObject();
  if (options_.key_schemas) writer_.EndObject();
  record.key.emplace(buffer_.GetString(), buffer_.GetSize());

  StartRecord(options_.value_schemas, message_value_schema_json_);
  writer_.StartObject();
  json::Key(writer_, "op");
  json::String(writer_, "m");
  json::Key(writer_, "ts_ms");
  writer_.Int64(change.now_us / 1000);
  json::Key(writer_, "source");
  TransactionInfo source_txn = change.txn;
  if (!event.message_transactional) {
    // No transaction: no xid, and the source time stays that of the
    // previous event, as in Debezium.
    source_txn.xid = 0;
    source_txn.commit_time_us = last_source_ts_us_;
  }
  WriteSource(source_txn, event, "", "");
  json::Key(writer_, "transaction");
  if (event.message_transactional) {
    WriteTransactionBlock(change.txn, event.lsn, change.order, MessageCollection(event.lsn));
  } else {
    writer_.Null();
  }
  json::Key(writer_, "message");
  writer_.StartObject();
  json::Key(writer_, "prefix");
  json::String(writer_, event.message_prefix);
  json::Key(writer_, "content");
  std::string content;
  AppendBinary(event.message_content, options_.values.binary, &content);
  json::String(writer_, content);
  writer_.EndObject();
  writer_.EndObject();
  if (options_.value_schemas) writer_.EndObject();
  record.value.emplace(buffer_.GetString(), buffer_.GetSize());
  change.out->push_back(std::move(record));
  return Status::Ok();
}

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
  record.value =
      Enveloped(options_.value_schemas, transaction_value_schema_json_, std::move(value));
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
