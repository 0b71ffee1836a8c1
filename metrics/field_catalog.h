#pragma once

// The catalogue of fields a metric definition may name (docs/metrics.md,
// "Fields"): for each field, its kind, where it lives in a profile and in
// which sources it exists. Shared by the definition reader, which checks
// definitions against it, and by nothing outside metrics/.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "metrics/definition.h"

namespace walcast::metrics {

// Sets of sources are bit masks: Bit(s) is the bit of one source.
constexpr uint8_t Bit(Source s) { return static_cast<uint8_t>(1u << static_cast<unsigned>(s)); }
constexpr uint8_t kOldNewSources = Bit(Source::kIdRepo) | Bit(Source::kAnnexure);
constexpr uint8_t kFlatSources = Bit(Source::kRegProc) | Bit(Source::kPreReg);
constexpr uint8_t kProfileSources = kOldNewSources | kFlatSources;
constexpr uint8_t kDocumentSources = Bit(Source::kDocument);
constexpr uint8_t kAllSources = kProfileSources | Bit(Source::kChannelInfo) | kDocumentSources;

// Where a field lives.
enum class Scope : uint8_t { kProfile, kSide, kElement, kRow };

struct FieldInfo {
  Field field;
  std::string_view name;
  FieldKind kind;
  Scope scope;
  uint8_t sources;
  Field list;  // kElement: the list the field belongs to
};

// The catalogue entry of `f`.
const FieldInfo& Info(Field f);

// How a field reads in one source: its kind, scope and list. channel_info's
// hashedChannel and channelType are plain columns.
FieldInfo FieldShape(Field f, Source s);

// "location_L2", "column.process_stage", "path.location.country",
// "domain.email", "years_since.dob.date", or a catalogue name; nullopt for
// anything else.
std::optional<FieldRef> ParseFieldName(std::string_view name);

// The key name a field gets when the definition gives none.
std::string DefaultKeyName(const FieldRef& ref);

}  // namespace walcast::metrics
