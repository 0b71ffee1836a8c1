#pragma once

// The metrics' configuration keys (metrics.*, checkpoint.interval.ms): their
// specs for app/'s key table and `walcast --help --config-keys`, and the
// MetricsSinkOptions they make.

#include <vector>

#include "core/config.h"
#include "metrics/metrics_sink.h"

namespace walcast::metrics {

// Every metrics key with its default and help text, for app/'s AllOptions().
std::vector<OptionSpec> MetricsOptionSpecs();

// Whether metrics are configured (metrics.definitions.file is set).
bool MetricsEnabled(const Config& config);

// Reads the metrics keys. Keys the config lacks take their defaults, so a
// Config::ForTest works. The instance is metrics.instance.id, else
// "<topic.prefix>/<slot.name>"; the state directory metrics.state.dir,
// else "<state.dir>/metrics-<slot.name>". kInvalidArgument names the key.
Result<MetricsSinkOptions> MetricsSinkOptionsFromConfig(const Config& config);

}  // namespace walcast::metrics
