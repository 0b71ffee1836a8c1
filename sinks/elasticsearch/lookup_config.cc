#include "sinks/elasticsearch/lookup_config.h"

#include <algorithm>
#include <utility>

#include "core/config.h"

namespace walcast::sinks::elasticsearch {
namespace {

constexpr std::string_view kPrefix = "lookup.";

std::string KeyName(std::string_view name, std::string_view setting) {
  return "elasticsearch.lookup." + std::string(name) + "." + std::string(setting);
}

LookupSpec MosipSpec(std::string name, std::string table, std::vector<std::string> key_columns,
                     std::string_view value, std::vector<std::string> target_tables,
                     std::vector<LookupTargetKey> target_keys) {
  LookupSpec spec;
  spec.output_field = name;
  spec.name = std::move(name);
  spec.table = std::move(table);
  spec.key_columns = std::move(key_columns);
  spec.value = *ParseValueTemplate(value);
  spec.target_tables = std::move(target_tables);
  spec.target_keys = std::move(target_keys);
  return spec;
}

// Applies one "lookup.<name>.<setting>" value to *spec.
Status ApplySetting(std::string_view setting, const std::string& value, LookupSpec* spec,
                    std::vector<std::optional<std::string>>* defaults) {
  const std::string key = KeyName(spec->name, setting);
  if (setting == "table") {
    spec->table = Trim(value);
  } else if (setting == "key.columns") {
    spec->key_columns = SplitList(value);
  } else if (setting == "value") {
    Result<std::vector<LookupValuePart>> parts = ParseValueTemplate(value);
    if (!parts.ok()) {
      return Status::InvalidArgument("config key '" + key + "': " + parts.status().message());
    }
    spec->value = std::move(*parts);
  } else if (setting == "target.tables") {
    spec->target_tables = SplitList(value);
  } else if (setting == "target.key.columns") {
    spec->target_keys.clear();
    for (std::string& column : SplitList(value)) spec->target_keys.push_back({column, {}});
  } else if (setting == "target.key.defaults") {
    defaults->clear();
    // Not SplitList: an empty default ("a,,b") is a value.
    std::string_view rest = value;
    while (true) {
      const size_t comma = rest.find(',');
      const std::string item = Trim(rest.substr(0, comma));
      defaults->push_back(item == "null" ? std::nullopt : std::optional<std::string>(item));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  } else if (setting == "output.field") {
    spec->output_field = Trim(value);
  } else if (setting == "type") {
    const std::string type = LowerAscii(Trim(value));
    if (type != "keyword" && type != "geo_point") {
      return Status::InvalidArgument("config key '" + key + "': '" + value +
                                     "' is not keyword or geo_point");
    }
    spec->type = type == "keyword" ? LookupType::kKeyword : LookupType::kGeoPoint;
  } else if (setting == "missing") {
    const std::string missing = LowerAscii(Trim(value));
    if (missing == "omit") {
      spec->missing = LookupMissing::kOmit;
    } else if (missing == "null") {
      spec->missing = LookupMissing::kNull;
    } else if (missing == "key") {
      spec->missing = LookupMissing::kKey;
    } else {
      return Status::InvalidArgument("config key '" + key + "': '" + value +
                                     "' is not omit, null or key");
    }
  } else {
    return Status::InvalidArgument("config key '" + key + "' is not a lookup setting");
  }
  return Status::Ok();
}

Status Validate(const LookupSpec& spec) {
  const auto missing = [&](std::string_view setting) {
    return Status::InvalidArgument("config key '" + KeyName(spec.name, setting) +
                                   "' is required for lookup '" + spec.name + "'");
  };
  if (spec.table.empty()) return missing("table");
  if (spec.table.find('.') == std::string::npos) {
    return Status::InvalidArgument("config key '" + KeyName(spec.name, "table") +
                                   "': expected schema.table, got '" + spec.table + "'");
  }
  if (spec.key_columns.empty()) return missing("key.columns");
  if (spec.value.empty()) return missing("value");
  if (spec.target_tables.empty()) return missing("target.tables");
  if (spec.target_keys.empty()) return missing("target.key.columns");
  if (spec.output_field.empty()) return missing("output.field");
  if (spec.target_keys.size() != spec.key_columns.size()) {
    return Status::InvalidArgument("config key '" + KeyName(spec.name, "target.key.columns") +
                                   "' lists " + std::to_string(spec.target_keys.size()) +
                                   " columns, '" + KeyName(spec.name, "key.columns") + "' " +
                                   std::to_string(spec.key_columns.size()));
  }
  int lists = 0;
  for (const LookupTargetKey& key : spec.target_keys) {
    if (key.column.rfind("profile.", 0) == 0 && key.column != kProfileCenter &&
        key.column != kProfileDocuments) {
      return Status::InvalidArgument(
          "config key '" + KeyName(spec.name, "target.key.columns") + "': '" + key.column +
          "' is not " + std::string(kProfileCenter) + " or " + std::string(kProfileDocuments));
    }
    if (key.column == kProfileDocuments) ++lists;
  }
  if (lists > 1) {
    return Status::InvalidArgument("config key '" + KeyName(spec.name, "target.key.columns") +
                                   "': at most one list key (" + std::string(kProfileDocuments) +
                                   ")");
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::string> LookupSpec::ValueColumns() const {
  std::vector<std::string> columns;
  for (const LookupValuePart& part : value) {
    if (part.is_column) columns.push_back(part.text);
  }
  return columns;
}

bool LookupSpec::HasListKey() const {
  return std::any_of(target_keys.begin(), target_keys.end(),
                     [](const LookupTargetKey& k) { return k.column == kProfileDocuments; });
}

Result<std::vector<LookupValuePart>> ParseValueTemplate(std::string_view text) {
  std::vector<LookupValuePart> parts;
  const std::string trimmed = Trim(text);
  if (trimmed.empty()) return Status::InvalidArgument("the value is empty");
  if (trimmed.find('{') == std::string::npos && trimmed.find('}') == std::string::npos) {
    parts.push_back({true, trimmed});
    return parts;
  }
  std::string_view rest = text;
  while (!rest.empty()) {
    const size_t open = rest.find('{');
    const size_t close_stray = rest.find('}');
    if (close_stray < open) return Status::InvalidArgument("a '}' without its '{'");
    if (open == std::string_view::npos) {
      parts.push_back({false, std::string(rest)});
      break;
    }
    if (open > 0) parts.push_back({false, std::string(rest.substr(0, open))});
    const size_t close = rest.find('}', open);
    if (close == std::string_view::npos) return Status::InvalidArgument("an unclosed '{'");
    const std::string column = Trim(rest.substr(open + 1, close - open - 1));
    if (column.empty()) return Status::InvalidArgument("an empty '{}'");
    parts.push_back({true, column});
    rest.remove_prefix(close + 1);
  }
  return parts;
}

std::vector<LookupSpec> MosipLookupPreset() {
  std::vector<LookupSpec> preset;
  // 31.prereg_applicant_document.api, join01.
  preset.push_back(MosipSpec("doc_type_name", "master.doc_type", {"code", "lang_code"}, "name",
                             {"prereg.applicant_document"},
                             {{"doc_typ_code", std::nullopt}, {"lang_code", "eng"}}));
  // 32.prereg_reg_appointment.api and 33.prereg_reg_available_slot.api, join01.
  preset.push_back(MosipSpec("regcntr_name", "master.registration_center", {"id"}, "name",
                             {"prereg.reg_appointment", "prereg.reg_available_slot"},
                             {{"regcntr_id", std::nullopt}}));
  // 59.regprc_anon_profile.api join01, 60.idrepo_anon_profile.api join01/join02.
  LookupSpec documents =
      MosipSpec("documents_names", "master.doc_type", {"code", "lang_code"}, "name",
                {"regprc.anonymous_profile", "idrepo.anonymous_profile"},
                {{std::string(kProfileDocuments), std::nullopt}, {"lang_code", "eng"}});
  documents.missing = LookupMissing::kKey;
  preset.push_back(std::move(documents));
  // 59.regprc_anon_profile.api latitudeJoin + longitudeJoin, then
  // AnonymousProfileTransform's processRegistrationCenter.
  LookupSpec geo =
      MosipSpec("registrationCenterGeoLocation", "master.registration_center", {"id", "lang_code"},
                "{latitude},{longitude}", {"regprc.anonymous_profile"},
                {{std::string(kProfileCenter), std::nullopt}, {"lang_code", "eng"}});
  geo.type = LookupType::kGeoPoint;
  preset.push_back(std::move(geo));
  return preset;
}

Result<std::vector<LookupSpec>> ParseLookups(const std::map<std::string, std::string>& values) {
  std::vector<LookupSpec> specs;
  std::vector<std::vector<std::optional<std::string>>> defaults;
  const auto find = [&](std::string_view name) -> LookupSpec* {
    for (LookupSpec& spec : specs) {
      if (spec.name == name) return &spec;
    }
    return nullptr;
  };
  const auto preset = values.find("lookup.preset");
  if (preset != values.end()) {
    const std::string which = LowerAscii(Trim(preset->second));
    if (which == "mosip") {
      specs = MosipLookupPreset();
    } else if (which != "none" && !which.empty()) {
      return Status::InvalidArgument("config key 'elasticsearch.lookup.preset': '" +
                                     preset->second + "' is not none or mosip");
    }
  }
  defaults.resize(specs.size());
  if (const auto names = values.find("lookups"); names != values.end()) {
    for (const std::string& name : SplitList(names->second)) {
      if (name.find('.') != std::string::npos) {
        return Status::InvalidArgument("config key 'elasticsearch.lookups': the name '" + name +
                                       "' has a '.'");
      }
      if (find(name) != nullptr) continue;
      LookupSpec spec;
      spec.name = name;
      spec.output_field = name;
      specs.push_back(std::move(spec));
      defaults.emplace_back();
    }
  }
  std::vector<bool> defaults_set(specs.size(), false);
  for (const auto& [key, value] : values) {
    if (key.rfind(kPrefix, 0) != 0 || key == "lookup.preset" || key == "lookup.max.rows") {
      continue;
    }
    const std::string_view rest = std::string_view(key).substr(kPrefix.size());
    const size_t dot = rest.find('.');
    const std::string_view name = rest.substr(0, dot);
    LookupSpec* spec = find(name);
    if (spec == nullptr || dot == std::string_view::npos) {
      return Status::InvalidArgument("config key 'elasticsearch." + key + "': no lookup '" +
                                     std::string(name) +
                                     "' in elasticsearch.lookups or the preset");
    }
    const size_t index = static_cast<size_t>(spec - specs.data());
    const std::string_view setting = rest.substr(dot + 1);
    if (setting == "target.key.defaults") defaults_set[index] = true;
    WALCAST_RETURN_IF_ERROR(ApplySetting(setting, value, spec, &defaults[index]));
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    LookupSpec& spec = specs[i];
    if (defaults_set[i]) {
      if (defaults[i].size() != spec.target_keys.size()) {
        return Status::InvalidArgument("config key '" + KeyName(spec.name, "target.key.defaults") +
                                       "' lists " + std::to_string(defaults[i].size()) +
                                       " values, '" + KeyName(spec.name, "target.key.columns") +
                                       "' " + std::to_string(spec.target_keys.size()));
      }
      for (size_t k = 0; k < defaults[i].size(); ++k) {
        spec.target_keys[k].default_value = defaults[i][k];
      }
    }
    WALCAST_RETURN_IF_ERROR(Validate(spec));
  }
  return specs;
}

}  // namespace walcast::sinks::elasticsearch
