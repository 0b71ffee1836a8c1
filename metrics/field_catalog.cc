#include "metrics/field_catalog.h"

#include <charconv>

#include "core/status.h"

namespace walcast::metrics {
namespace {

// The field catalogue (docs/metrics.md, "Fields"). kHashedChannel and
// kChannelType read differently in Annexure A (an exploded list) and
// channel_info (columns); FieldShape() tells them apart.
constexpr FieldInfo kFields[] = {
    {Field::kProcessName, "processName", FieldKind::kScalar, Scope::kProfile, kProfileSources, {}},
    {Field::kProcessStage, "processStage", FieldKind::kScalar, Scope::kProfile, kFlatSources, {}},
    {Field::kStatus, "status", FieldKind::kScalar, Scope::kProfile, kFlatSources, {}},
    {Field::kEnrollmentCenterId,
     "enrollmentCenterId",
     FieldKind::kScalar,
     Scope::kProfile,
     kFlatSources,
     {}},
    {Field::kShape, "shape", FieldKind::kScalar, Scope::kProfile, kProfileSources, {}},
    {Field::kIsUpdate, "isUpdate", FieldKind::kScalar, Scope::kProfile, kOldNewSources, {}},
    {Field::kChangedAttribute,
     "changedAttribute",
     FieldKind::kList,
     Scope::kProfile,
     kOldNewSources,
     {}},
    {Field::kGender, "gender", FieldKind::kScalar, Scope::kSide, kProfileSources, {}},
    {Field::kAgeGroup, "ageGroup", FieldKind::kScalar, Scope::kSide, kProfileSources, {}},
    {Field::kYearOfBirth, "yearOfBirth", FieldKind::kScalar, Scope::kSide, kProfileSources, {}},
    {Field::kLocation, "location", FieldKind::kScalar, Scope::kSide, kProfileSources, {}},
    {Field::kChannelCategory,
     "channelCategory",
     FieldKind::kScalar,
     Scope::kSide,
     kProfileSources,
     {}},
    {Field::kHasPhone, "hasPhone", FieldKind::kScalar, Scope::kSide, kProfileSources, {}},
    {Field::kHasEmail, "hasEmail", FieldKind::kScalar, Scope::kSide, kProfileSources, {}},
    {Field::kHasException, "hasException", FieldKind::kScalar, Scope::kSide, kProfileSources, {}},
    {Field::kHasVerified, "hasVerified", FieldKind::kScalar, Scope::kSide, kProfileSources, {}},
    {Field::kPreferredLanguage,
     "preferredLanguage",
     FieldKind::kList,
     Scope::kSide,
     kProfileSources,
     {}},
    {Field::kVerified, "verified", FieldKind::kList, Scope::kSide, kProfileSources, {}},
    {Field::kDocument, "document", FieldKind::kList, Scope::kSide, kProfileSources, {}},
    {Field::kException, "exception", FieldKind::kList, Scope::kSide, kProfileSources, {}},
    {Field::kModality, "modality", FieldKind::kList, Scope::kSide, kProfileSources, {}},
    {Field::kQualityScore, "qualityScore", FieldKind::kNumber, Scope::kElement, kProfileSources,
     Field::kModality},
    {Field::kAttempts, "attempts", FieldKind::kNumber, Scope::kElement, kProfileSources,
     Field::kModality},
    {Field::kAge, "age", FieldKind::kNumber, Scope::kSide, kProfileSources, {}},
    {Field::kHashedChannel,
     "hashedChannel",
     FieldKind::kList,
     Scope::kSide,
     Bit(Source::kAnnexure) | Bit(Source::kChannelInfo),
     {}},
    {Field::kChannelType, "channelType", FieldKind::kScalar, Scope::kElement,
     Bit(Source::kAnnexure) | Bit(Source::kChannelInfo), Field::kHashedChannel},
    {Field::kNoOfRecords,
     "noOfRecords",
     FieldKind::kNumber,
     Scope::kRow,
     Bit(Source::kChannelInfo),
     {}},
    {Field::kColumn, "column", FieldKind::kScalar, Scope::kRow, kAllSources, {}},
    {Field::kPath, "path", FieldKind::kScalar, Scope::kRow, kDocumentSources, {}},
    {Field::kDomain, "domain", FieldKind::kScalar, Scope::kRow, kDocumentSources, {}},
    {Field::kYearsSince, "years_since", FieldKind::kNumber, Scope::kRow, kDocumentSources, {}},
};

// Fields written "<name>.<argument>": a column name or a JSON path.
bool TakesArgument(Field f) {
  return f == Field::kColumn || f == Field::kPath || f == Field::kDomain ||
         f == Field::kYearsSince;
}

// A dotted JSON path: non-empty segments.
bool ValidPath(std::string_view path) {
  if (path.empty() || path.front() == '.' || path.back() == '.') return false;
  return path.find("..") == std::string_view::npos;
}

}  // namespace

const FieldInfo& Info(Field f) {
  for (const FieldInfo& info : kFields) {
    if (info.field == f) return info;
  }
  WALCAST_CHECK(false);
  return kFields[0];
}

FieldInfo FieldShape(Field f, Source s) {
  FieldInfo info = Info(f);
  if (s == Source::kChannelInfo && (f == Field::kHashedChannel || f == Field::kChannelType)) {
    info.kind = FieldKind::kScalar;
    info.scope = Scope::kRow;
  }
  return info;
}

std::optional<FieldRef> ParseFieldName(std::string_view name) {
  FieldRef ref;
  for (const FieldInfo& info : kFields) {
    if (!TakesArgument(info.field)) continue;
    const std::string_view prefix = info.name;
    if (name.size() <= prefix.size() + 1 || !name.starts_with(prefix) ||
        name[prefix.size()] != '.') {
      continue;
    }
    const std::string_view argument = name.substr(prefix.size() + 1);
    if (info.field != Field::kColumn && !ValidPath(argument)) return std::nullopt;
    ref.field = info.field;
    ref.column = std::string(argument);
    return ref;
  }
  if (name.starts_with("location_L")) {
    int level = 0;
    const std::string_view digits = name.substr(10);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), level);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    ref.field = Field::kLocation;
    ref.level = level;
    return ref;
  }
  for (const FieldInfo& info : kFields) {
    if (info.name == name && !TakesArgument(info.field)) {
      ref.field = info.field;
      return ref;
    }
  }
  return std::nullopt;
}

std::string DefaultKeyName(const FieldRef& ref) {
  if (ref.field == Field::kLocation) return "location_L" + std::to_string(ref.level);
  if (ref.field == Field::kColumn) return ref.column;
  if (TakesArgument(ref.field)) {
    // The path's last segment: "path.location.country" -> "country",
    // "domain.email" -> "email_domain".
    const size_t dot = ref.column.rfind('.');
    std::string last = dot == std::string::npos ? ref.column : ref.column.substr(dot + 1);
    if (ref.field == Field::kDomain) last += "_domain";
    return last;
  }
  return std::string(FieldName(ref.field));
}

std::string_view FieldName(Field field) { return Info(field).name; }

}  // namespace walcast::metrics
