#include "sinks/elasticsearch/document_rules.h"

#include <optional>
#include <set>
#include <utility>

#include "core/config.h"

namespace walcast::sinks::elasticsearch {
namespace {

constexpr std::string_view kDocumentPrefix = "document.";
constexpr std::string_view kTablePrefix = "table.";
constexpr std::string_view kConvertPrefix = "convert.";

// One rule's value and the key it came from (for error messages).
struct Setting {
  std::string value;
  std::string key;  // the full configuration key
};
using RuleMap = std::map<std::string, Setting, std::less<>>;

bool IsKnownRule(std::string_view rule) {
  static const std::set<std::string, std::less<>> kRules = {"id",
                                                            "values",
                                                            "source.fields",
                                                            "source.fields.prefix",
                                                            "timestamp.gen",
                                                            "timestamp.gen.field",
                                                            "null.values",
                                                            "truncate"};
  if (rule.starts_with(kConvertPrefix)) return rule.size() > kConvertPrefix.size();
  return kRules.contains(rule);
}

// The source block's fields that add.fields may name.
const std::map<std::string, SourceField::Kind, std::less<>>& SourceKinds() {
  static const std::map<std::string, SourceField::Kind, std::less<>> kKinds = {
      {"ts_ms", SourceField::Kind::kTsMs},  {"ts_us", SourceField::Kind::kTsUs},
      {"ts_ns", SourceField::Kind::kTsNs},  {"name", SourceField::Kind::kName},
      {"db", SourceField::Kind::kDb},       {"schema", SourceField::Kind::kSchema},
      {"table", SourceField::Kind::kTable}, {"txId", SourceField::Kind::kTxId},
      {"lsn", SourceField::Kind::kLsn}};
  return kKinds;
}

Status Invalid(const std::string& key, const std::string& why) {
  return Status::InvalidArgument("config key '" + key + "': " + why);
}

// The rules of one table (or the defaults), from its layers in order of
// precedence.
class Resolver {
 public:
  explicit Resolver(std::vector<const RuleMap*> layers) : layers_(std::move(layers)) {}

  const Setting* Find(std::string_view rule) const {
    for (const RuleMap* layer : layers_) {
      if (layer == nullptr) continue;
      if (auto it = layer->find(rule); it != layer->end()) return &it->second;
    }
    return nullptr;
  }

  Result<TableRules> Resolve() const {
    TableRules rules;
    if (const Setting* s = Find("id")) {
      if (s->value == "key") {
        rules.id = IdMode::kKey;
      } else if (s->value == "connect-key-json") {
        rules.id = IdMode::kConnectKeyJson;
      } else {
        return Invalid(s->key, "expected key or connect-key-json, got '" + s->value + "'");
      }
    }
    if (const Setting* s = Find("values")) {
      if (s->value == "native") {
        rules.values = ValueMode::kNative;
      } else if (s->value == "debezium") {
        rules.values = ValueMode::kDebezium;
      } else {
        return Invalid(s->key, "expected native or debezium, got '" + s->value + "'");
      }
    }
    WALCAST_ASSIGN_OR_RETURN(rules.deletes, RemoveModeOf("null.values", RemoveMode::kDelete));
    WALCAST_ASSIGN_OR_RETURN(rules.truncates, RemoveModeOf("truncate", RemoveMode::kDelete));
    if (const Setting* s = Find("timestamp.gen")) {
      rules.timestamp_gen.clear();
      if (s->value != "none") rules.timestamp_gen = SplitList(s->value);
    }
    if (const Setting* s = Find("timestamp.gen.field")) {
      if (s->value.empty()) return Invalid(s->key, "the field name is empty");
      rules.timestamp_gen_field = s->value;
    }
    WALCAST_RETURN_IF_ERROR(ParseSourceFields(&rules));
    WALCAST_RETURN_IF_ERROR(ParseConversions(&rules));
    return rules;
  }

 private:
  Result<RemoveMode> RemoveModeOf(std::string_view rule, RemoveMode fallback) const {
    const Setting* s = Find(rule);
    if (s == nullptr) return fallback;
    if (s->value == "delete") return RemoveMode::kDelete;
    if (s->value == "ignore") return RemoveMode::kIgnore;
    return Invalid(s->key, "expected delete or ignore, got '" + s->value + "'");
  }

  Status ParseSourceFields(TableRules* rules) const {
    const Setting* fields = Find("source.fields");
    if (fields == nullptr || fields->value == "none") return Status::Ok();
    const Setting* prefix_setting = Find("source.fields.prefix");
    // ExtractNewRecordState's default add.fields.prefix.
    const std::string prefix = prefix_setting != nullptr ? prefix_setting->value : "__";
    for (const std::string& entry : SplitList(fields->value)) {
      const size_t colon = entry.find(':');
      std::string name = entry.substr(0, colon);
      const std::string alias = colon == std::string::npos ? "" : entry.substr(colon + 1);
      // Bare names other than the envelope's op and ts_* are source fields,
      // as in ExtractNewRecordState.
      std::string_view field = name;
      const bool in_source = field.starts_with("source.");
      if (in_source) field.remove_prefix(7);
      SourceField out;
      if (field == "op" && !in_source) {
        out.kind = SourceField::Kind::kOp;
      } else if (field.starts_with("ts_") && !in_source) {
        return Invalid(fields->key, "the envelope's " + std::string(field) +
                                        " (processing time) is not supported; use source." +
                                        std::string(field));
      } else if (auto it = SourceKinds().find(field); it != SourceKinds().end()) {
        out.kind = it->second;
      } else {
        return Invalid(fields->key, "unsupported field '" + name +
                                        "' (op, source.ts_ms, source.ts_us, source.ts_ns, name, "
                                        "db, schema, table, txId, lsn)");
      }
      if (alias.empty()) {
        for (char& c : name) {
          if (c == '.') c = '_';
        }
      }
      out.name = prefix + (alias.empty() ? name : alias);
      rules->source_fields.push_back(std::move(out));
    }
    return Status::Ok();
  }

  Status ParseConversions(TableRules* rules) const {
    std::set<std::string, std::less<>> seen;
    for (const RuleMap* layer : layers_) {
      if (layer == nullptr) continue;
      for (auto it = layer->lower_bound(kConvertPrefix);
           it != layer->end() && std::string_view(it->first).starts_with(kConvertPrefix); ++it) {
        std::string field = it->first.substr(kConvertPrefix.size());
        if (!seen.insert(field).second) continue;  // a layer before set it
        if (it->second.value == "none") continue;
        Result<DateFormat> format = DateFormat::Parse(it->second.value);
        if (!format.ok()) return Invalid(it->second.key, format.status().message());
        rules->conversions.push_back({std::move(field), std::move(*format)});
      }
    }
    return Status::Ok();
  }

  std::vector<const RuleMap*> layers_;
};

const RuleMap* Lookup(const std::map<std::string, RuleMap, std::less<>>& tables,
                      const std::string& table) {
  auto it = tables.find(table);
  return it == tables.end() ? nullptr : &it->second;
}

// Sorts `keys` (below "elasticsearch.") into process-wide and per-table
// rules.
Status Collect(const std::map<std::string, std::string>& keys, RuleMap* document,
               std::map<std::string, RuleMap, std::less<>>* tables) {
  for (const auto& [key, value] : keys) {
    // An empty value is no setting (the configuration fills declared keys
    // with "").
    if (value.empty()) continue;
    const std::string full = "elasticsearch." + key;
    std::string_view rest = key;
    if (rest.starts_with(kDocumentPrefix)) {
      rest.remove_prefix(kDocumentPrefix.size());
      if (!IsKnownRule(rest)) return Invalid(full, "unknown document rule");
      (*document)[std::string(rest)] = {value, full};
    } else if (rest.starts_with(kTablePrefix)) {
      rest.remove_prefix(kTablePrefix.size());
      // <schema>.<table>.<rule>: PostgreSQL names with dots cannot be named.
      const size_t schema_end = rest.find('.');
      const size_t table_end =
          schema_end == std::string_view::npos ? schema_end : rest.find('.', schema_end + 1);
      if (schema_end == 0 || table_end == std::string_view::npos || table_end == schema_end + 1) {
        return Invalid(full, "expected elasticsearch.table.<schema>.<table>.<rule>");
      }
      const std::string_view rule = rest.substr(table_end + 1);
      if (!IsKnownRule(rule)) return Invalid(full, "unknown document rule");
      (*tables)[std::string(rest.substr(0, table_end))][std::string(rule)] = {value, full};
    }
  }
  return Status::Ok();
}

}  // namespace

const DateFormat* TableRules::ConversionOf(std::string_view field) const {
  for (const FieldConversion& c : conversions) {
    if (c.field == field) return &c.format;
  }
  return nullptr;
}

Result<DocumentRules> DocumentRules::Parse(const std::map<std::string, std::string>& keys) {
  RuleMap document, preset_document;
  std::map<std::string, RuleMap, std::less<>> tables, preset_tables;
  WALCAST_RETURN_IF_ERROR(Collect(keys, &document, &tables));
  if (auto it = keys.find("preset");
      it != keys.end() && it->second != "none" && !it->second.empty()) {
    if (it->second != "mosip") {
      return Invalid("elasticsearch.preset", "expected none or mosip, got '" + it->second + "'");
    }
    WALCAST_RETURN_IF_ERROR(Collect(MosipPresetKeys(), &preset_document, &preset_tables));
  }
  DocumentRules rules;
  WALCAST_ASSIGN_OR_RETURN(rules.defaults_, Resolver({&document, &preset_document}).Resolve());
  std::set<std::string> names;
  for (const auto& [name, unused] : tables) names.insert(name);
  for (const auto& [name, unused] : preset_tables) names.insert(name);
  for (const std::string& name : names) {
    WALCAST_ASSIGN_OR_RETURN(
        TableRules table,
        Resolver({Lookup(tables, name), &document, Lookup(preset_tables, name), &preset_document})
            .Resolve());
    rules.tables_.emplace(name, std::move(table));
  }
  return rules;
}

const TableRules& DocumentRules::For(std::string_view schema, std::string_view table) const {
  if (tables_.empty()) return defaults_;
  // PostgreSQL names are at most 63 bytes: "schema.table" fits on the stack.
  char buf[160];
  std::string heap;
  std::string_view name;
  const size_t size = schema.size() + 1 + table.size();
  if (size <= sizeof(buf)) {
    schema.copy(buf, schema.size());
    buf[schema.size()] = '.';
    table.copy(buf + schema.size() + 1, table.size());
    name = std::string_view(buf, size);
  } else {
    heap = std::string(schema) + "." + std::string(table);
    name = heap;
  }
  auto it = tables_.find(name);
  return it == tables_.end() ? defaults_ : it->second;
}

}  // namespace walcast::sinks::elasticsearch
