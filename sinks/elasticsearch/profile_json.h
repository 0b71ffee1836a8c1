#pragma once

// An anonymous profile in the shape MOSIP's dashboards read
// (docs/elasticsearch.md §4.3): idrepo and Annexure A as {processName,
// date, updateId, oldProfile, newProfile}, regprc and prereg flat; each
// identity snapshot with ageGroup, location.hierarchyN, the channel
// category and biometricInfo collapsed per modality.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mosip/profile.h"
#include "sinks/elasticsearch/column_json.h"
#include "sinks/elasticsearch/raw_document_options.h"

namespace walcast::sinks::elasticsearch {

// Writes parsed profiles into a borrowed JsonWriter. Borrows `writer` and
// `options`, which must outlive it. Not thread-safe.
class ProfileJsonWriter {
 public:
  ProfileJsonWriter(JsonWriter* writer, const RawDocumentOptions* options)
      : writer_(writer), options_(options) {}
  ProfileJsonWriter(const ProfileJsonWriter&) = delete;
  ProfileJsonWriter& operator=(const ProfileJsonWriter&) = delete;

  // The `profile` field's object. `update_id` is MOSIP's profile.updateId
  // ("" for none: not written); `fallback_time_us` (epoch microseconds, 0
  // if unknown) dates a profile without a `date` for its age groups.
  bool WriteProfile(const mosip::Profile& profile, std::string_view update_id,
                    int64_t fallback_time_us);

 private:
  void WriteFlat(const mosip::Profile& profile, std::optional<int> event_year);
  void WriteSides(const mosip::Profile& profile, std::string_view update_id,
                  std::optional<int> event_year);
  void WriteSnapshot(mosip::ProfileShape shape, const mosip::IdentitySnapshot& snapshot,
                     std::optional<int> event_year);
  void WritePerson(mosip::ProfileShape shape, const mosip::IdentitySnapshot& snapshot,
                   std::optional<int> event_year);
  void WriteExceptions(mosip::ProfileShape shape,
                       const std::vector<mosip::BiometricException>& exceptions);
  void WriteBiometricInfo(const mosip::IdentitySnapshot& snapshot);
  void WriteDigitalId(const std::optional<mosip::DigitalId>& device);
  void WriteStringOrNull(std::string_view s);
  void WriteStringList(const std::vector<std::string>& list);

  JsonWriter* writer_;
  const RawDocumentOptions* options_;
  std::string scratch_;
};

}  // namespace walcast::sinks::elasticsearch
