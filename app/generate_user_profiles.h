#pragma once

// `walcast generate-user-profiles`: randomuser.me-shaped user profiles
// (name, location, email, login with password hashes, dob, registered,
// phone, cell, id, picture, nat), made locally from a seed (no network),
// written as JSON into public.user_profiles (config/examples/
// gdpr-user-profiles/schema.sql) with COPY, or as JSON lines. The GDPR
// user-profile example reads them; docs/generated-data.md describes them.

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>
#include <cstdint>
#include <iosfwd>
#include <string>

#include "core/config.h"
#include "core/status.h"

namespace walcast::app {

struct GenerateUserProfilesRequest {
  uint64_t count = 1000;        // users inserted
  uint64_t updates = 0;         // then this many updates (moves, new email, new phone)
  uint64_t deletes = 0;         // then this many deletes
  uint64_t seed = 1;            // same seed, same users
  uint64_t batch_rows = 10000;  // rows per transaction
  std::string output;           // JSON lines to this file ("-": stdout); no database
  bool dry_run = false;         // the summary only
};

// One profile, as randomuser.me's API would return it (one element of its
// "results"): the JSON text of user `index` of `seed`. Deterministic.
std::string GenerateUserProfileJson(uint64_t seed, uint64_t index, uint64_t version = 0);
// Its id (login.uuid).
std::string GenerateUserProfileId(uint64_t seed, uint64_t index);

boost::program_options::options_description GenerateUserProfilesFlags();
Result<GenerateUserProfilesRequest> GenerateUserProfilesRequestFrom(
    const boost::program_options::variables_map& vm);

// Creates public.user_profiles when missing, COPYs `count` users in (one
// transaction per batch_rows), then runs the updates and deletes (each
// touches a different user, chosen from the seed). Prints a key=value
// summary. Errors as GenerateProfilesCommand (app/generate_profiles.h).
Status GenerateUserProfilesCommand(const Config& config,
                                   const GenerateUserProfilesRequest& request, std::ostream& out);

}  // namespace walcast::app
