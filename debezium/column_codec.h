#pragma once

// Maps one PostgreSQL column to the Kafka Connect schema Debezium's
// PostgreSQL connector gives it, and converts the column's text values to
// the JSON Kafka's JsonConverter writes for that schema
// (docs/debezium-compat.md lists the mapping).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "debezium/connect_schema.h"
#include "debezium/jackson_writer.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace walcast::debezium {

// Payloads are written with RapidJSON's Writer (JacksonWriter: with
// Jackson's escapes for characters outside the BMP), whose string escaping
// ('"', '\\', \b \t \n \f \r, other control characters as \u00XX in
// upper-case hex, everything else including non-ASCII UTF-8 as is) is
// Jackson's, which Kafka's JsonConverter uses: connect_schema_test.cc checks
// it against AppendJsonString byte for byte.
using JsonWriter = JacksonWriter;

enum class DecimalMode { kPrecise, kDouble, kString };
enum class TimePrecisionMode { kAdaptive, kAdaptiveTimeMicroseconds, kConnect };
enum class BinaryMode { kBytes, kBase64, kBase64UrlSafe, kHex };
enum class IntervalMode { kNumeric, kString };

// `bytes` as a value of binary.handling.mode `mode` is written into JSON:
// base64 (kBytes, which JsonConverter writes as base64, and kBase64),
// URL-safe base64, or hex.
void AppendBinary(std::string_view bytes, BinaryMode mode, std::string* out);

// Where a value's text comes from. Debezium reads snapshot rows over JDBC
// and streamed rows from pgoutput's text, and a few values come out
// differently (docs/debezium-compat.md, item 23): walcast reproduces both.
enum class ValueSource { kStreaming, kSnapshot };

// Debezium's value-handling settings (same names and defaults).
struct ValueOptions {
  DecimalMode decimal = DecimalMode::kPrecise;              // decimal.handling.mode
  TimePrecisionMode time = TimePrecisionMode::kAdaptive;    // time.precision.mode
  BinaryMode binary = BinaryMode::kBytes;                   // binary.handling.mode
  IntervalMode interval = IntervalMode::kNumeric;           // interval.handling.mode
  int money_fraction_digits = 2;                            // money.fraction.digits
  std::string unavailable_placeholder = "__debezium_unavailable_value";
  bool include_unknown_datatypes = false;                   // include.unknown.datatypes
};

// Immutable after construction; shared by every record of its table.
//
// The code is split by type family, one file each: column_codec.cc (the
// dispatch), _numbers.cc (boolean, integers, floats), _decimals.cc
// (numeric, money), _temporal.cc (dates, times, timestamps, intervals),
// _binary.cc (bytea, bits, unknown types), _strings.cc (text, json, xml,
// uuid, ranges, enums, citext, ltree, hstore), _geometry.cc (point),
// _arrays.cc, and _defaults.cc (nulls, unavailable TOAST values and
// column defaults).
class ColumnCodec {
 public:
  // nullopt for a column Debezium leaves out of the schema (a type it does
  // not know, unless include.unknown.datatypes is on).
  static std::optional<ColumnCodec> For(const Column& column, bool optional,
                                        const ValueOptions& options);

  const ConnectSchema& schema() const { return schema_; }

  // Writes the JSON for one datum. A null datum writes the schema default
  // when there is one (JsonConverter's replace.null.with.default), else
  // null; an unchanged TOAST datum writes the placeholder. kCorruption when
  // the text cannot be parsed as the column's type (message names the
  // column).
  Status Write(const Datum& datum, JsonWriter* w,
               ValueSource source = ValueSource::kStreaming) const;

  // The JSON of a value given as PostgreSQL text (e.g. a column default's
  // literal); nullopt when it does not parse.
  std::optional<std::string> RenderText(std::string_view text) const;
  // Sets the schema's "default" (JSON), which also replaces nulls on write.
  void set_default_json(std::string json) { schema_.default_json = std::move(json); }
  // Appends a schema parameter after the type's own (a column mapper's,
  // column_rules.h).
  void add_schema_parameter(std::string name, std::string value) {
    schema_.parameters.emplace_back(std::move(name), std::move(value));
  }
  // Sets the schema default from a column default expression as pg_get_expr
  // prints it, the way Debezium parses it: a quoted or bare literal is
  // converted like a value; a function call or CURRENT_* keyword gives the
  // type's placeholder (0 for a serial's nextval, the epoch for now()).
  // Types Debezium has no default parser for get none.
  void ApplyDefaultExpression(std::string_view expr);

 private:
  enum class Kind {
    kBoolean,
    kBits,
    kInteger,  // int2/int4/int8/oid: the text is the JSON number
    kFloat32,
    kFloat64,
    kDecimalBytes,     // fixed scale_
    kVariableDecimal,  // numeric without scale: {scale, value}
    kDecimalDouble,
    kDecimalString,
    kMoneyBytes,
    kMoneyDouble,
    kMoneyString,
    kString,
    kHstoreJson,  // hstore as a JSON object in java.util.HashMap order
    kDateDays,
    kDateMillis,  // time.precision.mode=connect
    kTimeMillis,
    kTimeMicros,
    kTimestampMillis,
    kTimestampMicros,
    kZonedTimestamp,
    kZonedTime,
    kIntervalMicros,
    kIntervalString,
    kBytes,
    kPoint,
    kArray,
    kUnknownBytes,
  };

  ColumnCodec() = default;
  static std::optional<ColumnCodec> ForType(const std::string& column, const TypeInfo* type,
                                            uint32_t oid, int32_t typmod, bool optional,
                                            const ValueOptions& options, int depth);
  // Sets kind_ and the schema (keeping its `optional`).
  void Set(Kind kind, ConnectType type, std::string name = {},
           std::optional<int> version = std::nullopt);

  // The mapping of built-in types, one family each: true when `oid` is of
  // the family (kind_ and schema_ are then set).
  bool MapNumber(uint32_t oid);
  bool MapDecimal(uint32_t oid, int32_t typmod, const ValueOptions& options);
  bool MapTemporal(uint32_t oid, int32_t typmod, const ValueOptions& options);
  bool MapBinary(uint32_t oid, int32_t typmod, const ValueOptions& options);
  bool MapString(uint32_t oid);
  bool MapGeometry(uint32_t oid);
  // Types known by their catalog entry: enums, and the extension types
  // Debezium recognises by name (citext, ltree, hstore).
  bool MapEnum(const TypeInfo& type);
  bool MapExtension(const TypeInfo& type);
  // An array of `type`'s element type, built on `base`; nullopt when the
  // element type has no mapping.
  static std::optional<ColumnCodec> ForArray(ColumnCodec base, const TypeInfo& type,
                                             int32_t typmod, const ValueOptions& options,
                                             int depth);

  Status WriteText(std::string_view text, JsonWriter* w, std::string* scratch,
                   ValueSource source = ValueSource::kStreaming) const;
  // WriteText of one family each; kCorruption (Bad) when `text` does not
  // parse.
  Status WriteNumberText(std::string_view text, JsonWriter* w, std::string* scratch) const;
  Status WriteDecimalText(std::string_view text, JsonWriter* w, std::string* scratch) const;
  Status WriteDateText(std::string_view text, JsonWriter* w, ValueSource source) const;
  Status WriteTimeText(std::string_view text, JsonWriter* w, std::string* scratch) const;
  Status WriteTimestampText(std::string_view text, JsonWriter* w, std::string* scratch) const;
  Status WriteIntervalText(std::string_view text, JsonWriter* w, std::string* scratch) const;
  Status WriteBinaryText(std::string_view text, JsonWriter* w, std::string* scratch) const;
  Status WriteHstoreText(std::string_view text, JsonWriter* w) const;
  Status WritePointText(std::string_view text, JsonWriter* w, std::string* scratch) const;
  Status WriteArrayText(std::string_view text, JsonWriter* w, ValueSource source) const;

  // Null: the default, else the NOT NULL fallback, else null.
  void WriteNull(JsonWriter* w) const;
  // An unchanged TOAST value, per type as Debezium writes its placeholder.
  void WriteUnavailable(JsonWriter* w) const;
  void WriteUnavailableArray(JsonWriter* w) const;
  // The value Debezium's converters produce for a null in a NOT NULL column.
  std::optional<std::string> FallbackJson() const;
  // The literal a default expression stands for (ApplyDefaultExpression);
  // nullopt for none.
  std::optional<std::string> DefaultLiteral(std::string_view expr) const;
  // The literal a function-call or CURRENT_* default stands for.
  std::string PlaceholderLiteral() const;
  Status Bad(std::string_view text) const;

  std::string column_;
  Kind kind_ = Kind::kString;
  int32_t scale_ = 0;
  int precision_ = 6;  // fractional second digits for times
  BinaryMode binary_ = BinaryMode::kBytes;
  ConnectSchema schema_;
  std::string placeholder_;
  // Written for a null in a NOT NULL column without a default (a key-only
  // old tuple's other columns), as Debezium's converters do.
  std::optional<std::string> not_null_fallback_;
  bool always_null_ = false;           // `name` columns: Debezium never reads them
  bool default_parsable_ = true;       // Debezium has a default parser for the type
  std::string placeholder_default_;    // the text a function default stands for
  std::vector<ColumnCodec> element_;  // kArray: exactly one
};

}  // namespace walcast::debezium
