#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace walcast::privacy {

// A date normalised to ISO 8601 in UTC, with its calendar fields.
struct IsoDate {
  std::string text;  // "YYYY-MM-DD", or "YYYY-MM-DDTHH:MM:SS[.f]Z" when a time was given
  int year = 0;
  int month = 0;
  int day = 0;

  bool operator==(const IsoDate&) const = default;
};

// Parses "YYYY-MM-DD", optionally followed by 'T' or ' ' and
// "HH:MM[:SS[.fraction]]" and a zone ("Z", "+HH:MM", "+HHMM", "+HH"; none
// means UTC), and converts it to UTC (the fraction's digits are kept).
// nullopt for anything else, or an impossible date or time.
std::optional<IsoDate> NormalizeDate(std::string_view text);

// The same for milliseconds since the Unix epoch.
IsoDate DateFromEpochMillis(int64_t millis);

}  // namespace walcast::privacy
