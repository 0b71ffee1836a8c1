#pragma once

// The proleptic Gregorian calendar as PostgreSQL, java.time and Debezium
// count it: days since 1970-01-01, astronomical years (year 0 = 1 BC).
// The one home of civil-date arithmetic in walcast: the text parsers
// (pg/text.h), the wal2json decoder, the Debezium encoder, the metric
// engine's date buckets and the profile generator all call these.

#include <cstdint>

namespace walcast::pg {

inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kSecondsPerDay = 86'400;
inline constexpr int64_t kMicrosPerDay = kSecondsPerDay * kMicrosPerSecond;

struct CivilDate {
  int64_t year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31

  bool operator==(const CivilDate&) const = default;
};

// Days since 1970-01-01 of year-month-day. `month` and `day` must be a
// valid date of `year` (callers check ranges; this does not). Any year an
// int64 day count can hold works, not only std::chrono::year's ±32767:
// PostgreSQL dates reach 5874897 AD.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
inline int64_t DaysFromCivil(const CivilDate& date) {
  return DaysFromCivil(date.year, date.month, date.day);
}

// The date `days` after 1970-01-01 (DaysFromCivil's inverse).
CivilDate CivilFromDays(int64_t days);

// Division rounding toward negative infinity (b > 0): the day of an epoch
// microsecond before 1970 is FloorDiv(us, kMicrosPerDay).
constexpr int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// A UTC instant split into its date and time of day.
struct CivilTime {
  CivilDate date;
  int64_t micros_of_day = 0;  // 0..kMicrosPerDay-1
};
CivilTime CivilFromMicros(int64_t epoch_micros);

}  // namespace walcast::pg
