#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace walcast::privacy {

// walcast's field ciphertexts: AES-256-GCM through OpenSSL's EVP interface,
// a fresh random 96-bit IV per value, and the id of the key in clear so
// that keys can rotate. The text form (docs/privacy.md) is
//
//   wc1:<key id>:<base64(iv[12] | ciphertext | tag[16])>
//
// The additional authenticated data is "wc1:<key id>", followed by "\n" and
// the context when one is given, so a ciphertext moved under another key id
// (or context) fails to open. Thread-safe: no shared state.

inline constexpr std::string_view kSealedPrefix = "wc1:";
inline constexpr size_t kIvBytes = 12;
inline constexpr size_t kTagBytes = 16;

// A parsed ciphertext.
struct Sealed {
  std::string key_id;
  std::string blob;  // iv | ciphertext | tag
};

// True when `text` has the shape of a walcast ciphertext (prefix, key id,
// base64 of at least an IV and a tag). Cheap; used to find ciphertexts.
bool LooksSealed(std::string_view text);

// Parses the text form. kInvalidArgument when it is not one.
Result<Sealed> ParseSealed(std::string_view text);

// Encrypts `plaintext` under `key` (32 bytes) as key `key_id`. kInternal
// when OpenSSL fails (no randomness, bad key length).
Result<std::string> Seal(std::string_view key, std::string_view key_id, std::string_view plaintext,
                         std::string_view context = {});

// Bytes from OpenSSL's CSPRNG (RAND_bytes), drawn a block at a time: one
// call per block instead of one per IV or key, which was most of a small
// seal's cost. Every byte is handed out once and wiped from the block as it
// goes, so no two takers ever get the same bytes (each IV stays a fresh
// random 96-bit value). Not thread-safe: one per thread. walcast never
// forks, which would duplicate the unread part of the block.
class RandomPool {
 public:
  RandomPool() = default;
  RandomPool(const RandomPool&) = delete;
  RandomPool& operator=(const RandomPool&) = delete;
  ~RandomPool();

  // Writes `n` (at most kBlockBytes) random bytes to `out`. kInternal when
  // RAND_bytes fails; nothing is written then.
  Status Take(size_t n, unsigned char* out);
  // As Take, into a new string.
  Result<std::string> Take(size_t n);

  static constexpr size_t kBlockBytes = 1024;

 private:
  unsigned char block_[kBlockBytes] = {};
  size_t next_ = kBlockBytes;  // the first unread byte of block_
};

// Seals many values under one key, expanding the key once (Seal's cost is
// mostly that and the context allocation) and drawing IVs from a
// RandomPool. Each value still gets a fresh random IV. Not thread-safe: one
// per thread.
class Sealer {
 public:
  // kInternal when OpenSSL fails or the key is not 32 bytes.
  static Result<Sealer> Create(std::string_view key, std::string key_id);
  Sealer(Sealer&&) noexcept;
  Sealer& operator=(Sealer&&) noexcept;
  ~Sealer();

  // Switches to another key on the same OpenSSL context (no new context,
  // no cipher look-up: a key expansion only). kInternal as Create; the
  // sealer has no usable key then until the next successful Rekey.
  Status Rekey(std::string_view key, std::string key_id);

  // As the free Seal().
  Result<std::string> Seal(std::string_view plaintext, std::string_view context = {});
  // Seals the plaintext `head` followed by `body` (without joining them
  // first) and writes the text form into *out, replacing what it held; a
  // reused *out keeps its capacity, so a row's seals allocate nothing.
  // kInternal as Seal; *out is then empty.
  Status SealTo(std::string_view head, std::string_view body, std::string* out);
  const std::string& key_id() const { return key_id_; }

 private:
  struct Ctx;
  Sealer(std::unique_ptr<Ctx> ctx, std::string key_id);
  // Encrypts the concatenation of `parts` into ctx_->blob (iv | ciphertext
  // | tag) under `aad`.
  Status Encrypt(std::initializer_list<std::string_view> parts, std::string_view aad);
  // Appends the text form of ctx_->blob to *out and wipes the blob.
  void AppendText(std::string* out);
  std::unique_ptr<Ctx> ctx_;
  std::string key_id_;
};

// HMAC-SHA-256 under one key, keyed once (OpenSSL's EVP_MAC, re-initialised
// per value with the same key) instead of fetching the digest and setting
// the key for every value as the free HmacSha256Hex() does. Not
// thread-safe: one per thread.
class Hmac {
 public:
  // kInternal when OpenSSL fails.
  static Result<Hmac> Create(std::string_view key);
  Hmac(Hmac&&) noexcept;
  Hmac& operator=(Hmac&&) noexcept;
  ~Hmac();

  // As HmacSha256Hex(key, data). kInternal when OpenSSL fails.
  Result<std::string> Hex(std::string_view data);

 private:
  struct Ctx;
  explicit Hmac(std::unique_ptr<Ctx> ctx);
  std::unique_ptr<Ctx> ctx_;
};

// Decrypts a parsed ciphertext with `key`. kCorruption when the tag does not
// verify (wrong key, wrong context, or a modified ciphertext): nothing of
// the plaintext is returned then.
Result<std::string> Open(std::string_view key, const Sealed& sealed, std::string_view context = {});

// HMAC-SHA-256 of `data` under `key`, as 64 lower-case hex digits.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// `n` bytes from OpenSSL's CSPRNG, in one RAND_bytes call (RandomPool draws
// many at once). kInternal when it fails.
Result<std::string> RandomBytes(size_t n);

}  // namespace walcast::privacy
