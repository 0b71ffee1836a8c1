#include "sinks/elasticsearch/profile_json.h"

#include <cmath>
#include <utility>

#include "core/json_writer.h"

namespace walcast::sinks::elasticsearch {

using mosip::ProfileShape;

bool ProfileJsonWriter::WriteProfile(const mosip::Profile& profile, std::string_view update_id,
                                     int64_t fallback_time_us) {
  // The event year for age groups (§4.1): the profile's date; without one,
  // the row's cr_dtimes (or the commit time), unless MOSIP parity is asked.
  std::optional<int> event_year = profile.event_year;
  if (!event_year && options_->age_group_rule == mosip::AgeGroupRule::kRecommended &&
      fallback_time_us != 0) {
    event_year = UtcYear(fallback_time_us);
  }
  writer_->StartObject();
  writer_->Key("processName");
  WriteStringOrNull(profile.canonical_process_name);
  if (profile.is_flat()) {
    WriteFlat(profile, event_year);
  } else {
    WriteSides(profile, update_id, event_year);
  }
  return writer_->EndObject();
}

// idrepo and Annexure A: the date, the updateId and both sides.
void ProfileJsonWriter::WriteSides(const mosip::Profile& profile, std::string_view update_id,
                                   std::optional<int> event_year) {
  writer_->Key("date");
  WriteStringOrNull(profile.date);
  if (!update_id.empty()) {
    // Base64 needs no escaping: skip the writer's per-character scan.
    scratch_.assign(1, '"').append(update_id).push_back('"');
    writer_->Key("updateId");
    writer_->RawValue(scratch_.data(), scratch_.size(), rapidjson::kStringType);
  }
  const bool idrepo = profile.shape == ProfileShape::kIdRepo;
  for (const auto& [key, snapshot] :
       {std::pair{idrepo ? "oldProfile" : "old", &profile.old_profile},
        std::pair{idrepo ? "newProfile" : "new", &profile.new_profile}}) {
    writer_->Key(key);
    if (!snapshot->present) {
      writer_->Null();
      continue;
    }
    writer_->StartObject();
    WriteSnapshot(profile.shape, *snapshot, event_year);
    writer_->EndObject();
  }
}

// regprc and prereg: one level, the snapshot's fields among the process's.
void ProfileJsonWriter::WriteFlat(const mosip::Profile& profile, std::optional<int> event_year) {
  for (const auto& [key, value] :
       {std::pair{"processStage", &profile.process_stage}, std::pair{"status", &profile.status},
        std::pair{"date", &profile.date}, std::pair{"startDateTime", &profile.start_date_time},
        std::pair{"endDateTime", &profile.end_date_time}}) {
    writer_->Key(key);
    WriteStringOrNull(*value);
  }
  WriteSnapshot(profile.shape, profile.new_profile, event_year);
  writer_->Key("assisted");
  WriteStringList(profile.assisted);
  if (!profile.assisted.empty()) {
    // MOSIP's processAssister: the operator, then the supervisor.
    writer_->Key("registrationOfficers");
    writer_->StartObject();
    writer_->Key("Operator");
    json::String(*writer_, profile.assisted[0]);
    if (profile.assisted.size() > 1) {
      writer_->Key("Supervisor");
      json::String(*writer_, profile.assisted[1]);
    }
    writer_->EndObject();
  }
  writer_->Key("enrollmentCenterId");
  WriteStringOrNull(profile.enrollment_center_id);
}

void ProfileJsonWriter::WriteSnapshot(ProfileShape shape, const mosip::IdentitySnapshot& snapshot,
                                      std::optional<int> event_year) {
  WritePerson(shape, snapshot, event_year);
  WriteExceptions(shape, snapshot.exceptions);
  writer_->Key("verified");
  WriteStringList(snapshot.verified);
  WriteBiometricInfo(snapshot);
  writer_->Key("documents");
  WriteStringList(snapshot.documents);
}

// Year of birth and age group, gender, location, languages and channel.
void ProfileJsonWriter::WritePerson(ProfileShape shape, const mosip::IdentitySnapshot& snapshot,
                                    std::optional<int> event_year) {
  writer_->Key("yearOfBirth");
  if (!snapshot.year_of_birth) {
    writer_->Null();
  } else if (shape == ProfileShape::kRegProc) {
    writer_->Int(*snapshot.year_of_birth);  // regprc writes an int
  } else {
    json::String(*writer_, std::to_string(*snapshot.year_of_birth));  // the others a string
  }
  const std::string_view age_group =
      options_->age_groups.Classify(snapshot.year_of_birth, event_year, options_->age_group_rule);
  if (!age_group.empty()) {
    writer_->Key("ageGroup");
    json::String(*writer_, age_group);
  }
  writer_->Key("gender");
  WriteStringOrNull(snapshot.gender);

  // MOSIP's processLocationList: {"hierarchy1": coarsest, ...}.
  writer_->Key("location");
  writer_->StartObject();
  for (size_t i = 0; i < snapshot.location.size(); ++i) {
    json::Key(*writer_, "hierarchy" + std::to_string(i + 1));
    json::String(*writer_, snapshot.location[i]);
  }
  writer_->EndObject();

  if (shape == ProfileShape::kIdRepo || shape == ProfileShape::kPreReg) {
    writer_->Key("preferredLanguage");
    WriteStringOrNull(snapshot.preferred_languages.empty()
                          ? std::string_view()
                          : std::string_view(snapshot.preferred_languages.front()));
  } else {
    writer_->Key("preferredLanguages");
    WriteStringList(snapshot.preferred_languages);
  }

  // MOSIP's processChannel replaces the list with its category.
  writer_->Key("channel");
  json::String(*writer_, mosip::ChannelCategoryName(snapshot.channel_category()));
}

void ProfileJsonWriter::WriteExceptions(ProfileShape shape,
                                        const std::vector<mosip::BiometricException>& exceptions) {
  writer_->Key("exceptions");
  writer_->StartArray();
  for (const mosip::BiometricException& ex : exceptions) {
    if (shape == ProfileShape::kAnnexureA) {  // opaque labels there
      json::String(*writer_, ex.type);
      continue;
    }
    writer_->StartObject();
    writer_->Key("type");
    WriteStringOrNull(ex.type);
    writer_->Key("subType");
    WriteStringOrNull(ex.sub_type);
    writer_->EndObject();
  }
  writer_->EndArray();
}

// MOSIP's processBiometricList: one entry per modality, keyed by its type,
// with the average quality and attempts and the first record's device
// (without dateTime).
void ProfileJsonWriter::WriteBiometricInfo(const mosip::IdentitySnapshot& snapshot) {
  writer_->Key("biometricInfo");
  writer_->StartObject();
  for (const mosip::ModalitySummary& m :
       mosip::SummarizeBiometrics(snapshot, options_->skip_exception_biometrics)) {
    // An empty field name is refused by Elasticsearch.
    const std::string_view key = m.type.empty() ? std::string_view("Unknown") : m.type;
    json::Key(*writer_, key);
    writer_->StartObject();
    writer_->Key("type");
    json::String(*writer_, key);
    for (const auto& [name, value] : {std::pair{"qualityScore", m.average_quality},
                                      std::pair{"attempts", m.average_attempts}}) {
      writer_->Key(name);
      if (value && std::isfinite(*value)) {
        writer_->Double(*value);
      } else {
        writer_->Null();  // no numeric sample: unknown, not 0 (§5)
      }
    }
    WriteDigitalId(snapshot.biometrics[m.first_entry].device);
    writer_->EndObject();
  }
  writer_->EndObject();
}

void ProfileJsonWriter::WriteDigitalId(const std::optional<mosip::DigitalId>& device) {
  writer_->Key("digitalId");
  if (!device) {
    writer_->Null();
    return;
  }
  writer_->StartObject();
  for (const auto& [name, value] :
       {std::pair{"serialNo", &device->serial_no}, std::pair{"make", &device->make},
        std::pair{"model", &device->model}, std::pair{"type", &device->type},
        std::pair{"deviceSubType", &device->device_sub_type},
        std::pair{"deviceProvider", &device->device_provider},
        std::pair{"deviceProviderId", &device->device_provider_id}}) {
    if (value->empty()) continue;
    writer_->Key(name);
    json::String(*writer_, *value);
  }
  writer_->EndObject();
}

void ProfileJsonWriter::WriteStringOrNull(std::string_view s) {
  if (s.empty()) {
    writer_->Null();
  } else {
    json::String(*writer_, s);
  }
}

void ProfileJsonWriter::WriteStringList(const std::vector<std::string>& list) {
  writer_->StartArray();
  for (const std::string& s : list) json::String(*writer_, s);
  writer_->EndArray();
}

}  // namespace walcast::sinks::elasticsearch
