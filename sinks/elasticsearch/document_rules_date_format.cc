#include "sinks/elasticsearch/document_rules_date_format.h"

#include <string>

#include "pg/calendar.h"

namespace walcast::sinks::elasticsearch {
namespace {

constexpr int64_t kMillisPerDay = 86'400'000;

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// `value` in decimal, zero-padded to `width` digits (a minus sign first).
void AppendPadded(int64_t value, int width, std::string* out) {
  if (value < 0) {
    out->push_back('-');
    value = -value;
  }
  const std::string digits = std::to_string(value);
  for (int i = static_cast<int>(digits.size()); i < width; ++i) out->push_back('0');
  out->append(digits);
}

}  // namespace

Result<DateFormat> DateFormat::Parse(std::string_view pattern) {
  DateFormat format;
  format.pattern_ = std::string(pattern);
  size_t i = 0;
  while (i < pattern.size()) {
    const char c = pattern[i];
    if (c == '\'') {
      // A quoted literal; '' inside or outside quotes is one quote.
      Part part;
      ++i;
      if (i < pattern.size() && pattern[i] == '\'') {
        part.literal = "'";
        ++i;
      } else {
        bool closed = false;
        while (i < pattern.size()) {
          if (pattern[i] == '\'') {
            if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
              part.literal.push_back('\'');
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          part.literal.push_back(pattern[i++]);
        }
        if (!closed) {
          return Status::InvalidArgument("date pattern '" + format.pattern_ +
                                         "' has an unterminated quote");
        }
      }
      format.parts_.push_back(std::move(part));
      continue;
    }
    if (!IsLetter(c)) {
      Part part;
      part.literal.push_back(c);
      format.parts_.push_back(std::move(part));
      ++i;
      continue;
    }
    size_t end = i;
    while (end < pattern.size() && pattern[end] == c) ++end;
    const int count = static_cast<int>(end - i);
    switch (c) {
      case 'y':
      case 'd':
      case 'H':
      case 'm':
      case 's':
      case 'S':
      case 'Z':
      case 'X':
        break;
      case 'M':
        if (count <= 2) break;
        return Status::InvalidArgument("date pattern '" + format.pattern_ +
                                       "': month names (MMM) are not supported");
      default:
        return Status::InvalidArgument("date pattern '" + format.pattern_ + "': letter '" +
                                       std::string(1, c) + "' is not supported");
    }
    format.parts_.push_back(Part{c, count, {}});
    i = end;
  }
  return format;
}

void DateFormat::Format(int64_t epoch_millis, std::string* out) const {
  const int64_t days = pg::FloorDiv(epoch_millis, kMillisPerDay);
  const int64_t in_day = epoch_millis - days * kMillisPerDay;
  const pg::CivilDate date = pg::CivilFromDays(days);
  for (const Part& part : parts_) {
    switch (part.letter) {
      case 0:
        out->append(part.literal);
        break;
      case 'y':
        // SimpleDateFormat writes the year of era (1 BC is 1) and, for
        // "yy", its last two digits.
        if (part.count == 2) {
          AppendPadded((date.year <= 0 ? 1 - date.year : date.year) % 100, 2, out);
        } else {
          AppendPadded(date.year <= 0 ? 1 - date.year : date.year, part.count, out);
        }
        break;
      case 'M':
        AppendPadded(date.month, part.count, out);
        break;
      case 'd':
        AppendPadded(date.day, part.count, out);
        break;
      case 'H':
        AppendPadded(in_day / 3'600'000, part.count, out);
        break;
      case 'm':
        AppendPadded(in_day / 60'000 % 60, part.count, out);
        break;
      case 's':
        AppendPadded(in_day / 1000 % 60, part.count, out);
        break;
      case 'S':
        AppendPadded(in_day % 1000, part.count, out);
        break;
      case 'Z':
        out->append("+0000");
        break;
      case 'X':
        out->push_back('Z');
        break;
      default:
        break;
    }
  }
}

}  // namespace walcast::sinks::elasticsearch
