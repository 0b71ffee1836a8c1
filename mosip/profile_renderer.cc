#include "mosip/profile_renderer.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <iterator>
#include <span>
#include <string>

#include "core/json_writer.h"
#include "mosip/channel_hash.h"
#include "mosip/generator_time.h"

namespace walcast::mosip {

// Capture devices: serials, makes and models per modality, each with a base
// quality so that quality-by-device panels show good and bad devices.
struct Modality {
  std::string_view type, upper, serial_prefix, device_sub_type;
  int devices;
  std::string_view models[2];
};

namespace {

using json::String;

constexpr Modality kFinger = {"Finger", "FINGER", "SN-FGR-", "Slap", 30, {"SLAP01", "SLAP02"}};
constexpr Modality kIris = {"Iris", "IRIS", "SN-IRS-", "Double", 20, {"IRIS01", "IRIS02"}};
constexpr Modality kFace = {"Face", "FACE", "SN-FCE-", "Full face", 20, {"CAM01", "CAM02"}};
constexpr std::string_view kMakes[] = {"ACME", "Globex", "Initech"};
constexpr std::string_view kFingers[] = {
    "Left Thumb",        "Left IndexFinger",  "Left MiddleFinger", "Left RingFinger",
    "Left LittleFinger", "Right Thumb",       "Right IndexFinger", "Right MiddleFinger",
    "Right RingFinger",  "Right LittleFinger"};

int DeviceBaseQuality(const Modality& m, int device) {
  if (device % 9 == 4) return 42;  // a worn-out device in every fleet
  return 62 + (device * 37 + static_cast<int>(m.type.size()) * 11) % 29;
}

bool Has(unsigned bits, size_t i) { return (bits & (1u << i)) != 0; }

// The names whose bit is set in `bits`, as an array.
void FlaggedNames(unsigned bits, std::span<const std::string_view> names, JsonWriter& w) {
  w.StartArray();
  for (size_t i = 0; i < names.size(); ++i) {
    if (Has(bits, i)) String(w, names[i]);
  }
  w.EndArray();
}

// "type":"Finger","subType":"Left Thumb" (regprc: "FINGER").
void ExceptionMembers(const ExceptionSpec& spec, bool upper, JsonWriter& w) {
  w.Key("type");
  String(w, upper ? spec.upper : spec.type);
  w.Key("subType");
  String(w, spec.sub_type);
}

// A JSON string holding a number, as MOSIP writes postal codes and years.
void NumberString(JsonWriter& w, std::string_view prefix, int64_t n) {
  String(w, std::string(prefix) + std::to_string(n));
}

// {"hashedchannel":"…","name":"phone"}: one of Annexure A's channels.
void HashedChannel(std::string_view hash, std::string_view name, JsonWriter& w) {
  w.StartObject();
  w.Key("hashedchannel");
  String(w, hash);
  w.Key("name");
  String(w, name);
  w.EndObject();
}

}  // namespace

void ProfileRenderer::IdrepoSnapshot(const Person& p, bool biometrics, int64_t at_us,
                                     JsonWriter& w) {
  w.StartObject();
  YearOfBirthAndGender(p, w);
  w.Key("location");
  Location(p, w);
  w.Key("preferredLanguage");
  String(w, kLanguages[p.language]);
  w.Key("channel");
  w.StartArray();
  if (p.phone != 0) w.String("PHONE");
  if (p.email != 0) w.String("EMAIL");
  w.EndArray();
  w.Key("exceptions");
  ExceptionObjects(p, /*upper=*/false, w);
  w.Key("verified");
  FlaggedNames(p.verified, kVerifiable, w);
  w.Key("biometricInfo");
  w.StartArray();
  if (biometrics) Biometrics(p, /*idrepo=*/true, at_us, w);
  w.EndArray();
  w.Key("documents");
  Documents(p, w);
  w.EndObject();
}

void ProfileRenderer::AnnexureSnapshot(const Person& p, JsonWriter& w) {
  w.StartObject();
  YearOfBirthAndGender(p, w);
  // Region / Province / City, coarse to fine.
  w.Key("location");
  w.StartArray();
  NumberString(w, "Region-", p.zone + 1);
  if (p.postal != kNoPostal) {
    NumberString(w, "Province-", p.postal / 5 + 1);
    NumberString(w, "City-", p.zone * kPostalPerZone + p.postal + 1);
  }
  w.EndArray();
  w.Key("preferredLanguages");
  w.StartArray();
  String(w, kLanguages[p.language]);
  if (p.second_language != kNoLanguage) String(w, kLanguages[p.second_language]);
  w.EndArray();
  w.Key("channel");
  w.StartArray();
  if (p.phone != 0) HashedChannel(PhoneHash(p.phone), "phone", w);
  if (p.email != 0) HashedChannel(EmailHash(p.email), "email", w);
  w.EndArray();
  w.Key("exceptions");
  w.StartArray();
  for (size_t i = 0; i < std::size(kExceptionSpecs); ++i) {
    if (Has(p.exceptions, i)) String(w, kExceptionSpecs[i].label);
  }
  w.EndArray();
  w.Key("verified");
  FlaggedNames(p.verified, kVerifiable, w);
  w.EndObject();
}

void ProfileRenderer::RegprcPerson(const Person& p, bool lost, int64_t at_us, JsonWriter& w) {
  w.Key("yearOfBirth");
  w.Int(p.birth_year);
  w.Key("gender");
  String(w, kGenders[p.gender]);
  w.Key("location");
  Location(p, w);
  w.Key("preferredLanguages");
  if (lost) {
    w.Null();
  } else {
    w.StartArray();
    String(w, kLanguages[p.language]);
    w.EndArray();
  }
  w.Key("channel");
  ChannelNames(p, w);
  w.Key("exceptions");
  ExceptionObjects(p, /*upper=*/true, w);
  w.Key("verified");
  w.Null();
  w.Key("biometricInfo");
  w.StartArray();
  Biometrics(p, /*idrepo=*/false, at_us, w);
  w.EndArray();
  w.Key("device");
  w.Null();
  w.Key("documents");
  if (lost) {
    w.StartArray();
    w.EndArray();
  } else {
    Documents(p, w);
  }
}

void ProfileRenderer::YearOfBirthAndGender(const Person& p, JsonWriter& w) {
  w.Key("yearOfBirth");
  if (p.birth_year > 0) {
    NumberString(w, "", p.birth_year);
  } else {
    w.Null();
  }
  w.Key("gender");
  String(w, kGenders[p.gender]);
}

void ProfileRenderer::Location(const Person& p, JsonWriter& w) {
  w.StartArray();
  String(w, kZones[p.zone]);
  if (p.postal != kNoPostal) NumberString(w, "", 10001 + p.zone * 1000 + p.postal * 7);
  w.EndArray();
}

void ProfileRenderer::Documents(const Person& p, JsonWriter& w) {
  FlaggedNames(p.documents, kDocuments, w);
}

void ProfileRenderer::ChannelNames(const Person& p, JsonWriter& w) {
  w.StartArray();
  if (p.email != 0) w.String("email");
  if (p.phone != 0) w.String("phone");
  w.EndArray();
}

void ProfileRenderer::ExceptionObjects(const Person& p, bool upper, JsonWriter& w) {
  w.StartArray();
  for (size_t i = 0; i < std::size(kExceptionSpecs); ++i) {
    if (!Has(p.exceptions, i)) continue;
    w.StartObject();
    ExceptionMembers(kExceptionSpecs[i], upper, w);
    w.EndObject();
  }
  w.EndArray();
}

// idrepo lists a BIR for each exception: quality 0, no device (§2.1).
void ProfileRenderer::ExceptionBirs(const Person& p, JsonWriter& w) {
  for (size_t i = 0; i < std::size(kExceptionSpecs); ++i) {
    if (!Has(p.exceptions, i)) continue;
    w.StartObject();
    ExceptionMembers(kExceptionSpecs[i], /*upper=*/false, w);
    w.Key("qualityScore");
    w.Int(0);
    w.Key("attempts");
    w.String("1");
    w.Key("digitalId");
    w.Null();
    w.EndObject();
  }
}

bool ProfileRenderer::IsException(const Person& p, const Capture& c) {
  for (size_t i = 0; i < std::size(kExceptionSpecs); ++i) {
    if (Has(p.exceptions, i) && kExceptionSpecs[i].type == c.modality->type &&
        kExceptionSpecs[i].sub_type == c.sub_type) {
      return true;
    }
  }
  return false;
}

// What the detail level captures: every finger and both irises, or one
// finger and one iris drawn at random; then the face.
void ProfileRenderer::CollectCaptures() {
  captures_.clear();
  if (detail_ == BiometricDetail::kFull) {
    for (std::string_view f : kFingers) captures_.push_back({&kFinger, f});
    captures_.push_back({&kIris, "Left"});
    captures_.push_back({&kIris, "Right"});
  } else {
    captures_.push_back({&kFinger, rng_->Chance(0.5) ? "Left IndexFinger" : "Right IndexFinger"});
    captures_.push_back({&kIris, rng_->Chance(0.5) ? "Left" : "Right"});
  }
  captures_.push_back({&kFace, ""});
}

// One BIR per captured finger, iris and face, each with its device's
// decoded digitalId, inside an open array; idrepo also lists the exception
// BIRs, regprc leaves them out (§2.1, §2.2).
void ProfileRenderer::Biometrics(const Person& p, bool idrepo, int64_t at_us, JsonWriter& w) {
  if (detail_ == BiometricDetail::kNone) return;
  if (idrepo) ExceptionBirs(p, w);
  CollectCaptures();
  const Modality* device_modality = nullptr;
  int device = 0;
  int64_t captured_us = at_us - kMicrosPerSecond * rng_->Between(600, 3600);
  for (const Capture& c : captures_) {
    if (IsException(p, c)) continue;
    if (c.modality != device_modality) {  // one device per modality
      device_modality = c.modality;
      device = static_cast<int>(rng_->Below(static_cast<uint64_t>(c.modality->devices)));
      captured_us += kMicrosPerSecond * rng_->Between(3, 40);
    }
    const double noise = (rng_->Unit() + rng_->Unit() + rng_->Unit() - 1.5) * 16;
    const int quality =
        std::clamp(static_cast<int>(DeviceBaseQuality(*c.modality, device) + noise), 0, 100);
    const int attempts = static_cast<int>(rng_->Weighted(std::array{70.0, 22.0, 8.0})) + 1;
    w.StartObject();
    w.Key("type");
    String(w, idrepo ? c.modality->type : c.modality->upper);
    w.Key("subType");
    if (c.sub_type.empty() && !idrepo) {
      w.Null();  // regprc writes null for an empty subType
    } else {
      String(w, c.sub_type);
    }
    w.Key("qualityScore");
    w.Int(quality);
    w.Key("attempts");
    NumberString(w, "", attempts);
    w.Key("digitalId");
    DigitalId(*c.modality, device, captured_us, w);
    w.EndObject();
  }
}

// The decoded JWT payload of the device's signed digitalId, as a JSON string.
void ProfileRenderer::DigitalId(const Modality& m, int device, int64_t captured_us,
                                JsonWriter& w) {
  const std::string_view make = kMakes[device % 3];
  char serial[24];
  std::snprintf(serial, sizeof serial, "%.*s%04d", static_cast<int>(m.serial_prefix.size()),
                m.serial_prefix.data(), device + 1);
  digital_id_.Clear();
  JsonWriter id(digital_id_);
  id.StartObject();
  id.Key("serialNo");
  id.String(serial);
  for (const auto& [key, value] :
       {std::pair{"make", make}, std::pair{"model", m.models[device % 2]},
        std::pair{"type", m.type}, std::pair{"deviceSubType", m.device_sub_type},
        std::pair{"deviceProvider", make}}) {
    id.Key(key);
    String(id, value);
  }
  id.Key("deviceProviderId");
  String(id, std::string(make) + ".SBI");
  id.Key("dateTime");
  String(id, IsoSecondsText(captured_us));
  id.EndObject();
  String(w, std::string_view(digital_id_.GetString(), digital_id_.GetSize()));
}

}  // namespace walcast::mosip
