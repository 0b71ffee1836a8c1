#include "projections/entry_record.h"

#include <algorithm>

#include "pg/type_oids.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace walcast::projections {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(JsonWriter* w, const std::string& s) {
  w->String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// Writes the entries "<map>.<name>" of `row` as an object; false (nothing
// written) when it has none.
bool WriteMap(const ProjectedRow& row, const std::string& map, JsonWriter* w) {
  const std::string prefix = map + ".";
  bool open = false;
  for (const auto& [name, value] : row.fields) {
    if (!name.starts_with(prefix)) continue;
    if (!open) {
      w->StartObject();
      open = true;
    }
    WriteString(w, name.substr(prefix.size()));
    WriteString(w, value);
  }
  if (open) w->EndObject();
  return open;
}

}  // namespace

std::string EntryDocumentId(const std::vector<std::string>& key) {
  std::string id;
  for (size_t i = 0; i < key.size(); ++i) {
    if (i > 0) id.push_back(':');
    for (const char c : key[i]) {
      if (c == '%') {
        id += "%25";
      } else if (c == ':') {
        id += "%3A";
      } else {
        id.push_back(c);
      }
    }
  }
  return id;
}

std::string EntryDocumentJson(const ProjectedRow& row) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  // Fields are sorted by name, so a map's entries ("<map>.<entry>") are
  // contiguous: each map is written once, at its first entry.
  std::string last_map;
  for (const auto& [name, value] : row.fields) {
    const size_t dot = name.find('.');
    if (dot == std::string::npos) {
      WriteString(&w, name);
      WriteString(&w, value);
      continue;
    }
    const std::string map = name.substr(0, dot);
    if (map == last_map) continue;
    last_map = map;
    WriteString(&w, map);
    WriteMap(row, map, &w);
  }
  w.EndObject();
  return buffer.GetString();
}

std::shared_ptr<const Relation> VirtualRelation(const ProjectionDefinition& def, uint32_t oid) {
  auto relation = std::make_shared<Relation>();
  relation->oid = oid;
  const size_t dot = def.kafka_table.find('.');
  relation->schema = def.kafka_table.substr(0, dot);
  relation->name = def.kafka_table.substr(dot + 1);
  relation->replica_identity = ReplicaIdentity::kFull;
  for (const FieldSource& f : def.fields) {
    Column c;
    c.name = f.name;
    c.type_oid = pg::oid::kText;
    c.is_key = std::find(def.key.begin(), def.key.end(), f.name) != def.key.end();
    c.not_null = c.is_key;
    relation->columns.push_back(std::move(c));
  }
  for (const MapSource& m : def.maps) {
    Column c;
    c.name = m.name;
    c.type_oid = pg::oid::kJsonb;
    relation->columns.push_back(std::move(c));
  }
  for (const std::string& k : def.key) {
    for (size_t i = 0; i < def.fields.size(); ++i) {
      if (def.fields[i].name == k) relation->primary_key.push_back(i);
    }
  }
  return relation;
}

Tuple VirtualTuple(const ProjectionDefinition& def, const ProjectedRow& row) {
  Tuple tuple;
  for (const FieldSource& f : def.fields) {
    const std::string* v = row.Find(f.name);
    tuple.push_back(v != nullptr ? Datum::Text(*v) : Datum::Null());
  }
  for (const MapSource& m : def.maps) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    tuple.push_back(WriteMap(row, m.name, &w) ? Datum::Text(buffer.GetString()) : Datum::Null());
  }
  return tuple;
}

}  // namespace walcast::projections
