#pragma once

// Sunbird's user-service encryption of personal columns (email, phone), so
// walcast can read what Sunbird wrote. As Sunbird's
// DefaultEncryptionServivceImpl / DefaultDecryptionServiceImpl do it
// (Sunbird-Lern userorg-service and sunbird-utils, public source):
//   repeat 3 times:  v = base64_mime(AES-128-ECB-PKCS5(salt + v))
// with Sunbird's fixed 16-byte AES key and the deployment's secret salt
// (`sunbird_encryption_key`), base64 as Java's sun.misc.BASE64Encoder
// writes it (a '\n' after every 76 characters but the last line).
// Decryption undoes the three rounds, checking that each round's plain text
// starts with the salt.
//
// The salt is a secret: it is held only in this object, never logged, never
// written to the state; a value that does not decrypt is reported without
// its text. All crypto is OpenSSL's EVP.
//
// Thread: immutable after Create; any thread (each call makes its own
// cipher context).

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace walcast::projections {

class SunbirdCipher {
 public:
  // kInvalidArgument when the salt is empty.
  static Result<std::unique_ptr<SunbirdCipher>> Create(std::string salt);
  ~SunbirdCipher();
  SunbirdCipher(const SunbirdCipher&) = delete;
  SunbirdCipher& operator=(const SunbirdCipher&) = delete;

  // The plain text; kRejected (a dead letter: not base64, wrong key or
  // padding, salt missing) with a reason that never includes the value.
  Result<std::string> Decrypt(std::string_view encrypted) const;
  // What Sunbird's user service stores for `plain` (for sample data).
  Result<std::string> Encrypt(std::string_view plain) const;

 private:
  explicit SunbirdCipher(std::string salt);
  std::string salt_;
};

// Reads the salt from `key_file` (its first line) when set, else from the
// environment variable `env` (Sunbird's own name: sunbird_encryption_key).
// kNotFound when neither gives one; the message names the file or variable,
// never the value.
Result<std::unique_ptr<SunbirdCipher>> LoadSunbirdCipher(const std::string& key_file,
                                                         const std::string& env);

}  // namespace walcast::projections
