#include "debezium/column_codec.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "core/encoding.h"
#include "debezium/java_hash_map.h"
#include "debezium/java_number.h"
#include "pg/text.h"
#include "pg/type_oids.h"

namespace walcast::debezium {

using pg::ArrayElement;
using pg::CivilDate;
using pg::CivilFromDays;
using pg::DaysFromCivil;
using pg::FloorDiv;
using pg::HstoreEntry;
using pg::ParseArray;
using pg::ParseByteaHex;
using pg::ParseDate;
using pg::ParseDecimal;
using pg::ParseHstore;
using pg::ParseInterval;
using pg::ParseMoney;
using pg::ParseTimeMicros;
using pg::ParseTimeTz;
using pg::ParseTimestamp;
using pg::ParseTimestampTz;
using pg::PgDate;
using pg::PgInterval;
using pg::PlainText;
using pg::Rescale;
using pg::UnscaledTwosComplement;
using pg::kMicrosPerDay;
using pg::kMicrosPerSecond;
namespace {

using namespace pg::oid;  // NOLINT(google-build-using-namespace): the type OIDs, read as case labels

// Debezium's sentinels for ±infinity timestamps (epoch milliseconds of
// PGStatement.DATE_POSITIVE_INFINITY / DATE_NEGATIVE_INFINITY).
constexpr int64_t kPositiveInfinity = 9223372036825200000LL;
constexpr int64_t kNegativeInfinity = -9223372036832400000LL;

// date 'infinity' and '-infinity' as Debezium 3.7.0 writes them.
// Streaming: its stand-in LocalDates +5877611-06-21 and -5877611-06-22,
// whose epoch days are cast to int (the first wraps around).
constexpr int64_t kStreamedPositiveInfinityDay = 2146033979;
constexpr int64_t kStreamedNegativeInfinityDay = -2147472691;
// Snapshot: the JDBC driver returns java.sql.Date(±PGStatement infinity
// millis), which Debezium turns into a LocalDate in the JVM's time zone
// (UTC for Kafka Connect here) and casts its epoch day to int.
constexpr int64_t kSnapshotPositiveInfinityDay = -622191234;
constexpr int64_t kSnapshotNegativeInfinityDay = -625821272;

// The epoch day Debezium writes for a date its snapshot read over JDBC,
// which goes through java.sql.Date and so through java.util's Julian/
// Gregorian calendar: the infinities above; a BC date loses its era
// (toLocalDate keeps the year of era: '0001-01-01 BC' reads as 0001-01-01);
// and the ten days the calendar skips (1582-10-05 to 1582-10-14) are taken
// as Julian dates, ten days later. Other dates keep their year, month and
// day.
int64_t JdbcEpochDay(const PgDate& date, std::string_view text) {
  if (date.infinity != 0) {
    return date.infinity > 0 ? kSnapshotPositiveInfinityDay : kSnapshotNegativeInfinityDay;
  }
  constexpr std::string_view kBc = " BC";
  if (text.size() > kBc.size() && text.substr(text.size() - kBc.size()) == kBc) {
    if (std::optional<PgDate> ad = ParseDate(text.substr(0, text.size() - kBc.size()))) {
      return ad->epoch_day;
    }
  }
  const int64_t gap_start = DaysFromCivil(1582, 10, 5);
  if (date.epoch_day >= gap_start && date.epoch_day < gap_start + 10) return date.epoch_day + 10;
  return date.epoch_day;
}

// Fractional-second digits of time/timestamp(p); -1 means the default 6.
int TimePrecision(int32_t typmod) { return typmod < 0 ? 6 : std::min(typmod, 6); }


// "2018-06-20T13:13:16.945104Z" from epoch micros, with the fraction padded
// to `precision` digits (none when 0).
void AppendIsoInstant(int64_t epoch_micros, int precision, std::string* out) {
  const int64_t days = FloorDiv(epoch_micros, kMicrosPerDay);
  int64_t rem = epoch_micros - days * kMicrosPerDay;
  const CivilDate date = CivilFromDays(days);
  const int64_t y = date.year;
  const int64_t m = date.month;
  const int64_t d = date.day;
  char buf[64];
  const int64_t secs = rem / kMicrosPerSecond;
  const int64_t micros = rem % kMicrosPerSecond;
  // java.time prints years outside 0000-9999 with a sign.
  const char* format = y >= 0 && y <= 9999 ? "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld"
                                           : "%+05lld-%02lld-%02lldT%02lld:%02lld:%02lld";
  const int n = std::snprintf(buf, sizeof(buf), format, static_cast<long long>(y),
                              static_cast<long long>(m), static_cast<long long>(d),
                              static_cast<long long>(secs / 3600),
                              static_cast<long long>(secs / 60 % 60),
                              static_cast<long long>(secs % 60));
  out->append(buf, static_cast<size_t>(n));
  if (precision > 0) {
    char frac[8];
    std::snprintf(frac, sizeof(frac), "%06lld", static_cast<long long>(micros));
    out->push_back('.');
    out->append(frac, static_cast<size_t>(precision));
  }
  out->push_back('Z');
}

// ISO_OFFSET_TIME in UTC: "HH:MM:SS", a fraction only when non-zero with
// its trailing zeros stripped, then "Z".
void AppendIsoTime(int64_t micros, std::string* out) {
  char buf[32];
  const int64_t secs = micros / kMicrosPerSecond;
  const int n = std::snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld",
                              static_cast<long long>(secs / 3600 % 24),
                              static_cast<long long>(secs / 60 % 60),
                              static_cast<long long>(secs % 60));
  out->append(buf, static_cast<size_t>(n));
  if (const int64_t frac = micros % kMicrosPerSecond; frac != 0) {
    char digits[8];
    std::snprintf(digits, sizeof(digits), "%06lld", static_cast<long long>(frac));
    std::string f(digits);
    while (f.back() == '0') f.pop_back();
    out->push_back('.');
    out->append(f);
  }
  out->push_back('Z');
}

// ISO-8601 duration as io.debezium.time.Interval writes it:
// "P1Y2M3DT4H5M6.78S", zero components kept.
void AppendIsoInterval(const PgInterval& iv, std::string* out) {
  char buf[160];
  const int64_t total_micros = iv.micros;
  const int64_t whole = total_micros / kMicrosPerSecond;
  const int64_t frac = std::llabs(total_micros % kMicrosPerSecond);
  int n = std::snprintf(buf, sizeof(buf), "P%dY%dM%dDT%lldH%dM", iv.years, iv.months, iv.days,
                        static_cast<long long>(iv.hours), iv.minutes);
  out->append(buf, static_cast<size_t>(n));
  if (frac == 0) {
    n = std::snprintf(buf, sizeof(buf), "%lldS", static_cast<long long>(whole));
  } else {
    char digits[8];
    std::snprintf(digits, sizeof(digits), "%06lld", static_cast<long long>(frac));
    std::string f(digits);
    while (!f.empty() && f.back() == '0') f.pop_back();
    n = std::snprintf(buf, sizeof(buf), "%s%lld.%sS", total_micros < 0 && whole == 0 ? "-" : "",
                      static_cast<long long>(whole), f.c_str());
  }
  out->append(buf, static_cast<size_t>(n));
}

// io.debezium.time.MicroDuration: months count as 365.25 / 12 days, and the
// sum is taken in doubles in this order and truncated, exactly as Debezium
// computes it (this file is built with -ffp-contract=off so no fused
// multiply-add changes a rounding).
int64_t IntervalMicros(const PgInterval& iv) {
  constexpr double kDaysPerMonth = 30.4375;
  const double seconds = static_cast<double>(iv.micros / kMicrosPerSecond) +
                         static_cast<double>(iv.micros % kMicrosPerSecond) / 1e6;
  const double days =
      static_cast<double>(iv.years * 12 + iv.months) * kDaysPerMonth + static_cast<double>(iv.days);
  const double secs =
      (((days * 24 + static_cast<double>(iv.hours)) * 60) + static_cast<double>(iv.minutes)) * 60 +
      seconds;
  return static_cast<int64_t>(secs * 1e6 + 0);
}

void WriteRaw(JsonWriter* w, const std::string& json, rapidjson::Type type) {
  w->RawValue(json.data(), json.size(), type);
}

void WriteString(JsonWriter* w, std::string_view s) {
  w->String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace

std::optional<ColumnCodec> ColumnCodec::For(const Column& column, bool optional,
                                            const ValueOptions& options) {
  const TypeInfo* type = column.type ? &*column.type : nullptr;
  auto codec = ForType(column.name, type, column.type_oid, column.type_modifier, optional, options,
                       0);
  if (codec) {
    codec->placeholder_ = options.unavailable_placeholder;
    // Debezium parses defaults by the declared type's name: a domain or an
    // array never gets one.
    if (type != nullptr && (type->typtype == 'd' || type->elem_oid != 0)) {
      codec->default_parsable_ = false;
    }
    if (column.not_null) codec->not_null_fallback_ = codec->FallbackJson();
  }
  return codec;
}

std::optional<ColumnCodec> ColumnCodec::ForType(const std::string& column, const TypeInfo* type,
                                                uint32_t oid, int32_t typmod, bool optional,
                                                const ValueOptions& options, int depth) {
  ColumnCodec c;
  c.column_ = column;
  c.binary_ = options.binary;
  auto set = [&](Kind kind, ConnectType ctype, std::string name = {},
                 std::optional<int> version = std::nullopt) {
    c.kind_ = kind;
    c.schema_ = ConnectSchema::Of(ctype, optional, std::move(name), version);
  };
  const bool connect_time = options.time == TimePrecisionMode::kConnect;
  switch (oid) {
    case kBool:
      set(Kind::kBoolean, ConnectType::kBoolean);
      return c;
    case kInt2:
      set(Kind::kInteger, ConnectType::kInt16);
      return c;
    case kInt4:
      set(Kind::kInteger, ConnectType::kInt32);
      return c;
    case kInt8:
    case kOid:
      set(Kind::kInteger, ConnectType::kInt64);
      return c;
    case kFloat4:
      set(Kind::kFloat32, ConnectType::kFloat32);
      return c;
    case kFloat8:
      set(Kind::kFloat64, ConnectType::kFloat64);
      return c;
    case kBit:
    case kVarbit: {
      // bit without a length is bit(1); varbit without one is unbounded.
      const int32_t length = typmod >= 0 ? typmod : (oid == kBit ? 1 : 2147483647);
      c.placeholder_default_ = oid == kBit ? "00" : "0";
      if (length <= 1) {
        set(Kind::kBoolean, ConnectType::kBoolean);
        return c;
      }
      set(Kind::kBits, ConnectType::kBytes, "io.debezium.data.Bits", 1);
      c.schema_.parameters.emplace_back("length", std::to_string(length));
      return c;
    }
    case kNumeric:
    case kMoney: {
      const bool money = oid == kMoney;
      c.default_parsable_ = !money;
      if (options.decimal == DecimalMode::kDouble) {
        set(money ? Kind::kMoneyDouble : Kind::kDecimalDouble, ConnectType::kFloat64);
        return c;
      }
      if (options.decimal == DecimalMode::kString) {
        set(money ? Kind::kMoneyString : Kind::kDecimalString, ConnectType::kString);
        return c;
      }
      if (money) {
        set(Kind::kMoneyBytes, ConnectType::kBytes, "org.apache.kafka.connect.data.Decimal", 1);
        c.default_parsable_ = false;
        c.scale_ = options.money_fraction_digits;
        c.schema_.parameters.emplace_back("scale", std::to_string(c.scale_));
        return c;
      }
      if (typmod < 0) {
        set(Kind::kVariableDecimal, ConnectType::kStruct, "io.debezium.data.VariableScaleDecimal",
            1);
        c.default_parsable_ = false;  // a struct default is dropped (KAFKA-12694)
        c.schema_.doc = "Variable scaled decimal";
        c.schema_.fields.push_back({"scale", ConnectSchema::Of(ConnectType::kInt32, false)});
        c.schema_.fields.push_back({"value", ConnectSchema::Of(ConnectType::kBytes, false)});
        return c;
      }
      const int32_t precision = ((typmod - 4) >> 16) & 0xffff;
      c.scale_ = (typmod - 4) & 0xffff;
      set(Kind::kDecimalBytes, ConnectType::kBytes, "org.apache.kafka.connect.data.Decimal", 1);
      c.schema_.parameters.emplace_back("scale", std::to_string(c.scale_));
      c.schema_.parameters.emplace_back("connect.decimal.precision", std::to_string(precision));
      return c;
    }
    case kName:
      // Debezium's pgoutput value resolver has no case for `name`: always null.
      set(Kind::kString, ConnectType::kString);
      c.always_null_ = true;
      return c;
    case kText:
    case kBpchar:
    case kVarchar:
      set(Kind::kString, ConnectType::kString);
      return c;
    case kChar:
    case kCidr:
    case kInet:
    case kMacaddr:
    case kMacaddr8:
    case kInt4range:
    case kInt8range:
    case kNumrange:
    case kTsrange:
    case kTstzrange:
    case kDaterange:
      set(Kind::kString, ConnectType::kString);
      c.default_parsable_ = false;
      return c;
    case kJson:
    case kJsonb:
      set(Kind::kString, ConnectType::kString, "io.debezium.data.Json", 1);
      c.placeholder_default_ = "{}";
      return c;
    case kXml:
      set(Kind::kString, ConnectType::kString, "io.debezium.data.Xml", 1);
      return c;
    case kUuid:
      set(Kind::kString, ConnectType::kString, "io.debezium.data.Uuid", 1);
      c.placeholder_default_ = "00000000-0000-0000-0000-000000000000";
      return c;
    case kTsvector:
      set(Kind::kString, ConnectType::kString, "io.debezium.data.Tsvector", 1);
      c.default_parsable_ = false;
      return c;
    case kDate:
      if (connect_time) {
        set(Kind::kDateDays, ConnectType::kInt32, "org.apache.kafka.connect.data.Date", 1);
      } else {
        set(Kind::kDateDays, ConnectType::kInt32, "io.debezium.time.Date", 1);
      }
      return c;
    case kTime:
      c.precision_ = TimePrecision(typmod);
      if (connect_time) {
        set(Kind::kTimeMillis, ConnectType::kInt32, "org.apache.kafka.connect.data.Time", 1);
      } else if (options.time == TimePrecisionMode::kAdaptive && c.precision_ <= 3) {
        set(Kind::kTimeMillis, ConnectType::kInt32, "io.debezium.time.Time", 1);
      } else {
        set(Kind::kTimeMicros, ConnectType::kInt64, "io.debezium.time.MicroTime", 1);
      }
      return c;
    case kTimestamp:
      c.precision_ = TimePrecision(typmod);
      if (connect_time) {
        set(Kind::kTimestampMillis, ConnectType::kInt64,
            "org.apache.kafka.connect.data.Timestamp", 1);
      } else if (c.precision_ <= 3) {
        set(Kind::kTimestampMillis, ConnectType::kInt64, "io.debezium.time.Timestamp", 1);
      } else {
        set(Kind::kTimestampMicros, ConnectType::kInt64, "io.debezium.time.MicroTimestamp", 1);
      }
      return c;
    case kTimestamptz:
      c.precision_ = TimePrecision(typmod);
      set(Kind::kZonedTimestamp, ConnectType::kString, "io.debezium.time.ZonedTimestamp", 1);
      return c;
    case kTimetz:
      c.precision_ = TimePrecision(typmod);
      set(Kind::kZonedTime, ConnectType::kString, "io.debezium.time.ZonedTime", 1);
      c.default_parsable_ = false;
      return c;
    case kInterval:
      if (options.interval == IntervalMode::kString) {
        set(Kind::kIntervalString, ConnectType::kString, "io.debezium.time.Interval", 1);
      } else {
        set(Kind::kIntervalMicros, ConnectType::kInt64, "io.debezium.time.MicroDuration", 1);
      }
      return c;
    case kBytea:
      if (options.binary == BinaryMode::kBytes) {
        set(Kind::kBytes, ConnectType::kBytes);
      } else {
        set(Kind::kBytes, ConnectType::kString);
      }
      return c;
    case kPoint:
      set(Kind::kPoint, ConnectType::kStruct, "io.debezium.data.geometry.Point", 1);
      c.schema_.doc = "Geometry (POINT)";
      c.schema_.fields.push_back({"x", ConnectSchema::Of(ConnectType::kFloat64, false)});
      c.schema_.fields.push_back({"y", ConnectSchema::Of(ConnectType::kFloat64, false)});
      c.schema_.fields.push_back({"wkb", ConnectSchema::Of(ConnectType::kBytes, true)});
      c.schema_.fields.push_back({"srid", ConnectSchema::Of(ConnectType::kInt32, true)});
      return c;
    default:
      break;
  }
  if (type != nullptr && depth < 4) {
    if (type->typtype == 'e') {
      set(Kind::kString, ConnectType::kString, "io.debezium.data.Enum", 1);
      std::string allowed;
      for (const std::string& label : type->enum_labels) {
        if (!allowed.empty()) allowed.push_back(',');
        allowed.append(label);
      }
      c.schema_.parameters.emplace_back("allowed", allowed);
      return c;
    }
    if (type->typtype == 'd' && !type->inner.empty()) {
      return ForType(column, &type->inner.front(), type->base_oid, type->base_typmod, optional,
                     options, depth + 1);
    }
    if (type->elem_oid != 0) {
      const TypeInfo* elem = type->inner.empty() ? nullptr : &type->inner.front();
      switch (type->elem_oid) {
        case kMoney:
        case kName:
        case kInterval:
        case kVarbit:
        case kXml:
        case kPoint:
          return std::nullopt;  // Debezium leaves these arrays out, always
        default:
          break;
      }
      const bool element_is_domain = elem != nullptr && elem->typtype == 'd';
      std::optional<ColumnCodec> element;
      if (!element_is_domain) {
        element = ForType(column, elem, type->elem_oid, typmod, true, options, depth + 1);
      }
      if (element && element->kind_ != Kind::kUnknownBytes) {
        // Enum elements are required in Debezium's array schema.
        if (elem != nullptr && elem->typtype == 'e') element->schema_.optional = false;
        set(Kind::kArray, ConnectType::kArray);
        c.schema_.items.push_back(element->schema_);
        c.element_.push_back(std::move(*element));
        return c;
      }
      if (!options.include_unknown_datatypes) return std::nullopt;
    }
    if (type->name == "citext" || type->name == "ltree" || type->name == "hstore") {
      c.default_parsable_ = false;
      if (type->name == "citext") {
        set(Kind::kString, ConnectType::kString);
      } else if (type->name == "ltree") {
        set(Kind::kString, ConnectType::kString, "io.debezium.data.Ltree", 1);
      } else {
        set(Kind::kHstoreJson, ConnectType::kString, "io.debezium.data.Json", 1);
      }
      return c;
    }
  }
  if (!options.include_unknown_datatypes) return std::nullopt;
  set(Kind::kUnknownBytes, ConnectType::kBytes);
  return c;
}

Status ColumnCodec::Bad(std::string_view text) const {
  (void)text;  // never logged: row contents stay out of errors and logs
  return Status::Corruption("column '" + column_ + "': value does not parse as " +
                            std::string(ConnectTypeName(schema_.type)) +
                            (schema_.name.empty() ? "" : " (" + schema_.name + ")"));
}

Status ColumnCodec::Write(const Datum& datum, JsonWriter* w, ValueSource source) const {
  switch (datum.kind) {
    case Datum::Kind::kNull:
      WriteNull(w);
      return Status::Ok();
    case Datum::Kind::kUnchangedToast:
      WriteUnavailable(w);
      return Status::Ok();
    case Datum::Kind::kText: {
      if (always_null_) {
        WriteNull(w);
        return Status::Ok();
      }
      std::string scratch;
      return WriteText(datum.data, w, &scratch, source);
    }
    case Datum::Kind::kBinary:
      return Status::Corruption("column '" + column_ +
                                "': binary-format values are not supported by the Kafka encoder");
  }
  return Status::Ok();
}

void ColumnCodec::WriteNull(JsonWriter* w) const {
  if (schema_.default_json) {
    WriteRaw(w, *schema_.default_json, rapidjson::kStringType);
  } else if (not_null_fallback_) {
    WriteRaw(w, *not_null_fallback_, rapidjson::kStringType);
  } else {
    w->Null();
  }
}

void ColumnCodec::WriteUnavailable(JsonWriter* w) const {
  std::string scratch;
  switch (kind_) {
    case Kind::kString:
    case Kind::kHstoreJson:
    case Kind::kDecimalString:
    case Kind::kMoneyString:
      WriteString(w, placeholder_);
      return;
    case Kind::kBytes:
      if (binary_ == BinaryMode::kBytes) {
        AppendBase64(placeholder_, &scratch);
        WriteString(w, scratch);
      } else if (binary_ == BinaryMode::kHex) {
        WriteString(w, placeholder_);
      } else {
        w->Null();  // Debezium's base64 converters drop the marker
      }
      return;
    case Kind::kArray: {
      const ColumnCodec& e = element_.front();
      if (e.kind_ == Kind::kString && e.schema_.name != "io.debezium.data.Uuid") {
        w->StartArray();
        WriteString(w, placeholder_);
        w->EndArray();
      } else if (e.kind_ == Kind::kInteger || e.kind_ == Kind::kDateDays) {
        // The placeholder's bytes, one number each.
        w->StartArray();
        for (char c : placeholder_) w->Int(static_cast<unsigned char>(c));
        w->EndArray();
      } else if (e.kind_ == Kind::kBytes && e.binary_ == BinaryMode::kBytes) {
        AppendBase64(placeholder_, &scratch);
        w->StartArray();
        WriteString(w, scratch);
        w->EndArray();
      } else if (e.schema_.name == "io.debezium.data.Uuid" &&
                 placeholder_ == "__debezium_unavailable_value") {
        // UUID.nameUUIDFromBytes of the default placeholder.
        w->StartArray();
        WriteString(w, "b68a35a7-17ad-35b3-af2a-ae46edb4545a");
        w->EndArray();
      } else {
        w->Null();
      }
      return;
    }
    default:
      // The placeholder does not fit the schema; Debezium ends with null.
      WriteNull(w);
      return;
  }
}

std::optional<std::string> ColumnCodec::FallbackJson() const {
  switch (kind_) {
    case Kind::kBoolean:
      return "false";
    case Kind::kInteger:
    case Kind::kDateDays:
    case Kind::kDateMillis:
    case Kind::kTimeMillis:
    case Kind::kTimeMicros:
    case Kind::kTimestampMillis:
    case Kind::kTimestampMicros:
    case Kind::kIntervalMicros:
      return "0";
    case Kind::kFloat32:
    case Kind::kFloat64:
    case Kind::kDecimalDouble:
    case Kind::kMoneyDouble:
      return "0.0";
    case Kind::kString:
    case Kind::kBits:
    case Kind::kBytes:
    case Kind::kUnknownBytes:
      return "\"\"";
    case Kind::kHstoreJson:
      return "\"{}\"";  // Debezium's fallback for an hstore
    case Kind::kZonedTimestamp:
      return "\"1970-01-01T00:00:00Z\"";
    case Kind::kZonedTime:
      return "\"00:00:00Z\"";
    case Kind::kIntervalString:
      return "\"P0Y0M0DT0H0M0S\"";
    case Kind::kDecimalBytes:
    case Kind::kMoneyBytes:
      return "\"AA==\"";
    case Kind::kVariableDecimal:
      return "{\"scale\":0,\"value\":\"AA==\"}";
    case Kind::kDecimalString:
      return RenderText("0");
    case Kind::kMoneyString:
      return "\"0.00\"";
    case Kind::kArray:
      return "[]";
    case Kind::kPoint:
      return "{\"x\":0.0,\"y\":0.0,\"wkb\":\"AQEAAAAAAAAAAAAAAAAAAAAAAAAA\",\"srid\":null}";
  }
  return std::nullopt;
}

void ColumnCodec::ApplyDefaultExpression(std::string_view expr) {
  if (!default_parsable_) return;
  switch (kind_) {
    case Kind::kZonedTime:
    case Kind::kBytes:
    case Kind::kPoint:
    case Kind::kArray:
    case Kind::kUnknownBytes:
    case Kind::kVariableDecimal:
    case Kind::kMoneyBytes:
    case Kind::kMoneyDouble:
    case Kind::kMoneyString:
      return;
    default:
      break;
  }
  auto trim = [](std::string_view v) {
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
    return v;
  };
  expr = trim(expr);
  std::string lower(expr);
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  // A function call (nextval(...), now(), gen_random_uuid()) or a
  // CURRENT_* keyword: the type's placeholder.
  size_t i = expr.empty() || expr[0] != '(' ? 0 : 1;
  const size_t name_start = i;
  while (i < expr.size() && (std::isalnum(static_cast<unsigned char>(expr[i])) || expr[i] == '_' ||
                             expr[i] == '.')) {
    ++i;
  }
  const bool call = i > name_start && i < expr.size() && expr[i] == '(';
  const bool keyword = lower == "current_timestamp" || lower == "current_time" ||
                       lower == "current_date" || lower == "localtime" ||
                       lower == "localtimestamp";
  std::string literal;
  if (call || keyword) {
    literal = placeholder_default_;
    if (literal.empty()) {
      switch (kind_) {
        case Kind::kBoolean:
          literal = "f";
          break;
        case Kind::kInteger:
          literal = "0";
          break;
        case Kind::kFloat32:
        case Kind::kFloat64:
        case Kind::kDecimalBytes:
        case Kind::kDecimalDouble:
        case Kind::kDecimalString:
          literal = "0.0";
          break;
        case Kind::kDateDays:
        case Kind::kDateMillis:
          literal = "1970-01-01";
          break;
        case Kind::kTimeMillis:
        case Kind::kTimeMicros:
          literal = "00:00:00";
          break;
        case Kind::kTimestampMillis:
        case Kind::kTimestampMicros:
          literal = "1970-01-01 00:00:00";
          break;
        case Kind::kZonedTimestamp:
          literal = "1970-01-01 00:00:00+00";
          break;
        case Kind::kIntervalMicros:
        case Kind::kIntervalString:
          literal = "00:00:00";
          break;
        default:
          literal = "";  // strings
      }
    }
  } else if (expr.find('\'') != std::string_view::npos) {
    // The first quoted literal, '' un-doubled.
    const size_t open = expr.find('\'');
    size_t j = open + 1;
    for (; j < expr.size(); ++j) {
      if (expr[j] == '\'') {
        if (j + 1 < expr.size() && expr[j + 1] == '\'') {
          literal.push_back('\'');
          ++j;
          continue;
        }
        break;
      }
      literal.push_back(expr[j]);
    }
    if (j >= expr.size()) return;
  } else {
    if (lower.rfind("null", 0) == 0) return;  // NULL::type: no default
    literal = std::string(expr);
    while (!literal.empty() && literal.front() == '(' && literal.back() == ')') {
      literal = literal.substr(1, literal.size() - 2);
    }
    const size_t cast = literal.find("::");
    if (cast != std::string::npos) literal.resize(cast);
  }
  if (kind_ == Kind::kBoolean) {
    std::string b = literal;
    for (char& ch : b) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (b == "true" || b == "t" || b == "1") {
      literal = "t";
    } else if (b == "false" || b == "f" || b == "0" || b == "00") {
      literal = "f";
    } else {
      return;
    }
  }
  if (std::optional<std::string> json = RenderText(trim(literal))) {
    schema_.default_json = std::move(*json);
  }
}

std::optional<std::string> ColumnCodec::RenderText(std::string_view text) const {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  std::string scratch;
  if (!WriteText(text, &w, &scratch).ok()) return std::nullopt;
  return std::string(buffer.GetString(), buffer.GetSize());
}

Status ColumnCodec::WriteText(std::string_view text, JsonWriter* w, std::string* scratch,
                              ValueSource source) const {
  scratch->clear();
  switch (kind_) {
    case Kind::kBoolean:
      if (text == "t" || text == "1" || text == "true") {
        w->Bool(true);
      } else if (text == "f" || text == "0" || text == "false") {
        w->Bool(false);
      } else {
        return Bad(text);
      }
      return Status::Ok();
    case Kind::kBits: {
      // Bit i of the PostgreSQL string (most significant first) becomes bit
      // (n-1-i) of a little-endian bit set, as java.util.BitSet stores it.
      const size_t n = text.size();
      std::string bytes((n + 7) / 8, '\0');
      for (size_t i = 0; i < n; ++i) {
        if (text[i] != '0' && text[i] != '1') return Bad(text);
        if (text[i] == '1') {
          const size_t bit = n - 1 - i;
          bytes[bit / 8] = static_cast<char>(bytes[bit / 8] | (1 << (bit % 8)));
        }
      }
      // BitSet.toByteArray drops trailing zero bytes.
      while (!bytes.empty() && bytes.back() == '\0') bytes.pop_back();
      AppendBase64(bytes, scratch);
      WriteString(w, *scratch);
      return Status::Ok();
    }
    case Kind::kInteger: {
      int64_t v;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
        // oid is unsigned 32-bit and always fits; anything else is bad input.
        return Bad(text);
      }
      w->Int64(v);
      return Status::Ok();
    }
    case Kind::kFloat32:
    case Kind::kFloat64: {
      if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
        WriteString(w, text);
        return Status::Ok();
      }
      const std::string s(text);
      char* end = nullptr;
      if (kind_ == Kind::kFloat32) {
        const float v = std::strtof(s.c_str(), &end);
        if (end != s.c_str() + s.size()) return Bad(text);
        AppendJavaFloat(v, scratch);
      } else {
        const double v = std::strtod(s.c_str(), &end);
        if (end != s.c_str() + s.size()) return Bad(text);
        AppendJavaDouble(v, scratch);
      }
      WriteRaw(w, *scratch, rapidjson::kNumberType);
      return Status::Ok();
    }
    case Kind::kDecimalBytes:
    case Kind::kVariableDecimal:
    case Kind::kMoneyBytes: {
      if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
        // No Decimal can carry these; the conversion fails and Debezium
        // leaves the field unset.
        WriteNull(w);
        return Status::Ok();
      }
      auto d = kind_ == Kind::kMoneyBytes ? ParseMoney(text) : ParseDecimal(text);
      if (!d) return Bad(text);
      if (kind_ != Kind::kVariableDecimal) {
        *d = Rescale(*d, scale_);
      } else {
        // BigDecimal.stripTrailingZeros, and no negative scale.
        while (d->scale > 0 && d->digits.size() > 1 && d->digits.back() == '0') {
          d->digits.pop_back();
          --d->scale;
        }
        if (d->digits == "0") d->scale = 0;
      }
      AppendBase64(UnscaledTwosComplement(*d), scratch);
      if (kind_ == Kind::kVariableDecimal) {
        w->StartObject();
        w->Key("scale");
        w->Int(d->scale);
        w->Key("value");
        WriteString(w, *scratch);
        w->EndObject();
      } else {
        WriteString(w, *scratch);
      }
      return Status::Ok();
    }
    case Kind::kDecimalDouble:
    case Kind::kMoneyDouble: {
      if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
        WriteString(w, text);  // Jackson quotes non-finite doubles
        return Status::Ok();
      }
      auto d = kind_ == Kind::kMoneyDouble ? ParseMoney(text) : ParseDecimal(text);
      if (!d) return Bad(text);
      AppendJavaDouble(std::strtod(PlainText(*d).c_str(), nullptr), scratch);
      WriteRaw(w, *scratch, rapidjson::kNumberType);
      return Status::Ok();
    }
    case Kind::kDecimalString:
      // Special values print as the names of Debezium's enum.
      if (text == "NaN") {
        WriteString(w, "NAN");
      } else if (text == "Infinity") {
        WriteString(w, "POSITIVE_INFINITY");
      } else if (text == "-Infinity") {
        WriteString(w, "NEGATIVE_INFINITY");
      } else {
        WriteString(w, text);
      }
      return Status::Ok();
    case Kind::kString:
      WriteString(w, text);
      return Status::Ok();
    case Kind::kHstoreJson: {
      // Debezium reads the hstore into a HashMap (PgJDBC's HStoreConverter)
      // and writes its entries with Jackson, in the map's iteration order.
      std::optional<std::vector<HstoreEntry>> entries = ParseHstore(text);
      if (!entries) return Bad(text);
      std::vector<std::string> keys;
      std::vector<const std::optional<std::string>*> values;
      for (const HstoreEntry& e : *entries) {
        // HashMap.put: a repeated key keeps its place and takes the value.
        const auto it = std::find(keys.begin(), keys.end(), e.key);
        if (it != keys.end()) {
          values[static_cast<size_t>(it - keys.begin())] = &e.value;
        } else {
          keys.push_back(e.key);
          values.push_back(&e.value);
        }
      }
      rapidjson::StringBuffer json;
      JsonWriter inner(json);
      inner.StartObject();
      for (const size_t i : JavaHashMapOrder(keys)) {
        inner.Key(keys[i].data(), static_cast<rapidjson::SizeType>(keys[i].size()));
        if (*values[i]) {
          WriteString(&inner, **values[i]);
        } else {
          inner.Null();
        }
      }
      inner.EndObject();
      WriteString(w, std::string_view(json.GetString(), json.GetSize()));
      return Status::Ok();
    }
    case Kind::kMoneyString: {
      auto d = ParseMoney(text);
      if (!d) return Bad(text);
      WriteString(w, PlainText(*d));
      return Status::Ok();
    }
    case Kind::kDateDays: {
      auto d = ParseDate(text);
      if (!d) return Bad(text);
      if (source == ValueSource::kSnapshot) {
        w->Int64(JdbcEpochDay(*d, text));
      } else if (d->infinity != 0) {
        w->Int64(d->infinity > 0 ? kStreamedPositiveInfinityDay : kStreamedNegativeInfinityDay);
      } else {
        w->Int64(d->epoch_day);
      }
      return Status::Ok();
    }
    case Kind::kDateMillis: {
      auto d = ParseDate(text);
      if (!d) return Bad(text);
      w->Int64(d->epoch_day * 86'400'000);
      return Status::Ok();
    }
    case Kind::kTimeMillis:
    case Kind::kTimeMicros: {
      auto micros = ParseTimeMicros(text);
      if (!micros) return Bad(text);
      w->Int64(kind_ == Kind::kTimeMillis ? *micros / 1000 : *micros);
      return Status::Ok();
    }
    case Kind::kTimestampMillis:
    case Kind::kTimestampMicros: {
      auto ts = ParseTimestamp(text);
      if (!ts) return Bad(text);
      if (ts->infinity != 0) {
        const int64_t sentinel = ts->infinity > 0 ? kPositiveInfinity : kNegativeInfinity;
        // The same number for Timestamp (ms) and MicroTimestamp (µs).
        w->Int64(sentinel);
      } else if (kind_ == Kind::kTimestampMillis) {
        w->Int64(FloorDiv(ts->epoch_micros, 1000));
      } else {
        w->Int64(ts->epoch_micros);
      }
      return Status::Ok();
    }
    case Kind::kZonedTimestamp: {
      auto ts = ParseTimestampTz(text);
      if (!ts) return Bad(text);
      if (ts->infinity != 0) {
        WriteString(w, ts->infinity > 0 ? "infinity" : "-infinity");
        return Status::Ok();
      }
      AppendIsoInstant(ts->epoch_micros, precision_, scratch);
      WriteString(w, *scratch);
      return Status::Ok();
    }
    case Kind::kZonedTime: {
      auto t = ParseTimeTz(text);
      if (!t) return Bad(text);
      if (t->micros == kMicrosPerDay && t->offset_seconds == 0) {
        WriteString(w, "24:00:00Z");
        return Status::Ok();
      }
      int64_t utc = t->micros - static_cast<int64_t>(t->offset_seconds) * kMicrosPerSecond;
      utc = ((utc % kMicrosPerDay) + kMicrosPerDay) % kMicrosPerDay;
      AppendIsoTime(utc, scratch);
      WriteString(w, *scratch);
      return Status::Ok();
    }
    case Kind::kIntervalMicros:
    case Kind::kIntervalString: {
      auto iv = ParseInterval(text);
      if (!iv) return Bad(text);
      if (kind_ == Kind::kIntervalMicros) {
        w->Int64(IntervalMicros(*iv));
      } else {
        AppendIsoInterval(*iv, scratch);
        WriteString(w, *scratch);
      }
      return Status::Ok();
    }
    case Kind::kBytes:
    case Kind::kUnknownBytes: {
      std::string raw;
      if (kind_ == Kind::kBytes) {
        auto bytes = ParseByteaHex(text);
        if (!bytes) return Bad(text);
        raw = std::move(*bytes);
      } else {
        raw = std::string(text);
      }
      switch (binary_) {
        case BinaryMode::kBytes:
        case BinaryMode::kBase64:
          AppendBase64(raw, scratch);
          break;
        case BinaryMode::kBase64UrlSafe:
          AppendBase64(raw, scratch, true);
          break;
        case BinaryMode::kHex:
          AppendHex(raw, scratch);
          break;
      }
      WriteString(w, *scratch);
      return Status::Ok();
    }
    case Kind::kPoint: {
      // "(x,y)"
      if (text.size() < 5 || text.front() != '(' || text.back() != ')') return Bad(text);
      const size_t comma = text.find(',');
      if (comma == std::string_view::npos) return Bad(text);
      const std::string xs(text.substr(1, comma - 1));
      const std::string ys(text.substr(comma + 1, text.size() - comma - 2));
      char* end = nullptr;
      const double x = std::strtod(xs.c_str(), &end);
      if (end != xs.c_str() + xs.size()) return Bad(text);
      const double y = std::strtod(ys.c_str(), &end);
      if (end != ys.c_str() + ys.size()) return Bad(text);
      // WKB of a 2-D point, little endian: byte order 1, type 1, x, y.
      std::string wkb;
      wkb.push_back('\x01');
      wkb.append("\x01\x00\x00\x00", 4);
      wkb.append(reinterpret_cast<const char*>(&x), sizeof(x));
      wkb.append(reinterpret_cast<const char*>(&y), sizeof(y));
      w->StartObject();
      w->Key("x");
      AppendJavaDouble(x, scratch);
      WriteRaw(w, *scratch, rapidjson::kNumberType);
      w->Key("y");
      scratch->clear();
      AppendJavaDouble(y, scratch);
      WriteRaw(w, *scratch, rapidjson::kNumberType);
      w->Key("wkb");
      scratch->clear();
      AppendBase64(wkb, scratch);
      WriteString(w, *scratch);
      w->Key("srid");
      w->Null();
      w->EndObject();
      return Status::Ok();
    }
    case Kind::kArray: {
      auto elements = ParseArray(text);
      if (!elements) return Bad(text);
      const ColumnCodec& element = element_.front();
      std::string inner;
      w->StartArray();
      for (const ArrayElement& e : *elements) {
        if (e.nested || !e.text) {
          // NULL, or an inner dimension Debezium cannot convert: null.
          w->Null();
        } else {
          WALCAST_RETURN_IF_ERROR(element.WriteText(*e.text, w, &inner, source));
        }
      }
      w->EndArray();
      return Status::Ok();
    }
  }
  return Status::Ok();
}

}  // namespace walcast::debezium
