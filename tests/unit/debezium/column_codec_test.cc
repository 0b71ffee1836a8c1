#include "debezium/column_codec.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "pg/type_oids.h"

// ColumnCodec on its own: for each type family the Connect schema it picks
// and the JSON it writes. Expected values are what Debezium 3.7.0 wrote
// (docs/debezium-compat.md, whose item numbers are cited, and the captures
// in tests/data/debezium/); the encoder tests and the differential test
// check the same bytes inside whole records.

namespace walcast::debezium {
namespace {

using namespace pg::oid;  // NOLINT(google-build-using-namespace): type OIDs read as names

Column Col(uint32_t oid, int32_t typmod = -1, bool not_null = false) {
  Column c;
  c.name = "c";
  c.type_oid = oid;
  c.type_modifier = typmod;
  c.not_null = not_null;
  return c;
}

// numeric(p, s)'s type modifier.
int32_t NumericTypmod(int32_t precision, int32_t scale) { return (precision << 16) + scale + 4; }

std::optional<ColumnCodec> Codec(const Column& column, const ValueOptions& options = {}) {
  return ColumnCodec::For(column, !column.not_null, options);
}

std::string SchemaJson(const ColumnCodec& codec) {
  std::string json;
  AppendSchemaJson(codec.schema(), &json);
  return json;
}

// The JSON written for `datum`, "<corruption>" or "<other error>".
std::string Written(const ColumnCodec& codec, const Datum& datum,
                    ValueSource source = ValueSource::kStreaming) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  const Status s = codec.Write(datum, &w, source);
  if (!s.ok()) return s.code() == Status::Code::kCorruption ? "<corruption>" : "<other error>";
  return std::string(buffer.GetString(), buffer.GetSize());
}

// The JSON for the text `text` of a nullable column of `oid`.
std::string Text(uint32_t oid, int32_t typmod, const std::string& text,
                 const ValueOptions& options = {}, ValueSource source = ValueSource::kStreaming) {
  std::optional<ColumnCodec> codec = Codec(Col(oid, typmod), options);
  if (!codec) return "<no codec>";
  return Written(*codec, Datum::Text(text), source);
}

std::string Schema(uint32_t oid, int32_t typmod = -1, const ValueOptions& options = {}) {
  std::optional<ColumnCodec> codec = Codec(Col(oid, typmod), options);
  return codec ? SchemaJson(*codec) : "<no codec>";
}

Status WriteStatus(uint32_t oid, int32_t typmod, const std::string& text) {
  std::optional<ColumnCodec> codec = Codec(Col(oid, typmod));
  EXPECT_TRUE(codec.has_value());
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  return codec->Write(Datum::Text(text), &w);
}

// The schema "default" set by a column default expression, or "<none>".
std::string DefaultFor(const Column& column, std::string_view expr) {
  std::optional<ColumnCodec> codec = Codec(column);
  if (!codec) return "<no codec>";
  codec->ApplyDefaultExpression(expr);
  return codec->schema().default_json.value_or("<none>");
}

ValueOptions Decimal(DecimalMode mode) {
  ValueOptions o;
  o.decimal = mode;
  return o;
}

ValueOptions Time(TimePrecisionMode mode) {
  ValueOptions o;
  o.time = mode;
  return o;
}

ValueOptions Binary(BinaryMode mode) {
  ValueOptions o;
  o.binary = mode;
  return o;
}

TypeInfo Enum() {
  TypeInfo t;
  t.oid = 16400;
  t.schema = "public";
  t.name = "mood";
  t.typtype = 'e';
  t.enum_labels = {"sad", "ok", "happy"};
  return t;
}

TypeInfo Named(const std::string& name) {
  TypeInfo t;
  t.oid = 16500;
  t.schema = "public";
  t.name = name;
  return t;
}

// An array column of `element` (as the relation cache resolves it).
Column ArrayOf(uint32_t elem_oid, std::optional<TypeInfo> element = std::nullopt) {
  TypeInfo element_type = element.value_or(TypeInfo{});
  if (!element) element_type.oid = elem_oid;
  TypeInfo array;
  array.oid = 17000;
  array.name = "_" + element_type.name;
  array.category = 'A';
  array.elem_oid = elem_oid;
  array.inner = {element_type};
  Column c = Col(17000);
  c.type = array;
  return c;
}

Column WithType(TypeInfo type) {
  Column c = Col(type.oid);
  c.type = std::move(type);
  return c;
}

// --- numbers (items 24, 33, 47) ---

TEST(ColumnCodecTest, BooleanAndIntegerSchemasAndValues) {
  EXPECT_EQ(Schema(kBool), R"({"type":"boolean","optional":true})");
  EXPECT_EQ(Schema(kInt2), R"({"type":"int16","optional":true})");
  EXPECT_EQ(Schema(kInt4), R"({"type":"int32","optional":true})");
  EXPECT_EQ(Schema(kInt8), R"({"type":"int64","optional":true})");
  EXPECT_EQ(Schema(kOid), R"({"type":"int64","optional":true})");
  EXPECT_EQ(Text(kBool, -1, "t"), "true");
  EXPECT_EQ(Text(kBool, -1, "f"), "false");
  EXPECT_EQ(Text(kInt4, -1, "-7"), "-7");
  EXPECT_EQ(Text(kInt8, -1, "9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(Text(kOid, -1, "4000000000"), "4000000000");
}

TEST(ColumnCodecTest, FloatsAsJavaPrintsThemAndNonFiniteAsStrings) {
  EXPECT_EQ(Schema(kFloat4), R"({"type":"float","optional":true})");
  EXPECT_EQ(Schema(kFloat8), R"({"type":"double","optional":true})");
  EXPECT_EQ(Text(kFloat8, -1, "1.5"), "1.5");
  EXPECT_EQ(Text(kFloat8, -1, "1e10"), "1.0E10");
  EXPECT_EQ(Text(kFloat8, -1, "1e-07"), "1.0E-7");
  EXPECT_EQ(Text(kFloat8, -1, "1.7976931348623157e+308"), "1.7976931348623157E308");
  EXPECT_EQ(Text(kFloat8, -1, "0"), "0.0");
  EXPECT_EQ(Text(kFloat4, -1, "0.1"), "0.1");  // a float, not 0.10000000149011612
  EXPECT_EQ(Text(kFloat4, -1, "3.4028235e+38"), "3.4028235E38");
  EXPECT_EQ(Text(kFloat8, -1, "NaN"), R"("NaN")");
  EXPECT_EQ(Text(kFloat8, -1, "Infinity"), R"("Infinity")");
  EXPECT_EQ(Text(kFloat4, -1, "-Infinity"), R"("-Infinity")");
}

// --- bits (item 27) ---

TEST(ColumnCodecTest, BitsAreLittleEndianBytesAndBitOneIsBoolean) {
  EXPECT_EQ(Schema(kBit, 1), R"({"type":"boolean","optional":true})");
  EXPECT_EQ(Schema(kBit, 10),
            R"({"type":"bytes","optional":true,"name":"io.debezium.data.Bits","version":1,)"
            R"("parameters":{"length":"10"}})");
  EXPECT_EQ(Text(kBit, 1, "1"), "true");
  EXPECT_EQ(Text(kBit, 10, "1010000001"), R"("gQI=")");
  EXPECT_EQ(Text(kVarbit, 20, "101"), R"("BQ==")");
  EXPECT_EQ(Text(kVarbit, 20, ""), R"("")");
}

// --- decimals and money (items 25, 26) ---

TEST(ColumnCodecTest, NumericWithScaleIsDecimalBytes) {
  EXPECT_EQ(Schema(kNumeric, NumericTypmod(10, 3)),
            R"({"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal",)"
            R"("version":1,"parameters":{"scale":"3","connect.decimal.precision":"10"}})");
  EXPECT_EQ(Schema(kNumeric, NumericTypmod(6, 0)),
            R"({"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal",)"
            R"("version":1,"parameters":{"scale":"0","connect.decimal.precision":"6"}})");
  EXPECT_EQ(Text(kNumeric, NumericTypmod(10, 3), "12.34"), R"("MDQ=")");  // 12340
  EXPECT_EQ(Text(kNumeric, NumericTypmod(10, 3), "NaN"), "null");
}

TEST(ColumnCodecTest, UnconstrainedNumericIsVariableScaleDecimal) {
  EXPECT_EQ(Schema(kNumeric),
            R"({"type":"struct","fields":[{"type":"int32","optional":false,"field":"scale"},)"
            R"({"type":"bytes","optional":false,"field":"value"}],"optional":true,)"
            R"("name":"io.debezium.data.VariableScaleDecimal","version":1,)"
            R"("doc":"Variable scaled decimal"})");
  EXPECT_EQ(Text(kNumeric, -1, "12.345"), R"({"scale":3,"value":"MDk="})");
  EXPECT_EQ(Text(kNumeric, -1, "0.00000000000000000001"), R"({"scale":20,"value":"AQ=="})");
  EXPECT_EQ(Text(kNumeric, -1, "100000000000000000000"), R"({"scale":0,"value":"BWvHXi1jEAAA"})");
  EXPECT_EQ(Text(kNumeric, -1, "0"), R"({"scale":0,"value":"AA=="})");
  EXPECT_EQ(Text(kNumeric, -1, "-0.5"), R"({"scale":1,"value":"+w=="})");
  EXPECT_EQ(Text(kNumeric, -1, "NaN"), "null");
}

TEST(ColumnCodecTest, MoneyIsDecimalWithScaleOnly) {
  EXPECT_EQ(Schema(kMoney),
            R"({"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal",)"
            R"("version":1,"parameters":{"scale":"2"}})");
  EXPECT_EQ(Text(kMoney, -1, "-$92,233,720,368,547,758.08"), R"("gAAAAAAAAAA=")");
  EXPECT_EQ(Text(kMoney, -1, "$1,234.56"), R"("AeJA")");
  EXPECT_EQ(Text(kMoney, -1, "($1.00)"), R"("nA==")");
  ValueOptions three;
  three.money_fraction_digits = 3;
  EXPECT_EQ(Schema(kMoney, -1, three),
            R"({"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal",)"
            R"("version":1,"parameters":{"scale":"3"}})");
}

TEST(ColumnCodecTest, DecimalHandlingModeDouble) {
  const ValueOptions d = Decimal(DecimalMode::kDouble);
  EXPECT_EQ(Schema(kNumeric, NumericTypmod(10, 3), d), R"({"type":"double","optional":true})");
  EXPECT_EQ(Schema(kMoney, -1, d), R"({"type":"double","optional":true})");
  EXPECT_EQ(Text(kNumeric, NumericTypmod(10, 3), "12.340", d), "12.34");
  EXPECT_EQ(Text(kNumeric, -1, "100000000000000000000", d), "1.0E20");
  EXPECT_EQ(Text(kNumeric, -1, "NaN", d), R"("NaN")");
  EXPECT_EQ(Text(kMoney, -1, "-$0.50", d), "-0.5");
}

TEST(ColumnCodecTest, DecimalHandlingModeString) {
  const ValueOptions s = Decimal(DecimalMode::kString);
  EXPECT_EQ(Schema(kNumeric, -1, s), R"({"type":"string","optional":true})");
  EXPECT_EQ(Text(kNumeric, NumericTypmod(10, 3), "12.340", s), R"("12.340")");
  EXPECT_EQ(Text(kNumeric, -1, "NaN", s), R"("NAN")");
  EXPECT_EQ(Text(kNumeric, -1, "Infinity", s), R"("POSITIVE_INFINITY")");
  EXPECT_EQ(Text(kNumeric, -1, "-Infinity", s), R"("NEGATIVE_INFINITY")");
  EXPECT_EQ(Text(kMoney, -1, "$1,234.56", s), R"("1234.56")");
}

// --- dates and times (items 20-23, 28, 48) ---

// Dates out of java.time's everyday range differ between snapshot (JDBC)
// and streaming (noschemas.jsonl, all_types ids 2, 4, 6 and 102, 104, 106).
TEST(ColumnCodecTest, DatesOutOfRangeDependOnTheSource) {
  const ValueOptions o;
  const ValueSource streaming = ValueSource::kStreaming;
  const ValueSource snapshot = ValueSource::kSnapshot;
  EXPECT_EQ(Schema(kDate), R"({"type":"int32","optional":true,"name":"io.debezium.time.Date",)"
                           R"("version":1})");
  EXPECT_EQ(Text(kDate, -1, "infinity", o, streaming), "2146033979");
  EXPECT_EQ(Text(kDate, -1, "-infinity", o, streaming), "-2147472691");
  EXPECT_EQ(Text(kDate, -1, "0001-01-01 BC", o, streaming), "-719528");
  EXPECT_EQ(Text(kDate, -1, "infinity", o, snapshot), "-622191234");
  EXPECT_EQ(Text(kDate, -1, "-infinity", o, snapshot), "-625821272");
  EXPECT_EQ(Text(kDate, -1, "0001-01-01 BC", o, snapshot), "-719162");
  EXPECT_EQ(Text(kDate, -1, "2024-02-29", o, snapshot), "19782");
  EXPECT_EQ(Text(kDate, -1, "2024-02-29", o, streaming), "19782");
  // The days java.util's calendar skips read as Julian dates in the
  // snapshot (the differential test's more_types row 2: -141422).
  EXPECT_EQ(Text(kDate, -1, "1582-10-10", o, snapshot), "-141422");
  EXPECT_EQ(Text(kDate, -1, "1582-10-10", o, streaming), "-141432");
  EXPECT_EQ(Text(kDate, -1, "1582-10-15", o, snapshot), "-141427");
  EXPECT_EQ(Text(kDate, -1, "1000-03-01", o, snapshot), "-354226");
  EXPECT_EQ(Text(kDate, -1, "1000-03-01", o, streaming), "-354226");
}

TEST(ColumnCodecTest, TimeIsMillisUpToPrecisionThreeElseMicros) {
  EXPECT_EQ(Schema(kTime, 3), R"({"type":"int32","optional":true,"name":"io.debezium.time.Time",)"
                              R"("version":1})");
  EXPECT_EQ(Schema(kTime), R"({"type":"int64","optional":true,)"
                           R"("name":"io.debezium.time.MicroTime","version":1})");
  EXPECT_EQ(Text(kTime, -1, "24:00:00"), "86400000000");
  EXPECT_EQ(Text(kTime, 3, "23:59:59.999"), "86399999");
  EXPECT_EQ(Text(kTime, 6, "13:14:15.123456"), "47655123456");
}

// Converted to UTC, not padded (item 21).
TEST(ColumnCodecTest, TimeWithTimeZoneIsUtcText) {
  EXPECT_EQ(Schema(kTimetz), R"({"type":"string","optional":true,)"
                             R"("name":"io.debezium.time.ZonedTime","version":1})");
  EXPECT_EQ(Text(kTimetz, -1, "13:14:15.5+02"), R"("11:14:15.5Z")");
  EXPECT_EQ(Text(kTimetz, -1, "00:00:00-05:30"), R"("05:30:00Z")");
  EXPECT_EQ(Text(kTimetz, -1, "24:00:00+00"), R"("24:00:00Z")");
}

// timestamp(0..3) is Timestamp (ms) but its infinities are the same numbers
// as MicroTimestamp's (all_types ids 2 and 102, c_ts0 and c_ts3; item 22).
TEST(ColumnCodecTest, TimestampsAndTheirInfinities) {
  EXPECT_EQ(Schema(kTimestamp, 3), R"({"type":"int64","optional":true,)"
                                   R"("name":"io.debezium.time.Timestamp","version":1})");
  EXPECT_EQ(Schema(kTimestamp), R"({"type":"int64","optional":true,)"
                                R"("name":"io.debezium.time.MicroTimestamp","version":1})");
  EXPECT_EQ(Text(kTimestamp, 0, "infinity"), "9223372036825200000");
  EXPECT_EQ(Text(kTimestamp, 3, "-infinity"), "-9223372036832400000");
  EXPECT_EQ(Text(kTimestamp, 6, "infinity"), "9223372036825200000");
  EXPECT_EQ(Text(kTimestamp, 0, "2024-02-29 13:14:15"), "1709212455000");
  EXPECT_EQ(Text(kTimestamp, -1, "0001-01-01 00:00:00"), "-62135596800000000");
  EXPECT_EQ(Text(kTimestamp, -1, "4713-01-01 00:00:00 BC"), "-210863520000000000");
  // Timestamps do not depend on the source (item 48).
  EXPECT_EQ(Text(kTimestamp, -1, "4713-01-01 00:00:00 BC", {}, ValueSource::kSnapshot),
            "-210863520000000000");
}

// Always UTC, padded to the declared precision (item 20).
TEST(ColumnCodecTest, ZonedTimestampsAreUtcPaddedToThePrecision) {
  EXPECT_EQ(Schema(kTimestamptz), R"({"type":"string","optional":true,)"
                                  R"("name":"io.debezium.time.ZonedTimestamp","version":1})");
  EXPECT_EQ(Text(kTimestamptz, -1, "2018-06-20 15:13:16.9451+02"),
            R"("2018-06-20T13:13:16.945100Z")");
  EXPECT_EQ(Text(kTimestamptz, 3, "2018-06-20 15:13:16.5+05:30"), R"("2018-06-20T09:43:16.500Z")");
  EXPECT_EQ(Text(kTimestamptz, 0, "2018-06-20 15:13:16+00"), R"("2018-06-20T15:13:16Z")");
  EXPECT_EQ(Text(kTimestamptz, -1, "21016-11-04 13:51:30+00"),
            R"("+21016-11-04T13:51:30.000000Z")");
  EXPECT_EQ(Text(kTimestamptz, -1, "0044-03-15 12:00:00+00 BC"),
            R"("-0043-03-15T12:00:00.000000Z")");
  EXPECT_EQ(Text(kTimestamptz, -1, "infinity"), R"("infinity")");
  EXPECT_EQ(Text(kTimestamptz, -1, "-infinity"), R"("-infinity")");
}

TEST(ColumnCodecTest, TimePrecisionModeConnect) {
  const ValueOptions c = Time(TimePrecisionMode::kConnect);
  EXPECT_EQ(Schema(kDate, -1, c), R"({"type":"int32","optional":true,)"
                                  R"("name":"org.apache.kafka.connect.data.Date","version":1})");
  EXPECT_EQ(Schema(kTime, 6, c), R"({"type":"int32","optional":true,)"
                                 R"("name":"org.apache.kafka.connect.data.Time","version":1})");
  EXPECT_EQ(Schema(kTimestamp, 6, c),
            R"({"type":"int64","optional":true,)"
            R"("name":"org.apache.kafka.connect.data.Timestamp","version":1})");
  EXPECT_EQ(Text(kDate, -1, "2024-02-29", c), "19782");
  EXPECT_EQ(Text(kTime, 6, "13:14:15.123456", c), "47655123");
  EXPECT_EQ(Text(kTimestamp, 6, "2024-02-29 13:14:15.123456", c), "1709212455123");
}

TEST(ColumnCodecTest, TimePrecisionModeAdaptiveTimeMicroseconds) {
  const ValueOptions m = Time(TimePrecisionMode::kAdaptiveTimeMicroseconds);
  EXPECT_EQ(Schema(kTime, 3, m), R"({"type":"int64","optional":true,)"
                                 R"("name":"io.debezium.time.MicroTime","version":1})");
  EXPECT_EQ(Text(kTime, 3, "23:59:59.999", m), "86399999000");
  // Timestamps stay adaptive.
  EXPECT_EQ(Schema(kTimestamp, 3, m), R"({"type":"int64","optional":true,)"
                                      R"("name":"io.debezium.time.Timestamp","version":1})");
}

// A month counts as 30.4375 days (item 28).
TEST(ColumnCodecTest, IntervalHandlingModes) {
  EXPECT_EQ(Schema(kInterval), R"({"type":"int64","optional":true,)"
                               R"("name":"io.debezium.time.MicroDuration","version":1})");
  EXPECT_EQ(Text(kInterval, -1, "1 year 2 mons 3 days 04:05:06.78"), "37091106780000");
  EXPECT_EQ(Text(kInterval, -1, "-1 days -00:00:01"), "-86401000000");
  ValueOptions s;
  s.interval = IntervalMode::kString;
  EXPECT_EQ(Schema(kInterval, -1, s), R"({"type":"string","optional":true,)"
                                      R"("name":"io.debezium.time.Interval","version":1})");
  EXPECT_EQ(Text(kInterval, -1, "1 year 2 mons 3 days 04:05:06.78", s),
            R"("P1Y2M3DT4H5M6.78S")");
  EXPECT_EQ(Text(kInterval, -1, "-00:00:00.5", s), R"("P0Y0M0DT0H0M-0.5S")");
}

// --- binary (items 19, 27) ---

TEST(ColumnCodecTest, ByteaUnderEachBinaryHandlingMode) {
  EXPECT_EQ(Schema(kBytea), R"({"type":"bytes","optional":true})");
  EXPECT_EQ(Text(kBytea, -1, "\\x0aff"), R"("Cv8=")");
  EXPECT_EQ(Text(kBytea, -1, "\\x"), R"("")");
  const ValueOptions base64 = Binary(BinaryMode::kBase64);
  EXPECT_EQ(Schema(kBytea, -1, base64), R"({"type":"string","optional":true})");
  EXPECT_EQ(Text(kBytea, -1, "\\xfbff", base64), R"("+/8=")");
  EXPECT_EQ(Text(kBytea, -1, "\\xfbff", Binary(BinaryMode::kBase64UrlSafe)), R"("-_8=")");
  EXPECT_EQ(Text(kBytea, -1, "\\x0aff", Binary(BinaryMode::kHex)), R"("0aff")");
}

// --- strings (items 5, 29, 30, 33, 45, 46) ---

TEST(ColumnCodecTest, TextTypesAreJsonStringsWithJacksonEscaping) {
  EXPECT_EQ(Schema(kText), R"({"type":"string","optional":true})");
  EXPECT_EQ(Schema(kVarchar, 24), R"({"type":"string","optional":true})");
  EXPECT_EQ(Text(kText, -1, "text with \"quotes\", \\backslash, tab\tand é ü 漢字"),
            R"("text with \"quotes\", \\backslash, tab\tand é ü 漢字")");
  EXPECT_EQ(Text(kText, -1, std::string("nul\0\x1f", 5)), R"("nul\u0000\u001F")");
  EXPECT_EQ(Text(kBpchar, 9, "ab   "), R"("ab   ")");  // blank padding kept
}

TEST(ColumnCodecTest, NamedStringTypes) {
  EXPECT_EQ(Schema(kJson), R"({"type":"string","optional":true,"name":"io.debezium.data.Json",)"
                           R"("version":1})");
  EXPECT_EQ(Schema(kJsonb), Schema(kJson));
  EXPECT_EQ(Schema(kXml), R"({"type":"string","optional":true,"name":"io.debezium.data.Xml",)"
                          R"("version":1})");
  EXPECT_EQ(Schema(kUuid), R"({"type":"string","optional":true,"name":"io.debezium.data.Uuid",)"
                           R"("version":1})");
  EXPECT_EQ(Schema(kTsvector), R"({"type":"string","optional":true,)"
                               R"("name":"io.debezium.data.Tsvector","version":1})");
  EXPECT_EQ(Text(kJson, -1, R"({"b": 1, "a": [1, 2.50]})"), R"("{\"b\": 1, \"a\": [1, 2.50]}")");
}

// Ranges and network types are PostgreSQL's text (item 30).
TEST(ColumnCodecTest, RangesAndNetworkTypesArePlainStrings) {
  for (uint32_t oid : {kInt4range, kInt8range, kNumrange, kTsrange, kTstzrange, kDaterange, kInet,
                       kCidr, kMacaddr, kMacaddr8}) {
    EXPECT_EQ(Schema(oid), R"({"type":"string","optional":true})") << oid;
  }
  EXPECT_EQ(Text(kInt4range, -1, "[1,10)"), "\"[1,10)\"");
  EXPECT_EQ(Text(kDaterange, -1, "[2024-01-01,infinity)"), "\"[2024-01-01,infinity)\"");
  EXPECT_EQ(Text(kInt4range, -1, "empty"), R"("empty")");
}

// Debezium's pgoutput value resolver has no case for `name`.
TEST(ColumnCodecTest, NameIsAlwaysNull) {
  EXPECT_EQ(Schema(kName), R"({"type":"string","optional":true})");
  EXPECT_EQ(Text(kName, -1, "pg_catalog"), "null");
}

TEST(ColumnCodecTest, EnumListsItsLabels) {
  std::optional<ColumnCodec> codec = Codec(WithType(Enum()));
  ASSERT_TRUE(codec.has_value());
  EXPECT_EQ(SchemaJson(*codec),
            R"({"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,)"
            R"("parameters":{"allowed":"sad,ok,happy"}})");
  EXPECT_EQ(Written(*codec, Datum::Text("ok")), R"("ok")");
}

// A domain is its base type (item 33).
TEST(ColumnCodecTest, DomainIsItsBaseType) {
  TypeInfo int4;
  int4.oid = kInt4;
  int4.name = "int4";
  TypeInfo domain;
  domain.oid = 16401;
  domain.name = "posint";
  domain.typtype = 'd';
  domain.base_oid = kInt4;
  domain.inner = {int4};
  std::optional<ColumnCodec> codec = Codec(WithType(domain));
  ASSERT_TRUE(codec.has_value());
  EXPECT_EQ(SchemaJson(*codec), R"({"type":"int32","optional":true})");
  EXPECT_EQ(Written(*codec, Datum::Text("5")), "5");
}

TEST(ColumnCodecTest, CitextAndLtreeAreStrings) {
  std::optional<ColumnCodec> citext = Codec(WithType(Named("citext")));
  ASSERT_TRUE(citext.has_value());
  EXPECT_EQ(SchemaJson(*citext), R"({"type":"string","optional":true})");
  std::optional<ColumnCodec> ltree = Codec(WithType(Named("ltree")));
  ASSERT_TRUE(ltree.has_value());
  EXPECT_EQ(SchemaJson(*ltree), R"({"type":"string","optional":true,)"
                                R"("name":"io.debezium.data.Ltree","version":1})");
  EXPECT_EQ(Written(*ltree, Datum::Text("top.mid")), R"("top.mid")");
}

// hstore as Debezium writes it: a JSON object string in java.util.HashMap
// order (the differential test's more_types: 18 keys, a resized table).
TEST(ColumnCodecTest, HstoreIsJsonInHashMapOrder) {
  std::optional<ColumnCodec> codec = Codec(WithType(Named("hstore")));
  ASSERT_TRUE(codec.has_value());
  EXPECT_EQ(codec->schema().name, "io.debezium.data.Json");
  EXPECT_EQ(codec->RenderText(""), R"("{}")");
  EXPECT_EQ(codec->RenderText(R"("x"=>"y")"), R"("{\"x\":\"y\"}")");
  EXPECT_EQ(codec->RenderText(
                R"(""=>"empty", "a"=>"1", "b"=>"2", "c"=>"3", "d"=>"4", "e"=>"5", "f"=>"6", )"
                R"("g"=>"7", "h"=>"8", "i"=>"9", "j"=>"10", "k"=>"11", "l"=>"12", "m"=>"13", )"
                R"("n"=>NULL, "é"=>"ü", "tab	key"=>"x", "key with space"=>"v \"q\" \\ b")"),
            R"("{\"\":\"empty\",\"a\":\"1\",\"b\":\"2\",\"c\":\"3\",\"d\":\"4\",)"
            R"(\"e\":\"5\",\"f\":\"6\",\"g\":\"7\",\"h\":\"8\",\"tab\\tkey\":\"x\",)"
            R"(\"i\":\"9\",\"é\":\"ü\",\"j\":\"10\",\"k\":\"11\",\"l\":\"12\",)"
            R"(\"m\":\"13\",\"n\":null,\"key with space\":\"v \\\"q\\\" \\\\ b\"}")");
  EXPECT_FALSE(codec->RenderText(R"("x"=>)").has_value());
}

// --- geometry (item 32) ---

TEST(ColumnCodecTest, PointIsGeometryStruct) {
  EXPECT_EQ(Schema(kPoint),
            R"({"type":"struct","fields":[{"type":"double","optional":false,"field":"x"},)"
            R"({"type":"double","optional":false,"field":"y"},)"
            R"({"type":"bytes","optional":true,"field":"wkb"},)"
            R"({"type":"int32","optional":true,"field":"srid"}],"optional":true,)"
            R"j("name":"io.debezium.data.geometry.Point","version":1,"doc":"Geometry (POINT)"})j");
  EXPECT_EQ(Text(kPoint, -1, "(1.5,-2.25)"),
            R"({"x":1.5,"y":-2.25,"wkb":"AQEAAAAAAAAAAAD4PwAAAAAAAALA","srid":null})");
}

// --- arrays (items 31, 46) ---

TEST(ColumnCodecTest, ArraysOfMappedElements) {
  std::optional<ColumnCodec> ints = Codec(ArrayOf(kInt4));
  ASSERT_TRUE(ints.has_value());
  EXPECT_EQ(SchemaJson(*ints), R"({"type":"array","items":{"type":"int32","optional":true},)"
                               R"("optional":true})");
  EXPECT_EQ(Written(*ints, Datum::Text("{1,NULL,3}")), "[1,null,3]");
  EXPECT_EQ(Written(*ints, Datum::Text("{}")), "[]");
  // Two dimensions: Debezium cannot convert the inner arrays.
  EXPECT_EQ(Written(*ints, Datum::Text("{{1,2},{3,4}}")), "[null,null]");
  std::optional<ColumnCodec> texts = Codec(ArrayOf(kText));
  ASSERT_TRUE(texts.has_value());
  EXPECT_EQ(Written(*texts, Datum::Text(R"({a,NULL,"b c","\"q\""})")),
            R"(["a",null,"b c","\"q\""])");
  // Elements follow their own type's rules, snapshot dates included.
  std::optional<ColumnCodec> dates = Codec(ArrayOf(kDate));
  ASSERT_TRUE(dates.has_value());
  EXPECT_EQ(Written(*dates, Datum::Text("{infinity}"), ValueSource::kStreaming), "[2146033979]");
  EXPECT_EQ(Written(*dates, Datum::Text("{infinity}"), ValueSource::kSnapshot), "[-622191234]");
}

TEST(ColumnCodecTest, EnumArrayItemsAreRequired) {
  std::optional<ColumnCodec> codec = Codec(ArrayOf(16400, Enum()));
  ASSERT_TRUE(codec.has_value());
  EXPECT_EQ(SchemaJson(*codec),
            R"({"type":"array","items":{"type":"string","optional":false,)"
            R"("name":"io.debezium.data.Enum","version":1,)"
            R"("parameters":{"allowed":"sad,ok,happy"}},"optional":true})");
}

TEST(ColumnCodecTest, ArraysDebeziumLeavesOut) {
  ValueOptions unknown;
  unknown.include_unknown_datatypes = true;
  for (uint32_t elem : {kMoney, kInterval, kVarbit, kXml, kPoint, kName}) {
    EXPECT_FALSE(Codec(ArrayOf(elem)).has_value()) << elem;
    EXPECT_FALSE(Codec(ArrayOf(elem), unknown).has_value()) << elem;
  }
}

// --- types Debezium does not know (include.unknown.datatypes) ---

TEST(ColumnCodecTest, UnknownTypesAreLeftOutOrRawBytes) {
  const Column vector = WithType(Named("vector"));
  EXPECT_FALSE(Codec(vector).has_value());
  EXPECT_FALSE(Codec(Col(kTid)).has_value());
  ValueOptions unknown;
  unknown.include_unknown_datatypes = true;
  std::optional<ColumnCodec> codec = Codec(vector, unknown);
  ASSERT_TRUE(codec.has_value());
  EXPECT_EQ(SchemaJson(*codec), R"({"type":"bytes","optional":true})");
  EXPECT_EQ(Written(*codec, Datum::Text("[1,2]")), R"("WzEsMl0=")");  // the text's bytes
}

// --- NULL (items 11, 35) ---

TEST(ColumnCodecTest, NullIsNullOrTheDefaultOrTheNotNullFallback) {
  std::optional<ColumnCodec> nullable = Codec(Col(kInt4));
  ASSERT_TRUE(nullable.has_value());
  EXPECT_EQ(Written(*nullable, Datum::Null()), "null");
  // A key-only old tuple leaves NOT NULL columns null; Debezium's
  // converters give the type's zero value.
  const std::vector<std::pair<Column, std::string>> fallbacks = {
      {Col(kInt8, -1, true), "0"},
      {Col(kBool, -1, true), "false"},
      {Col(kFloat8, -1, true), "0.0"},
      {Col(kVarchar, 24, true), R"("")"},
      {Col(kTimestamptz, -1, true), R"("1970-01-01T00:00:00Z")"},
      {Col(kNumeric, NumericTypmod(10, 2), true), R"("AA==")"},
      {Col(kNumeric, -1, true), R"({"scale":0,"value":"AA=="})"},
      {Col(kPoint, -1, true),
       R"({"x":0.0,"y":0.0,"wkb":"AQEAAAAAAAAAAAAAAAAAAAAAAAAA","srid":null})"},
  };
  for (const auto& [column, json] : fallbacks) {
    std::optional<ColumnCodec> codec = Codec(column);
    ASSERT_TRUE(codec.has_value());
    EXPECT_EQ(Written(*codec, Datum::Null()), json) << column.type_oid;
  }
  // replace.null.with.default: the schema default wins.
  std::optional<ColumnCodec> with_default = Codec(Col(kInt4));
  ASSERT_TRUE(with_default.has_value());
  with_default->ApplyDefaultExpression("7");
  EXPECT_EQ(Written(*with_default, Datum::Null()), "7");
}

// --- unchanged TOAST values (item 19) ---

TEST(ColumnCodecTest, UnavailableValuePlaceholderPerType) {
  const Datum toast = Datum::UnchangedToast();
  auto written = [&](const Column& column, const ValueOptions& options = {}) {
    std::optional<ColumnCodec> codec = Codec(column, options);
    return codec ? Written(*codec, toast) : "<no codec>";
  };
  EXPECT_EQ(written(Col(kText)), R"("__debezium_unavailable_value")");
  EXPECT_EQ(written(Col(kJsonb)), R"("__debezium_unavailable_value")");
  EXPECT_EQ(written(Col(kBytea)), R"("X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ==")");
  EXPECT_EQ(written(Col(kBytea), Binary(BinaryMode::kHex)), R"("__debezium_unavailable_value")");
  EXPECT_EQ(written(Col(kBytea), Binary(BinaryMode::kBase64)), "null");
  EXPECT_EQ(written(Col(kNumeric)), "null");
  EXPECT_EQ(written(ArrayOf(kInt4)),
            "[95,95,100,101,98,101,122,105,117,109,95,117,110,97,118,97,105,108,97,98,108,101,"
            "95,118,97,108,117,101]");
  EXPECT_EQ(written(ArrayOf(kText)), R"(["__debezium_unavailable_value"])");
  EXPECT_EQ(written(ArrayOf(kUuid)), R"(["b68a35a7-17ad-35b3-af2a-ae46edb4545a"])");
  ValueOptions custom;
  custom.unavailable_placeholder = "N/A";
  EXPECT_EQ(written(Col(kText), custom), R"("N/A")");
}

// --- column defaults (item 34), as pg_get_expr prints them ---

TEST(ColumnCodecTest, ConstantDefaultsAreConvertedLikeValues) {
  EXPECT_EQ(DefaultFor(Col(kInt4), "42"), "42");
  EXPECT_EQ(DefaultFor(Col(kVarchar, 14), "'dflt'::character varying"), R"("dflt")");
  EXPECT_EQ(DefaultFor(Col(kText), "'it''s'::text"), R"("it's")");
  EXPECT_EQ(DefaultFor(Col(kBool), "true"), "true");
  EXPECT_EQ(DefaultFor(Col(kFloat4), "2.5"), "2.5");
  EXPECT_EQ(DefaultFor(Col(kNumeric, NumericTypmod(5, 2)), "1.50"), R"("AJY=")");
  EXPECT_EQ(DefaultFor(Col(kDate), "'2020-01-02'::date"), "18263");
  EXPECT_EQ(DefaultFor(Col(kTimestamptz, 3), "'2020-01-02 03:04:05.6+00'::timestamp with time zone"),
            R"("2020-01-02T03:04:05.600Z")");
  EXPECT_EQ(DefaultFor(Col(kJson), "'{\"k\": 1}'::json"), R"("{\"k\": 1}")");
  EXPECT_EQ(DefaultFor(WithType(Enum()), "'ok'::mood"), R"("ok")");
  EXPECT_EQ(DefaultFor(Col(kInt4), "(-1)"), "-1");
}

TEST(ColumnCodecTest, FunctionDefaultsFallBackToTheTypeZeroValue) {
  EXPECT_EQ(DefaultFor(Col(kTimestamptz), "now()"), R"("1970-01-01T00:00:00.000000Z")");
  EXPECT_EQ(DefaultFor(Col(kTimestamp), "now()"), "0");
  EXPECT_EQ(DefaultFor(Col(kTimestamp), "CURRENT_TIMESTAMP"), "0");
  EXPECT_EQ(DefaultFor(Col(kDate), "CURRENT_DATE"), "0");
  EXPECT_EQ(DefaultFor(Col(kInt4), "nextval('defaults_counter_seq'::regclass)"), "0");
  EXPECT_EQ(DefaultFor(Col(kUuid), "gen_random_uuid()"),
            R"("00000000-0000-0000-0000-000000000000")");
  EXPECT_EQ(DefaultFor(Col(kJsonb), "now()"), R"("{}")");
  EXPECT_EQ(DefaultFor(Col(kBool), "now()"), "false");
}

TEST(ColumnCodecTest, DefaultsDebeziumDoesNotParse) {
  EXPECT_EQ(DefaultFor(Col(kText), "NULL::text"), "<none>");
  EXPECT_EQ(DefaultFor(Col(kText), "'unterminated"), "<none>");
  EXPECT_EQ(DefaultFor(Col(kInt4), "'x'::integer"), "<none>");  // does not convert
  EXPECT_EQ(DefaultFor(Col(kMoney), "'$1.00'::money"), "<none>");
  EXPECT_EQ(DefaultFor(Col(kNumeric), "1.5"), "<none>");  // a struct default (KAFKA-12694)
  EXPECT_EQ(DefaultFor(Col(kTimetz), "'13:14:15+00'::time with time zone"), "<none>");
  EXPECT_EQ(DefaultFor(Col(kInt4range), "'[1,2)'::int4range"), "<none>");
  EXPECT_EQ(DefaultFor(ArrayOf(kInt4), "'{1}'::integer[]"), "<none>");
}

// --- errors ---

// A malformed text is kCorruption naming the column, never the value.
TEST(ColumnCodecTest, MalformedTextIsCorruption) {
  const std::vector<std::pair<uint32_t, std::string>> bad = {
      {kBool, "yes"},         {kInt4, "12x"},        {kInt8, ""},
      {kFloat8, "1.5.2"},     {kNumeric, "abc"},     {kMoney, "one dollar"},
      {kDate, "2024-13-45"},  {kTime, "25:61"},      {kTimestamp, "yesterday"},
      {kTimestamptz, "now"},  {kTimetz, "12:00"},    {kInterval, "forever"},
      {kBytea, "\\xZZ"},      {kVarbit, "10201"},    {kPoint, "(1,2"},
  };
  for (const auto& [oid, text] : bad) {
    const Status s = WriteStatus(oid, oid == kVarbit ? 20 : -1, text);
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << oid << " " << text;
    EXPECT_NE(s.message().find("column 'c'"), std::string::npos) << s.message();
    if (!text.empty()) {
      EXPECT_EQ(s.message().find(text), std::string::npos) << s.message();
    }
  }
  std::optional<ColumnCodec> ints = Codec(ArrayOf(kInt4));
  ASSERT_TRUE(ints.has_value());
  EXPECT_EQ(Written(*ints, Datum::Text("{1,x}")), "<corruption>");
  EXPECT_EQ(Written(*ints, Datum::Text("{1,2")), "<corruption>");
  EXPECT_FALSE(ints->RenderText("{1,x}").has_value());
}

TEST(ColumnCodecTest, BinaryFormatDatumIsCorruption) {
  std::optional<ColumnCodec> codec = Codec(Col(kInt4));
  ASSERT_TRUE(codec.has_value());
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  EXPECT_EQ(codec->Write(Datum{Datum::Kind::kBinary, "\x01"}, &w).code(),
            Status::Code::kCorruption);
}

}  // namespace
}  // namespace walcast::debezium
