#pragma once

// MOSIP's biometric digitalId (anonymous-profile.md §5): the device's fields
// from a JSON object, or from its text as JSON, a JWT's payload or plain
// base64.

#include <string>
#include <string_view>

#include <rapidjson/reader.h>

#include "mosip/profile.h"

namespace walcast::mosip {

// Empties every field of *d, keeping the strings' capacity.
void ClearDigitalId(DigitalId* d);

// The field of *d that the digitalId key `key` fills ("serialNo", "make",
// ...), or nullptr for any other key.
std::string* DigitalIdField(std::string_view key, DigitalId* d);

// Fills *d from digitalId text: a JSON object of strings, else a JWT's
// payload or plain base64 holding one. False when none of these reads
// (*d is then partly filled; the caller drops it). `reader` and `scratch`
// are reused between calls.
bool ReadDigitalIdText(std::string_view text, rapidjson::Reader* reader, std::string* scratch,
                       DigitalId* d);

}  // namespace walcast::mosip
