#include "mosip/channel_hash.h"

#include <openssl/sha.h>

#include <cstdio>

#include "core/encoding.h"

namespace walcast::mosip {

std::string HashChannel(std::string_view normalised) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(normalised.data()), normalised.size(), digest);
  std::string out;
  AppendHex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest), &out);
  for (char& c : out) {
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string PhoneHash(uint32_t phone) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "2126%08u", phone);
  return HashChannel(buf);
}

std::string EmailHash(uint32_t email) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "person%u@example.org", email);
  return HashChannel(buf);
}

}  // namespace walcast::mosip
