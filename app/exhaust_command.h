#pragma once

// `walcast exhaust REPORT --program-id ID [--filter NAME=VALUE]... -o FILE`
// (docs/exhaust.md): one report from the projections in walcast's state,
// written while no `walcast run` holds that state (a running walcast makes
// reports through job_request rows or its HTTP endpoint).

#include <boost/program_options.hpp>
#include <ostream>
#include <string>

#include "core/config.h"
#include "core/status.h"
#include "exhaust/request.h"

namespace walcast::app {

struct ExhaustCommandRequest {
  exhaust::ReportRequest report;
  std::string output;
};

boost::program_options::options_description ExhaustFlags();

// The report id is the command's second word. kInvalidArgument when the
// program id, the output or a filter is missing or malformed; a
// --request FILE in Sunbird's format supplies the filters instead.
Result<ExhaustCommandRequest> ExhaustRequestFrom(const boost::program_options::variables_map& vm,
                                                 const std::vector<std::string>& words);

// Writes the report; prints the file and its figures (never a row) to
// `out`. Errors: kInvalidArgument (unknown report, no projections
// configured), kUnavailable (the state is held by a running walcast), the
// report's errors.
Status ExhaustCommand(const Config& config, const ExhaustCommandRequest& request,
                      std::ostream& out);

}  // namespace walcast::app
