#pragma once

// Debezium's column.mask.hash.<algorithm>.with.salt.<salt> and its .v2.
// variant (MaskStrings' HashValueConverter): the lower-case hex digest of
// the salt's bytes followed by the bytes of the value. The two versions
// hash different bytes for the same string:
//   v1: the value as Java serialization writes a java.lang.String
//       (ObjectOutputStream: stream header AC ED 00 05, TC_STRING 0x74 and
//       a two-byte length, or TC_LONGSTRING 0x7C and an eight-byte length
//       past 65535 bytes, then the text in Java's modified UTF-8);
//   v2: the value's bytes in the JVM's default charset (UTF-8).
// The salt is always its UTF-8 bytes. The digest comes from OpenSSL.

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace walcast::debezium {

enum class HashVersion { kV1, kV2 };

// Immutable after Create; Hash may be called from one thread at a time
// per hasher (the encoder's thread).
class ColumnHasher {
 public:
  // `algorithm` is a Java MessageDigest name (MD5, SHA-1, SHA-256,
  // SHA-512/256, SHA3-256, ..., case-insensitive, with Java's aliases SHA,
  // SHA1, SHA256, ...). kInvalidArgument for a name Java or OpenSSL lacks.
  static Result<ColumnHasher> Create(std::string_view algorithm, std::string salt,
                                     HashVersion version);

  // The hex digest of the salt and `utf8_value` (valid UTF-8 text).
  std::string Hash(std::string_view utf8_value) const;

  const std::string& algorithm() const { return algorithm_; }

 private:
  ColumnHasher(std::string algorithm, const void* md, std::string salt, HashVersion version)
      : algorithm_(std::move(algorithm)), md_(md), salt_(std::move(salt)), version_(version) {}

  std::string algorithm_;  // Java's canonical name
  const void* md_;         // const EVP_MD*, owned by OpenSSL (static)
  std::string salt_;
  HashVersion version_;
};

// The bytes ObjectOutputStream.writeObject writes for a java.lang.String
// holding `utf8` (valid UTF-8), stream header included.
std::string JavaSerializedString(std::string_view utf8);

}  // namespace walcast::debezium
