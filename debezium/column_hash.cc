#include "debezium/column_hash.h"

#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <memory>

#include "core/encoding.h"

namespace walcast::debezium {
namespace {

struct DigestName {
  std::string_view java;     // MessageDigest's standard name
  std::string_view openssl;  // EVP_get_digestbyname's
  std::array<std::string_view, 2> aliases;
};

// The MessageDigest algorithms of the JDK's SUN provider (MD2 aside, which
// OpenSSL 3 no longer provides) and the aliases it registers.
constexpr std::array<DigestName, 12> kDigests = {{
    {"MD5", "MD5", {}},
    {"SHA-1", "SHA1", {"SHA", "SHA1"}},
    {"SHA-224", "SHA224", {"SHA224", {}}},
    {"SHA-256", "SHA256", {"SHA256", {}}},
    {"SHA-384", "SHA384", {"SHA384", {}}},
    {"SHA-512", "SHA512", {"SHA512", {}}},
    {"SHA-512/224", "SHA512-224", {"SHA512/224", {}}},
    {"SHA-512/256", "SHA512-256", {"SHA512/256", {}}},
    {"SHA3-224", "SHA3-224", {}},
    {"SHA3-256", "SHA3-256", {}},
    {"SHA3-384", "SHA3-384", {}},
    {"SHA3-512", "SHA3-512", {}},
}};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Decodes one UTF-8 sequence at s[*i]; a malformed byte reads as itself.
uint32_t NextCodePoint(std::string_view s, size_t* i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t b0 = byte(*i);
  size_t extra = b0 >= 0xF0 ? 3 : b0 >= 0xE0 ? 2 : b0 >= 0xC0 ? 1 : 0;
  if (*i + extra >= s.size()) extra = 0;
  uint32_t cp = extra == 0 ? b0 : b0 & (0x3F >> extra);
  for (size_t k = 1; k <= extra; ++k) cp = (cp << 6) | (byte(*i + k) & 0x3F);
  *i += extra + 1;
  return cp;
}

// Java's modified UTF-8 (DataOutput.writeUTF) of one UTF-16 code unit.
void AppendModifiedUtf8(uint32_t unit, std::string* out) {
  if (unit >= 0x01 && unit <= 0x7F) {
    out->push_back(static_cast<char>(unit));
  } else if (unit <= 0x7FF) {
    out->push_back(static_cast<char>(0xC0 | (unit >> 6)));
    out->push_back(static_cast<char>(0x80 | (unit & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (unit >> 12)));
    out->push_back(static_cast<char>(0x80 | ((unit >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (unit & 0x3F)));
  }
}

}  // namespace

std::string JavaSerializedString(std::string_view utf8) {
  std::string text;
  text.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) {
    const uint32_t cp = NextCodePoint(utf8, &i);
    if (cp >= 0x10000) {
      // A supplementary character is a surrogate pair in Java: each
      // half is written as three bytes.
      AppendModifiedUtf8(0xD800 + ((cp - 0x10000) >> 10), &text);
      AppendModifiedUtf8(0xDC00 + ((cp - 0x10000) & 0x3FF), &text);
    } else {
      AppendModifiedUtf8(cp, &text);
    }
  }
  std::string out = {'\xAC', '\xED', '\x00', '\x05'};
  const uint64_t length = text.size();
  if (length <= 0xFFFF) {
    out.push_back('\x74');  // TC_STRING
    out.push_back(static_cast<char>(length >> 8));
    out.push_back(static_cast<char>(length & 0xFF));
  } else {
    out.push_back('\x7C');  // TC_LONGSTRING
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((length >> shift) & 0xFF));
    }
  }
  out += text;
  return out;
}

Result<ColumnHasher> ColumnHasher::Create(std::string_view algorithm, std::string salt,
                                          HashVersion version) {
  for (const DigestName& digest : kDigests) {
    bool match = EqualsIgnoreCase(algorithm, digest.java);
    for (std::string_view alias : digest.aliases) {
      match = match || (!alias.empty() && EqualsIgnoreCase(algorithm, alias));
    }
    if (!match) continue;
    const EVP_MD* md = EVP_get_digestbyname(std::string(digest.openssl).c_str());
    if (md == nullptr) break;
    return ColumnHasher(std::string(digest.java), md, std::move(salt), version);
  }
  return Status::InvalidArgument("unknown hash algorithm '" + std::string(algorithm) +
                                 "' (expected a Java MessageDigest name such as SHA-256)");
}

std::string ColumnHasher::Hash(std::string_view utf8_value) const {
  const std::string serialized =
      version_ == HashVersion::kV1 ? JavaSerializedString(utf8_value) : std::string();
  const std::string_view bytes = version_ == HashVersion::kV1 ? serialized : utf8_value;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const bool ok = ctx != nullptr &&
                  EVP_DigestInit_ex(ctx.get(), static_cast<const EVP_MD*>(md_), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx.get(), salt_.data(), salt_.size()) == 1 &&
                  EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx.get(), digest, &size) == 1;
  // Only an allocation failure makes a digest of a known algorithm fail.
  WALCAST_CHECK(ok);
  std::string hex;
  AppendHex(std::string_view(reinterpret_cast<const char*>(digest), size), &hex);
  return hex;
}

}  // namespace walcast::debezium
