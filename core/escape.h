#pragma once

// Backslash escapes shared by the text formats walcast writes: JSON as
// Jackson writes it (debezium/connect_schema.h), JSON as org.json writes it
// (mosip/update_id.cc, where MOSIP's update ids hash those exact bytes), and
// PostgreSQL's COPY text format (app/generate_profiles.cc). Each format
// decides which characters it escapes; these give the escapes themselves.

#include <cstdint>
#include <string>
#include <string_view>

namespace walcast {

// The two-character escape of `c` that JSON (RFC 8259 §7), Java string
// literals and COPY's text format all read the same way: \\ \b \t \n \f \r.
// Empty for any other character.
std::string_view ShortEscape(uint32_t c);

// "\u" and the four hex digits of a UTF-16 code unit, upper case for
// Jackson, lower case for org.json.
void AppendUnicodeEscape(uint32_t unit, bool upper_case, std::string* out);

}  // namespace walcast
