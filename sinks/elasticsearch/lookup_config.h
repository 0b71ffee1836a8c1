#pragma once

// Declarative lookups: a field of a document filled from a row of another
// table (a join), e.g. prereg.applicant_document's `doc_type_name` from
// master.doc_type's `name` by (doc_typ_code, lang_code). docs/elasticsearch.md
// "Lookups and joins" describes the configuration keys; MosipLookupPreset
// lists the lookups MOSIP's DynamicNewField and AnonymousProfileTransform
// transforms make.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace walcast::sinks::elasticsearch {

// What the output field holds.
enum class LookupType {
  kKeyword,   // the value's text
  kGeoPoint,  // "lat,lon": written only when both parts are numbers
};

// What a key without a lookup row writes.
enum class LookupMissing {
  kOmit,  // no field (no element, for a list key)
  kNull,  // null
  kKey,   // the key's (first list) value itself, e.g. the document code
};

// One key part of the target row.
struct LookupTargetKey {
  // A column of the target row, or a value of its anonymous profile:
  // kProfileCenter ("profile.enrollmentCenterId", regprc and prereg
  // profiles) or kProfileDocuments ("profile.documents": the new side's
  // documents, else the old side's; a list, so the field is an array with
  // one element per document).
  std::string column;
  // Used when the column is missing or NULL; nullopt ("null" in the
  // configuration): such a row gets no field, as in MOSIP.
  std::optional<std::string> default_value;
};

inline constexpr std::string_view kProfileCenter = "profile.enrollmentCenterId";
inline constexpr std::string_view kProfileDocuments = "profile.documents";

// One part of a value template: literal text, or a column's value.
struct LookupValuePart {
  bool is_column = false;
  std::string text;  // the literal, or the column name
};

struct LookupSpec {
  std::string name;
  // The lookup table, "schema.table" (it must be captured).
  std::string table;
  // Its columns matched against target_keys, in order.
  std::vector<std::string> key_columns;
  // The value: a column name, or a template such as "{latitude},{longitude}".
  std::vector<LookupValuePart> value;
  // "schema.table" patterns ('*' wildcard) of the tables whose documents
  // get the field.
  std::vector<std::string> target_tables;
  std::vector<LookupTargetKey> target_keys;
  std::string output_field;
  LookupType type = LookupType::kKeyword;
  LookupMissing missing = LookupMissing::kOmit;

  // The columns the value template reads.
  std::vector<std::string> ValueColumns() const;
  // Whether a target key reads a list (kProfileDocuments).
  bool HasListKey() const;
};

// Parses "{a},{b}" (or a bare column name "a") into parts. kInvalidArgument
// for an empty template or an unclosed or empty brace.
Result<std::vector<LookupValuePart>> ParseValueTemplate(std::string_view text);

// The lookups MOSIP's connectors make (kafka-connect/ref_connector_api_calls):
// doc_type_name, regcntr_name, documents_names and
// registrationCenterGeoLocation; see docs/elasticsearch.md.
std::vector<LookupSpec> MosipLookupPreset();

// Builds the lookups from configuration values keyed without their
// "elasticsearch." prefix: "lookup.preset" (none | mosip), "lookups" (comma
// list of names) and "lookup.<name>.<setting>" for table, key.columns,
// value, target.tables, target.key.columns, target.key.defaults,
// output.field, type (keyword | geo_point) and missing (omit | null | key).
// A preset's lookup may be changed setting by setting. kInvalidArgument,
// naming the key, for an unknown setting or name ("lookup.max.rows" is
// left to the caller), a missing required
// setting, or key lists of different lengths.
Result<std::vector<LookupSpec>> ParseLookups(const std::map<std::string, std::string>& values);

}  // namespace walcast::sinks::elasticsearch
