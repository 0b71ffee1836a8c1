#pragma once

// The lookup fields of one document: from its row while the document is
// built (WriteLookupFields), and from its stored _source when a late or
// changed lookup row corrects it (sinks/elasticsearch/lookup_correction.h).
// Both go through ResolveLookup, so a correction writes exactly what a
// document built now would hold.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "mosip/profile.h"
#include "sinks/elasticsearch/column_json.h"
#include "sinks/elasticsearch/lookup_store.h"

namespace walcast::sinks::elasticsearch {

// A target key's value in one document: one value, a list
// (profile.documents), or none (missing or NULL: its default applies).
struct LookupKeyInput {
  std::optional<std::string> scalar;
  std::optional<std::vector<std::string>> list;
};

// A lookup field's content.
struct LookupFieldValue {
  enum class Kind { kAbsent, kNull, kString, kArray };
  Kind kind = Kind::kAbsent;
  std::string text;                                  // kString
  std::vector<std::optional<std::string>> elements;  // kArray (nullopt: null)

  bool operator==(const LookupFieldValue&) const = default;
};

// The field of lookup `lookup` for a document whose target keys hold
// `inputs` (one per target key). A key without a value takes its default;
// without a default the field is absent (as MOSIP's DynamicNewField). A
// key without a lookup row follows the lookup's `missing`; a geo_point
// value whose parts are not both numbers counts as missing.
LookupFieldValue ResolveLookup(const LookupStore& store, size_t lookup,
                               const std::vector<LookupKeyInput>& inputs);

// Writes `value` (not kAbsent) as a JSON value.
void WriteLookupValue(JsonWriter& writer, const LookupFieldValue& value);

// Whether documents of "schema.table" get lookup `spec`'s field.
bool IsLookupTarget(const LookupSpec& spec, std::string_view table);

// Writes, as members of the open object, the field of every lookup whose
// targets include the row's table and whose keys the row holds. `profile`
// is the row's parsed anonymous profile, or null. A key column that is an
// unchanged TOASTed value leaves the field out (a partial update keeps the
// stored one). Thread: the caller's; reads `store` under its lock.
void WriteLookupFields(JsonWriter& writer, const LookupStore& store, const Relation& relation,
                       const Tuple& row, const mosip::Profile* profile);

// "lat,lon" with both parts decimal numbers.
bool IsGeoPointText(std::string_view text);

}  // namespace walcast::sinks::elasticsearch
