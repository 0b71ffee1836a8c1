#pragma once

// The hashed channel values of generated profiles (profile_generator.h):
// idrepo.channel_info's hashed_channel and Annexure A's `hashedchannel`.

#include <cstdint>
#include <string>
#include <string_view>

namespace walcast::mosip {

// §4.4's recommendation for generated data: SHA-256 of the normalised value,
// as 64 upper-case hex digits. (MOSIP hashes the raw value with a salt;
// walcast treats the hash as opaque either way.)
std::string HashChannel(std::string_view normalised);

// Generated phone numbers are +2126 and eight digits (`phone` is the eight
// digits); normalised: digits only, with the country code.
std::string PhoneHash(uint32_t phone);
// Generated emails are person<N>@example.org, lower case already.
std::string EmailHash(uint32_t email);

}  // namespace walcast::mosip
