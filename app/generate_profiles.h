#pragma once

// `walcast generate-profiles`: the rows of mosip::ProfileGenerator
// (mosip/profile_generator.h) written into MOSIP's tables (sql/mosip/) with
// COPY, or as JSON lines without a database. docs/profiles.md describes the
// data and the flags.

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>
#include <cstdint>
#include <iosfwd>
#include <string>

#include "core/config.h"
#include "core/status.h"
#include "mosip/generated_rows.h"
#include "mosip/generator_options.h"

namespace walcast::app {

// The JSON line --output writes for a row, and for a channel_info change
// (no trailing newline).
void AppendJsonLine(const mosip::GeneratedProfile& row, std::string* out);
void AppendJsonLine(const mosip::ChannelInfoChange& change, std::string* out);

// A request parsed from the command line.
struct GenerateProfilesRequest {
  mosip::GeneratorOptions generator;
  uint64_t batch_rows = 10000;  // profile rows per transaction
  std::string output;           // JSON lines to this file ("-": stdout); no database
  bool dry_run = false;         // no database, no output: the summary only
};

// The command's flags, for main's --help and parser.
boost::program_options::options_description GenerateProfilesFlags();
// Reads them; kInvalidArgument names the bad flag.
Result<GenerateProfilesRequest> GenerateProfilesRequestFrom(
    const boost::program_options::variables_map& vm);

// Runs the command. Writes into the database of config's database.* keys,
// creating each missing table it needs from sql/mosip (embedded at build
// time), one transaction per batch_rows rows and table; or writes JSON lines
// (output) or nothing (dry_run). Prints a key=value summary to `out` (to
// stderr when the rows go to stdout). Errors: connection failures as
// pg::ClassifyConnectError classifies them (kInvalidArgument for bad
// credentials, kUnavailable for an unreachable server), kFatal for a failed
// statement or COPY (a duplicate key when the same seed runs twice into the
// same tables), kNotFound when the output file cannot be created. Blocks
// until every row is committed.
Status GenerateProfilesCommand(const Config& config, const GenerateProfilesRequest& request,
                               std::ostream& out);
// The same, into the database `conninfo` (a libpq connection string) names.
Status GenerateProfilesInto(const std::string& conninfo, const GenerateProfilesRequest& request,
                            std::ostream& out);

}  // namespace walcast::app
