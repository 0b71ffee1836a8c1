// ProfileParser (profile.h): every shape of MOSIP's anonymous profile
// (anonymous-profile.md §2) read into a reused Profile, with the limits and
// dead-letter reasons of §5.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "mosip/digital_id.h"
#include "mosip/json_limits.h"
#include "mosip/profile.h"
#include "mosip/profile_text.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "rapidjson/reader.h"

namespace walcast::mosip {
namespace {

// Profiles are parsed in situ into a DOM whose values and build stack live in
// pools with a fixed first chunk, so a typical profile (2–20 KB, §5) never
// touches the heap; larger ones borrow chunks that Clear() hands back.
using Pool = rapidjson::MemoryPoolAllocator<rapidjson::CrtAllocator>;
using Document = rapidjson::GenericDocument<rapidjson::UTF8<>, Pool, Pool>;
using Value = rapidjson::GenericValue<rapidjson::UTF8<>, Pool>;

constexpr size_t kValuePoolBytes = size_t{64} * 1024;
constexpr size_t kStackPoolBytes = size_t{16} * 1024;
// Invalid UTF-8 is a malformed profile (§5); the iterative parser keeps deep
// nesting off the C++ stack.
constexpr unsigned kParseFlags = rapidjson::kParseInsituFlag |
                                 rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseIterativeFlag;

std::string_view View(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

std::string_view TypeName(const Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "boolean";
    case rapidjson::kObjectType:
      return "object";
    case rapidjson::kArrayType:
      return "array";
    case rapidjson::kStringType:
      return "string";
    case rapidjson::kNumberType:
      return "number";
  }
  return "value";
}

// A number, or a string holding one (attempts is "2" in every producer).
std::optional<double> LenientNumber(const Value& v) {
  if (v.IsNumber()) return v.GetDouble();
  if (v.IsString()) return DoubleFromText(View(v));
  return std::nullopt;
}

// Reads the leading "YYYY" and "YYYY-MM-DD" of a date or timestamp.
void ReadDateText(std::string_view s, Profile* out) {
  auto digits = [&](size_t pos, size_t n) -> std::optional<int> {
    if (s.size() < pos + n) return std::nullopt;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const std::optional<int> year = digits(0, 4);
  if (!year) return;
  out->event_year = year;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return;
  const std::optional<int> month = digits(5, 2);
  const std::optional<int> day = digits(8, 2);
  if (!month || !day || *month < 1 || *month > 12 || *day < 1 || *day > 31) return;
  out->event_date = CivilDate{*year, *month, *day};
}

// Where a value sits, for error messages ("newProfile.biometricInfo[3].type").
// A chain of stack frames: the text is built only when an error needs it, so
// the happy path allocates nothing for it.
struct Path {
  const Path* parent = nullptr;
  std::string_view key;  // a member name, or empty for an array element
  size_t index = 0;

  Path Member(std::string_view k) const { return Path{this, k, 0}; }
  Path Element(size_t i) const { return Path{this, {}, i}; }

  std::string ToString() const {
    if (parent == nullptr) return std::string(key);
    std::string p = parent->ToString();
    if (key.empty()) return p + "[" + std::to_string(index) + "]";
    if (!p.empty()) p.push_back('.');
    return p.append(key);
  }
};

// The top-level members that tell a profile's shape apart (§2.5); null
// when absent.
struct TopLevel {
  const Value* process_name = nullptr;
  const Value* process_stage = nullptr;
  const Value* date = nullptr;
  const Value* old_profile = nullptr;  // idrepo
  const Value* new_profile = nullptr;
  const Value* old_side = nullptr;  // Annexure A
  const Value* new_side = nullptr;
};

TopLevel FindTopLevel(const Value& doc) {
  TopLevel top;
  for (const auto& m : doc.GetObject()) {
    const std::string_view key = View(m.name);
    if (key == "processName")
      top.process_name = &m.value;
    else if (key == "processStage")
      top.process_stage = &m.value;
    else if (key == "date")
      top.date = &m.value;
    else if (key == "oldProfile")
      top.old_profile = &m.value;
    else if (key == "newProfile")
      top.new_profile = &m.value;
    else if (key == "old")
      top.old_side = &m.value;
    else if (key == "new")
      top.new_side = &m.value;
  }
  return top;
}

}  // namespace

class ProfileParser::Impl {
 public:
  explicit Impl(ProfileParserOptions options)
      : options_(options),
        value_buffer_(new char[kValuePoolBytes]),
        value_pool_(value_buffer_.get(), kValuePoolBytes, kValuePoolBytes),
        stack_buffer_(new char[kStackPoolBytes]),
        stack_pool_(stack_buffer_.get(), kStackPoolBytes, kStackPoolBytes) {}

  // Returns kNone on success; otherwise the error, with *message set.
  ProfileError Parse(std::string_view json, const ProfileRowContext& row, Profile* out,
                     std::string* message);

 private:
  ProfileError Fail(ProfileError error, std::string message) {
    message_ = std::move(message);
    return error;
  }
  ProfileError WrongType(const Path& path, const Value& v, std::string_view expected) {
    return Fail(ProfileError::kWrongType,
                "'" + path.ToString() + "' is " + (v.IsArray() || v.IsObject() ? "an " : "a ") +
                    std::string(TypeName(v)) + ", expected " + std::string(expected));
  }

  ProfileError ReadString(const Value& v, const Path& path, std::string* out);
  ProfileError ReadStringList(const Value& v, const Path& path, size_t cap,
                              std::vector<std::string>* out);
  ProfileError ReadYearOfBirth(const Value& v, const Path& path, std::optional<int>* out);
  ProfileError ReadChannels(const Value& v, const Path& path, IdentitySnapshot* out);
  ProfileError ReadExceptions(const Value& v, const Path& path, IdentitySnapshot* out);
  ProfileError ReadBiometrics(const Value& v, const Path& path, IdentitySnapshot* out);
  void ReadDigitalId(const Value& v, BiometricRecord* out);
  // Reads the demographic keys of `object` (a side, or the flat top level).
  ProfileError ReadSnapshot(const Value& object, const Path& path, IdentitySnapshot* out);
  // Reads an oldProfile/newProfile/old/new value: null or an object.
  ProfileError ReadSide(const Value* v, const Path& path, IdentitySnapshot* out);
  void ReadDate(const Value& v, Profile* out);
  // Tells the shape apart (§2.5) and reads the whole profile: DetectShape,
  // ReadHeader (processName, date), then the flat (regprc, prereg) or the
  // old/new (idrepo, Annexure A) body.
  ProfileError ReadProfile(const Value& doc, const ProfileRowContext& row, Profile* out);
  ProfileError DetectShape(const TopLevel& top, const ProfileRowContext& row, Profile* out);
  ProfileError ReadHeader(const TopLevel& top, Profile* out);
  ProfileError ReadFlatProfile(const Value& doc, const ProfileRowContext& row, Profile* out);
  ProfileError ReadOldNewProfile(const TopLevel& top, Profile* out);

  const ProfileParserOptions options_;
  std::string text_;  // in-situ copy of the profile; strings in the DOM point into it
  std::unique_ptr<char[]> value_buffer_;
  Pool value_pool_;
  std::unique_ptr<char[]> stack_buffer_;
  Pool stack_pool_;
  rapidjson::Reader reader_;  // keeps its stack between parses
  Spares<BiometricRecord> biometric_spares_;
  Spares<HashedChannel> hashed_spares_;
  std::string scratch_;  // a decoded digitalId
  std::string message_;
};

ProfileError ProfileParser::Impl::ReadString(const Value& v, const Path& path, std::string* out) {
  if (v.IsNull()) {
    out->clear();
    return ProfileError::kNone;
  }
  if (!v.IsString()) return WrongType(path, v, "a string");
  out->assign(v.GetString(), v.GetStringLength());
  return ProfileError::kNone;
}

ProfileError ProfileParser::Impl::ReadStringList(const Value& v, const Path& path, size_t cap,
                                                 std::vector<std::string>* out) {
  out->clear();
  if (v.IsNull()) return ProfileError::kNone;
  if (!v.IsArray()) return WrongType(path, v, "an array of strings");
  size_t i = 0;
  for (const Value& e : v.GetArray()) {
    if (e.IsString()) {
      if (!IsBlank(View(e)) && out->size() < cap) out->emplace_back(View(e));
    } else if (!e.IsNull()) {  // null elements: regprc's SYNC channel list (§5)
      return WrongType(path.Element(i), e, "a string");
    }
    ++i;
  }
  return ProfileError::kNone;
}

ProfileError ProfileParser::Impl::ReadYearOfBirth(const Value& v, const Path& path,
                                                  std::optional<int>* out) {
  out->reset();
  if (v.IsNull()) return ProfileError::kNone;
  if (v.IsInt()) {
    *out = v.GetInt();
  } else if (v.IsNumber()) {
    // A year written as 1988.0 still is one; anything else is unknown.
    const double d = v.GetDouble();
    if (std::trunc(d) == d && std::abs(d) < std::numeric_limits<int>::max()) {
      *out = static_cast<int>(d);
    }
  } else if (v.IsString()) {
    *out = IntFromText(View(v));  // "", "unknown" -> nullopt (age group Unknown, §5)
  } else {
    return WrongType(path, v, "a number or a string");
  }
  return ProfileError::kNone;
}

ProfileError ProfileParser::Impl::ReadChannels(const Value& v, const Path& path,
                                               IdentitySnapshot* out) {
  out->channels.clear();
  out->hashed_channels.clear();
  if (v.IsNull()) return ProfileError::kNone;
  if (!v.IsArray()) return WrongType(path, v, "an array");
  size_t i = 0;
  for (const Value& e : v.GetArray()) {
    if (e.IsString()) {
      if (!IsBlank(View(e))) out->channels.emplace_back(View(e));
    } else if (e.IsObject()) {
      // Annexure A: {"hashedchannel": "<hex>", "name": "phone"}.
      HashedChannel& hc = hashed_spares_.Add(&out->hashed_channels);
      hc.hash.clear();
      hc.name.clear();
      const Path at = path.Element(i);
      for (const auto& m : e.GetObject()) {
        const std::string_view key = View(m.name);
        ProfileError err = ProfileError::kNone;
        if (key == "hashedchannel")
          err = ReadString(m.value, at.Member(key), &hc.hash);
        else if (key == "name")
          err = ReadString(m.value, at.Member(key), &hc.name);
        if (err != ProfileError::kNone) return err;
      }
      if (!hc.name.empty()) out->channels.push_back(hc.name);
      if (hc.hash.empty() && hc.name.empty()) out->hashed_channels.pop_back();
    } else if (!e.IsNull()) {
      return WrongType(path.Element(i), e, "a string or an object");
    }
    ++i;
  }
  return ProfileError::kNone;
}

ProfileError ProfileParser::Impl::ReadExceptions(const Value& v, const Path& path,
                                                 IdentitySnapshot* out) {
  out->exceptions.clear();
  if (v.IsNull()) return ProfileError::kNone;
  if (!v.IsArray()) return WrongType(path, v, "an array");
  size_t i = 0;
  for (const Value& e : v.GetArray()) {
    if (e.IsObject()) {
      BiometricException ex;
      const Path at = path.Element(i);
      for (const auto& m : e.GetObject()) {
        const std::string_view key = View(m.name);
        ProfileError err = ProfileError::kNone;
        if (key == "type")
          err = ReadString(m.value, at.Member(key), &ex.type);
        else if (key == "subType")
          err = ReadString(m.value, at.Member(key), &ex.sub_type);
        if (err != ProfileError::kNone) return err;
      }
      out->exceptions.push_back(std::move(ex));
    } else if (e.IsString()) {
      if (!IsBlank(View(e))) out->exceptions.push_back({std::string(View(e)), std::string()});
    } else if (!e.IsNull()) {
      return WrongType(path.Element(i), e, "an object or a string");
    }
    ++i;
  }
  return ProfileError::kNone;
}

void ProfileParser::Impl::ReadDigitalId(const Value& v, BiometricRecord* out) {
  out->digital_id.clear();
  // A recycled record keeps its device's strings: refill them in place.
  DigitalId& d = out->device ? *out->device : out->device.emplace();
  if (v.IsObject()) {  // already parsed by some producer
    ClearDigitalId(&d);
    for (const auto& m : v.GetObject()) {
      std::string* field = DigitalIdField(View(m.name), &d);
      if (field != nullptr && m.value.IsString()) field->assign(View(m.value));
    }
    return;
  }
  if (!v.IsString()) {  // null, or an odd type: no device fields (§5)
    out->device.reset();
    return;
  }
  const std::string_view text = View(v);
  out->digital_id.assign(text);
  if (!ReadDigitalIdText(text, &reader_, &scratch_, &d)) out->device.reset();
}

ProfileError ProfileParser::Impl::ReadBiometrics(const Value& v, const Path& path,
                                                 IdentitySnapshot* out) {
  out->biometrics.clear();
  if (v.IsNull()) return ProfileError::kNone;
  if (!v.IsArray()) return WrongType(path, v, "an array");
  size_t i = 0;
  for (const Value& e : v.GetArray()) {
    if (e.IsNull()) {
      ++i;
      continue;
    }
    const Path at = path.Element(i++);
    if (!e.IsObject()) return WrongType(at, e, "an object");
    BiometricRecord& rec = biometric_spares_.Add(&out->biometrics);
    rec.type.clear();
    rec.sub_type.clear();
    rec.quality_score.reset();
    rec.attempts.reset();
    rec.digital_id.clear();
    rec.is_exception = false;
    bool has_digital_id = false;
    for (const auto& m : e.GetObject()) {
      const std::string_view key = View(m.name);
      ProfileError err = ProfileError::kNone;
      if (key == "type") {
        err = ReadString(m.value, at.Member(key), &rec.type);
      } else if (key == "subType") {
        err = ReadString(m.value, at.Member(key), &rec.sub_type);
      } else if (key == "qualityScore") {
        rec.quality_score = LenientNumber(m.value);  // non-numeric: out of averages (§5)
      } else if (key == "attempts") {
        rec.attempts = LenientNumber(m.value);
      } else if (key == "digitalId") {
        ReadDigitalId(m.value, &rec);
        has_digital_id = true;
      }
      if (err != ProfileError::kNone) return err;
    }
    if (!has_digital_id) rec.device.reset();
  }
  return ProfileError::kNone;
}

ProfileError ProfileParser::Impl::ReadSnapshot(const Value& object, const Path& path,
                                               IdentitySnapshot* out) {
  out->Clear();
  out->present = true;
  for (const auto& m : object.GetObject()) {
    const std::string_view key = View(m.name);
    const Value& v = m.value;
    ProfileError err = ProfileError::kNone;
    if (key == "yearOfBirth") {
      err = ReadYearOfBirth(v, path.Member(key), &out->year_of_birth);
    } else if (key == "gender") {
      err = ReadString(v, path.Member(key), &out->gender);
    } else if (key == "location") {
      err = ReadStringList(v, path.Member(key), kMaxLocationLevels, &out->location);
    } else if (key == "preferredLanguage") {
      std::string lang;
      err = ReadString(v, path.Member(key), &lang);
      out->preferred_languages.clear();
      if (!IsBlank(lang)) out->preferred_languages.push_back(std::move(lang));
    } else if (key == "preferredLanguages") {
      err = ReadStringList(v, path.Member(key), std::numeric_limits<size_t>::max(),
                           &out->preferred_languages);
    } else if (key == "channel") {
      err = ReadChannels(v, path.Member(key), out);
    } else if (key == "exceptions") {
      err = ReadExceptions(v, path.Member(key), out);
    } else if (key == "verified") {
      err = ReadStringList(v, path.Member(key), std::numeric_limits<size_t>::max(), &out->verified);
    } else if (key == "biometricInfo") {
      err = ReadBiometrics(v, path.Member(key), out);
    } else if (key == "documents") {
      err =
          ReadStringList(v, path.Member(key), std::numeric_limits<size_t>::max(), &out->documents);
    }
    if (err != ProfileError::kNone) return err;
  }
  // §4.3: one lower-cased match per channel name; other names are ignored.
  for (const std::string& c : out->channels) {
    out->has_phone = out->has_phone || EqualsIgnoreCase(c, "phone");
    out->has_email = out->has_email || EqualsIgnoreCase(c, "email");
  }
  for (BiometricRecord& rec : out->biometrics) {
    rec.is_exception = std::any_of(
        out->exceptions.begin(), out->exceptions.end(), [&](const BiometricException& ex) {
          return EqualsIgnoreCase(ex.type, rec.type) && EqualsIgnoreCase(ex.sub_type, rec.sub_type);
        });
  }
  return ProfileError::kNone;
}

ProfileError ProfileParser::Impl::ReadSide(const Value* v, const Path& path,
                                           IdentitySnapshot* out) {
  out->Clear();
  if (v == nullptr || v->IsNull()) return ProfileError::kNone;
  if (!v->IsObject()) return WrongType(path, *v, "an object");
  return ReadSnapshot(*v, path, out);
}

void ProfileParser::Impl::ReadDate(const Value& v, Profile* out) {
  if (v.IsString()) {
    out->date.assign(View(v));
    ReadDateText(out->date, out);
    return;
  }
  // Jackson writes a LocalDateTime without its time module as [y, m, d, h, ...]
  // (prereg's date form is unconfirmed, §2.3). Other shapes: no date (§5).
  if (v.IsArray() && v.Size() >= 3 && v[0].IsInt() && v[1].IsInt() && v[2].IsInt()) {
    const int y = v[0].GetInt(), m = v[1].GetInt(), d = v[2].GetInt();
    if (y > 0 && y <= 9999) out->event_year = y;
    if (y > 0 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= 31) {
      out->event_date = CivilDate{y, m, d};
    }
  }
}

ProfileError ProfileParser::Impl::DetectShape(const TopLevel& top, const ProfileRowContext& row,
                                              Profile* out) {
  if (top.process_stage != nullptr || row.process_stage_column.has_value()) {
    const bool prereg = top.process_name != nullptr && top.process_name->IsString() &&
                        EqualsIgnoreCase(View(*top.process_name), "preregistration");
    out->shape = prereg ? ProfileShape::kPreReg : ProfileShape::kRegProc;
  } else if (top.old_profile != nullptr || top.new_profile != nullptr) {
    out->shape = ProfileShape::kIdRepo;
  } else if (top.old_side != nullptr || top.new_side != nullptr) {
    out->shape = ProfileShape::kAnnexureA;
  } else {
    return Fail(ProfileError::kUnknownShape,
                "no processStage, oldProfile/newProfile or old/new: unknown profile shape");
  }
  return ProfileError::kNone;
}

ProfileError ProfileParser::Impl::ReadHeader(const TopLevel& top, Profile* out) {
  const std::string shape(ShapeName(out->shape));
  if (top.process_name == nullptr) {
    return Fail(ProfileError::kMissingField, shape + " profile has no 'processName'");
  }
  const Path root;
  const ProfileError err =
      ReadString(*top.process_name, root.Member("processName"), &out->process_name);
  if (err != ProfileError::kNone) return err;
  out->canonical_process_name = CanonicalProcessName(out->process_name);
  if (top.date != nullptr) {
    ReadDate(*top.date, out);
  } else if (out->shape != ProfileShape::kAnnexureA) {  // Annexure A has no date (§2.4)
    return Fail(ProfileError::kMissingField, shape + " profile has no 'date'");
  }
  return ProfileError::kNone;
}

ProfileError ProfileParser::Impl::ReadFlatProfile(const Value& doc, const ProfileRowContext& row,
                                                  Profile* out) {
  const Path root;
  ProfileError err = ProfileError::kNone;
  for (const auto& m : doc.GetObject()) {
    const std::string_view key = View(m.name);
    if (key == "processStage")
      err = ReadString(m.value, root.Member(key), &out->process_stage);
    else if (key == "status")
      err = ReadString(m.value, root.Member(key), &out->status);
    else if (key == "startDateTime")
      err = ReadString(m.value, root.Member(key), &out->start_date_time);
    else if (key == "endDateTime")
      err = ReadString(m.value, root.Member(key), &out->end_date_time);
    else if (key == "enrollmentCenterId")
      err = ReadString(m.value, root.Member(key), &out->enrollment_center_id);
    else if (key == "assisted") {
      err = ReadStringList(m.value, root.Member(key), std::numeric_limits<size_t>::max(),
                           &out->assisted);
    }
    if (err != ProfileError::kNone) return err;
  }
  if (out->process_stage.empty() && row.process_stage_column.has_value()) {
    out->process_stage.assign(*row.process_stage_column);
  }
  return ReadSnapshot(doc, root, &out->new_profile);
}

ProfileError ProfileParser::Impl::ReadOldNewProfile(const TopLevel& top, Profile* out) {
  const Path root;
  const bool idrepo = out->shape == ProfileShape::kIdRepo;
  const char* old_name = idrepo ? "oldProfile" : "old";
  const char* new_name = idrepo ? "newProfile" : "new";
  ProfileError err =
      ReadSide(idrepo ? top.old_profile : top.old_side, root.Member(old_name), &out->old_profile);
  if (err != ProfileError::kNone) return err;
  err = ReadSide(idrepo ? top.new_profile : top.new_side, root.Member(new_name), &out->new_profile);
  if (err != ProfileError::kNone) return err;
  // Only an old side is never written by MOSIP (§4.6): refuse it rather
  // than guess whether it means a delete.
  if (out->old_profile.present && !out->new_profile.present) {
    return Fail(ProfileError::kMissingField, std::string(ShapeName(out->shape)) +
                                                 " profile has '" + old_name + "' but no '" +
                                                 new_name + "'");
  }
  return ProfileError::kNone;
}

ProfileError ProfileParser::Impl::ReadProfile(const Value& doc, const ProfileRowContext& row,
                                              Profile* out) {
  for (IdentitySnapshot* side : {&out->old_profile, &out->new_profile}) {
    biometric_spares_.Reclaim(&side->biometrics);
    hashed_spares_.Reclaim(&side->hashed_channels);
  }
  out->Clear();
  const TopLevel top = FindTopLevel(doc);
  ProfileError err = DetectShape(top, row, out);
  if (err == ProfileError::kNone) err = ReadHeader(top, out);
  if (err != ProfileError::kNone) return err;
  switch (out->shape) {
    case ProfileShape::kRegProc:
    case ProfileShape::kPreReg:
      return ReadFlatProfile(doc, row, out);
    case ProfileShape::kIdRepo:
    case ProfileShape::kAnnexureA:
      return ReadOldNewProfile(top, out);
  }
  return ProfileError::kNone;
}

ProfileError ProfileParser::Impl::Parse(std::string_view json, const ProfileRowContext& row,
                                        Profile* out, std::string* message) {
  message_.clear();
  ProfileError result = ProfileError::kNone;
  if (json.size() > options_.max_bytes) {
    result = Fail(ProfileError::kTooLarge, "profile is " + std::to_string(json.size()) +
                                               " bytes, over the limit of " +
                                               std::to_string(options_.max_bytes));
    *message = std::move(message_);
    return result;
  }
  text_.assign(json);  // keeps its capacity: no allocation once warm
  value_pool_.Clear();
  stack_pool_.Clear();
  {
    Document doc(&value_pool_, 1024, &stack_pool_);
    rapidjson::ParseResult parsed;
    bool too_deep = false;
    auto generate = [&](Document& handler) {
      DepthLimiter<Document> limiter(handler, options_.max_depth);
      rapidjson::InsituStringStream stream(text_.data());
      parsed = reader_.Parse<kParseFlags>(stream, limiter);
      too_deep = limiter.exceeded();
      return !parsed.IsError();
    };
    doc.Populate(generate);
    if (too_deep) {
      result = Fail(ProfileError::kTooDeep,
                    "JSON nests deeper than " + std::to_string(options_.max_depth) +
                        " levels at offset " + std::to_string(parsed.Offset()));
    } else if (parsed.IsError()) {
      result = Fail(ProfileError::kMalformedJson, "malformed JSON at offset " +
                                                      std::to_string(parsed.Offset()) + ": " +
                                                      rapidjson::GetParseError_En(parsed.Code()));
    } else if (!doc.IsObject()) {
      result = Fail(ProfileError::kNotAnObject,
                    "profile is a JSON " + std::string(TypeName(doc)) + ", not an object");
    } else {
      result = ReadProfile(doc, row, out);
    }
  }
  // The DOM pointed into the pools; nothing outlives this call.
  value_pool_.Clear();
  stack_pool_.Clear();
  *message = std::move(message_);
  return result;
}

ProfileParser::ProfileParser(ProfileParserOptions options)
    : impl_(std::make_unique<Impl>(options)) {}

ProfileParser::~ProfileParser() = default;

Status ProfileParser::Parse(std::string_view json, const ProfileRowContext& row, Profile* out) {
  std::string message;
  last_error_ = impl_->Parse(json, row, out, &message);
  if (last_error_ == ProfileError::kNone) return Status::Ok();
  return Status::Rejected(std::move(message));
}

Result<Profile> ParseProfile(std::string_view json, const ProfileRowContext& row) {
  ProfileParser parser;
  Profile profile;
  Status s = parser.Parse(json, row, &profile);
  if (!s.ok()) return s;
  return profile;
}

}  // namespace walcast::mosip
