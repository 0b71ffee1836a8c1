#pragma once

// The small text rules MOSIP's profiles need, shared by the parser
// (profile_parser.cc) and the derived values (profile.cc): ASCII case,
// blanks and whole numbers written as text.

#include <optional>
#include <string_view>

namespace walcast::mosip {

// Only spaces, tabs and line breaks (or nothing).
bool IsBlank(std::string_view s);
// Without leading and trailing spaces and tabs.
std::string_view Trim(std::string_view s);
char AsciiLower(char c);
char AsciiUpper(char c);
// A whole number written as text ("1988", " 1988 "); nullopt otherwise.
std::optional<int> IntFromText(std::string_view s);
// A finite number written as text; nullopt otherwise.
std::optional<double> DoubleFromText(std::string_view s);

}  // namespace walcast::mosip
