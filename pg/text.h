#pragma once

// Parsers for PostgreSQL's text output of the types the Debezium encoder
// converts, as pgoutput sends them. walcast's replication connection sets
// DateStyle=ISO, IntervalStyle=postgres, extra_float_digits=3 and
// bytea_output=hex (wal_reader/session_options.cc), so only those forms
// are accepted. Every parser returns nullopt on input it does not recognise;
// callers turn that into a Corruption error naming the column.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pg/calendar.h"

namespace walcast::pg {

struct PgDate {
  int64_t epoch_day = 0;
  int infinity = 0;  // +1 'infinity', -1 '-infinity'
};
// "2024-03-01", "0044-03-15 BC", "infinity", "-infinity".
std::optional<PgDate> ParseDate(std::string_view text);

// "HH:MM:SS[.ffffff]" (24:00:00 allowed) → microseconds past midnight.
std::optional<int64_t> ParseTimeMicros(std::string_view text);

struct PgTimestamp {
  int64_t epoch_micros = 0;  // for timestamptz: the UTC instant
  int infinity = 0;          // +1 'infinity', -1 '-infinity'
};
// timestamp: "YYYY-MM-DD HH:MM:SS[.ffffff][ BC]" read as UTC wall time.
std::optional<PgTimestamp> ParseTimestamp(std::string_view text);
// timestamptz: the same followed by an offset "+05", "-03:30", "+05:53:28".
std::optional<PgTimestamp> ParseTimestampTz(std::string_view text);

struct PgTimeTz {
  int64_t micros = 0;          // local time of day
  int32_t offset_seconds = 0;  // east of UTC
};
// timetz: "HH:MM:SS[.ffffff]+HH[:MM[:SS]]".
std::optional<PgTimeTz> ParseTimeTz(std::string_view text);

struct PgInterval {
  int32_t years = 0;
  int32_t months = 0;
  int32_t days = 0;
  int64_t hours = 0;
  int32_t minutes = 0;
  int64_t micros = 0;  // seconds and fraction, in microseconds (signed)
};
// IntervalStyle=postgres: "1 year 2 mons -3 days 04:05:06.78", "-00:00:01".
std::optional<PgInterval> ParseInterval(std::string_view text);

// bytea hex output "\x0aff" → raw bytes.
std::optional<std::string> ParseByteaHex(std::string_view text);

// A numeric's text ("-12.340", "1e5" is not produced by PostgreSQL) split
// into its unscaled digits and scale: "-12.340" → negative, "12340", 3.
struct PgDecimal {
  bool negative = false;
  std::string digits;  // no leading zeros except a single "0"
  int32_t scale = 0;
};
std::optional<PgDecimal> ParseDecimal(std::string_view text);
// The same number with `scale` digits after the point (rounding half up
// when shortening, as BigDecimal.setScale(scale, HALF_UP)).
PgDecimal Rescale(const PgDecimal& d, int32_t scale);
// Big-endian two's complement bytes of the unscaled value, minimal length
// (Java's BigInteger.toByteArray()).
std::string UnscaledTwosComplement(const PgDecimal& d);

// The number in plain notation ("-0.05", "1234.56"), as BigDecimal's
// toPlainString writes it.
std::string PlainText(const PgDecimal& d);

// money text under lc_monetary=C: "$1,234.56", "-$0.50", "($1.00)".
std::optional<PgDecimal> ParseMoney(std::string_view text);

// One element of a parsed array literal; null for NULL.
struct ArrayElement {
  std::optional<std::string> text;
  std::vector<ArrayElement> children;  // set for a nested dimension
  bool nested = false;
};
// "{1,2,NULL}", "{\"a b\",c}", "{{1,2},{3,4}}", with an optional
// "[1:2]=" dimension prefix. Returns the top-level elements.
std::optional<std::vector<ArrayElement>> ParseArray(std::string_view text, char delimiter = ',');

// One key/value pair of an hstore; a null value is nullopt.
struct HstoreEntry {
  std::string key;
  std::optional<std::string> value;
};
// hstore's text: '"k"=>"v", "n"=>NULL' (hstore_out quotes everything,
// escaping '"' and '\' with a backslash); unquoted keys and values
// ('a=>1') are read too. Returns the pairs in text order.
std::optional<std::vector<HstoreEntry>> ParseHstore(std::string_view text);

}  // namespace walcast::pg
