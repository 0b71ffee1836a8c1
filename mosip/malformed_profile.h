#pragma once

// Malformed rows for the profile generator (profile_generator.h,
// --malformed-ratio): a valid profile broken the ways hand-made rows break
// (anonymous-profile.md §5).

#include <string>

#include "mosip/generator_options.h"
#include "mosip/rng.h"

namespace walcast::mosip {

// Breaks the valid profile JSON *profile of a row of `table` in one of five
// ways drawn from `rng`: truncated, double-encoded (a JSON string), a known
// field of the wrong type, processName missing, or every shape marker
// renamed. ProfileParser refuses every variant, with the process_stage
// column of a regprc row as context.
void CorruptProfile(ProfileTable table, Rng* rng, std::string* profile);

}  // namespace walcast::mosip
