#include "privacy/iso_date.h"

#include <cstdint>
#include <cstdio>

#include "pg/calendar.h"

namespace walcast::privacy {
namespace {

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Reads exactly n digits at *pos.
bool Digits(std::string_view s, size_t* pos, size_t n, int* out) {
  if (*pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

std::string Format(int64_t seconds_of_epoch, const std::string& fraction, bool with_time,
                   IsoDate* out) {
  const int64_t days = pg::FloorDiv(seconds_of_epoch, pg::kSecondsPerDay);
  const int64_t secs = seconds_of_epoch - days * pg::kSecondsPerDay;
  const pg::CivilDate date = pg::CivilFromDays(days);
  out->year = static_cast<int>(date.year);
  out->month = static_cast<int>(date.month);
  out->day = static_cast<int>(date.day);
  char buf[64];
  if (!with_time) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", out->year, out->month, out->day);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", out->year, out->month, out->day,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60));
  std::string text = buf;
  if (!fraction.empty()) text += "." + fraction;
  return text + "Z";
}

}  // namespace

std::optional<IsoDate> NormalizeDate(std::string_view s) {
  size_t pos = 0;
  int y = 0, mo = 0, d = 0;
  if (!Digits(s, &pos, 4, &y) || !Expect(s, &pos, '-') || !Digits(s, &pos, 2, &mo) ||
      !Expect(s, &pos, '-') || !Digits(s, &pos, 2, &d)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) return std::nullopt;
  int64_t seconds = pg::DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) *
                    pg::kSecondsPerDay;
  IsoDate out;
  if (pos == s.size()) {
    out.text = Format(seconds, "", false, &out);
    return out;
  }
  if (s[pos] != 'T' && s[pos] != ' ') return std::nullopt;
  ++pos;
  int h = 0, mi = 0, sec = 0;
  if (!Digits(s, &pos, 2, &h) || !Expect(s, &pos, ':') || !Digits(s, &pos, 2, &mi)) {
    return std::nullopt;
  }
  if (pos < s.size() && s[pos] == ':' && (++pos, !Digits(s, &pos, 2, &sec))) return std::nullopt;
  if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::string fraction;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && fraction.size() < 9) {
      fraction += s[pos++];
    }
    if (fraction.empty()) return std::nullopt;
  }
  int offset_s = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      const int sign = s[pos] == '-' ? -1 : 1;
      ++pos;
      int oh = 0, om = 0;
      if (!Digits(s, &pos, 2, &oh)) return std::nullopt;
      if (pos < s.size() && s[pos] == ':') ++pos;
      if (pos < s.size() && !Digits(s, &pos, 2, &om)) return std::nullopt;
      if (oh > 18 || om > 59) return std::nullopt;
      offset_s = sign * (oh * 3600 + om * 60);
    }
  }
  if (pos != s.size()) return std::nullopt;
  seconds += h * 3600 + mi * 60 + sec - offset_s;
  out.text = Format(seconds, fraction, true, &out);
  return out;
}

IsoDate DateFromEpochMillis(int64_t millis) {
  const int64_t seconds = pg::FloorDiv(millis, 1000);
  const int64_t ms = millis - seconds * 1000;
  char frac[8];
  std::snprintf(frac, sizeof frac, "%03d", static_cast<int>(ms));
  IsoDate out;
  out.text = Format(seconds, frac, true, &out);
  return out;
}

}  // namespace walcast::privacy
