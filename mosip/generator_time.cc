#include "mosip/generator_time.h"

#include <chrono>
#include <cstdio>

namespace walcast::mosip {

UtcTime UtcTimeOf(int64_t epoch_us) {
  using std::chrono::days;
  using std::chrono::microseconds;
  const std::chrono::sys_time<microseconds> t{microseconds{epoch_us}};
  const std::chrono::sys_days day = std::chrono::floor<days>(t);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss<microseconds> time{t - day};
  UtcTime u;
  u.year = static_cast<int>(date.year());
  u.month = static_cast<int>(static_cast<unsigned>(date.month()));
  u.day = static_cast<int>(static_cast<unsigned>(date.day()));
  u.hour = static_cast<int>(time.hours().count());
  u.minute = static_cast<int>(time.minutes().count());
  u.second = static_cast<int>(time.seconds().count());
  u.micros = static_cast<int>(time.subseconds().count());
  return u;
}

std::string DateText(int64_t epoch_us) {
  const UtcTime t = UtcTimeOf(epoch_us);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", t.year, t.month, t.day);
  return buf;
}

std::string IsoMillisText(int64_t epoch_us, bool zone) {
  const UtcTime t = UtcTimeOf(epoch_us);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%s", t.year, t.month, t.day,
                t.hour, t.minute, t.second, t.micros / 1000, zone ? "Z" : "");
  return buf;
}

std::string IsoSecondsText(int64_t epoch_us) {
  const UtcTime t = UtcTimeOf(epoch_us);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", t.year, t.month, t.day, t.hour,
                t.minute, t.second);
  return buf;
}

std::string TimestampText(int64_t epoch_us) {
  const UtcTime t = UtcTimeOf(epoch_us);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06d", t.year, t.month, t.day,
                t.hour, t.minute, t.second, t.micros);
  return buf;
}

}  // namespace walcast::mosip
