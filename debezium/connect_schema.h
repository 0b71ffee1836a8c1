#pragma once

// Kafka Connect schemas as Debezium builds them, and their JSON form as
// Kafka's JsonConverter writes it (asJsonSchema): keys in the order type,
// fields/items, optional, name, version, doc, parameters, default, and for a
// struct field its "field" name last. The JSON is rendered once per table
// and reused for every record.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace walcast::debezium {

enum class ConnectType {
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFloat32,
  kFloat64,
  kBoolean,
  kString,
  kBytes,
  kArray,
  kMap,
  kStruct,
};

const char* ConnectTypeName(ConnectType type);

struct ConnectField;

struct ConnectSchema {
  ConnectType type = ConnectType::kString;
  bool optional = false;
  std::string name;  // empty: unset
  std::optional<int> version;
  std::string doc;  // empty: unset
  // In insertion order, as Connect's SchemaBuilder keeps them.
  std::vector<std::pair<std::string, std::string>> parameters;
  // The default value already rendered as JSON ("0", "\"x\"", "false").
  std::optional<std::string> default_json;
  std::vector<ConnectField> fields;  // kStruct
  std::vector<ConnectSchema> items;  // kArray: exactly one element

  static ConnectSchema Of(ConnectType type, bool optional, std::string name = {},
                          std::optional<int> version = std::nullopt);
};

struct ConnectField {
  std::string name;
  ConnectSchema schema;
};

// Appends the JsonConverter rendering of `schema` to `out`.
void AppendSchemaJson(const ConnectSchema& schema, std::string* out);

// Appends `s` as a JSON string literal with Jackson's escaping: '"', '\\',
// \b \t \n \f \r, other control characters as \u00XX (upper-case hex),
// a character outside the BMP as its escaped UTF-16 surrogate pair
// (\uD83D\uDE00); everything else, including other non-ASCII UTF-8, as is.
//
// Jackson's escaping is the specification here: Kafka's JsonConverter
// writes Debezium's records with Jackson, and walcast must match its bytes.
// This is not RapidJSON's Writer because schemas and the small fixed
// records (heartbeats, transaction metadata) are built once by appending
// to a std::string, keys in JsonConverter's order and already-rendered
// defaults spliced in as they are, where a Writer would need its own
// buffer and RawValue for every splice. Payloads, written value by value,
// use RapidJSON's Writer (JsonWriter, column_codec.h), whose escaping is
// the same; connect_schema_test.cc checks the two agree on every byte.
// Connect's header text (connect_string.h) is not JSON and quotes by its
// own rule.
void AppendJsonString(std::string_view s, std::string* out);

}  // namespace walcast::debezium
