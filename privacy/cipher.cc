#include "privacy/cipher.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/encoding.h"
#include "privacy/key_ring.h"

namespace walcast::privacy {
namespace {

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;
struct MacDeleter {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

std::string Aad(std::string_view key_id, std::string_view context) {
  std::string aad(kSealedPrefix);
  aad += key_id;
  if (!context.empty()) {
    aad += '\n';
    aad += context;
  }
  return aad;
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Result<Sealed> ParseSealed(std::string_view text) {
  if (text.substr(0, kSealedPrefix.size()) != kSealedPrefix) {
    return Status::InvalidArgument("not a walcast ciphertext (no wc1: prefix)");
  }
  const std::string_view rest = text.substr(kSealedPrefix.size());
  const size_t colon = rest.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument("walcast ciphertext without a key id");
  }
  Sealed sealed;
  sealed.key_id = std::string(rest.substr(0, colon));
  for (const char c : sealed.key_id) {
    // Master key ids (KeyRing::ValidId) and subject key ids (with '.').
    const bool ok = KeyRing::ValidId(std::string_view(&c, 1)) || c == '.';
    if (!ok) return Status::InvalidArgument("walcast ciphertext with a malformed key id");
  }
  if (!DecodeBase64(rest.substr(colon + 1), &sealed.blob) ||
      sealed.blob.size() < kIvBytes + kTagBytes) {
    return Status::InvalidArgument("walcast ciphertext whose body is not base64 of iv|data|tag");
  }
  return sealed;
}

bool LooksSealed(std::string_view text) {
  return text.size() > kSealedPrefix.size() + 2 &&
         text.substr(0, kSealedPrefix.size()) == kSealedPrefix && ParseSealed(text).ok();
}

Result<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return Status::Internal("OpenSSL RAND_bytes failed");
  }
  return out;
}

RandomPool::~RandomPool() { OPENSSL_cleanse(block_, sizeof block_); }

Status RandomPool::Take(size_t n, unsigned char* out) {
  if (n > kBlockBytes) return Status::Internal("RandomPool: more bytes than a block asked for");
  size_t done = 0;
  while (done < n) {
    if (next_ == kBlockBytes) {
      if (RAND_bytes(block_, static_cast<int>(kBlockBytes)) != 1) {
        return Status::Internal("OpenSSL RAND_bytes failed");
      }
      next_ = 0;
    }
    const size_t take = std::min(n - done, kBlockBytes - next_);
    std::memcpy(out + done, block_ + next_, take);
    // Handed out once: wiped so that nothing in memory can give it again.
    OPENSSL_cleanse(block_ + next_, take);
    next_ += take;
    done += take;
  }
  return Status::Ok();
}

Result<std::string> RandomPool::Take(size_t n) {
  std::string out(n, '\0');
  WALCAST_RETURN_IF_ERROR(Take(n, reinterpret_cast<unsigned char*>(out.data())));
  return out;
}

struct Sealer::Ctx {
  CipherCtx ctx;
  RandomPool ivs;
  std::string aad;   // "wc1:<key id>", the AAD without a context
  std::string blob;  // iv | ciphertext | tag of the value being sealed
};

Sealer::Sealer(std::unique_ptr<Ctx> ctx, std::string key_id)
    : ctx_(std::move(ctx)), key_id_(std::move(key_id)) {
  ctx_->aad = Aad(key_id_, {});
}
Sealer::Sealer(Sealer&&) noexcept = default;
Sealer& Sealer::operator=(Sealer&&) noexcept = default;
Sealer::~Sealer() = default;

Result<Sealer> Sealer::Create(std::string_view key, std::string key_id) {
  if (key.size() != kKeyBytes) return Status::Internal("AES-256-GCM needs a 32-byte key");
  auto ctx = std::make_unique<Ctx>();
  ctx->ctx.reset(EVP_CIPHER_CTX_new());
  if (!ctx->ctx ||
      EVP_EncryptInit_ex(ctx->ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx->ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kIvBytes, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx->ctx.get(), nullptr, nullptr, Bytes(key), nullptr) != 1) {
    return Status::Internal("OpenSSL AES-256-GCM set-up failed");
  }
  return Sealer(std::move(ctx), std::move(key_id));
}

Status Sealer::Rekey(std::string_view key, std::string key_id) {
  key_id_.clear();
  ctx_->aad.clear();
  // The cipher and IV length stay; only the key schedule is redone.
  if (key.size() != kKeyBytes ||
      EVP_EncryptInit_ex(ctx_->ctx.get(), nullptr, nullptr, Bytes(key), nullptr) != 1) {
    return Status::Internal("OpenSSL AES-256-GCM set-up failed");
  }
  key_id_ = std::move(key_id);
  ctx_->aad = Aad(key_id_, {});
  return Status::Ok();
}

Status Sealer::Encrypt(std::initializer_list<std::string_view> parts, std::string_view aad) {
  if (key_id_.empty()) return Status::Internal("AES-256-GCM sealer without a key");
  size_t plain_bytes = 0;
  for (const std::string_view part : parts) plain_bytes += part.size();
  std::string& blob = ctx_->blob;
  blob.resize(kIvBytes + plain_bytes + kTagBytes);
  auto* iv = reinterpret_cast<unsigned char*>(blob.data());
  WALCAST_RETURN_IF_ERROR(ctx_->ivs.Take(kIvBytes, iv));
  unsigned char* out = iv + kIvBytes;
  EVP_CIPHER_CTX* ctx = ctx_->ctx.get();
  int len = 0;
  // A new IV with the key already expanded (EVP_EncryptInit_ex with a null
  // cipher and key keeps both).
  if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv) != 1 ||
      EVP_EncryptUpdate(ctx, nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) != 1) {
    return Status::Internal("OpenSSL AES-256-GCM encryption failed");
  }
  int total = 0;
  // GCM is a stream mode: updating part by part gives the ciphertext of
  // the joined plaintext.
  for (const std::string_view part : parts) {
    if (part.empty()) continue;
    if (EVP_EncryptUpdate(ctx, out + total, &len, Bytes(part), static_cast<int>(part.size())) !=
        1) {
      return Status::Internal("OpenSSL AES-256-GCM encryption failed");
    }
    total += len;
  }
  if (EVP_EncryptFinal_ex(ctx, out + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, out + total + len) != 1) {
    return Status::Internal("OpenSSL AES-256-GCM encryption failed");
  }
  return Status::Ok();
}

void Sealer::AppendText(std::string* out) {
  std::string& blob = ctx_->blob;
  out->reserve(out->size() + kSealedPrefix.size() + key_id_.size() + 1 + (blob.size() + 2) / 3 * 4);
  *out += kSealedPrefix;
  *out += key_id_;
  *out += ':';
  AppendBase64(blob, out);
  // Nothing of the value stays behind in the reused buffer.
  OPENSSL_cleanse(blob.data(), blob.size());
}

Result<std::string> Sealer::Seal(std::string_view plaintext, std::string_view context) {
  std::string text;
  if (context.empty()) {
    WALCAST_RETURN_IF_ERROR(Encrypt({plaintext}, ctx_->aad));
  } else {
    WALCAST_RETURN_IF_ERROR(Encrypt({plaintext}, Aad(key_id_, context)));
  }
  AppendText(&text);
  return text;
}

Status Sealer::SealTo(std::string_view head, std::string_view body, std::string* out) {
  out->clear();
  WALCAST_RETURN_IF_ERROR(Encrypt({head, body}, ctx_->aad));
  AppendText(out);
  return Status::Ok();
}

struct Hmac::Ctx {
  std::unique_ptr<EVP_MAC, MacDeleter> mac;
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx;
};

Hmac::Hmac(std::unique_ptr<Ctx> ctx) : ctx_(std::move(ctx)) {}
Hmac::Hmac(Hmac&&) noexcept = default;
Hmac& Hmac::operator=(Hmac&&) noexcept = default;
Hmac::~Hmac() = default;

Result<Hmac> Hmac::Create(std::string_view key) {
  auto ctx = std::make_unique<Ctx>();
  ctx->mac.reset(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  if (ctx->mac) ctx->ctx.reset(EVP_MAC_CTX_new(ctx->mac.get()));
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_END};
  if (!ctx->ctx || EVP_MAC_init(ctx->ctx.get(), Bytes(key), key.size(), params) != 1) {
    return Status::Internal("OpenSSL HMAC-SHA-256 set-up failed");
  }
  return Hmac(std::move(ctx));
}

Result<std::string> Hmac::Hex(std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  EVP_MAC_CTX* ctx = ctx_->ctx.get();
  // A null key re-initialises with the key set by Create.
  if (EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(ctx, Bytes(data), data.size()) != 1 ||
      EVP_MAC_final(ctx, mac, &mac_len, sizeof mac) != 1) {
    return Status::Internal("OpenSSL HMAC-SHA-256 failed");
  }
  std::string out;
  AppendHex(std::string_view(reinterpret_cast<const char*>(mac), mac_len), &out);
  return out;
}

Result<std::string> Seal(std::string_view key, std::string_view key_id, std::string_view plaintext,
                         std::string_view context) {
  WALCAST_ASSIGN_OR_RETURN(Sealer sealer, Sealer::Create(key, std::string(key_id)));
  return sealer.Seal(plaintext, context);
}

Result<std::string> Open(std::string_view key, const Sealed& sealed, std::string_view context) {
  if (key.size() != kKeyBytes) return Status::Internal("AES-256-GCM needs a 32-byte key");
  if (sealed.blob.size() < kIvBytes + kTagBytes) {
    return Status::Corruption("ciphertext shorter than its IV and tag");
  }
  const std::string_view blob = sealed.blob;
  const std::string_view iv = blob.substr(0, kIvBytes);
  const std::string_view data = blob.substr(kIvBytes, blob.size() - kIvBytes - kTagBytes);
  std::string tag(blob.substr(blob.size() - kTagBytes));
  const std::string aad = Aad(sealed.key_id, context);
  std::string plain(data.size(), '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kIvBytes, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(key), Bytes(iv)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                        Bytes(data), static_cast<int>(data.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return Status::Internal("OpenSSL AES-256-GCM decryption failed");
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len,
                          &final_len) != 1) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return Status::Corruption("ciphertext under key '" + sealed.key_id +
                              "' does not authenticate (wrong key or modified)");
  }
  plain.resize(static_cast<size_t>(len + final_len));
  return plain;
}

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), Bytes(data), data.size(), mac,
       &mac_len);
  std::string out;
  AppendHex(std::string_view(reinterpret_cast<const char*>(mac), mac_len), &out);
  return out;
}

}  // namespace walcast::privacy
