#include "exhaust/request.h"

#include "rapidjson/document.h"

namespace walcast::exhaust {
namespace {

Status Error(std::string_view what) {
  return Status::InvalidArgument("report request: " + std::string(what));
}

// "user_locations['district_id']" -> "user_locations.district_id".
std::string FieldName(std::string_view name) {
  const size_t open = name.find("['");
  if (open != std::string_view::npos && name.size() > open + 4 &&
      name.substr(name.size() - 2) == "']") {
    return std::string(name.substr(0, open)) + "." +
           std::string(name.substr(open + 2, name.size() - open - 4));
  }
  return std::string(name);
}

Status AddFilter(Filter f, ReportRequest* request) {
  if (f.op != "=" && f.op != ">=" && f.op != "<=") {
    return Error("operator '" + f.op + "' is not one of =, >=, <=");
  }
  if (f.table == "program_enrollment" && f.field == "program_id") {
    if (f.op != "=") return Error("program_id takes '='");
    request->program_id = f.value;
    return Status::Ok();
  }
  if (f.table == "program_enrollment" && f.field == "updated_at") {
    (f.op == ">=" ? request->from_date : request->to_date) = f.value;
    if (f.op == "=") request->from_date = request->to_date = f.value;
    return Status::Ok();
  }
  // user_consent's object_id filter repeats the program id: the join does it.
  if (f.table == "user_consent" && f.field == "object_id") return Status::Ok();
  request->filters.push_back(std::move(f));
  return Status::Ok();
}

}  // namespace

Result<ReportRequest> ParseSunbirdRequest(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return Error("not a JSON object");
  const auto program = doc.FindMember("program");
  if (program == doc.MemberEnd() || !program->value.IsArray() || program->value.Empty() ||
      !program->value[0].IsObject()) {
    return Error("missing \"program\"");
  }
  const rapidjson::Value& p = program->value[0];
  ReportRequest request;
  if (!p.HasMember("id") || !p["id"].IsString()) return Error("missing the report \"id\"");
  request.report_id = p["id"].GetString();
  if (p.HasMember("encrypt") && p["encrypt"].IsBool()) request.encrypt = p["encrypt"].GetBool();
  if (p.HasMember("filters") && p["filters"].IsArray()) {
    for (const rapidjson::Value& t : p["filters"].GetArray()) {
      if (!t.IsObject() || !t.HasMember("table_name") || !t["table_name"].IsString() ||
          !t.HasMember("table_filters") || !t["table_filters"].IsArray()) {
        return Error("each filter needs \"table_name\" and \"table_filters\"");
      }
      for (const rapidjson::Value& f : t["table_filters"].GetArray()) {
        if (!f.IsObject() || !f.HasMember("name") || !f["name"].IsString() ||
            !f.HasMember("operator") || !f["operator"].IsString() || !f.HasMember("value") ||
            !f["value"].IsString()) {
          return Error("each table filter needs \"name\", \"operator\" and \"value\" strings");
        }
        WALCAST_RETURN_IF_ERROR(
            AddFilter(Filter{t["table_name"].GetString(), FieldName(f["name"].GetString()),
                             f["operator"].GetString(), f["value"].GetString()},
                      &request));
      }
    }
  }
  if (request.program_id.empty()) return Error("the program_id filter is mandatory");
  return request;
}

Status AddCommandLineFilter(std::string_view text, ReportRequest* request) {
  size_t at = text.find_first_of("<>=");
  if (at == std::string_view::npos || at == 0) {
    return Error("filter '" + std::string(text) + "': expected name=value");
  }
  Filter f;
  std::string_view name = text.substr(0, at);
  if (text[at] != '=') {
    if (at + 1 >= text.size() || text[at + 1] != '=') {
      return Error("filter '" + std::string(text) + "': expected =, >= or <=");
    }
    f.op = std::string(text.substr(at, 2));
    f.value = std::string(text.substr(at + 2));
  } else {
    f.op = "=";
    f.value = std::string(text.substr(at + 1));
  }
  for (std::string_view level : {"state", "district", "block", "cluster", "school"}) {
    if (name == level) {
      f.field = "user_locations." + std::string(level) + "_name";
      break;
    }
  }
  if (name == "organisation") f.field = "organisation_id";
  if (f.field.empty()) f.field = FieldName(name);
  return AddFilter(std::move(f), request);
}

}  // namespace walcast::exhaust
