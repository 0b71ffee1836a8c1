#pragma once

// `walcast generate-program-users` (docs/exhaust.md, "Sample data"): fills
// Sunbird's program-user tables with reproducible sample data in the shapes
// of docs/exhaust.md — enrolment events (sunbird.program_users.doc),
// consents (sunbird.user_consent), users with e-mail and phone encrypted as
// Sunbird's user service does (sunbird.users) — and creates them and
// sunbird.job_request if missing. Encryption needs the key
// (projections.decrypt.key.file or sunbird_encryption_key).

#include <boost/program_options.hpp>
#include <cstdint>
#include <ostream>

#include "core/config.h"
#include "core/status.h"

namespace walcast::app {

struct GenerateProgramUsersRequest {
  uint64_t enrolments = 1000;  // --count
  uint64_t programs = 10;      // --programs
  uint64_t seed = 1;           // --seed
};

boost::program_options::options_description GenerateProgramUsersFlags();
Result<GenerateProgramUsersRequest> GenerateProgramUsersRequestFrom(
    const boost::program_options::variables_map& vm);

// Writes the rows with COPY (one transaction per table); prints a summary
// (counts, never values). Errors: kNotFound (no key), the server's errors.
Status GenerateProgramUsersCommand(const Config& config, const GenerateProgramUsersRequest& request,
                                   std::ostream& out);

}  // namespace walcast::app
