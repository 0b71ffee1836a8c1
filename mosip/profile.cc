#include "mosip/profile.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

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

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char AsciiUpper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

// A whole number written as text ("1988", " 1988 "); nullopt otherwise.
std::optional<int> IntFromText(std::string_view s) {
  s = Trim(s);
  int value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<double> DoubleFromText(std::string_view s) {
  s = Trim(s);
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
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

// Base64 (standard or URL-safe alphabet, padding optional) into *out.
bool DecodeBase64(std::string_view in, std::string* out) {
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    else if (c == '=')
      break;
    else
      return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return !out->empty();
}

// SAX handler that forwards to a document and refuses nesting deeper than a
// limit (§5: a nesting-depth limit sends hand-made monsters to the DLQ).
template <typename Handler>
class DepthLimiter {
 public:
  DepthLimiter(Handler& inner, int max_depth) : inner_(inner), max_depth_(max_depth) {}
  bool exceeded() const { return exceeded_; }

  bool Null() { return inner_.Null(); }
  bool Bool(bool b) { return inner_.Bool(b); }
  bool Int(int i) { return inner_.Int(i); }
  bool Uint(unsigned u) { return inner_.Uint(u); }
  bool Int64(int64_t i) { return inner_.Int64(i); }
  bool Uint64(uint64_t u) { return inner_.Uint64(u); }
  bool Double(double d) { return inner_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return inner_.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return inner_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return inner_.Key(s, n, copy); }
  bool StartObject() { return Enter() && inner_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) {
    --depth_;
    return inner_.EndObject(n);
  }
  bool StartArray() { return Enter() && inner_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    --depth_;
    return inner_.EndArray(n);
  }

 private:
  bool Enter() {
    if (++depth_ > max_depth_) exceeded_ = true;
    return !exceeded_;
  }
  Handler& inner_;
  int max_depth_;
  int depth_ = 0;
  bool exceeded_ = false;
};

void ClearDigitalId(DigitalId* d) {
  d->serial_no.clear();
  d->make.clear();
  d->model.clear();
  d->type.clear();
  d->device_sub_type.clear();
  d->device_provider.clear();
  d->device_provider_id.clear();
  d->date_time.clear();
}

// Elements taken out of a reused Profile's lists, kept so that their long
// strings (digitalId text, hashes) lend their capacity to the next profile's
// elements instead of being freed and allocated again. Bounded.
template <typename T>
class Spares {
 public:
  void Reclaim(std::vector<T>* v) {
    for (T& e : *v) {
      if (spare_.size() < kMaxSpares) spare_.push_back(std::move(e));
    }
    v->clear();
  }
  // Appends an element to *v: a spare one (stale contents: overwrite them all)
  // or a new one.
  T& Add(std::vector<T>* v) {
    if (spare_.empty()) return v->emplace_back();
    v->push_back(std::move(spare_.back()));
    spare_.pop_back();
    return v->back();
  }

 private:
  static constexpr size_t kMaxSpares = 64;
  std::vector<T> spare_;
};

// SAX handler filling a DigitalId from a flat JSON object of strings; nested
// values and unknown keys are skipped.
class DigitalIdHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, DigitalIdHandler> {
 public:
  explicit DigitalIdHandler(DigitalId* out) : out_(out) {}
  bool Default() { return depth_ >= 1; }  // scalars only inside the object
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (depth_ != 1 || field_ == nullptr) return depth_ >= 1;
    field_->assign(s, n);
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (depth_ == 1) field_ = FieldFor(std::string_view(s, n), out_);
    return true;
  }
  bool StartObject() {
    ++depth_;
    field_ = nullptr;
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    --depth_;
    return true;
  }
  bool StartArray() {
    if (depth_ < 1) return false;
    ++depth_;
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    --depth_;
    return true;
  }

  static std::string* FieldFor(std::string_view key, DigitalId* d) {
    if (key == "serialNo") return &d->serial_no;
    if (key == "make") return &d->make;
    if (key == "model") return &d->model;
    if (key == "type") return &d->type;
    if (key == "deviceSubType") return &d->device_sub_type;
    if (key == "deviceProvider") return &d->device_provider;
    if (key == "deviceProviderId") return &d->device_provider_id;
    if (key == "dateTime") return &d->date_time;
    return nullptr;
  }

 private:
  DigitalId* out_;
  std::string* field_ = nullptr;
  int depth_ = 0;
};

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

}  // namespace

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

// ---- The parser ----

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
  bool ParseDigitalIdText(std::string_view text, DigitalId* out);
  // Reads the demographic keys of `object` (a side, or the flat top level).
  ProfileError ReadSnapshot(const Value& object, const Path& path, IdentitySnapshot* out);
  // Reads an oldProfile/newProfile/old/new value: null or an object.
  ProfileError ReadSide(const Value* v, const Path& path, IdentitySnapshot* out);
  void ReadDate(const Value& v, Profile* out);
  // Tells the shape apart (§2.5) and reads the whole profile.
  ProfileError ReadProfile(const Value& doc, const ProfileRowContext& row, Profile* out);

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

bool ProfileParser::Impl::ParseDigitalIdText(std::string_view text, DigitalId* out) {
  ClearDigitalId(out);
  DigitalIdHandler handler(out);
  rapidjson::MemoryStream ms(text.data(), text.size());
  return !reader_.Parse<rapidjson::kParseIterativeFlag>(ms, handler).IsError();
}

void ProfileParser::Impl::ReadDigitalId(const Value& v, BiometricRecord* out) {
  out->digital_id.clear();
  // A recycled record keeps its device's strings: refill them in place.
  DigitalId& d = out->device ? *out->device : out->device.emplace();
  if (v.IsObject()) {  // already parsed by some producer
    ClearDigitalId(&d);
    for (const auto& m : v.GetObject()) {
      std::string* field = DigitalIdHandler::FieldFor(View(m.name), &d);
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
  // §5: try JSON, then a raw JWT's payload or plain base64, then give up.
  if (ParseDigitalIdText(text, &d)) return;
  std::string_view encoded = Trim(text);
  const size_t dot = encoded.find('.');
  if (dot != std::string_view::npos) {
    const size_t dot2 = encoded.find('.', dot + 1);
    encoded = encoded.substr(
        dot + 1, dot2 == std::string_view::npos ? std::string_view::npos : dot2 - dot - 1);
  }
  if (DecodeBase64(encoded, &scratch_) && ParseDigitalIdText(scratch_, &d)) return;
  out->device.reset();
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

ProfileError ProfileParser::Impl::ReadProfile(const Value& doc, const ProfileRowContext& row,
                                              Profile* out) {
  for (IdentitySnapshot* side : {&out->old_profile, &out->new_profile}) {
    biometric_spares_.Reclaim(&side->biometrics);
    hashed_spares_.Reclaim(&side->hashed_channels);
  }
  out->Clear();
  const Value* process_name = nullptr;
  const Value* process_stage = nullptr;
  const Value* date = nullptr;
  const Value* old_profile = nullptr;
  const Value* new_profile = nullptr;
  const Value* old_side = nullptr;
  const Value* new_side = nullptr;
  for (const auto& m : doc.GetObject()) {
    const std::string_view key = View(m.name);
    if (key == "processName")
      process_name = &m.value;
    else if (key == "processStage")
      process_stage = &m.value;
    else if (key == "date")
      date = &m.value;
    else if (key == "oldProfile")
      old_profile = &m.value;
    else if (key == "newProfile")
      new_profile = &m.value;
    else if (key == "old")
      old_side = &m.value;
    else if (key == "new")
      new_side = &m.value;
  }

  if (process_stage != nullptr || row.process_stage_column.has_value()) {
    const bool prereg = process_name != nullptr && process_name->IsString() &&
                        EqualsIgnoreCase(View(*process_name), "preregistration");
    out->shape = prereg ? ProfileShape::kPreReg : ProfileShape::kRegProc;
  } else if (old_profile != nullptr || new_profile != nullptr) {
    out->shape = ProfileShape::kIdRepo;
  } else if (old_side != nullptr || new_side != nullptr) {
    out->shape = ProfileShape::kAnnexureA;
  } else {
    return Fail(ProfileError::kUnknownShape,
                "no processStage, oldProfile/newProfile or old/new: unknown profile shape");
  }
  const std::string shape(ShapeName(out->shape));

  if (process_name == nullptr) {
    return Fail(ProfileError::kMissingField, shape + " profile has no 'processName'");
  }
  const Path root;
  ProfileError err = ReadString(*process_name, root.Member("processName"), &out->process_name);
  if (err != ProfileError::kNone) return err;
  out->canonical_process_name = CanonicalProcessName(out->process_name);
  if (date != nullptr) {
    ReadDate(*date, out);
  } else if (out->shape != ProfileShape::kAnnexureA) {  // Annexure A has no date (§2.4)
    return Fail(ProfileError::kMissingField, shape + " profile has no 'date'");
  }

  switch (out->shape) {
    case ProfileShape::kRegProc:
    case ProfileShape::kPreReg: {
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
    case ProfileShape::kIdRepo:
    case ProfileShape::kAnnexureA: {
      const bool idrepo = out->shape == ProfileShape::kIdRepo;
      const char* old_name = idrepo ? "oldProfile" : "old";
      const char* new_name = idrepo ? "newProfile" : "new";
      err = ReadSide(idrepo ? old_profile : old_side, root.Member(old_name), &out->old_profile);
      if (err != ProfileError::kNone) return err;
      err = ReadSide(idrepo ? new_profile : new_side, root.Member(new_name), &out->new_profile);
      if (err != ProfileError::kNone) return err;
      // Only an old side is never written by MOSIP (§4.6): refuse it rather
      // than guess whether it means a delete.
      if (out->old_profile.present && !out->new_profile.present) {
        return Fail(ProfileError::kMissingField,
                    shape + " profile has '" + old_name + "' but no '" + new_name + "'");
      }
      return ProfileError::kNone;
    }
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

// ---- Age groups (§4.1) ----

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

// ---- Biometric summary (§4.5) ----

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
