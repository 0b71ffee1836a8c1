#pragma once

// Projection definitions (docs/projections.md): which captured table feeds
// which keyed projection, and how each field is read from a row — a column,
// or a JSON path inside a JSON/JSONB document column. Loaded once at start;
// immutable after.
//
// {
//   "format": 1,
//   "projections": [
//     {"name": "program_enrollment", "table": "public.program_users",
//      "document": "doc",                       // the JSON column `$` paths read
//      "key": ["program_id", "user_id"],        // fields; a row missing one is a dead letter
//      "soft_delete": "$.deleted",              // true: the entry is removed
//      "fields": {"program_id": "$.programId", "status": "status", ...},
//      "maps": {"user_locations": {"path": "$.userProfile.userLocations[*]",
//                                  "type": "type", "values": ["name", "id", "code"]}},
//      "encrypted": ["email"],                  // checked with the configured key
//      "outputs": {"elasticsearch_index": "program_enrollment",   // entries as documents
//                  "kafka_table": "projections.program_enrollment"}}  // as Debezium records
//   ]
// }
//
// Thread: immutable after load; any thread.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "projections/json_path.h"

namespace walcast::projections {

// Where one field's value comes from.
struct FieldSource {
  std::string name;              // the projection's field name
  std::string column;            // a column of the table, or
  std::optional<JsonPath> path;  // a path inside the document column
};

// A list of objects turned into `<type>_<value>` entries, e.g. the user's
// locations {type: "district", name: "Pune"} into district_name = Pune.
struct MapSource {
  std::string name;  // the map's name; entries are stored as "<name>.<type>_<value>"
  JsonPath path;     // reaches each object
  std::string type_member;
  std::vector<std::string> value_members;
};

struct ProjectionDefinition {
  std::string name;
  std::string table;     // "schema.table"
  std::string document;  // the JSON column `$` paths read ("" when no field uses one)
  std::vector<std::string> key;
  std::vector<FieldSource> fields;
  std::vector<MapSource> maps;
  std::optional<FieldSource> soft_delete;
  std::vector<std::string> encrypted;
  // Where the entries are also written ("outputs"; docs/projections.md,
  // "Outputs"); "" for none.
  std::string elasticsearch_index;  // one document per entry, _id from the key
  std::string kafka_table;          // "schema.table": the virtual table of its Debezium records

  const FieldSource* Field(std::string_view field) const;
  bool HasOutput() const { return !elasticsearch_index.empty() || !kafka_table.empty(); }
};

struct ProjectionSet {
  std::vector<ProjectionDefinition> projections;
  const ProjectionDefinition* Find(std::string_view name) const;
  // The projections a table feeds.
  std::vector<const ProjectionDefinition*> ForTable(std::string_view table) const;
  // A stable digest of the definitions, kept with the state.
  std::string fingerprint;
};

// Parses a definition file's text. kInvalidArgument names the projection and
// member at fault.
Result<ProjectionSet> ParseProjectionDefinitions(std::string_view json);
// Reads and parses a file; kNotFound when it cannot be read.
Result<ProjectionSet> LoadProjectionDefinitions(const std::string& path);

}  // namespace walcast::projections
