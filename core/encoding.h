#pragma once

#include <string>
#include <string_view>

namespace walcast {

// Base64 with padding (RFC 4648 §4; §5's URL-safe alphabet when url_safe),
// appended to *out. Jackson's binary encoding and HTTP Basic credentials.
void AppendBase64(std::string_view bytes, std::string* out, bool url_safe = false);

// Lower-case hex, two digits per byte, appended to *out.
void AppendHex(std::string_view bytes, std::string* out);

}  // namespace walcast
