#pragma once

// `walcast generate-mosip`: realistic rows for every table MOSIP's
// reporting captures (mosip/reporting_tables.h), in MOSIP's six databases or
// in one: the rows of mosip::MosipDataGenerator (mosip/mosip_tables_generator.h)
// and the anonymous profiles of generate-profiles (app/generate_profiles.h).
// docs/generated-data.md describes the data and the flags.

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>
#include <cstdint>
#include <iosfwd>
#include <vector>

#include "app/generate_profiles.h"
#include "core/config.h"
#include "core/status.h"
#include "mosip/mosip_tables_generator.h"
#include "mosip/reporting_tables.h"

namespace walcast::app {

struct GenerateMosipRequest {
  mosip::MosipDataOptions data;
  // The databases to fill, each once, in MosipDatabase order.
  std::vector<mosip::MosipDatabase> databases;
  // Every schema into the configured database.dbname instead of the
  // mosip_<schema> databases (which are created when missing).
  bool single_database = false;
  // Anonymous profiles per profile table (idrepo, regprc, prereg); 0: none.
  uint64_t profiles = 1000;
  // Seed, time span, biometrics, malformed ratio, batch size and dry run
  // for the profiles; the same seed, span, batch size and dry run apply to
  // the other tables.
  GenerateProfilesRequest profile_flags;
};

// The command's own flags (it also reads generate-profiles' --seed,
// --start-date, --days, --batch-rows, --biometrics, --malformed-ratio and
// --dry-run), for main's --help and parser.
boost::program_options::options_description GenerateMosipFlags();
// Reads them; kInvalidArgument names the bad flag.
Result<GenerateMosipRequest> GenerateMosipRequestFrom(
    const boost::program_options::variables_map& vm);

// Runs the command: for each requested database, creates it when missing
// (unless single_database), creates each missing table from sql/mosip
// (embedded at build time) and COPYs the rows in, one transaction per
// batch_rows rows and table; or only counts them (dry run). Prints a
// key=value summary to `out`. Errors: as GenerateProfilesCommand, plus
// kFatal when a database cannot be created (the message names it). Blocks
// until every row is committed.
Status GenerateMosipCommand(const Config& config, const GenerateMosipRequest& request,
                            std::ostream& out);

}  // namespace walcast::app
