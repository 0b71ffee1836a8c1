#include "core/encoding.h"

#include <cstdint>

namespace walcast {

void AppendBase64(std::string_view bytes, std::string* out, bool url_safe) {
  static constexpr char kStd[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static constexpr char kUrl[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const char* table = url_safe ? kUrl : kStd;
  size_t i = 0;
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = p[i] << 16 | p[i + 1] << 8 | p[i + 2];
    out->push_back(table[v >> 18 & 63]);
    out->push_back(table[v >> 12 & 63]);
    out->push_back(table[v >> 6 & 63]);
    out->push_back(table[v & 63]);
  }
  if (i + 1 == bytes.size()) {
    const uint32_t v = p[i] << 16;
    out->push_back(table[v >> 18 & 63]);
    out->push_back(table[v >> 12 & 63]);
    out->append("==");
  } else if (i + 2 == bytes.size()) {
    const uint32_t v = p[i] << 16 | p[i + 1] << 8;
    out->push_back(table[v >> 18 & 63]);
    out->push_back(table[v >> 12 & 63]);
    out->push_back(table[v >> 6 & 63]);
    out->push_back('=');
  }
}

void AppendHex(std::string_view bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    out->push_back(kHex[b >> 4]);
    out->push_back(kHex[b & 15]);
  }
}

bool DecodeBase64(std::string_view in, std::string* out) {
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    else if (c == '=')
      break;
    else
      return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return !out->empty();
}

}  // namespace walcast
