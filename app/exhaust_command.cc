#include "app/exhaust_command.h"

#include <fstream>
#include <sstream>

#include "app/projections_factory.h"
#include "exhaust/options.h"
#include "exhaust/report.h"
#include "projections/engine.h"
#include "projections/options.h"

namespace walcast::app {

namespace po = boost::program_options;

po::options_description ExhaustFlags() {
  po::options_description d("exhaust options");
  auto add = d.add_options();
  add("program-id", po::value<std::string>()->value_name("ID"), "the program whose users to list");
  add("filter", po::value<std::vector<std::string>>()->composing()->value_name("NAME=VALUE"),
      "keep matching enrolments: district=, block=, state=, cluster=, school= (location "
      "names), organisation= (id), user_locations['district_id']=, updated_at>=DATE, "
      "updated_at<=DATE; repeatable");
  add("request", po::value<std::string>()->value_name("FILE"),
      "a request in Sunbird's filter format (job_request.request_data) instead of the flags");
  add("out,o", po::value<std::string>()->value_name("FILE"),
      "the CSV to write (exhaust; --output works too)");
  return d;
}

Result<ExhaustCommandRequest> ExhaustRequestFrom(const po::variables_map& vm,
                                                 const std::vector<std::string>& words) {
  ExhaustCommandRequest r;
  if (vm.count("request")) {
    std::ifstream in(vm["request"].as<std::string>());
    if (!in)
      return Status::InvalidArgument("--request: cannot read " + vm["request"].as<std::string>());
    std::ostringstream text;
    text << in.rdbuf();
    WALCAST_ASSIGN_OR_RETURN(r.report, exhaust::ParseSunbirdRequest(text.str()));
  }
  if (words.size() >= 2) r.report.report_id = words[1];
  if (r.report.report_id.empty()) {
    return Status::InvalidArgument("exhaust: name the report: walcast exhaust REPORT ...");
  }
  if (vm.count("program-id")) r.report.program_id = vm["program-id"].as<std::string>();
  if (vm.count("filter")) {
    for (const std::string& f : vm["filter"].as<std::vector<std::string>>()) {
      WALCAST_RETURN_IF_ERROR(exhaust::AddCommandLineFilter(f, &r.report));
    }
  }
  if (r.report.program_id.empty())
    return Status::InvalidArgument("exhaust: --program-id is required");
  if (vm.count("out")) {
    r.output = vm["out"].as<std::string>();
  } else if (vm.count("output")) {
    r.output = vm["output"].as<std::string>();
  } else {
    return Status::InvalidArgument("exhaust: -o FILE is required");
  }
  return r;
}

Status ExhaustCommand(const Config& config, const ExhaustCommandRequest& request,
                      std::ostream& out) {
  if (!projections::ProjectionsEnabled(config)) {
    return Status::InvalidArgument("exhaust: projections.definitions.file is not set");
  }
  WALCAST_ASSIGN_OR_RETURN(std::vector<exhaust::ReportDefinition> reports,
                           exhaust::LoadReportDefinitions(config));
  const exhaust::ReportDefinition* definition = nullptr;
  for (const exhaust::ReportDefinition& d : reports) {
    if (d.id == request.report.report_id) definition = &d;
  }
  if (definition == nullptr) {
    return Status::InvalidArgument("exhaust: no report '" + request.report.report_id +
                                   "' in exhaust.definitions.file");
  }
  ProjectionsRuntime runtime;
  WALCAST_RETURN_IF_ERROR(LoadProjectionInputs(config, &runtime));
  WALCAST_ASSIGN_OR_RETURN(projections::ProjectionSinkOptions options,
                           projections::ProjectionSinkOptionsFromConfig(config));
  Result<std::unique_ptr<projections::ProjectionEngine>> state =
      projections::ProjectionEngine::Open(runtime.set, options.engine, runtime.cipher.get());
  if (!state.ok()) {
    if (state.status().IsUnavailable()) {
      return Status::Unavailable("exhaust: the projection state " + options.engine.store.dir +
                                 " is in use (a running walcast makes reports through "
                                 "job_request rows): " +
                                 state.status().message());
    }
    return state.status();
  }
  WALCAST_ASSIGN_OR_RETURN(
      exhaust::ReportStats stats,
      exhaust::WriteReport(*definition, request.report, **state, runtime.cipher.get(),
                           exhaust::ReportOptionsFromConfig(config), request.output));
  out << "report " << definition->id << " written to " << stats.output << ": rows=" << stats.rows
      << " personal_columns=" << (stats.pii_columns ? "yes" : "no")
      << " filtered_out=" << stats.enrolments_filtered_out
      << " consent_for_unknown_user=" << stats.consent_for_unknown_user
      << " undecryptable=" << stats.undecryptable << " sort_runs=" << stats.sort_runs
      << " applied_lsn=" << (*state)->applied_lsn().ToString() << "\n";
  return Status::Ok();
}

}  // namespace walcast::app
