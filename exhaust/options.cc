#include "exhaust/options.h"

namespace walcast::exhaust {

std::vector<OptionSpec> ExhaustOptionSpecs() {
  using T = OptionSpec::Type;
  std::vector<OptionSpec> o;
  auto add = [&](std::string key, T type, std::string def, std::string help) -> OptionSpec& {
    OptionSpec s;
    s.key = std::move(key);
    s.type = type;
    s.default_value = std::move(def);
    s.help = std::move(help);
    o.push_back(std::move(s));
    return o.back();
  };
  add("exhaust.definitions.file", T::kList, "",
      "comma list of report definitions: Sunbird's model configurations as they are, e.g. "
      "config/examples/sunbird-program-users/program-user-exhaust.json (docs/exhaust.md)");
  add("exhaust.csv.bom", T::kBool, "false",
      "start CSV reports with the UTF-8 byte order mark spreadsheet programs expect");
  add("exhaust.sort.run.rows", T::kInt, "50000",
      "rows sorted in memory before a sorted run is spilled to disk (bounds a report's memory)")
      .min = 1;
  OptionSpec& password = add("exhaust.zip.password", T::kString, "",
                             "password of the AES-256 ZIP of reports requested with encrypt: true");
  password.secret = true;
  password.env = "WALCAST_EXHAUST_ZIP_PASSWORD";
  add("exhaust.output.dir", T::kString, "exhaust",
      "directory job_request reports are written to (any path a user mounts)");
  add("exhaust.job.table", T::kString, "",
      "schema.table of Sunbird's job_request rows that trigger reports (captured); empty: off");
  add("exhaust.jobs.workers", T::kInt, "1",
      "job_request reports written at the same time, each on its own worker thread reading a "
      "snapshot of the state (streaming goes on meanwhile)")
      .min = 1;
  return o;
}

ReportOptions ReportOptionsFromConfig(const Config& config) {
  ReportOptions o;
  o.bom = config.GetBool("exhaust.csv.bom");
  o.max_rows_in_memory = static_cast<size_t>(config.GetInt("exhaust.sort.run.rows"));
  o.zip_password = config.GetString("exhaust.zip.password");
  return o;
}

Result<std::vector<ReportDefinition>> LoadReportDefinitions(const Config& config) {
  std::vector<ReportDefinition> out;
  for (const std::string& file : config.GetList("exhaust.definitions.file")) {
    Result<ReportDefinition> d = LoadReportDefinition(file);
    if (!d.ok()) {
      return Status::InvalidArgument("exhaust.definitions.file: " + d.status().message());
    }
    out.push_back(std::move(*d));
  }
  return out;
}

}  // namespace walcast::exhaust
