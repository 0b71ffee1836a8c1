#pragma once

// A date pattern in the subset of java.text.SimpleDateFormat that MOSIP's
// TimestampConverterAdv configurations use (its `output.format`), applied
// in UTC as that transform does: "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" (its
// default), "yyyy-MM-dd", "HH:mm:ss" and the like.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace walcast::sinks::elasticsearch {

// Immutable after Parse; safe to share between threads.
//
// Letters: y (year; "yy" the last two digits), M (month number; MMM and
// longer, month names, are not supported), d, H, m, s, S (milliseconds),
// Z ("+0000") and X ("Z"). A count of n pads a number to n digits, as
// SimpleDateFormat does. Text in single quotes is literal ('' is a quote);
// other non-letters are literal. Any other letter is refused.
//
// One difference from Java: dates before 1582-10-15 are written in the
// proleptic Gregorian calendar (as PostgreSQL and Debezium count them),
// where java.util.Date switches to the Julian calendar.
class DateFormat {
 public:
  DateFormat() = default;
  // kInvalidArgument (naming the letter) for a pattern outside the subset.
  static Result<DateFormat> Parse(std::string_view pattern);

  // Appends `epoch_millis` (UTC) formatted to *out.
  void Format(int64_t epoch_millis, std::string* out) const;

  const std::string& pattern() const { return pattern_; }
  bool operator==(const DateFormat& other) const { return pattern_ == other.pattern_; }

  // TimestampConverterAdv's default output.format.
  static constexpr std::string_view kIsoMillis = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

 private:
  struct Part {
    char letter = 0;  // 0: `literal`
    int count = 0;
    std::string literal;
  };
  std::string pattern_;
  std::vector<Part> parts_;
};

}  // namespace walcast::sinks::elasticsearch
