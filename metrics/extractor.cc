#include "metrics/extractor.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/config.h"
#include "metrics/codec.h"
#include "pg/calendar.h"

namespace walcast::metrics {

using mosip::BiometricException;
using mosip::BiometricRecord;
using mosip::CanonicalModality;
using mosip::ChannelCategoryName;
using mosip::CivilDate;
using mosip::HashedChannel;
using mosip::IdentitySnapshot;
using mosip::ModalitySummary;
using mosip::Profile;
using mosip::ProfileShape;
using mosip::ShapeName;
using mosip::SummarizeBiometrics;
namespace {

std::string Upper(std::string_view s) { return CanonicalModality(s); }

std::optional<double> ParseNumber(std::optional<std::string_view> text) {
  if (!text) return std::nullopt;
  std::string_view s = *text;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// Distinct values in first-seen order ("a profile adds 1 to each distinct
// element", metrics.md §1).
std::vector<std::string> Distinct(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const std::string& v : values) {
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

std::vector<std::string> SortedSet(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

// (type, subType) for grouping (anonymous-profile.md §4.5): the modality's
// case is folded, except Annexure A's opaque labels.
std::pair<std::string, std::string> ExceptionKey(ProfileShape shape, const BiometricException& e) {
  std::string type = shape == ProfileShape::kAnnexureA ? e.type : CanonicalModality(e.type);
  if (type.empty()) type = "Unknown";
  return {std::move(type), e.sub_type};
}

std::vector<std::string> ExceptionSet(ProfileShape shape, const IdentitySnapshot& s) {
  std::vector<std::string> out;
  for (const BiometricException& e : s.exceptions) {
    auto [type, sub] = ExceptionKey(shape, e);
    type.push_back('\x1f');
    out.push_back(type.append(sub));
  }
  return SortedSet(std::move(out));
}

std::vector<std::string> HashesNamed(const IdentitySnapshot& s, std::string_view name) {
  std::vector<std::string> out;
  for (const HashedChannel& c : s.hashed_channels) {
    if (!c.hash.empty() && LowerAscii(c.name) == name) out.push_back(Upper(c.hash));
  }
  return SortedSet(std::move(out));
}

std::string ChannelName(const HashedChannel& c) {
  return c.name.empty() ? std::string("Unknown") : LowerAscii(c.name);
}

bool IsSideField(Field f, Source s) {
  switch (f) {
    case Field::kProcessName:
    case Field::kProcessStage:
    case Field::kStatus:
    case Field::kEnrollmentCenterId:
    case Field::kShape:
    case Field::kIsUpdate:
    case Field::kChangedAttribute:
    case Field::kNoOfRecords:
    case Field::kColumn:
    case Field::kPath:
    case Field::kDomain:
    case Field::kYearsSince:
      return false;
    case Field::kHashedChannel:
    case Field::kChannelType:
      return s == Source::kAnnexure;
    default:
      return true;
  }
}

}  // namespace

std::optional<std::string_view> RowColumns::Get(std::string_view name) const {
  if (relation_ == nullptr || tuple_ == nullptr) return std::nullopt;
  for (size_t i = 0; i < relation_->columns.size() && i < tuple_->size(); ++i) {
    if (relation_->columns[i].name != name) continue;
    const Datum& d = (*tuple_)[i];
    if (d.kind != Datum::Kind::kText && d.kind != Datum::Kind::kBinary) return std::nullopt;
    return std::string_view(d.data);
  }
  return std::nullopt;
}

std::optional<CivilDate> ParseLeadingDate(std::string_view s) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int v[3] = {0, 0, 0};
  const size_t pos[3][2] = {{0, 4}, {5, 2}, {8, 2}};
  for (int k = 0; k < 3; ++k) {
    for (size_t i = pos[k][0]; i < pos[k][0] + pos[k][1]; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v[k] = v[k] * 10 + (s[i] - '0');
    }
  }
  if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31) return std::nullopt;
  return CivilDate{v[0], v[1], v[2]};
}

const rapidjson::Value* FindJsonPath(const rapidjson::Value& root, std::string_view path) {
  const rapidjson::Value* at = &root;
  while (at != nullptr) {
    const size_t dot = path.find('.');
    const std::string_view segment = path.substr(0, dot);
    if (at->IsObject()) {
      const auto m = at->FindMember(
          rapidjson::Value(rapidjson::StringRef(segment.data(), segment.size())));
      at = m == at->MemberEnd() ? nullptr : &m->value;
    } else if (at->IsArray()) {
      size_t index = 0;
      const auto [end, ec] =
          std::from_chars(segment.data(), segment.data() + segment.size(), index);
      at = ec == std::errc() && end == segment.data() + segment.size() && index < at->Size()
               ? &(*at)[static_cast<rapidjson::SizeType>(index)]
               : nullptr;
    } else {
      at = nullptr;
    }
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  return at;
}

std::optional<int> WholeYears(const CivilDate& from, const CivilDate& to) {
  int years = to.year - from.year;
  if (to.month < from.month || (to.month == from.month && to.day < from.day)) --years;
  if (years < 0) return std::nullopt;
  return years;
}

std::vector<std::string> ChangedAttributes(const Profile& p) {
  std::vector<std::string> out;
  if (!p.is_update()) return out;
  const IdentitySnapshot& o = p.old_profile;
  const IdentitySnapshot& n = p.new_profile;
  if (o.year_of_birth != n.year_of_birth) out.emplace_back("yearOfBirth");
  if (o.gender != n.gender) out.emplace_back("gender");
  const size_t levels = std::max(o.location.size(), n.location.size());
  for (size_t i = 0; i < levels; ++i) {
    const std::string_view a = i < o.location.size() ? std::string_view(o.location[i]) : "";
    const std::string_view b = i < n.location.size() ? std::string_view(n.location[i]) : "";
    if (a != b) out.push_back("location_L" + std::to_string(i + 1));
  }
  if (SortedSet(o.preferred_languages) != SortedSet(n.preferred_languages)) {
    out.emplace_back("preferredLanguage");
  }
  if (o.has_phone != n.has_phone || o.has_email != n.has_email) out.emplace_back("channel");
  std::vector<std::string> names;
  for (const IdentitySnapshot* s : {&o, &n}) {
    for (const HashedChannel& c : s->hashed_channels) {
      if (!c.hash.empty()) names.push_back(ChannelName(c));
    }
  }
  for (const std::string& name : SortedSet(std::move(names))) {
    const std::string match = name == "Unknown" ? std::string() : name;
    if (HashesNamed(o, match) != HashesNamed(n, match)) out.push_back("hashedChannel." + name);
  }
  if (SortedSet(o.verified) != SortedSet(n.verified)) out.emplace_back("verified");
  if (ExceptionSet(p.shape, o) != ExceptionSet(p.shape, n)) out.emplace_back("exceptions");
  if (SortedSet(o.documents) != SortedSet(n.documents)) out.emplace_back("documents");
  auto modalities = [](const IdentitySnapshot& s) {
    std::vector<std::string> m;
    for (const BiometricRecord& r : s.biometrics) m.push_back(CanonicalModality(r.type));
    return SortedSet(std::move(m));
  };
  if (modalities(o) != modalities(n)) out.emplace_back("biometrics");
  if (out.empty()) out.emplace_back("none");
  return out;
}

// One exploded element of the metric's list. `a` is the element's value (a
// language, a document code, a modality, a hash), `b` its second key (an
// exception's subType, a hashed channel's name).
struct ContributionExtractor::Element {
  std::string a;
  std::string b;
  std::optional<double> n1;  // modality: average quality
  std::optional<double> n2;  // modality: average attempts
};

// Reads the fields of one side of one row.
class ContributionExtractor::SideView {
 public:
  SideView(const MetricSet& set, const RowInput& row, const IdentitySnapshot& side)
      : set_(set), row_(row), side_(side) {}

  std::optional<int> EventYear() const {
    if (row_.profile != nullptr && row_.profile->event_year) return row_.profile->event_year;
    if (const std::optional<CivilDate> d = DocumentDate()) return d->year;
    if (row_.row_date) return row_.row_date->year;
    return std::nullopt;
  }

  std::optional<int32_t> EventDay() const {
    if (row_.profile != nullptr && row_.profile->event_date) {
      const CivilDate& d = *row_.profile->event_date;
      return EpochDay(d.year, d.month, d.day);
    }
    if (const std::optional<CivilDate> d = DocumentDate()) return EpochDay(d->year, d->month, d->day);
    if (row_.row_date)
      return EpochDay(row_.row_date->year, row_.row_date->month, row_.row_date->day);
    return std::nullopt;
  }

  // Document source: the event date its "document_date" field gives.
  std::optional<CivilDate> DocumentDate() const {
    if (row_.source != Source::kDocument || !set_.document_date) return std::nullopt;
    const std::optional<std::string> text = Scalar(*set_.document_date, nullptr);
    return text ? ParseLeadingDate(*text) : std::nullopt;
  }

  // The JSON value at the field's path in the row's document.
  const rapidjson::Value* AtPath(const FieldRef& ref) const {
    return row_.document != nullptr ? FindJsonPath(*row_.document, ref.column) : nullptr;
  }

  // A JSON scalar as text: strings as they are, numbers and booleans as
  // JSON writes them; objects, arrays, null and "" are missing.
  static std::optional<std::string> JsonText(const rapidjson::Value* v) {
    if (v == nullptr) return std::nullopt;
    if (v->IsString()) {
      if (v->GetStringLength() == 0) return std::nullopt;
      return std::string(v->GetString(), v->GetStringLength());
    }
    if (v->IsBool()) return std::string(v->GetBool() ? "true" : "false");
    if (v->IsInt64()) return std::to_string(v->GetInt64());
    if (v->IsUint64()) return std::to_string(v->GetUint64());
    if (v->IsDouble()) {
      char buf[32];
      const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v->GetDouble());
      if (ec != std::errc()) return std::nullopt;
      return std::string(buf, end);
    }
    return std::nullopt;
  }

  std::optional<std::string> Scalar(const FieldRef& ref, const Element* e) const {
    const Profile* p = row_.profile;
    auto text = [](std::string_view s) -> std::optional<std::string> {
      if (s.empty()) return std::nullopt;
      return std::string(s);
    };
    auto flag = [](bool b) { return std::optional<std::string>(b ? "true" : "false"); };
    switch (ref.field) {
      case Field::kProcessName:
        return text(p->canonical_process_name);
      case Field::kProcessStage:
        return text(p->process_stage);
      case Field::kStatus:
        return text(p->status);
      case Field::kEnrollmentCenterId:
        return text(p->enrollment_center_id);
      case Field::kShape:
        return std::string(ShapeName(p->shape));
      case Field::kIsUpdate:
        return flag(p->is_update());
      case Field::kGender:
        return text(side_.gender);
      case Field::kAgeGroup:
        return text(
            set_.age_groups.Classify(side_.year_of_birth, EventYear(), set_.age_group_rule));
      case Field::kYearOfBirth:
        if (!side_.year_of_birth) return std::nullopt;
        return std::to_string(*side_.year_of_birth);
      case Field::kLocation: {
        const auto level = static_cast<size_t>(ref.level);
        if (side_.location.size() < level) return std::nullopt;
        std::string path;
        for (size_t i = 0; i < level; ++i) {
          if (i > 0) path.append(" > ");
          path.append(side_.location[i]);
        }
        return path;
      }
      case Field::kChannelCategory:
        return std::string(ChannelCategoryName(side_.channel_category()));
      case Field::kHasPhone:
        return flag(side_.has_phone);
      case Field::kHasEmail:
        return flag(side_.has_email);
      case Field::kHasException:
        return flag(!side_.exceptions.empty());
      case Field::kHasVerified:
        return flag(!side_.verified.empty());
      case Field::kChannelType:
        if (row_.source == Source::kChannelInfo) {
          const auto v = row_.columns.Get("channel_type");
          return v ? text(LowerAscii(*v)) : std::nullopt;
        }
        return e != nullptr ? text(e->b) : std::nullopt;
      case Field::kHashedChannel:
        if (row_.source == Source::kChannelInfo) {
          const auto v = row_.columns.Get("hashed_channel");
          return v ? text(Upper(*v)) : std::nullopt;
        }
        return e != nullptr ? text(e->a) : std::nullopt;
      case Field::kColumn: {
        const auto v = row_.columns.Get(ref.column);
        return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
      }
      case Field::kPath:
        return JsonText(AtPath(ref));
      case Field::kDomain: {
        const rapidjson::Value* v = AtPath(ref);
        if (v == nullptr || !v->IsString()) return std::nullopt;
        const std::string_view address(v->GetString(), v->GetStringLength());
        const size_t at = address.rfind('@');
        if (at == std::string_view::npos || at + 1 == address.size()) return std::nullopt;
        return LowerAscii(address.substr(at + 1));
      }
      case Field::kPreferredLanguage:
      case Field::kVerified:
      case Field::kDocument:
      case Field::kModality:
      case Field::kChangedAttribute:
      case Field::kException:
        return e != nullptr ? text(e->a) : std::nullopt;
      case Field::kQualityScore:
      case Field::kAttempts:
      case Field::kAge:
      case Field::kNoOfRecords:
      case Field::kYearsSince:
        return std::nullopt;
    }
    return std::nullopt;
  }

  std::optional<double> Number(const FieldRef& ref, const Element* e) const {
    switch (ref.field) {
      case Field::kQualityScore:
        return e != nullptr ? e->n1 : std::nullopt;
      case Field::kAttempts:
        return e != nullptr ? e->n2 : std::nullopt;
      case Field::kAge: {
        const std::optional<int> year = EventYear();
        const std::optional<int>& yob = side_.year_of_birth;
        if (!year || !yob || *yob <= 0 || *yob > *year) return std::nullopt;
        return static_cast<double>(*year - *yob);
      }
      case Field::kNoOfRecords:
        return ParseNumber(row_.columns.Get("no_of_records"));
      case Field::kColumn:
        return ParseNumber(row_.columns.Get(ref.column));
      case Field::kPath: {
        const rapidjson::Value* v = AtPath(ref);
        if (v != nullptr && v->IsNumber()) return v->GetDouble();
        const std::optional<std::string> text = JsonText(v);
        return text ? ParseNumber(std::string_view(*text)) : std::nullopt;
      }
      case Field::kYearsSince: {
        const rapidjson::Value* v = AtPath(ref);
        if (v == nullptr || !v->IsString()) return std::nullopt;
        const std::optional<CivilDate> from =
            ParseLeadingDate(std::string_view(v->GetString(), v->GetStringLength()));
        const std::optional<CivilDate> to =
            set_.age_reference ? set_.age_reference : DocumentDate();
        if (!from || !to) return std::nullopt;
        const std::optional<int> years = WholeYears(*from, *to);
        return years ? std::optional<double>(*years) : std::nullopt;
      }
      default:
        return std::nullopt;
    }
  }

  std::vector<Element> List(Field list) const {
    std::vector<Element> out;
    auto strings = [&](const std::vector<std::string>& values) {
      for (const std::string& v : Distinct(values)) out.push_back({v, {}, {}, {}});
    };
    const ProfileShape shape =
        row_.profile != nullptr ? row_.profile->shape : ProfileShape::kIdRepo;
    switch (list) {
      case Field::kPreferredLanguage:
        strings(side_.preferred_languages);
        break;
      case Field::kVerified:
        strings(side_.verified);
        break;
      case Field::kDocument:
        strings(side_.documents);
        break;
      case Field::kChangedAttribute:
        strings(ChangedAttributes(*row_.profile));
        break;
      case Field::kException:
        for (const BiometricException& ex : side_.exceptions) {
          std::pair<std::string, std::string> key = ExceptionKey(shape, ex);
          const bool seen = std::any_of(out.begin(), out.end(), [&](const Element& e) {
            return e.a == key.first && e.b == key.second;
          });
          if (!seen) out.push_back({std::move(key.first), std::move(key.second), {}, {}});
        }
        break;
      case Field::kModality:
        for (const ModalitySummary& m : SummarizeBiometrics(side_, /*skip_exceptions=*/true)) {
          std::string type = CanonicalModality(m.type);
          if (type.empty()) type = "Unknown";
          out.push_back({std::move(type), {}, m.average_quality, m.average_attempts});
        }
        break;
      case Field::kHashedChannel:
        for (const HashedChannel& c : side_.hashed_channels) {
          if (c.hash.empty()) continue;
          std::string hash = Upper(c.hash);
          std::string name = ChannelName(c);
          const bool seen = std::any_of(
              out.begin(), out.end(), [&](const Element& e) { return e.a == hash && e.b == name; });
          if (!seen) out.push_back({std::move(hash), std::move(name), {}, {}});
        }
        break;
      default:
        break;
    }
    return out;
  }

 private:
  const MetricSet& set_;
  const RowInput& row_;
  const IdentitySnapshot& side_;
};

ContributionExtractor::ContributionExtractor(const MetricSet& set) : set_(set) {
  for (const MetricDefinition& def : set.metrics) {
    for (Source s : def.sources) by_source_[static_cast<size_t>(s)].push_back(&def);
    bool side = false;
    for (Source s : def.sources) {
      for (const KeySpec& k : def.keys) side = side || IsSideField(k.ref.field, s);
      for (const FilterSpec& f : def.filters) side = side || IsSideField(f.ref.field, s);
      if (def.measure.kind != MeasureKind::kCount)
        side = side || IsSideField(def.measure.of.field, s);
      if (def.measure.weight) side = side || IsSideField(def.measure.weight->field, s);
    }
    uses_side_.push_back(side);
  }
}

void ContributionExtractor::Compute(const RowInput& row, Contributions* out) {
  out->Clear();
  static const IdentitySnapshot kNoSide;
  for (const MetricDefinition* def : by_source_[static_cast<size_t>(row.source)]) {
    if (row.source == Source::kChannelInfo || row.source == Source::kDocument ||
        row.profile == nullptr) {
      if (row.source == Source::kChannelInfo || row.source == Source::kDocument) {
        Emit(*def, row, kNoSide, +1, out);
      }
      continue;
    }
    const Profile& p = *row.profile;
    const auto index = static_cast<size_t>(def - set_.metrics.data());
    if (def->mode == Mode::kState) {
      // metrics.md §2: add the new side, subtract the old one.
      if (p.new_profile.present) Emit(*def, row, p.new_profile, +1, out);
      if (p.old_profile.present) Emit(*def, row, p.old_profile, -1, out);
      continue;
    }
    const IdentitySnapshot& side = def->side == Side::kOld ? p.old_profile : p.new_profile;
    if (uses_side_[index] && !side.present) continue;  // e.g. the old side of a New
    Emit(*def, row, side, +1, out);
  }
  out->Normalize();
}

void ContributionExtractor::Emit(const MetricDefinition& def, const RowInput& row,
                                 const IdentitySnapshot& side, int sign, Contributions* out) {
  const SideView view(set_, row, side);
  if (!PassesFilters(def, view)) return;
  const std::optional<std::vector<Element>> elements = ElementsOf(def, view);
  if (!elements) return;
  std::optional<int32_t> bucket;
  if (!TimeBucketOf(def, view, &bucket)) return;
  seen_keys_.clear();
  for (const Element& e : *elements) {
    std::optional<AggregateKey> key = KeyOf(def, view, e, bucket);
    if (!key) continue;
    if (def.measure.kind == MeasureKind::kCountDistinct ||
        def.measure.kind == MeasureKind::kTopK) {
      EmitDistinct(def, view, e, std::move(*key), sign, out);
    } else {
      EmitAggregate(def, view, e, std::move(*key), sign, out);
    }
  }
}

bool ContributionExtractor::PassesFilters(const MetricDefinition& def, const SideView& view) {
  for (const FilterSpec& f : def.filters) {
    const std::optional<std::string> v = view.Scalar(f.ref, nullptr);
    const bool listed = v && std::find(f.values.begin(), f.values.end(), *v) != f.values.end();
    if (listed != (f.op == FilterSpec::Op::kIn)) return false;
  }
  return true;
}

std::optional<std::vector<ContributionExtractor::Element>> ContributionExtractor::ElementsOf(
    const MetricDefinition& def, const SideView& view) {
  if (!def.list) return std::vector<Element>(1);
  std::vector<Element> elements = view.List(*def.list);
  if (!elements.empty()) return elements;
  // An empty list adds nothing, unless the list's own key names a label
  // for it (a count of "None"); a count_distinct never counts a label.
  const auto key = std::find_if(def.keys.begin(), def.keys.end(),
                                [&](const KeySpec& k) { return k.ref.field == *def.list; });
  if (def.measure.kind != MeasureKind::kCount || key == def.keys.end() || !key->missing) {
    return std::nullopt;
  }
  elements.push_back({*key->missing, *key->missing, {}, {}});
  return elements;
}

bool ContributionExtractor::TimeBucketOf(const MetricDefinition& def, const SideView& view,
                                         std::optional<int32_t>* bucket) {
  bucket->reset();
  if (def.time == TimeBucket::kNone) return true;
  const std::optional<int32_t> day = view.EventDay();
  if (!day) return false;
  if (def.time == TimeBucket::kWeek) {
    // ISO weeks start on Monday; 1970-01-01 was a Thursday.
    *bucket = *day - static_cast<int32_t>(((int64_t{*day} + 3) % 7 + 7) % 7);
  } else if (def.time == TimeBucket::kMonth) {
    const pg::CivilDate date = pg::CivilFromDays(*day);
    *bucket = static_cast<int32_t>(pg::DaysFromCivil(date.year, date.month, 1));
  } else {
    *bucket = day;
  }
  return true;
}

std::optional<AggregateKey> ContributionExtractor::KeyOf(const MetricDefinition& def,
                                                         const SideView& view, const Element& e,
                                                         std::optional<int32_t> bucket) {
  AggregateKey key;
  key.metric = def.id;
  key.mode = def.mode == Mode::kState ? 's' : 'e';
  key.bucket = bucket;
  for (const KeySpec& k : def.keys) {
    if (k.ref.field == Field::kException) {
      key.keys.emplace_back("exceptionType", e.a);
      key.keys.emplace_back("exceptionSubType", e.b);
      continue;
    }
    std::optional<std::string> v = view.Scalar(k.ref, def.list ? &e : nullptr);
    if (!v) v = k.missing;
    if (!v) return std::nullopt;
    key.keys.emplace_back(k.name, std::move(*v));
  }
  return key;
}

void ContributionExtractor::EmitDistinct(const MetricDefinition& def, const SideView& view,
                                         const Element& e, AggregateKey key, int sign,
                                         Contributions* out) {
  const MeasureSpec& m = def.measure;
  const std::optional<std::string> value = view.Scalar(m.of, def.list ? &e : nullptr);
  if (!value) return;
  int64_t weight = 1;
  if (m.weight) {
    const std::optional<double> w = view.Number(*m.weight, def.list ? &e : nullptr);
    if (!w || std::trunc(*w) != *w || std::abs(*w) > 1e15) return;  // whole numbers only
    weight = static_cast<int64_t>(*w);
  }
  std::string group = key.Encode();
  // The same value twice in one side counts once.
  key.keys.emplace_back(std::string(), *value);
  if (std::find(seen_keys_.begin(), seen_keys_.end(), key) != seen_keys_.end()) return;
  seen_keys_.push_back(std::move(key));
  const uint64_t group_id = Hash64(group);
  out->distinct.push_back({group_id, std::move(group), *value, sign * weight});
}

void ContributionExtractor::EmitAggregate(const MetricDefinition& def, const SideView& view,
                                          const Element& e, AggregateKey key, int sign,
                                          Contributions* out) {
  const MeasureSpec& m = def.measure;
  int64_t sum = 0;
  if (m.kind == MeasureKind::kSum || m.kind == MeasureKind::kAvg) {
    const std::optional<double> x = view.Number(m.of, def.list ? &e : nullptr);
    if (!x) return;  // missing or non-numeric: out of sums and averages (§5)
    sum = sign * ToMicros(*x);
  }
  if (std::find(seen_keys_.begin(), seen_keys_.end(), key) != seen_keys_.end()) return;
  std::string canonical = key.Encode();
  seen_keys_.push_back(std::move(key));
  out->aggregates.push_back({Hash64(canonical), std::move(canonical), sign, sum});
}

}  // namespace walcast::metrics
