#pragma once

// A report request in Sunbird's filter format (the program dashboard's
// job_request.request_data, docs/exhaust.md):
//   {"program":[{"name":..., "encrypt":true, "id":"program-user-exhaust",
//     "filters":[{"table_name":"program_enrollment","table_filters":[
//        {"name":"program_id","operator":"=","value":"..."},
//        {"name":"user_locations['district_id']","operator":"=","value":"..."},
//        {"name":"updated_at","operator":">=","value":"YYYY-MM-DD"}, ...]}, ...]}]}
// and the command line's short form (--program-id, --filter district=Pune).
//
// Thread: plain values.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace walcast::exhaust {

struct Filter {
  std::string table = "program_enrollment";
  std::string field;  // a projection field: "organisation_id", "user_locations.district_id"
  std::string op;     // "=", ">=", "<="
  std::string value;
  bool operator==(const Filter&) const = default;
};

struct ReportRequest {
  std::string report_id;  // the report definition's id
  std::string program_id;
  bool encrypt = false;         // write the CSV inside an AES-256 ZIP
  std::vector<Filter> filters;  // program_id's own filter excluded
  // updated_at's range; Sunbird's defaults when the request has none.
  std::string from_date = "1901-01-01";
  std::string to_date = "2101-01-01";
};

// Parses Sunbird's request JSON (the first entry of "program").
// kInvalidArgument: not JSON, no report id, no program_id filter (it is
// mandatory), an operator other than =, >=, <=.
Result<ReportRequest> ParseSunbirdRequest(std::string_view json);

// Adds one command-line filter "name=value", "name>=value" or "name<=value".
// Short names: state, district, block, cluster, school (their *_name
// location), organisation (organisation_id); any other name is a field
// ("user_locations['district_id']" or "user_locations.district_id",
// "organisation_name", "updated_at"). kInvalidArgument when it does not
// parse.
Status AddCommandLineFilter(std::string_view text, ReportRequest* request);

}  // namespace walcast::exhaust
