#pragma once

// `walcast generate-profiles`: realistic, reproducible MOSIP anonymous
// profiles in every shape of anonymous-profile.md §2, written into MOSIP's
// tables (sql/mosip/) with COPY, or as JSON lines without a database.
// docs/profiles.md describes the data and the flags.

#include <array>
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace walcast::app {

// What one generated profile row is. Each is a --mix key (ProfileKindName).
enum class ProfileKind : uint8_t {
  kIdrepoNew,       // idrepo "New" of a new identity, plus its channel_info changes
  kIdrepoUpdate,    // idrepo "Update" of an identity made earlier in the run
  kIdrepoEmpty,     // idrepo's all-null profile after a builder error (§5)
  kRegprcNew,       // regprc full profile, "NEW"
  kRegprcUpdate,    // "UPDATE"
  kRegprcLost,      // "LOST" (lost UIN)
  kRegprcOther,     // "RES_UPDATE", "RES_REPRINT", "ACTIVATED", "DEACTIVATED"
  kRegprcSync,      // the stub written at packet sync (nulls, yearOfBirth 0)
  kPrereg,          // a pre-registration application
  kAnnexureNew,     // the design document's Annexure A shape, "new"
  kAnnexureUpdate,  // Annexure A "update" with hashed channels on both sides
};
inline constexpr size_t kProfileKindCount = 11;

// "idrepo-new", "idrepo-update", "idrepo-empty", "regprc-new", "regprc-update",
// "regprc-lost", "regprc-other", "regprc-sync", "prereg", "annexure-new",
// "annexure-update".
std::string_view ProfileKindName(ProfileKind kind);

// The table a profile row goes to. Annexure A rows go to
// idrepo.anonymous_profile, the table the design document fills by hand.
enum class ProfileTable : uint8_t { kIdrepo, kRegprc, kPrereg };
inline constexpr size_t kProfileTableCount = 3;
std::string_view ProfileTableName(ProfileTable table);  // "idrepo.anonymous_profile", ...

// How many biometric records a new registration carries.
enum class BiometricDetail : uint8_t {
  kNone,     // biometricInfo []
  kCompact,  // one finger, one iris, the face (plus idrepo's exception records)
  kFull,     // ten fingers, two irises, the face: MOSIP's real count (~2.7 KB a profile)
};

struct GeneratorOptions {
  uint64_t count = 1000;  // profile rows (channel_info changes come on top)
  uint64_t seed = 1;
  // Relative weight of each kind, indexed by ProfileKind; see ApplyShape.
  std::array<double, kProfileKindCount> weights{};
  // Share of rows whose profile is replaced by malformed or partial JSON
  // (truncated, double-encoded, a field of the wrong type, processName
  // missing, no shape marker). They change no identity and no channel_info.
  double malformed_ratio = 0.0;
  BiometricDetail biometrics = BiometricDetail::kCompact;
  int64_t start_us = 1735689600000000;  // first event: 2025-01-01T00:00:00Z
  int64_t span_days = 365;              // events are spread evenly over this many days

  GeneratorOptions();  // weights as ApplyShape("all")
};

// Sets the weights for a shape: "all" (every kind, MOSIP-like proportions),
// "idrepo", "regprc", "prereg" or "annexure". kInvalidArgument otherwise.
Status ApplyShape(std::string_view shape, GeneratorOptions* options);
// Sets the weights from "kind=weight,..." (e.g. "idrepo-new=3,regprc-lost=1");
// unlisted kinds get 0. kInvalidArgument for an unknown kind, a negative or
// non-numeric weight, or all weights 0.
Status ApplyMix(std::string_view mix, GeneratorOptions* options);

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
  std::string
      hashed_channel;        // upper-case hex SHA-256 of the normalised value, or NO_PHONE/NO_EMAIL
  std::string channel_type;  // "phone" or "email"
  int delta = 0;
  int64_t at_us = 0;
};

// Produces the rows. Everything follows from the options: the same options
// give the same rows, byte for byte, on every platform (std::mt19937_64 with
// distributions of our own; no clock, no locale). Holds about 40 bytes of
// state per generated identity. Not thread-safe.
class ProfileGenerator {
 public:
  explicit ProfileGenerator(const GeneratorOptions& options);
  ~ProfileGenerator();
  ProfileGenerator(const ProfileGenerator&) = delete;
  ProfileGenerator& operator=(const ProfileGenerator&) = delete;

  // Fills the next row and the channel_info changes it causes (cleared
  // first). False once `count` rows have been produced.
  bool Next(GeneratedProfile* row, std::vector<ChannelInfoChange>* changes);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// The JSON line --output writes for a row, and for a channel_info change
// (no trailing newline).
void AppendJsonLine(const GeneratedProfile& row, std::string* out);
void AppendJsonLine(const ChannelInfoChange& change, std::string* out);

// A request parsed from the command line.
struct GenerateProfilesRequest {
  GeneratorOptions generator;
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

}  // namespace walcast::app
