#pragma once

// The rows the profile generator (profile_generator.h) produces: one row of
// an anonymous_profile table, and one step on idrepo.channel_info.

#include <cstdint>
#include <optional>
#include <string>

#include "mosip/generator_options.h"

namespace walcast::mosip {

// One row of idrepo/regprc/prereg.anonymous_profile.
struct GeneratedProfile {
  ProfileTable table = ProfileTable::kIdrepo;
  ProfileKind kind = ProfileKind::kIdrepoNew;
  bool malformed = false;     // the profile text is deliberately broken
  std::string id;             // UUID
  std::string process_stage;  // regprc's process_stage column; empty elsewhere
  std::string profile;        // the JSON text
  std::string cr_by;
  int64_t cr_dtimes_us = 0;              // UTC, epoch microseconds
  std::optional<int64_t> upd_dtimes_us;  // regprc sets it to cr_dtimes
};

// One step ChannelInfoHelper takes on idrepo.channel_info (§4.4): +1 on a
// hash (or NO_PHONE / NO_EMAIL) for a new identity or a new value, -1 on the
// value replaced.
struct ChannelInfoChange {
  std::string hashed_channel;  // HashChannel of the normalised value, or NO_PHONE/NO_EMAIL
  std::string channel_type;    // "phone" or "email"
  int delta = 0;
  int64_t at_us = 0;
};

}  // namespace walcast::mosip
