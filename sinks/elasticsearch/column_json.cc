#include "sinks/elasticsearch/column_json.h"

#include <rapidjson/reader.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/encoding.h"
#include "core/json_writer.h"
#include "pg/text.h"
#include "pg/type_oids.h"

namespace walcast::sinks::elasticsearch {
namespace {

using namespace pg::oid;  // NOLINT(google-build-using-namespace): the type OIDs, read as case labels
using pg::BuiltinArrayElement;
using pg::FloorDiv;

constexpr int64_t kMicrosPerMilli = 1000;
constexpr int64_t kMillisPerDay = 86'400'000;
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

// The length and the bits of the lead byte of a UTF-8 sequence; 0 for a
// byte that cannot start one.
size_t SequenceLength(unsigned char c, uint32_t* cp) {
  if (c >= 0xC2 && c <= 0xDF) {
    *cp = c & 0x1F;
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    *cp = c & 0x0F;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    *cp = c & 0x07;
    return 4;
  }
  return 0;
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

}  // namespace

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

int UtcYear(int64_t epoch_micros) {
  const int64_t days = FloorDiv(epoch_micros, kMicrosPerMilli * kMillisPerDay);
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{
      static_cast<int>(std::clamp<int64_t>(days, kFirstFourDigitDay * 2, kLastFourDigitDay * 2))}}};
  return static_cast<int>(ymd.year());
}

// Eight ASCII bytes at a time where it can.
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
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t len = SequenceLength(p[i], &cp);
    if (len == 0 || i + len > n) return false;
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

bool IsTimestampColumn(const Column& column) {
  const uint32_t oid = Resolve(column.type_oid, column.type ? &*column.type : nullptr).oid;
  return oid == kTimestamp || oid == kTimestamptz;
}

std::optional<int64_t> TemporalMillis(const Column& column, const Datum& datum) {
  if (datum.kind != Datum::Kind::kText) return std::nullopt;
  const std::string& text = datum.data;
  const ValueType type = Resolve(column.type_oid, column.type ? &*column.type : nullptr);
  std::optional<pg::PgTimestamp> ts;
  switch (type.oid) {
    case kTimestamp:
      ts = pg::ParseTimestamp(text);
      break;
    case kTimestamptz:
      ts = pg::ParseTimestampTz(text);
      break;
    case kDate: {
      const std::optional<pg::PgDate> date = pg::ParseDate(text);
      if (!date || date->infinity != 0) return std::nullopt;
      return date->epoch_day * kMillisPerDay;
    }
    case kTime: {
      const std::optional<int64_t> micros = pg::ParseTimeMicros(text);
      if (!micros) return std::nullopt;
      return *micros / kMicrosPerMilli;
    }
    default:
      return std::nullopt;
  }
  if (!ts || ts->infinity != 0) return std::nullopt;
  return ts->epoch_micros / kMicrosPerMilli;  // toward zero, as TimestampConverterAdv
}

bool ColumnJsonWriter::Write(const Column& column, const Datum& datum) {
  switch (datum.kind) {
    case Datum::Kind::kNull:
    case Datum::Kind::kUnchangedToast:
      return writer_->Null();
    case Datum::Kind::kBinary:  // walcast asks for text; base64 keeps it intact
      return WriteBase64(datum.data);
    case Datum::Kind::kText:
      break;
  }
  const ValueType type = Resolve(column.type_oid, column.type ? &*column.type : nullptr);
  return WriteText(type.oid, type.category, type.info, datum.data, 0);
}

bool ColumnJsonWriter::WriteText(uint32_t oid, char category, const TypeInfo* info,
                                 std::string_view text, int depth) {
  const ValueType element = depth < 4 ? ElementOf({oid, category, info}) : ValueType{};
  if (element.oid != 0) {
    const std::optional<std::vector<pg::ArrayElement>> elements = pg::ParseArray(text);
    if (!elements) return WriteCheckedString(text);
    return WriteArray(*elements, element.oid, element.category, element.info, depth);
  }
  switch (oid) {
    case kBool:
      if (text == "t" || text == "true") return writer_->Bool(true);
      if (text == "f" || text == "false") return writer_->Bool(false);
      return WriteCheckedString(text);
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid:
    case kFloat4:
    case kFloat8:
    case kNumeric:
      // NaN and ±Infinity have no JSON number: they stay text.
      if (IsJsonNumber(text)) {
        return writer_->RawValue(text.data(), text.size(), rapidjson::kNumberType);
      }
      return WriteCheckedString(text);
    case kTimestamp:
    case kTimestamptz: {
      const std::optional<pg::PgTimestamp> ts =
          oid == kTimestamp ? pg::ParseTimestamp(text) : pg::ParseTimestampTz(text);
      if (ts && ts->infinity == 0 && FormatMillisUtc(ts->epoch_micros, &scratch_)) {
        return json::String(*writer_, scratch_);
      }
      return WriteCheckedString(text);  // infinity, or a year a date field cannot hold
    }
    case kJson:
    case kJsonb:
      return WriteJson(text);
    case kBytea: {
      const std::optional<std::string> bytes = pg::ParseByteaHex(text);
      if (!bytes) return WriteCheckedString(text);
      return WriteBase64(*bytes);  // Elasticsearch's binary type reads base64
    }
    default:
      break;
  }
  // Types walcast does not know by OID: numbers and booleans by category.
  if (category == 'N' && IsJsonNumber(text)) {
    return writer_->RawValue(text.data(), text.size(), rapidjson::kNumberType);
  }
  if (category == 'B' && (text == "t" || text == "f")) return writer_->Bool(text == "t");
  return WriteCheckedString(text);
}

// Nested dimensions are arrays of the same element type.
bool ColumnJsonWriter::WriteArray(const std::vector<pg::ArrayElement>& elements, uint32_t oid,
                                  char category, const TypeInfo* info, int depth) {
  writer_->StartArray();
  for (const pg::ArrayElement& e : elements) {
    bool ok = true;
    if (e.nested) {
      ok = WriteArray(e.children, oid, category, info, depth);
    } else if (!e.text) {
      ok = writer_->Null();
    } else {
      ok = WriteText(oid, category, info, *e.text, depth + 1);
    }
    if (!ok) return false;
  }
  return writer_->EndArray();
}

// Embedded as JSON, re-written compactly; text that does not parse (the
// server never sends any) stays a string.
bool ColumnJsonWriter::WriteJson(std::string_view text) {
  json_scratch_.Clear();
  rapidjson::Writer<rapidjson::StringBuffer> compact(json_scratch_);
  rapidjson::Reader reader;
  // The datum is not NUL-terminated for the reader: bound it by length.
  rapidjson::MemoryStream bounded(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> input(bounded);
  if (reader.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(
          input, compact)) {
    return writer_->RawValue(json_scratch_.GetString(), json_scratch_.GetSize(),
                             rapidjson::kObjectType);
  }
  return WriteCheckedString(text);
}

bool ColumnJsonWriter::WriteBase64(std::string_view bytes) {
  scratch_.clear();
  AppendBase64(bytes, &scratch_);
  return json::String(*writer_, scratch_);
}

bool ColumnJsonWriter::WriteCheckedString(std::string_view s) {
  return IsValidUtf8(s) && json::String(*writer_, s);
}

}  // namespace walcast::sinks::elasticsearch
