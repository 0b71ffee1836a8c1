#pragma once

// Encodes change events as the Kafka records Debezium's PostgreSQL connector
// writes through Kafka Connect's JsonConverter: topic, key, value and
// headers, byte for byte (docs/debezium-compat.md). Schemas are built once
// per relation version and their JSON reused; payloads are written with a
// RapidJSON Writer into a reused buffer.

#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "debezium/column_codec.h"
#include "debezium/column_rules.h"

namespace walcast::debezium {

// The Debezium release whose output walcast reproduces (scripts/versions.env
// pins the same version for the differential tests).
inline constexpr char kDebeziumCompatVersion[] = "3.7.0.Final";

// Kafka Connect's RegexRouter: a topic that fully matches `regex` becomes
// `replacement` (with $1… group references); others pass unchanged.
struct TopicRoute {
  std::string regex_text;
  std::regex regex;
  std::string replacement;
};

// message.key.columns: for tables matching `table` ("schema.table",
// regex), the key is made of `columns` instead of the primary key.
struct KeyColumnsRule {
  std::regex table;
  std::vector<std::string> columns;
};

struct EncoderOptions {
  std::string topic_prefix = "walcast";  // topic.prefix (source.name)
  std::string database;                  // source.db
  std::string source_version;            // source.version
  bool key_schemas = true;               // key.converter.schemas.enable
  bool value_schemas = true;             // value.converter.schemas.enable
  bool tombstones_on_delete = true;      // tombstones.on.delete
  bool skip_truncate = true;             // skipped.operations contains t
  bool skip_update = false;              // ... u
  bool skip_delete = false;              // ... d
  bool skip_create = false;              // ... c
  bool provide_transaction_metadata = false;
  // extended.headers.enabled: the four __debezium.context.* headers on
  // every change record and tombstone.
  bool extended_headers = true;
  ValueOptions values;
  std::vector<TopicRoute> routes;
  std::vector<KeyColumnsRule> key_columns;
  // message.prefix.include.list / exclude.list: logical messages whose
  // prefix is not included (when the include list is set) or is excluded
  // produce no record.
  std::vector<std::regex> message_prefix_include;
  std::vector<std::regex> message_prefix_exclude;
  // column.include/exclude.list and the column mappers (column_rules.h):
  // applied to the value's before/after, never to the key.
  ColumnRulesOptions columns;
};

struct EncodedRecord {
  std::string topic;
  std::optional<std::string> key;    // nullopt: null key
  std::optional<std::string> value;  // nullopt: tombstone
  std::vector<std::pair<std::string, std::string>> headers;
};

// Per-transaction counters for the `transaction` block
// (provide.transaction.metadata).
struct TransactionOrder {
  int64_t total = 0;
  std::unordered_map<std::string, int64_t> per_collection;  // "schema.table" → count
  std::vector<std::string> collections;                     // first-seen order
};

// Not thread-safe: one encoder per sink, used on the reader thread.
class DebeziumEncoder {
 public:
  explicit DebeziumEncoder(EncoderOptions options);
  ~DebeziumEncoder();

  // Another encoder with these options, for another thread: its records
  // carry this one's run id (__debezium.context.runId is one per run) and
  // it starts from the last commit noted here; caches start empty.
  std::unique_ptr<DebeziumEncoder> ForAnotherThread() const;

  // Appends the records for one change to `out`: one for c/u/r/t/m, two for
  // a delete with tombstones on, three for an update that changes the key
  // (delete, tombstone, create). Appends nothing for a skipped operation.
  // now_us is the processing time for the envelope's ts_ms/ts_us/ts_ns.
  // `order` (may be null) carries the transaction block counters.
  // kCorruption when a value cannot be converted (names the column).
  Status Encode(const TransactionInfo& txn, const ChangeEvent& event, int64_t now_us,
                TransactionOrder* order, std::vector<EncodedRecord>* out);

  // The record key Encode writes for `tuple` (a full or key-only row of
  // `relation`): its JSON, with the {schema, payload} envelope when
  // key_schemas; nullopt for a table without key columns. `source` as the
  // transaction's (snapshot rows read some values differently).
  // kCorruption when a key value cannot be converted (names the column).
  // The Elasticsearch sink uses it for _ids in Kafka Connect's shape.
  Status EncodeRowKey(const std::shared_ptr<const Relation>& relation, const Tuple& tuple,
                      ValueSource source, std::optional<std::string>* key);
  // The codecs Encode writes `relation`'s columns with, one per column
  // (nullopt: a column Debezium leaves out). Valid until the next call
  // of any method of the encoder.
  Result<const std::vector<std::optional<ColumnCodec>>*> ValueCodecs(
      const std::shared_ptr<const Relation>& relation);

  // What the column options do to each of `relation`'s columns (by
  // column index). Valid until the next call of any method of the encoder.
  Result<const std::vector<ColumnMapping>*> ColumnMappings(
      const std::shared_ptr<const Relation>& relation);

  // The topic a table's changes go to, after routing.
  std::string TopicFor(const std::string& schema, const std::string& table) const;
  std::string MessageTopic() const;
  std::string HeartbeatTopic() const;
  std::string TransactionTopic() const;

  // Heartbeat record ({serverName} key, {ts_ms} value).
  EncodedRecord Heartbeat(int64_t now_ms) const;
  // BEGIN/END records for the transaction topic.
  EncodedRecord TransactionBegin(const TransactionInfo& txn) const;
  EncodedRecord TransactionEnd(const TransactionInfo& txn, const TransactionOrder& order) const;

  // Records the commit of `txn`: later events' source.sequence name it as
  // the last commit LSN.
  void NoteCommit(const TransactionInfo& txn);

  const EncoderOptions& options() const { return options_; }

 private:
  struct TableSchema;
  // One change being encoded: what every step of Encode reads. `table` is
  // null for a logical decoding message.
  struct Change {
    const TransactionInfo& txn;
    const ChangeEvent& event;
    int64_t now_us;
    TransactionOrder* order;
    const TableSchema* table;
    std::vector<EncodedRecord>* out;
  };

  // The steps of Encode, one per kind of change (encoder.cc, and
  // encoder_metadata.cc for messages).
  Status EncodeMessage(const Change& change);
  Status EncodeInsert(const Change& change);
  Status EncodeUpdate(const Change& change);
  // An update that changed the key: delete, tombstone, create.
  Status EncodeKeyChange(const Change& change, const Tuple& after,
                         const std::optional<std::string>& key,
                         const std::optional<std::string>& old_key);
  Status EncodeDelete(const Change& change);
  // Appends one change record on the table's topic: `key`, the envelope
  // and the context headers, after `header` when set.
  Status EmitRow(const Change& change, Op op, const std::optional<Tuple>& before,
                 const std::optional<Tuple>& after, const std::optional<std::string>& key,
                 std::optional<std::pair<std::string, std::string>> header = std::nullopt);
  // Appends the tombstone for the delete just appended (with its headers),
  // when tombstones.on.delete.
  void EmitTombstone(const Change& change, const std::optional<std::string>& key);

  bool MessagePrefixPublished(const std::string& prefix) const;
  Result<const TableSchema*> SchemaFor(const std::shared_ptr<const Relation>& relation);
  // The indexes of the key columns: message.key.columns for the table,
  // else the primary key. kInvalidArgument for a column the table lacks.
  Result<std::vector<size_t>> KeyColumns(const Relation& relation,
                                         const std::string& collection) const;
  std::string Route(std::string topic) const;
  // The envelope of one change ({schema, payload} when
  // value.converter.schemas.enable).
  Status EncodeRow(const Change& change, Op op, const std::optional<Tuple>& before,
                   const std::optional<Tuple>& after, std::string* value);
  // A `before` or `after` struct (null for nullopt).
  Status WriteTuple(const TableSchema& table, const std::optional<Tuple>& tuple);
  // One value of a column with a mapper (masked, hashed or truncated).
  Status WriteMapped(const ColumnCodec& codec, const ColumnMapping& mapping, const Datum& datum);
  // The Java string `datum` converts to with `codec` (nullopt when the
  // value is not a JSON string); the JSON stays in scratch_.
  Result<std::optional<std::string>> ConvertedString(const ColumnCodec& codec, const Datum& datum);
  // The key record (with its schema when key.converter.schemas.enable and
  // `with_schema`); nullopt for a table without key columns.
  Status EncodeKey(const TableSchema& table, const Tuple& tuple, std::optional<std::string>* key,
                   bool with_schema = true);
  // The __debezium.oldkey/newkey header text of the key of `tuple`.
  Status KeyHeader(const TableSchema& table, const Tuple& tuple, std::string* header);
  // Starts a record in buffer_: `{"schema":<schema_json>,"payload":` when
  // `with_schema`.
  void StartRecord(bool with_schema, const std::string& schema_json);
  void WriteSource(const TransactionInfo& txn, const ChangeEvent& event, const std::string& schema,
                   const std::string& table);
  void WriteSequence(const TransactionInfo& txn, const ChangeEvent& event);
  void WriteTransactionBlock(const TransactionInfo& txn, Lsn change_lsn, TransactionOrder* order,
                             const std::string& collection);
  void AddContextHeaders(EncodedRecord* record) const;
  void WriteTimestamps(int64_t now_us);
  // BEGIN when `end` is null, else END with its counts.
  EncodedRecord TransactionRecord(const TransactionInfo& txn, const TransactionOrder* end) const;

  EncoderOptions options_;
  // Schemas of the records that are not table changes, rendered once.
  std::string heartbeat_key_schema_json_;
  std::string heartbeat_value_schema_json_;
  std::string transaction_key_schema_json_;
  std::string transaction_value_schema_json_;
  std::string message_key_schema_json_;
  std::string message_value_schema_json_;
  // Keyed by the relation object: a new Relation message (schema change)
  // gets a new schema. Entries for replaced relations stay until the cache
  // holds 4096 entries, then the cache starts over.
  std::unordered_map<const Relation*,
                     std::pair<std::shared_ptr<const Relation>, std::unique_ptr<TableSchema>>>
      tables_;
  // Where the values of the event being encoded come from (Encode sets it).
  ValueSource source_ = ValueSource::kStreaming;
  std::string last_commit_lsn_;  // end LSN of the last commit, for source.sequence
  int64_t last_source_ts_us_ = 0;  // source.ts of the last event written
  std::string run_id_;             // __debezium.context.runId: random per start
  rapidjson::StringBuffer buffer_;
  JsonWriter writer_;
  rapidjson::StringBuffer scratch_;  // a truncated column's value before truncation
};

}  // namespace walcast::debezium
