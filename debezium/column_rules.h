#pragma once

// Debezium's column options, as its ColumnNameFilter and ColumnMappers
// apply them to a table's value (docs/debezium-config.md, "Column
// options"):
//   column.include.list / column.exclude.list: which columns the value
//     holds (the key always holds every key column, as in Debezium);
//   column.truncate.to.<N>.chars, column.mask.with.<N>.chars,
//   column.propagate.source.type, datatype.propagate.source.type,
//   column.mask.hash.<algorithm>.with.salt.<salt> and its .v2. variant:
//     one mapper per column, the first rule that matches in that order
//     (Debezium's ColumnMappers keep a list and take the first match).
// Column regexes match "schema.table.column" (datatype ones
// "schema.table.<type name>") whole and case-insensitively.

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "debezium/column_hash.h"

namespace walcast::debezium {

// A comma list of regular expressions as Debezium reads one (Strings.
// setOfRegex): split on commas not escaped by a backslash, each compiled
// case-insensitively and matched against the whole text.
class RegexList {
 public:
  RegexList() = default;
  // kInvalidArgument naming `key` for a bad expression.
  static Result<RegexList> Parse(std::string_view key, std::string_view list);

  bool empty() const { return regexes_.empty(); }
  bool Matches(const std::string& text) const;

 private:
  std::vector<std::regex> regexes_;
};

enum class MapperKind { kTruncate, kMask, kPropagateSourceType, kHash };

struct ColumnMapperRule {
  MapperKind kind = MapperKind::kMask;
  RegexList columns;
  bool by_datatype = false;  // datatype.propagate.source.type
  int chars = 0;             // kTruncate, kMask: N
  std::shared_ptr<const ColumnHasher> hasher;  // kHash
};

struct ColumnRulesOptions {
  RegexList include;  // column.include.list
  RegexList exclude;  // column.exclude.list
  // In Debezium's order: truncate, mask, propagate (by column, then by
  // datatype), hash v1, hash v2.
  std::vector<ColumnMapperRule> mappers;

  bool empty() const { return include.empty() && exclude.empty() && mappers.empty(); }
};

// Parses the column keys out of `keys` (every config key with its value):
// column.include.list, column.exclude.list, column.propagate.source.type,
// datatype.propagate.source.type and the column.truncate.to.*,
// column.mask.with.* and column.mask.hash.* families. kInvalidArgument
// naming the key for a malformed name or value, an unknown hash algorithm,
// or both column lists set.
Result<ColumnRulesOptions> ParseColumnRules(
    const std::vector<std::pair<std::string, std::string>>& keys);

// What Debezium knows of a column's source type: the JDBC driver's type
// name, length and scale (pgjdbc's TypeInfoCache rules), read from the
// catalog for snapshot rows and from pgoutput's Relation message for
// streamed ones; they agree for the types walcast maps.
struct SourceColumnType {
  std::string name;  // e.g. "varchar", "int4", "serial", "_text"
  int length = -1;   // -1: unset
  int scale = 0;
  // A JDBC CHAR or VARCHAR column (text, varchar, bpchar, "char", name,
  // enums, domains over them): the only ones masking and hashing change.
  bool character = false;
};
SourceColumnType SourceTypeOf(const Column& column);

// What happens to one column of the value.
struct ColumnMapping {
  enum class Kind { kNone, kTruncate, kMask, kHash };
  bool included = true;
  Kind kind = Kind::kNone;
  std::string mask;        // kMask: N '*'
  int truncate_chars = 0;  // kTruncate: N; kHash: the column's length, 0 for none
  std::shared_ptr<const ColumnHasher> hasher;
  // Appended to the field schema's parameters, in order.
  std::vector<std::pair<std::string, std::string>> parameters;
};

// The mapping of `column` of `schema`.`table` under `options`.
ColumnMapping MapColumn(const ColumnRulesOptions& options, const std::string& schema,
                        const std::string& table, const Column& column);

// `datum` of `column` with `mapping` applied to its PostgreSQL text, for
// outputs other than Debezium's records (Elasticsearch documents): a mask
// replaces any value, NULL too; a hash replaces a non-null value; a
// truncation cuts the text of character, json, jsonb and xml columns (to N
// UTF-16 units) and bytea (to N bytes), and leaves other types whole. An
// unchanged TOAST value stays unchanged.
Datum MapDatum(const ColumnMapping& mapping, const Column& column, const Datum& datum);

// The first `chars` UTF-16 code units of the UTF-8 text `s` (Java's
// String.substring(0, chars)); a surrogate pair cut in two loses both
// halves.
std::string TruncateUtf16(std::string_view s, size_t chars);

}  // namespace walcast::debezium
