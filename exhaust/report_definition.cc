#include "exhaust/report_definition.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace walcast::exhaust {
namespace {

using Value = rapidjson::Value;

Status Error(std::string_view what) {
  return Status::InvalidArgument("report definition: " + std::string(what));
}

Result<std::vector<std::string>> Strings(const Value& parent, const char* member, bool required) {
  std::vector<std::string> out;
  const auto it = parent.FindMember(member);
  if (it == parent.MemberEnd()) {
    if (required) return Error(std::string("missing \"") + member + "\"");
    return out;
  }
  if (!it->value.IsArray()) return Error(std::string("\"") + member + "\": expected a list");
  for (const Value& v : it->value.GetArray()) {
    if (!v.IsString()) return Error(std::string("\"") + member + "\": expected strings");
    out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

}  // namespace

const ReportTable* ReportDefinition::Table(std::string_view name) const {
  for (const ReportTable& t : tables) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string ReportDefinition::ColumnOf(std::string_view header) const {
  for (const auto& [column, label] : label_mapping) {
    if (label == header) return column;
  }
  return {};
}

Result<ReportDefinition> ParseReportDefinition(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return Error("invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
                 rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return Error("expected an object");
  const auto params = doc.FindMember("modelParams");
  if (params == doc.MemberEnd() || !params->value.IsObject())
    return Error("missing \"modelParams\"");
  const Value& p = params->value;
  ReportDefinition d;
  const auto id = p.FindMember("id");
  if (id == p.MemberEnd() || !id->value.IsString() || id->value.GetStringLength() == 0) {
    return Error("missing \"modelParams.id\"");
  }
  d.id = id->value.GetString();
  if (const auto app = doc.FindMember("appName"); app != doc.MemberEnd() && app->value.IsString()) {
    d.app_name = app->value.GetString();
  }
  const auto tables = p.FindMember("table");
  if (tables == p.MemberEnd() || !tables->value.IsArray())
    return Error("missing \"modelParams.table\"");
  for (const Value& t : tables->value.GetArray()) {
    if (!t.IsObject() || !t.HasMember("name") || !t["name"].IsString()) {
      return Error("each table needs a \"name\"");
    }
    ReportTable table;
    table.name = t["name"].GetString();
    WALCAST_ASSIGN_OR_RETURN(table.columns, Strings(t, "columns", true));
    WALCAST_ASSIGN_OR_RETURN(table.user_locations_columns,
                             Strings(t, "user_locations_columns", false));
    WALCAST_ASSIGN_OR_RETURN(table.encrypted_columns, Strings(t, "encrypted_columns", false));
    WALCAST_ASSIGN_OR_RETURN(table.final_columns, Strings(t, "final_columns", false));
    d.tables.push_back(std::move(table));
  }
  if (d.Table("program_enrollment") == nullptr) return Error("no \"program_enrollment\" table");
  const auto labels = p.FindMember("label_mapping");
  if (labels == p.MemberEnd() || !labels->value.IsObject())
    return Error("missing \"label_mapping\"");
  for (const auto& m : labels->value.GetObject()) {
    if (!m.value.IsString()) return Error("\"label_mapping\": expected strings");
    d.label_mapping[m.name.GetString()] = m.value.GetString();
  }
  WALCAST_ASSIGN_OR_RETURN(d.order_of_csv_column, Strings(p, "order_of_csv_column", true));
  WALCAST_ASSIGN_OR_RETURN(d.sort, Strings(p, "sort", false));
  WALCAST_ASSIGN_OR_RETURN(d.quote_column, Strings(p, "quote_column", false));
  for (const auto* list : {&d.order_of_csv_column, &d.sort, &d.quote_column}) {
    for (const std::string& header : *list) {
      if (d.ColumnOf(header).empty()) {
        return Error("header '" + header + "' is not a value of \"label_mapping\"");
      }
    }
  }
  return d;
}

Result<ReportDefinition> LoadReportDefinition(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("report definition: cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return ParseReportDefinition(text.str());
}

}  // namespace walcast::exhaust
