#pragma once

// Raw documents: one Elasticsearch document per table row, in the shape
// MOSIP's Kibana dashboards read (../shared/reference/metrics.md §4), so a
// MOSIP user can point the existing "ID Issuance Profile" and "Registration
// Profile" dashboards at walcast's indices. docs/elasticsearch.md §4
// describes the shapes field by field.
//
// Every row becomes a flat object of its columns, typed by column type:
// integers and numerics as JSON numbers, booleans as booleans, timestamp
// and timestamptz as "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" in UTC (MOSIP's
// TimestampConverterAdv), json/jsonb as embedded JSON, bytea as base64,
// arrays as JSON arrays, NULL as null, everything else as its text. Rows
// with an `upd_dtimes` or `cr_dtimes` column also get `@timestamp_gen`
// (upd_dtimes when set, else cr_dtimes: MOSIP's TimestampSelector).
//
// Rows of anonymous-profile tables (RawDocumentOptions::profile_tables)
// get their `profile` column as an object with MOSIP's derived fields
// (anonymous-profile.md §4): idrepo and Annexure A as {processName, date,
// updateId, oldProfile, newProfile}, regprc and prereg flat; each snapshot
// with ageGroup, location.hierarchyN, the channel category and
// biometricInfo collapsed per modality. Rows of lookup targets get their
// lookup fields (RawDocumentOptions::lookups; with MOSIP's preset,
// `documents_names` and `registrationCenterGeoLocation` of profile rows).
//
// Per-table rules (RawDocumentOptions::rules, document_rules.h) change
// the _id (Kafka Connect's key JSON), add Debezium's source fields, pick
// @timestamp_gen's columns, format temporal fields and write the other
// columns as Debezium does, so documents match those of a Kafka Connect
// Elasticsearch sink with MOSIP's transforms (docs/elasticsearch.md §4.6).

#include <rapidjson/stringbuffer.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "debezium/encoder.h"
#include "mosip/profile.h"
#include "mosip/update_id.h"
#include "sinks/elasticsearch/column_json.h"
#include "sinks/elasticsearch/profile_json.h"
#include "sinks/elasticsearch/raw_document_options.h"

namespace walcast::sinks::elasticsearch {

// Whether "schema.table" matches `pattern` ('*' is any run of characters).
bool GlobMatch(std::string_view pattern, std::string_view text);

// One row's document. Reused across calls: Build overwrites every field.
struct RawDocument {
  // The _id: the primary key's text (see RawDocumentBuilder::BuildId).
  std::string id;
  // The _source, one JSON object; empty when Build failed.
  std::string source;
  // The row is in a profile table. The fields below are for profile rows.
  bool is_profile = false;
  mosip::ProfileShape shape = mosip::ProfileShape::kIdRepo;
  // MOSIP's profile.updateId of the new side (idrepo and Annexure A with a
  // new side; empty otherwise), and of the old side: on an update, MOSIP
  // deletes the document whose profile.updateId equals superseded_update_id.
  std::string update_id;
  std::string superseded_update_id;
  // Why the profile was rejected (kNone unless Build returned kRejected for
  // the profile).
  mosip::ProfileError profile_error = mosip::ProfileError::kNone;
  // Some columns were unchanged TOASTed values the server did not send
  // (an UPDATE that left them alone, without REPLICA IDENTITY FULL): they
  // are missing from `source`, as is `profile` if it was one of them.
  // Indexing `source` whole would drop them from the stored document: the
  // sink sends it as a partial update instead.
  bool partial = false;
};

// Turns rows into raw documents. Owns a profile parser and a JSON writer
// whose buffers are reused, so a warm builder allocates little per row.
// Never logs row or profile contents. Not thread-safe: one builder per
// thread (the sink calls it on the reader thread).
class RawDocumentBuilder {
 public:
  explicit RawDocumentBuilder(RawDocumentOptions options = {});
  RawDocumentBuilder(const RawDocumentBuilder&) = delete;
  RawDocumentBuilder& operator=(const RawDocumentBuilder&) = delete;

  // Builds the document of `row` (a full tuple of `relation`: ChangeEvent's
  // `after`). `commit_time_us` (microseconds since the Unix epoch) dates a
  // profile that has neither a `date` nor a cr_dtimes; 0 if unknown.
  //
  // Returns OK with *out filled, or:
  //  - kRejected: the row cannot become a document and belongs in the
  //    dead-letter index; the message says why (never quoting the row).
  //    Either the profile was refused by the parser (out->profile_error
  //    says why; see mosip::ProfileParser::Parse), or a value is not
  //    valid UTF-8, or the key is unusable (see BuildId). out->id is set
  //    whenever the key is usable, and nothing is indexed for the row: the
  //    sink should dead-letter it and delete out->id (versioned), so an
  //    earlier version of the row does not linger.
  //  - kInvalidArgument: the relation cannot have raw documents (no
  //    primary key; see BuildId), or `row` does not match it.
  //
  // The table's rules apply, without the change: no source fields, and
  // kInvalidArgument for a table whose _id is IdMode::kConnectKeyJson
  // (BuildChange has what it needs).
  Status Build(const Relation& relation, const Tuple& row, int64_t commit_time_us,
               RawDocument* out);

  // Build for the change `event` of `txn`: `row` is event.after (or the
  // after row completed from the old one). The rules' source fields come
  // from the change (commit time, event.lsn, event.op), the
  // kConnectKeyJson _id from event.relation. Errors as Build, and
  // kRejected for a key value Debezium cannot convert.
  Status BuildChange(const TransactionInfo& txn, const ChangeEvent& event, const Tuple& row,
                     RawDocument* out);

  // The _id of `row` (full, or the key-only old row) of the change's table
  // under its rules: BuildId, or the key JSON. Errors as BuildId, and
  // kRejected for a key value Debezium cannot convert.
  Status BuildChangeId(const TransactionInfo& txn, const ChangeEvent& event, const Tuple& row,
                       std::string* id);

  // The _id of a row from its key columns, so deletes can use the old
  // tuple even when it holds the key only (`before` with
  // before_is_key_only). The key is the relation's primary key (else, with
  // REPLICA IDENTITY DEFAULT or INDEX, the replica identity columns). One
  // column: its text as is (the UUID of MOSIP's tables). Several: each
  // column's text with '\' and '|' escaped by a '\', joined by '|' — so
  // ("a|b", "c") is "a\|b|c" and never collides with ("a", "b|c").
  // kInvalidArgument when the relation has no key; kRejected when a key
  // column is NULL or unchanged TOAST, or the id exceeds Elasticsearch's
  // 512 bytes.
  static Status BuildId(const Relation& relation, const Tuple& row, std::string* id);

  // The columns BuildId keys on: the primary key, else (REPLICA IDENTITY
  // DEFAULT or INDEX) the replica identity columns, filled into *scratch.
  // Empty when the relation has no key: its rows cannot have an _id.
  static const std::vector<size_t>& KeyColumns(const Relation& relation,
                                               std::vector<size_t>* scratch);

  // Whether rows of `relation` get the profile treatment.
  bool IsProfileTable(const Relation& relation) const;

  const RawDocumentOptions& options() const { return options_; }

 private:
  // What Build and BuildChange know of the row's change.
  struct RowContext {
    const Relation& relation;
    const TableRules& rules;
    int64_t commit_time_us = 0;
    // Null for Build: no kConnectKeyJson _id, no source fields.
    const TransactionInfo* txn = nullptr;
    const ChangeEvent* event = nullptr;
  };
  // Where a field's value lies in buffer_, for @timestamp_gen.
  struct FieldSpan {
    std::string_view name;  // borrowed from the relation or the rules
    size_t begin = 0;
    size_t end = 0;
  };

  Status BuildRow(const RowContext& row_context, const Tuple& row, RawDocument* out);
  // The _id under the table's rules.
  Status IdOf(const RowContext& context, const Tuple& row, std::string* id);
  // Writes the rules' source fields.
  void WriteSourceFields(const RowContext& context);
  // Copies the first set candidate of the rules' timestamp_gen.
  void WriteTimestampGen(const RowContext& context, const Tuple& row);
  // Records where the value written since `begin` (just after its key)
  // lies.
  void NoteField(std::string_view name, size_t begin);

  // Build's steps, in order.
  // Parses the row's profile into profile_ when the relation is a profile
  // table and the profile column has a value, with the update ids; sets
  // *parsed_column to that column (-1: none). kRejected for a profile the
  // parser refuses.
  Status ParseProfile(const Relation& relation, const Tuple& row, RawDocument* out,
                      int* parsed_column);
  // Writes every column the server sent as a field (profile_ for
  // `profile_column`); kRejected for text that is not valid UTF-8.
  Status WriteColumns(const RowContext& context, const Tuple& row, int profile_column,
                      int64_t fallback_time_us, RawDocument* out);

  const RawDocumentOptions options_;
  rapidjson::StringBuffer buffer_;
  JsonWriter writer_;
  ColumnJsonWriter columns_;
  ProfileJsonWriter profiles_;
  mosip::ProfileParser parser_;
  mosip::Profile profile_;
  mosip::UpdateIdEncoder update_ids_;
  std::string scratch_;
  // Debezium's key and values (kConnectKeyJson, kDebezium): the encoder
  // the Kafka sink uses, with options_.debezium.
  debezium::DebeziumEncoder debezium_;
  std::vector<FieldSpan> spans_;
  // kDebezium codecs for Build, which has no relation to cache them by.
  std::vector<std::optional<debezium::ColumnCodec>> local_codecs_;
  // The column options' mappings for Build, likewise.
  std::vector<debezium::ColumnMapping> local_mappings_;
};

}  // namespace walcast::sinks::elasticsearch
