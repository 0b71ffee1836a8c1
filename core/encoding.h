#pragma once

#include <string>
#include <string_view>

namespace walcast {

// Base64 with padding (RFC 4648 §4; §5's URL-safe alphabet when url_safe),
// appended to *out. Jackson's binary encoding and HTTP Basic credentials.
void AppendBase64(std::string_view bytes, std::string* out, bool url_safe = false);

// Decodes base64 in the standard or the URL-safe alphabet (RFC 4648 §4, §5),
// padding optional, into *out (replaced). Stops at the first '='. False on
// any other character, or when nothing decodes.
bool DecodeBase64(std::string_view in, std::string* out);

// Lower-case hex, two digits per byte, appended to *out.
void AppendHex(std::string_view bytes, std::string* out);

}  // namespace walcast
