#pragma once

// Anonymous profiles: the JSON text MOSIP stores in `anonymous_profile.profile`,
// parsed into one normalised value for the metrics engine and the raw-document
// writer. Every shape of ../shared/reference/anonymous-profile.md §2 is accepted
// (ID repository, registration processor, pre-registration, the design
// document's Annexure A) and told apart as its §2.5 says. docs/profiles.md has
// the field-by-field mapping.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace walcast::mosip {

// Which producer wrote a profile (anonymous-profile.md §2.1–2.4).
enum class ProfileShape : uint8_t {
  kIdRepo,     // idrepo.anonymous_profile: processName, date, oldProfile, newProfile
  kRegProc,    // regprc.anonymous_profile: flat, processStage, yearOfBirth an int
  kPreReg,     // prereg.anonymous_profile: flat, processName "preregistration"
  kAnnexureA,  // the design document's seed: processName, old, new, hashed channels
};

// "idrepo", "regprc", "prereg", "annexure" (the source names of metrics.md §1).
std::string_view ShapeName(ProfileShape shape);

// Why a profile was refused. Every one comes back as Status::kRejected (the
// record belongs in the dead-letter index); callers that count reasons branch
// on this, never on the message.
enum class ProfileError : uint8_t {
  kNone = 0,
  kTooLarge,       // longer than ProfileParserOptions::max_bytes
  kMalformedJson,  // not JSON (or truncated, or invalid UTF-8); the message has the byte offset
  kTooDeep,        // nesting deeper than ProfileParserOptions::max_depth
  kNotAnObject,    // valid JSON whose top level is not an object
  kUnknownShape,   // none of §2.5's markers (processStage, oldProfile/newProfile, old/new)
  kMissingField,   // a mandatory key is absent (see ProfileParser::Parse)
  kWrongType,      // a known field holds the wrong JSON type; the message names its path
};

std::string_view ProfileErrorName(ProfileError error);

// A calendar date (proleptic Gregorian), as written in a profile's `date`.
struct CivilDate {
  int year = 0;
  int month = 0;  // 1..12
  int day = 0;    // 1..31
  bool operator==(const CivilDate&) const = default;
};

// One biometric exception. idrepo writes the modality as "Finger"/"Iris"/"Face"
// (space-joined if several), regprc as "FINGER"/"IRIS"/"FACE"; sub_type is
// space-joined ("Left Thumb"). Annexure A's exceptions are opaque labels
// ("Iris/Left"): the label is in `type` and sub_type is empty.
struct BiometricException {
  std::string type;
  std::string sub_type;
  bool operator==(const BiometricException&) const = default;
};

// The device that captured a biometric, from `digitalId`: the decoded JWT
// payload text, a raw JWT or base64 of it (decoded here), or an object.
// Fields the producer left out stay empty.
struct DigitalId {
  std::string serial_no;
  std::string make;
  std::string model;
  std::string type;
  std::string device_sub_type;
  std::string device_provider;
  std::string device_provider_id;
  std::string date_time;  // left out of MOSIP's collapsed raw document (§4.5)
};

// One entry of `biometricInfo` (one CBEFF BIR).
struct BiometricRecord {
  std::string type;                     // modality as written; CanonicalModality() folds case
  std::string sub_type;                 // empty when null
  std::optional<double> quality_score;  // nullopt: missing or non-numeric (excluded from averages)
  std::optional<double> attempts;       // from the string `attempts` ("2"); nullopt if non-numeric
  std::string digital_id;               // the text as written; empty when null
  std::optional<DigitalId> device;      // nullopt when digitalId is null or cannot be decoded
  // The BIR matches one of the snapshot's exceptions (same type and subType,
  // case-insensitively). idrepo keeps exception BIRs in biometricInfo; quality
  // averages should leave them out (§4.5).
  bool is_exception = false;
};

// A channel in Annexure A's form: the hash of a normalised phone or email and
// its name ("phone" / "email"). Compare hashes case-insensitively (§4.4).
struct HashedChannel {
  std::string hash;
  std::string name;
  bool operator==(const HashedChannel&) const = default;
};

// MOSIP's one-per-profile channel category (§4.3).
enum class ChannelCategory : uint8_t { kNone, kOnlyPhone, kOnlyEmail, kBoth };

// "None", "only phone", "only email", "Both phone and email": the strings
// MOSIP's dashboards read.
std::string_view ChannelCategoryName(ChannelCategory category);

// One identity snapshot: idrepo's oldProfile/newProfile, Annexure A's old/new,
// or the flat regprc/prereg profile. Missing, null and [] all read as "no
// value": empty strings and lists, nullopt numbers (§5). Null elements and
// blank strings inside lists are dropped.
struct IdentitySnapshot {
  // False when the side is absent or null (a new registration's old side).
  bool present = false;
  // The number written, from a JSON int (regprc) or a string (idrepo, Annexure).
  // regprc's 0 ("unknown") stays 0; nullopt for null, "", or non-numeric text.
  // AgeGroups::Classify turns all of these into an age group.
  std::optional<int> year_of_birth;
  std::string gender;                 // empty when null
  std::vector<std::string> location;  // coarse to fine, at most kMaxLocationLevels
  // `preferredLanguage` (idrepo, prereg) and `preferredLanguages[]` (regprc,
  // Annexure), as written.
  std::vector<std::string> preferred_languages;
  // Channel names as written ("PHONE" in idrepo, "phone" in regprc, the names
  // of the hashed entries in Annexure A).
  std::vector<std::string> channels;
  std::vector<HashedChannel> hashed_channels;  // Annexure A only
  bool has_phone = false;                      // some channel is "phone", case-insensitively
  bool has_email = false;                      // some channel is "email", case-insensitively
  std::vector<BiometricException> exceptions;
  std::vector<std::string> verified;
  std::vector<BiometricRecord> biometrics;
  std::vector<std::string> documents;  // document type codes (master.doc_type.code)

  ChannelCategory channel_category() const;
  // Empties every field (keeps capacity, so a reused snapshot stops allocating).
  void Clear();
};

// Location levels beyond this depth are dropped (§5).
inline constexpr size_t kMaxLocationLevels = 10;

// A parsed anonymous profile. Strings are as written unless a field says
// otherwise; empty means null or absent.
struct Profile {
  ProfileShape shape = ProfileShape::kIdRepo;
  std::string process_name;            // as written: "New", "NEW", "update", "preregistration"
  std::string canonical_process_name;  // CanonicalProcessName(process_name): "New", "Res_update"
  std::string date;                    // as written: "2025-03-14" or "2025-03-14T09:12:44.120Z"
  // From the leading YYYY-MM-DD of `date` (or Jackson's [y,m,d,...] array).
  // nullopt when absent or unreadable; use the row's cr_dtimes then (§4.1).
  std::optional<CivilDate> event_date;
  // The leading four digits of `date`, even when the rest is not a date.
  std::optional<int> event_year;

  // regprc and prereg.
  std::string process_stage;  // "SYNC", "PrintingStage", "preregistration"
  std::string status;         // "PROCESSED", "REGISTERED", ...
  std::string start_date_time;
  std::string end_date_time;
  std::string enrollment_center_id;
  std::vector<std::string> assisted;  // regprc: [operator id, supervisor id]

  // idrepo and Annexure A: the identity before and after the change (full
  // snapshots, not diffs; §4.6). A new registration has old_profile.present
  // false. regprc and prereg are flat: their fields are in new_profile and
  // old_profile is never present (metrics.md's `side: flat`).
  IdentitySnapshot old_profile;
  IdentitySnapshot new_profile;

  bool is_flat() const { return shape == ProfileShape::kRegProc || shape == ProfileShape::kPreReg; }
  bool is_update() const { return old_profile.present && new_profile.present; }
  // Empties every field, keeping capacity.
  void Clear();
};

// Facts about the row that carries the profile, for §2.5's first rule.
struct ProfileRowContext {
  // The row's `process_stage` column, when the table has one (regprc). Its
  // presence alone marks the profile as regprc/prereg; its value fills
  // Profile::process_stage when the JSON has no processStage.
  std::optional<std::string_view> process_stage_column;
};

struct ProfileParserOptions {
  // Longer profiles are refused (kTooLarge) before parsing. MOSIP's are 2–20 KB.
  size_t max_bytes = size_t{1} << 20;
  // Deeper nesting is refused (kTooDeep); real profiles nest four levels.
  int max_depth = 32;
};

// Parses profile JSON text into a Profile. Owns its scratch memory (a copy of
// the text for in-situ parsing and a pooled allocator), so a parser reused
// for every row, with a reused Profile, settles at no heap allocation per
// profile beyond long strings. Not thread-safe: one parser per thread.
class ProfileParser {
 public:
  explicit ProfileParser(ProfileParserOptions options = {});
  ~ProfileParser();
  ProfileParser(const ProfileParser&) = delete;
  ProfileParser& operator=(const ProfileParser&) = delete;

  // Parses `json` into *out, overwriting every field. Unknown keys are
  // ignored. The shape follows §2.5: a processStage key or a process_stage
  // column means regprc (prereg when processName is "preregistration"), else
  // oldProfile/newProfile means idrepo, else old/new means Annexure A.
  // Mandatory: processName in every shape (null allowed: MOSIP's empty
  // profile after a builder error), date in idrepo, regprc and prereg (null
  // allowed), processStage in regprc/prereg (JSON or column). An oldProfile
  // without a newProfile is kMissingField (MOSIP never writes one, §4.6).
  //
  // Returns OK, or kRejected with last_error() saying why and a message
  // naming the field path or the byte offset. *out is unspecified after an
  // error. Never throws.
  Status Parse(std::string_view json, const ProfileRowContext& row, Profile* out);
  Status Parse(std::string_view json, Profile* out) { return Parse(json, {}, out); }

  // Why the last Parse failed (kNone after a success).
  ProfileError last_error() const { return last_error_; }

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  ProfileError last_error_ = ProfileError::kNone;
};

// One-off parse with a fresh parser (tests, tools). On the hot path keep a
// ProfileParser instead.
Result<Profile> ParseProfile(std::string_view json, const ProfileRowContext& row = {});

// ---- Derived values (anonymous-profile.md §4) ----

// MOSIP's processName form: first letter upper case, the rest lower case
// ("NEW" -> "New", "RES_UPDATE" -> "Res_update"; §4.5). ASCII only.
std::string CanonicalProcessName(std::string_view process_name);

// Modality for grouping: upper case ("Finger" and "FINGER" -> "FINGER"; §4.5).
std::string CanonicalModality(std::string_view type);

// Case-insensitive ASCII comparison (hashes, channel names, modalities).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// How AgeGroups treats unknown years of birth.
enum class AgeGroupRule : uint8_t {
  // yearOfBirth null, non-numeric, <= 0 or after the event year, or no
  // event year at all, is "Unknown" (§4.1's recommendation).
  kRecommended,
  // MOSIP's AnonymousProfileTransform, for Kibana parity: a missing event
  // year or yearOfBirth gives no age group (empty label); every other age
  // that matches no bucket, including regprc's 0 and negative ages, falls
  // into the last label.
  kMosipParity,
};

inline constexpr std::string_view kUnknownAgeGroup = "Unknown";

// Age buckets from a spec such as MOSIP's "0-5, 5-18, 18-60, 60 and above":
// comma-separated items, each "a-b" a half-open bucket [a, b) labelled as
// written, checked in order; the last item's label also takes every age no
// bucket matches ("60 and above", MOSIP tests' "default"). The age is a
// whole-year difference, event year minus year of birth (§4.1).
class AgeGroups {
 public:
  // kInvalidArgument for an empty spec or item, no range at all, an empty
  // range (a >= b), or a label that is not a range anywhere but last.
  static Result<AgeGroups> Parse(std::string_view spec);
  // "0-5, 5-18, 18-60, 60 and above".
  static AgeGroups MosipDefault();

  // The label for a year of birth and the event's year (Profile::event_year,
  // or the year of cr_dtimes when the profile has no date). The view points
  // into this object, or at kUnknownAgeGroup.
  std::string_view Classify(std::optional<int> year_of_birth, std::optional<int> event_year,
                            AgeGroupRule rule = AgeGroupRule::kRecommended) const;

  struct Bucket {
    int lower = 0;
    int upper = 0;  // exclusive
    std::string label;
  };
  const std::vector<Bucket>& buckets() const { return buckets_; }
  const std::string& fallback_label() const { return fallback_; }

 private:
  AgeGroups() = default;
  std::vector<Bucket> buckets_;
  std::string fallback_;
};

// MOSIP's collapsed biometricInfo: one entry per modality (§4.5). subType is
// dropped; quality and attempts are averaged over the entries whose
// qualityScore and attempts are both numeric; the device is the first
// entry's.
struct ModalitySummary {
  std::string type;  // the spelling of the first entry ("Finger" in idrepo, "FINGER" in regprc)
  std::optional<double> average_quality;  // nullopt when no entry had both numbers
  std::optional<double> average_attempts;
  size_t samples = 0;      // entries in the averages
  size_t first_entry = 0;  // index into IdentitySnapshot::biometrics (its device)
};

// Collapses snapshot.biometrics per modality, in order of first appearance,
// grouping case-insensitively. With skip_exceptions, BIRs flagged
// is_exception are left out (recommended for idrepo; MOSIP keeps them).
std::vector<ModalitySummary> SummarizeBiometrics(const IdentitySnapshot& snapshot,
                                                 bool skip_exceptions);

}  // namespace walcast::mosip
