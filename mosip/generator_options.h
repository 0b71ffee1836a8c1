#pragma once

// What the profile generator (profile_generator.h) makes: the kinds of
// profile row, the tables they go to, and the options of a run.
// docs/profiles.md describes the data.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace walcast::mosip {

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
ProfileTable TableOf(ProfileKind kind);

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

  double weight(ProfileKind kind) const { return weights[static_cast<size_t>(kind)]; }
};

// Sets the weights for a shape: "all" (every kind, MOSIP-like proportions),
// "idrepo", "regprc", "prereg" or "annexure". kInvalidArgument otherwise
// (the message names the --shape flag).
Status ApplyShape(std::string_view shape, GeneratorOptions* options);
// Sets the weights from "kind=weight,..." (e.g. "idrepo-new=3,regprc-lost=1");
// unlisted kinds get 0. kInvalidArgument for an unknown kind, a negative or
// non-numeric weight, or all weights 0 (the message names the --mix flag).
Status ApplyMix(std::string_view mix, GeneratorOptions* options);

}  // namespace walcast::mosip
