#include "mosip/profile.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "mosip/profile_text.h"

namespace walcast::mosip {

std::string_view ShapeName(ProfileShape shape) {
  switch (shape) {
    case ProfileShape::kIdRepo:
      return "idrepo";
    case ProfileShape::kRegProc:
      return "regprc";
    case ProfileShape::kPreReg:
      return "prereg";
    case ProfileShape::kAnnexureA:
      return "annexure";
  }
  return "unknown";
}

std::string_view ProfileErrorName(ProfileError error) {
  switch (error) {
    case ProfileError::kNone:
      return "none";
    case ProfileError::kTooLarge:
      return "too_large";
    case ProfileError::kMalformedJson:
      return "malformed_json";
    case ProfileError::kTooDeep:
      return "too_deep";
    case ProfileError::kNotAnObject:
      return "not_an_object";
    case ProfileError::kUnknownShape:
      return "unknown_shape";
    case ProfileError::kMissingField:
      return "missing_field";
    case ProfileError::kWrongType:
      return "wrong_type";
  }
  return "unknown";
}

std::string_view ChannelCategoryName(ChannelCategory category) {
  switch (category) {
    case ChannelCategory::kNone:
      return "None";
    case ChannelCategory::kOnlyPhone:
      return "only phone";
    case ChannelCategory::kOnlyEmail:
      return "only email";
    case ChannelCategory::kBoth:
      return "Both phone and email";
  }
  return "None";
}

ChannelCategory IdentitySnapshot::channel_category() const {
  if (has_phone && has_email) return ChannelCategory::kBoth;
  if (has_phone) return ChannelCategory::kOnlyPhone;
  if (has_email) return ChannelCategory::kOnlyEmail;
  return ChannelCategory::kNone;
}

void IdentitySnapshot::Clear() {
  present = false;
  year_of_birth.reset();
  gender.clear();
  location.clear();
  preferred_languages.clear();
  channels.clear();
  hashed_channels.clear();
  has_phone = false;
  has_email = false;
  exceptions.clear();
  verified.clear();
  biometrics.clear();
  documents.clear();
}

void Profile::Clear() {
  shape = ProfileShape::kIdRepo;
  process_name.clear();
  canonical_process_name.clear();
  date.clear();
  event_date.reset();
  event_year.reset();
  process_stage.clear();
  status.clear();
  start_date_time.clear();
  end_date_time.clear();
  enrollment_center_id.clear();
  assisted.clear();
  old_profile.Clear();
  new_profile.Clear();
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

std::string CanonicalProcessName(std::string_view process_name) {
  std::string out(process_name);
  for (size_t i = 0; i < out.size(); ++i) out[i] = i == 0 ? AsciiUpper(out[i]) : AsciiLower(out[i]);
  return out;
}

std::string CanonicalModality(std::string_view type) {
  std::string out(type);
  for (char& c : out) c = AsciiUpper(c);
  return out;
}

// Age groups (§4.1).

Result<AgeGroups> AgeGroups::Parse(std::string_view spec) {
  AgeGroups groups;
  std::vector<std::string_view> items;
  for (size_t start = 0;;) {
    const size_t comma = spec.find(',', start);
    items.push_back(
        Trim(spec.substr(start, comma == std::string_view::npos ? spec.npos : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string_view item = items[i];
    if (item.empty()) {
      return Status::InvalidArgument("age groups '" + std::string(spec) + "': empty item " +
                                     std::to_string(i + 1));
    }
    const size_t dash = item.find('-');
    const std::optional<int> lower =
        dash == std::string_view::npos ? std::nullopt : IntFromText(item.substr(0, dash));
    const std::optional<int> upper =
        dash == std::string_view::npos ? std::nullopt : IntFromText(item.substr(dash + 1));
    if (lower && upper) {
      if (*lower < 0 || *lower >= *upper) {
        return Status::InvalidArgument("age groups: '" + std::string(item) +
                                       "' is an empty range (a-b needs 0 <= a < b)");
      }
      groups.buckets_.push_back({*lower, *upper, std::string(item)});
    } else if (i + 1 != items.size()) {
      return Status::InvalidArgument("age groups: '" + std::string(item) +
                                     "' is not a range a-b; only the last group may be a label");
    }
  }
  if (groups.buckets_.empty()) {
    return Status::InvalidArgument("age groups '" + std::string(spec) + "': no range a-b");
  }
  groups.fallback_ = std::string(items.back());
  return groups;
}

AgeGroups AgeGroups::MosipDefault() {
  Result<AgeGroups> groups = Parse("0-5, 5-18, 18-60, 60 and above");
  WALCAST_CHECK(groups.ok());
  return std::move(groups).value();
}

std::string_view AgeGroups::Classify(std::optional<int> year_of_birth,
                                     std::optional<int> event_year, AgeGroupRule rule) const {
  if (rule == AgeGroupRule::kMosipParity) {
    if (!year_of_birth || !event_year) return {};
  } else if (!year_of_birth || !event_year || *year_of_birth <= 0 || *year_of_birth > *event_year) {
    return kUnknownAgeGroup;
  }
  const int64_t age = int64_t{*event_year} - *year_of_birth;
  for (const Bucket& b : buckets_) {
    if (age >= b.lower && age < b.upper) return b.label;
  }
  return fallback_;
}

// The biometric summary (§4.5).

std::vector<ModalitySummary> SummarizeBiometrics(const IdentitySnapshot& snapshot,
                                                 bool skip_exceptions) {
  std::vector<ModalitySummary> out;
  std::vector<double> quality_sums;
  std::vector<double> attempt_sums;
  for (size_t i = 0; i < snapshot.biometrics.size(); ++i) {
    const BiometricRecord& rec = snapshot.biometrics[i];
    if (skip_exceptions && rec.is_exception) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const ModalitySummary& s) {
      return EqualsIgnoreCase(s.type, rec.type);
    });
    if (it == out.end()) {
      out.push_back({rec.type, std::nullopt, std::nullopt, 0, i});
      quality_sums.push_back(0);
      attempt_sums.push_back(0);
      it = out.end() - 1;
    }
    // MOSIP skips an entry in both averages when attempts is not a number;
    // a missing qualityScore is not a 0 either (§5).
    if (!rec.quality_score || !rec.attempts) continue;
    const size_t k = static_cast<size_t>(it - out.begin());
    quality_sums[k] += *rec.quality_score;
    attempt_sums[k] += *rec.attempts;
    ++it->samples;
  }
  for (size_t k = 0; k < out.size(); ++k) {
    if (out[k].samples == 0) continue;
    out[k].average_quality = quality_sums[k] / static_cast<double>(out[k].samples);
    out[k].average_attempts = attempt_sums[k] / static_cast<double>(out[k].samples);
  }
  return out;
}

}  // namespace walcast::mosip
