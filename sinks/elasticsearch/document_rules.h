#pragma once

// Per-table document rules: how a row of a table becomes a raw document
// beyond its columns (docs/elasticsearch.md §4.6). They reproduce what a
// Kafka Connect Elasticsearch sink with Debezium's and MOSIP's transforms
// writes, so walcast can take over an index such a connector filled:
//
//   rule                  connector equivalent
//   id                    key.ignore=false with the key as the sink sees it
//   values                the column values as Debezium's JsonConverter writes them
//   source.fields(.prefix) ExtractNewRecordState add.fields (add.fields.prefix)
//   timestamp.gen(.field) MOSIP's TimestampSelector ts.order (output.field)
//   convert.<field>       MOSIP's TimestampConverterAdv field / output.format
//   null.values           behavior.on.null.values (a delete's tombstone)
//   truncate              whether a truncate empties the index
//
// The configuration keys (below "elasticsearch."): "document.<rule>" for
// every table, "table.<schema>.<table>.<rule>" for one table, and
// "preset" (none | mosip): MOSIP's 14 sink connectors (MosipPresetKeys).
// For each rule of each table the first of these that sets it wins: the
// table's key, the process-wide key, the preset's table key, the preset's
// process-wide key, the built-in default (walcast's own shape, unchanged).

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sinks/elasticsearch/document_rules_date_format.h"

namespace walcast::sinks::elasticsearch {

// What a document's _id is.
enum class IdMode {
  kKey,  // the key columns' text (RawDocumentBuilder::BuildId)
  // The Kafka record key Debezium writes for the row (its JSON, with the
  // {schema, payload} envelope when key.converter.schemas.enable), which a
  // sink with key.converter=StringConverter and key.ignore=false uses as is.
  kConnectKeyJson,
};

// How columns without a conversion are written.
enum class ValueMode {
  kNative,    // typed by PostgreSQL type (docs/elasticsearch.md §4.2)
  kDebezium,  // as in Debezium's `after` (epoch micros, days, base64 decimals, …)
};

// What a delete or a truncate does to the index.
enum class RemoveMode { kDelete, kIgnore };

// One ExtractNewRecordState add.fields entry.
struct SourceField {
  enum class Kind { kOp, kTsMs, kTsUs, kTsNs, kName, kDb, kSchema, kTable, kTxId, kLsn };
  Kind kind = Kind::kTsMs;
  // The document field: the prefix and the alias, else the prefix and the
  // entry with '.' as '_' ("source.ts_ms" -> "__source_ts_ms").
  std::string name;

  bool operator==(const SourceField&) const = default;
};

// A TimestampConverterAdv: `field` (a column, or a source field) written
// as `format` in UTC.
struct FieldConversion {
  std::string field;
  DateFormat format;

  bool operator==(const FieldConversion&) const = default;
};

struct TableRules {
  IdMode id = IdMode::kKey;
  ValueMode values = ValueMode::kNative;
  std::vector<SourceField> source_fields;
  // The first of these columns that is set (not null, not "") is copied to
  // `timestamp_gen_field`, as written in the document; none set, no field.
  std::vector<std::string> timestamp_gen{"upd_dtimes", "cr_dtimes"};
  std::string timestamp_gen_field = "@timestamp_gen";
  std::vector<FieldConversion> conversions;
  RemoveMode deletes = RemoveMode::kDelete;
  RemoveMode truncates = RemoveMode::kDelete;

  // The conversion of `field`, or null.
  const DateFormat* ConversionOf(std::string_view field) const;
  bool operator==(const TableRules&) const = default;
};

// Immutable after Parse; safe to share between threads.
class DocumentRules {
 public:
  // Walcast's own shape for every table.
  DocumentRules() = default;

  // From the configuration keys below "elasticsearch." (other keys are
  // ignored). kInvalidArgument naming the key for an unknown rule, preset
  // or value, a malformed table name or date pattern.
  static Result<DocumentRules> Parse(const std::map<std::string, std::string>& keys);

  // The rules of table `schema`.`table`.
  const TableRules& For(std::string_view schema, std::string_view table) const;
  const TableRules& defaults() const { return defaults_; }
  // The tables with rules of their own, by "schema.table".
  const std::map<std::string, TableRules, std::less<>>& tables() const { return tables_; }

 private:
  TableRules defaults_;
  std::map<std::string, TableRules, std::less<>> tables_;
};

// The keys (below "elasticsearch.") that preset=mosip stands for: one
// "table.<schema>.<table>.*" group per table of MOSIP's 14 Elasticsearch
// sink connectors (mosip/reporting kafka-connect/ref_connector_api_calls).
const std::map<std::string, std::string>& MosipPresetKeys();

}  // namespace walcast::sinks::elasticsearch
