#pragma once

// The projections' configuration keys (projections.*): their specs for
// app/'s key table and `walcast --help --config-keys`, and the
// ProjectionSinkOptions they make.

#include <vector>

#include "core/config.h"
#include "projections/projection_sink.h"

namespace walcast::projections {

// The environment variable the decryption key (Sunbird's salt) is read from
// when projections.decrypt.key.file is not set: Sunbird's own name.
inline constexpr const char* kSunbirdKeyEnv = "sunbird_encryption_key";

std::vector<OptionSpec> ProjectionOptionSpecs();

// Whether projections are configured (projections.definitions.file is set).
bool ProjectionsEnabled(const Config& config);

// The state directory: projections.state.dir, else
// "<state.dir>/projections-<slot.name>".
std::string ProjectionStateDir(const Config& config);

// Reads the keys (a Config built with ProjectionOptionSpecs()).
// kInvalidArgument names the key.
Result<ProjectionSinkOptions> ProjectionSinkOptionsFromConfig(const Config& config);

}  // namespace walcast::projections
