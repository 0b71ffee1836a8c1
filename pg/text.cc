#include "pg/text.h"

#include <algorithm>
#include <cctype>

namespace walcast::pg {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`.
bool ReadFixed(std::string_view s, size_t* pos, size_t n, int64_t* out) {
  if (*pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[*pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

// Reads one or more digits at `pos`.
bool ReadDigits(std::string_view s, size_t* pos, int64_t* out) {
  const size_t start = *pos;
  int64_t v = 0;
  while (*pos < s.size() && IsDigit(s[*pos]) && *pos - start < 18) {
    v = v * 10 + (s[*pos] - '0');
    ++*pos;
  }
  if (*pos == start) return false;
  *out = v;
  return true;
}

bool Consume(std::string_view s, size_t* pos, char c) {
  if (*pos < s.size() && s[*pos] == c) {
    ++*pos;
    return true;
  }
  return false;
}

// ".ffffff" (1 to 6 digits) → microseconds; nothing there → 0.
bool ReadFraction(std::string_view s, size_t* pos, int64_t* micros) {
  *micros = 0;
  if (!Consume(s, pos, '.')) return true;
  int digits = 0;
  while (*pos < s.size() && IsDigit(s[*pos])) {
    if (digits >= 6) return false;
    *micros = *micros * 10 + (s[*pos] - '0');
    ++digits;
    ++*pos;
  }
  if (digits == 0) return false;
  for (int i = digits; i < 6; ++i) *micros *= 10;
  return true;
}

// "HH:MM:SS[.ffffff]" at pos.
bool ReadTime(std::string_view s, size_t* pos, int64_t* micros) {
  int64_t h, m, sec, frac;
  if (!ReadFixed(s, pos, 2, &h) || !Consume(s, pos, ':') || !ReadFixed(s, pos, 2, &m) ||
      !Consume(s, pos, ':') || !ReadFixed(s, pos, 2, &sec) || !ReadFraction(s, pos, &frac)) {
    return false;
  }
  if (h > 24 || m > 59 || sec > 60) return false;
  *micros = ((h * 60 + m) * 60 + sec) * kMicrosPerSecond + frac;
  return true;
}

// "YYYY-MM-DD" (year may have more than 4 digits) at pos → year, month, day.
bool ReadDate(std::string_view s, size_t* pos, int64_t* y, int64_t* mo, int64_t* d) {
  if (!ReadDigits(s, pos, y) || !Consume(s, pos, '-') || !ReadFixed(s, pos, 2, mo) ||
      !Consume(s, pos, '-') || !ReadFixed(s, pos, 2, d)) {
    return false;
  }
  return *mo >= 1 && *mo <= 12 && *d >= 1 && *d <= 31;
}

// Trailing " BC": year N BC is proleptic year 1 - N.
bool ReadEra(std::string_view s, size_t* pos, int64_t* year) {
  if (s.substr(*pos, 3) == " BC") {
    *pos += 3;
    *year = 1 - *year;
  }
  return true;
}

// "+HH[:MM[:SS]]" or "-…" at pos → seconds east of UTC.
bool ReadOffset(std::string_view s, size_t* pos, int32_t* seconds) {
  if (*pos >= s.size() || (s[*pos] != '+' && s[*pos] != '-')) return false;
  const int sign = s[*pos] == '-' ? -1 : 1;
  ++*pos;
  int64_t h, m = 0, sec = 0;
  if (!ReadFixed(s, pos, 2, &h)) return false;
  if (Consume(s, pos, ':')) {
    if (!ReadFixed(s, pos, 2, &m)) return false;
    if (Consume(s, pos, ':') && !ReadFixed(s, pos, 2, &sec)) return false;
  }
  *seconds = static_cast<int32_t>(sign * (h * 3600 + m * 60 + sec));
  return true;
}

std::optional<PgTimestamp> ParseTimestampImpl(std::string_view text, bool with_zone) {
  if (text == "infinity") return PgTimestamp{0, 1};
  if (text == "-infinity") return PgTimestamp{0, -1};
  size_t pos = 0;
  int64_t y, mo, d, time_micros;
  if (!ReadDate(text, &pos, &y, &mo, &d) || !Consume(text, &pos, ' ') ||
      !ReadTime(text, &pos, &time_micros)) {
    return std::nullopt;
  }
  int32_t offset = 0;
  if (with_zone && !ReadOffset(text, &pos, &offset)) return std::nullopt;
  ReadEra(text, &pos, &y);
  if (pos != text.size()) return std::nullopt;
  const int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return PgTimestamp{days * kMicrosPerDay + time_micros - offset * kMicrosPerSecond, 0};
}

}  // namespace

std::optional<PgDate> ParseDate(std::string_view text) {
  if (text == "infinity") return PgDate{0, 1};
  if (text == "-infinity") return PgDate{0, -1};
  size_t pos = 0;
  int64_t y, mo, d;
  if (!ReadDate(text, &pos, &y, &mo, &d)) return std::nullopt;
  ReadEra(text, &pos, &y);
  if (pos != text.size()) return std::nullopt;
  return PgDate{DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)), 0};
}

std::optional<int64_t> ParseTimeMicros(std::string_view text) {
  size_t pos = 0;
  int64_t micros;
  if (!ReadTime(text, &pos, &micros) || pos != text.size()) return std::nullopt;
  return micros;
}

std::optional<PgTimestamp> ParseTimestamp(std::string_view text) {
  return ParseTimestampImpl(text, false);
}

std::optional<PgTimestamp> ParseTimestampTz(std::string_view text) {
  return ParseTimestampImpl(text, true);
}

std::optional<PgTimeTz> ParseTimeTz(std::string_view text) {
  size_t pos = 0;
  PgTimeTz out;
  if (!ReadTime(text, &pos, &out.micros) || !ReadOffset(text, &pos, &out.offset_seconds) ||
      pos != text.size()) {
    return std::nullopt;
  }
  return out;
}

std::optional<PgInterval> ParseInterval(std::string_view text) {
  PgInterval out;
  size_t pos = 0;
  bool any = false;
  while (pos < text.size()) {
    if (text[pos] == ' ') {
      ++pos;
      continue;
    }
    int sign = 1;
    size_t p = pos;
    if (text[p] == '-' || text[p] == '+') {
      sign = text[p] == '-' ? -1 : 1;
      ++p;
    }
    // A time part "[-]HH:MM:SS[.ffffff]"; hours may exceed two digits.
    size_t colon = text.find(':', p);
    size_t space = text.find(' ', p);
    if (colon != std::string_view::npos && (space == std::string_view::npos || colon < space)) {
      int64_t h, m, s, frac;
      if (!ReadDigits(text, &p, &h) || !Consume(text, &p, ':') || !ReadFixed(text, &p, 2, &m) ||
          !Consume(text, &p, ':') || !ReadFixed(text, &p, 2, &s) ||
          !ReadFraction(text, &p, &frac)) {
        return std::nullopt;
      }
      out.hours += sign * h;
      out.minutes += static_cast<int32_t>(sign * m);
      out.micros += sign * (s * kMicrosPerSecond + frac);
      pos = p;
      any = true;
      continue;
    }
    int64_t n;
    if (!ReadDigits(text, &p, &n) || !Consume(text, &p, ' ')) return std::nullopt;
    size_t end = text.find(' ', p);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view unit = text.substr(p, end - p);
    const int64_t v = sign * n;
    if (unit == "year" || unit == "years") {
      out.years += static_cast<int32_t>(v);
    } else if (unit == "mon" || unit == "mons") {
      out.months += static_cast<int32_t>(v);
    } else if (unit == "day" || unit == "days") {
      out.days += static_cast<int32_t>(v);
    } else {
      return std::nullopt;
    }
    pos = end;
    any = true;
  }
  if (!any) return std::nullopt;
  return out;
}

std::optional<std::string> ParseByteaHex(std::string_view text) {
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) {
    return std::nullopt;
  }
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve((text.size() - 2) / 2);
  for (size_t i = 2; i < text.size(); i += 2) {
    const int hi = nibble(text[i]);
    const int lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

std::optional<PgDecimal> ParseDecimal(std::string_view text) {
  PgDecimal out;
  size_t pos = 0;
  if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) {
    out.negative = text[pos] == '-';
    ++pos;
  }
  bool seen_point = false;
  bool any_digit = false;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (IsDigit(c)) {
      out.digits.push_back(c);
      any_digit = true;
      if (seen_point) ++out.scale;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      return std::nullopt;
    }
  }
  if (!any_digit) return std::nullopt;
  const size_t first = out.digits.find_first_not_of('0');
  out.digits = first == std::string::npos ? "0" : out.digits.substr(first);
  if (out.digits == "0") out.negative = false;
  return out;
}

PgDecimal Rescale(const PgDecimal& d, int32_t scale) {
  PgDecimal out = d;
  if (scale >= d.scale) {
    if (out.digits != "0") out.digits.append(static_cast<size_t>(scale - d.scale), '0');
    out.scale = scale;
    return out;
  }
  const size_t drop = static_cast<size_t>(d.scale - scale);
  std::string digits = d.digits;
  if (digits.size() < drop + 1) digits.insert(0, drop + 1 - digits.size(), '0');
  const bool round_up = digits[digits.size() - drop] >= '5';
  digits.resize(digits.size() - drop);
  if (round_up) {
    int i = static_cast<int>(digits.size()) - 1;
    for (; i >= 0; --i) {
      if (digits[static_cast<size_t>(i)] == '9') {
        digits[static_cast<size_t>(i)] = '0';
      } else {
        ++digits[static_cast<size_t>(i)];
        break;
      }
    }
    if (i < 0) digits.insert(0, 1, '1');
  }
  const size_t first = digits.find_first_not_of('0');
  out.digits = first == std::string::npos ? "0" : digits.substr(first);
  out.scale = scale;
  if (out.digits == "0") out.negative = false;
  return out;
}

std::string UnscaledTwosComplement(const PgDecimal& d) {
  // Magnitude as little-endian bytes by repeated division of the decimal
  // digit string by 256.
  std::vector<uint8_t> magnitude;
  std::string digits = d.digits;
  while (!(digits.size() == 1 && digits[0] == '0')) {
    std::string quotient;
    int rem = 0;
    for (char c : digits) {
      const int cur = rem * 10 + (c - '0');
      const int q = cur / 256;
      rem = cur % 256;
      if (!quotient.empty() || q != 0) quotient.push_back(static_cast<char>('0' + q));
    }
    magnitude.push_back(static_cast<uint8_t>(rem));
    digits = quotient.empty() ? "0" : quotient;
  }
  if (magnitude.empty()) return std::string(1, '\0');
  if (d.negative) {
    // Two's complement: invert and add one.
    int carry = 1;
    for (auto& b : magnitude) {
      const int v = static_cast<uint8_t>(~b) + carry;
      b = static_cast<uint8_t>(v & 0xff);
      carry = v >> 8;
    }
    // Keep the sign bit set: add 0xff if the top byte reads as positive.
    if ((magnitude.back() & 0x80) == 0) magnitude.push_back(0xff);
    // Minimal length: drop redundant leading 0xff bytes.
    while (magnitude.size() > 1 && magnitude.back() == 0xff &&
           (magnitude[magnitude.size() - 2] & 0x80) != 0) {
      magnitude.pop_back();
    }
  } else if ((magnitude.back() & 0x80) != 0) {
    magnitude.push_back(0x00);
  }
  return std::string(magnitude.rbegin(), magnitude.rend());
}

std::string PlainText(const PgDecimal& d) {
  std::string out;
  if (d.negative) out.push_back('-');
  const size_t scale = d.scale > 0 ? static_cast<size_t>(d.scale) : 0;
  if (scale == 0) return out + d.digits;
  // Integer part ("0" when every digit is fractional), then the fraction,
  // zero-padded on the left to `scale` digits.
  const size_t int_len = d.digits.size() > scale ? d.digits.size() - scale : 0;
  if (int_len == 0) {
    out.push_back('0');
  } else {
    out.append(d.digits, 0, int_len);
  }
  out.push_back('.');
  if (d.digits.size() < scale) out.append(scale - d.digits.size(), '0');
  out.append(d.digits, int_len, std::string::npos);
  return out;
}

std::optional<PgDecimal> ParseMoney(std::string_view text) {
  std::string cleaned;
  bool negative = false;
  for (char c : text) {
    if (c == '-' || c == '(') {
      negative = true;
    } else if (IsDigit(c) || c == '.') {
      cleaned.push_back(c);
    } else if (c != '$' && c != ',' && c != ')' && c != ' ') {
      return std::nullopt;
    }
  }
  auto d = ParseDecimal(cleaned);
  if (!d) return std::nullopt;
  d->negative = negative && d->digits != "0";
  return d;
}

namespace {

// Parses one array level starting after its '{'; pos ends after the '}'.
bool ParseArrayLevel(std::string_view s, size_t* pos, char delim, std::vector<ArrayElement>* out) {
  if (Consume(s, pos, '}')) return true;  // empty
  while (true) {
    ArrayElement element;
    if (*pos >= s.size()) return false;
    if (s[*pos] == '{') {
      ++*pos;
      element.nested = true;
      if (!ParseArrayLevel(s, pos, delim, &element.children)) return false;
    } else if (s[*pos] == '"') {
      ++*pos;
      std::string value;
      while (true) {
        if (*pos >= s.size()) return false;
        const char c = s[(*pos)++];
        if (c == '"') break;
        if (c == '\\') {
          if (*pos >= s.size()) return false;
          value.push_back(s[(*pos)++]);
        } else {
          value.push_back(c);
        }
      }
      element.text = std::move(value);
    } else {
      const size_t start = *pos;
      while (*pos < s.size() && s[*pos] != delim && s[*pos] != '}') ++*pos;
      std::string_view raw = s.substr(start, *pos - start);
      if (raw.empty()) return false;
      if (raw != "NULL") element.text = std::string(raw);
    }
    out->push_back(std::move(element));
    if (Consume(s, pos, '}')) return true;
    if (!Consume(s, pos, delim)) return false;
  }
}

}  // namespace

std::optional<std::vector<ArrayElement>> ParseArray(std::string_view text, char delimiter) {
  size_t pos = 0;
  if (!text.empty() && text[0] == '[') {
    // Explicit bounds "[1:2][1:3]={…}".
    pos = text.find('=');
    if (pos == std::string_view::npos) return std::nullopt;
    ++pos;
  }
  if (!Consume(text, &pos, '{')) return std::nullopt;
  std::vector<ArrayElement> out;
  if (!ParseArrayLevel(text, &pos, delimiter, &out) || pos != text.size()) return std::nullopt;
  return out;
}

namespace {

bool HstoreSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// One hstore key or value at `*pos`: quoted (backslash escapes) or bare (up
// to whitespace, ',' or '='). `*quoted` says which; nullopt when malformed.
std::optional<std::string> HstoreToken(std::string_view text, size_t* pos, bool* quoted) {
  std::string out;
  *quoted = *pos < text.size() && text[*pos] == '"';
  if (*quoted) {
    for (++*pos; *pos < text.size(); ++*pos) {
      char c = text[*pos];
      if (c == '"') {
        ++*pos;
        return out;
      }
      if (c == '\\') {
        if (++*pos >= text.size()) return std::nullopt;
        c = text[*pos];
      }
      out.push_back(c);
    }
    return std::nullopt;  // no closing quote
  }
  while (*pos < text.size() && !HstoreSpace(text[*pos]) && text[*pos] != ',' && text[*pos] != '=') {
    if (text[*pos] == '\\' && *pos + 1 < text.size()) ++*pos;
    out.push_back(text[(*pos)++]);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::vector<HstoreEntry>> ParseHstore(std::string_view text) {
  std::vector<HstoreEntry> entries;
  size_t pos = 0;
  auto skip_space = [&] {
    while (pos < text.size() && HstoreSpace(text[pos])) ++pos;
  };
  skip_space();
  while (pos < text.size()) {
    bool quoted = false;
    std::optional<std::string> key = HstoreToken(text, &pos, &quoted);
    if (!key) return std::nullopt;
    skip_space();
    if (text.substr(pos, 2) != "=>") return std::nullopt;
    pos += 2;
    skip_space();
    std::optional<std::string> value = HstoreToken(text, &pos, &quoted);
    if (!value) return std::nullopt;
    std::string upper = *value;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    HstoreEntry entry{std::move(*key), std::move(value)};
    if (!quoted && upper == "NULL") entry.value.reset();
    entries.push_back(std::move(entry));
    skip_space();
    if (pos < text.size()) {
      if (text[pos] != ',') return std::nullopt;
      ++pos;
      skip_space();
      if (pos >= text.size()) return std::nullopt;  // trailing comma
    }
  }
  return entries;
}

}  // namespace walcast::pg
