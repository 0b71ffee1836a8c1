#pragma once

// PostgreSQL column values as JSON fields of a raw document
// (docs/elasticsearch.md §4.2): integers and numerics as JSON numbers,
// booleans as booleans, timestamp and timestamptz as
// "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" in UTC (MOSIP's TimestampConverterAdv),
// json/jsonb embedded, bytea as base64, arrays as JSON arrays, NULL as
// null, everything else as its text. Domains are written as their base
// type.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "debezium/column_codec.h"

namespace walcast::pg {
struct ArrayElement;  // pg/text.h
}  // namespace walcast::pg

namespace walcast::sinks::elasticsearch {

// The writer every part of a raw document writes into. Not validating:
// profile strings were validated by the parser, and column text is checked
// by ColumnJsonWriter (much faster than the writer's per-character check).
// Debezium's (JacksonWriter), because documents in Debezium's value shape
// are written by its column codecs.
using JsonWriter = debezium::JsonWriter;

// "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" (UTC) of an instant, as MOSIP's
// TimestampConverterAdv writes it; the microseconds are cut to milliseconds
// (rounding down). False for years outside 0000-9999.
bool FormatMillisUtc(int64_t epoch_micros, std::string* out);

// The UTC year of an instant (clamped to a few times 0000-9999).
int UtcYear(int64_t epoch_micros);

// Well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points
// past U+10FFFF).
bool IsValidUtf8(std::string_view s);

// The epoch microseconds of the timestamp or timestamptz value in `column`
// of `row`; nullopt for another type, NULL, infinity or column -1.
std::optional<int64_t> TimestampMicros(const Relation& relation, const Tuple& row, int column);

// Whether `column` is a timestamp or timestamptz (or a domain over one).
bool IsTimestampColumn(const Column& column);

// The value of a timestamp, timestamptz, date or time column as MOSIP's
// TimestampConverterAdv reads it, in epoch milliseconds: Debezium gives
// timestamps as epoch microseconds (divided by 1000 rounding toward zero,
// as Java's `/` does), dates as epoch days (midnight UTC) and times as
// microseconds of the day (read on 1970-01-01). nullopt for another type
// (domains count as their base type), NULL, infinity or unparsable text.
std::optional<int64_t> TemporalMillis(const Column& column, const Datum& datum);

// Writes column values into a borrowed JsonWriter, which must outlive it.
// Reuses its buffers. Not thread-safe.
class ColumnJsonWriter {
 public:
  explicit ColumnJsonWriter(JsonWriter* writer) : writer_(writer) {}
  ColumnJsonWriter(const ColumnJsonWriter&) = delete;
  ColumnJsonWriter& operator=(const ColumnJsonWriter&) = delete;

  // Writes one column's value; false (the document is unusable) when its
  // text is not valid UTF-8.
  bool Write(const Column& column, const Datum& datum);

 private:
  // A value of type `oid` (pg_type category `category`, catalog entry
  // `info` if known) from its text; `depth` bounds array nesting.
  bool WriteText(uint32_t oid, char category, const TypeInfo* info, std::string_view text,
                 int depth);
  // An array literal's elements, each of type `oid` / `category` / `info`.
  bool WriteArray(const std::vector<pg::ArrayElement>& elements, uint32_t oid, char category,
                  const TypeInfo* info, int depth);
  bool WriteJson(std::string_view text);
  bool WriteBase64(std::string_view bytes);
  // Text from a row: false (nothing written) unless valid UTF-8.
  bool WriteCheckedString(std::string_view s);

  JsonWriter* writer_;
  std::string scratch_;
  rapidjson::StringBuffer json_scratch_;
};

}  // namespace walcast::sinks::elasticsearch
