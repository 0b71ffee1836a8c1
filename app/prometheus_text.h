#pragma once

#include <string>
#include <vector>

#include "app/telemetry_figures.h"

namespace walcast::app {

// The Prometheus text exposition (format 0.0.4) of every pipeline's figures,
// serialised by prometheus-cpp. Names and labels: docs/operations.md. Labels
// carry pipeline, table, operation and sink names only, never a value.
std::string RenderPrometheus(const std::vector<PipelineFigures>& pipelines);

}  // namespace walcast::app
