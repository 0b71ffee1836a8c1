#pragma once

// Version 4 UUID text for generated rows (profile_generator.h,
// mosip_tables_generator.h), from 128 bits the caller drew.

#include <cstdint>
#include <string>

namespace walcast::mosip {

// Appends "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" (RFC 4122 version 4,
// variant bits 10) made from `hi` and `lo`, 6 of whose bits are overwritten.
void AppendUuidV4(uint64_t hi, uint64_t lo, std::string* out);

}  // namespace walcast::mosip
