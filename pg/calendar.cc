#include "pg/calendar.h"

#include <chrono>

namespace walcast::pg {
namespace {

// The Gregorian calendar repeats every 400 years, which are exactly
// 146,097 days. Shifting a date by whole cycles into the years around 1970
// lets std::chrono's civil calendar (whose years stop at ±32767) do the
// arithmetic for any year.
constexpr int64_t kYearsPerCycle = 400;
constexpr int64_t kDaysPerCycle = 146'097;

}  // namespace

int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  const int64_t cycles = FloorDiv(year - 1970, kYearsPerCycle);
  const int64_t shifted_year = year - cycles * kYearsPerCycle;  // 1970..2369
  const std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(shifted_year)},
                                        std::chrono::month{month}, std::chrono::day{day}};
  const int64_t shifted_days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  return shifted_days + cycles * kDaysPerCycle;
}

CivilDate CivilFromDays(int64_t days) {
  const int64_t cycles = FloorDiv(days, kDaysPerCycle);
  const std::chrono::sys_days shifted{std::chrono::days{days - cycles * kDaysPerCycle}};
  const std::chrono::year_month_day ymd{shifted};
  return CivilDate{int{ymd.year()} + cycles * kYearsPerCycle, unsigned{ymd.month()},
                   unsigned{ymd.day()}};
}

CivilTime CivilFromMicros(int64_t epoch_micros) {
  const int64_t days = FloorDiv(epoch_micros, kMicrosPerDay);
  return CivilTime{CivilFromDays(days), epoch_micros - days * kMicrosPerDay};
}

}  // namespace walcast::pg
