#pragma once

// The JSON of generated profiles (profile_generator.h): each producer's
// snapshot of a Person in its exact field order and null habits
// (anonymous-profile.md §2), written with RapidJSON's Writer.

#include <cstdint>
#include <string_view>
#include <vector>

#include "mosip/generator_options.h"
#include "mosip/population.h"
#include "mosip/rng.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace walcast::mosip {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

struct Modality;  // a fleet of capture devices (profile_renderer.cc)

// Renders snapshots into a writer the caller owns; the caller opens and
// closes the enclosing object. Biometric records draw their devices and
// qualities from `rng`, which must outlive the renderer. Not thread-safe.
class ProfileRenderer {
 public:
  ProfileRenderer(Rng* rng, BiometricDetail detail) : rng_(rng), detail_(detail) {}
  ProfileRenderer(const ProfileRenderer&) = delete;
  ProfileRenderer& operator=(const ProfileRenderer&) = delete;

  // idrepo's AnonymousProfile (oldProfile/newProfile), an object; biometric
  // records only when `biometrics`, captured shortly before `at_us`.
  void IdrepoSnapshot(const Person& p, bool biometrics, int64_t at_us, JsonWriter& w);
  // Annexure A's <profile>, an object: hashed channels, label exceptions,
  // a languages list.
  static void AnnexureSnapshot(const Person& p, JsonWriter& w);
  // regprc's AnonymousProfileDTO members from yearOfBirth to documents, into
  // an open object: int year (0 unknown), language list, channel field names,
  // upper-case modalities, non-exception BIRs only, nulls for unset.
  void RegprcPerson(const Person& p, bool lost, int64_t at_us, JsonWriter& w);

  // "yearOfBirth":"1988","gender":"Female" as idrepo, prereg and Annexure A
  // write them: the year as a string, null when unknown.
  static void YearOfBirthAndGender(const Person& p, JsonWriter& w);
  // ["Zone-North","10008"]: the zone, then the postal code unless missing.
  static void Location(const Person& p, JsonWriter& w);
  // ["DOC001","DOC004"]
  static void Documents(const Person& p, JsonWriter& w);
  // ["email","phone"]: the channel field names regprc and prereg list.
  static void ChannelNames(const Person& p, JsonWriter& w);

 private:
  // A biometric capture: a modality (device fleet) and a sub type.
  struct Capture {
    const Modality* modality;
    std::string_view sub_type;
  };

  static void ExceptionObjects(const Person& p, bool upper, JsonWriter& w);
  static void ExceptionBirs(const Person& p, JsonWriter& w);
  static bool IsException(const Person& p, const Capture& c);
  void Biometrics(const Person& p, bool idrepo, int64_t at_us, JsonWriter& w);
  void CollectCaptures();
  void DigitalId(const Modality& m, int device, int64_t captured_us, JsonWriter& w);

  Rng* rng_;
  const BiometricDetail detail_;
  std::vector<Capture> captures_;        // scratch of Biometrics()
  rapidjson::StringBuffer digital_id_;  // scratch of DigitalId()
};

}  // namespace walcast::mosip
