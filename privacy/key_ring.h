#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace walcast::privacy {

// The master keys of the privacy transforms: 256-bit AES keys by id, and
// the id new ciphertexts use. Read from a key file (privacy.keys.file) and
// the WALCAST_PRIVACY_KEYS environment variable, never from the properties
// file. Immutable after Load, so it may be shared between threads; the key
// bytes are wiped when the ring is destroyed.
//
// Text format (file or variable; entries on lines or separated by ';'):
//   # comment
//   current=k2          the id new ciphertexts are sealed with
//   k1=<base64 of 32 bytes>
//   k2=<base64 of 32 bytes>
// Ids are 1-32 characters of [A-Za-z0-9_-].
class KeyRing {
 public:
  KeyRing() = default;
  KeyRing(const KeyRing&) = delete;
  KeyRing& operator=(const KeyRing&) = delete;
  KeyRing(KeyRing&&) = default;
  KeyRing& operator=(KeyRing&&) = default;
  ~KeyRing();

  // Parses one text (see above); `source` names it in errors (never a key).
  // kInvalidArgument for a malformed line, a bad id, a key that is not 32
  // bytes of base64, a repeated id or a current id that names no key.
  static Result<KeyRing> Parse(std::string_view text, std::string_view source);

  // The file at `path` (empty: none) merged with the value of the
  // environment variable `env_var` (unset or empty: none); an id both give
  // must hold the same key; the variable's `current` wins. kNotFound for a
  // missing file, kInvalidArgument as Parse.
  static Result<KeyRing> Load(const std::string& path, const char* env_var);

  // The key with this id, or null.
  const std::string* Find(std::string_view id) const;
  // Empty when no `current` line was given.
  const std::string& current_id() const { return current_id_; }
  // Every key id, sorted.
  std::vector<std::string> ids() const;
  bool empty() const { return keys_.empty(); }
  size_t size() const { return keys_.size(); }

  // True for an id Parse accepts.
  static bool ValidId(std::string_view id);

 private:
  Status Merge(KeyRing&& other, std::string_view source);

  std::map<std::string, std::string, std::less<>> keys_;
  std::string current_id_;
};

// The environment variable Load reads by default.
inline constexpr const char* kKeysEnvVar = "WALCAST_PRIVACY_KEYS";
// Bytes of every AES-256 key.
inline constexpr size_t kKeyBytes = 32;

}  // namespace walcast::privacy
