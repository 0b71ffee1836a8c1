// ColumnCodec for the types Debezium writes as strings: text types, json,
// xml, uuid, network addresses, ranges, tsvector, enums and the extension
// types citext, ltree and hstore (docs/debezium-compat.md items 29, 30,
// 33, 45, 46).

#include <algorithm>

#include "core/json_writer.h"
#include "debezium/column_codec.h"
#include "core/java_hash_map.h"
#include "pg/text.h"
#include "pg/type_oids.h"

namespace walcast::debezium {

bool ColumnCodec::MapString(uint32_t oid) {
  // NOLINTNEXTLINE(google-build-using-namespace): the type OIDs, read as case labels
  using namespace pg::oid;
  switch (oid) {
    case kName:
      // Debezium's pgoutput value resolver has no case for `name`: always null.
      Set(Kind::kString, ConnectType::kString);
      always_null_ = true;
      return true;
    case kText:
    case kBpchar:
    case kVarchar:
      Set(Kind::kString, ConnectType::kString);
      return true;
    case kChar:
    case kCidr:
    case kInet:
    case kMacaddr:
    case kMacaddr8:
    case kInt4range:
    case kInt8range:
    case kNumrange:
    case kTsrange:
    case kTstzrange:
    case kDaterange:
      Set(Kind::kString, ConnectType::kString);
      default_parsable_ = false;
      return true;
    case kJson:
    case kJsonb:
      Set(Kind::kString, ConnectType::kString, "io.debezium.data.Json", 1);
      placeholder_default_ = "{}";
      return true;
    case kXml:
      Set(Kind::kString, ConnectType::kString, "io.debezium.data.Xml", 1);
      return true;
    case kUuid:
      Set(Kind::kString, ConnectType::kString, "io.debezium.data.Uuid", 1);
      placeholder_default_ = "00000000-0000-0000-0000-000000000000";
      return true;
    case kTsvector:
      Set(Kind::kString, ConnectType::kString, "io.debezium.data.Tsvector", 1);
      default_parsable_ = false;
      return true;
    default:
      return false;
  }
}

bool ColumnCodec::MapEnum(const TypeInfo& type) {
  if (type.typtype != 'e') return false;
  Set(Kind::kString, ConnectType::kString, "io.debezium.data.Enum", 1);
  std::string allowed;
  for (const std::string& label : type.enum_labels) {
    if (!allowed.empty()) allowed.push_back(',');
    allowed.append(label);
  }
  schema_.parameters.emplace_back("allowed", allowed);
  return true;
}

bool ColumnCodec::MapExtension(const TypeInfo& type) {
  if (type.name == "citext") {
    Set(Kind::kString, ConnectType::kString);
  } else if (type.name == "ltree") {
    Set(Kind::kString, ConnectType::kString, "io.debezium.data.Ltree", 1);
  } else if (type.name == "hstore") {
    // hstore.handling.mode=json
    Set(Kind::kHstoreJson, ConnectType::kString, "io.debezium.data.Json", 1);
  } else {
    return false;
  }
  default_parsable_ = false;
  return true;
}

Status ColumnCodec::WriteHstoreText(std::string_view text, JsonWriter* w) const {
  // Debezium reads the hstore into a HashMap (PgJDBC's HStoreConverter)
  // and writes its entries with Jackson, in the map's iteration order.
  std::optional<std::vector<pg::HstoreEntry>> entries = pg::ParseHstore(text);
  if (!entries) return Bad(text);
  std::vector<std::string> keys;
  std::vector<const std::optional<std::string>*> values;
  for (const pg::HstoreEntry& e : *entries) {
    // HashMap.put: a repeated key keeps its place and takes the value.
    const auto it = std::find(keys.begin(), keys.end(), e.key);
    if (it != keys.end()) {
      values[static_cast<size_t>(it - keys.begin())] = &e.value;
    } else {
      keys.push_back(e.key);
      values.push_back(&e.value);
    }
  }
  rapidjson::StringBuffer json;
  JsonWriter inner(json);
  inner.StartObject();
  for (const size_t i : JavaHashMapOrder(keys)) {
    json::Key(inner, keys[i]);
    if (*values[i]) {
      json::String(inner, **values[i]);
    } else {
      inner.Null();
    }
  }
  inner.EndObject();
  json::String(*w, std::string_view(json.GetString(), json.GetSize()));
  return Status::Ok();
}

}  // namespace walcast::debezium
