#include "sinks/elasticsearch/lookup_fields.h"

#include <charconv>

#include "core/json_writer.h"
#include "sinks/elasticsearch/raw_document.h"

namespace walcast::sinks::elasticsearch {
namespace {

bool IsNumber(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return false;
  if (text.front() == '+') text.remove_prefix(1);
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

// The value of one key in the store, checked for its type.
std::optional<std::string> FindValue(const LookupStore& store, size_t lookup,
                                     const std::vector<std::string>& key) {
  std::optional<std::string> value = store.Find(lookup, key);
  if (value && store.specs()[lookup].type == LookupType::kGeoPoint && !IsGeoPointText(*value)) {
    return std::nullopt;
  }
  return value;
}

// The input of one target key from the row.
LookupKeyInput RowInput(const LookupTargetKey& key, const Relation& relation, const Tuple& row,
                        const mosip::Profile* profile, bool* unknown) {
  LookupKeyInput input;
  if (key.column == kProfileDocuments) {
    if (profile != nullptr) {
      const mosip::IdentitySnapshot& side =
          profile->new_profile.present ? profile->new_profile : profile->old_profile;
      input.list = side.documents;
    }
    return input;
  }
  if (key.column == kProfileCenter) {
    if (profile != nullptr && profile->is_flat() && !profile->enrollment_center_id.empty()) {
      input.scalar = profile->enrollment_center_id;
    }
    return input;
  }
  for (size_t i = 0; i < relation.columns.size() && i < row.size(); ++i) {
    if (relation.columns[i].name != key.column) continue;
    if (row[i].kind == Datum::Kind::kText) input.scalar = row[i].data;
    if (row[i].kind == Datum::Kind::kUnchangedToast) *unknown = true;
    break;
  }
  return input;
}

}  // namespace

bool IsGeoPointText(std::string_view text) {
  const size_t comma = text.find(',');
  return comma != std::string_view::npos && IsNumber(text.substr(0, comma)) &&
         IsNumber(text.substr(comma + 1));
}

LookupFieldValue ResolveLookup(const LookupStore& store, size_t lookup,
                               const std::vector<LookupKeyInput>& inputs) {
  const LookupSpec& spec = store.specs()[lookup];
  LookupFieldValue out;
  std::vector<std::string> key(spec.target_keys.size());
  const std::vector<std::string>* list = nullptr;
  size_t list_at = 0;
  for (size_t i = 0; i < spec.target_keys.size() && i < inputs.size(); ++i) {
    if (inputs[i].list) {
      list = &*inputs[i].list;
      list_at = i;
    } else if (inputs[i].scalar) {
      key[i] = *inputs[i].scalar;
    } else if (spec.target_keys[i].default_value) {
      key[i] = *spec.target_keys[i].default_value;
    } else {
      return out;  // a key without value or default: no field
    }
  }
  if (inputs.size() < spec.target_keys.size()) return out;
  if (spec.HasListKey() && list == nullptr) return out;
  if (list == nullptr) {
    std::optional<std::string> value = FindValue(store, lookup, key);
    if (value) {
      out.kind = LookupFieldValue::Kind::kString;
      out.text = std::move(*value);
    } else if (spec.missing == LookupMissing::kNull) {
      out.kind = LookupFieldValue::Kind::kNull;
    } else if (spec.missing == LookupMissing::kKey) {
      out.kind = LookupFieldValue::Kind::kString;
      out.text = key.front();
    }
    return out;
  }
  out.kind = LookupFieldValue::Kind::kArray;
  for (const std::string& element : *list) {
    key[list_at] = element;
    std::optional<std::string> value = FindValue(store, lookup, key);
    if (value) {
      out.elements.push_back(std::move(value));
    } else if (spec.missing == LookupMissing::kNull) {
      out.elements.emplace_back();
    } else if (spec.missing == LookupMissing::kKey) {
      out.elements.emplace_back(element);
    }
  }
  return out;
}

void WriteLookupValue(JsonWriter& writer, const LookupFieldValue& value) {
  switch (value.kind) {
    case LookupFieldValue::Kind::kAbsent:
    case LookupFieldValue::Kind::kNull:
      writer.Null();
      return;
    case LookupFieldValue::Kind::kString:
      json::String(writer, value.text);
      return;
    case LookupFieldValue::Kind::kArray:
      writer.StartArray();
      for (const std::optional<std::string>& element : value.elements) {
        if (element) {
          json::String(writer, *element);
        } else {
          writer.Null();
        }
      }
      writer.EndArray();
      return;
  }
}

bool IsLookupTarget(const LookupSpec& spec, std::string_view table) {
  for (const std::string& pattern : spec.target_tables) {
    if (GlobMatch(pattern, table)) return true;
  }
  return false;
}

void WriteLookupFields(JsonWriter& writer, const LookupStore& store, const Relation& relation,
                       const Tuple& row, const mosip::Profile* profile) {
  const std::string table = relation.schema + "." + relation.name;
  std::vector<LookupKeyInput> inputs;
  for (size_t l = 0; l < store.specs().size(); ++l) {
    const LookupSpec& spec = store.specs()[l];
    if (!IsLookupTarget(spec, table)) continue;
    inputs.clear();
    bool unknown = false;
    for (const LookupTargetKey& key : spec.target_keys) {
      inputs.push_back(RowInput(key, relation, row, profile, &unknown));
    }
    if (unknown) continue;
    const LookupFieldValue value = ResolveLookup(store, l, inputs);
    if (value.kind == LookupFieldValue::Kind::kAbsent) continue;
    json::Key(writer, spec.output_field);
    WriteLookupValue(writer, value);
  }
}

}  // namespace walcast::sinks::elasticsearch
