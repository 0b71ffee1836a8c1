// Reading projection definitions (docs/projections.md), member by member.

#include "projections/definition.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace walcast::projections {
namespace {

using Value = rapidjson::Value;

std::string_view View(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

Status Error(std::string_view projection, std::string_view what) {
  std::string m = "projection definitions";
  if (!projection.empty()) m = "projection '" + std::string(projection) + "'";
  return Status::InvalidArgument(m + ": " + std::string(what));
}

Status CheckMembers(const Value& object, std::initializer_list<std::string_view> allowed,
                    std::string_view projection, std::string_view where) {
  for (const auto& m : object.GetObject()) {
    if (std::find(allowed.begin(), allowed.end(), View(m.name)) == allowed.end()) {
      return Error(projection,
                   std::string(where) + "unknown member '" + std::string(View(m.name)) + "'");
    }
  }
  return Status::Ok();
}

Result<std::vector<std::string>> StringList(const Value& v, std::string_view projection,
                                            std::string_view member) {
  if (!v.IsArray()) return Error(projection, std::string(member) + ": expected a list of names");
  std::vector<std::string> out;
  for (const Value& e : v.GetArray()) {
    if (!e.IsString() || e.GetStringLength() == 0) {
      return Error(projection, std::string(member) + ": expected non-empty names");
    }
    out.emplace_back(View(e));
  }
  return out;
}

// "$..." is a path inside the document column; anything else a column.
Result<FieldSource> ReadSource(std::string name, const Value& v, std::string_view projection) {
  if (!v.IsString() || v.GetStringLength() == 0) {
    return Error(projection, name + ": expected a column name or a JSON path ($...)");
  }
  FieldSource f;
  f.name = std::move(name);
  if (View(v).front() == '$') {
    Result<JsonPath> path = JsonPath::Parse(View(v));
    if (!path.ok()) return Error(projection, f.name + ": " + path.status().message());
    f.path = std::move(*path);
  } else {
    f.column = std::string(View(v));
  }
  return f;
}

Result<ProjectionDefinition> ReadProjection(const Value& v) {
  if (!v.IsObject()) return Error("", "each projection is an object");
  const auto name_it = v.FindMember("name");
  if (name_it == v.MemberEnd() || !name_it->value.IsString() ||
      name_it->value.GetStringLength() == 0) {
    return Error("", "a projection needs a \"name\"");
  }
  ProjectionDefinition d;
  d.name = std::string(View(name_it->value));
  WALCAST_RETURN_IF_ERROR(CheckMembers(v,
                                       {"name", "table", "document", "key", "fields", "maps",
                                        "soft_delete", "encrypted", "outputs", "description"},
                                       d.name, ""));
  const auto table = v.FindMember("table");
  if (table == v.MemberEnd() || !table->value.IsString() ||
      View(table->value).find('.') == std::string_view::npos) {
    return Error(d.name, "\"table\" must name schema.table");
  }
  d.table = std::string(View(table->value));
  if (const auto doc = v.FindMember("document"); doc != v.MemberEnd()) {
    if (!doc->value.IsString()) return Error(d.name, "\"document\": expected a column name");
    d.document = std::string(View(doc->value));
  }
  const auto fields = v.FindMember("fields");
  if (fields == v.MemberEnd() || !fields->value.IsObject() || fields->value.MemberCount() == 0) {
    return Error(d.name, "\"fields\" must map at least one field to its source");
  }
  bool uses_document = false;
  for (const auto& m : fields->value.GetObject()) {
    WALCAST_ASSIGN_OR_RETURN(FieldSource f, ReadSource(std::string(View(m.name)), m.value, d.name));
    uses_document = uses_document || f.path.has_value();
    d.fields.push_back(std::move(f));
  }
  if (const auto maps = v.FindMember("maps"); maps != v.MemberEnd()) {
    if (!maps->value.IsObject()) return Error(d.name, "\"maps\": expected an object");
    for (const auto& m : maps->value.GetObject()) {
      MapSource map;
      map.name = std::string(View(m.name));
      const Value& spec = m.value;
      if (!spec.IsObject()) return Error(d.name, map.name + ": expected an object");
      WALCAST_RETURN_IF_ERROR(
          CheckMembers(spec, {"path", "type", "values"}, d.name, map.name + ": "));
      const auto path = spec.FindMember("path");
      const auto type = spec.FindMember("type");
      const auto values = spec.FindMember("values");
      if (path == spec.MemberEnd() || !path->value.IsString() || type == spec.MemberEnd() ||
          !type->value.IsString() || values == spec.MemberEnd()) {
        return Error(d.name, map.name + ": needs \"path\", \"type\" and \"values\"");
      }
      Result<JsonPath> p = JsonPath::Parse(View(path->value));
      if (!p.ok()) return Error(d.name, map.name + ": " + p.status().message());
      map.path = std::move(*p);
      map.type_member = std::string(View(type->value));
      WALCAST_ASSIGN_OR_RETURN(map.value_members, StringList(values->value, d.name, map.name));
      uses_document = true;
      d.maps.push_back(std::move(map));
    }
  }
  if (const auto sd = v.FindMember("soft_delete"); sd != v.MemberEnd()) {
    WALCAST_ASSIGN_OR_RETURN(FieldSource f, ReadSource("soft_delete", sd->value, d.name));
    uses_document = uses_document || f.path.has_value();
    d.soft_delete = std::move(f);
  }
  if (uses_document && d.document.empty()) {
    return Error(d.name, "JSON paths need \"document\": the JSON column they read");
  }
  const auto key = v.FindMember("key");
  if (key == v.MemberEnd()) return Error(d.name, "\"key\" must list the key fields");
  WALCAST_ASSIGN_OR_RETURN(d.key, StringList(key->value, d.name, "key"));
  if (d.key.empty()) return Error(d.name, "\"key\" must list the key fields");
  for (const std::string& k : d.key) {
    if (d.Field(k) == nullptr) return Error(d.name, "key field '" + k + "' is not in \"fields\"");
  }
  if (const auto outputs = v.FindMember("outputs"); outputs != v.MemberEnd()) {
    const Value& o = outputs->value;
    if (!o.IsObject()) return Error(d.name, "\"outputs\" must be an object");
    WALCAST_RETURN_IF_ERROR(
        CheckMembers(o, {"elasticsearch_index", "kafka_table"}, d.name, "outputs: "));
    for (const auto& m : o.GetObject()) {
      if (!m.value.IsString() || m.value.GetStringLength() == 0) {
        return Error(d.name, "outputs: \"" + std::string(View(m.name)) + "\" must be a string");
      }
    }
    if (const auto index = o.FindMember("elasticsearch_index"); index != o.MemberEnd()) {
      d.elasticsearch_index = std::string(View(index->value));
    }
    if (const auto table = o.FindMember("kafka_table"); table != o.MemberEnd()) {
      d.kafka_table = std::string(View(table->value));
      const size_t dot = d.kafka_table.find('.');
      if (dot == 0 || dot == std::string::npos || dot + 1 == d.kafka_table.size()) {
        return Error(d.name, "outputs: \"kafka_table\" must be schema.table");
      }
    }
  }
  if (const auto enc = v.FindMember("encrypted"); enc != v.MemberEnd()) {
    WALCAST_ASSIGN_OR_RETURN(d.encrypted, StringList(enc->value, d.name, "encrypted"));
    for (const std::string& e : d.encrypted) {
      if (d.Field(e) == nullptr)
        return Error(d.name, "encrypted field '" + e + "' is not in \"fields\"");
    }
  }
  return d;
}

}  // namespace

const FieldSource* ProjectionDefinition::Field(std::string_view field) const {
  for (const FieldSource& f : fields) {
    if (f.name == field) return &f;
  }
  return nullptr;
}

const ProjectionDefinition* ProjectionSet::Find(std::string_view name) const {
  for (const ProjectionDefinition& p : projections) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<const ProjectionDefinition*> ProjectionSet::ForTable(std::string_view table) const {
  std::vector<const ProjectionDefinition*> out;
  for (const ProjectionDefinition& p : projections) {
    if (p.table == table) out.push_back(&p);
  }
  return out;
}

Result<ProjectionSet> ParseProjectionDefinitions(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return Error("", std::string("invalid JSON at offset ") + std::to_string(doc.GetErrorOffset()) +
                         ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return Error("", "expected an object");
  WALCAST_RETURN_IF_ERROR(CheckMembers(doc, {"format", "projections", "description"}, "", ""));
  const auto format = doc.FindMember("format");
  if (format == doc.MemberEnd() || !format->value.IsInt() || format->value.GetInt() != 1) {
    return Error("", "\"format\" must be 1");
  }
  const auto list = doc.FindMember("projections");
  if (list == doc.MemberEnd() || !list->value.IsArray() || list->value.Empty()) {
    return Error("", "\"projections\" must list at least one projection");
  }
  ProjectionSet set;
  for (const Value& v : list->value.GetArray()) {
    WALCAST_ASSIGN_OR_RETURN(ProjectionDefinition d, ReadProjection(v));
    if (set.Find(d.name) != nullptr) return Error(d.name, "defined twice");
    set.projections.push_back(std::move(d));
  }
  // The definitions' own text is their identity: a changed definition
  // invalidates what the state holds.
  set.fingerprint = std::string(json);
  return set;
}

Result<ProjectionSet> LoadProjectionDefinitions(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("projection definitions: cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return ParseProjectionDefinitions(text.str());
}

}  // namespace walcast::projections
