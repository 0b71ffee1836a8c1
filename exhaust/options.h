#pragma once

// The exhaust reports' configuration keys (exhaust.*), for app/'s key table
// and `walcast --help --config-keys`.

#include <vector>

#include "core/config.h"
#include "exhaust/report.h"
#include "exhaust/report_definition.h"

namespace walcast::exhaust {

std::vector<OptionSpec> ExhaustOptionSpecs();

// ReportOptions from the keys (the ZIP password from exhaust.zip.password
// or its environment variable).
ReportOptions ReportOptionsFromConfig(const Config& config);

// Every report definition of exhaust.definitions.file. kInvalidArgument
// names the key and the file.
Result<std::vector<ReportDefinition>> LoadReportDefinitions(const Config& config);

}  // namespace walcast::exhaust
