#include "sinks/elasticsearch/raw_document.h"

#include <rapidjson/reader.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>

#include "core/encoding.h"
#include "pg/text.h"
#include "pg/type_oids.h"

namespace walcast::sinks::elasticsearch {

using mosip::ProfileShape;

using pg::FloorDiv;
namespace {

using mosip::ProfileShape;

using namespace pg::oid;  // NOLINT(google-build-using-namespace): the type OIDs, read as case labels
using pg::BuiltinArrayElement;

constexpr int64_t kMicrosPerMilli = 1000;
constexpr int64_t kMillisPerDay = 86'400'000;
constexpr size_t kMaxIdBytes = 512;  // Elasticsearch's limit on _id
// Days since 1970-01-01 of 0000-01-01 and 9999-12-31: the years a
// four-digit "yyyy" can show.
constexpr int64_t kFirstFourDigitDay = -719528;
constexpr int64_t kLastFourDigitDay = 2932896;


// Writes `value` as exactly `width` decimal digits at `p`.
char* PutDigits(char* p, int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return p + width;
}

// "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" (UTC) of an instant, as MOSIP's
// TimestampConverterAdv writes it; the microseconds are cut to milliseconds
// (rounding down). False for years outside 0000-9999.
bool FormatMillisUtc(int64_t epoch_micros, std::string* out) {
  const int64_t millis = FloorDiv(epoch_micros, kMicrosPerMilli);
  const int64_t days = FloorDiv(millis, kMillisPerDay);
  if (days < kFirstFourDigitDay || days > kLastFourDigitDay) return false;
  const int64_t in_day = millis - days * kMillisPerDay;
  const std::chrono::year_month_day ymd{
      std::chrono::sys_days{std::chrono::days{static_cast<int>(days)}}};
  char buf[24];
  char* p = PutDigits(buf, static_cast<int>(ymd.year()), 4);
  *p++ = '-';
  p = PutDigits(p, static_cast<unsigned>(ymd.month()), 2);
  *p++ = '-';
  p = PutDigits(p, static_cast<unsigned>(ymd.day()), 2);
  *p++ = 'T';
  p = PutDigits(p, in_day / 3'600'000, 2);
  *p++ = ':';
  p = PutDigits(p, in_day / 60'000 % 60, 2);
  *p++ = ':';
  p = PutDigits(p, in_day / 1000 % 60, 2);
  *p++ = '.';
  p = PutDigits(p, in_day % 1000, 3);
  *p++ = 'Z';
  out->assign(buf, static_cast<size_t>(p - buf));
  return true;
}

// Well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points
// past U+10FFFF), eight ASCII bytes at a time where it can.
bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
    i += len;
  }
  return true;
}

int YearOf(int64_t epoch_micros) {
  const int64_t days = FloorDiv(epoch_micros, kMicrosPerMilli * kMillisPerDay);
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{
      static_cast<int>(std::clamp<int64_t>(days, kFirstFourDigitDay * 2, kLastFourDigitDay * 2))}}};
  return static_cast<int>(ymd.year());
}

// A JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

// A column's value type, seen through domains: its OID, pg_type category,
// and for an array the element's OID and type.
struct ValueType {
  uint32_t oid = 0;
  char category = 'U';
  const TypeInfo* info = nullptr;
};

ValueType Resolve(uint32_t oid, const TypeInfo* info) {
  for (int i = 0; i < 4 && info != nullptr && info->typtype == 'd'; ++i) {
    oid = info->base_oid;
    info = info->inner.empty() ? nullptr : &info->inner.front();
  }
  return {oid, info != nullptr ? info->category : 'U', info};
}

// The element type of an array type, or oid 0 when `type` is not an array.
ValueType ElementOf(const ValueType& type) {
  if (type.info != nullptr && type.info->elem_oid != 0) {
    return Resolve(type.info->elem_oid,
                   type.info->inner.empty() ? nullptr : &type.info->inner.front());
  }
  if (type.info == nullptr || type.info->category == 'A') {
    return {BuiltinArrayElement(type.oid), 'U', nullptr};
  }
  return {};
}

// Whether "schema.table" matches `pattern` ('*' is any run of characters).
bool GlobMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

int FindColumn(const Relation& relation, std::string_view name) {
  for (size_t i = 0; i < relation.columns.size(); ++i) {
    if (relation.columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

// The epoch microseconds of a timestamp or timestamptz column value.
std::optional<int64_t> TimestampMicros(const Relation& relation, const Tuple& row, int column) {
  if (column < 0 || row[static_cast<size_t>(column)].kind != Datum::Kind::kText) {
    return std::nullopt;
  }
  const Column& c = relation.columns[static_cast<size_t>(column)];
  const std::string& text = row[static_cast<size_t>(column)].data;
  const ValueType type = Resolve(c.type_oid, c.type ? &*c.type : nullptr);
  std::optional<pg::PgTimestamp> ts;
  if (type.oid == kTimestamp) ts = pg::ParseTimestamp(text);
  if (type.oid == kTimestamptz) ts = pg::ParseTimestampTz(text);
  if (!ts || ts->infinity != 0) return std::nullopt;
  return ts->epoch_micros;
}

// "schema.table", for error messages.
std::string TableName(const Relation& relation) { return relation.schema + "." + relation.name; }

void AppendKeyPart(std::string_view text, std::string* id) {
  for (const char c : text) {
    if (c == '\\' || c == '|') id->push_back('\\');
    id->push_back(c);
  }
}

}  // namespace

RawDocumentBuilder::RawDocumentBuilder(RawDocumentOptions options)
    : options_(std::move(options)), writer_(buffer_), parser_(options_.parser) {}

bool RawDocumentBuilder::IsProfileTable(const Relation& relation) const {
  // PostgreSQL names are at most 63 bytes: "schema.table" fits on the stack.
  char buf[160];
  const size_t size = relation.schema.size() + 1 + relation.name.size();
  std::string heap;
  std::string_view name;
  if (size <= sizeof(buf)) {
    relation.schema.copy(buf, relation.schema.size());
    buf[relation.schema.size()] = '.';
    relation.name.copy(buf + relation.schema.size() + 1, relation.name.size());
    name = std::string_view(buf, size);
  } else {
    heap = TableName(relation);
    name = heap;
  }
  for (const std::string& pattern : options_.profile_tables) {
    if (GlobMatch(pattern, name)) return true;
  }
  return false;
}

const std::vector<size_t>& RawDocumentBuilder::KeyColumns(const Relation& relation,
                                                         std::vector<size_t>* scratch) {
  // The primary key, else the replica identity (pgoutput's key flags are
  // the primary key under DEFAULT and the index's columns under INDEX).
  if (!relation.primary_key.empty()) return relation.primary_key;
  scratch->clear();
  if (relation.replica_identity == ReplicaIdentity::kDefault ||
      relation.replica_identity == ReplicaIdentity::kIndex) {
    for (size_t i = 0; i < relation.columns.size(); ++i) {
      if (relation.columns[i].is_key) scratch->push_back(i);
    }
  }
  return *scratch;
}

Status RawDocumentBuilder::BuildId(const Relation& relation, const Tuple& row,
                                   std::string* id) const {
  id->clear();
  std::vector<size_t> replica_identity;
  const std::vector<size_t>* key = &KeyColumns(relation, &replica_identity);
  if (key->empty()) {
    return Status::InvalidArgument("table " + TableName(relation) +
                                   " has no primary key: raw documents need one for their _id");
  }
  for (const size_t column : *key) {
    if (column >= row.size()) {
      return Status::InvalidArgument("table " + TableName(relation) + ": the row has " +
                                     std::to_string(row.size()) + " columns, the key needs " +
                                     std::to_string(column + 1));
    }
    const Datum& datum = row[column];
    if (datum.kind != Datum::Kind::kText) {
      id->clear();
      return Status::Rejected("table " + TableName(relation) + ": key column " +
                              relation.columns[column].name + " has no value");
    }
    if (key->size() == 1) {
      id->assign(datum.data);
    } else {
      if (column != key->front()) id->push_back('|');
      AppendKeyPart(datum.data, id);
    }
  }
  if (id->size() > kMaxIdBytes) {
    const size_t size = id->size();
    id->clear();
    return Status::Rejected("table " + TableName(relation) + ": the key is " +
                            std::to_string(size) + " bytes, over Elasticsearch's _id limit of 512");
  }
  return Status::Ok();
}

Status RawDocumentBuilder::Build(const Relation& relation, const Tuple& row, int64_t commit_time_us,
                                 RawDocument* out) {
  out->source.clear();
  out->is_profile = false;
  out->shape = ProfileShape::kIdRepo;
  out->update_id.clear();
  out->superseded_update_id.clear();
  out->profile_error = mosip::ProfileError::kNone;
  out->partial = false;
  if (row.size() != relation.columns.size()) {
    return Status::InvalidArgument("table " + TableName(relation) + ": the row has " +
                                   std::to_string(row.size()) + " columns, the relation " +
                                   std::to_string(relation.columns.size()));
  }
  WALCAST_RETURN_IF_ERROR(BuildId(relation, row, &out->id));

  const int cr_dtimes = FindColumn(relation, "cr_dtimes");
  const int upd_dtimes = FindColumn(relation, "upd_dtimes");
  const std::optional<int64_t> created = TimestampMicros(relation, row, cr_dtimes);
  const std::optional<int64_t> updated = TimestampMicros(relation, row, upd_dtimes);

  // The profile first: a rejected one stops the row before anything is
  // written.
  int profile_column = -1;
  if (IsProfileTable(relation)) {
    profile_column = FindColumn(relation, options_.profile_column);
    out->is_profile = profile_column >= 0;
  }
  bool have_profile = false;
  if (out->is_profile && row[static_cast<size_t>(profile_column)].kind == Datum::Kind::kText) {
    mosip::ProfileRowContext context;
    const int stage = FindColumn(relation, "process_stage");
    if (stage >= 0 && row[static_cast<size_t>(stage)].kind == Datum::Kind::kText) {
      context.process_stage_column = row[static_cast<size_t>(stage)].data;
    }
    const std::string& text = row[static_cast<size_t>(profile_column)].data;
    const Status parsed = parser_.Parse(text, context, &profile_);
    if (!parsed.ok()) {
      out->profile_error = parser_.last_error();
      return Status::Rejected("table " + TableName(relation) + ": profile rejected (" +
                              std::string(mosip::ProfileErrorName(out->profile_error)) +
                              "): " + parsed.message());
    }
    have_profile = true;
    out->shape = profile_.shape;
    if (profile_.shape == ProfileShape::kIdRepo || profile_.shape == ProfileShape::kAnnexureA) {
      const bool idrepo = profile_.shape == ProfileShape::kIdRepo;
      WALCAST_RETURN_IF_ERROR(update_ids_.Compute(text, idrepo ? "newProfile" : "new",
                                                  idrepo ? "oldProfile" : "old", &out->update_id,
                                                  &out->superseded_update_id));
    }
  }

  buffer_.Clear();
  writer_.Reset(buffer_);
  writer_.StartObject();
  for (size_t i = 0; i < relation.columns.size(); ++i) {
    const Column& column = relation.columns[i];
    const Datum& datum = row[i];
    if (datum.kind == Datum::Kind::kUnchangedToast) {
      out->partial = true;
      continue;
    }
    if (!IsValidUtf8(column.name)) {
      return Status::Rejected("table " + TableName(relation) +
                              ": a column name is not valid UTF-8");
    }
    writer_.Key(column.name.data(), static_cast<rapidjson::SizeType>(column.name.size()));
    bool ok = true;
    if (static_cast<int>(i) == profile_column && have_profile) {
      const int64_t fallback = created.value_or(commit_time_us);
      ok = WriteProfile(fallback, *out);
    } else {
      ok = WriteColumn(column, datum);
    }
    if (!ok) {
      return Status::Rejected("table " + TableName(relation) + ": column " + column.name +
                              " is not valid UTF-8");
    }
  }
  const std::optional<int64_t> generated = updated ? updated : created;
  if (generated && FormatMillisUtc(*generated, &scratch_)) {
    writer_.Key("@timestamp_gen");
    WriteString(scratch_);
  }
  if (have_profile) {
    // MOSIP joins the documents of both sides into one field and the new
    // side wins; a profile without a new side falls back to the old one.
    const mosip::IdentitySnapshot& side =
        profile_.new_profile.present ? profile_.new_profile : profile_.old_profile;
    writer_.Key("documents_names");
    writer_.StartArray();
    for (const std::string& code : side.documents) {
      const auto it = options_.document_names.find(code);
      WriteString(it != options_.document_names.end() ? std::string_view(it->second)
                                                      : std::string_view(code));
    }
    writer_.EndArray();
    if (profile_.is_flat()) {
      const auto it = options_.center_locations.find(profile_.enrollment_center_id);
      if (it != options_.center_locations.end()) {
        // geo_point's "lat,lon" string form, as MOSIP writes it.
        char buf[64];
        char* end = std::to_chars(buf, buf + sizeof(buf) / 2, it->second.lat).ptr;
        *end++ = ',';
        end = std::to_chars(end, buf + sizeof(buf), it->second.lon).ptr;
        writer_.Key("registrationCenterGeoLocation");
        WriteString(std::string_view(buf, static_cast<size_t>(end - buf)));
      }
    }
  }
  writer_.EndObject();
  out->source.assign(buffer_.GetString(), buffer_.GetSize());
  return Status::Ok();
}

bool RawDocumentBuilder::WriteString(std::string_view s) {
  return writer_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

bool RawDocumentBuilder::WriteColumnString(std::string_view s) {
  return IsValidUtf8(s) && WriteString(s);
}

void RawDocumentBuilder::WriteStringOrNull(std::string_view s) {
  if (s.empty()) {
    writer_.Null();
  } else {
    WriteString(s);
  }
}

void RawDocumentBuilder::WriteStringList(const std::vector<std::string>& list) {
  writer_.StartArray();
  for (const std::string& s : list) WriteString(s);
  writer_.EndArray();
}

bool RawDocumentBuilder::WriteColumn(const Column& column, const Datum& datum) {
  switch (datum.kind) {
    case Datum::Kind::kNull:
    case Datum::Kind::kUnchangedToast:
      return writer_.Null();
    case Datum::Kind::kBinary:  // walcast asks for text; base64 keeps it intact
      scratch_.clear();
      AppendBase64(datum.data, &scratch_);
      return WriteString(scratch_);
    case Datum::Kind::kText:
      break;
  }
  const ValueType type = Resolve(column.type_oid, column.type ? &*column.type : nullptr);
  return WriteText(type.oid, type.category, type.info, datum.data, 0);
}

bool RawDocumentBuilder::WriteText(uint32_t oid, char category, const TypeInfo* info,
                                   std::string_view text, int depth) {
  const ValueType element = depth < 4 ? ElementOf({oid, category, info}) : ValueType{};
  if (element.oid != 0) {
    const std::optional<std::vector<pg::ArrayElement>> elements = pg::ParseArray(text);
    if (!elements) return WriteColumnString(text);
    return WriteArray(*elements, element.oid, element.category, element.info, depth);
  }
  switch (oid) {
    case kBool:
      if (text == "t" || text == "true") return writer_.Bool(true);
      if (text == "f" || text == "false") return writer_.Bool(false);
      return WriteColumnString(text);
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid:
    case kFloat4:
    case kFloat8:
    case kNumeric:
      // NaN and ±Infinity have no JSON number: they stay text.
      if (IsJsonNumber(text)) {
        return writer_.RawValue(text.data(), text.size(), rapidjson::kNumberType);
      }
      return WriteColumnString(text);
    case kTimestamp:
    case kTimestamptz: {
      const std::optional<pg::PgTimestamp> ts =
          oid == kTimestamp ? pg::ParseTimestamp(text) : pg::ParseTimestampTz(text);
      if (ts && ts->infinity == 0 && FormatMillisUtc(ts->epoch_micros, &scratch_)) {
        return WriteString(scratch_);
      }
      return WriteColumnString(text);  // infinity, or a year a date field cannot hold
    }
    case kJson:
    case kJsonb: {
      // Embedded as JSON, re-written compactly; text that does not parse
      // (the server never sends any) stays a string.
      json_scratch_.Clear();
      rapidjson::Writer<rapidjson::StringBuffer> compact(json_scratch_);
      rapidjson::Reader reader;
      // The datum is not NUL-terminated for the reader: bound it by length.
      rapidjson::MemoryStream bounded(text.data(), text.size());
      rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> input(bounded);
      if (reader.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(
              input, compact)) {
        return writer_.RawValue(json_scratch_.GetString(), json_scratch_.GetSize(),
                                rapidjson::kObjectType);
      }
      return WriteColumnString(text);
    }
    case kBytea: {
      const std::optional<std::string> bytes = pg::ParseByteaHex(text);
      if (!bytes) return WriteColumnString(text);
      scratch_.clear();
      AppendBase64(*bytes, &scratch_);  // Elasticsearch's binary type reads base64
      return WriteString(scratch_);
    }
    default:
      break;
  }
  // Types walcast does not know by OID: numbers and booleans by category.
  if (category == 'N' && IsJsonNumber(text)) {
    return writer_.RawValue(text.data(), text.size(), rapidjson::kNumberType);
  }
  if (category == 'B' && (text == "t" || text == "f")) return writer_.Bool(text == "t");
  return WriteColumnString(text);
}

// Nested dimensions are arrays of the same element type.
bool RawDocumentBuilder::WriteArray(const std::vector<pg::ArrayElement>& elements, uint32_t oid,
                                    char category, const TypeInfo* info, int depth) {
  writer_.StartArray();
  for (const pg::ArrayElement& e : elements) {
    bool ok = true;
    if (e.nested) {
      ok = WriteArray(e.children, oid, category, info, depth);
    } else if (!e.text) {
      ok = writer_.Null();
    } else {
      ok = WriteText(oid, category, info, *e.text, depth + 1);
    }
    if (!ok) return false;
  }
  return writer_.EndArray();
}

bool RawDocumentBuilder::WriteProfile(int64_t fallback_time_us, const RawDocument& doc) {
  // The event year for age groups (§4.1): the profile's date; without one,
  // the row's cr_dtimes (or the commit time), unless MOSIP parity is asked.
  std::optional<int> event_year = profile_.event_year;
  if (!event_year && options_.age_group_rule == mosip::AgeGroupRule::kRecommended &&
      fallback_time_us != 0) {
    event_year = YearOf(fallback_time_us);
  }
  writer_.StartObject();
  writer_.Key("processName");
  WriteStringOrNull(profile_.canonical_process_name);
  if (profile_.is_flat()) {
    WriteFlatProfile(event_year);
  } else {
    writer_.Key("date");
    WriteStringOrNull(profile_.date);
    if (!doc.update_id.empty()) {
      // Base64 needs no escaping: skip the writer's per-character scan.
      scratch_.assign(1, '"').append(doc.update_id).push_back('"');
      writer_.Key("updateId");
      writer_.RawValue(scratch_.data(), scratch_.size(), rapidjson::kStringType);
    }
    const bool idrepo = profile_.shape == ProfileShape::kIdRepo;
    for (const auto& [key, snapshot] :
         {std::pair{idrepo ? "oldProfile" : "old", &profile_.old_profile},
          std::pair{idrepo ? "newProfile" : "new", &profile_.new_profile}}) {
      writer_.Key(key);
      if (!snapshot->present) {
        writer_.Null();
        continue;
      }
      writer_.StartObject();
      WriteSnapshot(*snapshot, event_year);
      writer_.EndObject();
    }
  }
  return writer_.EndObject();
}

void RawDocumentBuilder::WriteFlatProfile(std::optional<int> event_year) {
  for (const auto& [key, value] :
       {std::pair{"processStage", &profile_.process_stage}, std::pair{"status", &profile_.status},
        std::pair{"date", &profile_.date}, std::pair{"startDateTime", &profile_.start_date_time},
        std::pair{"endDateTime", &profile_.end_date_time}}) {
    writer_.Key(key);
    WriteStringOrNull(*value);
  }
  WriteSnapshot(profile_.new_profile, event_year);
  writer_.Key("assisted");
  WriteStringList(profile_.assisted);
  if (!profile_.assisted.empty()) {
    // MOSIP's processAssister: the operator, then the supervisor.
    writer_.Key("registrationOfficers");
    writer_.StartObject();
    writer_.Key("Operator");
    WriteString(profile_.assisted[0]);
    if (profile_.assisted.size() > 1) {
      writer_.Key("Supervisor");
      WriteString(profile_.assisted[1]);
    }
    writer_.EndObject();
  }
  writer_.Key("enrollmentCenterId");
  WriteStringOrNull(profile_.enrollment_center_id);
}

void RawDocumentBuilder::WriteSnapshot(const mosip::IdentitySnapshot& snapshot,
                                       std::optional<int> event_year) {
  const ProfileShape shape = profile_.shape;
  writer_.Key("yearOfBirth");
  if (!snapshot.year_of_birth) {
    writer_.Null();
  } else if (shape == ProfileShape::kRegProc) {
    writer_.Int(*snapshot.year_of_birth);  // regprc writes an int
  } else {
    WriteString(std::to_string(*snapshot.year_of_birth));  // the others a string
  }
  const std::string_view age_group =
      options_.age_groups.Classify(snapshot.year_of_birth, event_year, options_.age_group_rule);
  if (!age_group.empty()) {
    writer_.Key("ageGroup");
    WriteString(age_group);
  }
  writer_.Key("gender");
  WriteStringOrNull(snapshot.gender);

  // MOSIP's processLocationList: {"hierarchy1": coarsest, ...}.
  writer_.Key("location");
  writer_.StartObject();
  for (size_t i = 0; i < snapshot.location.size(); ++i) {
    const std::string key = "hierarchy" + std::to_string(i + 1);
    writer_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    WriteString(snapshot.location[i]);
  }
  writer_.EndObject();

  if (shape == ProfileShape::kIdRepo || shape == ProfileShape::kPreReg) {
    writer_.Key("preferredLanguage");
    WriteStringOrNull(snapshot.preferred_languages.empty()
                          ? std::string_view()
                          : std::string_view(snapshot.preferred_languages.front()));
  } else {
    writer_.Key("preferredLanguages");
    WriteStringList(snapshot.preferred_languages);
  }

  // MOSIP's processChannel replaces the list with its category.
  writer_.Key("channel");
  WriteString(mosip::ChannelCategoryName(snapshot.channel_category()));

  writer_.Key("exceptions");
  writer_.StartArray();
  for (const mosip::BiometricException& ex : snapshot.exceptions) {
    if (shape == ProfileShape::kAnnexureA) {  // opaque labels there
      WriteString(ex.type);
      continue;
    }
    writer_.StartObject();
    writer_.Key("type");
    WriteStringOrNull(ex.type);
    writer_.Key("subType");
    WriteStringOrNull(ex.sub_type);
    writer_.EndObject();
  }
  writer_.EndArray();

  writer_.Key("verified");
  WriteStringList(snapshot.verified);

  // MOSIP's processBiometricList: one entry per modality, keyed by its
  // type, with the average quality and attempts and the first record's
  // device (without dateTime).
  writer_.Key("biometricInfo");
  writer_.StartObject();
  for (const mosip::ModalitySummary& m :
       mosip::SummarizeBiometrics(snapshot, options_.skip_exception_biometrics)) {
    // An empty field name is refused by Elasticsearch.
    const std::string_view key = m.type.empty() ? std::string_view("Unknown") : m.type;
    writer_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    writer_.StartObject();
    writer_.Key("type");
    WriteString(key);
    for (const auto& [name, value] : {std::pair{"qualityScore", m.average_quality},
                                      std::pair{"attempts", m.average_attempts}}) {
      writer_.Key(name);
      if (value && std::isfinite(*value)) {
        writer_.Double(*value);
      } else {
        writer_.Null();  // no numeric sample: unknown, not 0 (§5)
      }
    }
    writer_.Key("digitalId");
    const std::optional<mosip::DigitalId>& device = snapshot.biometrics[m.first_entry].device;
    if (!device) {
      writer_.Null();
    } else {
      writer_.StartObject();
      for (const auto& [name, value] :
           {std::pair{"serialNo", &device->serial_no}, std::pair{"make", &device->make},
            std::pair{"model", &device->model}, std::pair{"type", &device->type},
            std::pair{"deviceSubType", &device->device_sub_type},
            std::pair{"deviceProvider", &device->device_provider},
            std::pair{"deviceProviderId", &device->device_provider_id}}) {
        if (value->empty()) continue;
        writer_.Key(name);
        WriteString(*value);
      }
      writer_.EndObject();
    }
    writer_.EndObject();
  }
  writer_.EndObject();

  writer_.Key("documents");
  WriteStringList(snapshot.documents);
}

}  // namespace walcast::sinks::elasticsearch
