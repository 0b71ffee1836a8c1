#include "projections/sunbird_cipher.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <fstream>

#include "core/encoding.h"

namespace walcast::projections {
namespace {

// Sunbird's fixed AES key (keyValue in its EncryptionService and
// DecryptionService interfaces); the secret part is the salt.
constexpr unsigned char kSunbirdKey[16] = {'T', 'h', 'i', 's', 'A', 's', 'I', 'S',
                                           'e', 'r', 'c', 'e', 'K', 't', 'e', 'y'};
// Sunbird's ITERATIONS.
constexpr int kRounds = 3;
// sun.misc.BASE64Encoder: 57 bytes (76 characters) per line.
constexpr size_t kBytesPerLine = 57;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

// One AES-128-ECB pass with PKCS#7 padding (Java's "AES" is
// AES/ECB/PKCS5Padding). False on a wrong key or bad padding.
bool AesEcb(bool encrypt, std::string_view in, std::string* out) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return false;
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_128_ecb(), nullptr, kSunbirdKey, nullptr,
                        encrypt ? 1 : 0) != 1) {
    return false;
  }
  out->resize(in.size() + 16);
  int n = 0;
  int tail = 0;
  auto* dst = reinterpret_cast<unsigned char*>(out->data());
  if (EVP_CipherUpdate(ctx.get(), dst, &n, reinterpret_cast<const unsigned char*>(in.data()),
                       static_cast<int>(in.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), dst + n, &tail) != 1) {
    return false;
  }
  out->resize(static_cast<size_t>(n + tail));
  return true;
}

std::string JavaMimeBase64(std::string_view bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += kBytesPerLine) {
    if (i > 0) out.push_back('\n');
    AppendBase64(bytes.substr(i, kBytesPerLine), &out);
  }
  // A last line of exactly 57 bytes still ends with the line separator.
  if (!bytes.empty() && bytes.size() % kBytesPerLine == 0) out.push_back('\n');
  return out;
}

}  // namespace

SunbirdCipher::SunbirdCipher(std::string salt) : salt_(std::move(salt)) {}
SunbirdCipher::~SunbirdCipher() = default;

Result<std::unique_ptr<SunbirdCipher>> SunbirdCipher::Create(std::string salt) {
  if (salt.empty()) return Status::InvalidArgument("sunbird cipher: the encryption key is empty");
  return std::unique_ptr<SunbirdCipher>(new SunbirdCipher(std::move(salt)));
}

Result<std::string> SunbirdCipher::Encrypt(std::string_view plain) const {
  std::string value(plain);
  std::string sealed;
  for (int round = 0; round < kRounds; ++round) {
    if (!AesEcb(true, salt_ + value, &sealed))
      return Status::Internal("sunbird cipher: AES failed");
    value = JavaMimeBase64(sealed);
  }
  return value;
}

Result<std::string> SunbirdCipher::Decrypt(std::string_view encrypted) const {
  std::string value(encrypted);
  std::string sealed;
  for (int round = 0; round < kRounds; ++round) {
    // BASE64Decoder skips the line breaks the encoder wrote.
    std::string compact;
    for (char c : value) {
      if (c != '\n' && c != '\r') compact.push_back(c);
    }
    if (compact.empty() || !DecodeBase64(compact, &sealed)) {
      return Status::Rejected("not base64 (round " + std::to_string(round + 1) + ")");
    }
    if (sealed.size() % 16 != 0 || !AesEcb(false, sealed, &value)) {
      return Status::Rejected("does not decrypt with the configured key (round " +
                              std::to_string(round + 1) + ")");
    }
    if (value.compare(0, salt_.size(), salt_) != 0) {
      return Status::Rejected("decrypted text lacks the configured salt (round " +
                              std::to_string(round + 1) + ")");
    }
    value.erase(0, salt_.size());
  }
  return value;
}

Result<std::unique_ptr<SunbirdCipher>> LoadSunbirdCipher(const std::string& key_file,
                                                         const std::string& env) {
  std::string salt;
  if (!key_file.empty()) {
    std::ifstream in(key_file);
    if (!in || !std::getline(in, salt) || salt.empty()) {
      return Status::NotFound("sunbird cipher: no key in " + key_file);
    }
    if (!salt.empty() && salt.back() == '\r') salt.pop_back();
  } else {
    const char* v = env.empty() ? nullptr : std::getenv(env.c_str());
    if (v == nullptr || *v == '\0') {
      return Status::NotFound("sunbird cipher: environment variable " + env + " is not set");
    }
    salt = v;
  }
  return SunbirdCipher::Create(std::move(salt));
}

}  // namespace walcast::projections
