#pragma once

// The instants of generated profile rows (profile_generator.h) as the texts
// the rows carry. Instants are UTC epoch microseconds; the calendar is
// C++20's <chrono> civil calendar, whose years (±32767) hold every date the
// generator can make (--start-date up to 9999 plus --days up to 36500).

#include <chrono>
#include <cstdint>
#include <string>

namespace walcast::mosip {

inline constexpr int64_t kMicrosPerSecond =
    std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::seconds(1)).count();
inline constexpr int64_t kMicrosPerDay =
    std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::days(1)).count();

// An instant split into its UTC date and time of day.
struct UtcTime {
  int year = 1970;
  int month = 1;   // 1..12
  int day = 1;     // 1..31
  int hour = 0;    // 0..23
  int minute = 0;  // 0..59
  int second = 0;  // 0..59
  int micros = 0;  // 0..999999
};
// Rounds toward the past, so instants before 1970 fall on the right day.
UtcTime UtcTimeOf(int64_t epoch_us);

// "2025-03-14": idrepo's `date`.
std::string DateText(int64_t epoch_us);
// "2025-03-14T09:12:44.120Z" (zone "Z"), or without the zone for prereg's
// LocalDateTime.
std::string IsoMillisText(int64_t epoch_us, bool zone);
// "2025-03-14T09:12:44Z": a device's digitalId dateTime.
std::string IsoSecondsText(int64_t epoch_us);
// "2025-03-14 09:12:44.120391": the rows' cr_dtimes and upd_dtimes, in
// PostgreSQL's timestamp input syntax with all six fraction digits.
std::string TimestampText(int64_t epoch_us);

}  // namespace walcast::mosip
